"""Paging API lists the v3 way: ``pageSize`` with ``offset`` or ``skipToken`` in, an
absolute ``nextPage`` URL on this server out (clients follow it verbatim)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import TypeVar

from fastapi import Request

from smsurvey.kit.errors import InvalidInput

T = TypeVar("T")
MAX_OFFSET = 2**31 - 1
"""The deepest a page may start (beyond it a database's integer overflows)."""


@dataclass(frozen=True, slots=True)
class Window:
    """Which rows a page holds."""

    offset: int
    size: int


def window(request: Request, *, default: int = 100, maximum: int = 500) -> Window:
    """The page a request asks for; :class:`InvalidInput` naming a bad parameter."""
    query = request.query_params
    size = _number(query.get("pageSize"), "pageSize", default)
    if not 1 <= size <= maximum:
        raise InvalidInput(f"pageSize must be between 1 and {maximum}")
    offset = _number(query.get("offset"), "offset", 0)
    token = query.get("skipToken")
    if token:
        try:
            offset = int(base64.b64decode(token, validate=True).decode())
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise InvalidInput(f"skipToken {_shown(token)} is not one this server gave") from None
    if not 0 <= offset <= MAX_OFFSET:
        raise InvalidInput(f"offset must be between 0 and {MAX_OFFSET}")
    return Window(offset, size)


def next_page(request: Request, page: Window, more: bool) -> str | None:
    """The URL of the page after ``page`` (same query, a new ``skipToken``), if ``more``."""
    if not more:
        return None
    token = base64.b64encode(str(page.offset + page.size).encode()).decode()
    url = request.url.remove_query_params("offset").include_query_params(skipToken=token)
    return str(url)


def page_of(request: Request, page: Window, found: list[T]) -> tuple[list[T], str | None]:
    """The page's items of a whole list, and ``nextPage``."""
    end = page.offset + page.size
    return found[page.offset : end], next_page(request, page, len(found) > end)


def read_ahead(request: Request, page: Window, rows: list[T]) -> tuple[list[T], str | None]:
    """The page's items of rows read with one more than a page (limit ``size + 1`` from
    ``offset``: the extra one says whether more follow), and ``nextPage``."""
    return rows[: page.size], next_page(request, page, len(rows) > page.size)


def _number(raw: str | None, name: str, default: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput(f"{name} must be a whole number, not {_shown(raw)}") from None


def _shown(raw: str) -> str:
    return repr(raw if len(raw) <= 40 else raw[:40] + "…")
