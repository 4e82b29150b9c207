"""``smsurvey surveys import FILE.qsf``: what was not kept printed by element id, a malformed
file refused with exit 2 and nothing stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from smsurvey.cli import app
from smsurvey.commands.common import console
from smsurvey.kit.db import create_engine, unit_of_work
from smsurvey.models.surveys import Survey
from smsurvey.surveys import service
from smsurvey.surveys.definition import SurveyDefinition
from tests.support import run_sync
from tests.surveys.test_cli import invoke, runner

QSF = Path(__file__).parent / "qsf"


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """One line per entry, whatever the terminal running the tests."""
    monkeypatch.setattr(console, "width", 200)


def stored(database_url: str) -> list[SurveyDefinition]:
    async def read() -> list[SurveyDefinition]:
        engine = create_engine(database_url)
        try:
            async with unit_of_work(engine) as session:
                return [service.definition_of(s) for s in await session.scalars(select(Survey))]
        finally:
            await engine.dispose()

    return run_sync(read())


def test_importing_an_export_lists_what_was_not_kept(cli_env: str) -> None:
    code, out, _ = invoke("import", QSF / "Survey_Logic_EVERYWHERE.qsf")
    assert code == 0
    assert out.startswith("Created SV_")
    assert "— 5 questions Not kept (12): QID2: the display logic of choice 3" in out
    assert "FL_7: a WebService flow element cannot run here: kept as unsupported" in out
    assert "FL_8: branch logic: GeoIP tests cannot be evaluated; kept as an unsupported test" in out
    assert out.endswith("see smsurvey surveys check " + out.split()[1])
    [survey] = stored(cli_env)
    assert survey.name == "Survey Logic EVERYWHERE"
    assert [q.id for q in survey.flow_questions] == ["QID1", "QID2", "QID3", "QID4", "QID5"]


def test_html_removal_is_named_and_a_clean_file_lists_nothing(cli_env: str) -> None:
    code, out, _ = invoke("import", QSF / "Coded_Comments.qsf")
    assert code == 0
    assert "Not kept" not in out
    assert "HTML removed from the texts of QID2" in out


def test_a_malformed_export_exits_2_naming_the_part_and_stores_nothing(
    cli_env: str, tmp_path: Path
) -> None:
    data = json.loads((QSF / "Coded_Comments.qsf").read_text(encoding="utf-8"))
    sq = next(i for i, e in enumerate(data["SurveyElements"]) if e["Element"] == "SQ")
    del data["SurveyElements"][sq]["Payload"]["QuestionType"]
    broken = tmp_path / "broken.qsf"
    broken.write_text(json.dumps(data), encoding="utf-8")
    not_json = tmp_path / "not.qsf"
    not_json.write_text("SurveyEntry", encoding="utf-8")
    ours = tmp_path / "ours.qsf"
    ours.write_text('{"name": "x"}', encoding="utf-8")
    for path, message in [
        (broken, f"broken.qsf: SurveyElements[{sq}] (SQ QID1): no QuestionType"),
        (not_json, "not.qsf line 1, column 1: JSON syntax error"),
        (ours, "ours.qsf: no SurveyEntry: not a Qualtrics survey file (QSF)"),
    ]:
        result = runner.invoke(app, ["surveys", "import", str(path)])
        assert result.exit_code == 2
        assert message in result.stderr
        assert result.stdout == ""
    assert stored(cli_env) == []
