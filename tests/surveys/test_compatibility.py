"""The SMS compatibility report: every reason, with the question it concerns."""

from __future__ import annotations

from typing import Any

import pytest

from smsurvey.surveys.compatibility import (
    CompatibilityReport,
    Problem,
    Reason,
    Severity,
    check_sms_compatibility,
)
from tests.surveys.factories import (
    block,
    branch,
    end,
    matrix,
    nps,
    show,
    single_choice,
    survey,
    text_entry,
    when,
)


def report_for(*elements: dict[str, Any], **extra: Any) -> CompatibilityReport:
    """The report of a survey whose one block holds ``elements`` after an NPS question."""
    return check_sms_compatibility(survey(block("BL", nps("QID1"), *elements), **extra))


def reasons(report: CompatibilityReport) -> list[tuple[Reason, str | None]]:
    return [(problem.reason, problem.question_id) for problem in report.problems]


def test_nps_choice_and_text_questions_with_logic_are_compatible() -> None:
    report = check_sms_compatibility(
        survey(
            block("BL_1", nps("QID1"), {"type": "page_break"}),
            block(
                "BL_2",
                single_choice("QID2", "Yes", "No", display_logic=when("QID1", "less_than", 7)),
                text_entry(
                    "QID3",
                    display_logic={
                        "any": [when("QID2", "selected", "1"), when("QID2", "not_displayed")]
                    },
                ),
            ),
            flow=[show("BL_1"), branch(when("QID1", "equal_to", 0), end("Bye")), show("BL_2")],
            end_message="Thanks!",
        )
    )
    assert report == CompatibilityReport(())
    assert report.compatible


@pytest.mark.parametrize(
    ("question", "reason", "fragment"),
    [
        (
            {
                "id": "QID2",
                "type": "multiple_choice",
                "text": "All?",
                "choices": [{"id": "1", "text": "A"}],
            },
            Reason.MULTIPLE_ANSWER,
            "multiple-answer questions cannot be answered by SMS",
        ),
        (
            matrix("QID2"),
            Reason.MATRIX,
            "matrix questions cannot be sent by SMS",
        ),
        (
            {
                "id": "QID2",
                "type": "slider",
                "text": "Slide",
                "statements": [{"id": "1", "text": "Speed"}],
            },
            Reason.UNSUPPORTED_QUESTION_TYPE,
            "slider questions cannot be sent by SMS",
        ),
        (
            {
                "id": "QID2",
                "type": "rank_order",
                "text": "Rank",
                "choices": [{"id": "1", "text": "A"}],
            },
            Reason.UNSUPPORTED_QUESTION_TYPE,
            "rank order questions",
        ),
        (
            {"id": "QID2", "type": "descriptive", "text": "Welcome!"},
            Reason.UNSUPPORTED_QUESTION_TYPE,
            "descriptive questions",
        ),
        (
            {"id": "QID2", "type": "file_upload", "text": "Upload"},
            Reason.UNSUPPORTED_QUESTION_TYPE,
            "file upload questions",
        ),
        (
            {"id": "QID2", "type": "unsupported", "text": "?", "source_type": "SBS/SBSMatrix"},
            Reason.UNSUPPORTED_QUESTION_TYPE,
            "unsupported (SBS/SBSMatrix) questions",
        ),
        (
            text_entry("QID2", text="Any <b>other</b> comments?"),
            Reason.HTML,
            "the question text holds HTML",
        ),
        (
            single_choice("QID2", "Yes", "No &amp; never"),
            Reason.HTML,
            "choice 2 holds HTML",
        ),
        (
            {
                "id": "QID2",
                "type": "single_choice",
                "text": "Which?",
                "choices": [
                    {"id": "1", "text": "A"},
                    {"id": "4", "text": "Other", "text_entry": True},
                ],
            },
            Reason.TEXT_ENTRY_CHOICE,
            "choice 4 has a text box",
        ),
        (
            text_entry("QID2", text="<img src='logo.png'>"),
            Reason.EMPTY_TEXT,
            "the question has no text once HTML is removed",
        ),
        (
            text_entry(
                "QID2", display_logic={"all": [when("QID1", "empty"), {"unsupported": "GeoIP"}]}
            ),
            Reason.UNSUPPORTED_LOGIC,
            "display logic: GeoIP logic cannot be evaluated by SMS",
        ),
    ],
)
def test_each_reason_names_the_question(
    question: dict[str, Any], reason: Reason, fragment: str
) -> None:
    report = report_for(question)
    assert not report.compatible
    problem = next(p for p in report.errors if p.reason is reason)
    assert problem.question_id == "QID2"
    assert fragment in problem.message
    assert all(p.question_id == "QID2" for p in report.problems)


def test_a_survey_without_questions_is_not_compatible() -> None:
    report = check_sms_compatibility(survey(block("BL_empty", {"type": "page_break"})))
    assert reasons(report) == [(Reason.NO_QUESTIONS, None)]


def test_only_questions_the_flow_shows_count() -> None:
    shown = check_sms_compatibility(
        survey(block("BL", nps("QID1")), block("BL_trash", matrix("QID9")), flow=[show("BL")])
    )
    assert shown.compatible
    hidden = check_sms_compatibility(survey(block("BL_trash", matrix("QID9")), flow=[]))
    assert reasons(hidden) == [(Reason.NO_QUESTIONS, None)]


