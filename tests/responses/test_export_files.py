"""Export files in Qualtrics' layouts: the three CSV/TSV header rows, a column set per question
type, JSON and NDJSON values, and each option that shapes a file.

The expected rows are those of real Qualtrics exports (ropensci/qualtRics
``tests/testthat/files/sample.csv``; the Twin-2K-500 export headers; published exports)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from smsurvey.responses.export import ExportFormat, ExportOptions, export_file
from smsurvey.responses.export_columns import ExportedResponse, Settings
from smsurvey.surveys.definition import SurveyDefinition

SURVEY = SurveyDefinition.model_validate(
    {
        "name": "Every type",
        "blocks": [
            {
                "id": "BL_1",
                "elements": [
                    {"id": "QID1", "type": "nps", "label": "Q1", "text": "How likely…?"},
                    {
                        "id": "QID2", "type": "single_choice", "label": "Q2",
                        "text": "Pick <b>one</b>",
                        "choices": [
                            {"id": "1", "text": "Red"},
                            {"id": "2", "text": "Blue", "recode": "20"},
                            {"id": "3", "text": "Other", "text_entry": True},
                        ],
                    },
                    {
                        "id": "QID3", "type": "multiple_choice", "label": "Q3", "text": "Drinks",
                        "choices": [
                            {"id": "1", "text": "Tea"},
                            {"id": "2", "text": "Coffee"},
                            {"id": "3", "text": "Water"},
                        ],
                    },
                    {
                        "id": "QID4", "type": "matrix", "label": "Q4", "text": "Rate",
                        "statements": [{"id": "1", "text": "Speed"}, {"id": "2", "text": "Price"}],
                        "choices": [{"id": "1", "text": "Bad"}, {"id": "2", "text": "Good"}],
                    },
                    {
                        "id": "QID5", "type": "slider", "label": "Q5", "text": "How much",
                        "statements": [{"id": "1", "text": "Amount"}], "decimals": 1,
                    },
                    {
                        "id": "QID6", "type": "rank_order", "label": "Q6", "text": "Rank",
                        "choices": [{"id": "1", "text": "A"}, {"id": "2", "text": "B"}],
                    },
                    {"id": "QID7", "type": "text_entry", "label": "Q7", "text": "Comments"},
                    {
                        "id": "QID8", "type": "text_entry", "label": "Q8", "text": "Contact",
                        "format": "form",
                        "fields": [{"id": "1", "text": "Name"}, {"id": "2", "text": "City"}],
                    },
                    {"id": "QID9", "type": "descriptive", "text": "Thanks"},
                    {"id": "QID10", "type": "text_entry", "text": "Untagged"},
                ],
            }
        ],
    }
)  # fmt: skip

METADATA_NAMES = [
    "StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)",
    "Finished", "RecordedDate", "ResponseId", "RecipientLastName", "RecipientFirstName",
    "RecipientEmail", "ExternalReference", "LocationLatitude", "LocationLongitude",
    "DistributionChannel", "UserLanguage",
]  # fmt: skip
METADATA_LABELS = [
    "Start Date", "End Date", "Response Type", "IP Address", "Progress", "Duration (in seconds)",
    "Finished", "Recorded Date", "Response ID", "Recipient Last Name", "Recipient First Name",
    "Recipient Email", "External Data Reference", "Location Latitude", "Location Longitude",
    "Distribution Channel", "User Language",
]  # fmt: skip
METADATA_IMPORT_IDS = [
    '{"ImportId":"startDate","timeZone":"Z"}', '{"ImportId":"endDate","timeZone":"Z"}',
    '{"ImportId":"status"}', '{"ImportId":"ipAddress"}', '{"ImportId":"progress"}',
    '{"ImportId":"duration"}', '{"ImportId":"finished"}',
    '{"ImportId":"recordedDate","timeZone":"Z"}', '{"ImportId":"_recordId"}',
    '{"ImportId":"recipientLastName"}', '{"ImportId":"recipientFirstName"}',
    '{"ImportId":"recipientEmail"}', '{"ImportId":"externalDataReference"}',
    '{"ImportId":"locationLatitude"}', '{"ImportId":"locationLongitude"}',
    '{"ImportId":"distributionChannel"}', '{"ImportId":"userLanguage"}',
]  # fmt: skip

ANN = ExportedResponse(
    id="R_1",
    started_at=datetime(2024, 1, 15, 10, 23, 45, 123456, tzinfo=UTC),
    recorded_at=datetime(2024, 1, 15, 10, 25, 0, tzinfo=UTC),
    finished=True,
    channel="sms",
    recipient={"first_name": "Ann", "ext_ref": "E-1", "language": "EN"},
    values={
        "QID1": 9, "QID1_NPS_GROUP": 3, "QID2": "3", "QID2_3_TEXT": "Green", "QID3": [1, 3],
        "QID4_1": 2, "QID4_2": 1, "QID5_1": 2.5, "QID6_1": 2, "QID6_2": 1,
        "QID7_TEXT": "Line 1\nLine 2", "QID8_1": "Ann", "QID8_2": "Oslo", "Store": "12",
    },
    labels={"QID1_NPS_GROUP": "Promoter", "QID2": "Other", "QID3": ["Tea", "Water"]},
    displayed=tuple(f"QID{n}" for n in range(1, 11)),
    progress=100,
)  # fmt: skip
BOB = replace(
    ANN, id="R_2", finished=False, progress=10, recipient={}, values={"QID1": 3}, labels={},
    displayed=("QID1", "QID2", "QID3"),
)  # fmt: skip


def table(options: ExportOptions = ExportOptions(), *rows: ExportedResponse) -> list[list[str]]:
    """The CSV file's rows, as Python's csv reads them."""
    return list(csv.reader(io.StringIO(export_file(SURVEY, rows or (ANN,), options).decode())))


def qualtrics_frame(text: str, delimiter: str = ",") -> list[dict[str, str]]:
    """What qualtRics' ``read_survey`` keeps: row 1 as names, rows 2-3 dropped."""
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[3:]]


