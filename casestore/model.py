"""The case: a member's enquiry, its state, its stored deadlines and the events that changed it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from casestore.kinds import EventKind


class CaseState(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESPONDED = "responded"
    LONG_TERM = "long_term"
    CLOSED = "closed"
    REOPENED = "reopened"


ACTIVE_STATES = frozenset(
    {
        CaseState.OPEN,
        CaseState.ACKNOWLEDGED,
        CaseState.RESPONDED,
        CaseState.LONG_TERM,
        CaseState.REOPENED,
    }
)

STATE_LABELS = {
    CaseState.DRAFT: "Draft",
    CaseState.OPEN: "Open",
    CaseState.ACKNOWLEDGED: "Acknowledged",
    CaseState.RESPONDED: "Responded",
    CaseState.LONG_TERM: "Awaiting works",
    CaseState.CLOSED: "Closed",
    CaseState.REOPENED: "Reopened",
}


class EscalationState(StrEnum):
    NONE = "none"
    ESCALATED = "escalated"
    ANSWERED = "escalation_answered"


class Urgency(StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"


class ActorKind(StrEnum):
    MEMBER = "member"
    OFFICER = "officer"
    SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    """Who acts. `on_behalf_of` is the member a cabinet secretary or an officer acts for."""

    person_id: str
    kind: ActorKind
    on_behalf_of: str | None = None

    @property
    def acting_for(self) -> str:
        return self.on_behalf_of or self.person_id


SYSTEM = Actor(person_id="system", kind=ActorKind.SYSTEM)


@dataclass(frozen=True)
class Event:
    """One entry of a case's append-only log. `kind` is past tense: 'acknowledged', 'escalated'."""

    kind: EventKind
    at: datetime
    actor_id: str
    on_behalf_of_id: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass
class Case:
    """A member enquiry. Deadlines are stored dates: a sweep is a query, not a recomputation.

    `member_id` is the person the case answers to: the member who raised it, the colleague it was
    handed to when they left office, or the member support officer holding it.
    """

    member_id: str
    raised_by_id: str
    lead_service: str
    enquiry_type: str
    ward_id: str
    description: str
    ask: str
    created_at: datetime
    location: str = ""
    constituent_name: str = ""
    constituent_contact: str = ""
    consent_given: bool = False
    search_term: str = ""
    urgency: Urgency = Urgency.NORMAL
    special_category_confirmed: bool = False
    id: int | None = None
    reference: str | None = None
    state: CaseState = CaseState.DRAFT
    escalation_state: EscalationState = EscalationState.NONE
    services: list[str] = field(default_factory=list)
    cc_member_ids: list[str] = field(default_factory=list)
    assignee_id: str | None = None
    linked_reference: str | None = None
    submitted_at: datetime | None = None
    clock_start_on: date | None = None
    acknowledge_due_on: date | None = None
    response_due_on: date | None = None
    completion_due_on: date | None = None
    escalation_from_on: date | None = None
    escalation_due_on: date | None = None
    auto_close_on: date | None = None
    expected_works_on: date | None = None
    acknowledged_at: datetime | None = None
    first_response_at: datetime | None = None
    final_response_at: datetime | None = None
    closed_at: datetime | None = None
    escalated_at: datetime | None = None
    escalation_answered_at: datetime | None = None
    paused_at: datetime | None = None
    paused_working_days: int = 0
    auto_close_extended_days: int = 0
    reopen_count: int = 0
    rating: int | None = None
    rating_comment: str = ""
    redacted_at: datetime | None = None  # the constituent's details last removed (until reopened)
    version: int = 0
    updated_at: datetime | None = None
    new_events: list[Event] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if self.lead_service not in self.services:
            self.services.insert(0, self.lead_service)

    def record(
        self,
        kind: EventKind,
        at: datetime,
        actor: Actor,
        **payload: Any,
    ) -> Event:
        event = Event(
            kind=kind,
            at=at,
            actor_id=actor.person_id,
            on_behalf_of_id=actor.on_behalf_of,
            payload=payload,
        )
        self.new_events.append(event)
        self.updated_at = at
        return event

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None

    @property
    def label(self) -> str:
        return self.reference or "draft"
