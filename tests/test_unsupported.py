"""The Qualtrics calls smsurvey knowingly does not serve answer a clear v3 400 (after the
caller is known), surveys list no quotas and no saved filters, and a method a path does not
take is named (SQLite and PostgreSQL)."""

from __future__ import annotations

import re

from smsurvey.unsupported import CALLS
from tests.contacts.test_contacts_api import call, token_for
from tests.messaging.harness import harness


def _filled(path: str) -> str:
    return "/API/v3" + re.sub(r"\{(\w+)\}", "X_000000000000000", path)


async def test_each_unsupported_call_says_why(database_url: str) -> None:
    async with harness(database_url) as system:
        auth = await token_for(system)
        for path, methods, reason in CALLS:
            for method in methods:
                anonymous = await system.client.request(method, _filled(path))
                assert anonymous.status_code == 401, (method, path)
                answer = await system.client.request(method, _filled(path) + "/", headers=auth)
                assert answer.status_code == 400, (method, path, answer.text)
                meta = answer.json()["meta"]
                assert meta["httpStatus"] == "400 - Bad Request"
                assert meta["error"] == {"errorMessage": reason, "errorCode": "NOT_SUPPORTED"}


async def test_a_survey_lists_no_quotas_and_no_saved_filters(database_url: str) -> None:
    async with harness(database_url) as system:
        auth, theirs = await token_for(system), await token_for(system, "Other")
        for kind in ("quotas", "filters"):
            url = f"/API/v3/surveys/{system.survey_id}/{kind}"
            assert await call(system.client, "GET", url, auth) == {"elements": [], "nextPage": None}
            hidden = await system.client.get(url, headers=theirs)
            assert hidden.status_code == 404
            assert system.survey_id in hidden.json()["meta"]["error"]["errorMessage"]


async def test_a_method_a_path_does_not_take_is_named(database_url: str) -> None:
    async with harness(database_url) as system:
        auth = await token_for(system)
        answer = await system.client.delete(f"/API/v3/surveys/{system.survey_id}", headers=auth)
        assert answer.status_code == 405
        assert answer.json()["meta"]["error"]["errorMessage"] == (
            f"API call does not take DELETE: /API/v3/surveys/{system.survey_id}"
        )