def documents(options: ExportOptions, *rows: ExportedResponse) -> list[dict[str, Any]]:
    data = json.loads(export_file(SURVEY, rows or (ANN,), options))
    return list(data["responses"])


def test_three_header_rows_as_qualtrics_writes_them() -> None:
    names, labels, import_ids, row = table()
    questions = [
        ("Q1", "How likely…?", '{"ImportId":"QID1"}', "9"),
        ("Q1_NPS_GROUP", "How likely…? - Group", '{"ImportId":"QID1_NPS_GROUP"}', "3"),
        ("Q2", "Pick one - Selected Choice", '{"ImportId":"QID2"}', "3"),
        ("Q2_3_TEXT", "Pick one - Other - Text", '{"ImportId":"QID2_3_TEXT"}', "Green"),
        ("Q3_1", "Drinks - Tea", '{"ImportId":"QID3","choiceId":"1"}', "1"),
        ("Q3_2", "Drinks - Coffee", '{"ImportId":"QID3","choiceId":"2"}', ""),
        ("Q3_3", "Drinks - Water", '{"ImportId":"QID3","choiceId":"3"}', "3"),
        ("Q4_1", "Rate - Speed", '{"ImportId":"QID4_1"}', "2"),
        ("Q4_2", "Rate - Price", '{"ImportId":"QID4_2"}', "1"),
        ("Q5_1", "How much - Amount", '{"ImportId":"QID5_1"}', "2.5"),
        ("Q6_1", "Rank - A", '{"ImportId":"QID6_1"}', "2"),
        ("Q6_2", "Rank - B", '{"ImportId":"QID6_2"}', "1"),
        ("Q7", "Comments", '{"ImportId":"QID7_TEXT"}', "Line 1\nLine 2"),
        ("Q8_1", "Contact - Name", '{"ImportId":"QID8_1"}', "Ann"),
        ("Q8_2", "Contact - City", '{"ImportId":"QID8_2"}', "Oslo"),
        ("QID10", "Untagged", '{"ImportId":"QID10_TEXT"}', ""),
        ("Store", "Store", '{"ImportId":"Store"}', "12"),
    ]
    assert names == METADATA_NAMES + [q[0] for q in questions]
    assert labels == METADATA_LABELS + [q[1] for q in questions]
    assert import_ids == METADATA_IMPORT_IDS + [q[2] for q in questions]
    assert row[len(METADATA_NAMES) :] == [q[3] for q in questions]
    assert row[: len(METADATA_NAMES)] == [
        "2024-01-15 10:23:45", "2024-01-15 10:25:00", "0", "", "100", "74", "1",
        "2024-01-15 10:25:00", "R_1", "", "Ann", "", "E-1", "", "", "sms", "EN",
    ]  # fmt: skip


