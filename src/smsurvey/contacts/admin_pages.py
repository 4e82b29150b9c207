"""The admin pages of contacts: directories and their mailing lists, a search, a list's
members, a contact with its opt-out history, and CSV imports with their progress.

Any signed-in user may use them, as any authenticated caller may use the contacts API.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import BackgroundTasks, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response

from smsurvey.contacts import import_jobs, service
from smsurvey.contacts.import_jobs import ImportChoices, ImportState
from smsurvey.contacts.search import MAX_DEPTH, box_filter, search_contacts
from smsurvey.contacts.service import ContactFields
from smsurvey.kit.downloads import attachment
from smsurvey.kit.errors import Conflict, InvalidInput, NotFound
from smsurvey.models.contacts import Contact, ContactImportJob, Directory
from smsurvey.web.admin import (
    ADMIN_HEADERS,
    PREFIX,
    PageCaller,
    PageCallerDep,
    admin_router,
    redirect,
    render,
)

router = admin_router("/contacts")

HOME = f"{PREFIX}/contacts"
PAGE_SIZE = 50
SOURCE = "admin"
"""How the opt-out history records a change made on these pages."""

Text = Annotated[str, Form(max_length=1024)]
LongText = Annotated[str, Form(max_length=20_000)]
Offset = Annotated[int, Query(ge=0, le=MAX_DEPTH)]


def _paging(offset: int, shown: int, more: bool) -> dict[str, int | None]:
    return {
        "previous": max(0, offset - PAGE_SIZE) if offset else None,
        "next": offset + PAGE_SIZE if more else None,
        "first": offset + 1 if shown else 0,
        "last": offset + shown,
    }


async def _directory(caller: PageCaller, directory_id: str) -> Directory:
    if directory_id:
        return await service.get_directory(caller.session, caller.organization, directory_id)
    return await service.default_directory(
        caller.session, caller.organization, caller.runtime.clock
    )


# Directories, lists and the search ---------------------------------------------------


@router.get("")
async def contacts_page(
    request: Request,
    caller: PageCallerDep,
    q: Annotated[str, Query(max_length=200)] = "",
    directory: Annotated[str, Query(max_length=40)] = "",
    offset: Offset = 0,
) -> HTMLResponse:
    """Directories with their mailing lists and sizes, a search and a form for a new list."""
    return await _contacts_page(request, caller, q, directory, offset)


async def _contacts_page(
    request: Request,
    caller: PageCaller,
    q: str = "",
    directory: str = "",
    offset: int = 0,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    session, organization = caller.session, caller.organization
    directories = await service.directories_with_counts(session, organization, caller.runtime.clock)
    lists = await service.mailing_lists_with_counts(session, organization)
    searched = await _directory(caller, directory)
    hits: list[Contact] | None = None
    paging = {}
    condition = box_filter(q)
    if condition is not None:
        if offset + PAGE_SIZE > MAX_DEPTH:
            raise InvalidInput(f"a search goes at most {MAX_DEPTH:,} contacts deep")
        rows = await search_contacts(
            session, searched, condition, limit=PAGE_SIZE + 1, offset=offset
        )
        hits = rows[:PAGE_SIZE]
        paging = _paging(offset, len(hits), len(rows) > PAGE_SIZE)
    return render(
        request, "admin/contacts/index.html", caller, status_code=status_code,
        directories=directories, lists=lists, q=q, searched=searched, hits=hits,
        paging=paging, error=error,
    )  # fmt: skip


@router.post("/lists")
async def create_list_form(
    request: Request, caller: PageCallerDep, name: Text, directory: Text = ""
) -> Response:
    """Make a mailing list in a directory."""
    try:
        found = await _directory(caller, directory)
        made = await service.create_mailing_list(caller.session, found, name, caller.runtime.clock)
    except (InvalidInput, Conflict) as wrong:
        return await _contacts_page(
            request, caller, error=str(wrong), status_code=wrong.http_status
        )
    return redirect(request, f"{HOME}/lists/{made.id}", f"Mailing list {made.name} is made.")


# A mailing list ----------------------------------------------------------------------


async def _list_page(
    request: Request,
    caller: PageCaller,
    list_id: str,
    offset: int = 0,
    *,
    error: str | None = None,
    status_code: int = 200,
    entered: dict[str, str] | None = None,
) -> HTMLResponse:
    session = caller.session
    mailing_list = await service.get_mailing_list(session, caller.organization, list_id)
    rows = await service.list_members(session, mailing_list, limit=PAGE_SIZE + 1, offset=offset)
    members = rows[:PAGE_SIZE]
    return render(
        request, "admin/contacts/list.html", caller, status_code=status_code,
        mailing_list=mailing_list, members=members,
        count=await service.mailing_list_size(session, mailing_list),
        paging=_paging(offset, len(members), len(rows) > PAGE_SIZE),
        region=caller.runtime.settings.default_region or "", error=error,
        entered=entered or {},
    )  # fmt: skip


@router.get("/lists/{list_id}")
async def list_page(
    request: Request, caller: PageCallerDep, list_id: str, offset: Offset = 0
) -> HTMLResponse:
    """A page of the list's members, a form to add one, a button to take each out."""
    return await _list_page(request, caller, list_id, offset)


