"""The contacts API's bodies, in the Qualtrics v3 field names (dates as epoch milliseconds,
as XM Directory lists give them)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from smsurvey.contacts.service import ContactFields, ContactStats
from smsurvey.kit.envelope import Created
from smsurvey.models.contacts import Contact, Directory, MailingList

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def epoch_ms(moment: datetime) -> int:
    """``moment`` as milliseconds since the epoch."""
    return int(moment.timestamp() * 1000)


def lookup_id(mailing_list_id: str, contact_id: str) -> str:
    """The ``CGC_…`` id of a contact's membership of a list (stable, derived from both)."""
    number = int.from_bytes(hashlib.sha256(f"{mailing_list_id}/{contact_id}".encode()).digest())
    chars = []
    for _ in range(15):
        number, digit = divmod(number, 62)
        chars.append(_BASE62[digit])
    return "CGC_" + "".join(chars)


def _embedded(contact: Contact) -> dict[str, str]:
    return {key: str(value) for key, value in contact.embedded_data.items()}


class Deduplication(BaseModel):
    """Which field makes two contacts the same person."""

    email: bool
    firstName: bool = False
    lastName: bool = False
    externalDataReference: bool
    phone: bool


class DirectoryOut(BaseModel):
    """A directory (``POOL_…``)."""

    directoryId: str = Field(examples=["POOL_0Rk3vQa8gqPwQDP"])
    name: str
    contactCount: int
    isDefault: bool
    deduplicationCriteria: Deduplication

    @classmethod
    def of(cls, directory: Directory, count: int) -> DirectoryOut:
        """The API's view of ``directory``."""
        by = directory.dedupe_by
        return cls(
            directoryId=directory.id,
            name=directory.name,
            contactCount=count,
            isDefault=directory.is_default,
            deduplicationCriteria=Deduplication(
                email=by == "email", externalDataReference=by == "ext_ref", phone=by == "phone"
            ),
        )


class ContactIn(BaseModel):
    """A contact to create, or the fields to change (omitted ones stay as they are)."""

    model_config = ConfigDict(extra="ignore")

    firstName: str | None = Field(default=None, max_length=200, examples=["Ann"])
    lastName: str | None = Field(default=None, max_length=200, examples=["Lee"])
    email: str | None = Field(default=None, max_length=320, examples=["ann@example.org"])
    phone: str | None = Field(default=None, max_length=64, examples=["+14155552671"])
    extRef: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, max_length=16, examples=["EN"])
    embeddedData: dict[str, str] | None = Field(default=None, examples=[{"Store": "12"}])
    unsubscribed: bool | None = None

    def fields(self) -> ContactFields:
        """The service's view of the body."""
        return ContactFields(
            first_name=self.firstName,
            last_name=self.lastName,
            email=self.email,
            phone=self.phone,
            ext_ref=self.extRef,
            language=self.language,
            embedded_data=self.embeddedData,
        )


class NewContactIn(ContactIn):
    """A contact to create: at least one of its fields set (``unsubscribed`` alone is not a
    contact)."""

    @model_validator(mode="after")
    def _sets_a_field(self) -> NewContactIn:
        known = [name for name in ContactIn.model_fields if name != "unsubscribed"]
        if not any(_given(getattr(self, name)) for name in known):
            raise ValueError(f"a contact needs at least one of {', '.join(known)}")
        return self


def _given(value: str | dict[str, str] | None) -> bool:
    return bool(value.strip()) if isinstance(value, str) else bool(value)


class ContactOut(BaseModel):
    """A contact in a list of contacts."""

    contactId: str = Field(examples=["CID_0Rk3vQa8gqPwQDP"])
    firstName: str | None
    lastName: str | None
    email: str | None
    phone: str | None
    extRef: str | None
    language: str | None
    unsubscribed: bool
    embeddedData: dict[str, str] | None = None

    @classmethod
    def of(cls, contact: Contact, *, embedded: bool = False) -> ContactOut:
        """The API's view of ``contact``."""
        return cls(
            contactId=contact.id,
            firstName=contact.first_name,
            lastName=contact.last_name,
            email=contact.email,
            phone=contact.phone,
            extRef=contact.ext_ref,
            language=contact.language,
            unsubscribed=contact.opted_out,
            embeddedData={k: str(v) for k, v in contact.embedded_data.items()}
            if embedded
            else None,
        )


class Membership(BaseModel):
    """A contact's membership of one mailing list."""

    name: str
    contactLookupId: str
    unsubscribed: bool


class ContactStatsOut(BaseModel):
    """What was sent to a contact and what they answered (dates as epoch milliseconds)."""

    sentCount: int = Field(description="Texts handed to the provider.")
    lastSentDate: int | None
    responseCount: int = Field(description="Finished responses.")
    lastResponseDate: int | None

    @classmethod
    def of(cls, stats: ContactStats) -> ContactStatsOut:
        """The API's view of ``stats``."""
        return cls(
            sentCount=stats.sent,
            lastSentDate=_epoch_ms_or_none(stats.last_sent_at),
            responseCount=stats.responses,
            lastResponseDate=_epoch_ms_or_none(stats.last_response_at),
        )


