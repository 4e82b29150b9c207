"""Reading contact-list phone numbers: every import format, refusals, ambiguity."""

from __future__ import annotations

from unittest.mock import patch

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smsurvey.sms import phones
from smsurvey.sms.phones import NO_REGION, VANITY, PhoneCheck, check_phone, validate_region

SF = "+14155552671"  # San Francisco, valid
LONDON = "+442079460958"  # valid fixed line
GUERNSEY_MOBILE = "+447911123456"  # 07911 is a Guernsey range

# The eight US forms the Qualtrics import accepts: country code 1, then spaces, dashes, brackets.
US_FORMS = [
    "1(415)-555-2671",
    "1-415-555-2671",
    "1-(415)-555-2671",
    "14155552671",
    "1-4155552671",
    "1 (415) 555-2671",
    "1-(415) 555-2671",
    "1(415) 555-2671",
]


def accepted(raw: str, region: str | None = None) -> PhoneCheck:
    checked = check_phone(raw, region)
    assert checked.ok, checked.reason
    assert checked.reason is None
    return checked


def refused(raw: str, region: str | None = None) -> str:
    checked = check_phone(raw, region)
    assert not checked.ok
    assert checked == PhoneCheck(raw, reason=checked.reason)
    assert checked.reason is not None
    return checked.reason


@pytest.mark.parametrize("region", [None, "US", "GB"])
@pytest.mark.parametrize("raw", US_FORMS)
def test_every_us_import_format(raw: str, region: str | None) -> None:
    checked = accepted(raw, region)
    assert checked.e164 == SF
    assert checked.type == "fixed_line_or_mobile"
    assert checked.region == "US"
    assert checked.time_zones == ("America/Los_Angeles",)
    assert not checked.ambiguous
    assert checked.input == raw


@pytest.mark.parametrize("region", [None, "US", "GB", "FR"])
@pytest.mark.parametrize(
    ("raw", "e164", "kind", "owner"),
    [
        # UK: 44 then the number without its trunk 0; a left-in 0 is forgiven.
        ("447911123456", GUERNSEY_MOBILE, "mobile", "GG"),
        ("442079460958", LONDON, "fixed_line", "GB"),
        ("4402079460958", LONDON, "fixed_line", "GB"),
        ("44 (0)20 7946 0958", LONDON, "fixed_line", "GB"),
        # Other countries: the country code, then the number.
        ("33612345678", "+33612345678", "mobile", "FR"),
        ("61412345678", "+61412345678", "mobile", "AU"),
        ("4915123456789", "+4915123456789", "mobile", "DE"),
        ("4930123456", "+4930123456", "fixed_line", "DE"),
        ("919876543210", "+919876543210", "mobile", "IN"),
        ("819012345678", "+819012345678", "mobile", "JP"),
        ("5511961234567", "+5511961234567", "mobile", "BR"),
        ("393123456789", "+393123456789", "mobile", "IT"),
        ("64211234567", "+64211234567", "mobile", "NZ"),
    ],
)
def test_country_code_first_formats(
    raw: str, e164: str, kind: str, owner: str, region: str | None
) -> None:
    checked = accepted(raw, region)
    assert (checked.e164, checked.type, checked.region) == (e164, kind, owner)
    assert not checked.ambiguous


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        # Written with + (or the full-width plus phonenumbers also takes).
        ("+1(415)-555-2671", None, SF),
        ("+1-415-555-2671", "GB", SF),
        ("\uff0b44 20 7946 0958", None, LONDON),
        ("+44 (0)20 7946 0958", None, LONDON),
        ("+4407911123456", None, GUERNSEY_MOBILE),
        # 00 is read as +, whatever the default region's own exit code.
        ("0044 20 7946 0958", None, LONDON),
        ("0044 20 7946 0958", "GB", LONDON),
        ("0044 20 7946 0958", "DE", LONDON),
        ("00447911123456", "US", GUERNSEY_MOBILE),
        # The default region's exit code: 011 in North America.
        ("011 44 20 7946 0958", "US", LONDON),
        ("011 44 20 7946 0958", "CA", LONDON),
        # National numbers with a trunk 0, or a US number without its 1.
        ("07911 123456", "GB", GUERNSEY_MOBILE),
        ("020 7946 0958", "GB", LONDON),
        ("(0)20 7946 0958", "GB", LONDON),
        ("0612345678", "FR", "+33612345678"),
        ("030 123456", "DE", "+4930123456"),
        ("(415) 555-2671", "US", SF),
        ("415.555.2671", "US", SF),
        ("447911123456", "gb", GUERNSEY_MOBILE),
        ("  +1 415 555 2671  ", None, SF),
    ],
)
def test_other_ways_of_writing_numbers(raw: str, region: str | None, e164: str) -> None:
    assert accepted(raw, region).e164 == e164


