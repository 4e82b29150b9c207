"""``smsurvey responses export``: Qualtrics' CSV, TSV, JSON and NDJSON of the recorded responses."""

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
    names, labels, import_ids, *rows = csv.reader(io.StringIO(as_csv.stdout))
    assert names[:3] == ["StartDate", "EndDate", "Status"]
    assert labels[8] == "Response ID"
    assert import_ids[names.index("Q1")] == '{"ImportId":"QID1"}'
    [row] = [dict(zip(names, row, strict=True)) for row in rows]
    assert row["ResponseId"].startswith("R_")
    assert (row["Finished"], row["DistributionChannel"]) == ("1", "sms")
    assert row["RecipientFirstName"] == "Ann"
    assert (row["Store"], row["channel"]) == ("12", "sms")
    assert (row["Q1"], row["Q1_NPS_GROUP"]) == ("10", "3")
    assert row["Q2"] == "2"
    assert row["Q5"] == "Great, thanks"
    assert row["Q4"] == ""  # not displayed to a promoter

    as_json = runner.invoke(app, ["responses", "export", survey_id, "--format", "json"])
    [response] = json.loads(as_json.stdout)["responses"]
    assert response["values"]["QID1"] == 10
    assert response["labels"]["QID2"] == "Product quality"
    assert response["values"]["recipientFirstName"] == "Ann"

    as_tsv = runner.invoke(app, ["responses", "export", survey_id, "--format", "tsv"])
    tsv_rows = list(csv.reader(io.StringIO(as_tsv.stdout_bytes.decode("utf-16")), delimiter="\t"))
    assert tsv_rows[:3] == [names, labels, import_ids]
    as_lines = runner.invoke(app, ["responses", "export", survey_id, "--format", "ndjson"])
    assert json.loads(as_lines.stdout)["responseId"] == row["ResponseId"]

    missing = runner.invoke(app, ["responses", "export", "SV_000000000000000"])
    assert missing.exit_code == 2
