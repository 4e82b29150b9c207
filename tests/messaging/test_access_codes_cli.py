"""``smsurvey access-codes link|list`` (SQLite and PostgreSQL)."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from smsurvey.cli import app
from tests.messaging.harness import EXAMPLE


def test_link_and_list(cli_env: str) -> None:
    runner = CliRunner()
    imported = runner.invoke(app, ["surveys", "import", str(EXAMPLE)])
    survey_id = re.search(r"SV_\w{15}", imported.output).group()  # type: ignore[union-attr]
    linked = runner.invoke(app, ["access-codes", "link", "@Acme", "--survey", survey_id])
    assert linked.exit_code == 0, linked.output
    assert "Texting @Acme to +15005550006 from a US number" in linked.output
    listed = runner.invoke(app, ["access-codes", "list"])
    assert "@Acme" in listed.output
    assert survey_id in listed.output
    again = runner.invoke(app, ["access-codes", "link", "@ACME", "--survey", survey_id])
    assert again.exit_code == 2
    assert "already linked" in again.output
    bad = runner.invoke(app, ["access-codes", "link", "ACME", "--survey", survey_id])
    assert bad.exit_code == 2
