"""``smsurvey phones check``: the table, the JSON lines, exit codes and the default region."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from smsurvey.cli import app
from smsurvey.settings import get_settings

runner = CliRunner()


@pytest.fixture(autouse=True)
def settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Settings from this test's environment only (no default region unless a test sets one)."""
    monkeypatch.delenv("SMSURVEY_DEFAULT_REGION", raising=False)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def flat(output: str) -> str:
    """The output with Rich's line wrapping and padding undone."""
    return " ".join(output.split())


def json_lines(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines()]


def test_table_of_valid_numbers_exits_0() -> None:
    result = runner.invoke(app, ["phones", "check", "1 (415) 555-2671", "447911123456"])
    assert result.exit_code == 0, result.output
    output = flat(result.stdout)
    assert "+14155552671" in output
    assert "+447911123456" in output
    assert " GG " in output
    assert "mobile" in output


def test_refused_numbers_are_explained_and_exit_1() -> None:
    result = runner.invoke(app, ["phones", "check", "+14155552671", "1-800-FLOWERS"])
    assert result.exit_code == 1
    output = flat(result.stdout)
    assert "+14155552671" in output
    assert "vanity" in output


def test_json_prints_one_object_per_number() -> None:
    result = runner.invoke(
        app, ["phones", "check", "--json", "--region", "US", "2015685957", "07911 123456"]
    )
    assert result.exit_code == 1
    assert json_lines(result.stdout) == [
        {
            "input": "2015685957",
            "ok": True,
            "e164": "+12015685957",
            "reason": None,
            "type": "fixed_line_or_mobile",
            "region": "US",
            "time_zones": ["America/New_York"],
            "ambiguous": True,
            "alternative": "+2015685957",
        },
        {
            "input": "07911 123456",
            "ok": False,
            "e164": None,
            "reason": "too long (read as +107911123456)",
            "type": None,
            "region": None,
            "time_zones": [],
            "ambiguous": False,
            "alternative": None,
        },
    ]


def test_the_table_flags_ambiguity_and_shortens_long_time_zone_lists() -> None:
    arguments = ["phones", "check", "--region", "US", "2015685957", "18005550199"]
    result = runner.invoke(app, arguments, env={"COLUMNS": "150"})  # one line per table row
    assert result.exit_code == 0, result.output
    output = flat(result.stdout)
    assert "ambiguous: also +2015685957" in output
    assert "toll_free" in output
    assert "more" in output
    assert "Pacific/Saipan" not in output


def test_region_defaults_to_the_setting(settings: pytest.MonkeyPatch) -> None:
    settings.setenv("SMSURVEY_DEFAULT_REGION", "GB")
    result = runner.invoke(app, ["phones", "check", "--json", "07911 123456"])
    assert result.exit_code == 0, result.output
    assert json_lines(result.stdout)[0]["e164"] == "+447911123456"


def test_without_a_region_national_numbers_are_refused() -> None:
    result = runner.invoke(app, ["phones", "check", "--json", "07911 123456"])
    assert result.exit_code == 1
    assert json_lines(result.stdout)[0]["reason"] == (
        "no country code, and no default region to read it with"
    )


def test_the_option_overrides_the_setting(settings: pytest.MonkeyPatch) -> None:
    settings.setenv("SMSURVEY_DEFAULT_REGION", "GB")
    result = runner.invoke(app, ["phones", "check", "--json", "--region", "us", "4155552671"])
    assert result.exit_code == 0, result.output
    assert json_lines(result.stdout)[0]["e164"] == "+14155552671"


def test_an_unknown_region_is_a_usage_error() -> None:
    result = runner.invoke(app, ["phones", "check", "--region", "UK", "+14155552671"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "--region: unknown region code 'UK'" in flat(result.stderr)


def test_an_unknown_region_setting_is_a_usage_error(settings: pytest.MonkeyPatch) -> None:
    settings.setenv("SMSURVEY_DEFAULT_REGION", "XX")
    result = runner.invoke(app, ["phones", "check", "+14155552671"])
    assert result.exit_code == 2
    assert "SMSURVEY_DEFAULT_REGION: unknown region code 'XX'" in flat(result.stderr)


def test_numbers_are_required() -> None:
    result = runner.invoke(app, ["phones", "check"])
    assert result.exit_code == 2
    assert "Missing argument" in flat(result.stderr)


def test_help_states_the_exit_codes() -> None:
    result = runner.invoke(app, ["phones", "check", "--help"])
    assert result.exit_code == 0
    assert "0 when every number is valid, 1 when some were refused, 2 for a usage error" in (
        flat(result.stdout)
    )
