"""The provider contract: one :class:`ProviderCase` per provider, holding what differs between
them, for the runner in ``test_contract.py`` (as nyaruka/courier tests its channel handlers).

A case says how to run the provider's fake (and forge its callbacks), how to build the adapter
for the fake's URL, what a send request looks like at the fake, how the provider refuses a text,
what its status values mean, how its inbound texts are named, and what it tells of a text whose
hand-over was uncertain. The runner checks the same behaviour for every case, and so do the
other runners over :data:`CASES`: reconciliation (``test_lookups.py``), reports that settle an
uncertain text (``test_settling_reports.py``), callbacks sent twice (``test_replays.py``) and a
2-way survey end to end (``test_end_to_end.py``). A new provider gets all of them by adding its
case to :data:`CASES`; a provider's own test file holds only its quirks.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
from cryptography.hazmat.primitives.asymmetric import rsa

from smsurvey.providers import (
    infobip,
    link_mobility,
    messagebird,
    messagemedia,
    sinch,
    twilio,
    vonage,
)
from smsurvey.providers.base import (
    Connection,
    DeliveryStatus,
    OutboundSms,
    Provider,
    ProviderKind,
    WebhookRequest,
    text_reference,
)
from tests.fakes import infobip as fake_infobip
from tests.fakes import link_mobility as fake_link
from tests.fakes import messagebird as fake_messagebird
from tests.fakes import messagemedia as fake_messagemedia
from tests.fakes import sinch as fake_sinch
from tests.fakes import twilio as fake_twilio
from tests.fakes import vonage as fake_vonage
from tests.fakes.base import Callback, FakeProvider, Fault

ORG = "OR_1234567abcdefgh"
PUBLIC_URL = "https://x.test"
"""Our address, as the connection's ``public_url``: callback URLs point there."""
RESPONDENT = "+14155552671"

Status = DeliveryStatus


@dataclass(frozen=True, slots=True)
class Wire:
    """A send request as the provider got it: the fields the runner checks."""

    to: str
    sender: str
    body: str
    callback_url: str | None = None
    reference: str | None = None


Reader = Callable[[Mapping[str, str]], Wire]


def flat(callback: str | None = None, reference: str | None = None) -> Reader:
    """Reads a fake's flattened fields (``to``, ``from``, ``text``); ``callback`` and
    ``reference`` name the fields that carry our status URL and our reference."""

    def read(fields: Mapping[str, str]) -> Wire:
        return Wire(
            fields["to"],
            fields["from"],
            fields["text"],
            (fields.get(callback) or None) if callback else None,
            (fields.get(reference) or None) if reference else None,
        )

    return read


@dataclass(frozen=True, slots=True)
class Refusal:
    """A refusal the fake gives and how the adapter must classify it."""

    fault: Fault
    retryable: bool
    code: str | None = None
    retry_after: float | None = None

    def __str__(self) -> str:
        code = f"-{self.fault.code}" if self.fault.code else ""
        wait = "-wait" if self.fault.retry_after else ""
        return f"{self.fault.kind}{code}{wait}"


@dataclass(frozen=True, slots=True)
class Coded:
    """A status report with an error code: the provider's ``raw`` status and ``code``, the
    domain status they make, and the error code the report keeps (``kept``)."""

    raw: str
    code: str | int | None
    status: DeliveryStatus
    kept: str | None


Coder = Callable[[Any, str, str, str, Any], Callback]
"""Builds a signed status callback: ``(fake, url, message_id, raw status, error code)``."""


@dataclass(frozen=True, slots=True)
class Incoming:
    """What an inbound callback names the text by: the provider's id, and when it came."""

    provider_message_id: str
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """What a provider tells of a text whose hand-over was uncertain."""

    tells: bool
    """It can be asked, and says whether it has a text."""
    waits: bool
    """Its records may miss a text for a while after the request: until then, ask again."""
    echoes: bool
    """Its delivery reports carry our reference (so a report settles such a text)."""


