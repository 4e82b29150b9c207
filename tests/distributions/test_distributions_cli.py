"""``smsurvey distributions …``, ``library``, ``credits`` and ``worker`` (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import update

from smsurvey.kit.db import create_engine
from smsurvey.models.surveys import Survey
from smsurvey.settings import get_settings
from tests.messaging.harness import EXAMPLE
from tests.support import found, invoke, refused, run_sync


def setup(tmp_path: Path) -> tuple[str, str]:
    """A survey and a list of three people (one opted out); returns their ids."""
    survey_id = found(r"SV_\w{15}", invoke("surveys", "import", str(EXAMPLE)).output)
    people = tmp_path / "people.csv"
    people.write_text(
        "First Name,Last Name,Phone\nAnn,Lee,+14155552671\nBob,Ray,+14155552672\n"
        "Cid,Poe,+14155552673\n",
        encoding="utf-8",
    )
    invoke("contacts", "import", str(people), "--list", "Spring", "--phone-column", "Phone")
    list_id = found(r"CG_\w{15}", invoke("contacts", "lists").output)
    members = invoke("contacts", "members", list_id).output
    cid = found(r"CID_\w{15}(?=.*Cid)", members)
    invoke("contacts", "opt-out", cid)
    return survey_id, list_id


def test_create_preview_send_and_download_the_history(cli_env: str, tmp_path: Path) -> None:
    survey_id, list_id = setup(tmp_path)
    created = invoke(
        "distributions",
        "create",
        "--survey",
        survey_id,
        "--list",
        list_id,
        "--message",
        "Hi ${m://FirstName}, tell us: ${l://SurveyURL}",
        "--name",
        "Spring wave",
        "--yes",
    )
    distribution_id = found(r"SMSD_\w{15}", created.output)
    found(r"Hi (Ann|Bob), tell us: <survey link>", created.output)  # Cid opted out
    assert "GSM-7, 1 part(s)" in created.output
    found(r"Recipients +3 *\n", created.output)
    assert "2 (1 opted out or without a mobile number), 2 part(s)" in created.output

    assert "Worker done" in invoke("worker", "--once").output
    listed = invoke("distributions", "list", "--survey", survey_id).output
    assert distribution_id in listed
    assert "Sent" in listed
    shown = invoke("distributions", "show", distribution_id).output
    assert "Spring wave" in shown
    assert "2 (" in shown  # two texts handed over, the opted-out contact skipped

    history = invoke(
        "distributions", "history", distribution_id, "--delimiter", ";", "--enclosure", "none"
    ).output.splitlines()
    assert history[0] == (
        "PersonID;First name;Last name;Phone number;User name;Respondent;Status;Timestamp"
    )
    rows = sorted(line.split(";")[1:7] for line in history[1:])
    assert [row[:3] for row in rows] == [
        ["Ann", "Lee", "+14155552671"],
        ["Bob", "Ray", "+14155552672"],
        ["Cid", "Poe", "+14155552673"],
    ]
    assert [row[5] for row in rows][2] == "Skipped (opt-out)"
    assert {row[5] for row in rows[:2]} <= {"Sent", "Delivered"}

    target = tmp_path / "history.csv"
    written = invoke("distributions", "history", distribution_id, "--output", str(target))
    assert "3 rows written" in written.output
    assert target.read_text(encoding="utf-8").startswith('"PersonID","First name"')
    assert (
        "enclosure"
        in refused("distributions", "history", distribution_id, "--enclosure", "`").output
    )

    consumption = invoke("credits", "report").output
    assert "US" in consumption
    balance = invoke("credits", "balance").output
    assert found(r"[\d.]+ credits", balance) != "1000 credits"


def test_edit_and_cancel_scheduled_distributions(cli_env: str, tmp_path: Path) -> None:
    survey_id, list_id = setup(tmp_path)
    saved = invoke("library", "add", "Reminder: ${l://SurveyURL}", "--category", "smsReminder")
    message_id = found(r"MS_\w{15}", saved.output)
    listed = invoke("library", "list").output
    assert message_id in listed
    assert "smsReminder" in listed
    wrong = refused("library", "add", "Hi ${l://SurveyURL}", "--category", "Interactive")
    assert "category 'Interactive'" in wrong.output
    ids = [
        found(
            r"SMSD_\w{15}",
            invoke(
                "distributions",
                "create",
                "--survey",
                survey_id,
                "--list",
                list_id,
                "--library",
                message_id,
                "--send-at",
                send_at,
                "--yes",
            ).output,
        )
        for send_at in ("2030-01-01T09:00Z", "2030-01-02T09:00Z")
    ]
    invoke("distributions", "edit", *ids, "--send-at", "2030-02-01T09:00")
    assert "2030-02-01 09:00" in invoke("distributions", "show", ids[0]).output
    previewed = invoke("distributions", "preview", ids[1]).output
    assert "Reminder: <survey link>" in previewed
    found(r"Recipients +3 *\n", previewed)
    invoke("distributions", "test", ids[0], "--to", "+14155552699")
    invoke("worker", "--once")
    invoke("distributions", "cancel", *ids)
    assert invoke("distributions", "list").output.count("Cancelled") == 2
    assert "cancel" in refused("distributions", "cancel", ids[0]).output.lower()
    no_text = refused("distributions", "create", "--survey", survey_id, "--list", list_id, "--yes")
    assert "message text or a library message" in no_text.output


def set_active(database_url: str, survey_id: str, active: bool) -> None:
    """Pause or resume a survey (as ``PUT /surveys/{id}`` does)."""

    async def change() -> None:
        engine = create_engine(database_url)
        try:
            async with engine.begin() as connection:
                statement = update(Survey).where(Survey.id == survey_id).values(is_active=active)
                await connection.execute(statement)
        finally:
            await engine.dispose()

    run_sync(change())


def test_a_paused_survey_is_warned_of_and_its_distribution_waits(
    cli_env: str, tmp_path: Path
) -> None:
    survey_id, list_id = setup(tmp_path)
    set_active(cli_env, survey_id, False)
    created = invoke(
        "distributions", "create", "--survey", survey_id, "--list", list_id,
        "--message", "Tell us: ${l://SurveyURL}", "--yes",
    )  # fmt: skip
    paused = f"survey {survey_id} is paused: texts wait until it is active again"
    assert f"Warning: {paused}" in " ".join(created.output.split())
    distribution_id = found(r"SMSD_\w{15}", created.output)
    invoke("worker", "--once")
    shown = " ".join(invoke("distributions", "show", distribution_id).output.split())
    assert f"Status Waiting — {paused}" in shown
    assert "Texts sent 0 " in shown

    set_active(cli_env, survey_id, True)
    invoke("worker", "--once")
    shown = " ".join(invoke("distributions", "show", distribution_id).output.split())
    assert "Status Sent" in shown
    assert "Warning" not in invoke("distributions", "preview", distribution_id).output


def test_the_worker_creates_the_embedded_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "fresh.db"
    monkeypatch.setenv("SMSURVEY_DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    get_settings.cache_clear()
    try:
        assert "Worker done" in invoke("worker", "--once").output
    finally:
        get_settings.cache_clear()
    assert database.exists()


def in_a_terminal(folder: Path, answer: str, *args: str) -> tuple[int, str]:
    """Run ``smsurvey ARGS`` on a pseudo-terminal, answer its question with ``answer``; its
    exit code and everything it wrote."""
    leader, follower = pty.openpty()
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    process = subprocess.Popen(
        [sys.executable, "-m", "smsurvey", *args],
        stdin=follower, stdout=follower, stderr=follower, cwd=folder, env=env,
    )  # fmt: skip
    os.close(follower)
    written, answered, deadline = b"", False, time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            if not answered and b"Send it? [y/N]:" in written:
                os.write(leader, answer.encode() + b"\n")
                answered = True
            if select.select([leader], [], [], 0.2)[0]:
                try:
                    chunk = os.read(leader, 4096)
                except OSError:  # the other side closed: the command ended
                    break
                if not chunk:
                    break
                written += chunk
    finally:
        os.close(leader)
    plain = re.sub(r"\x1b\[[0-9;]*m", "", written.decode(errors="replace"))
    return process.wait(timeout=30), plain.replace("\r", "")


def test_in_a_terminal_create_shows_the_preview_and_asks(cli_env: str, tmp_path: Path) -> None:
    survey_id, list_id = setup(tmp_path)
    create = (
        "distributions", "create", "--survey", survey_id, "--list", list_id,
        "--message", "Hi ${m://FirstName}: ${l://SurveyURL}", "--where", "first_name equals Ann",
    )  # fmt: skip
    code, said = in_a_terminal(tmp_path, "n", *create)
    assert code == 1, said
    assert "Hi Ann: <survey link>" in said
    assert "Recipients  1 where first name is Ann" in said
    assert "Texts       1, 1 part(s), about" in said
    assert "Duration    under 1 s at the sender's pace" in said
    assert "Nothing was scheduled." in said
    assert "SMSD_" not in said
    assert "SMSD_" not in invoke("distributions", "list").output

    code, said = in_a_terminal(tmp_path, "y", *create)
    assert code == 0, said
    distribution_id = found(r"SMSD_\w{15}", said)
    assert distribution_id in invoke("distributions", "list").output


def test_without_a_terminal_create_wants_yes(cli_env: str, tmp_path: Path) -> None:
    survey_id, list_id = setup(tmp_path)
    refusal = refused(
        "distributions", "create", "--survey", survey_id, "--list", list_id,
        "--message", "Hi: ${l://SurveyURL}",
    )  # fmt: skip
    assert refusal.output == (
        "error: distributions create asks before it sends: pass --yes to send without asking\n"
    )
    assert "SMSD_" not in invoke("distributions", "list").output
