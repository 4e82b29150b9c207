"""Response summaries: NPS figures and their trend by day, choice counts, latest texts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from smsurvey.responses.summary import (
    LATEST_TEXTS,
    AnswerRow,
    ChoiceSummary,
    Nps,
    NpsSummary,
    RowsSummary,
    TextSummary,
    nps_by_day,
    nps_of,
    nps_score,
    shown_answer,
    summarise,
)
from smsurvey.surveys.formats import load_survey
from tests.messaging.harness import EXAMPLE
from tests.surveys.every_type import EVERY_TYPE

DAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SURVEY = load_survey(EXAMPLE)


def test_the_score_is_the_share_of_promoters_less_that_of_detractors() -> None:
    nps = nps_of([10, 9, 10, 7, 0, 6])
    assert (nps.promoters, nps.passives, nps.detractors, nps.total) == (3, 1, 2, 6)
    assert nps.share(nps.promoters) == 50
    assert nps.score == 16.7  # 50 % - 33.3 %
    assert nps_of([10, 9]).score == 100
    assert nps_of([0, 8]).score == -50


def test_no_scores_have_no_score() -> None:
    assert Nps().score is None
    assert Nps().share(0) == 0


def test_the_trend_groups_scores_by_utc_day_oldest_first() -> None:
    east = timezone(timedelta(hours=2))
    scored = [
        (DAY + timedelta(days=1), 0),
        (DAY, 10),
        (datetime(2026, 3, 3, 1, 0, tzinfo=east), 9),  # 2 March, 23:00 UTC
        (DAY + timedelta(days=1, hours=3), 10),
    ]
    assert nps_by_day(scored) == [
        (date(2026, 3, 2), Nps(promoters=2)),
        (date(2026, 3, 3), Nps(promoters=1, detractors=1)),
    ]


@pytest.mark.parametrize("value", [None, True, "9", 11, -1, 7.5])
def test_only_whole_scores_0_to_10_count(value: object) -> None:
    assert nps_score({"QID1": value}, "QID1") is None


def _row(hours: int, **values: object) -> AnswerRow:
    return AnswerRow(DAY + timedelta(hours=hours), values)


def test_every_kind_of_question_is_summarised_in_survey_order() -> None:
    rows = [
        _row(0, QID1=10, QID2="2", QID5_TEXT="Great"),
        _row(1, QID1=9, QID2="2"),
        _row(2, QID1=7, QID3="4", QID5_TEXT="Slow"),
        _row(3, QID1=2, QID4="9"),  # a choice the survey no longer has
    ]
    nps, q2, q3, q4, q5 = summarise(SURVEY, rows)

    assert isinstance(nps, NpsSummary)
    assert nps.nps == Nps(promoters=2, passives=1, detractors=1)
    assert nps.distribution == [0, 0, 1, 0, 0, 0, 0, 1, 0, 1, 1]
    assert [day for day, _ in nps.by_day] == [date(2026, 3, 2)]

    assert isinstance(q2, ChoiceSummary)
    assert [(c.text, c.count) for c in q2.counts] == [
        ("Fast delivery", 0), ("Product quality", 2), ("Friendly staff", 0), ("Prices", 0),
    ]  # fmt: skip
    assert q2.answered == 2
    assert isinstance(q3, ChoiceSummary)
    assert [c.count for c in q3.counts] == [0, 0, 0, 1]
    assert isinstance(q4, ChoiceSummary)
    assert [(c.choice_id, c.count) for c in q4.counts][-1] == ("9", 1)

    assert isinstance(q5, TextSummary)
    assert q5.answered == 2
    assert [text for _, text in q5.latest] == ["Slow", "Great"]


def test_text_entry_keeps_only_the_latest_answers() -> None:
    rows = [_row(hour, QID5_TEXT=f"comment {hour}") for hour in range(LATEST_TEXTS + 3)]
    *_, comments = summarise(SURVEY, rows)
    assert isinstance(comments, TextSummary)
    assert comments.answered == LATEST_TEXTS + 3
    assert [text for _, text in comments.latest] == [
        f"comment {hour}" for hour in range(LATEST_TEXTS + 2, 2, -1)
    ]


def test_answers_read_as_score_choice_text_or_nothing() -> None:
    values = {"QID1": 10, "QID2": "2", "QID5_TEXT": "Great"}
    labels = {"QID2": "Product quality"}
    shown = [shown_answer(q, values, labels) for q in SURVEY.questions.values()]
    assert shown == ["10", "Product quality", "", "", "Great"]


def test_new_types_are_counted_per_choice_and_per_statement() -> None:
    rows = [
        _row(0, QID2=10, QID4=[1, 3], QID5_1=3, QID5_2=1, QID6_1=7, QID6_2=9.5),
        _row(1, QID2=2, QID4=[3], QID5_1=2, QID6_1=4),
        _row(2, QID7_1=1, QID8_1="Ann"),
    ]
    summaries = {summary.question.id: summary for summary in summarise(EVERY_TYPE, rows)}
    assert set(summaries) == {"QID1", "QID2", "QID3", "QID4", "QID5", "QID6", "QID10"} | {
        "QID11",
        "QID12",
    }  # rank orders, forms and descriptive texts are left to the table
    q2, q4, q5, q6 = (summaries[id_] for id_ in ("QID2", "QID4", "QID5", "QID6"))
    assert isinstance(q2, ChoiceSummary)
    assert [c.count for c in q2.counts] == [1, 1, 0]  # choice 1 is stored as its recode 10
    assert isinstance(q4, ChoiceSummary)
    assert [(c.text, c.count) for c in q4.counts] == [
        ("Price", 1), ("Speed", 0), ("Something else", 2), ("None of these", 0),
    ]  # fmt: skip
    assert isinstance(q5, RowsSummary)
    assert [(r.text, r.answered, r.mean) for r in q5.rows] == [("Staff", 2, 2.5), ("Shop", 1, 1)]
    assert isinstance(q6, RowsSummary)
    assert [(r.answered, r.mean) for r in q6.rows] == [(2, 5.5), (1, 9.5)]


def test_structured_answers_read_as_rows() -> None:
    values = {"QID4": [1, 3], "QID5_1": 3, "QID7_1": 2, "QID7_2": 1, "QID8_2": "Oslo"}
    labels = {"QID4": ["Price", "Something else"], "QID5_1": "Good"}
    shown = {q.id: shown_answer(q, values, labels) for q in EVERY_TYPE.questions.values()}
    assert shown["QID4"] == "Price, Something else"
    assert shown["QID5"] == "Staff: Good"
    assert shown["QID7"] == "Price: 2; Quality: 1"
    assert shown["QID8"] == "City: Oslo"
    assert shown["QID9"] == shown["QID6"] == ""
