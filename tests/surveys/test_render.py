"""Questions as text messages."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from smsurvey.kit.errors import InvalidInput
from smsurvey.surveys.definition import (
    Choice,
    MultipleChoiceQuestion,
    NpsQuestion,
    SingleChoiceQuestion,
    TextEntryQuestion,
)
from smsurvey.surveys.render import contains_html, plain_text, render_question


def test_a_multiple_choice_question_numbers_its_choices_one_per_line() -> None:
    question = SingleChoiceQuestion(
        id="QID2",
        type="single_choice",
        text="Did we solve your problem?",
        choices=(
            Choice(id="7", text="Yes"),
            Choice(id="3", text="No"),
            Choice(id="9", text="Partly"),
        ),
    )
    rendered = render_question(question)
    assert rendered.text == "Did we solve your problem?\n1. Yes\n2. No\n3. Partly"
    assert rendered.choices == {"1": "7", "2": "3", "3": "9"}


def test_nps_and_text_entry_send_the_question_text_alone() -> None:
    nps = NpsQuestion(id="QID1", type="nps", text="How likely…? Reply 0-10. Text STOP to opt out.")
    text = TextEntryQuestion(id="QID3", type="text_entry", text="Anything else?")
    assert render_question(nps).text == "How likely…? Reply 0-10. Text STOP to opt out."
    assert render_question(nps).choices == {}
    assert render_question(text).text == "Anything else?"
    assert render_question(text).choices == {}


def test_html_is_stripped_from_question_and_choices() -> None:
    question = SingleChoiceQuestion(
        id="QID1",
        type="single_choice",
        text='<div class="q"><b>Rate</b> Tom &amp; Jerry&nbsp;&nbsp;today<br/>(pick one)</div>',
        choices=(
            Choice(id="1", text="<span>Good</span><br>really"),
            Choice(id="2", text="Bad &lt;3"),
        ),
    )
    assert (
        render_question(question).text
        == "Rate Tom & Jerry today\n(pick one)\n1. Good really\n2. Bad <3"
    )


def test_a_question_sms_cannot_carry_is_not_rendered() -> None:
    question = MultipleChoiceQuestion(
        id="QID1",
        type="multiple_choice",
        text="All that apply",
        choices=(Choice(id="1", text="A"),),
    )
    with pytest.raises(InvalidInput, match="multiple_choice question QID1 cannot be sent by SMS"):
        render_question(question)


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("Hello<br>world", "Hello\nworld"),
        ("Hello<BR />world", "Hello\nworld"),
        ("<p>One</p><p>Two</p>", "One\nTwo"),
        ("<ul><li>a</li><li>b</li></ul>", "a\nb"),
        ("Fish &amp; chips &#8211; &#x263A; &quot;yes&quot;", 'Fish & chips – ☺ "yes"'),
        ("&lt;b&gt;not a tag&lt;/b&gt;", "<b>not a tag</b>"),
        ("a<!-- note -->b", "ab"),
        ("  lots   of\tspace\u00a0here  ", "lots of space here"),
        ("line one\r\nline two\rline three", "line one\nline two\nline three"),
        ("para\n\n\n\n\nnext", "para\n\nnext"),
        ("  trailing \n  leading", "trailing\nleading"),
        ("5 < 7 and 9 > 3", "5 < 7 and 9 > 3"),
        ("", ""),
    ],
)
def test_plain_text(html: str, text: str) -> None:
    assert plain_text(html) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<b>bold</b>", True),
        ("a<br>b", True),
        ("Tom &amp; Jerry", True),
        ("&#8211;", True),
        ("<!-- c -->", True),
        ("Tom & Jerry", False),
        ("5 < 7 and 9 > 3", False),
        ("Reply 0-10", False),
    ],
)
def test_contains_html(text: str, expected: bool) -> None:
    assert contains_html(text) is expected


choice_texts = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30
)


@example(choices=[("a", " "), ("b", "<br>")])
@given(
    choices=st.lists(
        st.tuples(st.text("0123456789abc", min_size=1, max_size=4), choice_texts),
        min_size=1,
        max_size=12,
        unique_by=lambda pair: pair[0],
    )
)
def test_reply_codes_always_number_the_choices_1_to_n_in_order(
    choices: list[tuple[str, str]],
) -> None:
    question = SingleChoiceQuestion(
        id="QID1",
        type="single_choice",
        text="Pick one",
        choices=tuple(Choice(id=choice_id, text=text) for choice_id, text in choices),
    )
    rendered = render_question(question)
    assert list(rendered.choices) == [str(n) for n in range(1, len(choices) + 1)]
    assert list(rendered.choices.values()) == [choice_id for choice_id, _ in choices]
    lines = rendered.text.split("\n")
    assert lines[0] == "Pick one"
    assert [line.split(".", 1)[0] for line in lines[1:]] == list(rendered.choices)
