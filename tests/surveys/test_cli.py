"""``smsurvey surveys …`` against the test database (plain sync tests: the CLI runs its loop)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from smsurvey.accounts.service import default_organization
from smsurvey.cli import app
from smsurvey.commands.common import console
from smsurvey.kit.db import create_engine, unit_of_work
from smsurvey.surveys import service
from smsurvey.surveys.formats import DocumentFormat, loads_survey
from tests.support import run_sync

EXAMPLE = Path(__file__).parents[2] / "examples" / "customer-feedback.yaml"

INCOMPATIBLE = """\
name: Web only
blocks:
  - id: BL
    elements:
      - id: QID1
        type: multiple_choice
        text: Pick <b>all</b> that apply
        choices: [{id: 1, text: A}, {id: 2, text: B}]
      - id: QID2
        type: nps
        text: How likely? Reply 0-10.
"""

runner = CliRunner()


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables one row per line, whatever the terminal running the tests."""
    monkeypatch.setattr(console, "width", 200)


def flat(output: str) -> str:
    """The output without table borders, whitespace runs made single spaces."""
    return " ".join(re.sub("[\u2500-\u257f]", " ", output).split())


def invoke(*args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(app, ["surveys", *map(str, args)])
    return result.exit_code, flat(result.stdout), flat(result.stderr)


def import_file(path: Path) -> str:
    code, out, err = invoke("import", path)
    assert code == 0, err
    match = re.search(r"\bSV_[A-Za-z0-9]{15}\b", out)
    assert match, out
    return match.group()


def stored_name(database_url: str, survey_id: str) -> str:
    async def read() -> str:
        engine = create_engine(database_url)
        try:
            async with unit_of_work(engine) as session:
                return (
                    await service.get_survey(
                        session, await default_organization(session), survey_id
                    )
                ).name
        finally:
            await engine.dispose()

    return run_sync(read())


def test_import_prints_the_id_question_count_and_verdict(cli_env: str) -> None:
    code, out, _ = invoke("import", EXAMPLE)
    assert code == 0
    assert re.fullmatch(r"Created SV_[A-Za-z0-9]{15} — 5 questions SMS-compatible", out), out
    survey_id = out.split()[1]
    assert stored_name(cli_env, survey_id) == "Customer feedback (NPS)"


def test_import_says_when_a_survey_is_not_compatible(cli_env: str, tmp_path: Path) -> None:
    path = tmp_path / "web.yaml"
    path.write_text(INCOMPATIBLE, encoding="utf-8")
    code, out, _ = invoke("import", path)
    assert code == 0
    survey_id = out.split()[1]
    assert f"Not SMS-compatible: 2 problems — see smsurvey surveys check {survey_id}" in out


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("bad.yaml", "name: x\nblocks: [\n", "bad.yaml line 3, column 1: YAML syntax error"),
        ("bad.json", '{"name": }', "bad.json line 1, column 10: JSON syntax error"),
        (
            "bad.yaml",
            "name: x\nblocks:\n  - id: BL\n    elements:\n      - {id: Q1, type: nps}\n",
            "blocks[0].elements[0].text: Field required",
        ),
        ("bad.txt", "name: x", "bad.txt: a survey file ends in .qsf, .yaml, .yml or .json"),
        (
            "deep.json",
            '{"name": "x", "blocks": ' + "[" * 100_000 + "]" * 100_000 + "}",
            "deep.json: nested too deeply to be a survey",
        ),
        ("deep.yaml", "name: x\nblocks: " + "[" * 5_000 + "]" * 5_000, "nested too deeply"),
        (
            "aliases.yaml",
            "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n",
            "aliases.yaml line 2, column 8: YAML syntax error: aliases (*name) are not supported",
        ),
        ("nul.json", '{"name": "a\\u0000b"}', "nul.json: name holds a NUL character"),
    ],
)
def test_import_refuses_a_bad_file_with_one_red_line(
    cli_env: str, tmp_path: Path, name: str, content: str, error: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["surveys", "import", str(path)])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: ")
    assert error in result.stderr
    assert result.stdout == ""


def test_show_prints_a_re_importable_definition(cli_env: str) -> None:
    survey_id = import_file(EXAMPLE)
    for document_format in DocumentFormat:
        result = runner.invoke(app, ["surveys", "show", survey_id, "--format", document_format])
        assert result.exit_code == 0
        shown = loads_survey(result.stdout, document_format)
        assert shown.id == survey_id
        assert list(shown.questions) == ["QID1", "QID2", "QID3", "QID4", "QID5"]
    assert (
        json.loads(runner.invoke(app, ["surveys", "show", survey_id, "--format", "json"]).stdout)[
            "id"
        ]
        == survey_id
    )


def test_show_then_import_replaces_the_survey(cli_env: str, tmp_path: Path) -> None:
    survey_id = import_file(EXAMPLE)
    shown = runner.invoke(app, ["surveys", "show", survey_id]).stdout
    edited = tmp_path / "edited.yaml"
    edited.write_text(shown.replace("Customer feedback (NPS)", "Feedback v2"), encoding="utf-8")
    code, out, _ = invoke("import", edited)
    assert code == 0
    assert out.startswith(f"Replaced {survey_id} — 5 questions")
    assert stored_name(cli_env, survey_id) == "Feedback v2"


def test_check_a_compatible_survey_exits_0(cli_env: str) -> None:
    survey_id = import_file(EXAMPLE)
    code, out, _ = invoke("check", survey_id)
    assert code == 0
    assert out == "SMS-compatible"


def test_check_lists_the_problems_and_exits_1(cli_env: str, tmp_path: Path) -> None:
    path = tmp_path / "web.yaml"
    path.write_text(INCOMPATIBLE, encoding="utf-8")
    survey_id = import_file(path)
    code, out, _ = invoke("check", survey_id)
    assert code == 1
    assert f"SMS compatibility of {survey_id}" in out
    assert "Question Level Problem" in out
    assert "QID1 error multiple-answer questions cannot be answered by SMS" in out
    assert "QID1 error the question text holds HTML, which SMS does not send" in out
    assert out.endswith("Not SMS-compatible: 2 problems")


def test_check_an_unknown_survey_exits_2(cli_env: str) -> None:
    code, out, err = invoke("check", "SV_doesnotexist123")
    assert (code, out) == (2, "")
    assert err == "error: no survey SV_doesnotexist123"


def test_list_shows_the_surveys(cli_env: str, tmp_path: Path) -> None:
    code, out, _ = invoke("list")
    assert code == 0
    assert out == "No surveys yet: import one with smsurvey surveys import FILE."
    good = import_file(EXAMPLE)
    path = tmp_path / "web.yaml"
    path.write_text(INCOMPATIBLE, encoding="utf-8")
    bad = import_file(path)
    code, out, _ = invoke("list")
    assert code == 0
    assert f"{good} Customer feedback (NPS) 5 yes" in out
    assert f"{bad} Web only 2 no" in out


def test_an_unknown_organisation_is_a_user_error(cli_env: str) -> None:
    code, _, err = invoke("import", EXAMPLE, "--org", "OR_nope")
    assert code == 2
    assert err == "error: no organisation OR_nope"
