"""The admin pages of providers: the organisation's connections (Brand Administrators, as
the API's ``/provider-connections``), and the phone simulator (users who may use SMS
distributions, in organisations that send through the simulator, as ``/simulator``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from smsurvey.kit.errors import InvalidInput, NotFound, SmsurveyError
from smsurvey.models.connections import ProviderConnection
from smsurvey.models.simulator import HandsetDirection, SimulatedText
from smsurvey.providers.base import ProviderKind
from smsurvey.providers.connections import (
    NewConnection,
    add_connection,
    delete_connection,
    get_connection,
    list_connections,
    move_connection,
    readable,
    webhook_urls,
)
from smsurvey.providers.registry import kind_named, kinds
from smsurvey.providers.simulator import NAME as SIMULATOR
from smsurvey.providers.simulator import Simulator
from smsurvey.providers.simulator_api import Text as SimulatedTextOut
from smsurvey.providers.trial import send_test_text
from smsurvey.sms.phones import check_phone
from smsurvey.web.admin import (
    PREFIX,
    AdminPageCallerDep,
    PageCaller,
    SmsPageCallerDep,
    admin_router,
    redirect,
    render,
)

router = admin_router()

PROVIDERS = f"{PREFIX}/providers"
PHONE = f"{PREFIX}/phone"
FIELD = "field_"
"""Form names of a provider's fields: ``field_account_sid``…"""
LONGEST_FIELD = 10_000
Text = Annotated[str, Form(max_length=1024)]


# Provider connections -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConnectionView:
    """A connection as the pages show it: its place in the order, its state, its URLs."""

    connection: ProviderConnection
    title: str
    order: int
    state: str
    urls: dict[str, str]
    fields: list[tuple[str, str]]
    """Its fields as they may be shown (secrets as their last characters), by label."""


async def _views(caller: PageCaller) -> list[ConnectionView]:
    connections = await list_connections(caller.session, caller.organization.id)
    public_url = caller.runtime.settings.public_url
    views = []
    for order, connection in enumerate(connections, start=1):
        kind = kind_named(connection.provider)
        labels = {field.key: field.label for field in kind.fields} if kind else {}
        if not readable(caller.runtime.secret, connection):
            state = "Cannot be decrypted: SMSURVEY_SECRET_KEY is not the key it was saved with"
        elif order == 1:
            state = "Sends"
        else:
            state = "Takes over when the ones before it keep failing"
        views.append(
            ConnectionView(
                connection,
                kind.title if kind else connection.provider,
                order,
                state,
                webhook_urls(public_url, connection),
                [
                    (labels.get(key, key), str(value))
                    for key, value in connection.shown_fields.items()
                ],
            )
        )
    return views


async def _view(caller: PageCaller, connection_id: str) -> ConnectionView:
    """One of the organisation's connections; a 404 for any other id."""
    connection = await get_connection(caller.session, caller.organization.id, connection_id)
    return next(view for view in await _views(caller) if view.connection.id == connection.id)


def _kind(provider: str) -> ProviderKind:
    kind = kind_named(provider)
    if kind is None:
        raise NotFound(f"no provider {provider}")
    return kind


@router.get("/providers")
async def providers_page(request: Request, caller: AdminPageCallerDep) -> HTMLResponse:
    """The connections in sending order, and the providers one can connect."""
    views = await _views(caller)
    return render(
        request, "admin/providers/list.html", caller, views=views, kinds=list(kinds().values())
    )


@router.get("/providers/add/{provider}")
async def add_connection_page(
    request: Request, caller: AdminPageCallerDep, provider: str
) -> HTMLResponse:
    """The form to connect an account at ``provider``: its own fields and help."""
    return render(request, "admin/providers/add.html", caller, kind=_kind(provider), given={})


