"""The admin page of SMS credits (Brand Administrators, as the API's ``/credits``): the
balance, and what texts consumed by month and by destination country."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from fastapi import Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from smsurvey.accounts.credits import Consumption, Period, balance, consumption
from smsurvey.web.admin import AdminPageCallerDep, admin_router, render
from smsurvey.web.charts import Bar, bar_chart

router = admin_router("/credits")

UNKNOWN_REGION = "??"


def credits_text(amount: Decimal) -> str:
    """An amount of credits as people write it: ``12.5``, ``1,000``."""
    return f"{amount.normalize():,f}" if amount else "0"


def _chart(totals: Iterable[tuple[str, Decimal]], title: str, description: str) -> Markup:
    bars = [Bar(label, float(spent), shown=credits_text(spent)) for label, spent in totals]
    return bar_chart(bars, title=title, description=description)


def _sums(rows: list[Consumption], key: str) -> dict[str, Decimal]:
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        label = getattr(row, key)
        sums["Unknown" if label == UNKNOWN_REGION else label] += row.credits
    return sums


@router.get("")
async def credits_page(request: Request, caller: AdminPageCallerDep) -> HTMLResponse:
    """The credits left, and charts and a table of what texts consumed."""
    runtime = caller.runtime
    left = await balance(
        caller.session, caller.organization, runtime.settings.initial_credits, runtime.clock.now()
    )
    rows = await consumption(caller.session, caller.organization, Period.MONTH)
    by_month = sorted(_sums(rows, "period").items())
    by_country = sorted(_sums(rows, "region").items(), key=lambda item: (-item[1], item[0]))
    return render(
        request,
        "admin/credits/index.html",
        caller,
        balance=credits_text(left),
        rows=rows,
        total=credits_text(sum((row.credits for row in rows), Decimal(0))),
        texts=sum(row.texts for row in rows),
        credits_text=credits_text,
        month_chart=_chart(
            by_month, "Credits by month", "Credits spent on texts each month (UTC)."
        ),
        country_chart=_chart(
            by_country, "Credits by country", "Credits spent on texts to each country, most first."
        ),
    )
