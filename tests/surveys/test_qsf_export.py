"""QSF export: each question type in Qualtrics' shape, the file's frame (entry, blocks, flow,
options, count), and import → export → import giving the same survey for every QSF test
file, the examples and a survey holding every type, flow element and kind of test."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from smsurvey.surveys.definition import SurveyDefinition
from smsurvey.surveys.formats import load_survey
from smsurvey.surveys.logic import evaluate
from smsurvey.surveys.qsf_export import qsf_losses, to_qsf
from smsurvey.surveys.qsf_import import read_qsf
from tests.surveys.factories import (
    block,
    branch,
    end,
    nps,
    set_data,
    single_choice,
    survey,
    text_entry,
    when,
    when_data,
)

QSF_FILES = sorted((Path(__file__).parent / "qsf").glob("*.qsf"))
EXAMPLES = sorted((Path(__file__).parents[2] / "src/smsurvey/examples").glob("*.yaml"))
CREATED = datetime(2026, 3, 1, 9, 30, 5, tzinfo=UTC)
MODIFIED = datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)


def export(definition: SurveyDefinition, **extra: Any) -> dict[str, Any]:
    """The QSF of ``definition`` as a file holds it (through JSON)."""
    document = to_qsf(
        definition,
        survey_id="SV_0Rk3vQa8gqPwQDP",
        owner_id="UR_0Rk3vQa8gqPwQDP",
        created_at=CREATED,
        modified_at=MODIFIED,
        active=True,
        **extra,
    )
    return json.loads(json.dumps(document))


def elements(document: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [element for element in document["SurveyElements"] if element["Element"] == kind]


def payload_of(document: dict[str, Any], qid: str) -> dict[str, Any]:
    [found] = [e["Payload"] for e in elements(document, "SQ") if e["PrimaryAttribute"] == qid]
    return found


EVERY_TYPE = survey(
    block(
        "BL_first",
        nps("QID1", label="Q1", required=True),
        single_choice("QID2", "Red", "Blue", label="Q2", layout="dropdown"),
        {
            "id": "QID3",
            "type": "multiple_choice",
            "label": "Q3",
            "text": "Which?",
            "layout": "horizontal",
            "choices": [
                {"id": "1", "text": "Tea", "recode": "10", "export_tag": "tea"},
                {"id": "2", "text": "Other", "text_entry": True},
                {"id": "3", "text": "None", "exclusive": True},
            ],
        },
        {"type": "page_break"},
        {
            "id": "QID4",
            "type": "matrix",
            "label": "Q4",
            "text": "Rate",
            "multiple_answers": True,
            "statements": [
                {"id": "1", "text": "Speed", "export_tag": "speed"},
                {"id": "2", "text": "Price"},
            ],
            "choices": [{"id": "1", "text": "Good", "recode": "5"}, {"id": "2", "text": "Bad"}],
            "display_logic": when("QID2", "selected", "1"),
        },
        {
            "id": "QID5",
            "type": "slider",
            "label": "Q5",
            "text": "How much?",
            "minimum": -5,
            "maximum": 5.5,
            "decimals": 1,
            "statements": [{"id": "1", "text": "Apples"}],
        },
        {
            "id": "QID6",
            "type": "rank_order",
            "label": "Q6",
            "text": "Order these",
            "choices": [{"id": "1", "text": "A"}, {"id": "2", "text": "B"}],
        },
    ),
    block(
        "BL_second",
        text_entry("QID7", label="Q7", format="essay"),
        {
            "id": "QID8",
            "type": "text_entry",
            "label": "Q8",
            "text": "Your details",
            "format": "form",
            "fields": [{"id": "1", "text": "Name"}, {"id": "2", "text": "Town"}],
        },
        {"id": "QID9", "type": "descriptive", "label": "Q9", "text": "Thanks so far"},
        {
            "id": "QID10",
            "type": "unsupported",
            "label": "Q10",
            "text": "Side",
            "source_type": "SBS/SBSMatrix",
        },
        {
            "id": "QID11",
            "type": "file_upload",
            "label": "Q11",
            "text": "Your CV",
            "source_type": "FileUpload/FileUpload",
        },
        text_entry(
            "QID12",
            label="Q12",
            format="password",
            display_logic={
                "any": [
                    {
                        "all": [
                            when("QID1", "greater_or_equal", 7),
                            when("QID4", "selected", "2") | {"statement": "1"},
                        ]
                    },
                    when_data("tier", "equal_to", "gold"),
                    {"question": "QID5", "operator": "less_than", "value": "2", "statement": "1"},
                    {"question": "QID6", "operator": "equal_to", "value": "1", "statement": "2"},
                    {
                        "question": "QID8",
                        "operator": "contains",
                        "value": "Paris",
                        "statement": "2",
                    },
                    when("QID7", "not_empty"),
                    when("QID9", "displayed"),
                    {"unsupported": "DeviceType", "description": "Device Type Is Mobile"},
                ]
            },
            skip_logic=[],
        ),
    ),
    flow=[
        set_data(tier=None, channel="sms"),
        {"type": "block", "id": "BL_first"},
        branch(
            {
                "all": [
                    when("QID1", "equal_to", 3),
                    {"any": [when("QID2", "not_selected", "2"), when("QID1", "less_than", 2)]},
                ]
            },
            end("Sorry to hear it"),
        ),
        {"type": "group", "description": "Later", "flow": [{"type": "block", "id": "BL_second"}]},
        {
            "type": "randomizer",
            "id": "FL_40",
            "subset": 1,
            "even_presentation": True,
            "flow": [
                end(),
                {
                    "type": "unsupported",
                    "id": "FL_41",
                    "source_type": "WebService",
                    "description": "Call",
                },
            ],
        },
    ],
    name="Every type",
    description="All of them",
    language="FR-CA",
    end_message="Merci!",
)


def with_skip_logic(definition: SurveyDefinition) -> SurveyDefinition:
    """``definition`` with skip rules on QID2 (to a later question, to the end of the block)
    and QID1 (to the end of the survey)."""
    document = definition.to_document()
    first = document["blocks"][0]["elements"]
    first[0]["skip_logic"] = [
        {"condition": when("QID1", "less_or_equal", 2), "to": "end_of_survey"}
    ]
    first[1]["skip_logic"] = [
        {"condition": when("QID2", "selected", "2"), "to": "QID5"},
        {"condition": when("QID2", "selected", "1"), "to": "end_of_block"},
    ]
    return SurveyDefinition.model_validate(document)


def test_every_type_flow_element_and_test_comes_back_the_same() -> None:
    definition = with_skip_logic(EVERY_TYPE)
    read = read_qsf(export(definition))
    assert read.survey.to_document() == definition.to_document()
    assert qsf_losses(definition) == []


def test_what_qsf_cannot_hold_is_listed_and_left_out() -> None:
    lossy = survey(
        block(
            "BL",
            nps("QID1"),
            {
                "id": "QID2",
                "type": "multiple_choice",
                "text": "?",
                "layout": "dropdown",
                "choices": [{"id": "1", "text": "A"}],
                "skip_logic": [
                    {"condition": when_data("tier", "equal_to", "gold"), "to": "end_of_block"}
                ],
            },
            {
                "id": "QID3",
                "type": "matrix",
                "text": "Rate",
                "statements": [{"id": "1", "text": "Speed", "recode": "9"}],
                "choices": [{"id": "1", "text": "Good", "export_tag": "good"}],
            },
        )
    )
    assert qsf_losses(lossy) == [
        "QID2: skip logic[0] tests more than one answer (QSF skip logic tests one)",
        "QID2: a multiple-answer drop-down is written as a select box (MSB)",
        "QID3: export tags of scale points (QSF tags only statements)",
        "QID3: recode values of statements or fields (QSF recodes only choices)",
    ]
    written = export(lossy)
    assert "SkipLogic" not in elements(written, "BL")[0]["Payload"][0]["BlockElements"][1]


@pytest.mark.parametrize("path", QSF_FILES, ids=[p.stem for p in QSF_FILES])
def test_a_qsf_file_imported_exported_and_imported_again_is_the_same(path: Path) -> None:
    first = read_qsf(json.loads(path.read_text(encoding="utf-8-sig"))).survey
    again = read_qsf(export(first))
    assert again.survey == first
    assert qsf_losses(first) == []


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_an_example_exported_and_imported_is_the_same(path: Path) -> None:
    example = load_survey(path)
    read = read_qsf(export(example))
    assert read.survey == example.model_copy(update={"id": None})
    assert read.dropped == ()


def test_the_entry_and_the_frame_are_qualtrics_own() -> None:
    written = export(
        EVERY_TYPE,
        brand_id="OR_0Rk3vQa8gqPwQDP",
        expires_at=datetime(2026, 6, 30, 18, 0, tzinfo=UTC),
    )
    assert written["SurveyEntry"] == {
        "SurveyID": "SV_0Rk3vQa8gqPwQDP",
        "SurveyName": "Every type",
        "SurveyDescription": "All of them",
        "SurveyOwnerID": "UR_0Rk3vQa8gqPwQDP",
        "SurveyBrandID": "OR_0Rk3vQa8gqPwQDP",
        "DivisionID": None,
        "SurveyLanguage": "FR-CA",
        "SurveyActiveResponseSet": None,
        "SurveyStatus": "Active",
        "SurveyStartDate": "0000-00-00 00:00:00",
        "SurveyExpirationDate": "2026-06-30 18:00:00",
        "SurveyCreationDate": "2026-03-01 09:30:05",
        "CreatorID": "UR_0Rk3vQa8gqPwQDP",
        "LastModified": "2026-03-02 10:00:00",
        "LastAccessed": "0000-00-00 00:00:00",
        "LastActivated": "0000-00-00 00:00:00",
        "Deleted": None,
    }
    kinds = [element["Element"] for element in written["SurveyElements"]]
    assert kinds == ["BL", "FL", "SO", "PROJ", "QC"] + ["SQ"] * 12
    assert all(e["SurveyID"] == "SV_0Rk3vQa8gqPwQDP" for e in written["SurveyElements"])
    [count] = elements(written, "QC")
    assert (count["SecondaryAttribute"], count["Payload"]) == ("12", None)
    [project] = elements(written, "PROJ")
    assert project["Payload"] == {"ProjectCategory": "CORE", "SchemaVersion": "1.1.0"}
    [options] = elements(written, "SO")
    assert (options["Payload"]["SurveyTermination"], options["Payload"]["EOSMessage"]) == (
        "DisplayMessage",
        "Merci!",
    )

    [blocks] = elements(written, "BL")
    first, second = blocks["Payload"]
    assert (first["Type"], first["ID"], second["Type"], second["ID"]) == (
        "Default",
        "BL_first",
        "Standard",
        "BL_second",
    )
    assert first["BlockElements"][3] == {"Type": "Page Break"}
    assert first["BlockElements"][0] == {"Type": "Question", "QuestionID": "QID1"}

    [flow] = elements(written, "FL")
    root = flow["Payload"]
    assert (root["Type"], root["FlowID"]) == ("Root", "FL_1")
    kinds = [element["Type"] for element in root["Flow"]]
    assert kinds == ["EmbeddedData", "Block", "Branch", "Group", "BlockRandomizer"]
    ids = [element["FlowID"] for element in root["Flow"]]
    assert ids == ["FL_2", "FL_3", "FL_4", "FL_6", "FL_40"]
    assert root["Properties"]["Count"] == 41
    assert root["Flow"][2]["Flow"][0]["Options"]["EOSMessage"] == "Sorry to hear it"
    assert root["Flow"][3]["Flow"][0] == {
        "Type": "Standard",
        "ID": "BL_second",
        "FlowID": "FL_7",
        "Autofill": [],
    }
    randomizer = root["Flow"][4]
    assert (randomizer["SubSet"], randomizer["EvenPresentation"]) == (1, True)
    assert root["Flow"][0]["EmbeddedData"][1]["Value"] == "sms"


def test_an_empty_survey_has_a_default_block() -> None:
    empty = SurveyDefinition(id="SV_0Rk3vQa8gqPwQDP", name="New", flow=())
    written = export(empty)
    [blocks] = elements(written, "BL")
    assert blocks["Payload"][0]["Type"] == "Default"
    assert blocks["Payload"][0]["BlockElements"] == []
    assert elements(written, "FL")[0]["Payload"]["Flow"][0]["ID"] == blocks["Payload"][0]["ID"]
    assert elements(written, "QC")[0]["SecondaryAttribute"] == "0"


def test_nps_is_mc_nps_with_eleven_choices_and_column_labels() -> None:
    q1 = payload_of(export(EVERY_TYPE), "QID1")
    assert (q1["QuestionType"], q1["Selector"], "SubSelector" in q1) == ("MC", "NPS", False)
    assert q1["Choices"] == [{"Display": str(n)} for n in range(11)]
    assert q1["ChoiceOrder"] == [str(n) for n in range(11)]
    assert [label["Display"] for label in q1["ColumnLabels"]] == [
        "Not at all likely",
        "Extremely likely",
    ]
    assert q1["Validation"] == {
        "Settings": {"ForceResponse": "ON", "ForceResponseType": "ON", "Type": "None"}
    }
    assert (q1["DataExportTag"], q1["QuestionID"], q1["Language"]) == ("Q1", "QID1", [])


def test_choice_questions_keep_ids_recodes_tags_and_layouts() -> None:
    written = export(EVERY_TYPE)
    q2 = payload_of(written, "QID2")
    assert (q2["QuestionType"], q2["Selector"], "SubSelector" in q2) == ("MC", "DL", False)
    q3 = payload_of(written, "QID3")
    assert (q3["Selector"], q3["SubSelector"]) == ("MAHR", "TX")
    assert q3["Choices"] == {
        "1": {"Display": "Tea"},
        "2": {"Display": "Other", "TextEntry": "true"},
        "3": {"Display": "None", "ExclusiveAnswer": True},
    }
    assert q3["ChoiceOrder"] == ["1", "2", "3"]
    assert q3["RecodeValues"] == {"1": "10"}
    assert q3["ChoiceDataExportTags"] == {"1": "tea"}
    assert q3["NextChoiceId"] == 4
    q6 = payload_of(written, "QID6")
    assert (q6["QuestionType"], q6["Selector"], q6["SubSelector"]) == ("RO", "DND", "TX")


def test_matrix_statements_are_choices_and_its_scale_the_answers() -> None:
    q4 = payload_of(export(EVERY_TYPE), "QID4")
    assert (q4["QuestionType"], q4["Selector"], q4["SubSelector"]) == (
        "Matrix",
        "Likert",
        "MultipleAnswer",
    )
    assert q4["Choices"] == {"1": {"Display": "Speed"}, "2": {"Display": "Price"}}
    assert q4["Answers"] == {"1": {"Display": "Good"}, "2": {"Display": "Bad"}}
    assert q4["AnswerOrder"] == ["1", "2"]
    assert q4["RecodeValues"] == {"1": "5"}
    assert q4["ChoiceDataExportTags"] == {"1": "speed"}
    logic = q4["DisplayLogic"]
    assert (logic["Type"], logic["inPage"], logic["0"]["Type"]) == (
        "BooleanExpression",
        False,
        "If",
    )
    test = logic["0"]["0"]
    assert (test["LogicType"], test["ChoiceLocator"], test["Operator"]) == (
        "Question",
        "q://QID2/SelectableChoice/1",
        "Selected",
    )


def test_slider_text_entry_descriptive_and_unsupported_types() -> None:
    written = export(EVERY_TYPE)
    q5 = payload_of(written, "QID5")
    assert (q5["QuestionType"], q5["Selector"]) == ("Slider", "HSLIDER")
    configuration = q5["Configuration"]
    assert (
        configuration["CSSliderMin"],
        configuration["CSSliderMax"],
        configuration["NumDecimals"],
    ) == (-5, 5.5, "1")
    assert [payload_of(written, q)["Selector"] for q in ("QID7", "QID8", "QID12")] == [
        "ESTB",
        "FORM",
        "PW",
    ]
    assert payload_of(written, "QID8")["Choices"] == {
        "1": {"Display": "Name"},
        "2": {"Display": "Town"},
    }
    q9 = payload_of(written, "QID9")
    assert (q9["QuestionType"], q9["Selector"], q9["QuestionText"]) == (
        "DB",
        "TB",
        "Thanks so far",
    )
    assert q9["QuestionDescription"] == "Thanks so far"
    assert (
        payload_of(written, "QID10")["QuestionType"],
        payload_of(written, "QID10")["Selector"],
    ) == ("SBS", "SBSMatrix")
    assert payload_of(written, "QID11")["QuestionType"] == "FileUpload"


def test_logic_is_written_with_qualtrics_conjuction_spelling_and_locators() -> None:
    logic = payload_of(export(EVERY_TYPE), "QID12")["DisplayLogic"]
    tests = [logic["0"][str(n)] for n in range(9)]
    assert [test.get("Conjuction") for test in tests] == [
        None,
        "And",
        "Or",
        "Or",
        "Or",
        "Or",
        "Or",
        "Or",
        "Or",
    ]
    assert [test.get("ChoiceLocator") for test in tests[:2]] == [
        "q://QID1/ChoiceNumericEntryValue",
        "q://QID4/SelectableAnswer/1/2",
    ]
    assert (tests[0]["Operator"], tests[0]["RightOperand"]) == ("GreaterThanOrEqual", "7")
    assert (tests[2]["LogicType"], tests[2]["LeftOperand"], tests[2]["RightOperand"]) == (
        "EmbeddedField",
        "tier",
        "gold",
    )
    assert tests[5]["ChoiceLocator"] == "q://QID8/ChoiceTextEntryValue/2"
    assert (tests[8]["LogicType"], tests[8]["Description"]) == (
        "DeviceType",
        "Device Type Is Mobile",
    )

    [flow] = elements(export(EVERY_TYPE), "FL")
    groups = flow["Payload"]["Flow"][2]["BranchLogic"]
    assert (groups["0"]["Type"], groups["1"]["Type"]) == ("If", "AndIf")
    assert groups["0"]["0"]["ChoiceLocator"] == "q://QID1/SelectableChoice/3"
    assert groups["1"]["1"]["Conjuction"] == "Or"


def test_skip_logic_goes_in_the_block() -> None:
    [blocks] = elements(export(with_skip_logic(EVERY_TYPE)), "BL")
    rules = blocks["Payload"][0]["BlockElements"][1]["SkipLogic"]
    assert [(r["ChoiceLocator"], r["Condition"], r["SkipToDestination"]) for r in rules] == [
        ("q://QID2/SelectableChoice/2", "Selected", "QID5"),
        ("q://QID2/SelectableChoice/1", "Selected", "ENDOFBLOCK"),
    ]
    [nps_rule] = blocks["Payload"][0]["BlockElements"][0]["SkipLogic"]
    assert (nps_rule["SkipToDestination"], nps_rule["Value"]) == ("ENDOFSURVEY", "2")


def test_a_deep_condition_is_written_as_its_or_of_ands() -> None:
    deep = {
        "all": [
            {
                "any": [
                    {
                        "all": [
                            when("QID1", "greater_than", 1),
                            {"any": [when("QID1", "less_than", 3), when("QID1", "equal_to", 9)]},
                        ]
                    },
                    when("QID1", "equal_to", 4),
                ]
            },
            {"any": [when("QID1", "not_equal_to", 2), when("QID1", "equal_to", 2)]},
        ]
    }
    definition = survey(block("BL", nps("QID1"), text_entry("QID2", display_logic=deep)))
    read = read_qsf(export(definition))
    assert read.dropped == ()
    written = read.survey.questions["QID2"].display_logic
    original = definition.questions["QID2"].display_logic
    assert written is not None
    assert original is not None
    assert written != original
    for score in range(11):
        assert evaluate(written, {"QID1": score}, {}) == evaluate(original, {"QID1": score}, {})
