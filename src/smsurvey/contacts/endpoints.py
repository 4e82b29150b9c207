"""XM Directory in the v3 dialect: directories, contacts (list, create, get, update,
delete, search) and mailing lists (create, list, get, rename, delete, members)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from smsurvey.accounts.dependencies import Caller, CallerDep
from smsurvey.contacts import service
from smsurvey.contacts.schemas import (
    ContactDetail,
    ContactIn,
    ContactOut,
    ContactStatsOut,
    DirectoryOut,
    MailingListIn,
    MailingListOut,
    MemberCreated,
    MemberOut,
    Membership,
    NewContactIn,
    SearchHit,
    SearchIn,
    epoch_ms,
    lookup_id,
)
from smsurvey.contacts.search import MAX_DEPTH, search_contacts
from smsurvey.kit.envelope import Created, Envelope, MetaOnly, Page, envelope, meta_only
from smsurvey.kit.errors import InvalidInput, NotFound
from smsurvey.kit.pagination import Paged, Window, page_of, paging, read_ahead
from smsurvey.models.contacts import Contact, Directory, MailingList

router = APIRouter(prefix="/directories", tags=["directories"])
IncludeEmbedded = Annotated[bool, Query(description="Include each contact's embedded data.")]
MembersPage = Annotated[Window, Depends(paging(default=50, maximum=50))]


async def directory_of(caller: Caller, directory_id: str) -> Directory:
    """The caller's directory ``directory_id``, or :class:`NotFound`."""
    return await service.get_directory(caller.session, caller.organization, directory_id)


async def _write(caller: Caller, directory: Directory, body: NewContactIn) -> Contact:
    clock, session = caller.runtime.clock, caller.session
    contact, _ = await service.upsert_contact(
        session, directory, body.fields(),
        default_region=caller.runtime.settings.default_region, clock=clock,
    )  # fmt: skip
    if body.unsubscribed is not None:
        await service.set_opted_out(session, contact, body.unsubscribed, source="api", clock=clock)
    return contact


def contact_page(
    request: Request, page: Window, rows: list[Contact], embedded: bool
) -> Envelope[Page[ContactOut]]:
    """The page of ``rows`` (read with one more than a page, see :func:`read_ahead`)."""
    shown, following = read_ahead(request, page, rows)
    elements = [ContactOut.of(contact, embedded=embedded) for contact in shown]
    return envelope(request, Page(elements=elements, nextPage=following))


@router.get("", operation_id="listDirectories")
async def list_directories(
    request: Request, caller: CallerDep, page: Paged
) -> Envelope[Page[DirectoryOut]]:
    """The organisation's directories with their number of contacts."""
    rows = await service.directories_with_counts(
        caller.session, caller.organization, caller.runtime.clock
    )
    chosen, following = page_of(request, page, rows)
    elements = [DirectoryOut.of(d, n) for d, n in chosen]
    return envelope(request, Page(elements=elements, nextPage=following))


@router.get("/{directoryId}/contacts", operation_id="listDirectoryContacts")
async def list_directory_contacts(
    request: Request,
    caller: CallerDep,
    directoryId: str,
    page: Paged,
    includeEmbedded: IncludeEmbedded = False,
) -> Envelope[Page[ContactOut]]:
    """A page of the directory's contacts."""
    directory = await directory_of(caller, directoryId)
    rows = await service.directory_contacts(
        caller.session, directory, limit=page.size + 1, offset=page.offset
    )
    return contact_page(request, page, rows, includeEmbedded)


@router.post("/{directoryId}/contacts", operation_id="createDirectoryContact")
async def create_directory_contact(
    request: Request, caller: CallerDep, directoryId: str, body: NewContactIn
) -> Envelope[Created]:
    """Create a contact, or merge into the one the directory's deduplication rule matches."""
    contact = await _write(caller, await directory_of(caller, directoryId), body)
    return envelope(request, Created(id=contact.id))


@router.get("/{directoryId}/contacts/{contactId}", operation_id="getDirectoryContact")
async def get_directory_contact(
    request: Request, caller: CallerDep, directoryId: str, contactId: str
) -> Envelope[ContactDetail]:
    """A contact with its embedded data, mailing lists and figures (``stats``)."""
    directory = await directory_of(caller, directoryId)
    contact = await service.get_directory_contact(caller.session, directory, contactId)
    memberships = {
        mailing_list.id: Membership(
            name=mailing_list.name,
            contactLookupId=lookup_id(mailing_list.id, contact.id),
            unsubscribed=contact.opted_out,
        )
        for mailing_list in await service.lists_of(caller.session, contact)
    }
    base = ContactOut.of(contact, embedded=True)
    detail = ContactDetail(
        **base.model_dump(),
        creationDate=epoch_ms(contact.created_at),
        lastModified=epoch_ms(contact.updated_at),
        mailingListMembership=memberships,
        stats=ContactStatsOut.of(
            (await service.contacts_stats(caller.session, [contact.id]))[contact.id]
        ),
    )
    return envelope(request, detail)


