"""Piped text in SMS messages: fields, validation, rendering, and cleaning pasted formatting."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smsurvey.sms.piping import (
    EMAIL,
    FIRST_NAME,
    LAST_NAME,
    OPT_OUT_URL,
    SURVEY_LINK,
    SURVEY_URL,
    PipeContext,
    clean_message,
    fields_used,
    render,
    validate,
)

ANN = PipeContext(
    survey_url="https://sv.example/s/abc",
    opt_out_url="https://sv.example/o/xyz",
    first_name="Ann",
    last_name="Lee",
    email="ann@example.com",
    embedded={"Store": "12", "Store No": 7, "Empty": None},
)
NOBODY = PipeContext()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Hi ${m://FirstName}!", "Hi Ann!", id="first name"),
        pytest.param("${m://FirstName} ${m://LastName}", "Ann Lee", id="full name"),
        pytest.param("Sent to ${m://Email}", "Sent to ann@example.com", id="email"),
        pytest.param("Go: ${l://SurveyURL}", "Go: https://sv.example/s/abc", id="survey url"),
        pytest.param("Stop: ${l://OptOutURL}", "Stop: https://sv.example/o/xyz", id="opt-out url"),
        pytest.param("Store ${e://Field/Store}", "Store 12", id="embedded"),
        pytest.param("No ${e://Field/Store No}", "No 7", id="embedded name with a space, int"),
        pytest.param("[${e://Field/Missing}]", "[]", id="embedded missing"),
        pytest.param("[${e://Field/Empty}]", "[]", id="embedded None"),
        pytest.param("[${e://Field/store}]", "[]", id="embedded names are exact"),
        pytest.param("Hi ${q://QID1/ChoiceValue}", "Hi ${q://QID1/ChoiceValue}", id="unknown kept"),
        pytest.param("Price: $5 {x}", "Price: $5 {x}", id="no piping"),
        pytest.param("${m://FirstName", "${m://FirstName", id="unclosed kept"),
    ],
)
def test_render(text: str, expected: str) -> None:
    assert render(text, ANN) == expected


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        pytest.param("Take the survey", "Take the survey: https://sv.example/s/abc", id="plain"),
        pytest.param(" Take it ", "Take it: https://sv.example/s/abc", id="trimmed"),
        pytest.param("Survey (2 min)", "Survey (2 min): https://sv.example/s/abc", id="bracket"),
        pytest.param("Tap here:", "Tap here: https://sv.example/s/abc", id="own colon"),
        pytest.param("Start here →", "Start here → https://sv.example/s/abc", id="arrow"),
        pytest.param("", "https://sv.example/s/abc", id="empty label"),
    ],
)
def test_survey_link_is_the_url_after_its_label(label: str, expected: str) -> None:
    assert render(f"${{l://SurveyLink?d={label}}}", ANN) == expected


def test_survey_link_without_a_label_is_the_url() -> None:
    assert render("${l://SurveyLink}", ANN) == ANN.survey_url


def test_missing_values_render_as_nothing() -> None:
    text = "Hi ${m://FirstName}: ${l://SurveyLink?d=Go} ${l://SurveyURL}|${l://OptOutURL}|"
    assert render(text, NOBODY) == "Hi :  ||"


def test_values_are_not_piped_again() -> None:
    context = PipeContext(first_name="${m://LastName}", last_name="Lee")
    assert render("${m://FirstName}", context) == "${m://LastName}"


def test_fields_used() -> None:
    text = (
        "${m://FirstName}${m://LastName}${m://Email}${l://SurveyURL}${l://OptOutURL}"
        "${l://SurveyLink?d=Go}${l://SurveyLink}${e://Field/Store No}${q://QID1}${oops"
    )
    assert fields_used(text) == {
        FIRST_NAME,
        LAST_NAME,
        EMAIL,
        SURVEY_URL,
        OPT_OUT_URL,
        SURVEY_LINK,
        "e://Field/Store No",
    }
    assert fields_used("no piping") == set()


def test_validate_accepts_known_fields() -> None:
    assert validate("Hi ${m://FirstName}, ${l://SurveyLink?d=Go} ${e://Field/A b}") == []
    assert validate("Costs $5 {or} less") == []


def test_validate_lists_unknown_fields_and_unclosed_openings_in_order() -> None:
    text = "${q://QID1} hi ${m://firstname} ${ e://field/Store } ${e://Field/} ${oops"
    assert validate(text) == [
        "unknown piped text ${q://QID1} at character 1",
        "unknown piped text ${m://firstname} at character 16; did you mean ${m://FirstName}?",
        "unknown piped text ${ e://field/Store } at character 33; did you mean ${e://Field/Store}?",
        "unknown piped text ${e://Field/} at character 54",
        "${ at character 68 is not closed by }",
    ]


def test_validate_finds_a_field_after_an_unclosed_opening() -> None:
    assert validate("${a ${l://surveyurl}") == [
        "${ at character 1 is not closed by }",
        "unknown piped text ${l://surveyurl} at character 5; did you mean ${l://SurveyURL}?",
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("<p>Hello</p><p>World</p>", "Hello\nWorld", id="paragraphs"),
        pytest.param("Line<br>two<BR/>three<br />", "Line\ntwo\nthree", id="br"),
        pytest.param("<b>Bold</b> <span style='x'>text</span>", "Bold text", id="inline tags"),
        pytest.param("a &amp; b &lt;3 &#36;5 &#x41;", "a & b <3 $5 A", id="entities"),
        pytest.param("&amp;lt;b&amp;gt;", "&lt;b&gt;", id="unescaped once"),
        pytest.param("Visit&register &copy", "Visit&register &copy", id="no half entities"),
        pytest.param("a&nbsp;&nbsp; b\u00a0c\td", "a b c d", id="spaces collapse"),
        pytest.param("one\r\ntwo\rthree\u2028four", "one\ntwo\nthree\nfour", id="line breaks"),
        pytest.param("trail   \n   lead", "trail\nlead", id="line ends"),
        pytest.param("a\n\n\n\nb", "a\n\nb", id="one blank line at most"),
        pytest.param("\n\n  a  \n\n", "a", id="text ends"),
        pytest.param(
            "\ufeffHel\u200blo\u00ad wor\u2060ld\u200c\u200d!", "Hello world!", id="invisible"
        ),
        pytest.param("<!--StartFragment-->Hi<!--EndFragment-->", "Hi", id="comments"),
        pytest.param(
            "<html><head><title>Doc</title><style>p {color: red}</style></head>"
            "<body><o:p></o:p><p class=MsoNormal>Hi</p><script>x()</script></body></html>",
            "Hi",
            id="Word paste",
        ),
        pytest.param("“Quoted” – dash…", "“Quoted” – dash…", id="smart quotes stay"),
        pytest.param("Hi ${m://FirstName}", "Hi ${m://FirstName}", id="piping stays"),
        pytest.param("${m://First<b>Name</b>}", "${m://FirstName}", id="tag inside a field"),
        pytest.param("${m://First\u200bName}", "${m://FirstName}", id="invisible in a field"),
    ],
)
def test_clean_message(raw: str, expected: str) -> None:
    assert clean_message(raw) == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("نمی\u200cخواهم", id="Persian ZWNJ"),
        pytest.param("👩\u200d💻", id="emoji ZWJ sequence"),
        pytest.param("क्\u200dष", id="Devanagari ZWJ"),
    ],
)
def test_clean_message_keeps_joiners_that_shape_text(text: str) -> None:
    assert clean_message(text) == text


INVISIBLE = "\u00ad\u200b\u2060\ufeff"


@given(st.text(alphabet=st.sampled_from("ab <>/&;#\r\n\t\u00a0\u200b\u200d\ufeff\u00ad")))
def test_cleaned_text_is_tidy(raw: str) -> None:
    cleaned = clean_message(raw)
    assert "\r" not in cleaned
    assert not set(INVISIBLE) & set(cleaned)
    assert "  " not in cleaned
    assert "\n\n\n" not in cleaned
    assert cleaned == cleaned.strip()
    assert all(line == line.strip() for line in cleaned.split("\n"))


@given(st.text().filter(lambda text: "${" not in text))
def test_render_leaves_text_without_piping_alone(text: str) -> None:
    assert render(text, ANN) is text
    assert validate(text) == []
