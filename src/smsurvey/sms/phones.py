"""Phone numbers from contact lists, read into E.164 with ``phonenumbers``.

A contact-list cell may be written

* with ``+`` (``+44 20 7946 0958``) or ``00`` (``0044 20 7946 0958``) before the country code;
* country code first without ``+``, as the Qualtrics import asks (``1(415)-555-2671``,
  ``447911123456``, ``33612345678``; a trunk ``0`` after the code, ``44 (0)20…``, is dropped);
* nationally (``07911 123456``, ``(415) 555-2671``, ``011 44 20 7946 0958`` in a NANP file),
  which needs a default region.

Only numbers that ``phonenumbers`` finds valid are accepted; extensions are dropped (a text
cannot reach one) and vanity letters (``1-800-FLOWERS``) are refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from operator import attrgetter
from typing import NamedTuple

import phonenumbers
from phonenumbers import (
    NumberParseException,
    PhoneMetadata,
    PhoneNumber,
    PhoneNumberType,
    ValidationResult,
)
from phonenumbers.phonenumberutil import _number_type_helper
from phonenumbers.timezone import UNKNOWN_TIMEZONE, time_zones_for_number

# Keep compiled metadata patterns (bounded by the metadata): otherwise phonenumbers goes through
# re.compile for every pattern it uses, and validating a number takes about twice as long.
phonenumbers.enable_pattern_cache()

NO_REGION = "no country code, and no default region to read it with"
VANITY = "letters in the number: write a vanity number in digits"

_TYPE_NAMES = {
    value: name.lower() for name, value in vars(PhoneNumberType).items() if name.isupper()
}
_LETTER = re.compile("[A-Za-z]")
_NOT_DIGIT = re.compile(r"\D")
_PLAIN = re.compile(r"\+?[\d\s().\-]+")
_SEPARATORS = str.maketrans("", "", " \t().-")
_PLUS_SIGNS = ("+", "\uff0b")  # phonenumbers also accepts the full-width plus


@dataclass(frozen=True, slots=True)
class PhoneCheck:
    """What :func:`check_phone` made of one input: its E.164 form, or why it was refused.

    ``type`` is a lowercase ``phonenumbers`` type name (``mobile``, ``fixed_line``,
    ``fixed_line_or_mobile``, ``toll_free``, ``voip``, …); ``region`` is the territory that owns
    the number (``GG``, ``JE`` or ``IM`` for some +44 ranges, ``001`` for non-geographic codes).
    ``alternative`` is the other valid reading of an ambiguous input.
    """

    input: str
    e164: str | None = None
    reason: str | None = None
    type: str | None = None
    region: str | None = None
    time_zones: tuple[str, ...] = ()
    alternative: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the input is a valid number."""
        return self.e164 is not None

    @property
    def ambiguous(self) -> bool:
        """Whether the input reads as two different valid numbers (see :func:`check_phone`)."""
        return self.alternative is not None


class _Number(NamedTuple):
    number: PhoneNumber
    e164: str
    region: str
    type: str


class _Refusal(NamedTuple):
    reason: str
    plausible: bool  # the length fits the country: only the digits are wrong


