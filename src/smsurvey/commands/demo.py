"""``smsurvey demo``: watch a 2-way SMS survey run on the simulator, no server needed."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.rule import Rule
from rich.table import Table

from smsurvey.commands.common import console
from smsurvey.demo import PEOPLE, DemoOutcome, run_demo
from smsurvey.models.migrate import upgrade


def demo(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the outcome as one JSON object.")
    ] = False,
) -> None:
    """Run the example survey by 2-way SMS for six simulated people and show what happened.

    Uses a temporary SQLite database and the built-in simulator: one person answers
    everything, one answers wrongly first, one is unhappy, one texts STOP, one never
    answers (the session expires), one starts by texting an access code.
    """
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="smsurvey-demo-") as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'demo.db'}"
        upgrade(url)
        outcome = asyncio.run(run_demo(url))
    if as_json:
        typer.echo(json.dumps(dataclasses.asdict(outcome), indent=2, ensure_ascii=False))
        return
    _print(outcome)
    console.print(f"[dim]Played in {time.perf_counter() - started:.1f} s.[/]")


def _print(outcome: DemoOutcome) -> None:
    console.print(Rule(f"2-way SMS demo: {outcome.survey['name']} ({outcome.survey['id']})"))
    for person in PEOPLE:
        session = outcome.sessions.get(person.phone, "none")
        console.print(
            f"\n[bold]{person.first_name} {person.last_name}[/] {person.phone} — {person.role}"
            f" [dim](session {session.replace('_', ' ')})[/]"
        )
        transcript = Table.grid(padding=(0, 1))
        transcript.add_column(style="dim", no_wrap=True)
        transcript.add_column(justify="right", no_wrap=True)
        transcript.add_column()
        for text in outcome.transcripts[person.phone]:
            at = datetime.fromisoformat(text["at"]).strftime("%a %H:%M:%S")
            mine = text["from"] != "smsurvey"
            speaker = f"[cyan]{text['from']}[/]" if mine else "[magenta]smsurvey[/]"
            transcript.add_row(f"  {at}", speaker, text["text"])
        console.print(transcript, highlight=False)

    console.print()
    responses = Table("Respondent", "Finished", "NPS", "Answers", title="Responses")
    for response in outcome.responses:
        values, labels = response["values"], response["labels"]
        answers = [
            labels.get(key, str(value))
            for key, value in values.items()
            if key.startswith("QID") and not key.endswith("_NPS_GROUP") and key != "QID1"
        ]
        score = f"{values['QID1']} ({labels['QID1_NPS_GROUP']})" if "QID1" in values else "—"
        responses.add_row(
            response["respondent"],
            "yes" if response["finished"] else "[yellow]partial[/]",
            score,
            "; ".join(answers),
        )
    console.print(responses)
    nps = outcome.nps
    console.print(
        f"NPS {nps['score']}: {nps['promoters']} promoters, {nps['passives']} passives,"
        f" {nps['detractors']} detractors"
    )

    statuses = Table(
        "Recipient", "Phone", "Status", "History", "Responded", title="Distribution recipients"
    )
    for recipient in outcome.recipients:
        history = " → ".join(event["status"] for event in recipient["history"])
        status = recipient["status"] + (" [red](opted out)[/]" if recipient["opted_out"] else "")
        responded = "yes" if recipient["responded"] else "no"
        statuses.add_row(recipient["name"], recipient["phone"], status, history, responded)
    console.print(statuses)
    messages = outcome.messages
    console.print(
        f"{messages['sent']} texts sent ({messages['parts']} parts, {messages['credits']} credits),"
        f" {messages['received']} received."
    )
