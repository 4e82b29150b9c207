"""XM Directory in the v3 dialect: directories, contacts (list, create, get, update,
delete, search) and mailing lists (create, list, get, rename, delete, members)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.accounts.dependencies import Caller, CallerDep
from smsurvey.contacts.schemas import (
    ContactDetail,
    ContactIn,
    ContactOut,
    DirectoryOut,
    MailingListIn,
    MailingListOut,
    MemberCreated,
    Membership,
    NewContactIn,
    SearchHit,
    SearchIn,
    epoch_ms,
    lookup_id,
)
from smsurvey.contacts.search import MAX_DEPTH, search_contacts
from smsurvey.contacts.service import (
    add_to_list,
    create_mailing_list,
    delete_contact,
    delete_mailing_list,
    directories_with_counts,
    directory_contacts,
    get_contact,
    get_directory,
    get_mailing_list,
    list_members,
    remove_from_list,
    rename_mailing_list,
    set_opted_out,
    update_contact,
    upsert_contact,
)
from smsurvey.kit.db import unit_of_work
from smsurvey.kit.envelope import Created, Envelope, MetaOnly, Page, envelope, meta_only
from smsurvey.kit.errors import InvalidInput, NotFound
from smsurvey.kit.pagination import Paged, Window, paging, read_ahead
from smsurvey.models.contacts import Contact, Directory, MailingList, MailingListMember

router = APIRouter(prefix="/directories", tags=["directories"])
IncludeEmbedded = Annotated[bool, Query(description="Include each contact's embedded data.")]
MembersPage = Annotated[Window, Depends(paging(default=50, maximum=50))]


async def directory_of(session: AsyncSession, caller: Caller, directory_id: str) -> Directory:
    """The caller's directory ``directory_id``, or :class:`NotFound`."""
    return await get_directory(session, caller.organization, directory_id)


async def _contact(
    session: AsyncSession, caller: Caller, directory: Directory, contact_id: str
) -> Contact:
    contact = await get_contact(session, caller.organization, contact_id)
    if contact.directory_id != directory.id:
        raise NotFound(f"no contact {contact_id} in {directory.id}")
    return contact


async def list_of(
    session: AsyncSession, caller: Caller, directory: Directory, mailing_list_id: str
) -> MailingList:
    """The directory's mailing list ``mailing_list_id``, or :class:`NotFound`."""
    mailing_list = await get_mailing_list(session, caller.organization, mailing_list_id)
    if mailing_list.directory_id != directory.id:
        raise NotFound(f"no mailing list {mailing_list_id} in {directory.id}")
    return mailing_list


async def _write(
    session: AsyncSession, caller: Caller, directory: Directory, body: NewContactIn
) -> Contact:
    clock = caller.runtime.clock
    contact, _ = await upsert_contact(
        session, directory, body.fields(),
        default_region=caller.runtime.settings.default_region, clock=clock,
    )  # fmt: skip
    if body.unsubscribed is not None:
        await set_opted_out(session, contact, body.unsubscribed, source="api", clock=clock)
    return contact


@router.get("")
async def list_directories(request: Request, caller: CallerDep) -> Envelope[Page[DirectoryOut]]:
    """The organisation's directories with their number of contacts."""
    async with unit_of_work(caller.runtime.engine) as session:
        rows = await directories_with_counts(session, caller.organization, caller.runtime.clock)
    return envelope(request, Page(elements=[DirectoryOut.of(d, n) for d, n in rows]))


@router.get("/{directoryId}/contacts")
async def list_contacts(
    request: Request,
    caller: CallerDep,
    directoryId: str,
    page: Paged,
    includeEmbedded: IncludeEmbedded = False,
) -> Envelope[Page[ContactOut]]:
    """A page of the directory's contacts."""
    async with unit_of_work(caller.runtime.engine) as session:
        directory = await directory_of(session, caller, directoryId)
        rows = await directory_contacts(session, directory, limit=page.size + 1, offset=page.offset)
    shown, following = read_ahead(request, page, rows)
    elements = [ContactOut.of(c, embedded=includeEmbedded) for c in shown]
    return envelope(request, Page(elements=elements, nextPage=following))


@router.post("/{directoryId}/contacts")
async def create_contact(
    request: Request, caller: CallerDep, directoryId: str, body: NewContactIn
) -> Envelope[Created]:
    """Create a contact, or merge into the one the directory's deduplication rule matches."""
    async with unit_of_work(caller.runtime.engine) as session:
        directory = await directory_of(session, caller, directoryId)
        contact = await _write(session, caller, directory, body)
    return envelope(request, Created(id=contact.id))


