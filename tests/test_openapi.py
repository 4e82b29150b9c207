"""/openapi.json documents every API operation: a summary, examples, the errors."""

from __future__ import annotations

import re
import warnings
from typing import Any

import pytest

from smsurvey.app import create_app
from smsurvey.settings import Settings


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        settings = Settings(database_url="sqlite+aiosqlite:///:memory:", secret_key="x")
        return create_app(settings).openapi()


def _has_example(node: Any, schemas: dict[str, Any], seen: frozenset[str] = frozenset()) -> bool:
    if isinstance(node, dict):
        if "example" in node or "examples" in node:
            return True
        ref = node.get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[-1]
            return name not in seen and _has_example(schemas.get(name, {}), schemas, seen | {name})
        return any(_has_example(value, schemas, seen) for value in node.values())
    if isinstance(node, list):
        return any(_has_example(value, schemas, seen) for value in node)
    return False


def test_every_api_operation_is_documented_with_examples_and_errors(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    operations = [
        (f"{method.upper()} {path}", operation)
        for path, item in spec["paths"].items()
        if path.startswith("/API/v3/")
        for method, operation in item.items()
    ]
    assert len(operations) >= 50
    for label, operation in operations:
        assert operation.get("summary"), label
        assert operation.get("description"), label
        answer = operation["responses"]["200"]
        assert _has_example(answer, schemas) or _has_example(
            operation.get("requestBody"), schemas
        ), label
        assert {"400", "401", "404"} <= set(operation["responses"]), label
        assert "422" not in operation["responses"], label


OPERATION_ID = re.compile(r"[a-z]+(?:[A-Z0-9][a-z0-9]*)*")
PAGING = {"pageSize", "offset", "skipToken"}


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
    ]


def test_every_operation_has_a_chosen_camel_case_id_of_its_own(spec: dict[str, Any]) -> None:
    ids = [operation.get("operationId", "") for _, _, operation in _operations(spec)]
    # FastAPI's generated ids are snake_case with the path and method in them.
    chosen = [i for i in ids if OPERATION_ID.fullmatch(i)]
    assert chosen == ids, sorted(set(ids) - set(chosen))
    assert len(set(ids)) == len(ids)
    assert {"listMailingLists", "getMailingList", "createSmsDistribution"} <= set(ids)


def _returns_a_page(operation: dict[str, Any], schemas: dict[str, Any]) -> bool:
    answer = operation["responses"]["200"].get("content", {}).get("application/json", {})
    ref = answer.get("schema", {}).get("$ref", "")
    result = schemas.get(ref.rsplit("/", 1)[-1], {}).get("properties", {}).get("result", {})
    inner = schemas.get(result.get("$ref", "").rsplit("/", 1)[-1], {})
    return "elements" in inner.get("properties", {})


def test_every_list_operation_declares_the_paging_parameters(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    lists = [
        (f"{method.upper()} {path}", operation)
        for method, path, operation in _operations(spec)
        if method == "get" and _returns_a_page(operation, schemas)
    ]
    assert len(lists) >= 15
    for label, operation in lists:
        assert operation["operationId"].startswith("list"), label
        query = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        assert query >= PAGING, label
