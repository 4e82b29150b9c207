"""Every list of the v3 API pages the same way: its ``pageSize`` is capped to the list's
maximum, as Qualtrics caps it (read from the OpenAPI document of the real app)."""

from __future__ import annotations

import warnings
from typing import Any

from smsurvey.app import create_app
from smsurvey.settings import Settings


def _schema(schemas: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """``node``, or the schema it refers to."""
    ref = node.get("$ref")
    return schemas[ref.rsplit("/", 1)[-1]] if isinstance(ref, str) else node


def _lists(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The GET operations whose answer's ``result`` is a page (``elements`` + ``nextPage``)."""
    schemas = spec["components"]["schemas"]
    found = []
    for path, item in spec["paths"].items():
        operation = item.get("get")
        if operation is None:
            continue
        content = operation["responses"]["200"].get("content", {})
        answer = content.get("application/json", {}).get("schema", {})
        result = _schema(schemas, answer).get("properties", {}).get("result", {})
        page = _schema(schemas, result)
        if {"elements", "nextPage"} <= set(page.get("properties", {})):
            found.append((path, operation))
    return found


def test_every_list_caps_its_page_size() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        settings = Settings(database_url="sqlite+aiosqlite:///:memory:", secret_key="x")
        spec = create_app(settings).openapi()
    lists = _lists(spec)
    assert len(lists) >= 15, [path for path, _ in lists]
    for path, operation in lists:
        [size] = [p for p in operation.get("parameters", []) if p["name"] == "pageSize"] or [None]
        assert size is not None, f"{path} takes no pageSize"
        assert "a larger size gets" in size["description"], path
        assert size["schema"].get("maximum") is None, f"{path} refuses large pages"
