"""Credits per message: parts × the destination's rate, rate files and their errors."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from smsurvey.sms.credits import (
    DEFAULT_RATE,
    CreditRates,
    MessageCost,
    RateFileError,
    load_rates,
    message_cost,
    parse_rates,
)

RATES = """\
# Our negotiated rates
region,rate

GB,1.5
"in", 0.5
  # a comment after the header
FR,2
US,0
"""


def test_parse_rates_reads_regions_and_decimal_rates() -> None:
    rates = parse_rates(RATES)
    assert dict(rates) == {
        "GB": Decimal("1.5"),
        "IN": Decimal("0.5"),
        "FR": Decimal(2),
        "US": Decimal(0),
    }
    assert rates.rate("GB") == Decimal("1.5")
    assert rates.rate("US") == 0


def test_regions_not_listed_cost_the_default_rate() -> None:
    rates = parse_rates(RATES)
    assert DEFAULT_RATE == 1
    assert rates.rate("DE") == DEFAULT_RATE
    assert rates.rate("GG") == DEFAULT_RATE  # Guernsey is its own region, not GB
    assert "DE" not in rates
    assert CreditRates().rate("GB") == DEFAULT_RATE


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "rates.csv: no header 'region,rate'"),
        ("# only a comment\n", "rates.csv: no header 'region,rate'"),
        ("GB,1\n", "rates.csv, line 1: expected the header 'region,rate', found 'GB,1'"),
        ("# c\nregion;rate\n", "rates.csv, line 2: expected the header 'region,rate'"),
        ("region,rate\nUK,1\n", "rates.csv, line 2: unknown region code 'UK'"),
        ("region,rate\nGB,1\n\nXX,1\n", "rates.csv, line 4: unknown region code 'XX'"),
        ("region,rate\nGB,one\n", "rates.csv, line 2: rate 'one' is not a number"),
        ("region,rate\nGB,\n", "rates.csv, line 2: rate '' is not a number"),
        ("region,rate\nGB,-1\n", "rates.csv, line 2: rate '-1' is not a number of credits"),
        ("region,rate\nGB,NaN\n", "rates.csv, line 2: rate 'NaN' is not a number of credits"),
        ("region,rate\nGB,Infinity\n", "rates.csv, line 2: rate 'Infinity' is not a number of"),
        ("region,rate\nGB,1,5\n", "rates.csv, line 2: expected 2 fields (region,rate), found 3"),
        ("region,rate\nGB\n", "rates.csv, line 2: expected 2 fields (region,rate), found 1"),
        ("region,rate\nGB,1\nFR,1\ngb,2\n", "rates.csv, line 4: GB is listed twice"),
    ],
)
def test_malformed_rate_files_name_the_line(text: str, error: str) -> None:
    with pytest.raises(RateFileError) as raised:
        parse_rates(text, source="rates.csv")
    assert str(raised.value).startswith(error)


def test_the_shipped_file_lists_no_rates_so_every_region_costs_the_default() -> None:
    rates = load_rates()
    assert len(rates) == 0
    assert rates.rate("US") == rates.rate("GB") == DEFAULT_RATE


def test_an_operator_file_replaces_the_shipped_rates(tmp_path: Path) -> None:
    path = tmp_path / "rates.csv"
    path.write_text("region,rate\nGB,1.5\n", encoding="utf-8-sig")  # as Excel saves it
    rates = load_rates(path)
    assert dict(rates) == {"GB": Decimal("1.5")}
    assert load_rates(str(path)) == rates


def test_load_rates_names_the_file_in_errors(tmp_path: Path) -> None:
    path = tmp_path / "rates.csv"
    path.write_text("region,rate\nGB,lots\n", encoding="utf-8")
    with pytest.raises(RateFileError) as raised:
        load_rates(path)
    assert str(raised.value) == f"{path}, line 2: rate 'lots' is not a number"


def test_message_cost_is_parts_times_the_destination_rate() -> None:
    rates = parse_rates(RATES)
    assert message_cost(1, "DE", rates) == MessageCost(parts=1, credits=Decimal(1))
    assert message_cost(3, "GB", rates) == MessageCost(parts=3, credits=Decimal("4.5"))
    assert message_cost(3, "IN", rates) == MessageCost(parts=3, credits=Decimal("1.5"))
    assert message_cost(2, "US", rates) == MessageCost(parts=2, credits=Decimal(0))


def test_the_organisations_own_provider_costs_no_credits_but_counts_parts() -> None:
    cost = message_cost(4, "GB", parse_rates(RATES), own_provider=True)
    assert cost == MessageCost(parts=4, credits=Decimal(0))


def test_a_message_has_at_least_one_part() -> None:
    with pytest.raises(ValueError, match="at least one part"):
        message_cost(0, "GB", CreditRates())
