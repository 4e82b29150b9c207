"""Helpers shared by the tests."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from typer.testing import CliRunner, Result

from smsurvey.cli import app

T = TypeVar("T")


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` on a fresh loop in another thread (safe whatever loop the caller has)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


_runner = CliRunner()


def invoke(*args: str) -> Result:
    """Run ``smsurvey ARGS`` in process; it must succeed."""
    result = _runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def refused(*args: str) -> Result:
    """Run ``smsurvey ARGS`` in process; it must refuse (exit code 2)."""
    result = _runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 2, result.output
    return result


def found(pattern: str, text: str) -> str:
    """The first match of ``pattern`` in ``text``, which must have one."""
    match = re.search(pattern, text)
    assert match, f"{pattern} not in {text}"
    return match.group()