@dataclass(frozen=True, slots=True)
class ProviderCase:
    """One provider as the contract runner drives it (see the module docstring)."""

    kind: ProviderKind
    fake: Callable[..., FakeProvider]
    """Makes the provider's fake (``async with`` runs it); keyword arguments set its
    options (``clock``, ``delay``…)."""
    forgers: tuple[Callable[[], FakeProvider], ...]
    """The same fake with other credentials, each signing (or authenticating) callbacks as
    someone who is not the connection's provider account."""
    fields: Mapping[str, str]
    """The connection fields that authenticate against the fake (``api_url`` is added)."""
    text: OutboundSms
    """A sample text: from our number at the provider to a respondent."""
    read: Reader
    """Reads a send request back from the fields the fake recorded."""
    content_type: str
    """The media type of a send request."""
    callback: bool
    """Each text names our status URL (else the provider's own set-up sends the reports)."""
    reference: bool
    """The adapter sends our reference with each text."""
    wrong: Mapping[str, str]
    """Connection fields with a credential the provider refuses."""
    wrong_code: str | None
    """The error code of that refusal."""
    refusals: tuple[Refusal, ...]
    """Every refusal class (throttled, with and without ``Retry-After``; server error;
    permanent) in the provider's shapes, and the codes it uses."""
    statuses: tuple[tuple[str, DeliveryStatus], ...]
    """Each status value the provider reports (and a few it might), and the domain status it
    means; a report made by ``fake.status_callback``."""
    reported_at: datetime | None
    """When the fake's status reports say the status came (``None``: the adapter reads none)."""
    coded: Coder | None
    """Builds a report with an error code, where the provider's reports carry one."""
    codes: tuple[Coded, ...]
    """Error codes that change a status (blocked, bounced) or are kept with it."""
    inbound: Callable[[Callback], Incoming]
    """Reads the id (and time) of the text in one of the fake's inbound callbacks."""
    credentials: tuple[str, str] | None
    """For providers whose callbacks carry no signature but HTTP Basic credentials, the
    connection fields holding the username and password; ``None`` for signed callbacks."""
    unreadable: tuple[WebhookRequest, ...]
    """Callbacks that are not this provider's: reading them raises."""
    reconciliation: Reconciliation
    """What asking the provider about a text whose hand-over was uncertain gives, for the
    runner in ``test_lookups.py`` (and the reports that settle such a text, in
    ``test_settling_reports.py``)."""

    def __str__(self) -> str:
        return self.kind.name

    @property
    def name(self) -> str:
        """The provider's segment in our receive URLs, and the case's test id."""
        return self.kind.name

    def connect(
        self,
        http: aiohttp.ClientSession,
        url: str,
        *,
        public_url: str | None = PUBLIC_URL,
        **fields: str,
    ) -> Provider:
        """The adapter of a connection to the provider at ``url`` (``fields`` overriding)."""
        given = {**self.fields, "api_url": url, **fields}
        connection = Connection(ORG, given, self.text.sender, public_url, lambda: http)
        return self.kind.connect(connection)

    def url(self, what: str) -> str:
        """Our receive URL for ``what`` (``status`` or ``message``) callbacks."""
        return (
            f"{PUBLIC_URL}/distribution-providers/v1/receive/distribution/{what}/{self.name}/{ORG}"
        )

    def wire(self, number: str) -> str:
        """A number as the provider's API takes it."""
        return number if self.kind.plus_sign else number.removeprefix("+")

    def raw(self, status: DeliveryStatus) -> str:
        """The first of the provider's status values that means ``status``."""
        return next(raw for raw, mapped in self.statuses if mapped is status)


def _text(sender: str, to: str = RESPONDENT) -> OutboundSms:
    return OutboundSms(text_reference(ORG, 42), ORG, sender, to, "Hi Ann")


def _json(callback: Callback) -> Any:
    return json.loads(callback.body)


def _form(callback: Callback) -> dict[str, str]:
    return dict(parse_qsl(callback.body.decode()))


def _posted(*bodies: bytes, content_type: str | None = None) -> tuple[WebhookRequest, ...]:
    headers = {"content-type": content_type} if content_type else {}
    return tuple(WebhookRequest("POST", f"{PUBLIC_URL}/in", headers, body) for body in bodies)


