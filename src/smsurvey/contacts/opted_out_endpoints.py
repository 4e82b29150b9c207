"""The contacts who opted out of SMS, in the v3 dialect: a directory's
(``…/contacts/optedOutContacts``) and a mailing list's (``…/optedOutContacts``).

Served before the contact routes, so ``optedOutContacts`` is not taken for a contact id.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from smsurvey.accounts.dependencies import CallerDep
from smsurvey.contacts import service
from smsurvey.contacts.endpoints import (
    IncludeEmbedded,
    MembersPage,
    contact_page,
    directory_of,
    list_of,
)
from smsurvey.contacts.schemas import ContactOut
from smsurvey.kit.envelope import Envelope, Page
from smsurvey.kit.pagination import Paged

router = APIRouter(prefix="/directories", tags=["directories"])


@router.get(
    "/{directoryId}/contacts/optedOutContacts", operation_id="listDirectoryOptedOutContacts"
)
async def list_directory_opted_out_contacts(
    request: Request,
    caller: CallerDep,
    directoryId: str,
    page: Paged,
    includeEmbedded: IncludeEmbedded = False,
) -> Envelope[Page[ContactOut]]:
    """A page of the directory's contacts who opted out of SMS."""
    directory = await directory_of(caller, directoryId)
    rows = await service.directory_contacts(
        caller.session, directory, limit=page.size + 1, offset=page.offset, opted_out=True
    )
    return contact_page(request, page, rows, includeEmbedded)


@router.get(
    "/{directoryId}/mailinglists/{mailingListId}/optedOutContacts",
    operation_id="listMailingListOptedOutContacts",
)
async def list_mailing_list_opted_out_contacts(
    request: Request,
    caller: CallerDep,
    directoryId: str,
    mailingListId: str,
    page: MembersPage,
    includeEmbedded: IncludeEmbedded = False,
) -> Envelope[Page[ContactOut]]:
    """A page (at most 50) of the list's contacts who opted out of SMS."""
    mailing_list = await list_of(caller, directoryId, mailingListId)
    rows = await service.list_members(
        caller.session, mailing_list, limit=page.size + 1, offset=page.offset, opted_out=True
    )
    return contact_page(request, page, rows, includeEmbedded)
