"""Every API operation that names an id, called with another organisation's token, answers
404 for the first organisation's ids: not 403, not data (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
import warnings
from typing import Any

from smsurvey.accounts.access import BRAND_ADMINISTRATOR, create_api_token, create_user
from smsurvey.accounts.service import create_organization
from smsurvey.app import create_app
from smsurvey.kit.db import unit_of_work
from smsurvey.models.accounts import Organization
from smsurvey.models.responses import Response
from smsurvey.settings import Settings
from tests.contacts.test_contacts_api import call
from tests.fakes.twilio import FIELDS
from tests.messaging.harness import EXAMPLE, Harness, harness

ANN = "+14155552671"
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "contacts"): {"phone": "+14155550100"},
    ("PUT", "{contactId}"): {"lastName": "X"},
    ("POST", "search"): {"filter": {"filterType": "phone", "value": ANN}},
    ("POST", "mailinglists"): {"name": "Theirs"},
    ("PUT", "{mailingListId}"): {"name": "Renamed"},
    ("POST", "transactions"): {},
    ("POST", "transactionbatches"): {"transactionIds": ["CTR_000000000000000"]},
    ("POST", "samples"): {"parentId": "{mailingListId}", "name": "S", "maxSampleSize": 1},
    ("POST", "messages"): {"category": "smsInvite", "messages": {"en": "Hi ${l://SurveyURL}"}},
    ("PUT", "{surveyId}"): {"isActive": False},
    ("POST", "export-responses"): {"format": "csv"},
}


def _api_operations() -> list[tuple[str, str]]:
    """``(method, path)`` of every API operation whose path names an id."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        settings = Settings(database_url="sqlite+aiosqlite:///:memory:", secret_key="x")
        spec = create_app(settings).openapi()
    return [
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        if path.startswith("/API/v3/") and "{" in path
        for method in operations
    ]


async def _admin(system: Harness, organization: Organization) -> dict[str, str]:
    async with unit_of_work(system.runtime.engine) as session:
        user = await create_user(
            session, organization, f"admin-{organization.id}", system.clock.now(),
            role=BRAND_ADMINISTRATOR,
        )  # fmt: skip
        _, secret = await create_api_token(session, user, system.clock.now())
    return {"X-API-TOKEN": secret, "user": user.id}


async def _everything(system: Harness, auth: dict[str, str]) -> dict[str, str]:
    """One of each resource in the first organisation; their ids by path parameter."""
    c = system.client
    headers = {"X-API-TOKEN": auth["X-API-TOKEN"]}
    [directory] = (await call(c, "GET", "/API/v3/directories", headers))["elements"]
    base = f"/API/v3/directories/{directory['directoryId']}"
    mailing_list = await call(c, "POST", f"{base}/mailinglists", headers, json={"name": "Ours"})
    contact = await call(
        c,
        "POST",
        f"{base}/mailinglists/{mailing_list['id']}/contacts",
        headers,
        json={"phone": ANN},
    )
    made = await call(
        c, "POST", f"{base}/transactions", headers, json={"t": {"contactId": contact["id"]}}
    )
    transaction = made["createdTransactions"]["t"]["id"]
    batch = await call(
        c, "POST", f"{base}/transactionbatches", headers, json={"transactionIds": [transaction]}
    )
    yaml = {**headers, "Content-Type": "application/yaml"}
    survey = (
        await call(c, "POST", "/API/v3/survey-definitions", yaml, content=EXAMPLE.read_bytes())
    )["SurveyID"]
    body = {
        "surveyId": survey,
        "method": "Interactive",
        "recipients": {"mailingListId": mailing_list["id"]},
    }
    distribution = await call(c, "POST", "/API/v3/distributions/sms", headers, json=body)
    await system.drain()
    for answer in ("10", "2", "Keep it up!"):
        await system.text(ANN, answer)
    export = await call(
        c, "POST", f"/API/v3/surveys/{survey}/export-responses", headers, json={"format": "json"}
    )
    raw = await c.get(
        f"/API/v3/surveys/{survey}/export-responses/{export['fileId']}/file", headers=headers
    )
    assert raw.status_code == 200
    library = auth["user"]
    saved = BODIES[("POST", "messages")]
    message = await call(c, "POST", f"/API/v3/libraries/{library}/messages", headers, json=saved)
    hook = {"topics": "*", "publicationUrl": "http://127.0.0.1:9/hook"}
    subscription = await call(c, "POST", "/API/v3/eventsubscriptions", headers, json=hook)
    ours = {"name": "Ours", "provider": "twilio", "sender": "+15005550006", "fields": FIELDS}
    connection = await call(c, "POST", "/API/v3/provider-connections", headers, json=ours)
    [response] = await system.rows(Response)
    return {
        "directoryId": directory["directoryId"],
        "contactId": contact["id"],
        "mailingListId": mailing_list["id"],
        "batchId": batch["id"],
        "surveyId": survey,
        "questionId": "QID1",
        "blockId": "BL_score",
        "smsDistributionId": distribution["id"],
        "distributionId": distribution["id"],
        "responseId": response.id,
        "progressId": export["progressId"],
        "fileId": export["fileId"],
        "libraryId": library,
        "messageId": message["id"],
        "subscriptionId": subscription["id"],
        "connectionId": connection["id"],
    }


def _fill(template: Any, ids: dict[str, str]) -> Any:
    if isinstance(template, str):
        return re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], template)
    if isinstance(template, dict):
        return {key: _fill(value, ids) for key, value in template.items()}
    return template


async def test_another_organisation_gets_404_for_every_id(database_url: str) -> None:
    async with harness(database_url) as system:
        ours = await _admin(system, system.organization)
        ids = await _everything(system, ours)
        async with unit_of_work(system.runtime.engine) as session:
            other = await create_organization(session, "Other brand", system.clock)
        theirs = {"X-API-TOKEN": (await _admin(system, other))["X-API-TOKEN"]}
        operations = _api_operations()
        assert len(operations) >= 30
        for method, template in operations:
            path = _fill(template, ids)
            last = template.rstrip("/").rsplit("/", 1)[-1]
            body = _fill(BODIES.get((method, last), {}), ids) if method in ("POST", "PUT") else None
            answer = await system.client.request(method, path, headers=theirs, json=body)
            assert answer.status_code == 404, (method, path, answer.text)
            assert answer.json()["meta"]["httpStatus"] == "404 - Not Found"
        for query in ("/API/v3/distributions/sms", "/API/v3/distributions"):
            answer = await system.client.get(f"{query}?surveyId={ids['surveyId']}", headers=theirs)
            assert answer.status_code == 404, query
        # The first organisation still sees its own.
        for method, template in operations:
            if method == "GET":
                path = _fill(template, ids)
                answer = await system.client.get(path, headers={"X-API-TOKEN": ours["X-API-TOKEN"]})
                assert answer.status_code == 200, (path, answer.text)