def _messagemedia_wire(fields: Mapping[str, str]) -> Wire:
    """MessageMedia carries our reference in the text's ``metadata``."""
    wire = flat(callback="callback_url")(fields)
    return replace(wire, reference=json.loads(fields["metadata"])["reference"])


TWILIO = ProviderCase(
    kind=twilio.KIND,
    fake=fake_twilio.FakeTwilio,
    forgers=(partial(fake_twilio.FakeTwilio, auth_token="another"),),
    fields=fake_twilio.FIELDS,
    text=_text("+15005550006"),
    read=flat(callback="StatusCallback"),
    content_type="application/x-www-form-urlencoded",
    callback=True,
    reference=False,
    wrong={"auth_token": "wrong"},
    wrong_code="20003",
    refusals=(
        Refusal(Fault("throttle", retry_after=3), True, "20429", 3.0),
        Refusal(Fault("throttle", code="63018"), True, "63018"),
        Refusal(Fault("server"), True),
        Refusal(Fault("permanent", code="21211"), False, "21211"),
        Refusal(Fault("permanent", code="21610"), False, "21610"),
    ),
    statuses=(
        ("sent", Status.SENT),
        ("delivered", Status.DELIVERED),
        ("read", Status.DELIVERED),
        ("undelivered", Status.BOUNCED),
        ("failed", Status.FAILED),
        ("canceled", Status.FAILED),
        ("partially_delivered", Status.UNKNOWN),
    ),
    reported_at=None,
    coded=lambda fake, url, message_id, raw, code: fake._signed(
        url, {"MessageSid": message_id, "MessageStatus": raw, "ErrorCode": code}
    ),
    codes=(
        Coded("undelivered", "30003", Status.BOUNCED, "30003"),
        Coded("undelivered", "21610", Status.BLOCKED, "21610"),
        Coded("undelivered", "30004", Status.BLOCKED, "30004"),
        Coded("failed", "30007", Status.BLOCKED, "30007"),
    ),
    inbound=lambda callback: Incoming(_form(callback)["MessageSid"]),
    credentials=None,
    unreadable=(),
    reconciliation=Reconciliation(tells=True, waits=False, echoes=False),
)