def test_readers_that_skip_rows_two_and_three_get_every_response() -> None:
    text = export_file(SURVEY, [ANN, BOB], ExportOptions()).decode()
    frame = qualtrics_frame(text)
    assert [(r["ResponseId"], r["Finished"], r["Q1"], r["Progress"]) for r in frame] == [
        ("R_1", "1", "9", "100"),
        ("R_2", "0", "3", "10"),
    ]


def test_tsv_is_utf16_with_the_same_three_rows() -> None:
    content = export_file(SURVEY, [ANN], ExportOptions(format=ExportFormat.TSV))
    assert content.startswith((b"\xff\xfe", b"\xfe\xff"))  # the byte-order mark
    text = content.decode("utf-16")
    rows = list(csv.reader(io.StringIO(text), delimiter="\t"))
    assert rows == table()
    assert qualtrics_frame(text, "\t")[0]["Q7"] == "Line 1\nLine 2"


def test_without_breakout_sets_a_multiple_answer_question_has_one_column() -> None:
    names, labels, import_ids, row = table(ExportOptions(settings=Settings(breakout_sets=False)))
    at = names.index("Q3")
    assert (labels[at], import_ids[at], row[at]) == ("Drinks", '{"ImportId":"QID3"}', "1,3")
    assert not any(name.startswith("Q3_") for name in names)


def test_use_labels_writes_choice_texts() -> None:
    names, _, _, row = table(ExportOptions(settings=Settings(use_labels=True)))
    cells = dict(zip(names, row, strict=True))
    assert (cells["Finished"], cells["Status"]) == ("True", "IP Address")
    assert (cells["Q1"], cells["Q1_NPS_GROUP"]) == ("9", "Promoter")
    assert [cells[name] for name in ("Q2", "Q3_1", "Q3_2", "Q3_3")] == ["Other", "Tea", "", "Water"]
    assert (cells["Q4_1"], cells["Q4_2"]) == ("Good", "Bad")
    labelled = ExportOptions(format=ExportFormat.JSON, settings=Settings(use_labels=True))
    [document] = documents(labelled)
    assert document["values"]["QID3"] == ["Tea", "Water"]


def test_seen_unanswered_recodes_fill_only_questions_shown() -> None:
    options = ExportOptions(settings=Settings(seen_unanswered=-99, multiselect_seen_unanswered=0))
    names, _, _, ann, bob = table(options, ANN, BOB)
    bob_cells = dict(zip(names, bob, strict=True))
    assert (bob_cells["Q1"], bob_cells["Q2"]) == ("3", "-99")  # Q2 shown, not answered
    assert [bob_cells[f"Q3_{n}"] for n in (1, 2, 3)] == ["0", "0", "0"]
    assert (bob_cells["Q4_1"], bob_cells["Q7"]) == ("", "")  # never shown
    ann_cells = dict(zip(names, ann, strict=True))
    assert [ann_cells[f"Q3_{n}"] for n in (1, 2, 3)] == ["1", "0", "3"]
    only_one = ExportOptions(settings=Settings(seen_unanswered=-1))
    names, _, _, _, bob = table(only_one, ANN, BOB)
    assert dict(zip(names, bob, strict=True))["Q3_2"] == "-1"  # multiselect falls back


