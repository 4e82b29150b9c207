"""Transactions, transaction batches and samples of a directory, in the v3 dialect."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from smsurvey.accounts.dependencies import CallerDep
from smsurvey.contacts import service
from smsurvey.contacts.endpoints import directory_of
from smsurvey.kit.envelope import Created, Envelope, Page, envelope
from smsurvey.kit.errors import InvalidInput, SmsurveyError
from smsurvey.kit.pagination import Paged, page_of, read_ahead
from smsurvey.models.contacts import Transaction, TransactionBatch

router = APIRouter(prefix="/directories/{directoryId}", tags=["transactions"])
TRANSACTION_DATE = "%Y-%m-%d %H:%M:%S"


class TransactionIn(BaseModel):
    """One transaction to record."""

    model_config = ConfigDict(extra="ignore")

    contactId: str = Field(examples=["CID_0Rk3vQa8gqPwQDP"])
    mailingListId: str | None = None
    transactionDate: str | None = Field(default=None, examples=["2026-11-20 14:30:00"])
    data: dict[str, Any] = Field(default_factory=dict, examples=[{"Store": "12"}])


class Unprocessed(BaseModel):
    """Why a transaction was not recorded."""

    error: str
    errorMessage: str


class TransactionsOut(BaseModel):
    """What was recorded, by the caller's keys, and what was not."""

    createdTransactions: dict[str, Created]
    unprocessedTransactions: dict[str, Unprocessed]


class TransactionOut(BaseModel):
    """A recorded transaction."""

    transactionId: str = Field(examples=["CTR_0Rk3vQa8gqPwQDP"])
    contactId: str
    mailingListId: str | None
    transactionDate: str
    data: dict[str, Any]

    @classmethod
    def of(cls, transaction: Transaction) -> TransactionOut:
        """The API's view of ``transaction``."""
        return cls(
            transactionId=transaction.id,
            contactId=transaction.contact_id,
            mailingListId=transaction.mailing_list_id,
            transactionDate=transaction.transaction_date.astimezone(UTC).strftime(TRANSACTION_DATE),
            data=transaction.data,
        )


class BatchIn(BaseModel):
    """A batch of transactions (``createdDate`` is taken for ``creationDate`` too)."""

    model_config = ConfigDict(extra="ignore")

    transactionIds: list[str] = Field(min_length=1, examples=[["CTR_0Rk3vQa8gqPwQDP"]])
    creationDate: str | None = None
    createdDate: str | None = None


class BatchOut(BaseModel):
    """A transaction batch."""

    batchId: str = Field(examples=["BT_0Rk3vQa8gqPwQDP"])
    creationDate: str = Field(examples=["2026-11-21 09:00:00"])

    @classmethod
    def of(cls, batch: TransactionBatch) -> BatchOut:
        """The API's view of ``batch``."""
        created = batch.created_at.astimezone(UTC).strftime(TRANSACTION_DATE)
        return cls(batchId=batch.id, creationDate=created)


class SampleIn(BaseModel):
    """A random sample of a mailing list: a size or a percentage of it."""

    model_config = ConfigDict(extra="ignore")

    parentId: str = Field(examples=["CG_0Rk3vQa8gqPwQDP"])
    name: str = Field(min_length=1, max_length=200)
    maxSampleSize: int | None = Field(default=None, ge=1)
    samplePercentage: float | None = Field(default=None, gt=0, le=100)

    @model_validator(mode="after")
    def _one(self) -> SampleIn:
        if (self.maxSampleSize is None) == (self.samplePercentage is None):
            raise ValueError("give exactly one of maxSampleSize or samplePercentage")
        return self


class SampleOut(BaseModel):
    """The sample made (a mailing list a distribution can target as ``sampleId``)."""

    sampleId: str = Field(examples=["CG_0Rk3vQa8gqPwQDQ"])
    progressId: str