@router.get("/{directoryId}/contacts/{contactId}")
async def get_one_contact(
    request: Request, caller: CallerDep, directoryId: str, contactId: str
) -> Envelope[ContactDetail]:
    """A contact with its embedded data and mailing lists."""
    async with unit_of_work(caller.runtime.engine) as session:
        directory = await directory_of(session, caller, directoryId)
        contact = await _contact(session, caller, directory, contactId)
        lists = await session.execute(
            select(MailingList.id, MailingList.name)
            .join(MailingListMember, MailingListMember.mailing_list_id == MailingList.id)
            .where(MailingListMember.contact_id == contact.id)
        )
        memberships = {
            list_id: Membership(
                name=name,
                contactLookupId=lookup_id(list_id, contact.id),
                unsubscribed=contact.opted_out,
            )
            for list_id, name in lists.all()
        }
    base = ContactOut.of(contact, embedded=True)
    detail = ContactDetail(
        **base.model_dump(),
        creationDate=epoch_ms(contact.created_at),
        lastModified=epoch_ms(contact.updated_at),
        mailingListMembership=memberships,
    )
    return envelope(request, detail)


@router.put("/{directoryId}/contacts/{contactId}")
async def change_contact(
    request: Request, caller: CallerDep, directoryId: str, contactId: str, body: ContactIn
) -> MetaOnly:
    """Change the fields given (embedded data is merged key by key)."""
    runtime = caller.runtime
    async with unit_of_work(runtime.engine) as session:
        directory = await directory_of(session, caller, directoryId)
        contact = await _contact(session, caller, directory, contactId)
        await update_contact(
            session, contact, body.fields(),
            default_region=runtime.settings.default_region, clock=runtime.clock,
        )  # fmt: skip
        if body.unsubscribed is not None:
            await set_opted_out(
                session, contact, body.unsubscribed, source="api", clock=runtime.clock
            )
    return meta_only(request)


@router.delete("/{directoryId}/contacts/{contactId}")
async def remove_contact(
    request: Request, caller: CallerDep, directoryId: str, contactId: str
) -> MetaOnly:
    """Delete a contact (what was sent to it stays in the histories)."""
    async with unit_of_work(caller.runtime.engine) as session:
        directory = await directory_of(session, caller, directoryId)
        await delete_contact(session, await _contact(session, caller, directory, contactId))
    return meta_only(request)


@router.post("/{directoryId}/contacts/search")
async def search(
    request: Request,
    caller: CallerDep,
    directoryId: str,
    body: SearchIn,
    page: Paged,
    includeEmbedded: IncludeEmbedded = False,
) -> Envelope[Page[SearchHit]]:
    """Contacts matching a filter, a page at a time (at most 10,000 deep)."""
    if page.offset + page.size > MAX_DEPTH:
        raise InvalidInput(f"a search goes at most {MAX_DEPTH:,} contacts deep")
    async with unit_of_work(caller.runtime.engine) as session:
        directory = await directory_of(session, caller, directoryId)
        rows = await search_contacts(
            session, directory, body.filter, limit=page.size + 1, offset=page.offset
        )
    shown, following = read_ahead(request, page, rows)
    hits = [SearchHit.of(contact, embedded=includeEmbedded) for contact in shown]
    return envelope(request, Page(elements=hits, nextPage=following))


# Mailing lists ---------------------------------------------------------------


async def _count(session: AsyncSession, mailing_list: MailingList) -> int:
    count = await session.scalar(
        select(func.count()).where(MailingListMember.mailing_list_id == mailing_list.id)
    )
    return int(count or 0)


@router.post("/{directoryId}/mailinglists")
async def new_mailing_list(
    request: Request, caller: CallerDep, directoryId: str, body: MailingListIn
) -> Envelope[Created]:
    """Create a mailing list in the directory."""
    async with unit_of_work(caller.runtime.engine) as session:
        directory = await directory_of(session, caller, directoryId)
        made = await create_mailing_list(session, directory, body.name, caller.runtime.clock)
    return envelope(request, Created(id=made.id))


