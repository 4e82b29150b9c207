"""The Qualtrics v3 calls existing clients make that smsurvey knowingly does not serve.

Each answers 400 in the v3 envelope (``errorCode`` ``NOT_SUPPORTED``) with why and what to
use instead, after the caller is authenticated: a client then shows the reason rather than
"API call does not exist" (and none mistakes the answer for success, as some do with a
404). They stay out of the OpenAPI document, which lists what smsurvey serves.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter

from smsurvey.accounts.dependencies import CallerDep
from smsurvey.kit.errors import NotSupported

router = APIRouter(include_in_schema=False)

EMAIL = (
    "email distributions and distribution links are not supported: smsurvey sends SMS (an "
    "invitation carries each person's link); use POST /API/v3/distributions/sms (method Invite, "
    "Reminder or ThankYou, with parentDistributionId for a reminder or thank-you)"
)
SHARING = (
    "sharing surveys (collaborations) is not supported: every user of the organisation "
    "works on its surveys"
)
CREATING = (
    "creating responses is not supported: responses come from SMS conversations and the web survey"
)
UPDATING = "updating responses is not supported: a response keeps what the respondent gave"
IMPORTING = "importing responses is not supported: responses come from smsurvey's own channels"
LEGACY_EXPORT = (
    "the legacy response export (/responseexports) is not supported (Qualtrics retired it): use "
    "POST /API/v3/surveys/{surveyId}/export-responses"
)
VERSIONS = "survey versions are not supported: a survey's changes take effect when they are saved"
BOUNCES = "bounced contacts are not supported: bounces are email's (smsurvey sends SMS)"
HISTORY = (
    "a contact's history is not supported: use GET /API/v3/distributions/{distributionId}/history"
)
RESEARCH_CORE = (
    "Research Core mailing lists (/mailinglists) are not supported: use the XM Directory's, "
    "/API/v3/directories/{directoryId}/mailinglists"
)

CALLS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("/distributions", ("POST",), EMAIL),
    ("/distributions/{distributionId}/reminders", ("POST",), EMAIL),
    ("/distributions/{distributionId}/thankyous", ("POST",), EMAIL),
    ("/distributions/{distributionId}/links", ("GET",), EMAIL),
    ("/surveys/{surveyId}/permissions/collaborations", ("GET", "POST"), SHARING),
    ("/surveys/{surveyId}/responses", ("POST",), CREATING),
    ("/responses/{responseId}", ("PUT",), UPDATING),
    ("/surveys/{surveyId}/responses/{responseId}", ("PUT", "DELETE"), UPDATING),
    ("/surveys/{surveyId}/update-responses", ("POST",), UPDATING),
    ("/surveys/{surveyId}/update-responses/{progressId}", ("GET",), UPDATING),
    ("/surveys/{surveyId}/import-responses", ("POST",), IMPORTING),
    ("/surveys/{surveyId}/import-responses/{progressId}", ("GET",), IMPORTING),
    ("/responseexports", ("POST",), LEGACY_EXPORT),
    ("/responseexports/{exportId}", ("GET",), LEGACY_EXPORT),
    ("/responseexports/{exportId}/file", ("GET",), LEGACY_EXPORT),
    ("/directories/{directoryId}/mailinglists/{mailingListId}/bouncedContacts", ("GET",), BOUNCES),
    ("/directories/{directoryId}/contacts/{contactId}/history", ("GET",), HISTORY),
    ("/survey-definitions/{surveyId}/versions", ("GET", "POST"), VERSIONS),
    ("/mailinglists", ("GET", "POST"), RESEARCH_CORE),
    ("/mailinglists/{mailingListId}", ("GET", "PUT", "DELETE"), RESEARCH_CORE),
    ("/mailinglists/{mailingListId}/contacts", ("GET", "POST"), RESEARCH_CORE),
    ("/mailinglists/{mailingListId}/contactimports", ("POST",), RESEARCH_CORE),
    ("/mailinglists/{mailingListId}/contactimports/{importId}", ("GET",), RESEARCH_CORE),
)
"""(path under ``/API/v3``, methods, why not)."""


def _refusal(reason: str) -> Callable[..., Awaitable[None]]:
    async def refuse(caller: CallerDep) -> None:
        raise NotSupported(reason)

    return refuse


for _path, _methods, _reason in CALLS:
    router.add_api_route(_path, _refusal(_reason), methods=list(_methods))
