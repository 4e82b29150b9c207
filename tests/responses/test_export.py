"""``smsurvey responses export``: CSV and JSON with contact fields, values and labels."""

from __future__ import annotations

import csv
import io
import json

from typer.testing import CliRunner

from smsurvey.cli import app
from smsurvey.contacts.service import ContactFields
from smsurvey.distributions.service import Recipients
from smsurvey.sandbox import Sandbox
from tests.messaging.harness import EXAMPLE
from tests.support import run_sync

ANN = "+14155552671"


async def answered_survey(database_url: str) -> str:
    async with Sandbox.open(database_url) as sandbox:
        survey_id = await sandbox.import_survey(EXAMPLE)
        person = ContactFields(first_name="Ann", phone=ANN, embedded_data={"Store": "12"})
        list_id = await sandbox.contacts("L", person)
        await sandbox.distribute(survey_id, Recipients(mailing_list_id=list_id))
        await sandbox.drain()
        for reply in ("10", "product quality", "Great, thanks"):
            await sandbox.text(ANN, reply)
        return survey_id


def test_export_csv_and_json(cli_env: str) -> None:
    survey_id = run_sync(answered_survey(cli_env))
    runner = CliRunner()

    as_csv = runner.invoke(app, ["responses", "export", survey_id])
    assert as_csv.exit_code == 0, as_csv.output
    [row] = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert row["ResponseId"].startswith("R_")
    assert (row["Finished"], row["Channel"]) == ("1", "sms")
    assert (row["RecipientFirstName"], row["RecipientPhoneNumber"]) == ("Ann", ANN)
    assert (row["Store"], row["channel"]) == ("12", "sms")
    assert (row["QID1"], row["QID1_NPS_GROUP"], row["QID1_NPS_GROUP_label"]) == (
        "10",
        "3",
        "Promoter",
    )
    assert (row["QID2"], row["QID2_label"]) == ("2", "Product quality")
    assert row["QID5_TEXT"] == "Great, thanks"
    assert row["QID4"] == ""  # not displayed to a promoter

    as_json = runner.invoke(app, ["responses", "export", survey_id, "--format", "json"])
    [response] = json.loads(as_json.stdout)["responses"]
    assert response["values"]["QID1"] == 10
    assert response["labels"]["QID2"] == "Product quality"
    assert response["values"]["recipientFirstName"] == "Ann"

    missing = runner.invoke(app, ["responses", "export", "SV_000000000000000"])
    assert missing.exit_code == 2
