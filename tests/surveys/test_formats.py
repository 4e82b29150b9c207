"""YAML and JSON survey documents: loading, errors that say where, dumping back."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from smsurvey.kit.errors import InvalidInput
from smsurvey.surveys.compatibility import check_sms_compatibility
from smsurvey.surveys.definition import SingleChoiceQuestion
from smsurvey.surveys.formats import (
    DocumentFormat,
    dumps_survey,
    format_of,
    load_survey,
    loads_survey,
    parse_survey,
)
from tests.surveys.factories import (
    block,
    branch,
    document,
    end,
    nps,
    set_data,
    show,
    single_choice,
    when,
)

YAML_SURVEY = """\
name: Quick check
end_message: Thanks!
blocks:
  - id: BL_1
    elements:
      - id: QID1
        type: nps
        text: How likely are you to recommend us? Reply 0-10.
      - type: page_break
      - id: QID2
        type: single_choice
        text: Did we fix it?
        display_logic: {question: QID1, operator: less_than, value: 7}
        choices:
          - {id: 1, text: Yes}
          - {id: 2, text: No}
          - {id: 3, text: off}
"""

FULL = document(
    block(
        "BL_1",
        nps("QID1", label="Q1", text="Line one\nLine two"),
        {"type": "page_break"},
        single_choice(
            "QID2",
            "Yes",
            "No",
            display_logic={"any": [when("QID1", "less_than", 7), when("QID1", "empty")]},
        ),
    ),
    block(
        "BL_2",
        {
            "id": "QID3",
            "type": "matrix",
            "text": "Rate",
            "statements": [{"id": "1", "text": "Speed"}],
            "choices": [{"id": "1", "text": "Good", "text_entry": True}],
        },
    ),
    flow=[
        set_data(tier=None, channel="sms"),
        show("BL_1"),
        {
            "type": "branch",
            "description": "Detractors",
            "condition": {
                "all": [
                    when("QID1", "less_than", 7),
                    {"embedded_data": "tier", "operator": "not_empty"},
                ]
            },
            "flow": [show("BL_2"), end("Sorry")],
        },
        {"type": "unsupported", "source_type": "WebService", "description": "POST"},
        branch({"unsupported": "DeviceType", "description": "mobile"}, end()),
    ],
    id="SV_abcdefghijklmno",
    end_message="Bye",
)


def test_loads_yaml_with_yaml_1_2_booleans(tmp_path: Path) -> None:
    path = tmp_path / "survey.yaml"
    path.write_text(YAML_SURVEY, encoding="utf-8")
    loaded = load_survey(path)
    assert loaded.name == "Quick check"
    question = loaded.questions["QID2"]
    assert isinstance(question, SingleChoiceQuestion)
    assert [(c.id, c.text) for c in question.choices] == [("1", "Yes"), ("2", "No"), ("3", "off")]


@pytest.mark.parametrize("suffix", [".json", ".JSON"])
def test_loads_json(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"survey{suffix}"
    path.write_text(json.dumps(FULL), encoding="utf-8")
    assert load_survey(path) == parse_survey(FULL)


@pytest.mark.parametrize("document_format", list(DocumentFormat))
def test_round_trip(document_format: DocumentFormat) -> None:
    original = parse_survey(FULL)
    text = dumps_survey(original, document_format)
    assert loads_survey(text, document_format) == original
    assert dumps_survey(loads_survey(text, document_format), document_format) == text


def test_dumps_leave_defaults_out_and_keep_the_flow() -> None:
    loaded = parse_survey(document(block("BL", nps("QID1"))))
    assert json.loads(dumps_survey(loaded, DocumentFormat.JSON)) == {
        "name": "Test survey",
        "blocks": [
            {"id": "BL", "elements": [{"id": "QID1", "type": "nps", "text": nps("QID1")["text"]}]}
        ],
        "flow": [{"type": "block", "id": "BL"}],
    }


def test_an_explicitly_empty_flow_survives_a_round_trip() -> None:
    loaded = parse_survey(document(block("BL", nps("QID1")), flow=[]))
    assert loads_survey(dumps_survey(loaded, DocumentFormat.YAML), DocumentFormat.YAML).flow == ()


def test_yaml_writes_multi_line_texts_as_blocks() -> None:
    text = dumps_survey(parse_survey(FULL), DocumentFormat.YAML)
    assert "text: |-\n          Line one\n          Line two\n" in text
    assert "id: '1'" in text  # choice ids stay strings


def test_yaml_syntax_errors_give_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yml"
    path.write_text("name: Broken\nblocks:\n  - id: BL\n    elements: [\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"broken\.yml line 5, column 1: YAML syntax error: "):
        load_survey(path)


def test_json_syntax_errors_give_the_line() -> None:
    with pytest.raises(InvalidInput, match=r"^s\.json line 3, column 1: JSON syntax error: "):
        loads_survey('{"name": "x",\n "blocks": [],\n}', DocumentFormat.JSON, source="s.json")


def test_validation_errors_give_the_field_path() -> None:
    text = YAML_SURVEY.replace("operator: less_than", "operator: below").replace(
        "type: nps", "type: nps\n        colour: red"
    )
    with pytest.raises(InvalidInput) as caught:
        loads_survey(text, DocumentFormat.YAML, source="survey.yaml")
    message = str(caught.value)
    assert message.startswith("survey.yaml: ")
    assert "blocks[0].elements[0].colour: Extra inputs are not permitted" in message
    assert "blocks[0].elements[2].display_logic.operator: Input should be 'selected'" in message


def test_many_errors_are_summarised() -> None:
    data = document(*(block(f"BL_{n}", {"id": f"QID{n}", "type": "nps"}) for n in range(8)))
    with pytest.raises(InvalidInput) as caught:
        parse_survey(data)
    message = str(caught.value)
    assert message.count("Field required") == 5
    assert message.endswith("; and 3 more")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "a survey is a mapping"),
        ("- just\n- a list\n", "a survey is a mapping"),
        ("name: x\nblocks: 3\n", "blocks: Input should be a valid list"),
    ],
)
def test_documents_that_are_not_surveys(text: str, fragment: str) -> None:
    with pytest.raises(InvalidInput, match=fragment):
        loads_survey(text, DocumentFormat.YAML)


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(
        InvalidInput, match=r"survey\.txt: a survey file ends in \.yaml, \.yml or \.json"
    ):
        format_of(Path("survey.txt"))
    with pytest.raises(InvalidInput, match="cannot be read"):
        load_survey(tmp_path / "missing.yaml")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("name: Caf\xe9".encode("latin-1"))
    with pytest.raises(InvalidInput, match="not UTF-8 text"):
        load_survey(latin)


def test_the_example_in_the_format_documentation_loads_and_is_sms_compatible() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "survey-format.md").read_text(encoding="utf-8")
    examples = re.findall(r"```yaml\n(.*?)```", doc, re.DOTALL)
    assert len(examples) == 1
    loaded = loads_survey(examples[0], DocumentFormat.YAML, source="docs/survey-format.md")
    assert check_sms_compatibility(loaded).compatible
    assert list(loaded.questions) == ["QID1", "QID2", "QID3", "QID4", "QID5"]