INFOBIP = ProviderCase(
    kind=infobip.KIND,
    fake=fake_infobip.FakeInfobip,
    forgers=(
        partial(fake_infobip.FakeInfobip, webhook_password="guess"),
        partial(fake_infobip.FakeInfobip, webhook_username="admin"),
    ),
    fields=fake_infobip.FIELDS,
    text=_text("+41793026700", "+41793026727"),
    read=flat(callback="delivery_url", reference="reference"),
    content_type="application/json",
    callback=True,
    reference=True,
    wrong={"api_key": "wrong"},
    wrong_code="E401",
    refusals=(
        Refusal(Fault("throttle", retry_after=3), True, "E429", 3.0),
        Refusal(Fault("throttle"), True, "E429"),
        Refusal(Fault("server"), True, "E500"),
        Refusal(Fault("permanent"), False, "REJECTED_DESTINATION"),
        *(
            Refusal(Fault("permanent", code=code), False, code)
            for code in ("REJECTED_PREFIX_MISSING", "REJECTED_DND", "SIGNALS_BLOCKED", "E400")
        ),
        Refusal(Fault("permanent", code="REJECTED_SYSTEM_ERROR"), True, "REJECTED_SYSTEM_ERROR"),
    ),
    statuses=(
        ("PENDING_WAITING_DELIVERY", Status.SENT),
        ("PENDING_ENROUTE", Status.SENT),
        ("PENDING_ACCEPTED", Status.SENT),
        ("UNDELIVERABLE_REJECTED_OPERATOR", Status.BOUNCED),
        ("UNDELIVERABLE_NOT_DELIVERED", Status.BOUNCED),
        ("UNDELIVERABLE_NOT_SENT", Status.BOUNCED),
        ("DELIVERED_TO_OPERATOR", Status.SENT),
        ("DELIVERED_TO_HANDSET", Status.DELIVERED),
        ("EXPIRED_EXPIRED", Status.BOUNCED),
        ("EXPIRED_DLR_UNKNOWN", Status.BOUNCED),
        ("REJECTED_NETWORK", Status.FAILED),
        ("REJECTED_PREFIX_MISSING", Status.FAILED),
        ("REJECTED_DND", Status.BLOCKED),
        ("REJECTED_SOURCE", Status.FAILED),
        ("REJECTED_NOT_ENOUGH_CREDITS", Status.FAILED),
        ("REJECTED_SENDER", Status.FAILED),
        ("REJECTED_DESTINATION_BLOCKLISTED", Status.BLOCKED),
        ("REJECTED_PREPAID_PACKAGE_EXPIRED", Status.FAILED),
        ("REJECTED_DESTINATION_NOT_REGISTERED", Status.FAILED),
        ("REJECTED_ROUTE_NOT_AVAILABLE", Status.FAILED),
        ("REJECTED_FLOODING_FILTER", Status.FAILED),
        ("REJECTED_SYSTEM_ERROR", Status.FAILED),
        ("REJECTED_INVALID_UDH", Status.FAILED),
        ("REJECTED_MESSAGE_TOO_LONG", Status.FAILED),
        ("MISSING_TO", Status.FAILED),
        ("REJECTED_DESTINATION", Status.FAILED),
        ("SIGNALS_BLOCKED", Status.BLOCKED),
        ("UNDELIVERABLE_REJECTED_PLATFORM", Status.FAILED),
    ),
    reported_at=datetime(2024, 5, 1, 10, 0, 5, 123000, tzinfo=UTC),
    coded=lambda fake, url, message_id, raw, code: fake.reports_callback(
        url, [fake.report(message_id, raw, error=code)]
    ),
    codes=(
        Coded("DELIVERED_TO_HANDSET", "NO_ERROR", Status.DELIVERED, None),
        *(
            Coded(raw, code, status, code)
            for raw, code, status in (
                ("UNDELIVERABLE_NOT_DELIVERED", "EC_UNKNOWN_SUBSCRIBER", Status.BOUNCED),
                ("EXPIRED_EXPIRED", "EC_ABSENT_SUBSCRIBER", Status.BOUNCED),
                ("UNDELIVERABLE_NOT_DELIVERED", "EC_CONTENT_BLOCKED", Status.BLOCKED),
                ("UNDELIVERABLE_NOT_DELIVERED", "EC_SC_BLOCKED_BY_END_USER", Status.BLOCKED),
                ("REJECTED_DESTINATION", "EC_BLACKLISTED_DESTINATIONADDRESS", Status.BLOCKED),
            )
        ),
    ),
    inbound=lambda callback: Incoming(
        _json(callback)["results"][0]["messageId"], datetime(2024, 5, 1, 10, 1, tzinfo=UTC)
    ),
    credentials=("webhook_username", "webhook_password"),
    unreadable=_posted(b"not json", b"{}", b'{"results": {}}', b'{"results": [{}]}'),
    reconciliation=Reconciliation(tells=True, waits=True, echoes=True),
)