def test_time_zone_converts_dates_and_names_the_zone() -> None:
    names, _, import_ids, row = table(ExportOptions(time_zone="America/Denver"))
    assert row[:2] == ["2024-01-15 03:23:45", "2024-01-15 03:25:00"]
    assert import_ids[0] == '{"ImportId":"startDate","timeZone":"America/Denver"}'
    assert import_ids[names.index("RecordedDate")] == (
        '{"ImportId":"recordedDate","timeZone":"America/Denver"}'
    )
    [document] = documents(ExportOptions(format=ExportFormat.JSON, time_zone="Asia/Tokyo"))
    assert document["values"]["startDate"] == "2024-01-15T19:23:45+09:00"


def test_decimal_comma_and_newline_replacement() -> None:
    names, _, _, row = table(ExportOptions(decimal_comma=True, newline_replacement=" | "))
    cells = dict(zip(names, row, strict=True))
    assert (cells["Q5_1"], cells["Q7"]) == ("2,5", "Line 1 | Line 2")
    assert cells["Q1"] == "9"


def test_questions_embedded_data_and_metadata_are_chosen() -> None:
    options = ExportOptions(
        question_ids=("QID1", "QID7"), embedded_data_ids=(), metadata_ids=("_recordId", "finished")
    )
    names, _, _, row = table(options)
    assert names == ["Finished", "ResponseId", "Q1", "Q1_NPS_GROUP", "Q7"]
    assert row == ["1", "R_1", "9", "3", "Line 1\nLine 2"]
    names, *_ = table(ExportOptions(question_ids=(), embedded_data_ids=("Store", "Region")))
    assert names[len(METADATA_NAMES) :] == ["Region", "Store"]


def test_limit_keeps_the_first_responses() -> None:
    assert [row[8] for row in table(ExportOptions(limit=1), ANN, BOB)[3:]] == ["R_1"]


def test_json_values_are_typed_as_qualtrics_exports_them() -> None:
    [ann, bob] = documents(ExportOptions(format=ExportFormat.JSON), ANN, BOB)
    values = ann["values"]
    assert values["startDate"] == "2024-01-15T10:23:45Z"
    assert (values["finished"], values["status"], values["progress"], values["duration"]) == (
        1, 0, 100, 74,
    )  # fmt: skip
    assert values["QID2"] == 3  # an integer string stored by older versions
    assert values["QID3"] == [1, 3]
    assert (values["QID1"], values["QID1_NPS_GROUP"], values["QID5_1"]) == (9, 3, 2.5)
    assert values["_recordId"] == "R_1"
    assert ann["labels"]["QID2"] == "Other"
    assert (bob["values"]["finished"], bob["values"]["progress"]) == (0, 10)


def test_ndjson_is_one_response_a_line() -> None:
    content = export_file(SURVEY, [ANN, BOB], ExportOptions(format=ExportFormat.NDJSON)).decode()
    lines = content.splitlines()
    assert [json.loads(line)["responseId"] for line in lines] == ["R_1", "R_2"]
    assert json.loads(lines[0]) == documents(ExportOptions(format=ExportFormat.JSON))[0]


def test_options_survive_storage() -> None:
    options = ExportOptions(
        format=ExportFormat.TSV, settings=Settings(use_labels=True, seen_unanswered=-1),
        question_ids=("QID1",), metadata_ids=("startDate",), time_zone="Europe/Oslo", limit=3,
    )  # fmt: skip
    assert ExportOptions.from_json(json.loads(json.dumps(options.to_json()))) == options
    assert ExportOptions.from_json({}) == ExportOptions()