def parse_embedded(text: str) -> dict[str, str]:
    """Embedded data written one ``key = value`` a line (blank lines skipped)."""
    data: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key, equals, value = line.partition("=")
        if not equals or not key.strip():
            raise InvalidInput(f"embedded data, line {number}: write it as key = value")
        data[key.strip()] = value.strip()
    return data


@router.post("/lists/{list_id}/members")
async def add_member_form(
    request: Request,
    caller: PageCallerDep,
    list_id: str,
    phone: Text = "",
    first_name: Text = "",
    last_name: Text = "",
    email: Text = "",
    language: Text = "",
    region: Text = "",
    embedded: LongText = "",
) -> Response:
    """Add a contact by hand (merged into its duplicate in the directory, as the API does)."""
    session, clock = caller.session, caller.runtime.clock
    mailing_list = await service.get_mailing_list(session, caller.organization, list_id)
    entered = {
        "phone": phone, "first_name": first_name, "last_name": last_name, "email": email,
        "language": language, "region": region, "embedded": embedded,
    }  # fmt: skip
    try:
        fields = ContactFields(
            first_name=first_name, last_name=last_name, email=email, phone=phone,
            language=language, embedded_data=parse_embedded(embedded),
        )  # fmt: skip
        if not any((phone.strip(), first_name.strip(), last_name.strip(), email.strip())):
            raise InvalidInput("a contact needs at least a phone number, a name or an email")
        directory = await service.get_directory(
            session, caller.organization, mailing_list.directory_id
        )
        contact, _ = await service.upsert_contact(
            session, directory, fields, default_region=service.checked_region(region), clock=clock
        )
        added = await service.add_to_list(session, mailing_list, contact, clock)
    except InvalidInput as wrong:  # raised before anything is written
        return await _list_page(
            request, caller, list_id, error=str(wrong), status_code=400, entered=entered
        )
    said = "is added to" if added else "was already in"
    return redirect(request, f"{HOME}/lists/{list_id}", f"{_name(contact)} {said} the list.")


@router.post("/lists/{list_id}/members/{contact_id}/remove")
async def remove_member_form(
    request: Request, caller: PageCallerDep, list_id: str, contact_id: str
) -> Response:
    """Take a contact out of the list (it stays in the directory)."""
    session = caller.session
    mailing_list = await service.get_mailing_list(session, caller.organization, list_id)
    contact = await service.get_contact(session, caller.organization, contact_id)
    if not await service.remove_from_list(session, mailing_list, contact):
        raise NotFound(f"{contact_id} is not in {list_id}")
    return redirect(request, f"{HOME}/lists/{list_id}", f"{_name(contact)} is out of the list.")


def _name(contact: Contact) -> str:
    full = " ".join(filter(None, (contact.first_name, contact.last_name)))
    return full or contact.phone or contact.email or contact.id


# Imports -----------------------------------------------------------------------------


