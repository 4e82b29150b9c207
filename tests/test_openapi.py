"""/openapi.json documents every API operation: a summary, examples, the errors."""

from __future__ import annotations

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