LINK_MOBILITY = ProviderCase(
    kind=link_mobility.KIND,
    fake=fake_link.FakeLinkMobility,
    forgers=(
        partial(fake_link.FakeLinkMobility, password="another"),
        partial(fake_link.FakeLinkMobility, username="someone"),
    ),
    fields=fake_link.FIELDS,
    text=_text("+35312345678", "+4799999999"),
    read=flat(reference="refId"),
    content_type="application/json",
    callback=False,
    reference=True,
    wrong={"password": "wrong"},
    wrong_code="106100",
    refusals=(
        Refusal(Fault("throttle", retry_after=3), True, None, 3.0),
        Refusal(Fault("throttle", code="3"), True, "3"),
        Refusal(Fault("server"), True),
        Refusal(Fault("permanent"), False, "106000"),
        Refusal(Fault("permanent", code="106101"), False, "106101"),
        Refusal(Fault("permanent", code="106300"), False, "106300"),
        Refusal(Fault("permanent", code="2106"), False, "2106"),
        Refusal(Fault("permanent", code="2105"), False, "2105"),
        Refusal(Fault("permanent", code="3"), True, "3"),
    ),
    statuses=(
        *((str(code), Status.SENT) for code in (1000, 1005, 1008, 1011, 1012, 1013)),
        *((str(code), Status.DELIVERED) for code in (1001, 1007)),
        *(
            (str(code), Status.BOUNCED)
            for code in (4, 5, 1002, 1003, 1004, 1006, 1009, 1010, 2104, 2106)
        ),
        *((str(code), Status.BLOCKED) for code in (2103, 2105, 2107, 2205)),
        *(
            (str(code), Status.FAILED)
            for code in (
                *(0, 1, 2, 3, 6, 104, 105),
                *(2000, 2001, 2002, 2003, 2100, 2101, 2102),
                *(2200, 2201, 2202, 2203, 2204, 2206, 2207),
                *(3000, 3001, 3002),
                *(4000, 4001, 4002, 4003, 4004, 4005, 4006, 4007),
            )
        ),
        ("9999", Status.UNKNOWN),
        ("DELIVRD", Status.UNKNOWN),
    ),
    reported_at=datetime(2015, 11, 19, 9, 37, tzinfo=UTC),
    coded=None,
    codes=(),
    inbound=lambda callback: Incoming(
        _json(callback)["messageId"], datetime(2015, 11, 19, 9, 37, tzinfo=UTC)
    ),
    credentials=("username", "password"),
    unreadable=_posted(
        b"not json",
        b"[]",
        b'{"id": "M1"}',
        b'{"resultCode": 1001}',
        content_type="application/json",
    ),
    reconciliation=Reconciliation(tells=False, waits=False, echoes=True),
)

MESSAGEBIRD = ProviderCase(
    kind=messagebird.KIND,
    fake=fake_messagebird.FakeMessageBird,
    forgers=(partial(fake_messagebird.FakeMessageBird, signing_key="f" * 64),),
    fields=fake_messagebird.FIELDS,
    text=_text("+15005550006"),
    read=flat(callback="reportUrl", reference="reference"),
    content_type="application/json",
    callback=True,
    reference=True,
    wrong={"access_key": "wrong"},
    wrong_code="2",
    refusals=(
        Refusal(Fault("throttle", retry_after=3), True, None, 3.0),
        Refusal(Fault("throttle"), True),
        Refusal(Fault("server"), True),
        Refusal(Fault("server", code="99"), True, "99"),
        Refusal(Fault("permanent"), False, "9"),
        Refusal(Fault("permanent", code="10"), False, "10"),
        Refusal(Fault("permanent", code="21"), False, "21"),
        Refusal(Fault("permanent", code="25"), False, "25"),
    ),
    statuses=(
        ("scheduled", Status.SENT),
        ("sent", Status.SENT),
        ("buffered", Status.SENT),
        ("delivered", Status.DELIVERED),
        ("expired", Status.BOUNCED),
        ("delivery_failed", Status.BOUNCED),
        ("in_limbo", Status.UNKNOWN),
    ),
    reported_at=datetime(2024, 5, 3, 8, 58, 10, tzinfo=UTC),
    coded=lambda fake, url, message_id, raw, code: fake.status_callback(
        url, message_id, raw, error_code=code
    ),
    codes=(
        Coded("delivery_failed", "1", Status.BOUNCED, "1"),
        Coded("delivery_failed", "103", Status.BLOCKED, "103"),
    ),
    inbound=lambda callback: Incoming(
        _form(callback)["id"], datetime.fromisoformat(_form(callback)["createdDatetime"])
    ),
    credentials=None,
    unreadable=(WebhookRequest("GET", f"{PUBLIC_URL}/in?id=mb1", {}, b"", {"id": "mb1"}),),
    reconciliation=Reconciliation(tells=True, waits=False, echoes=True),
)

OTHER_RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
"""A signature key that is not the connection's."""