def check_phone(
    raw: str, default_region: str | None = None, *, time_zones: bool = True
) -> PhoneCheck:
    """Read one contact-list cell as a phone number.

    ``default_region`` (e.g. ``"US"``) reads numbers written without a country code;
    ``ValueError`` if it is unknown (see :func:`validate_region`). Time zones cost about 10 µs,
    so bulk imports pass ``time_zones=False``.

    Digits that start with neither ``+``, ``00``, ``0`` nor the default region's calling code
    have two readings: country code first, and national. When both are valid and differ the
    check is ``ambiguous``, the losing reading is its ``alternative``, and the reading that
    matches how the cell is written wins: the national one if the digits are exactly those of
    the region's national format of that number, else the country-code-first one. With ``US``,
    ``2015685957`` is +12015685957 (US numbers are written without their trunk prefix 1;
    alternative +2015685957, Egypt). With ``DE``, ``33612345678`` is +33612345678 (French): a
    German number is written with its trunk 0, and German numbers come in so many lengths
    that most country-code-first numbers would also pass as German. A ``+`` settles any case.
    """
    region = validate_region(default_region) if default_region else None
    text = raw.strip()
    plain = _PLAIN.fullmatch(text) is not None
    if not plain and _LETTER.search(text) and phonenumbers.is_alpha_number(text):
        return PhoneCheck(raw, reason=VANITY)
    # Spaces, dashes, dots and brackets mean nothing to phonenumbers (a "(0)" trunk is dropped
    # from the digits alike); parsing without them is about 10 % faster. How the cell starts
    # is still judged on the text as written.
    bare = text.translate(_SEPARATORS) if plain else text
    if text.startswith(_PLUS_SIGNS):
        readings = [_read(bare, None)]
    elif text.startswith("00"):
        readings = [_read("+" + bare[2:], None)]
    elif region is None:
        if text.startswith("0"):
            return PhoneCheck(raw, reason=NO_REGION)
        readings = [_read("+" + bare, None)]
    elif text.startswith(("0", _calling_code(region))):
        # A trunk 0, the region's own exit code (011 in NANP) or its own calling code:
        # phonenumbers weighs these itself, and no other country's code can follow.
        readings = [_read(bare, region)]
    elif _may_be_national(text, region):
        readings = _as_written(text, _read(bare, region), _read("+" + bare, None))
    else:
        readings = [_read("+" + bare, None)]
    return _outcome(raw, readings, time_zones)


def _as_written(
    text: str, national: _Number | _Refusal, code_first: _Number | _Refusal
) -> list[_Number | _Refusal]:
    """Both readings, the one that matches how ``text`` is written first."""
    if isinstance(national, _Number) and isinstance(code_first, _Number):
        written = phonenumbers.format_number(
            national.number, phonenumbers.PhoneNumberFormat.NATIONAL
        )
        if phonenumbers.normalize_digits_only(written) != phonenumbers.normalize_digits_only(text):
            return [code_first, national]
    return [national, code_first]


def validate_region(region: str) -> str:
    """``region`` as the upper-case ISO 3166 code; ``ValueError`` if phonenumbers lacks it."""
    code = region.strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f"unknown region code {region!r} (use ISO 3166 codes such as US or GB)")
    return code


@cache
def _national_shape(region: str) -> tuple[int, tuple[re.Pattern[str], ...], bool]:
    """The longest national number of ``region``, the prefixes parse may strip, and whether
    it rewrites numbers (a transform rule)."""
    metadata = PhoneMetadata.metadata_for_region(region)
    assert metadata is not None  # the region was validated
    general = metadata.general_desc
    assert general is not None  # every region's metadata has one
    longest = max((*general.possible_length, *general.possible_length_local_only), default=0)
    prefixes = (metadata.national_prefix_for_parsing, metadata.international_prefix)
    patterns = tuple(re.compile(prefix) for prefix in prefixes if prefix)
    return longest, patterns, metadata.national_prefix_transform_rule is not None


def _may_be_national(text: str, region: str) -> bool:
    """False when ``text`` cannot be a national number of ``region``: it is plain digits
    (and spaces, dashes, dots, parentheses), more of them than the region's longest number,
    and starts with none of the prefixes phonenumbers would strip. Saves a futile parse
    (a third of the time for ``447911123456`` in US)."""
    if not _PLAIN.fullmatch(text):
        return True  # an extension, or a separator phonenumbers may read otherwise
    longest, prefixes, transforms = _national_shape(region)
    digits = _NOT_DIGIT.sub("", text)
    return transforms or len(digits) <= longest or any(prefix.match(digits) for prefix in prefixes)


@cache
def _calling_code(region: str) -> str:
    return str(phonenumbers.country_code_for_region(region))


def _read(text: str, region: str | None) -> _Number | _Refusal:
    """One reading of ``text``: with ``region`` for a national number, else ``+`` first."""
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as error:
        return _Refusal(_parse_failure(error, text), plausible=False)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    owner = _owner_and_type(number)
    if owner is None:
        return _invalid(number, e164)
    return _Number(number, e164, *owner)