@router.put("/{directoryId}/contacts/{contactId}", operation_id="updateDirectoryContact")
async def update_directory_contact(
    request: Request, caller: CallerDep, directoryId: str, contactId: str, body: ContactIn
) -> MetaOnly:
    """Change the fields given (embedded data is merged key by key)."""
    runtime, session = caller.runtime, caller.session
    directory = await directory_of(caller, directoryId)
    contact = await service.get_directory_contact(session, directory, contactId)
    await service.update_contact(
        session, contact, body.fields(),
        default_region=runtime.settings.default_region, clock=runtime.clock,
    )  # fmt: skip
    if body.unsubscribed is not None:
        await service.set_opted_out(
            session, contact, body.unsubscribed, source="api", clock=runtime.clock
        )
    return meta_only(request)


@router.delete("/{directoryId}/contacts/{contactId}", operation_id="deleteDirectoryContact")
async def delete_directory_contact(
    request: Request, caller: CallerDep, directoryId: str, contactId: str
) -> MetaOnly:
    """Delete a contact (what was sent to it stays in the histories)."""
    directory = await directory_of(caller, directoryId)
    contact = await service.get_directory_contact(caller.session, directory, contactId)
    await service.delete_contact(caller.session, contact)
    return meta_only(request)


@router.post("/{directoryId}/contacts/search", operation_id="searchDirectoryContacts")
async def search_directory_contacts(
    request: Request,
    caller: CallerDep,
    directoryId: str,
    body: SearchIn,
    page: Paged,
    includeEmbedded: IncludeEmbedded = False,
) -> Envelope[Page[SearchHit]]:
    """Contacts matching a filter with their ``stats``, a page at a time (at most 10,000
    deep)."""
    if page.offset + page.size > MAX_DEPTH:
        raise InvalidInput(f"a search goes at most {MAX_DEPTH:,} contacts deep")
    directory = await directory_of(caller, directoryId)
    rows = await search_contacts(
        caller.session, directory, body.filter, limit=page.size + 1, offset=page.offset
    )
    shown, following = read_ahead(request, page, rows)
    stats = await service.contacts_stats(caller.session, [contact.id for contact in shown])
    hits = [
        SearchHit.of(contact, ContactStatsOut.of(stats[contact.id]), embedded=includeEmbedded)
        for contact in shown
    ]
    return envelope(request, Page(elements=hits, nextPage=following))


# Mailing lists ---------------------------------------------------------------


async def list_of(caller: Caller, directory_id: str, mailing_list_id: str) -> MailingList:
    """The mailing list ``mailing_list_id`` of the caller's directory ``directory_id``, or
    :class:`NotFound`."""
    directory = await directory_of(caller, directory_id)
    return await service.get_directory_mailing_list(caller.session, directory, mailing_list_id)


@router.post("/{directoryId}/mailinglists", operation_id="createMailingList")
async def create_mailing_list(
    request: Request, caller: CallerDep, directoryId: str, body: MailingListIn
) -> Envelope[Created]:
    """Create a mailing list in the directory."""
    directory = await directory_of(caller, directoryId)
    made = await service.create_mailing_list(
        caller.session, directory, body.name, caller.runtime.clock
    )
    return envelope(request, Created(id=made.id))


@router.get("/{directoryId}/mailinglists", operation_id="listMailingLists")
async def list_mailing_lists(
    request: Request, caller: CallerDep, directoryId: str, page: Paged
) -> Envelope[Page[MailingListOut]]:
    """The directory's mailing lists with their sizes, oldest first."""
    directory = await directory_of(caller, directoryId)
    rows = await service.mailing_lists_with_counts(
        caller.session, caller.organization, directory=directory,
        limit=page.size + 1, offset=page.offset,
    )  # fmt: skip
    shown, following = read_ahead(request, page, rows)
    owner = caller.user.id
    elements = [MailingListOut.of(mailing_list, n, owner) for mailing_list, n in shown]
    return envelope(request, Page(elements=elements, nextPage=following))