MESSAGEMEDIA = ProviderCase(
    kind=messagemedia.KIND,
    fake=fake_messagemedia.FakeMessageMedia,
    forgers=(partial(fake_messagemedia.FakeMessageMedia, private_key=OTHER_RSA_KEY),),
    fields=fake_messagemedia.FIELDS,
    text=_text("+15005550006"),
    read=_messagemedia_wire,
    content_type="application/json",
    callback=True,
    reference=True,
    wrong={"password": "wrong"},
    wrong_code=None,
    refusals=(
        Refusal(Fault("throttle", retry_after=3), True, None, 3.0),
        Refusal(Fault("throttle"), True),
        Refusal(Fault("server"), True),
        Refusal(Fault("permanent"), False),
    ),
    statuses=(
        ("queued", Status.SENT),
        ("scheduled", Status.SENT),
        ("processing", Status.SENT),
        ("processed", Status.SENT),
        ("held", Status.SENT),
        ("enroute", Status.SENT),
        ("submitted", Status.SENT),
        ("delivered", Status.DELIVERED),
        ("READ", Status.DELIVERED),
        ("expired", Status.BOUNCED),
        ("undeliverable", Status.BOUNCED),
        ("failed", Status.BOUNCED),
        ("rejected", Status.FAILED),
        ("cancelled", Status.FAILED),
        ("OPT_OUT_SMS", Status.BLOCKED),
        ("UNDEFINED", Status.UNKNOWN),
        ("vanished", Status.UNKNOWN),
    ),
    reported_at=datetime(2016, 11, 3, 11, 49, 1, 551000, tzinfo=UTC),
    coded=lambda fake, url, message_id, raw, code: fake.signed(
        url, {"message_id": message_id, "status": raw, "error_code": code}
    ),
    codes=(
        Coded("delivered", "220", Status.DELIVERED, "220"),
        Coded("rejected", "302", Status.BLOCKED, "302"),
        Coded("rejected", 412, Status.BLOCKED, "412"),
        Coded("rejected", "411", Status.FAILED, "411"),
        Coded("rejected", "", Status.FAILED, None),
    ),
    inbound=lambda callback: Incoming(
        _json(callback)["reply_id"], datetime(2016, 11, 3, 11, 49, 2, 807000, tzinfo=UTC)
    ),
    credentials=None,
    unreadable=_posted(b"status=delivered", b"[]", b'{"status":"sent"}'),
    reconciliation=Reconciliation(tells=True, waits=True, echoes=True),
)

SINCH = ProviderCase(
    kind=sinch.KIND,
    fake=fake_sinch.FakeSinch,
    forgers=(partial(fake_sinch.FakeSinch, webhook_secret="another"),),
    fields=fake_sinch.FIELDS,
    text=_text("+15005550006"),
    read=flat(reference="correlation_id"),
    content_type="application/json",
    callback=False,
    reference=True,
    wrong={"client_secret": "wrong"},
    wrong_code="invalid_client",
    refusals=(
        Refusal(Fault("throttle", retry_after=3), True, "RESOURCE_EXHAUSTED", 3.0),
        Refusal(Fault("throttle"), True, "RESOURCE_EXHAUSTED"),
        Refusal(Fault("server"), True, "UNAVAILABLE"),
        Refusal(Fault("server", code="INTERNAL"), True, "INTERNAL"),
        Refusal(Fault("permanent"), False, "INVALID_ARGUMENT"),
        Refusal(Fault("permanent", code="PERMISSION_DENIED"), False, "PERMISSION_DENIED"),
        Refusal(Fault("permanent", code="NOT_FOUND"), False, "NOT_FOUND"),
    ),
    statuses=(
        ("QUEUED_ON_CHANNEL", Status.SENT),
        ("SWITCHING_CHANNEL", Status.SENT),
        ("DELIVERED", Status.DELIVERED),
        ("READ", Status.DELIVERED),
        ("FAILED", Status.BOUNCED),
        ("PARTIALLY_DELIVERED", Status.UNKNOWN),
    ),
    reported_at=datetime(2024, 5, 1, 10, 0, 1, tzinfo=UTC),
    coded=lambda fake, url, message_id, raw, code: fake.status_callback(
        url, message_id, raw, reason=code
    ),
    codes=(
        Coded("DELIVERED", None, Status.DELIVERED, None),
        *(
            Coded("FAILED", reason, status, reason)
            for reason, status in (
                ("RECIPIENT_NOT_REACHABLE", Status.BOUNCED),
                ("RECIPIENT_INVALID_CHANNEL_IDENTITY", Status.BOUNCED),
                ("NO_CHANNEL_IDENTITY_FOR_CONTACT", Status.BOUNCED),
                ("DELIVERY_TIMED_OUT", Status.BOUNCED),
                ("MESSAGE_EXPIRED", Status.BOUNCED),
                ("RECIPIENT_NOT_OPTED_IN", Status.BLOCKED),
                ("DELIVERY_REJECTED_DUE_TO_POLICY", Status.BLOCKED),
                ("CHANNEL_REJECT", Status.BLOCKED),
                ("CHANNEL_BAD_CONFIGURATION", Status.FAILED),
                ("CHANNEL_FAILURE", Status.FAILED),
                ("RATE_LIMITED", Status.FAILED),
                ("INTERNAL_ERROR", Status.FAILED),
                ("UNKNOWN", Status.FAILED),
            )
        ),
    ),
    inbound=lambda callback: Incoming(
        _json(callback)["message"]["id"], datetime(2024, 5, 1, 10, 0, 1, 456000, tzinfo=UTC)
    ),
    credentials=None,
    unreadable=_posted(b"not json", b"[]", b'{"message_delivery_report": "x"}'),
    reconciliation=Reconciliation(tells=True, waits=True, echoes=True),
)

