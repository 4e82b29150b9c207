"""The distributions API's bodies, in the Qualtrics v3 field names."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from smsurvey.distributions.reports import DistributionReport, HistoryRow
from smsurvey.distributions.service import DistributionRequest, Method, Recipients


def iso(moment: datetime | None) -> str | None:
    """``moment`` as ``YYYY-MM-DDTHH:MM:SSZ``."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class RecipientsIn(BaseModel):
    """Exactly one of these. A Reminder or ThankYou goes to its parent's recipients: none, or
    the parent's own (as clients that repeat the invitation's mailing list send)."""

    model_config = ConfigDict(extra="ignore")

    mailingListId: str | None = Field(default=None, examples=["CG_0Rk3vQa8gqPwQDP"])
    contactId: str | None = None
    sampleId: str | None = None
    transactionBatchId: str | None = None


class MessageIn(BaseModel):
    """A saved library message, or the text itself."""

    model_config = ConfigDict(extra="ignore")

    libraryId: str | None = None
    messageId: str | None = Field(default=None, examples=["MS_0Rk3vQa8gqPwQDP"])
    messageText: str | None = Field(
        default=None, examples=["Hi ${m://FirstName}, 2 minutes for us? ${l://SurveyURL}"]
    )

    @model_validator(mode="after")
    def _one(self) -> MessageIn:
        if (self.messageId is None) == (self.messageText is None):
            raise ValueError("give exactly one of messageId (with libraryId) or messageText")
        return self


class SmsDistributionIn(BaseModel):
    """``POST /distributions/sms``."""

    model_config = ConfigDict(extra="ignore")

    surveyId: str = Field(examples=["SV_0Rk3vQa8gqPwQDP"])
    method: str = Field(examples=["Invite"], description="Invite, Interactive, Reminder, ThankYou")
    recipients: RecipientsIn = Field(default_factory=RecipientsIn)
    message: MessageIn | None = None
    sendDate: datetime | None = Field(default=None, examples=["2026-12-01T09:00:00Z"])
    name: str | None = Field(default=None, max_length=200)
    parentDistributionId: str | None = None

    def request(self, owner_user_id: str) -> DistributionRequest:
        """The service's view of the body, made by the user ``owner_user_id``."""
        send_at = self.sendDate
        if send_at is not None and send_at.tzinfo is None:
            send_at = send_at.replace(tzinfo=UTC)
        return DistributionRequest(
            survey_id=self.surveyId,
            method=Method.parse(self.method),
            recipients=Recipients(
                mailing_list_id=self.recipients.mailingListId,
                contact_id=self.recipients.contactId,
                sample_id=self.recipients.sampleId,
                transaction_batch_id=self.recipients.transactionBatchId,
            ),
            parent_distribution_id=self.parentDistributionId,
            message_text=self.message.messageText if self.message else None,
            library_message_id=self.message.messageId if self.message else None,
            send_at=send_at,
            name=self.name,
            owner_user_id=owner_user_id,
        )


class RecipientsOut(BaseModel):
    """Who a distribution goes to."""

    mailingListId: str | None
    contactId: str | None
    sampleId: str | None
    transactionBatchId: str | None
    transactionId: None = None
    libraryId: str | None = None


class MessageOut(BaseModel):
    """What a distribution sends."""

    libraryId: str | None
    messageId: str | None
    messageText: str | None
    messageType: str


class Stats(BaseModel):
    """A distribution's figures."""

    sent: int
    failed: int
    delivered: int
    unknown: int = Field(description="Texts whose hand-over is unknown: the provider is asked.")
    undecided: int = Field(description="Texts whose provider cannot tell: a person decides.")
    started: int
    finished: int
    credits: float
    segments: int
    """SMS parts handed over (the contract's name)."""
    parts: int
    """The same count, under this project's name."""


