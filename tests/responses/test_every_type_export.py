"""From the web survey to the export file: a respondent answers every question type through
its personal link, and the CSV and JSON exports carry each answer in Qualtrics' layout."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator

import pytest

from smsurvey.models.responses import Response
from smsurvey.responses.export import ExportFormat, ExportOptions, export_file, exported
from tests.messaging.harness import harness
from tests.surveys.every_type import EVERY_TYPE
from tests.web.answering import STORED, VALID, post
from tests.web.support import ANN, edit_survey, invite, question_on


@pytest.fixture
async def answered(database_url: str) -> AsyncIterator[Response]:
    async with harness(database_url) as system:
        await edit_survey(system, definition=EVERY_TYPE.to_document())
        [ann] = await invite(system, ANN)
        page = await system.client.get(ann.path)
        while 'name="question"' in page.text:
            page = await post(system, ann, question_on(page.text), VALID[question_on(page.text)])
            assert page.status_code == 200, page.text
        [response] = await system.rows(Response)
        yield response


def question_cells(table: list[list[str]]) -> dict[str, tuple[str, str, str]]:
    """Each question column's (question text row, ImportId row, answer) by column name
    (embedded data, such as the contact's ``tier``, follows them)."""
    names, texts, import_ids, answers = table
    first, after = names.index("Q1"), names.index("tier")
    return {
        name: (text, json.loads(import_id)["ImportId"], answer)
        for name, text, import_id, answer in zip(
            names[first:after],
            texts[first:after],
            import_ids[first:after],
            answers[first:after],
            strict=True,
        )
    }


async def test_the_csv_has_a_column_per_answer_named_as_qualtrics_names_them(
    answered: Response,
) -> None:
    content = export_file(EVERY_TYPE, [exported(answered, EVERY_TYPE)], ExportOptions())
    table = list(csv.reader(io.StringIO(content.decode())))
    assert len(table) == 4  # three header rows, one response
    assert table[0][:2] == ["StartDate", "EndDate"]
    cells = question_cells(table)
    assert {name: (import_id, answer) for name, (_, import_id, answer) in cells.items()} == {
        "Q1": ("QID1", "8"),
        "Q1_NPS_GROUP": ("QID1_NPS_GROUP", "2"),
        "Q2": ("QID2", "2"),
        "Q2_3_TEXT": ("QID2_3_TEXT", ""),
        "Q3": ("QID3", "2"),
        "Q4_1": ("QID4", "1"),
        "Q4_2": ("QID4", ""),
        "Q4_3": ("QID4", "3"),
        "Q4_4": ("QID4", ""),
        "Q4_3_TEXT": ("QID4_3_TEXT", "Parking"),
        "Q5_1": ("QID5_1", "3"),
        "Q5_2": ("QID5_2", "2"),
        "Q6_1": ("QID6_1", "7"),
        "Q6_2": ("QID6_2", "9"),
        "Q7_1": ("QID7_1", "2"),
        "Q7_2": ("QID7_2", "1"),
        "Q7_3": ("QID7_3", "3"),
        "Q8_1": ("QID8_1", "Ann"),
        "Q8_2": ("QID8_2", "Paris"),
        "Q10": ("QID10_TEXT", "Long\nstory"),
        "Q11": ("QID11_TEXT", ""),  # skipped: the essay's skip rule ends the block
        "Q12_1": ("QID12", "1"),
        "Q12_2": ("QID12", "2"),
    }
    assert cells["Q5_1"][0] == "How were we? - Staff"
    assert cells["Q4_3_TEXT"][0].endswith("Something else - Text")


async def test_the_json_keys_answers_by_question_id_with_numbers_for_coded_values(
    answered: Response,
) -> None:
    options = ExportOptions(format=ExportFormat.JSON)
    content = export_file(EVERY_TYPE, [exported(answered, EVERY_TYPE)], options)
    [document] = json.loads(content)["responses"]
    values = {key: value for key, value in document["values"].items() if key.startswith("QID")}
    assert values == STORED
    assert document["labels"]["QID4"] == ["Price", "Something else"]
    assert document["labels"]["QID5_1"] == "Good"