def test_flow_problems_name_their_place() -> None:
    report = check_sms_compatibility(
        survey(
            block("BL", nps("QID1")),
            flow=[
                {"type": "unsupported", "id": "FL_7", "source_type": "WebService"},
                show("BL"),
                {"type": "randomizer", "id": "FL_6", "flow": [show("BL")]},  # runs by SMS too
                branch({"unsupported": "DeviceType"}, end("<b>Bye</b>")),
            ],
            end_message="Thanks &amp; bye",
        )
    )
    assert [(p.reason, p.message) for p in report.errors] == [
        (Reason.UNSUPPORTED_FLOW, "flow[0]: the WebService element FL_7 cannot run by SMS"),
        (Reason.UNSUPPORTED_LOGIC, "flow[3] branch: DeviceType logic cannot be evaluated by SMS"),
        (Reason.HTML, "flow[3].flow[0] end message holds HTML, which SMS does not send"),
        (Reason.HTML, "the survey end message holds HTML, which SMS does not send"),
    ]
    assert all(p.question_id is None for p in report.problems)


def test_long_texts_get_a_warning_but_stay_compatible() -> None:
    long_question = text_entry("QID2", text="Tell us more. " * 25)  # 349 characters: 3 parts
    report = report_for(long_question)
    assert report.compatible
    assert report.warnings == (
        Problem(
            Reason.LONG_TEXT,
            "the question takes 3 SMS parts (349 characters, GSM-7); keep it to 2",
            "QID2",
        ),
    )
    assert report.warnings[0].severity is Severity.WARNING
    assert check_sms_compatibility(survey(block("BL", long_question)), max_parts=3).problems == ()


def test_the_choices_count_in_the_length() -> None:
    choices = [f"Choice number {n} with a long description" for n in range(1, 9)]
    report = report_for(single_choice("QID2", *choices, text="Which one?"))
    assert [(p.reason, p.question_id) for p in report.warnings] == [(Reason.LONG_TEXT, "QID2")]


def test_characters_outside_gsm7_get_a_warning() -> None:
    report = report_for(text_entry("QID2", text="What’s your view? 🙂"), end_message="Merci ☺")
    assert report.compatible
    assert [(p.reason, p.question_id, p.message) for p in report.warnings] == [
        (Reason.UCS2, "QID2", "the question goes as UCS-2 (70 characters a part) because of: ’ 🙂"),
        (
            Reason.UCS2,
            None,
            "the survey end message goes as UCS-2 (70 characters a part) because of: ☺",
        ),
    ]


def test_errors_and_warnings_are_split_by_severity() -> None:
    report = report_for(
        text_entry("QID2", text="<i>Long</i> " + "x" * 400),
        {"id": "QID3", "type": "descriptive", "text": "Hi"},
    )
    assert [p.reason for p in report.errors] == [Reason.HTML, Reason.UNSUPPORTED_QUESTION_TYPE]
    assert [p.reason for p in report.warnings] == [Reason.LONG_TEXT]
    assert not report.compatible


def test_each_question_kind_sms_cannot_ask_is_named_by_its_id() -> None:
    statement = [{"id": "1", "text": "Speed"}]
    scale = [{"id": "1", "text": "Good"}, {"id": "2", "text": "Bad"}]
    report = report_for(
        {"id": "QID2", "type": "slider", "text": "Rate", "statements": statement},
        {"id": "QID3", "type": "rank_order", "text": "Order", "choices": scale},
        {"id": "QID4", "type": "descriptive", "text": "Thanks so far"},
        {"id": "QID5", "type": "file_upload", "text": "Your CV", "source_type": "FileUpload"},
        {
            "id": "QID6",
            "type": "text_entry",
            "format": "form",
            "text": "Address",
            "fields": [{"id": "1", "text": "Street"}, {"id": "2", "text": "Town"}],
        },
        {"id": "QID7", "type": "text_entry", "format": "essay", "text": "Tell us more"},
        {"id": "QID8", "type": "text_entry", "format": "password", "text": "A code word?"},
        {"id": "QID9", "type": "matrix", "text": "Rate", "statements": statement, "choices": scale},
    )
    assert [(p.reason, p.question_id, p.message) for p in report.errors] == [
        (Reason.UNSUPPORTED_QUESTION_TYPE, "QID2", "slider questions cannot be sent by SMS"),
        (Reason.UNSUPPORTED_QUESTION_TYPE, "QID3", "rank order questions cannot be sent by SMS"),
        (Reason.UNSUPPORTED_QUESTION_TYPE, "QID4", "descriptive questions cannot be sent by SMS"),
        (
            Reason.UNSUPPORTED_QUESTION_TYPE,
            "QID5",
            "file upload (FileUpload) questions cannot be sent by SMS",
        ),
        (Reason.FORM, "QID6", "form text entries (one text per field) cannot be sent by SMS"),
        (Reason.MATRIX, "QID9", "matrix questions cannot be sent by SMS"),
    ]
