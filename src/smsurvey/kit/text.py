"""Text both databases can store: no NUL character (PostgreSQL refuses it in text) and no
lone surrogate (it has no UTF-8 form, so neither SQLite nor PostgreSQL takes it).

JSON lets a client write either as an escape (``\\u0000``, ``\\ud800``), so decoded documents
are checked before anything reaches a query; the API checks every request with
:func:`refuse_unstorable_text`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request

from smsurvey.kit.errors import InvalidInput


def problem(text: str) -> str | None:
    """Why ``text`` cannot be stored, or ``None`` when it can."""
    if "\x00" in text:
        return "holds a NUL character"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "holds a lone surrogate (half of a UTF-16 pair), which is not text"
    return None


def check_text(text: str, where: str) -> None:
    """:class:`InvalidInput` naming ``where`` when ``text`` cannot be stored."""
    found = problem(text)
    if found:
        raise InvalidInput(f"{where} {found}")


def check_document(data: Any, source: str) -> None:
    """:class:`InvalidInput` naming the path (``filter.value``) of the first key or string
    in decoded JSON or YAML ``data`` that cannot be stored."""
    pending: list[tuple[str, Any]] = [("", data)]
    while pending:
        path, node = pending.pop()
        if isinstance(node, str):
            check_text(node, f"{source}: {path or 'the value'}")
        elif isinstance(node, Mapping):
            for key, value in node.items():
                name = str(key)
                check_text(name, f"{source}: the key {path + '.' if path else ''}{name!r}")
                pending.append((f"{path}.{name}" if path else name, value))
        elif isinstance(node, list | tuple):
            pending.extend((f"{path}[{index}]", item) for index, item in enumerate(node))


async def refuse_unstorable_text(request: Request) -> None:
    """FastAPI dependency: a 400 for a path, query, form or JSON body holding text no
    database can store (the route never sees it)."""
    for name, value in request.path_params.items():
        check_text(str(value), name)
    for name, value in request.query_params.multi_items():
        check_text(name, "a query parameter name")
        check_text(value, name)
    kind = request.headers.get("content-type", "")
    if kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        for name, value in (await request.form()).multi_items():
            check_text(name, "a form field name")
            if isinstance(value, str):
                check_text(value, name)
    if "json" not in kind:
        return
    body = await request.body()
    if not body.isascii():
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput("the body is not UTF-8 text") from None
    if b"\\u" not in body:
        return  # only an escape can spell a NUL or a surrogate in valid UTF-8 JSON
    try:
        data = await request.json()
    except (ValueError, RecursionError):
        return  # not JSON: the route says so
    check_document(data, "body")