@pytest.mark.parametrize(
    ("raw", "region", "reason"),
    [
        ("07911 123456", None, NO_REGION),
        ("011 44 20 7946 0958", None, NO_REGION),
        ("07911 123456", "US", "too long (read as +107911123456)"),
        ("", None, "not a phone number"),
        ("   ", "US", "not a phone number"),
        ("abc", "US", "not a phone number"),
        ("n/a", None, "not a phone number"),
        ("+12", None, "too short"),
        ("12", "US", "too short (read as +112)"),
        ("+1 23", None, "too short (read as +123)"),
        ("4155552", "US", "too short (read as +14155552)"),
        ("1234567890123456789", None, "too long"),
        ("+1 415 555 267112345678", None, "too long"),
        ("+999 1234567", None, "unknown country code 999"),
        ("011 999 1234567", "US", "unknown country code after the exit code"),
        ("+447700900123", None, "not a valid number in GB (read as +447700900123)"),
        ("+441481123456", None, "not a valid number in GB (read as +441481123456)"),
        # Of two failed readings the one of the right length explains more: not "too long".
        ("447700900123", "US", "not a valid number in GB (read as +447700900123)"),
        ("4155552671", None, "too short (read as +4155552671)"),
    ],
)
def test_refusals_say_why(raw: str, region: str | None, reason: str) -> None:
    assert refused(raw, region) == reason


@pytest.mark.parametrize(
    "raw", ["1-800-FLOWERS", "+1-800-FLOWERS", "1-800-FLOWERS ext 5", "1 800 FLO 1234"]
)
def test_vanity_letters_are_refused(raw: str) -> None:
    assert refused(raw, "US") == VANITY


@pytest.mark.parametrize(
    ("raw", "region"),
    [
        ("+1 415 555 2671 ext. 12", None),
        ("+1 415 555 2671 x12", None),
        ("+1 415 555 2671 #12", None),
        ("1 (415) 555-2671 ext. 12", None),
        ("(415) 555-2671 extension 7", "US"),
    ],
)
def test_extensions_are_dropped(raw: str, region: str | None) -> None:
    assert accepted(raw, region).e164 == SF


def test_a_national_us_number_that_is_also_foreign_reads_as_us_with_the_other_reading() -> None:
    checked = accepted("2015685957", "US")
    assert checked.e164 == "+12015685957"
    assert checked.region == "US"
    assert checked.ambiguous
    assert checked.alternative == "+2015685957"
    assert check_phone("+2015685957").region == "EG"


def test_a_country_code_first_number_wins_where_national_numbers_start_with_0() -> None:
    checked = accepted("33612345678", "DE")
    assert (checked.e164, checked.region) == ("+33612345678", "FR")
    assert checked.ambiguous
    assert checked.alternative == "+4933612345678"
    assert accepted("2015685957", "DE").e164 == "+2015685957"


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("2015685957", None, "+2015685957"),  # no default region: only the code-first reading
        ("+2015685957", "US", "+2015685957"),  # a + settles it
        ("12015685957", "US", "+12015685957"),  # starts with the region's own code
        ("4155552671", "US", SF),  # +4155552671 is not a valid Swiss number
        ("447911123456", "US", GUERNSEY_MOBILE),  # +1447911123456 is not valid
    ],
)
def test_unambiguous_readings(raw: str, region: str | None, e164: str) -> None:
    checked = accepted(raw, region)
    assert checked.e164 == e164
    assert not checked.ambiguous
    assert checked.alternative is None


