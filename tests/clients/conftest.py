"""Fixtures of the client tests: one running smsurvey per test module and database (the
clients' calls are slow to set up, so a module's tests share its data), and the environment
that sends a client with a hard-coded ``*.qualtrics.com`` host through the TLS proxy."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.clients.live import Live, live_smsurvey
from tests.conftest import _empty_all_tables
from tests.support import run_sync


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Live]:
    """A seeded smsurvey on an emptied database (once SQLite, once PostgreSQL)."""
    url: str = request.getfixturevalue(f"{request.param}_database")
    run_sync(_empty_all_tables(url))
    with live_smsurvey(url, tmp_path_factory.mktemp("certificates")) as live:
        yield live


@pytest.fixture
def proxied(served: Live, monkeypatch: pytest.MonkeyPatch) -> Live:
    """``served``, with ``https://*.qualtrics.com`` reaching it through its TLS proxy."""
    monkeypatch.setenv("HTTPS_PROXY", served.proxy.url)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(served.proxy.certificates.ca))
    for name in ("NO_PROXY", "no_proxy", "https_proxy", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    return served