VONAGE = ProviderCase(
    kind=vonage.KIND,
    fake=fake_vonage.FakeVonage,
    forgers=(
        partial(fake_vonage.FakeVonage, signature_secret="another"),
        partial(fake_vonage.FakeVonage, signature_method="sha512"),
    ),
    fields=fake_vonage.FIELDS,
    text=_text("+15005550006"),
    read=flat(callback="callback", reference="client-ref"),
    content_type="application/x-www-form-urlencoded",
    callback=True,
    reference=True,
    wrong={"api_secret": "wrong"},
    wrong_code="4",
    refusals=(
        Refusal(Fault("throttle", retry_after=0.25), True, "1", 0.25),
        Refusal(Fault("throttle"), True, "1"),
        Refusal(Fault("throttle", code="429", retry_after=3), True, None, 3.0),
        Refusal(Fault("server"), True),
        Refusal(Fault("server", code="5"), True, "5"),
        Refusal(Fault("server", code="10"), True, "10"),
        Refusal(Fault("permanent"), False, "3"),
        *(Refusal(Fault("permanent", code=code), False, code) for code in ("2", "6", "7", "9")),
        *(Refusal(Fault("permanent", code=code), False, code) for code in ("15", "29")),
    ),
    statuses=(
        ("accepted", Status.SENT),
        ("buffered", Status.SENT),
        ("unknown", Status.SENT),
        ("delivered", Status.DELIVERED),
        ("expired", Status.BOUNCED),
        ("failed", Status.BOUNCED),
        ("rejected", Status.FAILED),
        ("submitted", Status.UNKNOWN),
    ),
    reported_at=None,
    coded=lambda fake, url, message_id, raw, code: fake.signed(
        url, {"messageId": message_id, "status": raw, "err-code": code}
    ),
    codes=(
        Coded("failed", "53", Status.BLOCKED, "53"),
        Coded("rejected", "6", Status.BLOCKED, "6"),
        Coded("expired", "14", Status.BLOCKED, "14"),
        Coded("failed", "3", Status.BOUNCED, "3"),
        Coded("delivered", "0", Status.DELIVERED, None),
    ),
    inbound=lambda callback: Incoming(_json(callback)["messageId"]),
    credentials=None,
    unreadable=_posted(
        b'{"status": "delivered"}', b'{"text": "hi"}', b"[]", content_type="application/json"
    ),
    reconciliation=Reconciliation(tells=True, waits=True, echoes=True),
)

CASES = (TWILIO, INFOBIP, LINK_MOBILITY, MESSAGEBIRD, MESSAGEMEDIA, SINCH, VONAGE)
