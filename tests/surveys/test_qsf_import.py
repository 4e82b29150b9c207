"""QSF import: public Qualtrics exports checked question by question, and built documents for
each rule (logic, flow, options, errors)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from smsurvey.kit.errors import InvalidInput
from smsurvey.surveys.definition import Question, SurveyDefinition
from smsurvey.surveys.formats import import_file, import_text, loads_qsf
from smsurvey.surveys.qsf_import import MAX_FLOW_DEPTH, QsfImport, is_qsf, read_qsf
from smsurvey.surveys.qsf_notes import Dropped
from tests.surveys.qsf_documents import logic, mc, on, ored, qsf, question

QSF = Path(__file__).parent / "qsf"


def imported(name: str) -> QsfImport:
    return import_file(QSF / name)


def doc(question: Question | Any) -> dict[str, Any]:
    """A question (or flow element) as its document, defaults left out."""
    return question.model_dump(mode="json", by_alias=True, exclude_defaults=True)


def choices(question: Question) -> list[tuple[str, str | None]]:
    return [(choice.id, choice.recode) for choice in getattr(question, "choices", ())]


def dropped_of(read: QsfImport, element: str) -> list[str]:
    return [entry.reason for entry in read.dropped if entry.element == element]


def only(data: dict[str, Any]) -> SurveyDefinition:
    """The survey of a built document, which must import without notes."""
    read = read_qsf(data)
    assert read.dropped == ()
    return read.survey


# ------------------------------------------------------------------------ the public exports


def test_coded_comments_two_questions_with_other_boxes_and_recodes() -> None:
    read = imported("Coded_Comments.qsf")
    survey = read.survey
    assert (survey.name, survey.language, survey.description) == (
        "Test Survey for Coded Comments",
        "EN",
        "",
    )
    assert survey.id is None  # a QSF import always makes a new survey
    [block] = survey.blocks
    assert block.id == "BL_081SVWwpbKE8KFf"
    q1, q2 = block.questions
    assert doc(q1) == {
        "id": "QID1",
        "type": "single_choice",
        "label": "Q1",
        "text": 'This question has multiple "other please specify" options',
        "choices": [
            {"id": "1", "text": "Click to write Choice 1", "recode": "1"},
            {"id": "2", "text": "Other, please specify:", "text_entry": True, "recode": "5"},
            {
                "id": "3",
                "text": "None of the above, explain why:",
                "text_entry": True,
                "recode": "6",
            },
        ],
    }
    assert doc(q2) == {
        "id": "QID2",
        "type": "text_entry",
        "label": "Q2",
        "text": "What's up home skillets?",
    }
    assert [doc(element) for element in survey.flow] == [{"type": "block", "id": block.id}]
    assert read.dropped == ()
    assert read.warnings == (Dropped("QID2", "HTML removed from the question text"),)


def test_survey_logic_everywhere_keeps_skip_logic_flow_and_marks_what_cannot_run() -> None:
    read = imported("Survey_Logic_EVERYWHERE.qsf")
    survey = read.survey
    [block] = survey.blocks  # the trash block is empty and left out
    assert [q.id for q in block.questions] == ["QID1", "QID2", "QID3", "QID4", "QID5"]
    by_id = survey.questions
    assert [q.type for q in by_id.values()] == ["single_choice"] * 4 + ["matrix"]

    selected_1 = {"question": "QID1", "operator": "selected", "value": "1"}
    assert [doc(rule) for rule in by_id["QID1"].skip_logic] == [
        {"condition": selected_1, "to": "end_of_block"},
        {"condition": selected_1, "to": "QID4"},
        {"condition": selected_1, "to": "QID5"},
    ]
    assert [doc(rule) for rule in by_id["QID2"].skip_logic] == [
        {"condition": {"question": "QID2", "operator": "selected", "value": "1"}, "to": "QID4"}
    ]
    assert [doc(rule) for rule in by_id["QID3"].skip_logic] == [
        {
            "condition": {"question": "QID3", "operator": "selected", "value": "2"},
            "to": "end_of_survey",
        }
    ]
    # "choice 1 of QID1 is displayed": choices here always show with their question
    assert doc(by_id["QID2"])["display_logic"] == {
        "any": [
            {"question": "QID1", "operator": "displayed"},
            {"unsupported": "DeviceType", "description": "Device Type Is iPhone"},
        ]
    }
    matrix = doc(by_id["QID5"])
    assert [s["id"] for s in matrix["statements"]] == ["1", "2", "3"]
    assert [c["text"] for c in matrix["choices"]] == [
        f"Click to write Scale point {n}" for n in (1, 2, 3)
    ]

    assert [doc(element) for element in survey.flow] == [
        {"type": "block", "id": "BL_0P1SjKivQSwVclT"},
        {
            "type": "branch",
            "description": "New Branch",
            "condition": {"unsupported": "DeviceType", "description": "Device Type Is Mobile"},
            "flow": [{"type": "block", "id": "BL_0P1SjKivQSwVclT"}],
        },
        {"type": "block", "id": "BL_0P1SjKivQSwVclT"},
        {
            "type": "randomizer",
            "id": "FL_6",
            "subset": 1,
            "flow": [{"type": "unsupported", "id": "FL_7", "source_type": "WebService"}],
        },
        {
            "type": "branch",
            "description": "New Branch",
            "condition": {
                "unsupported": "GeoIP",
                "description": "GeoIP Location Location From Map Is Texas",
            },
        },
    ]
    assert [(d.element, d.reason.split(":")[0]) for d in read.dropped] == [
        ("QID2", "the display logic of choice 3 (the choice is always shown)"),
        *[
            ("QID4", f"the display logic of choice {n} (the choice is always shown)")
            for n in (1, 2, 3)
        ],
        ("QID5", "the display logic of statement 2 (the statement is always shown)"),
        *[
            ("QID5", f"the display logic of scale point {n} (the scale point is always shown)")
            for n in (1, 2, 3)
        ],
        ("QID2", "display logic"),
        ("FL_3", "branch logic"),
        ("FL_7", "a WebService flow element cannot run here"),
        ("FL_8", "branch logic"),
    ]
    assert dropped_of(read, "FL_8") == [
        "branch logic: GeoIP tests cannot be evaluated; kept as an unsupported test"
    ]


def test_many_question_types_each_as_its_kind_with_tags_recodes_and_logic() -> None:
    read = imported("Many_Different_Question_Types.qsf")
    survey = read.survey
    assert [(b.id, b.description) for b in survey.blocks] == [
        ("BL_9SQ6Rw9e0cyuQsJ", "Normal"),
        ("BL_2lrpERsoxuJUIdf", "With HTML"),
        ("BL_9uIiBINBAq8od13", "With Survey Logic"),
        ("BL_6qYZtdFxhyqSi33", "With Recoded Values"),
    ]
    kinds = {q.id: (q.type, q.label) for q in survey.questions.values()}
    assert list(kinds.items())[:8] == [
        ("QID1", ("single_choice", "fruits")),
        ("QID2", ("multiple_choice", "Q2")),
        ("QID3", ("matrix", "Q3")),
        ("QID44", ("matrix", "Q44")),
        ("QID4", ("unsupported", "Q4")),
        ("QID11", ("unsupported", "Q11")),
        ("QID5", ("slider", "Q5")),
        ("QID18", ("text_entry", "Q18")),
    ]
    assert Counter(kind for kind, _ in kinds.values()) == {
        "matrix": 8,
        "unsupported": 8,
        "slider": 4,
        "text_entry": 4,
        "single_choice": 4,
        "multiple_choice": 4,
    }
    questions = survey.questions
    assert doc(questions["QID5"])["statements"] == [
        {"id": "1", "text": "Oranges"},
        {"id": "2", "text": "Blueberries"},
        {"id": "3", "text": "Strawberries"},
    ]
    slider = questions["QID5"]
    assert (slider.minimum, slider.maximum, slider.decimals) == (0, 100, 0)  # type: ignore[union-attr]
    assert doc(questions["QID25"])["format"] == "password"
    assert doc(questions["QID4"])["source_type"] == "SBS/SBSMatrix"

    assert choices(questions["QID45"]) == [("1", "143"), ("2", "132"), ("3", "142")]
    q47 = doc(questions["QID47"])
    assert [(c["id"], c.get("recode")) for c in q47["choices"]] == [
        ("1", "12"),
        ("2", "2"),
        ("3", "3"),
    ]
    assert [s["export_tag"] for s in q47["statements"]] == ["orange-ish", "violet", "bloody"]
    q39 = doc(questions["QID39"])
    assert q39["multiple_answers"] is True
    assert [s["export_tag"] for s in q39["statements"]] == ["Q39_1", "Q39_2", "Q39_3"]

    assert doc(questions["QID36"])["display_logic"] == {
        "question": "QID1",
        "operator": "selected",
        "value": "1",
    }
    assert doc(questions["QID39"])["display_logic"] == {"question": "QID1", "operator": "displayed"}
    assert doc(questions["QID41"])["display_logic"] == {
        "question": "QID1",
        "operator": "selected",
        "value": "2",
    }
    assert doc(questions["QID43"])["display_logic"] == {"question": "QID2", "operator": "displayed"}
    # q://QID3/SelectableAnswer/3 names a scale point but no statement of the matrix
    assert doc(questions["QID37"])["display_logic"]["unsupported"] == "Question"
    assert dropped_of(read, "QID37") == [
        "the display logic of choice 3 (the choice is always shown)",
        "display logic: it tests a scale point of QID3 without naming the statement;"
        " kept as an unsupported test",
    ]

    assert questions["QID20"].text.startswith("This is a multiple choice multiple answer")
    assert "<" not in questions["QID20"].text
    assert "&nbsp;" not in questions["QID20"].text
    assert doc(questions["QID20"])["choices"][2]["text"] == "Strawberries"
    assert Dropped("QID20", "HTML removed from the question text, choice 3") in read.warnings
    sbs = {q for q, (kind, _) in kinds.items() if kind == "unsupported"}
    assert {d.element for d in read.dropped if "SBS/SBSMatrix" in d.reason} == sbs
    trash = Dropped("BL_bBkDRM5JcadHiyV", "the trash block (20 elements) is not imported")
    assert read.dropped[0] == trash
    assert not any(d.element in {"QID26", "QID6"} for d in read.dropped)  # trashed questions


def test_blocks_as_an_object_keyed_by_number_with_page_breaks() -> None:
    data = json.loads((QSF / "qualtrics_health.qsf").read_text(encoding="utf-8"))
    [blocks] = [e["Payload"] for e in data["SurveyElements"] if e["Element"] == "BL"]
    assert isinstance(blocks, dict)
    read = imported("qualtrics_health.qsf")
    survey = read.survey
    [block] = survey.blocks
    kinds = [element.type for element in block.elements]
    assert kinds.count("page_break") == 2
    assert kinds[:3] == ["descriptive", "page_break", "single_choice"]
    assert Counter(q.type for q in block.questions) == {
        "single_choice": 22,
        "descriptive": 4,
        "text_entry": 3,
    }
    assert [q.label for q in block.questions] == [f"Q{n}" for n in range(1, 30)]
    q13 = survey.questions["QID17671677"]
    assert choices(q13) == [("1", None), ("c2", None), ("c3", None)]  # ids kept as written
    assert read.dropped == ()


def test_text_entry_boxes_on_choices_and_statements() -> None:
    survey = imported("Questions_with_Text_Entry_Components.qsf").survey
    boxed = {
        q.id: [c.id for c in getattr(q, "statements", None) or q.choices if c.text_entry]  # type: ignore[union-attr]
        for q in survey.questions.values()
        if q.type != "unsupported"
    }
    assert boxed["QID1"] == ["3"]
    assert boxed["QID2"] == ["1", "2"]
    assert boxed["QID3"] == ["1", "2"]
    assert survey.questions["QID4"].type == "matrix"
    assert boxed["QID4"]
    assert [q.label for q in survey.questions.values()][:4] == [
        "MCSA_single_text",
        "MSCA_multi_text",
        "MCMA_text",
        "Matrix_text",
    ]


def test_matrix_recodes_are_the_scale_and_export_tags_the_statements() -> None:
    survey = imported("Single_Answer_Matrix_Questions.qsf").survey
    q5 = doc(survey.questions["QID5"])
    assert [c.get("recode") for c in q5["choices"]][:3] == ["10", "11", "12"]
    assert all("export_tag" not in s for s in q5["statements"])
    q3 = doc(survey.questions["QID3"])
    assert all("export_tag" in s for s in q3["statements"])
    assert all("recode" not in c for c in q3["choices"])


def test_nps_rank_order_form_descriptive_randomizer_and_loops() -> None:
    read = imported("sp_libsp_test_survey.qsf")
    survey = read.survey
    questions = survey.questions
    assert doc(questions["QID15"]) == {
        "id": "QID15",
        "type": "nps",
        "label": "Q15",
        "text": "On a scale from 0-10, how likely are you to recommend [INSERT COMPANY NAME HERE]"
        " to a friend or colleague?",
    }
    assert questions["QID14"].type == "descriptive"
    assert (questions["QID10"].type, choices(questions["QID10"])) == (
        "rank_order",
        [("1", None), ("2", None), ("3", None)],
    )
    assert questions["QID29"].type == "rank_order"
    assert doc(questions["QID9"])["fields"] == [
        {"id": "1", "text": "Form line 1"},
        {"id": "2", "text": "Form line 2"},
        {"id": "3", "text": "Form line 3"},
    ]
    assert doc(questions["QID8"])["format"] == "multi_line"
    assert doc(questions["QID3"])["layout"] == "select_box"
    # ChoiceOrder, not the key order, and exclusive answers
    assert [c.id for c in questions["QID18"].choices] == ["2", "3", "1"]  # type: ignore[union-attr]
    q19 = questions["QID19"]
    assert [(c.id, c.exclusive) for c in q19.choices] == [  # type: ignore[union-attr]
        ("1", False),
        ("3", False),
        ("2", False),
        ("4", True),
    ]
    flow = [doc(element) for element in survey.flow]
    assert flow[0] == {"type": "embedded_data", "fields": [{"name": "s"}]}
    assert flow[6] == {
        "type": "randomizer",
        "id": "FL_10",
        "subset": 1,
        "flow": [
            {"type": "block", "id": "BL_0CUN47YQLzzwaOx"},
            {"type": "block", "id": "BL_eg4Si2Q5rQhv5kN"},
        ],
    }
    assert dropped_of(read, "BL_0kZlCbnIIrUmCRn") == [
        "loop and merge is not kept: the block is shown once"
    ]
    assert dropped_of(read, "QID21") == [
        "its choices are carried forward (q://QID20/ChoiceGroup/SelectedChoices):"
        " kept as unsupported"
    ]
    assert {
        q: questions[q].type for q in ("QID22", "QID6", "QID16", "QID17", "QID23")
    } == dict.fromkeys(("QID22", "QID6", "QID16", "QID17", "QID23"), "unsupported")
    assert doc(questions["QID31"])["display_logic"]["unsupported"] == "LoopAndMerge"


@pytest.mark.parametrize("name", sorted(path.name for path in QSF.glob("*.qsf")))
def test_every_export_survives_a_trip_through_our_document(name: str) -> None:
    survey = imported(name).survey
    again = SurveyDefinition.model_validate(survey.to_document())
    assert again == survey


# --------------------------------------------------------------------------------------- logic


def test_and_binds_tighter_than_or_within_and_between_groups() -> None:
    questions = [mc(f"QID{n}", "Yes", "No") for n in range(1, 6)]
    a, b, c, d, e = (on(f"QID{n}", "SelectableChoice/1", "Selected") for n in range(1, 6))
    questions.append(
        mc("QID6", "x", DisplayLogic=logic([a, ored(b), ored(c, "And"), ored(d)], [e]))
    )
    survey = only(qsf(*questions))
    chose = [{"question": f"QID{n}", "operator": "selected", "value": "1"} for n in range(1, 6)]
    assert doc(survey.questions["QID6"])["display_logic"] == {
        "all": [{"any": [chose[0], {"all": [chose[1], chose[2]]}, chose[3]]}, chose[4]]
    }
    questions[-1] = mc("QID6", "x", DisplayLogic=logic([a, ored(b, "And")], [c], joins=("OrIf",)))
    survey = only(qsf(*questions))
    assert doc(survey.questions["QID6"])["display_logic"] == {
        "any": [{"all": [chose[0], chose[1]]}, chose[2]]
    }


def test_each_locator_kind_becomes_the_matching_condition() -> None:
    nps = question("QID1", "MC", "NPS", Choices=[{"Display": str(n)} for n in range(11)])
    text = question("QID2", "TE", "SL")
    slider = question(
        "QID3",
        "Slider",
        "HSLIDER",
        Choices={"1": {"Display": "Speed"}, "2": {"Display": "Price"}},
        Configuration={"CSSliderMin": -5, "CSSliderMax": 5, "NumDecimals": "1"},
    )
    grid = question(
        "QID4",
        "Matrix",
        "Likert",
        SubSelector="SingleAnswer",
        Choices={"1": {"Display": "Speed"}},
        Answers={"1": {"Display": "Good"}, "2": {"Display": "Bad"}},
    )
    rank = question("QID5", "RO", "DND", Choices={"1": {"Display": "A"}, "2": {"Display": "B"}})
    tests = [
        on("QID1", "SelectableChoice/9", "Selected"),
        ored(on("QID1", "SelectableChoice/0", "NotSelected")),
        ored(on("QID2", "ChoiceTextEntryValue", "Contains", "late")),
        ored(on("QID3", "ChoiceNumericEntryValue/2", "GreaterThanOrEqual", "2.5")),
        ored(on("QID4", "SelectableAnswer/1/2", "Selected")),
        ored(on("QID5", "ChoiceNumericEntryValue/2", "LessThan", "2")),
        ored(on("QID2", "ChoiceTextEntryValue", "Empty")),
        ored(
            {
                "LogicType": "EmbeddedField",
                "LeftOperand": "tier",
                "Operator": "EqualTo",
                "RightOperand": "gold",
            }
        ),
        ored(
            {
                "LogicType": "EmbeddedField",
                "LeftOperand": "e://Field/age",
                "Operator": "GreaterThan",
                "RightOperand": 17,
            }
        ),
    ]
    last = mc("QID6", "x", DisplayLogic=logic(tests))
    survey = only(qsf(nps, text, slider, grid, rank, last))
    assert doc(survey.questions["QID3"]) | {"statements": None} == {
        "id": "QID3",
        "type": "slider",
        "text": "Question QID3",
        "statements": None,
        "minimum": -5.0,
        "maximum": 5.0,
        "decimals": 1,
    }
    assert doc(survey.questions["QID6"])["display_logic"] == {
        "any": [
            {"question": "QID1", "operator": "equal_to", "value": 9},
            {"question": "QID1", "operator": "not_equal_to", "value": 0},
            {"question": "QID2", "operator": "contains", "value": "late"},
            {"question": "QID3", "operator": "greater_or_equal", "value": "2.5", "statement": "2"},
            {"question": "QID4", "operator": "selected", "value": "2", "statement": "1"},
            {"question": "QID5", "operator": "less_than", "value": "2", "statement": "2"},
            {"question": "QID2", "operator": "empty"},
            {"embedded_data": "tier", "operator": "equal_to", "value": "gold"},
            {"embedded_data": "age", "operator": "greater_than", "value": "17"},
        ]
    }


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        (on("QID3", "SelectableChoice/1", "Selected"), "QID3 is not asked before this point"),
        (
            on("QID9", "SelectableChoice/1", "Selected"),
            "QID9 is not a question of the imported survey",
        ),
        (on("QID1", "SelectableChoice/7", "Selected"), "QID1 has no choice '7'"),
        (
            on("QID1", "SelectableChoice/1", "MatchesRegex"),
            "the operator 'MatchesRegex' is not supported",
        ),
        (
            on("QID1", "ChoiceTextEntryValue/2", "Contains", "x"),
            "it tests the text typed in choice 2 of QID1, not kept",
        ),
        (
            on("QID4", "SelectableChoice/1", "Selected"),
            "operator selected does not apply to unsupported question QID4",
        ),
        (
            {"LogicType": "Quota", "Operator": "QuotaMet", "Description": "<span>Quota</span> met"},
            "Quota tests cannot be evaluated",
        ),
    ],
)
def test_a_test_that_cannot_be_kept_stays_unsupported_and_is_listed(
    entry: dict[str, Any], reason: str
) -> None:
    questions = [
        mc("QID1", "Yes", "No"),
        question("QID4", "Captcha", "V2"),
        mc(
            "QID2",
            "x",
            DisplayLogic=logic([on("QID1", "SelectableChoice/2", "Selected"), ored(entry)]),
        ),
        mc("QID3", "Yes", "No"),
    ]
    read = read_qsf(qsf(*questions))
    condition = doc(read.survey.questions["QID2"])["display_logic"]
    assert condition["any"][0] == {"question": "QID1", "operator": "selected", "value": "2"}
    assert set(condition["any"][1]) <= {"unsupported", "description"}
    assert f"display logic: {reason}; kept as an unsupported test" in dropped_of(read, "QID2")


def test_skip_rules_to_nowhere_are_dropped_and_question_level_skip_logic_is_read() -> None:
    rule = {"ChoiceLocator": "q://QID2/SelectableChoice/1", "Condition": "Selected"}
    q2 = mc(
        "QID2", "Yes", "No", SkipLogic=[{**rule, "SkipToDestination": "QID1", "SkipLogicID": 7}]
    )
    q3 = mc("QID3", "Yes", "No")
    elements = [
        {"Type": "Question", "QuestionID": "QID1"},
        {"Type": "Question", "QuestionID": "QID2"},
        {"Type": "Page Break"},
        {
            "Type": "Question",
            "QuestionID": "QID3",
            "SkipLogic": [
                {
                    "ChoiceLocator": "q://QID3/SelectableChoice/2",
                    "Condition": "Selected",
                    "SkipToDestination": "ENDOFSURVEY",
                },
                {
                    "ChoiceLocator": "q://QID3/SelectableChoice/9",
                    "Condition": "Selected",
                    "SkipToDestination": "ENDOFBLOCK",
                    "SkipLogicID": 3,
                },
            ],
        },
    ]
    blocks = [{"Type": "Default", "ID": "BL_1", "BlockElements": elements}]
    read = read_qsf(qsf(mc("QID1", "a"), q2, q3, blocks=blocks))
    assert read.survey.questions["QID2"].skip_logic == ()
    assert [doc(r) for r in read.survey.questions["QID3"].skip_logic] == [
        {
            "condition": {"question": "QID3", "operator": "selected", "value": "2"},
            "to": "end_of_survey",
        }
    ]
    assert [doc(e)["type"] for e in read.survey.blocks[0].elements] == [
        "single_choice",
        "single_choice",
        "page_break",
        "single_choice",
    ]
    assert [(d.element, d.reason) for d in read.dropped] == [
        (
            "QID2",
            "skip logic 7: it skips to 'QID1', not a later question of the block or an end;"
            " not kept",
        ),
        ("QID3", "skip logic 3: QID3 has no choice '9'; not kept"),
    ]


# ------------------------------------------------------------------------- questions and flow


def test_question_details_kept_as_written() -> None:
    kept = mc(
        "QID1",
        "Apples",
        "Pears",
        "Other",
        "None",
        ChoiceOrder=[3, 1, 2, 4],
        RecodeValues={"1": "10", "2": "20", "3": "30", "4": "99"},
        ChoiceDataExportTags={"1": "apples", "2": "pears"},
        Validation={"Settings": {"ForceResponse": "ON", "Type": "None"}},
        Selector="MAHR",
    )
    kept["Choices"]["3"]["TextEntry"] = "true"
    kept["Choices"]["4"]["ExclusiveAnswer"] = True
    soft = mc(
        "QID2", "a", Selector="DL", Validation={"Settings": {"ForceResponse": "RequestResponse"}}
    )
    upload = question("QID3", "FileUpload", "FileUpload")
    essay = question("QID4", "TE", "ESTB", DataExportTag="essay")
    survey = read_qsf(qsf(kept, soft, upload, essay)).survey
    assert doc(survey.questions["QID1"]) == {
        "id": "QID1",
        "type": "multiple_choice",
        "label": "Q1",
        "text": "Question QID1",
        "required": True,
        "layout": "horizontal",
        "choices": [
            {"id": "3", "text": "Other", "text_entry": True, "recode": "30"},
            {"id": "1", "text": "Apples", "recode": "10", "export_tag": "apples"},
            {"id": "2", "text": "Pears", "recode": "20", "export_tag": "pears"},
            {"id": "4", "text": "None", "recode": "99", "exclusive": True},
        ],
    }
    assert (survey.questions["QID2"].required, doc(survey.questions["QID2"])["layout"]) == (
        False,
        "dropdown",
    )
    assert doc(survey.questions["QID3"]) == {
        "id": "QID3",
        "type": "file_upload",
        "text": "Question QID3",
        "source_type": "FileUpload/FileUpload",
    }
    assert doc(survey.questions["QID4"])["format"] == "essay"


def test_flow_elements_groups_ends_and_embedded_data() -> None:
    flow = [
        {
            "Type": "EmbeddedData",
            "FlowID": "FL_2",
            "EmbeddedData": [
                {"Field": "tier", "Type": "Recipient"},
                {"Field": "source", "Value": "qsf"},
            ],
        },
        {
            "Type": "Group",
            "FlowID": "FL_3",
            "Description": "Core",
            "Flow": [
                {"Type": "Block", "ID": "BL_1", "FlowID": "FL_4"},
                {
                    "Type": "Randomizer",
                    "FlowID": "FL_5",
                    "SubSet": "",
                    "EvenPresentation": True,
                    "Flow": [{"Type": "EndSurvey", "FlowID": "FL_6"}],
                },
            ],
        },
        {
            "Type": "Branch",
            "FlowID": "FL_7",
            "BranchLogic": logic(
                [{"LogicType": "EmbeddedField", "LeftOperand": "tier", "Operator": "NotEmpty"}]
            ),
            "Flow": [
                {
                    "Type": "EndSurvey",
                    "FlowID": "FL_8",
                    "EndingType": "Advanced",
                    "Options": {
                        "Advanced": "true",
                        "SurveyTermination": "DisplayMessage",
                        "EOSMessageLibrary": "UR_abc",
                        "EOSMessage": "MS_xyz",
                    },
                }
            ],
        },
        {"Type": "Block", "ID": "BL_trash", "FlowID": "FL_9"},
        {"Type": "Quota", "FlowID": "FL_10"},
    ]
    read = read_qsf(qsf(mc("QID1", "a"), flow=flow))
    assert [doc(e) for e in read.survey.flow] == [
        {"type": "embedded_data", "fields": [{"name": "tier"}, {"name": "source", "value": "qsf"}]},
        {
            "type": "group",
            "description": "Core",
            "flow": [
                {"type": "block", "id": "BL_1"},
                {
                    "type": "randomizer",
                    "id": "FL_5",
                    "even_presentation": True,
                    "flow": [{"type": "end_survey"}],
                },
            ],
        },
        {
            "type": "branch",
            "condition": {"embedded_data": "tier", "operator": "not_empty"},
            "flow": [{"type": "end_survey"}],
        },
        {"type": "unsupported", "id": "FL_10", "source_type": "Quota"},
    ]
    assert [(d.element, d.reason) for d in read.dropped] == [
        (
            "FL_8",
            "the end message MS_xyz is in the Qualtrics library UR_abc, which the file"
            " does not hold: the default end message is used",
        ),
        ("FL_9", "shows block BL_trash, which is not imported"),
        ("FL_10", "a Quota flow element cannot run here: kept as unsupported"),
    ]


@pytest.mark.parametrize(
    ("options", "end_message", "dropped"),
    [
        ({"SurveyTermination": "DefaultMessage", "EOSMessage": ""}, None, []),
        (
            {
                "SurveyTermination": "DisplayMessage",
                "EOSMessage": "MS_1",
                "EOSMessageLibrary": "UR_2",
            },
            None,
            [
                "the end message MS_1 is in the Qualtrics library UR_2, which the file does not"
                " hold: the default end message is used"
            ],
        ),
        ({"SurveyTermination": "DisplayMessage", "EOSMessage": "<p>Thanks!</p>"}, "Thanks!", []),
        (
            {"SurveyTermination": "Redirect", "EOSRedirectURL": "https://example.org/"},
            None,
            [
                "the redirect to https://example.org/ at the end is not kept:"
                " the end message is used"
            ],
        ),
    ],
)
def test_the_end_of_survey_option(
    options: dict[str, Any], end_message: str | None, dropped: list[str]
) -> None:
    read = read_qsf(qsf(mc("QID1", "a"), options=options))
    assert read.survey.end_message == end_message
    assert dropped_of(read, "SO") == dropped


def test_without_a_flow_every_block_is_shown_and_unblocked_questions_are_listed() -> None:
    data = qsf(mc("QID1", "a"), mc("QID2", "b"))
    data["SurveyElements"] = [e for e in data["SurveyElements"] if e["Element"] != "FL"]
    blocks = data["SurveyElements"][0]["Payload"]
    data["SurveyElements"][0]["Payload"] = {
        "BL_1": {**blocks[0], "BlockElements": blocks[0]["BlockElements"][:1]}
    }
    read = read_qsf(data)
    assert [doc(e) for e in read.survey.flow] == [{"type": "block", "id": "BL_1"}]
    assert read.dropped == (Dropped("QID2", "the question is in no block: not imported"),)


def test_a_question_that_cannot_be_kept_becomes_unsupported_naming_why() -> None:
    empty = mc("QID1")
    backwards = question(
        "QID2",
        "Slider",
        "HSLIDER",
        Choices={"1": {"Display": "x"}},
        Configuration={"CSSliderMin": 10, "CSSliderMax": 0},
    )
    read = read_qsf(qsf(empty, backwards, question("QID3", "Draw", "Signature")))
    assert [q.type for q in read.survey.questions.values()] == ["unsupported"] * 3
    assert [d.reason for d in read.dropped] == [
        "a MC/SAVR/TX question that cannot be kept: choices: list should have at least 1 item"
        " after validation, not 0: kept as unsupported",
        "a Slider/HSLIDER question that cannot be kept: a slider's minimum 10.0 is not below"
        " its maximum: kept as unsupported",
        "Draw/Signature questions cannot be asked here: kept as unsupported",
    ]


def test_is_qsf_and_json_files_holding_a_qsf() -> None:
    data = qsf(mc("QID1", "a"))
    assert is_qsf(data)
    assert not is_qsf({"name": "x", "blocks": []})
    assert not is_qsf([data])
    assert import_text(json.dumps(data), "export.json").survey.name == "Built"
    assert import_text("name: Ours\n", "ours.yaml") == QsfImport(
        SurveyDefinition(name="Ours", flow=())
    )


# -------------------------------------------------------------------------------------- errors


def _with(element: dict[str, Any], at: int = 2) -> dict[str, Any]:
    data = qsf(mc("QID1", "a"), mc("QID2", "b"))
    data["SurveyElements"][at] = element
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "qsf: a QSF file is a JSON object"),
        ({"SurveyElements": []}, "qsf: no SurveyEntry: not a Qualtrics survey file (QSF)"),
        ({"SurveyEntry": {}}, "qsf: no SurveyElements: not a Qualtrics survey file (QSF)"),
        (
            {"SurveyEntry": {"SurveyName": "x"}, "SurveyElements": "all"},
            "qsf: SurveyElements: not a list",
        ),
        (
            {"SurveyEntry": {"SurveyName": "x"}, "SurveyElements": []},
            "qsf: SurveyElements: no BL element (the blocks)",
        ),
        (
            {**qsf(mc("QID1", "a")), "SurveyEntry": {"SurveyName": " "}},
            "qsf: SurveyEntry.SurveyName: missing",
        ),
        (_with({"PrimaryAttribute": "QID1", "Payload": {}}), "qsf: SurveyElements[2]: no Element"),
        (_with(7), "qsf: SurveyElements[2]: not an object"),
        (
            _with({"Element": "SQ", "PrimaryAttribute": "QID7", "Payload": {"QuestionID": "QID7"}}),
            "qsf: SurveyElements[2] (SQ QID7): no QuestionType",
        ),
        (
            _with({"Element": "SQ", "PrimaryAttribute": "QID1", "Payload": "MC"}),
            "qsf: SurveyElements[2] (SQ QID1).Payload: not an object",
        ),
        (
            _with({"Element": "SQ", "PrimaryAttribute": None, "Payload": {"QuestionType": "MC"}}),
            "qsf: SurveyElements[2] (SQ None): QuestionID: missing",
        ),
        (
            _with({"Element": "SQ", "PrimaryAttribute": "QID2", "Payload": mc("QID2", "b")}),
            "qsf: SurveyElements[3] (SQ QID2): a second question QID2",
        ),
        (
            _with({"Element": "BL", "Payload": []}),
            "qsf: SurveyElements[2] (BL None): a second element of this kind",
        ),
        (
            _with(
                {
                    "Element": "SQ",
                    "PrimaryAttribute": "QID1",
                    "Payload": mc("QID1", "a", Choices=["x"]),
                }
            ),
            "SurveyElements[2] (SQ QID1).Choices.0: not an object",
        ),
        (
            _with(
                {
                    "Element": "SQ",
                    "PrimaryAttribute": "QID1",
                    "Payload": mc("QID1", "a", ChoiceOrder="1"),
                }
            ),
            "SurveyElements[2] (SQ QID1).ChoiceOrder: not a list of ids",
        ),
        (
            _with(
                {
                    "Element": "SQ",
                    "PrimaryAttribute": "QID1",
                    "Payload": mc("QID1", "a", DisplayLogic=[1]),
                }
            ),
            "SurveyElements[2] (SQ QID1).Payload.DisplayLogic: not an object",
        ),
        (
            qsf(mc("QID1", "a"), blocks=[{"Type": "Default"}]),
            "qsf: SurveyElements[0] (BL Survey Blocks).Payload[0].ID: missing",
        ),
        (
            qsf(mc("QID1", "a"), blocks=[{"ID": "BL_1", "BlockElements": 3}]),
            "qsf: SurveyElements[0] (BL Survey Blocks).Payload[0].BlockElements: not a list",
        ),
        (
            qsf(
                mc("QID1", "a"), blocks=[{"ID": "BL_1", "BlockElements": [{"QuestionID": "QID1"}]}]
            ),
            "qsf: SurveyElements[0] (BL Survey Blocks).Payload[0].BlockElements[0]: no Type",
        ),
        (
            qsf(mc("QID1", "a"), flow=[{"FlowID": "FL_2"}]),
            "qsf: SurveyElements[1] (FL Survey Flow).Payload.Flow[0]: no Type",
        ),
    ],
)
def test_a_malformed_file_is_refused_naming_the_part(data: Any, message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        read_qsf(data)
    assert message in str(refused.value)


def test_nesting_and_size_limits() -> None:
    flow: list[dict[str, Any]] = [{"Type": "Block", "ID": "BL_1"}]
    for depth in range(MAX_FLOW_DEPTH + 1):
        flow = [{"Type": "Group", "FlowID": f"FL_{depth}", "Flow": flow}]
    with pytest.raises(InvalidInput, match=f"nests more than {MAX_FLOW_DEPTH} deep"):
        read_qsf(qsf(mc("QID1", "a"), flow=flow))
    many = {"SurveyEntry": {"SurveyName": "x"}, "SurveyElements": [{"Element": "NT"}] * 20_001}
    with pytest.raises(InvalidInput, match="SurveyElements: more than 20,000"):
        read_qsf(many)
    with pytest.raises(InvalidInput, match="nested too deeply"):
        loads_qsf("[" * 100_000 + "]" * 100_000)
    with pytest.raises(InvalidInput, match="line 1, column 2: JSON syntax error"):
        loads_qsf("{,}")
    with pytest.raises(InvalidInput, match="holds a NUL character"):
        read_qsf(qsf(mc("QID1", "a\x00b")))


def test_ids_too_long_for_the_model_are_refused_naming_where() -> None:
    long = "x" * 101
    flow_at = "qsf: SurveyElements[1] (FL Survey Flow).Payload.Flow[0]"
    for data, message in [
        (qsf(mc(f"QID{long}", "a")), f"(SQ QID{'x' * 37}): QuestionID: longer than 100"),
        (
            qsf(mc("QID1", "a"), blocks=[{"ID": f"BL_{long}"}], flow=[]),
            "qsf: SurveyElements[0] (BL Survey Blocks).Payload[0].ID: longer than 100 characters",
        ),
        (
            qsf(mc("QID1", "a"), flow=[{"Type": "Group", "FlowID": f"FL_{long}"}]),
            f"{flow_at}.FlowID: longer than 100 characters",
        ),
        (
            qsf(
                mc("QID1", "a"), flow=[{"Type": "EmbeddedData", "EmbeddedData": [{"Field": long}]}]
            ),
            f"{flow_at}.EmbeddedData[0].Field: longer than 100 characters",
        ),
    ]:
        with pytest.raises(InvalidInput) as refused:
            read_qsf(data)
        assert message in str(refused.value)
