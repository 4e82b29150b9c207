"""``smsurvey segments``: the human report and the JSON-lines mode."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from smsurvey.cli import app
from smsurvey.settings import get_settings

runner = CliRunner()


def flat(output: str) -> str:
    """The output with Rich's line wrapping and padding undone."""
    return " ".join(output.split())


def figures(
    encoding: str, parts: int, units: int, characters: int, offending: str = ""
) -> dict[str, object]:
    """The figures ``--json`` writes for one measure."""
    return {
        "encoding": encoding,
        "parts": parts,
        "units": units,
        "characters": characters,
        "offending": list(offending),
    }


def test_reports_a_gsm7_text() -> None:
    result = runner.invoke(app, ["segments", "Hello [world]"])
    assert result.exit_code == 0, result.output
    output = flat(result.stdout)
    assert "Encoding GSM-7 Parts 1 Characters 13 Units 15 septets" in output
    assert "Smart encoding not needed, already GSM-7" in output
    assert "Forcing UCS-2" not in output


def test_reports_offending_characters_and_the_smart_encoding_saving() -> None:
    text = "“" + "Please rate us from 1 to 5, we’d like your view " * 2 + "”"
    result = runner.invoke(app, ["segments", text])
    assert result.exit_code == 0, result.output
    output = flat(result.stdout)
    assert f"Encoding UCS-2 Parts 2 Characters {len(text)} Units {len(text)} UTF-16" in output
    assert "“ U+201C LEFT DOUBLE QUOTATION MARK" in output
    assert "’ U+2019 RIGHT SINGLE QUOTATION MARK" in output
    assert "” U+201D RIGHT DOUBLE QUOTATION MARK" in output
    assert '4 replacements (“→", ’→\' ×2, ”→") → GSM-7, 1 part instead of 2' in output


def test_reports_why_smart_encoding_does_not_apply() -> None:
    result = runner.invoke(app, ["segments", "It’s 😀\u00a0ok"])
    assert result.exit_code == 0, result.output
    output = flat(result.stdout)
    assert "U+1F600 GRINNING FACE" in output
    assert "U+00A0 NO-BREAK SPACE" in output
    assert "2 replacements (’→', U+00A0→' '), but 😀 still needs UCS-2: not applied" in output


def test_reports_smart_encoding_that_would_add_parts() -> None:
    result = runner.invoke(app, ["segments", "¼" * 60])
    assert result.exit_code == 0, result.output
    output = flat(result.stdout)
    assert "60 replacements (¼→1/4 ×60) → GSM-7 but 2 parts instead of 1: not applied" in output


def test_measures_json_lines() -> None:
    lines = [
        {"text": "Hi [Anna]"},
        {"text": "It’s ç"},
        {"text": "It’s “great”"},
        {"text": ""},
    ]
    stdin = "".join(json.dumps(line) + "\n" for line in lines)
    result = runner.invoke(app, ["segments", "--json"], input=stdin)
    assert result.exit_code == 0, result.output
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert answers == [
        {**figures("GSM-7", 1, 11, 9), "smart": figures("GSM-7", 1, 11, 9)},
        {**figures("UCS-2", 1, 6, 6, "’ç"), "smart": figures("UCS-2", 1, 6, 6, "’ç")},
        {**figures("UCS-2", 1, 12, 12, "’“”"), "smart": figures("GSM-7", 1, 12, 12)},
        {**figures("GSM-7", 0, 0, 0), "smart": figures("GSM-7", 0, 0, 0)},
    ]


def test_bad_json_lines_are_reported_and_the_rest_measured() -> None:
    stdin = (
        b'{"text": "one"}\nnot json\n\n{"text": 3}\n["text"]\n{"text": "\xc3("}\n{"text": "two"}\n'
    )
    result = runner.invoke(app, ["segments", "--json"], input=stdin)
    assert result.exit_code == 2
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [answer.get("line") for answer in answers] == [None, 2, 4, 5, 6, None]
    assert answers[1]["error"].startswith("not JSON")
    assert answers[2]["error"] == answers[3]["error"] == 'expected an object with a "text" string'
    assert answers[4]["error"].startswith("not JSON")
    assert [answer["characters"] for answer in (answers[0], answers[5])] == [3, 3]
    assert "4 input line(s)" in result.stderr


def test_without_text_or_json_is_an_error() -> None:
    result = runner.invoke(app, ["segments"])
    assert result.exit_code == 2
    assert "error:" in result.stderr
    assert "--json" in result.stderr
    assert result.stdout == ""


def test_text_and_json_together_is_an_error() -> None:
    result = runner.invoke(app, ["segments", "--json", "hello"], input="")
    assert result.exit_code == 2
    assert "give no TEXT and no --to" in result.stderr


def test_line_numbers_run_on_across_input_chunks() -> None:
    stdin = '{"text": "hello"}\n' * 80_000 + "oops\n"  # more than one 1 MiB chunk
    result = runner.invoke(app, ["segments", "--json"], input=stdin)
    assert result.exit_code == 2
    answers = result.stdout.splitlines()
    assert len(answers) == 80_001
    assert json.loads(answers[-1])["line"] == 80_001
    assert json.loads(answers[-2]) == {
        **figures("GSM-7", 1, 5, 5),
        "smart": figures("GSM-7", 1, 5, 5),
    }


def test_cost_to_a_destination_uses_the_configured_rates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rates = tmp_path / "rates.csv"
    rates.write_text("region,rate\nUS,1.5\n", encoding="utf-8")
    monkeypatch.setenv("SMSURVEY_CREDIT_RATES_FILE", str(rates))
    get_settings.cache_clear()
    try:
        two_parts = "x" * 161
        result = runner.invoke(app, ["segments", two_parts, "--to", "1 (415) 555-2671"])
        assert result.exit_code == 0, result.output
        assert "Credits 3.0 to +14155552671 (US): 2 parts × 1.5" in flat(result.stdout)
        abroad = runner.invoke(app, ["segments", "Hi", "--to", "+447911123456"])
        assert "Credits 1 to +447911123456 (GG): 1 part × 1" in flat(abroad.stdout)
        refused = runner.invoke(app, ["segments", "Hi", "--to", "12"])
        assert refused.exit_code == 2
        assert "--to '12': too short" in flat(refused.output)
    finally:
        get_settings.cache_clear()