def _epoch_ms_or_none(moment: datetime | None) -> int | None:
    return None if moment is None else epoch_ms(moment)


class ContactDetail(ContactOut):
    """One contact, with its embedded data, lists and figures."""

    creationDate: int
    lastModified: int
    mailingListMembership: dict[str, Membership]
    stats: ContactStatsOut


class SearchHit(BaseModel):
    """A contact found by a search (the search's own field names)."""

    id: str
    creationDate: int
    lastModified: int
    firstName: str | None
    lastName: str | None
    email: str | None
    phoneNumber: str | None
    externalDataReference: str | None
    language: str | None
    unsubscribed: bool
    stats: ContactStatsOut
    embeddedData: dict[str, str] | None = None

    @classmethod
    def of(cls, contact: Contact, stats: ContactStatsOut, *, embedded: bool) -> SearchHit:
        """The search's view of ``contact``."""
        return cls(
            id=contact.id,
            creationDate=epoch_ms(contact.created_at),
            lastModified=epoch_ms(contact.updated_at),
            firstName=contact.first_name,
            lastName=contact.last_name,
            email=contact.email,
            phoneNumber=contact.phone,
            externalDataReference=contact.ext_ref,
            language=contact.language,
            unsubscribed=contact.opted_out,
            stats=stats,
            embeddedData={k: str(v) for k, v in contact.embedded_data.items()}
            if embedded
            else None,
        )


FilterType = Literal["email", "extRef", "phone", "firstName", "lastName", "language"]
MAX_SEARCH_VALUE = 1_000
"""Longest value a filter compares with: longer than any contact field holds, and short
enough for SQLite's limit on a LIKE pattern."""
MAX_SEARCH_NESTING = 10
"""Deepest a filter nests conjunctions."""
MAX_SEARCH_CONDITIONS = 100
"""Most comparisons in one filter (each is a query parameter)."""


class Condition(BaseModel):
    """One comparison: ``{"filterType": "email", "comparison": "eq", "value": "…"}``."""

    filterType: FilterType
    comparison: Literal["eq", "ne", "contains"] = "eq"
    value: str = Field(max_length=MAX_SEARCH_VALUE)


def _kind(node: object) -> str:
    if isinstance(node, dict):
        return "conjunction" if "conjunction" in node else "comparison"
    return "conjunction" if isinstance(node, Conjunction) else "comparison"


Filter = Annotated[
    Annotated[Condition, Tag("comparison")] | Annotated["Conjunction", Tag("conjunction")],
    Discriminator(_kind),
]
"""A comparison, or a conjunction of filters (told apart by a ``conjunction`` key)."""


class Conjunction(BaseModel):
    """Several filters joined: ``{"conjunction": "and", "filters": […]}``."""

    conjunction: Literal["and", "or"]
    filters: list[Filter] = Field(min_length=1)


class SearchIn(BaseModel):
    """A contact search."""

    filter: Filter

    @model_validator(mode="after")
    def _bounded(self) -> SearchIn:
        conditions, pending = 0, [(self.filter, 0)]
        while pending:
            node, depth = pending.pop()
            if isinstance(node, Condition):
                conditions += 1
            elif depth == MAX_SEARCH_NESTING:
                raise ValueError(f"filters nest at most {MAX_SEARCH_NESTING} conjunctions deep")
            else:
                pending.extend((child, depth + 1) for child in node.filters)
        if conditions > MAX_SEARCH_CONDITIONS:
            raise ValueError(f"a filter holds at most {MAX_SEARCH_CONDITIONS} comparisons")
        return self


class MemberOut(ContactOut):
    """A contact of a mailing list, with its membership's id."""

    contactLookupId: str = Field(examples=["CGC_0Rk3vQa8gqPwQDP"])
    mailingListId: str


class MemberCreated(Created):
    """A contact put in a mailing list: the contact and its membership."""

    contactLookupId: str


class MailingListIn(BaseModel):
    """A mailing list to create or rename."""

    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=1, max_length=200, examples=["Spring 2026"])


class MailingListOut(BaseModel):
    """A mailing list (``CG_…``)."""

    mailingListId: str = Field(examples=["CG_0Rk3vQa8gqPwQDP"])
    name: str
    ownerId: str
    creationDate: int
    lastModifiedDate: int
    contactCount: int

    @classmethod
    def of(cls, mailing_list: MailingList, count: int, owner: str) -> MailingListOut:
        """The API's view of ``mailing_list``."""
        created = epoch_ms(mailing_list.created_at)
        return cls(
            mailingListId=mailing_list.id,
            name=mailing_list.name,
            ownerId=owner,
            creationDate=created,
            lastModifiedDate=created,
            contactCount=count,
        )
