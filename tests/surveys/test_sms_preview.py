"""A survey as the texts 2-way SMS sends: measured and priced as the outbox does, the
characters that force UCS-2 marked, problems beside their questions."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from smsurvey.messaging.outbox import Route, text_row
from smsurvey.sms.credits import CreditRates
from smsurvey.sms.encoding import Encoding
from smsurvey.surveys.compatibility import Reason
from smsurvey.surveys.formats import load_survey
from smsurvey.surveys.sms_preview import Piece, sms_text, survey_texts
from tests.messaging.harness import EXAMPLE
from tests.surveys.factories import block, branch, end, matrix, nps, show, survey, when

RATES = CreditRates({"GB": Decimal("1.5")})


def test_a_text_is_measured_and_priced_as_the_outbox_sends_it() -> None:
    text = "Rate us 0-10 😀 " + "x" * 70
    shown = sms_text(text, RATES, "GB")
    route = Route("OR_x", "simulator", "+15005550006", "+447700900123", "GB")
    row = text_row(route, text, kind="question", rates=RATES, now=datetime.now(UTC))
    assert (shown.sent, shown.measure.encoding.value, shown.measure.parts) == (
        row["body"], row["encoding"], row["parts"],
    )  # fmt: skip
    assert shown.cost.credits == row["credits"] == Decimal("3.0")
    assert "".join(piece.text for part in shown.parts for piece in part) == text
    assert len(shown.parts) == 2
    assert Piece("😀", True) in shown.parts[0]
    assert shown.forcing == ("😀 U+1F600 GRINNING FACE",)


def test_smart_encoding_is_shown_when_it_saves_ucs2() -> None:
    shown = sms_text("We’re “glad”", RATES, "")
    assert shown.sent == 'We\'re "glad"'
    assert shown.measure.encoding is Encoding.GSM7
    assert shown.written_measure.encoding is Encoding.UCS2
    assert {r.char for r in shown.replacements} == {"’", "“", "”"}
    assert shown.forcing == ()
    assert all(not piece.forces_ucs2 for part in shown.parts for piece in part)
    assert shown.cost.credits == 1  # the default rate


def test_the_example_shows_every_question_its_reprompt_and_end_messages() -> None:
    texts = survey_texts(load_survey(EXAMPLE), RATES, "")
    assert texts.report.compatible
    assert [q.name for q in texts.questions] == ["Q1", "Q2", "Q3", "Q4", "Q5"]
    q2 = texts.questions[1]
    assert q2.asked is not None
    assert q2.asked.sent.endswith("3. Friendly staff\n4. Prices")
    assert q2.reprompt is not None
    assert q2.reprompt.sent.startswith("Please reply 1 (Fast")
    assert q2.display_logic == "Q1 is 9 or more"
    assert [end.where for end in texts.ends] == [
        "When the survey ends", "End-of-survey element (if Q1 is 6 or less)",
    ]  # fmt: skip
    assert texts.ends[1].text.sent.startswith("Thank you for your honesty.")


def test_problems_stand_beside_their_questions() -> None:
    definition = survey(
        block("B1", nps("QID1", text="<b>Score</b> us 0-10 🙂"), matrix("QID2")),
        block("B9", nps("QID9")),
        flow=[show("B1"), branch(when("QID1", "less_than", 5), end("Sorry 😞"))],
    )
    texts = survey_texts(definition, RATES, "")
    assert not texts.report.compatible
    q1, q2, q9 = texts.questions
    assert {p.reason for p in q1.problems} == {Reason.HTML, Reason.UCS2}
    assert q1.asked is not None
    assert q1.asked.sent == "Score us 0-10 🙂"
    assert [p.reason for p in q2.problems] == [Reason.MATRIX]
    assert (q2.asked, q2.reprompt, q2.plain) == (None, None, "Rate")
    assert not q9.in_flow
    assert [p.reason for p in texts.survey_problems] == [Reason.UCS2]  # the end message
