"""Schemathesis at length against ``smsurvey serve`` on SQLite and on PostgreSQL.

Every operation of the API's own /openapi.json, with all of Schemathesis' phases (the
schema's examples, its coverage cases, random fuzzing, then stateful chains that feed the
ids one answer gives to the next calls), checking that nothing answers 5xx. Each database
starts empty, with one administrator whose token every request carries; no worker runs,
so nothing is sent. ``tests/test_api_schema.py`` is the suite-sized version of this run.

    .venv/bin/python scripts/fuzz_api.py [--examples 500] [--databases sqlite,postgresql]
        [--seed N] [--workers 2] [--postgres-url postgresql+asyncpg://postgres@127.0.0.1/postgres]

It prints Schemathesis' report per database (each failure with a curl line that repeats
it) and any traceback in the server's log; the last line is JSON:
``{"examples": 500, "sqlite": {"cases": …, "failures": 0}, "postgresql": {…}}``. The exit
status is 1 when anything was found.
"""

from __future__ import annotations

import argparse
import json
import secrets
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))

from tests.postgres import scratch_database  # noqa: E402
from tests.servers import bootstrap, running  # noqa: E402

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
OPERATIONS = "^/(API/v3|oauth2)/"


@contextmanager
def database(kind: str, folder: Path, admin_url: str) -> Iterator[dict[str, str]]:
    """The settings of an empty database of ``kind``."""
    if kind == "sqlite":
        yield {"SMSURVEY_DATABASE_URL": f"sqlite+aiosqlite:///{folder}/api.db"}
        return
    with scratch_database(f"smsurvey_fuzz_{secrets.token_hex(4)}", admin_url) as url:
        yield {"SMSURVEY_DATABASE_URL": url, "SMSURVEY_SECRET_KEY": secrets.token_urlsafe(32)}


def fuzz(url: str, token: str, options: argparse.Namespace, report: Path) -> dict[str, Any]:
    """One Schemathesis run against the server at ``url``; the figures of its report."""
    command = [
        str(SCHEMATHESIS), "run", f"{url}/openapi.json",
        "--include-path-regex", OPERATIONS,
        "--header", f"X-API-TOKEN: {token}",
        "--checks", "not_a_server_error",
        "--phases", "examples,coverage,fuzzing,stateful",
        "--max-examples", str(options.examples),
        "--seed", str(options.seed),
        "--workers", str(options.workers),
        "--suppress-health-check", "all",
        "--report", "json", "--report-json-path", str(report),
    ]  # fmt: skip
    subprocess.run(command, check=False)
    found = json.loads(report.read_text())
    return {
        "cases": found["test_cases"]["generated"],
        "failures": len(found["failures"]),
        "errors": len(found["errors"]),
    }


def run_on(kind: str, options: argparse.Namespace) -> dict[str, Any]:
    """Fuzz a server on an empty database of ``kind``; its figures."""
    print(f"\n=== {kind} ===", flush=True)
    with tempfile.TemporaryDirectory(prefix=f"fuzz-{kind}-") as where:
        folder = Path(where)
        with database(kind, folder, options.postgres_url) as settings:
            token = bootstrap(folder, settings)
            try:
                with running(folder, settings) as url:
                    figures = fuzz(url, token, options, folder / "report.json")
                figures["server_tracebacks"] = 0
            except AssertionError as traceback:  # running() found one in the server's log
                print(f"The server logged a traceback:\n{traceback}", flush=True)
                figures["server_tracebacks"] = 1
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=500, help="per operation and phase")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--seed", type=int, default=secrets.randbelow(2**31))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--postgres-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    )
    options = parser.parse_args()
    results: dict[str, Any] = {"examples": options.examples, "seed": options.seed}
    for kind in options.databases.split(","):
        results[kind] = run_on(kind, options)
    print(json.dumps(results))
    found = sum(
        figures["failures"] + figures["errors"] + figures["server_tracebacks"]
        for figures in results.values()
        if isinstance(figures, dict)
    )
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
