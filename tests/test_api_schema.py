"""Schemathesis against a running ``smsurvey serve``, on SQLite and on PostgreSQL: generated
requests to every operation of /openapi.json, then its stateful phase (chains of calls that
feed each answer's ids to the next); no 5xx, every answer as the schema says.

Size, to keep both databases together to a few minutes: 200 examples for every operation
that takes a body or query parameters (paging included), the inputs that reach parsers and
queries; 25 for the rest, which take nothing but the ids in their path, if that (random
ids all miss, so more examples walk the same 404 path again); then 25 stateful scenarios
of up to 10 calls. ``scripts/fuzz_api.py`` runs every operation at 500 examples with all
of Schemathesis' phases (examples, coverage, fuzzing, stateful).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from smsurvey.app import create_app
from smsurvey.settings import Settings
from tests.conftest import _empty_all_tables
from tests.servers import bootstrap, running
from tests.support import run_sync

EXAMPLES = 200
LOOKUP_EXAMPLES = 25
STATEFUL_SCENARIOS = 25
STATEFUL_STEPS = 10
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
"""No 5xx, and every answer as documented. Not "positive data accepted": the schema cannot
say every rule (a known survey id, a topic pattern), so valid-looking data may get a 400."""


@dataclass(frozen=True)
class Server:
    url: str
    headers: dict[str, str]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """``smsurvey serve --no-worker`` on an empty database (no worker: generated requests
    must not send anything out), with an administrator's token."""
    where = tmp_path_factory.mktemp(f"schema-{request.param}")
    if request.param == "sqlite":
        database = {"SMSURVEY_DATABASE_URL": f"sqlite+aiosqlite:///{where}/api.db"}
    else:
        url: str = request.getfixturevalue("postgresql_database")
        run_sync(_empty_all_tables(url))
        database = {"SMSURVEY_DATABASE_URL": url, "SMSURVEY_SECRET_KEY": "schema-" + "k" * 40}
    token = bootstrap(where, database)
    with running(where, database) as url:
        yield Server(url, {"X-API-TOKEN": token})


def _schema() -> Any:
    """The API's operations, from the schema the app builds (the server serves the same)."""
    settings_ = Settings(database_url="sqlite+aiosqlite:///:memory:", secret_key="collect")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        spec = create_app(settings_).openapi()
    return schemathesis.openapi.from_dict(spec).include(path_regex="^/(API/v3|oauth2)/")


SCHEMA = _schema()
OPERATIONS = {result.ok().label: result.ok() for result in SCHEMA.get_all_operations()}


def examples_for(operation: Any) -> int:
    """How many requests to generate for ``operation`` (the module docstring says why)."""
    definition = operation.definition.raw
    queried = any(p["in"] == "query" for p in definition.get("parameters", []))
    return EXAMPLES if "requestBody" in definition or queried else LOOKUP_EXAMPLES


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_every_operation_keeps_its_schema(label: str, server: Server) -> None:
    operation = OPERATIONS[label]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=examples_for(operation),
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def check(case: Any) -> None:
        case.call_and_validate(base_url=server.url, headers=server.headers, checks=CHECKS)

    check()


def test_chains_of_calls_keep_the_schema(server: Server) -> None:
    class Chains(SCHEMA.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"base_url": server.url, "headers": server.headers}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            case.validate_response(response, checks=CHECKS, headers=server.headers)

    Chains.run(
        settings=settings(
            max_examples=STATEFUL_SCENARIOS,
            stateful_step_count=STATEFUL_STEPS,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
    )
