"""Paging API lists the v3 way: ``pageSize`` with ``offset`` or ``skipToken`` in, an
absolute ``nextPage`` URL on this server out (clients follow it verbatim)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Query, Request

from smsurvey.kit.errors import InvalidInput

T = TypeVar("T")
MAX_OFFSET = 2**31 - 1
"""The deepest a page may start (beyond it a database's integer overflows)."""


@dataclass(frozen=True, slots=True)
class Window:
    """Which rows a page holds."""

    offset: int
    size: int


def paging(*, default: int = 100, maximum: int = 500) -> Callable[..., Window]:
    """A FastAPI dependency for the page a request asks for, its parameters documented
    and bounded (a bad one is a 400 naming it). A ``pageSize`` above ``maximum`` gets
    ``maximum`` items, as Qualtrics caps it: clients that ask for 1,000 keep working."""

    def page(
        pageSize: int = Query(
            default,
            ge=1,
            description=f"Items per page: at most {maximum} (a larger size gets {maximum}).",
        ),
        offset: int = Query(0, ge=0, le=MAX_OFFSET, description="Items to skip from the start."),
        skipToken: str | None = Query(
            None, max_length=40, description="The token of a nextPage URL (instead of offset)."
        ),
    ) -> Window:
        if skipToken:
            offset = _token_offset(skipToken)
        return Window(offset, min(pageSize, maximum))

    return page


Paged = Annotated[Window, Depends(paging())]
"""The page of a list of up to 500 items a page (100 by default)."""


def _token_offset(token: str) -> int:
    try:
        offset = int(base64.b64decode(token, validate=True).decode())
    except (binascii.Error, UnicodeDecodeError, ValueError):
        offset = -1
    if not 0 <= offset <= MAX_OFFSET:
        raise InvalidInput(f"skipToken {token!r} is not one this server gave")
    return offset


def next_page(request: Request, page: Window, more: bool) -> str | None:
    """The URL of the page after ``page`` (same query, a new ``skipToken``), if ``more``."""
    if not more:
        return None
    token = base64.b64encode(str(page.offset + page.size).encode()).decode()
    url = request.url.remove_query_params("offset").include_query_params(skipToken=token)
    return str(url)


def page_of(request: Request, page: Window, found: list[T]) -> tuple[list[T], str | None]:
    """The page's items of a whole list, and ``nextPage``."""
    end = page.offset + page.size
    return found[page.offset : end], next_page(request, page, len(found) > end)


def read_ahead(request: Request, page: Window, rows: list[T]) -> tuple[list[T], str | None]:
    """The page's items of rows read with one more than a page (limit ``size + 1`` from
    ``offset``: the extra one says whether more follow), and ``nextPage``."""
    return rows[: page.size], next_page(request, page, len(rows) > page.size)