async def _import_page(
    request: Request, caller: PageCaller, *, error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    jobs = await import_jobs.recent_jobs(caller.session, caller.organization)
    return render(
        request, "admin/contacts/import.html", caller, status_code=status_code, jobs=jobs,
        limit=caller.runtime.settings.api_body_limit, error=error,
    )  # fmt: skip


@router.get("/import")
async def import_page(request: Request, caller: PageCallerDep) -> HTMLResponse:
    """The form to upload a CSV, and the latest imports."""
    return await _import_page(request, caller)


@router.post("/import")
async def upload_form(
    request: Request, caller: PageCallerDep, file: Annotated[UploadFile, File()]
) -> Response:
    """Keep the uploaded CSV and show its columns (413 past the body limit, before this)."""
    content = await file.read()
    try:
        job = await import_jobs.upload(
            caller.session, caller.organization, caller.user, file.filename or "",
            content, caller.runtime.clock.now(),
        )  # fmt: skip
    except InvalidInput as wrong:
        return await _import_page(request, caller, error=str(wrong), status_code=400)
    return redirect(request, f"{HOME}/imports/{job.id}")


async def _job_page(
    request: Request,
    caller: PageCaller,
    job: ContactImportJob,
    *,
    error: str | None = None,
    status_code: int = 200,
    choices: ImportChoices | None = None,
) -> HTMLResponse:
    session = caller.session
    context = {}
    if job.state == ImportState.UPLOADED:
        directories = await service.directories_with_counts(
            session, caller.organization, caller.runtime.clock
        )
        lists = await service.mailing_lists_with_counts(session, caller.organization)
        preview = await import_jobs.preview_of(session, job)
        context = {
            "preview": preview,
            "phone_guess": import_jobs.phone_column_guess(preview.header),
            "directories": [directory for directory, _ in directories],
            "list_names": sorted({mailing_list.name for mailing_list, _ in lists}),
            "region": caller.runtime.settings.default_region or "",
        }
    return render(
        request, "admin/contacts/job.html", caller, status_code=status_code, job=job,
        progress=import_jobs.progress_of(job), choices=choices, error=error, **context,
    )  # fmt: skip


async def _job(caller: PageCaller, job_id: str) -> ContactImportJob:
    return await import_jobs.get_job(
        caller.session, caller.organization, job_id, caller.runtime.clock.now()
    )


@router.get("/imports/{job_id}")
async def job_page(request: Request, caller: PageCallerDep, job_id: str) -> HTMLResponse:
    """An import: its columns to choose, its progress, or its result."""
    return await _job_page(request, caller, await _job(caller, job_id))


@router.post("/imports/{job_id}")
async def start_form(
    request: Request,
    caller: PageCallerDep,
    background: BackgroundTasks,
    job_id: str,
    phone_column: Text,
    list_name: Text,
    directory: Text,
    region: Text = "",
) -> Response:
    """Start the import with the columns chosen; it runs once this request is committed."""
    job = await _job(caller, job_id)
    choices = ImportChoices(phone_column, list_name, directory, region.strip() or None)
    try:
        started = await import_jobs.start(
            caller.session, caller.organization, job, choices, caller.runtime.clock.now()
        )
    except InvalidInput as wrong:
        return await _job_page(
            request, caller, job, error=str(wrong), status_code=400, choices=choices
        )
    if started:
        background.add_task(import_jobs.launch, caller.runtime, job.id)
    return redirect(request, f"{HOME}/imports/{job.id}")


@router.get("/imports/{job_id}/status")
async def job_status(caller: PageCallerDep, job_id: str) -> JSONResponse:
    """The import's progress, for the page's script."""
    progress = import_jobs.progress_of(await _job(caller, job_id))
    return JSONResponse(
        {
            "state": progress.state.value,
            "percent": progress.percent,
            "size": progress.size,
            "bytesRead": progress.bytes_read,
            "rowsRead": progress.rows_read,
            "rowsImported": progress.rows_imported,
            "rowsRejected": progress.rows_rejected,
            "reason": progress.reason,
        },
        headers=ADMIN_HEADERS,
    )


@router.get("/imports/{job_id}/errors.csv")
async def error_report(caller: PageCallerDep, job_id: str) -> Response:
    """The import's per-row error report."""
    job = await _job(caller, job_id)
    if not job.report:
        raise NotFound(f"import {job_id} has no error report")
    name = f"{job.file_name.rpartition('.')[0] or job.file_name}.errors.csv"
    return Response(
        job.report, media_type="text/csv; charset=utf-8", headers=ADMIN_HEADERS | attachment(name)
    )


# A contact ---------------------------------------------------------------------------


@router.get("/{contact_id}")
async def contact_page(request: Request, caller: PageCallerDep, contact_id: str) -> HTMLResponse:
    """A contact: fields, embedded data, lists, transactions and opt-out history."""
    session = caller.session
    contact = await service.get_contact(session, caller.organization, contact_id)
    return render(
        request, "admin/contacts/contact.html", caller, contact=contact,
        directory=await service.get_directory(session, caller.organization, contact.directory_id),
        lists=await service.lists_of(session, contact),
        transactions=await service.transactions_of(session, contact),
        history=await service.opt_out_history(session, contact),
    )  # fmt: skip


async def _set_opted_out(
    request: Request, caller: PageCaller, contact_id: str, opted_out: bool, reason: str
) -> Response:
    contact = await service.get_contact(caller.session, caller.organization, contact_id)
    changed = await service.set_opted_out(
        caller.session, contact, opted_out, source=SOURCE, detail=reason.strip()[:500] or None,
        clock=caller.runtime.clock,
    )  # fmt: skip
    state = "opted out of" if opted_out else "opted back into"
    said = f"is {state} SMS" if changed else f"was already {state} SMS; nothing changed"
    return redirect(request, f"{HOME}/{contact.id}", f"{_name(contact)} {said}.")


@router.post("/{contact_id}/opt-out")
async def opt_out_form(
    request: Request, caller: PageCallerDep, contact_id: str, reason: Text = ""
) -> Response:
    """Opt the contact out of SMS, with the reason in its history."""
    return await _set_opted_out(request, caller, contact_id, True, reason)


@router.post("/{contact_id}/opt-in")
async def opt_in_form(
    request: Request, caller: PageCallerDep, contact_id: str, reason: Text = ""
) -> Response:
    """Opt the contact back into SMS, with the reason in its history."""
    return await _set_opted_out(request, caller, contact_id, False, reason)
