"""The values the store hands back and takes (pure: no SQLAlchemy, no I/O).

The ports (`casestore.ports`) speak in these, so the use cases, the flows and the scheduler
never see a table, a row or a connection; the SQLAlchemy adapter (`casestore.db`) and the
in-memory fakes (`tests/unit/fakes.py`) both build them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from casestore.config import OfficerRole
from casestore.model import ActorKind, Case, CaseState, Event


@dataclass(frozen=True)
class CaseFilter:
    """What a list asks for. Every combination is served by an index on `cases`."""

    member_id: str | None = None
    visible_to_member: str | None = None  # own cases plus cc'd ones
    service_ids: tuple[str, ...] = ()
    ward_id: str | None = None
    states: tuple[CaseState, ...] = ()
    text: str | None = None
    include_drafts: bool = False
    assignee_id: str | None = None


@dataclass(frozen=True)
class StoredEvent:
    id: int
    case_id: int
    event: Event


@dataclass(frozen=True)
class Page:
    cases: list[Case]
    total: int
    offset: int
    limit: int

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.cases) < self.total


@dataclass(frozen=True)
class AttachmentInfo:
    id: int
    filename: str
    size_bytes: int
    uploaded_at: datetime
    uploaded_by_id: str


@dataclass(frozen=True)
class OutboxMessage:
    id: int
    dedupe_key: str
    case_id: int | None
    kind: str
    recipient: str
    payload: dict[str, Any]
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True)
class Thread:
    case_id: int
    service_id: str
    channel_id: str
    root_message_id: str
    conversation_id: str  # "<channel id>;messageid=<root message id>"
    card_activity_id: str  # the case card, updated in place after each action
    service_url: str
    created_at: datetime


@dataclass(frozen=True)
class ThreadPost:
    """A root post the bot made (or began to make) for a case's thread: recorded before it is
    sent, confirmed with its root id once Teams has it. One left unconfirmed may be in Teams."""

    id: int
    case_id: int
    service_id: str
    channel_id: str
    root_message_id: str | None
    started_at: datetime


@dataclass(frozen=True)
class CaseCardRoot:
    """What a thread's root post says of itself: the bot's case card for this case and service
    (read from the reference and service the card's buttons carry)."""

    reference: str
    service_id: str


class TurnClaim(StrEnum):
    """What a delivery of an incoming activity finds when it claims the activity."""

    TAKEN = "taken"  # this delivery handles it (first, or taking over a lapsed claim)
    BUSY = "busy"  # another delivery is handling it right now
    ANSWERED = "answered"  # handled and answered already


def thread_conversation_id(channel_id: str, root_message_id: str) -> str:
    return f"{channel_id};messageid={root_message_id}"


def split_conversation_id(conversation_id: str) -> tuple[str, str | None]:
    """'19:abc@thread.tacv2;messageid=123' -> ('19:abc@thread.tacv2', '123')."""
    channel, _, rest = conversation_id.partition(";messageid=")
    return channel, (rest or None)


@dataclass(frozen=True)
class SyncedPerson:
    """One row of the synced directory (`directory_people`)."""

    aad_object_id: str
    person_id: str
    kind: ActorKind
    name: str
    email: str
    job_title: str = ""
    ward_id: str | None = None
    services: tuple[str, ...] = ()
    roles: tuple[OfficerRole, ...] = ()


@dataclass(frozen=True)
class Replaced:
    added: int
    updated: int
    removed: int


@dataclass(frozen=True)
class CaseDue:
    """A case as the digest lists it: its reference, owners and deadlines."""

    id: int
    reference: str
    lead_service: str
    member_id: str
    acknowledge_due_on: date | None
    response_due_on: date | None
    escalation_due_on: date | None


@dataclass(frozen=True)
class CaseHappening:
    """One event of a kind the digest reports, with its case's reference and owners."""

    case_id: int
    payload: dict[str, Any]
    at: datetime
    reference: str
    lead_service: str
    member_id: str


@dataclass(frozen=True)
class Statistics:
    by_state: dict[str, int]
    by_service: dict[str, int]
    by_ward: dict[str, int]
    by_month: dict[str, int]
    raised_by_officers: int
    redirected: int
    reopened: int
    escalated: int
    average_rating: float | None
    ratings: int


@dataclass(frozen=True)
class CasesRaised:
    """One line of the FOI export: cases raised by a member in a year."""

    member_id: str
    year: str
    count: int


@dataclass(frozen=True)
class HeldCase:
    """Everything held on one case, for a subject access request: the case, its events, its
    files (metadata, not content) and the messages queued about it."""

    case: Case
    events: list[StoredEvent]
    files: list[AttachmentInfo]
    messages: list[OutboxMessage]