@router.get("/{directoryId}/mailinglists")
async def mailing_lists(
    request: Request, caller: CallerDep, directoryId: str, page: Paged
) -> Envelope[Page[MailingListOut]]:
    """The directory's mailing lists with their sizes."""
    async with unit_of_work(caller.runtime.engine) as session:
        directory = await directory_of(session, caller, directoryId)
        count = (
            select(func.count())
            .where(MailingListMember.mailing_list_id == MailingList.id)
            .scalar_subquery()
        )
        rows = (
            await session.execute(
                select(MailingList, count)
                .where(MailingList.directory_id == directory.id)
                .order_by(MailingList.created_at, MailingList.id)
                .limit(page.size + 1)
                .offset(page.offset)
            )
        ).all()
    shown, following = read_ahead(request, page, list(rows))
    owner = caller.user.id
    elements = [MailingListOut.of(mailing_list, n, owner) for mailing_list, n in shown]
    return envelope(request, Page(elements=elements, nextPage=following))


@router.get("/{directoryId}/mailinglists/{mailingListId}")
async def one_mailing_list(
    request: Request, caller: CallerDep, directoryId: str, mailingListId: str
) -> Envelope[MailingListOut]:
    """A mailing list and its size."""
    async with unit_of_work(caller.runtime.engine) as session:
        directory = await directory_of(session, caller, directoryId)
        mailing_list = await list_of(session, caller, directory, mailingListId)
        count = await _count(session, mailing_list)
    return envelope(request, MailingListOut.of(mailing_list, count, caller.user.id))


@router.put("/{directoryId}/mailinglists/{mailingListId}")
async def rename(
    request: Request, caller: CallerDep, directoryId: str, mailingListId: str, body: MailingListIn
) -> MetaOnly:
    """Rename a mailing list."""
    async with unit_of_work(caller.runtime.engine) as session:
        directory = await directory_of(session, caller, directoryId)
        mailing_list = await list_of(session, caller, directory, mailingListId)
        await rename_mailing_list(session, mailing_list, body.name)
    return meta_only(request)


@router.delete("/{directoryId}/mailinglists/{mailingListId}")
async def remove_mailing_list(
    request: Request, caller: CallerDep, directoryId: str, mailingListId: str
) -> MetaOnly:
    """Delete a mailing list (its contacts stay in the directory)."""
    async with unit_of_work(caller.runtime.engine) as session:
        directory = await directory_of(session, caller, directoryId)
        await delete_mailing_list(session, await list_of(session, caller, directory, mailingListId))
    return meta_only(request)


@router.get("/{directoryId}/mailinglists/{mailingListId}/contacts")
async def members(
    request: Request,
    caller: CallerDep,
    directoryId: str,
    mailingListId: str,
    page: MembersPage,
    includeEmbedded: IncludeEmbedded = False,
) -> Envelope[Page[ContactOut]]:
    """A page (at most 50) of the list's contacts."""
    async with unit_of_work(caller.runtime.engine) as session:
        directory = await directory_of(session, caller, directoryId)
        mailing_list = await list_of(session, caller, directory, mailingListId)
        rows = await list_members(session, mailing_list, limit=page.size + 1, offset=page.offset)
    shown, following = read_ahead(request, page, rows)
    elements = [ContactOut.of(c, embedded=includeEmbedded) for c in shown]
    return envelope(request, Page(elements=elements, nextPage=following))


@router.post("/{directoryId}/mailinglists/{mailingListId}/contacts")
async def add_member(
    request: Request, caller: CallerDep, directoryId: str, mailingListId: str, body: NewContactIn
) -> Envelope[MemberCreated]:
    """Create a contact (or merge into its duplicate) and put it in the list."""
    async with unit_of_work(caller.runtime.engine) as session:
        directory = await directory_of(session, caller, directoryId)
        mailing_list = await list_of(session, caller, directory, mailingListId)
        contact = await _write(session, caller, directory, body)
        await add_to_list(session, mailing_list, contact, caller.runtime.clock)
    made = MemberCreated(id=contact.id, contactLookupId=lookup_id(mailing_list.id, contact.id))
    return envelope(request, made)


@router.delete("/{directoryId}/mailinglists/{mailingListId}/contacts/{contactId}")
async def remove_member(
    request: Request, caller: CallerDep, directoryId: str, mailingListId: str, contactId: str
) -> MetaOnly:
    """Take a contact out of the list (it stays in the directory)."""
    async with unit_of_work(caller.runtime.engine) as session:
        directory = await directory_of(session, caller, directoryId)
        mailing_list = await list_of(session, caller, directory, mailingListId)
        contact = await _contact(session, caller, directory, contactId)
        if not await remove_from_list(session, mailing_list, contact):
            raise NotFound(f"{contactId} is not in {mailingListId}")
    return meta_only(request)