@router.post("/providers/add/{provider}")
async def add_connection_form(
    request: Request, caller: AdminPageCallerDep, provider: str, name: Text, sender: Text
) -> Response:
    """Check and store the connection; its page then gives the webhook URLs."""
    kind = _kind(provider)
    form = await request.form()
    given = {
        field.key: value
        for field in kind.fields
        if isinstance(value := form.get(FIELD + field.key), str)
    }
    try:
        if any(len(value) > LONGEST_FIELD for value in given.values()):
            raise InvalidInput(f"a field may have at most {LONGEST_FIELD:,} characters")
        made = await add_connection(
            caller.session, caller.runtime.secret, caller.organization.id,
            NewConnection(name, kind.name, sender, given), caller.runtime.clock.now(),
        )  # fmt: skip
    except InvalidInput as wrong:
        # Secrets are never sent back, not even the ones just typed.
        shown = {key: value for key, value in given.items() if not _secret(kind, key)}
        return render(
            request, "admin/providers/add.html", caller, status_code=wrong.http_status,
            kind=kind, given=shown, name=name, sender=sender, error=str(wrong),
        )  # fmt: skip
    return redirect(
        request,
        f"{PROVIDERS}/{made.id}",
        f"{kind.title} is connected as {made.name}. Give {kind.title} the webhook URLs below.",
    )


def _secret(kind: ProviderKind, key: str) -> bool:
    return any(field.key == key and field.secret for field in kind.fields)


@router.get("/providers/{connection_id}")
async def connection_page(
    request: Request, caller: AdminPageCallerDep, connection_id: str
) -> HTMLResponse:
    """One connection: its fields (secrets as their last characters), webhook URLs and a
    test text."""
    view = await _view(caller, connection_id)
    return render(request, "admin/providers/connection.html", caller, view=view)


@router.post("/providers/{connection_id}/test")
async def test_text_form(
    request: Request, caller: AdminPageCallerDep, connection_id: str, to: Text
) -> Response:
    """Send a test text through the connection and say what the provider answered."""
    try:
        message_id = await send_test_text(
            caller.session, caller.runtime.providers, caller.organization.id, connection_id, to
        )
    except SmsurveyError as wrong:  # a refusal, a bad number, credentials that do not decrypt
        view = await _view(caller, connection_id)
        return render(
            request, "admin/providers/connection.html", caller, status_code=wrong.http_status,
            view=view, to=to, error=str(wrong),
        )  # fmt: skip
    return redirect(
        request,
        f"{PROVIDERS}/{connection_id}",
        f"The provider took the test text to {to.strip()}: its id is {message_id}.",
    )


@router.post("/providers/{connection_id}/move")
async def move_form(
    request: Request,
    caller: AdminPageCallerDep,
    connection_id: str,
    direction: Annotated[Literal["up", "down"], Form()],
) -> Response:
    """Move a connection one place earlier or later in the sending order."""
    moved = await move_connection(
        caller.session, caller.organization.id, connection_id, -1 if direction == "up" else 1
    )
    first = moved[0]
    return redirect(request, PROVIDERS, f"Sending order saved: {first.name} sends first.")


@router.get("/providers/{connection_id}/delete")
async def delete_page(
    request: Request, caller: AdminPageCallerDep, connection_id: str
) -> HTMLResponse:
    """Ask before deleting a connection."""
    view = await _view(caller, connection_id)
    return render(request, "admin/providers/delete.html", caller, view=view)


@router.post("/providers/{connection_id}/delete")
async def delete_form(request: Request, caller: AdminPageCallerDep, connection_id: str) -> Response:
    """Delete the connection: it sends and receives nothing more."""
    gone = await delete_connection(
        caller.session, caller.organization.id, connection_id, caller.runtime.clock.now()
    )
    return redirect(request, PROVIDERS, f"{gone.name} is deleted; it sends nothing more.")


# The phone simulator --------------------------------------------------------------------


class PhoneText(SimulatedTextOut):
    """A text of a simulated phone's thread, for the page's script: the simulator API's
    view of it, and how it stands."""

    status: str

    @classmethod
    def of(cls, text: SimulatedText) -> PhoneText:
        """The thread's view of ``text``."""
        return cls(**SimulatedTextOut.of(text).model_dump(), status=_status(text))


