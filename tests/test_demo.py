"""``smsurvey demo``: six simulated people, every rule of the 2-way conversation shown."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from smsurvey.cli import app
from smsurvey.demo import PEOPLE


def test_demo_json_tells_the_whole_story() -> None:
    result = CliRunner().invoke(app, ["demo", "--json"])
    assert result.exit_code == 0, result.output
    outcome = json.loads(result.stdout)
    ann, bob, chloe, dmitri, eve, farid = (person.phone for person in PEOPLE)

    assert outcome["sessions"] == {
        ann: "completed",
        bob: "completed",
        chloe: "completed",
        dmitri: "opted_out",
        eve: "expired",
        farid: "completed",
    }
    responses = {r["phone"]: r for r in outcome["responses"]}
    assert set(responses) == {ann, bob, chloe, farid}
    assert all(r["finished"] for r in responses.values())
    assert responses[farid]["values"]["Q_RecipientPhoneNumber"] == farid
    assert outcome["nps"] == {"score": 25, "promoters": 2, "passives": 1, "detractors": 1}

    bob_texts = [t["text"] for t in outcome["transcripts"][bob]]
    assert "Please reply with a number from 0 to 10." in bob_texts
    chloe_texts = [t["text"] for t in outcome["transcripts"][chloe]]
    assert chloe_texts[-1].startswith("Thank you for your honesty.")
    assert outcome["transcripts"][ann][-1]["text"] == "Thank you for your feedback! The Acme team"
    assert outcome["transcripts"][dmitri][-1]["text"].startswith("You have been opted out")
    assert len(outcome["transcripts"][eve]) == 1

    recipients = {r["phone"]: r for r in outcome["recipients"]}
    assert set(recipients) == {ann, bob, chloe, dmitri, eve}  # Farid came by access code
    assert all(r["status"] == "Delivered" for r in recipients.values())
    assert recipients[dmitri]["opted_out"]
    assert [recipients[p]["responded"] for p in (ann, eve)] == [True, False]

    messages = outcome["messages"]
    assert messages["received"] == sum(len(p.replies) for p in PEOPLE)
    assert messages["parts"] >= messages["sent"] > 0
    assert messages["credits"] == str(messages["parts"])


def test_demo_prints_transcripts_and_tables() -> None:
    result = CliRunner().invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    for heading in ("2-way SMS demo", "Responses", "Distribution recipients", "NPS 25"):
        assert heading in result.output
