"""``smsurvey surveys export``: a QSF that imports back as the same survey, our YAML and
JSON, to stdout or a file, and what QSF cannot hold on stderr."""

from __future__ import annotations

import json
from pathlib import Path

from smsurvey.cli import app
from smsurvey.surveys.formats import load_survey
from smsurvey.surveys.qsf_import import read_qsf
from tests.surveys.test_cli import EXAMPLE, import_file, invoke, runner, wide_console

__all__ = ["wide_console"]  # the fixture, used here too

QSF = Path(__file__).parent / "qsf" / "Survey_Logic_EVERYWHERE.qsf"


def test_export_writes_a_qsf_that_imports_back_as_the_same_survey(tmp_path: Path) -> None:
    survey_id = import_file(EXAMPLE)
    result = runner.invoke(app, ["surveys", "export", survey_id])
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["SurveyEntry"]["SurveyID"] == survey_id
    assert read_qsf(document).survey == load_survey(EXAMPLE)

    target = tmp_path / "feedback.qsf"
    code, out, err = invoke("export", survey_id, "--format", "qsf", "-o", target)
    assert code == 0, err
    assert "Wrote" in out
    assert json.loads(target.read_text(encoding="utf-8")) == document

    code, out, _ = invoke("export", survey_id, "--format", "yaml")
    assert code == 0
    assert "name: Customer feedback (NPS)" in out


def test_a_qsf_file_goes_in_and_out_unchanged() -> None:
    survey_id = import_file(QSF)
    result = runner.invoke(app, ["surveys", "export", survey_id])
    assert result.exit_code == 0, result.stderr
    original = read_qsf(json.loads(QSF.read_text(encoding="utf-8-sig"))).survey
    assert read_qsf(json.loads(result.stdout)).survey == original


def test_export_of_an_unknown_survey_exits_2() -> None:
    code, _, err = invoke("export", "SV_000000000000000")
    assert code == 2
    assert "no survey SV_000000000000000" in err