class DistributionOut(BaseModel):
    """An SMS distribution (``SMSD_…``)."""

    id: str = Field(examples=["SMSD_0Rk3vQa8gqPwQDP"])
    parentDistributionId: str | None
    ownerId: str = Field(
        examples=["UR_0Rk3vQa8gqPwQDP"],
        description="The user who made it (the first Brand Administrator for a command's)",
    )
    organizationId: str
    requestStatus: str = Field(
        examples=["Scheduled"],
        description="Scheduled, In progress, Waiting (its survey is paused), Sent, Failed,"
        " Interrupted or Cancelled",
    )
    statusReason: str | None = Field(
        default=None,
        examples=["survey SV_0Rk3vQa8gqPwQDP is paused: texts wait until it is active again"],
        description="Why it failed, or what its survey's state does to it (this server's own)",
    )
    requestType: str = Field(examples=["Invite"])
    surveyId: str
    name: str
    sendDate: str | None
    createdDate: str | None
    recipients: RecipientsOut
    message: MessageOut
    stats: Stats

    @classmethod
    def of(
        cls, seen: DistributionReport, started: int, finished: int, owner: str
    ) -> DistributionOut:
        """The API's view of a distribution's report, ``owner`` (``UR_…``) shown as the user
        who owns it and its library."""
        distribution, figures = seen.distribution, seen.metrics
        library = distribution.library_message_id
        return cls(
            id=distribution.id,
            parentDistributionId=distribution.parent_distribution_id,
            ownerId=owner,
            organizationId=distribution.organization_id,
            requestStatus=seen.status,
            statusReason=seen.reason,
            requestType=distribution.method,
            surveyId=distribution.survey_id,
            name=distribution.name,
            sendDate=iso(distribution.send_at),
            createdDate=iso(distribution.created_at),
            recipients=RecipientsOut(
                mailingListId=distribution.mailing_list_id,
                contactId=distribution.contact_id,
                sampleId=distribution.sample_id,
                transactionBatchId=distribution.transaction_batch_id,
                libraryId=owner,
            ),
            message=MessageOut(
                libraryId=owner if library else None,
                messageId=library,
                messageText=distribution.message_text,
                messageType="Library" if library else "Inline",
            ),
            stats=Stats(
                sent=figures.sent,
                failed=figures.failed,
                delivered=figures.delivered,
                unknown=figures.unknown,
                undecided=figures.undecided,
                started=started,
                finished=finished,
                credits=float(figures.credits),
                segments=figures.parts,
                parts=figures.parts,
            ),
        )


QUALTRICS_STATUS = {
    "Pending": "Pending",
    "Sent": "Success",
    "Delivered": "Success",
    "Opened": "Opened",
    "Failed": "Failure",
    "Bounced": "HardBounce",
    "Blocked": "Blocked",
    "Duplicated": "Skipped",
    "Skipped": "Skipped",
    "Skipped (opt-out)": "Skipped",
}
"""Our recipient statuses in the v3 distribution-status words."""


class HistoryOut(BaseModel):
    """One recipient of a distribution; ``smsStatus`` is this server's own, finer status."""

    contactId: str | None
    contactLookupId: str | None = None
    distributionId: str
    status: str = Field(examples=["SurveyFinished"])
    smsStatus: str = Field(examples=["Delivered"])
    phoneNumber: str
    surveyLink: str | None
    contactFrequencyRuleId: None = None
    responseId: str | None
    responseCompletedAt: str | None = None
    sentAt: str | None
    openedAt: str | None
    responseStartedAt: str | None = None
    surveySessionId: str | None = None

    @classmethod
    def of(cls, distribution_id: str, row: HistoryRow, link: str | None) -> HistoryOut:
        """The API's view of a history row."""
        status = "SurveyFinished" if row.respondent else QUALTRICS_STATUS.get(row.status, "Unknown")
        return cls(
            contactId=row.person_id or None,
            distributionId=distribution_id,
            status=status,
            smsStatus=row.status,
            phoneNumber=row.phone,
            surveyLink=link,
            responseId=row.response_id,
            sentAt=iso(row.sent_at),
            openedAt=iso(row.opened_at),
        )