def _status(text: SimulatedText) -> str:
    if text.direction == HandsetDirection.FROM_HANDSET:
        return "Sent from the phone"
    if text.reported_at is None:
        return "Sent"  # its delivery report has not gone back yet
    return (text.outcome or "delivered").capitalize()


async def _simulator(caller: PageCaller) -> Simulator:
    """The simulator, if the organisation sends through it; else a 404 that says why (the
    rule of the simulator's API)."""
    runtime = caller.runtime
    if await runtime.providers.serving(caller.session, caller.organization.id, SIMULATOR):
        return runtime.simulator
    if SIMULATOR not in runtime.providers.builtin:
        raise NotFound(
            "This smsurvey runs no simulator (SMSURVEY_SIMULATOR is false), so there are"
            " no simulated phones."
        )
    raise NotFound(
        "Your organisation sends through its own provider connection, so its texts go to real"
        " phones and there are no simulated ones. The simulator serves only organisations"
        " without a provider connection."
    )


def _handset(number: str) -> str:
    checked = check_phone(number, time_zones=False)
    if checked.e164 is None:
        raise InvalidInput(
            f"{number!r} is not a phone number ({checked.reason}): type it with its country"
            " code, such as +14155552671"
        )
    return checked.e164


async def _phone(
    request: Request, caller: PageCaller, simulator: Simulator, number: str, error: str = ""
) -> HTMLResponse:
    """The phone page: the phones with texts and, for a number, its thread (``error``
    says what was wrong with what was sent)."""
    organization_id = caller.organization.id
    context: dict[str, Any] = {"handsets": await simulator.handsets(organization_id)}
    if number:
        try:
            handset = _handset(number)
        except InvalidInput as wrong:
            error = error or str(wrong)
        else:
            thread = await simulator.inbox(organization_id, handset)
            context |= {"handset": handset, "thread": [PhoneText.of(text) for text in thread]}
    return render(
        request, "admin/phone/index.html", caller,
        status_code=InvalidInput.http_status if error else 200,
        number=number, error=error, **context,
    )  # fmt: skip


@router.get("/phone")
async def phone_page(
    request: Request,
    caller: SmsPageCallerDep,
    number: Annotated[str, Query(max_length=40)] = "",
) -> HTMLResponse:
    """The simulated phones that have texts, and one phone's thread with a reply box."""
    return await _phone(request, caller, await _simulator(caller), number)


@router.get("/phone/texts")
async def phone_texts(
    caller: SmsPageCallerDep,
    number: Annotated[str, Query(max_length=40)],
) -> list[PhoneText]:
    """A simulated phone's thread, oldest first (the page's script polls it)."""
    simulator = await _simulator(caller)
    thread = await simulator.inbox(caller.organization.id, _handset(number))
    return [PhoneText.of(text) for text in thread]


@router.post("/phone/texts")
async def type_text_form(
    request: Request,
    caller: SmsPageCallerDep,
    number: Annotated[str, Form(max_length=40)],
    text: Annotated[str, Form(max_length=1600)],
) -> Response:
    """Text ``text`` from the simulated phone to the number that last texted it (or the
    simulator's): what a respondent would do, at no cost."""
    simulator = await _simulator(caller)
    organization_id = caller.organization.id
    try:
        handset = _handset(number)
        if not text.strip():
            raise InvalidInput("type the text to send")
    except InvalidInput as wrong:
        return await _phone(request, caller, simulator, number, str(wrong))
    thread = await simulator.inbox(organization_id, handset)
    received = [t.counterpart for t in thread if t.direction == HandsetDirection.TO_HANDSET]
    to = received[-1] if received else caller.runtime.settings.simulator_number
    await simulator.type_on_handset(organization_id, handset, to, text.strip())
    return redirect(request, f"{PHONE}?number={quote(handset)}")
