"""SMS encoding: GSM-7 or UCS-2, how many parts a text takes, and Twilio-style smart encoding.

Rules (``specs/sms-rules.md`` §2.1, §2.2, §2.4): a text is GSM-7 when every character is in the
GSM 03.38 basic table (1 septet) or its extension table (2 septets: ESC + code); one other
character switches the whole text to UCS-2, counted in UTF-16 code units (2 for a character
outside the BMP). A single SMS holds 160 septets / 70 units; a concatenated one 153 / 67 per part,
and a part never ends between the two halves of an escape pair or of a surrogate pair.

Smart encoding replaces typographic characters (quotes, dashes, Unicode spaces, fullwidth forms …)
by GSM-7 equivalents, and is used only when the whole result is GSM-7 and takes no more parts.

Everything here is on the send path (planning measures every message of a distribution), so
nothing walks the characters in Python: ``str.translate``, set tests, a regular expression and
``str.count`` do the work.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise
from typing import NamedTuple


class Encoding(StrEnum):
    """How a text travels: 7-bit GSM default alphabet or 16-bit UCS-2 (UTF-16 on the wire)."""

    GSM7 = "GSM-7"
    UCS2 = "UCS-2"


class Limits(NamedTuple):
    """Capacity of one SMS, in septets (GSM-7) or UTF-16 code units (UCS-2)."""

    single: int
    """A text that fits in this many units is sent as one SMS."""
    part: int
    """Each part of a concatenated SMS holds this many (the rest carries the 6-octet UDH)."""


LIMITS: dict[Encoding, Limits] = {
    Encoding.GSM7: Limits(single=160, part=153),
    Encoding.UCS2: Limits(single=70, part=67),
}

GSM7_BASIC_TABLE = (
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
"""The GSM 03.38 basic table: the character at index N has septet value N (0x1B is ESC)."""

GSM7_BASIC = frozenset(GSM7_BASIC_TABLE) - {"\x1b"}
"""The 127 characters that cost one septet."""

GSM7_EXTENSION = frozenset("\x0c^{}\\[~]|€")
"""The 10 characters of the extension table, each sent as ESC + code: two septets."""

_GSM7 = GSM7_BASIC | GSM7_EXTENSION
_DROP_BASIC = dict.fromkeys(map(ord, GSM7_BASIC))
_NOT_GSM7 = re.compile("[^" + "".join(map(re.escape, sorted(_GSM7))) + "]")


@dataclass(frozen=True, slots=True)
class Measure:
    """What a text costs as an SMS."""

    encoding: Encoding
    parts: int
    """SMS parts (segments) the text is sent in; 0 for the empty text."""
    units: int
    """Septets for GSM-7 (extension characters count 2), UTF-16 code units for UCS-2."""
    characters: int
    """Unicode code points."""
    offending: tuple[str, ...]
    """The distinct characters that force UCS-2, in order of first appearance."""


class _Scan(NamedTuple):
    encoding: Encoding
    units: int
    wide: frozenset[str]  # the characters present that cost 2 units
    offending: tuple[str, ...]


def _scan(text: str) -> _Scan:
    # str.translate is fastest on ASCII and GSM-7 text, but slow on characters missing from its
    # table; a set test stops at the first non-GSM character.
    if text.isascii() or _GSM7.issuperset(text):
        rest = text.translate(_DROP_BASIC)  # extension characters and ASCII non-GSM ones, in order
        if GSM7_EXTENSION.issuperset(rest):
            return _Scan(Encoding.GSM7, len(text) + len(rest), frozenset(rest), ())
    offending = tuple(dict.fromkeys(_NOT_GSM7.findall(text)))
    units = len(text.encode("utf-16-le", "surrogatepass")) // 2
    astral = frozenset(c for c in offending if c > "\uffff") if units > len(text) else frozenset()
    return _Scan(Encoding.UCS2, units, astral, offending)


def _starts(text: str, scan: _Scan) -> Sequence[int]:
    """Offsets in ``text`` where its parts start."""
    limits = LIMITS[scan.encoding]
    if scan.units <= limits.single:
        return [0] if text else []
    if not scan.wide:
        return range(0, len(text), limits.part)

    def units(start: int, end: int) -> int:
        return end - start + sum(text.count(c, start, end) for c in scan.wide)

    # Fill each part as far as it goes: a 2-unit character that does not fit opens the next one.
    starts, start = [], 0
    while start < len(text):
        starts.append(start)
        end = min(start + limits.part, len(text))
        while (excess := units(start, end) - limits.part) > 0:
            end -= (excess + 1) // 2  # characters cost at most 2: never short of the best end
        start = end
    return starts


def measure(text: str) -> Measure:
    """Encoding, parts, units and offending characters of ``text`` sent as it is."""
    scan = _scan(text)
    return Measure(scan.encoding, len(_starts(text, scan)), scan.units, len(text), scan.offending)


def split(text: str) -> list[str]:
    """The parts ``text`` is sent in, as it is (``"".join(split(text)) == text``)."""
    starts = _starts(text, _scan(text))
    return [text[start:end] for start, end in pairwise([*starts, len(text)])]


# Smart encoding (sms-rules.md §2.4): the map of Twilio's own segment calculator
# (TwilioDevEd/message-segment-calculator, src/libs/SmartEncodingMap.ts, v1.3.0; Sinch documents
# the same map for its "auto encoding"), with these decisions:
# - Unicode spaces (NBSP U+00A0, U+2000-U+200A, U+202F, U+205F, U+3000) and the C1 controls
#   U+0080/008D/0090/009B/009F become ONE space. The calculator maps them to two spaces (the
#   spec's "unverified" line) and nothing confirms Twilio sends two: the calculator's check
#   against live Twilio (its issue #66) has no space case. AWS's message-maximizer sample
#   (ththth-amazon/end-user-messaging-sms) uses one space, as does Unicode's NFKC. smsurvey
#   converts before sending, so what it counts is what it sends either way; one space keeps
#   the text as written.
# - ‹ → < and › → > as the spec and the AWS sample say (the calculator has them swapped).
# - The whole fullwidth block U+FF01-U+FF5E (lower-case letters too) and the small forms
#   U+FE50-U+FE6B that have an ASCII twin (adding small colon and small em dash).
# - TAB → 7 spaces and the removed invisible characters as in the spec.
_SMART_BY_TARGET = {
    '"': "\u00ab\u00bb\u201c\u201d\u201e\u201f\u02ba\u02ee\u275d\u275e\u301d\u301e",
    "'": (
        "\u2018\u2019\u201b\u02b9\u02bb\u02bc\u02bd\u02c8\u02ca\u02cb\u00b4`\uff40"
        "\u275b\u275c\u0313\u0314\ufe10\ufe11"
    ),
    ",": "\u201a\u0326\ufe50\ufe51\uff64\u3001",
    ".": "\u3002\ufe52\uff61",
    "...": "\u2026",
    "-": "\u2010\u2013\u2014\u2015\u2022\u2043\u23bc\u23bd\ufe58\ufe63",
    "_": "\u2017\u0332",
    "/": "\u00f7\u29f8\u0337\u0338\u2044\u2215",
    "\\": "\u29f5\u29f9\u20e5\ufe68",
    "|": "\u20d2\u20d3\u2223\u23b8\u23b9\u23d0\u239c\u239f",
    "1/4": "\u00bc",
    "1/2": "\u00bd",
    "3/4": "\u00be",
    "!": "\u01c3\ufe15\ufe57",
    "!!": "\u203c",
    "?": "\ufe16\ufe56",
    ":": "\u02d0\u02f8\u2982\ua789\ufe13\ufe55",
    ";": "\u204f\ufe14\ufe54",
    "<": "\u2039\ufe64",
    ">": "\u203a\ufe65",
    "=": "\u0347\ua78a\ufe66",
    "+": "\u02d6\ufe62",
    "*": (
        "\u204e\u2217\u229b\u2722\u2723\u2724\u2725\u2731\u2732\u2733\u273a\u273b\u273c"
        "\u273d\u2743\u2749\u274a\u274b\u29c6\ufe61"
    ),
    "#": "\ufe5f",
    "$": "\ufe69",
    "%": "\ufe6a",
    "&": "\ufe60",
    "@": "\ufe6b",
    "(": "\u2768\u276a\u27ee\u2985\ufe59",
    ")": "\u2769\u276b\u27ef\u2986\ufe5a",
    "{": "\u2774\ufe5b",
    "}": "\u2775\ufe5c",
    "^": "\u02c6\u0302\u1dcd",
    "~": "\u02dc\u02f7\u0303\u0330\u0334\u223c",
    " ": (
        "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f"
        "\u3000\u2028\u2029\u0080\u008d\u0090\u009b\u009f"
    ),
    "       ": "\t",
    "": "\u200b\u200c\u2060\ufeff\x00\x03\x04\x10\x11\x12\x13\x14\x17\x19",
}
_SMALL_CAPITALS = dict(
    zip(
        "\u1d00\u0299\u1d04\u1d05\u1d07\ua730\u0262\u029c\u026a\u1d0a\u1d0b\u029f\u1d0d\u0274"
        "\u1d0f\u1d18\u0280\ua731\u1d1b\u1d1c\u1d20\u1d21\u028f\u1d22",
        "ABCDEFGHIJKLMNOPRSTUVWYZ",
        strict=True,
    )
)
_SMART: dict[int, str] = {
    **{code: chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)},  # fullwidth ASCII
    **{ord(char): target for char, target in _SMALL_CAPITALS.items()},
    **{ord(char): target for target, chars in _SMART_BY_TARGET.items() for char in chars},
}
"""Smart encoding: code point → GSM-7 replacement."""

_SMART_CHARS = frozenset(map(chr, _SMART))
# Only texts made of GSM-7 and smart characters are translated; mapping the GSM-7 ones to
# themselves spares str.translate a slow lookup miss (a raised and caught KeyError) for each.
_SMART_TABLE = {**{ord(c): c for c in _GSM7}, **_SMART}


@dataclass(frozen=True, slots=True)
class Replacement:
    """One kind of character smart encoding replaces."""

    char: str
    replacement: str
    count: int


@dataclass(frozen=True, slots=True)
class SmartReport:
    """What smart encoding changes in a text and what that saves."""

    text: str
    original: Measure
    converted: Measure | None
    """The text with every replacement made, when that makes it GSM-7."""

    @property
    def replacements(self) -> tuple[Replacement, ...]:
        """The characters replaced, in order of first appearance."""
        counts = Counter(filter(_SMART_CHARS.__contains__, self.text))
        return tuple(Replacement(c, _SMART[ord(c)], n) for c, n in counts.items())

    @property
    def remaining(self) -> tuple[str, ...]:
        """The characters that force UCS-2 and have no GSM-7 replacement."""
        return tuple(c for c in self.original.offending if c not in _SMART_CHARS)

    @property
    def applies(self) -> bool:
        """Whether the converted text is the one sent."""
        return _pays(self.original, self.converted)

    @property
    def sent(self) -> Measure:
        """The measure of the text sent, that of ``smart_encode(text)``."""
        return self.converted if self.applies and self.converted else self.original


def _convert(text: str, original: Measure) -> tuple[str, Measure] | None:
    """``text`` with every smart replacement made, and its measure, if that makes it GSM-7."""
    if original.encoding is Encoding.GSM7 or not _SMART_CHARS.issuperset(original.offending):
        return None
    converted = text.translate(_SMART_TABLE)
    return converted, measure(converted)


def _pays(original: Measure, converted: Measure | None) -> bool:
    return converted is not None and converted.parts <= original.parts


def prepare(text: str) -> tuple[str, Measure]:
    """The text to send and its measure: ``text`` smart-encoded if that pays, else as it is."""
    original = measure(text)
    conversion = _convert(text, original)
    if conversion and _pays(original, conversion[1]):
        return conversion
    return text, original


def smart_encode(text: str) -> str:
    """``text`` with typographic characters replaced if that makes it GSM-7 without more parts."""
    return prepare(text)[0]


def smart_report(text: str) -> SmartReport:
    """What smart encoding does to ``text``: the measures before and after, the replacements."""
    original = measure(text)
    conversion = _convert(text, original)
    return SmartReport(text, original, conversion[1] if conversion else None)
