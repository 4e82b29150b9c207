"""Credits a message costs: its SMS parts times the destination region's rate.

Rates come from a CSV file with the header ``region,rate``: an ISO 3166 region code as
``phonenumbers`` reports it (``GG``, ``JE`` and ``IM`` are not ``GB``) and credits per part
(``1``, ``0.5``, ``1.5``). Blank lines and lines starting with ``#`` are ignored. A region the
file does not list costs :data:`DEFAULT_RATE`. The file shipped in ``sms/data/`` is used unless
an operator's own file replaces it.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path

from phonenumbers import SUPPORTED_REGIONS

DEFAULT_RATE = Decimal(1)
_HEADER = ["region", "rate"]


class RateFileError(ValueError):
    """A credit rate file that does not follow the format; the message names the line."""


class CreditRates(Mapping[str, Decimal]):
    """Credits per SMS part by region; :meth:`rate` falls back to :data:`DEFAULT_RATE`."""

    def __init__(self, rates: Mapping[str, Decimal] | None = None) -> None:
        self._rates = dict(rates or {})

    def rate(self, region: str) -> Decimal:
        """Credits per SMS part to ``region``."""
        return self._rates.get(region, DEFAULT_RATE)

    def __getitem__(self, region: str) -> Decimal:
        return self._rates[region]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rates)

    def __len__(self) -> int:
        return len(self._rates)

    def __repr__(self) -> str:
        return f"CreditRates({self._rates!r})"


@dataclass(frozen=True, slots=True)
class MessageCost:
    """What one message costs: its SMS parts and the credits they take."""

    parts: int
    credits: Decimal


def parse_rates(text: str, source: str = "credit rates") -> CreditRates:
    """Read a rate file's text; ``RateFileError`` names ``source`` and the line at fault."""
    rates: dict[str, Decimal] = {}
    reader = csv.reader(text.splitlines())
    rows = (row for row in reader if "".join(row).strip() and not row[0].lstrip().startswith("#"))
    header = next(rows, None)
    if header is None:
        raise RateFileError(f"{source}: no header 'region,rate'")
    if [field.strip().lower() for field in header] != _HEADER:
        found = ",".join(header)
        raise RateFileError(
            f"{source}, line {reader.line_num}: expected the header 'region,rate', found {found!r}"
        )
    for row in rows:
        where = f"{source}, line {reader.line_num}"
        try:
            region, rate = _rate(row)
        except ValueError as problem:
            raise RateFileError(f"{where}: {problem}") from None
        if region in rates:
            raise RateFileError(f"{where}: {region} is listed twice")
        rates[region] = rate
    return CreditRates(rates)


def _rate(row: list[str]) -> tuple[str, Decimal]:
    if len(row) != 2:
        raise ValueError(f"expected 2 fields (region,rate), found {len(row)}")
    region, text = row[0].strip().upper(), row[1].strip()
    if region not in SUPPORTED_REGIONS:
        raise ValueError(f"unknown region code {region!r} (use ISO 3166 codes such as GB)")
    try:
        rate = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"rate {text!r} is not a number") from None
    if not rate.is_finite() or rate < 0:
        raise ValueError(f"rate {text!r} is not a number of credits, 0 or more")
    return region, rate


def load_rates(path: str | Path | None = None) -> CreditRates:
    """Rates from the UTF-8 file at ``path`` (a byte-order mark is fine), else the shipped ones."""
    if path is None:
        shipped = resources.files(__package__) / "data" / "credit_rates.csv"
        return parse_rates(shipped.read_text(encoding="utf-8"), source="shipped credit_rates.csv")
    return parse_rates(Path(path).read_text(encoding="utf-8-sig"), source=str(path))


def message_cost(
    parts: int, region: str, rates: CreditRates, *, own_provider: bool = False
) -> MessageCost:
    """The cost of a message of ``parts`` SMS parts to ``region``.

    Through the organisation's own provider connection it costs no credits (the provider
    bills the organisation), but its parts still count.
    """
    if parts < 1:
        raise ValueError(f"a message has at least one part, not {parts}")
    credits = Decimal(0) if own_provider else parts * rates.rate(region)
    return MessageCost(parts, credits)