@router.get("/{directoryId}/mailinglists/{mailingListId}", operation_id="getMailingList")
async def get_mailing_list(
    request: Request, caller: CallerDep, directoryId: str, mailingListId: str
) -> Envelope[MailingListOut]:
    """A mailing list and its size."""
    mailing_list = await list_of(caller, directoryId, mailingListId)
    count = await service.mailing_list_size(caller.session, mailing_list)
    return envelope(request, MailingListOut.of(mailing_list, count, caller.user.id))


@router.put("/{directoryId}/mailinglists/{mailingListId}", operation_id="updateMailingList")
async def update_mailing_list(
    request: Request, caller: CallerDep, directoryId: str, mailingListId: str, body: MailingListIn
) -> MetaOnly:
    """Rename a mailing list."""
    mailing_list = await list_of(caller, directoryId, mailingListId)
    await service.rename_mailing_list(caller.session, mailing_list, body.name)
    return meta_only(request)


@router.delete("/{directoryId}/mailinglists/{mailingListId}", operation_id="deleteMailingList")
async def delete_mailing_list(
    request: Request, caller: CallerDep, directoryId: str, mailingListId: str
) -> MetaOnly:
    """Delete a mailing list (its contacts stay in the directory)."""
    mailing_list = await list_of(caller, directoryId, mailingListId)
    await service.delete_mailing_list(caller.session, mailing_list)
    return meta_only(request)


@router.get(
    "/{directoryId}/mailinglists/{mailingListId}/contacts", operation_id="listMailingListContacts"
)
async def list_mailing_list_contacts(
    request: Request,
    caller: CallerDep,
    directoryId: str,
    mailingListId: str,
    page: MembersPage,
    includeEmbedded: IncludeEmbedded = False,
) -> Envelope[Page[ContactOut]]:
    """A page (at most 50) of the list's contacts."""
    mailing_list = await list_of(caller, directoryId, mailingListId)
    rows = await service.list_members(
        caller.session, mailing_list, limit=page.size + 1, offset=page.offset
    )
    return contact_page(request, page, rows, includeEmbedded)


@router.post(
    "/{directoryId}/mailinglists/{mailingListId}/contacts",
    operation_id="createMailingListContact",
)
async def create_mailing_list_contact(
    request: Request, caller: CallerDep, directoryId: str, mailingListId: str, body: NewContactIn
) -> Envelope[MemberCreated]:
    """Create a contact (or merge into its duplicate) and put it in the list."""
    directory = await directory_of(caller, directoryId)
    mailing_list = await service.get_directory_mailing_list(
        caller.session, directory, mailingListId
    )
    contact = await _write(caller, directory, body)
    await service.add_to_list(caller.session, mailing_list, contact, caller.runtime.clock)
    made = MemberCreated(id=contact.id, contactLookupId=lookup_id(mailing_list.id, contact.id))
    return envelope(request, made)


@router.get(
    "/{directoryId}/mailinglists/{mailingListId}/contacts/{contactId}",
    operation_id="getMailingListContact",
)
async def get_mailing_list_contact(
    request: Request, caller: CallerDep, directoryId: str, mailingListId: str, contactId: str
) -> Envelope[MemberOut]:
    """A contact of the list, with its embedded data and membership id (404 if not in it)."""
    mailing_list = await list_of(caller, directoryId, mailingListId)
    contact = await service.get_member(caller.session, mailing_list, contactId)
    member = MemberOut(
        **ContactOut.of(contact, embedded=True).model_dump(),
        contactLookupId=lookup_id(mailing_list.id, contact.id),
        mailingListId=mailing_list.id,
    )
    return envelope(request, member)


@router.delete(
    "/{directoryId}/mailinglists/{mailingListId}/contacts/{contactId}",
    operation_id="deleteMailingListContact",
)
async def delete_mailing_list_contact(
    request: Request, caller: CallerDep, directoryId: str, mailingListId: str, contactId: str
) -> MetaOnly:
    """Take a contact out of the list (it stays in the directory)."""
    directory = await directory_of(caller, directoryId)
    mailing_list = await service.get_directory_mailing_list(
        caller.session, directory, mailingListId
    )
    contact = await service.get_directory_contact(caller.session, directory, contactId)
    if not await service.remove_from_list(caller.session, mailing_list, contact):
        raise NotFound(f"{contactId} is not in {mailingListId}")
    return meta_only(request)
