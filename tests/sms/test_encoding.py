"""GSM-7 / UCS-2 detection, part counting and splitting, smart encoding."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smsurvey.sms.encoding import (
    GSM7_BASIC,
    GSM7_BASIC_TABLE,
    GSM7_EXTENSION,
    Encoding,
    Replacement,
    measure,
    prepare,
    smart_encode,
    smart_report,
    split,
)

GSM7, UCS2 = Encoding.GSM7, Encoding.UCS2

# sms-rules.md §2.1, column by column: the code point of each septet value 0x00-0x7F.
SPEC_BASIC_TABLE = [
    *(0x40, 0xA3, 0x24, 0xA5, 0xE8, 0xE9, 0xF9, 0xEC, 0xF2, 0xC7, 0x0A, 0xD8, 0xF8, 0x0D),
    *(0xC5, 0xE5, 0x394, 0x5F, 0x3A6, 0x393, 0x39B, 0x3A9, 0x3A0, 0x3A8, 0x3A3, 0x398),
    *(0x39E, 0x1B, 0xC6, 0xE6, 0xDF, 0xC9, 0x20, 0x21, 0x22, 0x23, 0xA4),
    *range(0x25, 0x40),
    0xA1,
    *range(0x41, 0x5B),
    *(0xC4, 0xD6, 0xD1, 0xDC, 0xA7, 0xBF),
    *range(0x61, 0x7B),
    *(0xE4, 0xF6, 0xF1, 0xFC, 0xE0),
]
SPEC_EXTENSION_TABLE = {0x0C, 0x5E, 0x7B, 0x7D, 0x5C, 0x5B, 0x7E, 0x5D, 0x7C, 0x20AC}


def test_basic_table_is_the_spec_table() -> None:
    assert [ord(c) for c in GSM7_BASIC_TABLE] == SPEC_BASIC_TABLE
    assert len(GSM7_BASIC) == 127
    assert "\x1b" not in GSM7_BASIC
    assert GSM7_BASIC_TABLE[0x09] == "Ç"


def test_extension_table_is_the_spec_table() -> None:
    assert {ord(c) for c in GSM7_EXTENSION} == SPEC_EXTENSION_TABLE
    assert not GSM7_EXTENSION & GSM7_BASIC


@pytest.mark.parametrize(
    ("text", "encoding", "parts", "units", "part_lengths"),
    [
        pytest.param("", GSM7, 0, 0, [], id="empty"),
        pytest.param("a" * 160, GSM7, 1, 160, [160], id="160 GSM"),
        pytest.param("a" * 161, GSM7, 2, 161, [153, 8], id="161 GSM"),
        pytest.param("a" * 306, GSM7, 2, 306, [153, 153], id="306 GSM"),
        pytest.param("a" * 307, GSM7, 3, 307, [153, 153, 1], id="307 GSM"),
        pytest.param("€" * 80, GSM7, 1, 160, [80], id="80 euro"),
        pytest.param("€" * 81, GSM7, 2, 162, [76, 5], id="81 euro"),
        pytest.param("]" * 153, GSM7, 3, 306, [76, 76, 1], id="153 brackets"),
        pytest.param("a" * 152 + "^" + "b" * 10, GSM7, 2, 164, [152, 11], id="escape at 153"),
        pytest.param("a" * 153 + "^" + "b" * 10, GSM7, 2, 165, [153, 11], id="escape at 154"),
        pytest.param("\x0c", GSM7, 1, 2, [1], id="form feed"),
        pytest.param("a\r\nb", GSM7, 1, 4, [4], id="CRLF"),
        pytest.param("a" * 79 + "\r\n" + "a" * 79, GSM7, 1, 160, [160], id="CRLF fills 160"),
        pytest.param("a" * 79 + "\r\n" + "a" * 80, GSM7, 2, 161, [153, 8], id="CRLF 161"),
        pytest.param("ж" * 70, UCS2, 1, 70, [70], id="70 UCS-2"),
        pytest.param("ж" * 71, UCS2, 2, 71, [67, 4], id="71 UCS-2"),
        pytest.param("ж" * 134, UCS2, 2, 134, [67, 67], id="134 UCS-2"),
        pytest.param("ж" * 135, UCS2, 3, 135, [67, 67, 1], id="135 UCS-2"),
        pytest.param("😀" * 35, UCS2, 1, 70, [35], id="35 emoji"),
        pytest.param("😀" * 36, UCS2, 2, 72, [33, 3], id="36 emoji"),
        pytest.param("x" * 66 + "😀" + "ж" * 10, UCS2, 2, 78, [66, 11], id="emoji at unit 67"),
        pytest.param("€ ç", UCS2, 1, 3, [3], id="euro is 1 unit in UCS-2"),
        pytest.param("a" * 152 + "😀", UCS2, 3, 154, [67, 67, 19], id="152 GSM + 1 unicode"),
    ],
)
def test_measure_and_split(
    text: str, encoding: Encoding, parts: int, units: int, part_lengths: list[int]
) -> None:
    measured = measure(text)
    assert (measured.encoding, measured.parts, measured.units) == (encoding, parts, units)
    assert measured.characters == len(text)
    assert [len(part) for part in split(text)] == part_lengths


@pytest.mark.parametrize(
    ("text", "offending"),
    [
        ("Ça va", ()),
        ("ça va", ("ç",)),
        ("ça 😀 ç ’😀", ("ç", "😀", "’")),
        ("tab\there `quoted` é", ("\t", "`")),
        ("[€] {^} ~|\\ and ç", ("ç",)),
    ],
)
def test_offending_characters_in_order_of_first_appearance(
    text: str, offending: tuple[str, ...]
) -> None:
    measured = measure(text)
    assert measured.offending == offending
    assert measured.encoding is (UCS2 if offending else GSM7)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It’s “great” — isn’t it…", "It's \"great\" - isn't it..."),
        ("‘single’ «guillemets» „low“ ‚low‘", '\'single\' "guillemets" "low" ,low\''),
        ("1–5 • item ‐ ― ÷ ¼ ½ ¾ ‼", "1-5 - item - - / 1/4 1/2 3/4 !!"),
        ("`code` and ´acute´", "'code' and 'acute'"),
        ("‹a› ‗ 、。", "<a> _ ,."),
        ("a\u00a0b\u2009c\u202fd\u3000e", "a b c d e"),  # one space each (see encoding.py)
        ("a\u200bb\u200cc\u2060d\ufeffe\x00f", "abcdef"),
        ("a\tb", "a       b"),
        (
            "ＡＢＣ ａｂｃ １２３！？＠＃％（）［］｛｝＼～｜＂＇｀",
            "ABC abc 123!?@#%()[]{}\\~|\"''",
        ),
        ("\ufe50\ufe52\ufe55\ufe58\ufe5f\ufe6b", ",.:-#@"),
        ("ᴀʙᴄ", "ABC"),
    ],
)
def test_smart_encoding_replacements(text: str, expected: str) -> None:
    assert smart_encode(text) == expected
    assert measure(expected).encoding is GSM7


def test_smart_encoding_reports_replacements_and_saving() -> None:
    text = "“" + "Please rate us from 1 to 5, we’d like your view " * 2 + "”"
    report = smart_report(text)
    assert (report.original.encoding, report.original.parts) == (UCS2, 2)
    assert (report.converted.encoding, report.converted.parts) == (GSM7, 1)
    assert report.applies
    assert report.sent == report.converted == measure(smart_encode(text))
    assert report.replacements == (
        Replacement("“", '"', 1),
        Replacement("’", "'", 2),
        Replacement("”", '"', 1),
    )


def test_smart_encoding_does_not_apply_when_a_character_stays_ucs2() -> None:
    text = "It’s 😀"
    report = smart_report(text)
    assert smart_encode(text) == text
    assert not report.applies
    assert report.replacements == (Replacement("’", "'", 1),)
    assert report.converted is None
    assert report.remaining == ("😀",)
    assert report.sent == report.original == measure(text)


def test_smart_encoding_does_not_apply_when_it_adds_parts() -> None:
    text = "¼" * 60  # 60 UCS-2 units, 1 part; "1/4" * 60 is 180 septets, 2 parts
    report = smart_report(text)
    assert report.converted == measure("1/4" * 60)
    assert report.converted.parts == 2
    assert not report.applies
    assert smart_encode(text) == text
    assert prepare(text) == (text, measure(text))


@pytest.mark.parametrize("text", ["plain GSM text [€]", "ç has no GSM twin", "Привет", ""])
def test_smart_encoding_leaves_other_texts_alone(text: str) -> None:
    report = smart_report(text)
    assert smart_encode(text) == text
    assert (report.replacements, report.converted, report.applies) == ((), None, False)
    assert report.sent == report.original == measure(text)


def test_prepare_returns_the_text_to_send_and_its_measure() -> None:
    assert prepare("It’s") == ("It's", measure("It's"))
    assert prepare("Hi ç’") == ("Hi ç’", measure("Hi ç’"))


def test_every_smart_replacement_is_gsm7() -> None:
    replaced = 0
    for char in map(chr, range(0x10000)):
        if (converted := smart_encode(char)) != char:
            replaced += 1
            assert measure(converted).encoding is GSM7, f"U+{ord(char):04X} → {converted!r}"
    assert replaced > 250


# Property tests ---------------------------------------------------------------

GSM_CHARS = sorted(GSM7_BASIC | GSM7_EXTENSION)
texts = st.one_of(
    st.text(st.sampled_from(GSM_CHARS), max_size=500),
    st.text(st.sampled_from([*"ab]€^\r\n", "ç", "😀", "’", "ж", "𝄞"]), max_size=400),
    st.text(max_size=300),
)


def units_of(part: str, encoding: Encoding) -> int:
    """Count independently of the module: septets, or UTF-16 code units."""
    if encoding is GSM7:
        return sum(2 if c in GSM7_EXTENSION else 1 for c in part)
    return len(part.encode("utf-16-le")) // 2


@given(texts)
def test_split_parts_rejoin_fit_and_match_measure(text: str) -> None:
    parts = split(text)
    measured = measure(text)
    assert "".join(parts) == text
    assert len(parts) == measured.parts
    assert all(parts)  # no empty part
    assert (parts == []) == (text == "")
    assert measured.units == units_of(text, measured.encoding)
    assert measured.encoding is (GSM7 if set(text) <= set(GSM_CHARS) else UCS2)
    single, per_part = (160, 153) if measured.encoding is GSM7 else (70, 67)
    limit = single if len(parts) == 1 else per_part
    assert all(units_of(part, measured.encoding) <= limit for part in parts)
    for part, following in pairwise(parts):  # parts are filled greedily
        assert units_of(part + following[0], measured.encoding) > limit


@given(texts)
def test_smart_encode_gives_gsm7_or_the_text_unchanged(text: str) -> None:
    encoded = smart_encode(text)
    report = smart_report(text)
    assert encoded == text or measure(encoded).encoding is GSM7
    assert report.applies == (encoded != text)
    assert report.sent == measure(encoded)
    assert prepare(text) == (encoded, measure(encoded))
    assert report.sent.parts <= report.original.parts