def _owner_and_type(number: PhoneNumber) -> tuple[str, str] | None:
    """``(region_code_for_number(n), number_type(n))`` of a valid number; None if invalid.

    ``number_type(n) != UNKNOWN`` is exactly ``is_valid_number(n)``, but number_type and
    region_code_for_number each search the regions sharing the calling code and match the
    number against their metadata again (number_type twice). Doing it once, on metadata and
    patterns looked up once per calling code, takes 2.5 instead of 8-9 µs for +14155552671 and
    7 instead of 19 µs for +447911123456. It follows ``region_code_for_number`` and uses the
    private ``_number_type_helper``; tests hold the result to the public functions.
    """
    national = phonenumbers.national_significant_number(number)
    territories = _territories(number.country_code)
    for region, metadata, leading in territories:
        owns = len(territories) == 1 or (
            leading is not None and leading.match(national) is not None
        )
        if owns or leading is None:
            kind = _number_type_helper(national, metadata)
            if kind != PhoneNumberType.UNKNOWN:
                return region, _TYPE_NAMES[kind]
            if owns:
                return None
    return None


@cache
def _territories(
    calling_code: int,
) -> tuple[tuple[str, PhoneMetadata, re.Pattern[str] | None], ...]:
    """The regions sharing ``calling_code``, their metadata and leading-digits pattern."""
    territories = []
    for region in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(calling_code, ()):
        metadata = PhoneMetadata.metadata_for_region_or_calling_code(calling_code, region)
        assert metadata is not None  # phonenumbers lists only the regions it has metadata for
        leading = metadata.leading_digits
        territories.append((region, metadata, None if leading is None else re.compile(leading)))
    return tuple(territories)


def _parse_failure(error: NumberParseException, text: str) -> str:
    digits = phonenumbers.normalize_digits_only(text)
    if error.error_type == NumberParseException.INVALID_COUNTRY_CODE:
        if text.startswith(_PLUS_SIGNS):  # every one- to three-digit prefix was tried
            return f"unknown country code {digits[:3]}"
        return "unknown country code after the exit code"
    if error.error_type == NumberParseException.TOO_LONG:
        return "too long"
    if error.error_type == NumberParseException.NOT_A_NUMBER and not 0 < len(digits) < 3:
        return "not a phone number"
    return "too short"  # TOO_SHORT_NSN, TOO_SHORT_AFTER_IDD, or just one or two digits


def _invalid(number: PhoneNumber, e164: str) -> _Refusal:
    length = phonenumbers.is_possible_number_with_reason(number)
    if length in (ValidationResult.TOO_SHORT, ValidationResult.IS_POSSIBLE_LOCAL_ONLY):
        return _Refusal(f"too short (read as {e164})", plausible=False)
    if length == ValidationResult.TOO_LONG:
        return _Refusal(f"too long (read as {e164})", plausible=False)
    assert number.country_code is not None  # parse always sets it
    country = phonenumbers.region_code_for_country_code(number.country_code)
    plausible = length == ValidationResult.IS_POSSIBLE
    return _Refusal(f"not a valid number in {country} (read as {e164})", plausible)


def _outcome(raw: str, readings: list[_Number | _Refusal], time_zones: bool) -> PhoneCheck:
    numbers = [reading for reading in readings if isinstance(reading, _Number)]
    if not numbers:
        refusals = [reading for reading in readings if isinstance(reading, _Refusal)]
        # Of two refusals, the one whose length fits says more; max keeps the first of equals.
        return PhoneCheck(raw, reason=max(refusals, key=attrgetter("plausible")).reason)
    best, *others = numbers
    return PhoneCheck(
        raw,
        e164=best.e164,
        type=best.type,
        region=best.region,
        time_zones=_time_zones(best.number) if time_zones else (),
        alternative=next((n.e164 for n in others if n.e164 != best.e164), None),
    )


def _time_zones(number: PhoneNumber) -> tuple[str, ...]:
    return tuple(zone for zone in time_zones_for_number(number) if zone != UNKNOWN_TIMEZONE)