def _when(raw: str | None) -> datetime | None:
    if not raw:
        return None
    for pattern in (TRANSACTION_DATE, "%Y-%m-%dT%H:%M:%SZ"):
        try:
            return datetime.strptime(raw, pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise InvalidInput(f"transactionDate {raw!r}: write it YYYY-MM-DD HH:MM:SS (UTC)")


@router.post("/transactions", operation_id="createTransactions")
async def create_transactions(
    request: Request, caller: CallerDep, directoryId: str, body: dict[str, TransactionIn]
) -> Envelope[TransactionsOut]:
    """Record transactions keyed by the caller's own keys; each one that cannot be recorded
    is reported under its key, the others are kept."""
    created: dict[str, Created] = {}
    unprocessed: dict[str, Unprocessed] = {}
    clock, session = caller.runtime.clock, caller.session
    directory = await directory_of(caller, directoryId)
    for key, item in body.items():
        try:
            async with session.begin_nested():
                contact = await service.get_directory_contact(session, directory, item.contactId)
                mailing_list = (
                    await service.get_directory_mailing_list(session, directory, item.mailingListId)
                    if item.mailingListId
                    else None
                )
                made = await service.create_transaction(
                    session, contact, item.data, transaction_date=_when(item.transactionDate),
                    mailing_list=mailing_list, clock=clock,
                )  # fmt: skip
            created[key] = Created(id=made.id)
        except SmsurveyError as error:
            unprocessed[key] = Unprocessed(error=error.code, errorMessage=str(error))
    result = TransactionsOut(createdTransactions=created, unprocessedTransactions=unprocessed)
    return envelope(request, result)


@router.post("/transactionbatches", operation_id="createTransactionBatch")
async def create_transaction_batch(
    request: Request, caller: CallerDep, directoryId: str, body: BatchIn
) -> Envelope[Created]:
    """Put transactions in a batch a distribution can target."""
    directory = await directory_of(caller, directoryId)
    batch = await service.create_transaction_batch(
        caller.session, directory, body.transactionIds, caller.runtime.clock
    )
    return envelope(request, Created(id=batch.id))


@router.get("/transactionbatches", operation_id="listTransactionBatches")
async def list_transaction_batches(
    request: Request, caller: CallerDep, directoryId: str, page: Paged
) -> Envelope[Page[BatchOut]]:
    """The directory's transaction batches, oldest first."""
    directory = await directory_of(caller, directoryId)
    rows = await service.transaction_batches(
        caller.session, directory, limit=page.size + 1, offset=page.offset
    )
    chosen, following = read_ahead(request, page, rows)
    return envelope(request, Page(elements=[BatchOut.of(b) for b in chosen], nextPage=following))


@router.get("/transactionbatches/{batchId}", operation_id="getTransactionBatch")
async def get_transaction_batch(
    request: Request, caller: CallerDep, directoryId: str, batchId: str
) -> Envelope[BatchOut]:
    """A transaction batch of the directory."""
    directory = await directory_of(caller, directoryId)
    batch = await service.get_transaction_batch(caller.session, directory, batchId)
    return envelope(request, BatchOut.of(batch))


@router.get(
    "/transactionbatches/{batchId}/transactions", operation_id="listTransactionBatchTransactions"
)
async def list_transaction_batch_transactions(
    request: Request, caller: CallerDep, directoryId: str, batchId: str, page: Paged
) -> Envelope[Page[TransactionOut]]:
    """The transactions of a batch."""
    directory = await directory_of(caller, directoryId)
    batch = await service.get_transaction_batch(caller.session, directory, batchId)
    found = await service.batch_transactions(caller.session, batch)
    chosen, following = page_of(request, page, found)
    return envelope(
        request, Page(elements=[TransactionOut.of(t) for t in chosen], nextPage=following)
    )


@router.post("/samples", operation_id="createSample")
async def create_sample(
    request: Request, caller: CallerDep, directoryId: str, body: SampleIn
) -> Envelope[SampleOut]:
    """Draw a random sample of a mailing list (made at once: ``progressId`` is its id)."""
    if not body.parentId.startswith("CG_"):
        raise InvalidInput("parentId: samples are drawn from mailing lists (CG_…) here")
    directory = await directory_of(caller, directoryId)
    parent = await service.get_directory_mailing_list(caller.session, directory, body.parentId)
    sample = await service.draw_sample(
        caller.session, parent, body.name, size=body.maxSampleSize,
        percentage=body.samplePercentage, clock=caller.runtime.clock,
    )  # fmt: skip
    return envelope(request, SampleOut(sampleId=sample.id, progressId=sample.id))