@pytest.mark.parametrize(
    ("e164", "owner", "kind"),
    [
        ("+447781123456", "GG", "mobile"),
        ("+441481256789", "GG", "fixed_line"),
        ("+447797712345", "JE", "mobile"),
        ("+447624123456", "IM", "mobile"),
        ("+15149876543", "CA", "fixed_line_or_mobile"),
        ("+18005550199", "US", "toll_free"),
        ("+80012345678", "001", "toll_free"),
    ],
)
def test_region_is_the_territory_that_owns_the_number(e164: str, owner: str, kind: str) -> None:
    checked = accepted(e164)
    assert (checked.region, checked.type) == (owner, kind)


def test_time_zones() -> None:
    assert accepted(GUERNSEY_MOBILE).time_zones == (
        "Europe/Guernsey",
        "Europe/Isle_of_Man",
        "Europe/Jersey",
        "Europe/London",
    )
    australia = accepted("+61412345678").time_zones
    assert len(australia) == 8
    assert {"Australia/Sydney", "Indian/Christmas", "Indian/Cocos"} <= set(australia)
    assert accepted("+80012345678").time_zones == ()  # Etc/Unknown is no time zone
    assert check_phone(SF, time_zones=False).time_zones == ()


def test_an_unknown_default_region_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown region code 'UK'"):
        check_phone(SF, "UK")
    assert validate_region(" gb ") == "GB"


def _examples() -> list[phonenumbers.PhoneNumber]:
    numbers = [
        phonenumbers.example_number_for_non_geo_entity(code)
        for code in phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS
    ]
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        numbers.append(phonenumbers.invalid_example_number(region))
        numbers.extend(
            phonenumbers.example_number_for_type(region, kind)
            for kind in phonenumbers.PhoneNumberType.values()
        )
    return [number for number in numbers if number is not None]


def test_validity_region_and_type_agree_with_phonenumbers_for_every_region() -> None:
    names = {
        value: name.lower()
        for name, value in vars(phonenumbers.PhoneNumberType).items()
        if name.isupper()
    }
    examples = _examples()
    assert len(examples) > 1500
    for number in examples:
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        checked = check_phone(e164, time_zones=False)
        if phonenumbers.is_valid_number(number):
            assert checked.e164 == e164
            assert checked.region == phonenumbers.region_code_for_number(number), e164
            assert checked.type == names[phonenumbers.number_type(number)], e164
        else:
            assert not checked.ok, e164


@settings(max_examples=400)
@given(
    digits=st.text("0123456789", min_size=6, max_size=16),
    separator=st.sampled_from(["", " ", "-", "."]),
    region=st.sampled_from(
        ["US", "GB", "DE", "FR", "RU", "AR", "AG", "IT", "BR", "JP", "IN", "AU"]
    ),
)
def test_skipping_impossible_national_readings_changes_nothing(
    digits: str, separator: str, region: str
) -> None:
    text = separator.join([digits[:3], digits[3:6], digits[6:]])
    fast = check_phone(text, region)
    with patch.object(phones, "_may_be_national", return_value=True):
        full = check_phone(text, region)
    # The same numbers are accepted, the same way; a refusal may name the other reading.
    assert (fast.e164, fast.type, fast.region, fast.alternative) == (
        full.e164,
        full.type,
        full.region,
        full.alternative,
    )


@settings(max_examples=400)
@given(
    digits=st.text("0123456789", min_size=7, max_size=15),
    plus=st.booleans(),
    cuts=st.lists(
        st.tuples(st.integers(1, 14), st.sampled_from([" ", "-", ".", "(", ")", " (0) "]))
    ),
    region=st.sampled_from([None, "US", "GB", "DE", "FR", "IT", "AU"]),
)
def test_dropping_separators_before_parsing_changes_nothing(
    digits: str, plus: bool, cuts: list[tuple[int, str]], region: str | None
) -> None:
    text = digits
    for position, separator in sorted(cuts, reverse=True):
        text = text[:position] + separator + text[position:]
    text = ("+" if plus else "") + text
    fast = check_phone(text, region)
    with patch.object(phones, "_SEPARATORS", {}):
        full = check_phone(text, region)
    assert fast == full
