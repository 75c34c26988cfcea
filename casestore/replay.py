"""The audit trail as the truth: a case's state rebuilt from its events alone.

`replay(events)` folds a case's append-only log into the fields the lifecycle keeps on the
stored row: its state and escalation, who it answers to and who holds it, its services and type,
every deadline and the paused clock, when each thing happened, the rating, and when the
constituent's details were removed. `rebuilt(case)` takes the same fields from a stored case,
so `replay(events) == rebuilt(case)` says the row is exactly what its history made it (the
property test in tests/store/test_audit_trail.py checks that after every action).

Pure: no I/O; nothing but the events is read (no configuration, no calendar), which is why the
events that move the clock carry the deadlines they set (`casestore.sla.clock_of`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any

from casestore.kinds import EventKind as E
from casestore.model import Case, CaseState, EscalationState, Event
from casestore.redaction import REMOVED

S = CaseState


@dataclass
class Rebuilt:
    """The lifecycle's fields of a case (the constituent's details are not among them)."""

    reference: str | None = None
    state: CaseState = S.DRAFT
    escalation_state: EscalationState = EscalationState.NONE
    member_id: str | None = None
    lead_service: str | None = None
    services: list[str] = field(default_factory=list)
    enquiry_type: str | None = None
    cc_member_ids: list[str] = field(default_factory=list)
    assignee_id: str | None = None
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
    redacted_at: datetime | None = None
    updated_at: datetime | None = None


def rebuilt(case: Case) -> Rebuilt:
    """The same fields, as stored on the case."""
    values = {f.name: getattr(case, f.name) for f in fields(Rebuilt)}
    values["services"] = list(case.services)
    values["cc_member_ids"] = sorted(case.cc_member_ids)
    return Rebuilt(**values)


def replay(events: Iterable[Event]) -> Rebuilt:
    """Fold the events, oldest first, into the case they describe."""
    r = Rebuilt()
    for e in events:
        _APPLY.get(e.kind, _nothing)(r, e, e.payload)
        r.updated_at = e.at
    r.cc_member_ids = sorted(r.cc_member_ids)
    return r


Apply = Callable[[Rebuilt, Event, dict[str, Any]], None]


def _nothing(r: Rebuilt, e: Event, p: dict[str, Any]) -> None:
    pass


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def _clock(r: Rebuilt, p: dict[str, Any]) -> None:
    clock = p.get("deadlines")
    if not clock:
        return
    for name in ("clock_start_on", "acknowledge_due_on", "response_due_on",
                 "completion_due_on", "escalation_from_on"):
        setattr(r, name, _day(clock[name]))
    r.paused_working_days = int(clock["paused_working_days"])


def _submitted(r: Rebuilt, e: Event, p: dict[str, Any]) -> None:
    r.reference, r.state, r.submitted_at = p["reference"], S.OPEN, e.at
    r.lead_service, r.services = p["service"], [p["service"]]
    r.member_id, r.enquiry_type, r.cc_member_ids = p["member"], p["enquiry_type"], list(p["cc"])
    _clock(r, p)


def _acknowledged(r: Rebuilt, e: Event, p: dict[str, Any]) -> None:
    r.state, r.acknowledged_at, r.assignee_id = S.ACKNOWLEDGED, e.at, p.get("assignee")


def _assigned(r: Rebuilt, e: Event, p: dict[str, Any]) -> None:
    r.assignee_id = p["assignee"]


def _responded(r: Rebuilt, e: Event) -> None:
    r.acknowledged_at = r.acknowledged_at or e.at
    r.first_response_at = r.first_response_at or e.at


def _replied(r: Rebuilt, e: Event, p: dict[str, Any]) -> None:
    r.acknowledged_at = r.acknowledged_at or e.at
    if p.get("first_response"):
        r.first_response_at = e.at
    if r.state in (S.OPEN, S.ACKNOWLEDGED, S.REOPENED):
        r.state = S.RESPONDED


def _information_requested(r: Rebuilt, e: Event, p: dict[str, Any]) -> None:
    r.paused_at = e.at


def _information_added(r: Rebuilt, e: Event, p: dict[str, Any]) -> None:
    if p.get("clock_resumed"):
        r.paused_at = None
        _clock(r, p)


def _redirected(r: Rebuilt, e: Event, p: dict[str, Any]) -> None:
    old, new = p["from_service"], p["to_service"]
    r.services = [new] + [s for s in r.services if s not in (old, new)]
    r.lead_service, r.assignee_id = new, None
    if r.state is S.ACKNOWLEDGED:
        r.state, r.acknowledged_at = S.OPEN, None
    _clock(r, p)


def _service_added(r: Rebuilt, e: Event, p: dict[str, Any]) -> None:
    r.services.append(p["service"])


def _type_converted(r: Rebuilt, e: Event, p: dict[str, Any]) -> None:
    r.enquiry_type = p["to_type"]


def _long_term(r: Rebuilt, e: Event, p: dict[str, Any]) -> None:
    r.state = S.LONG_TERM
    r.expected_works_on = r.completion_due_on = _day(p["expected_on"])


def _final_response(r: Rebuilt, e: Event, p: dict[str, Any]) -> None:
    _responded(r, e)
    r.final_response_at, r.paused_at, r.state = e.at, None, S.RESPONDED
    r.auto_close_on = _day(p.get("auto_close_on"))


def _closed(r: Rebuilt, e: Event, p: dict[str, Any]) -> None:
    r.state, r.closed_at, r.paused_at = S.CLOSED, e.at, None


def _reopened(r: Rebuilt, e: Event, p: dict[str, Any]) -> None:
    r.state, r.reopen_count = S.REOPENED, r.reopen_count + 1
    for name in ("closed_at", "acknowledged_at", "first_response_at", "final_response_at",
                 "auto_close_on", "expected_works_on", "escalated_at", "escalation_due_on",
                 "escalation_answered_at", "paused_at", "rating", "redacted_at"):
        setattr(r, name, None)
    r.escalation_state, r.auto_close_extended_days, r.rating_comment = \
        EscalationState.NONE, 0, ""
    _clock(r, p)


def _rated(r: Rebuilt, e: Event, p: dict[str, Any]) -> None:
    r.rating, r.rating_comment = p["rating"], p.get("comment", "")


def _extended(r: Rebuilt, e: Event, p: dict[str, Any]) -> None:
    r.auto_close_on = _day(p["auto_close_on"])
    r.auto_close_extended_days += int(p["days"])


def _escalated(r: Rebuilt, e: Event, p: dict[str, Any]) -> None:
    r.escalation_state, r.escalated_at = EscalationState.ESCALATED, e.at
    r.escalation_due_on = _day(p.get("escalation_due_on"))


def _escalation_answered(r: Rebuilt, e: Event, p: dict[str, Any]) -> None:
    r.escalation_state, r.escalation_answered_at = EscalationState.ANSWERED, e.at


def _handed_over(r: Rebuilt, e: Event, p: dict[str, Any]) -> None:
    r.member_id = p["to_person"]
    r.cc_member_ids = [m for m in r.cc_member_ids if m != p["to_person"]]


def _details_removed(r: Rebuilt, e: Event, p: dict[str, Any]) -> None:
    r.redacted_at = e.at
    r.rating_comment = REMOVED if r.rating_comment else ""


_APPLY: dict[E, Apply] = {
    E.SUBMITTED: _submitted,
    E.ACKNOWLEDGED: _acknowledged,
    E.ASSIGNED: _assigned,
    E.REPLIED: _replied,
    E.INFORMATION_REQUESTED: _information_requested,
    E.INFORMATION_ADDED: _information_added,
    E.REDIRECTED: _redirected,
    E.SERVICE_ADDED: _service_added,
    E.TYPE_CONVERTED: _type_converted,
    E.MARKED_LONG_TERM: _long_term,
    E.FINAL_RESPONSE_GIVEN: _final_response,
    E.CLOSED: _closed,
    E.REOPENED: _reopened,
    E.RATED: _rated,
    E.AUTO_CLOSE_EXTENDED: _extended,
    E.ESCALATED: _escalated,
    E.ESCALATION_ANSWERED: _escalation_answered,
    E.HANDED_OVER: _handed_over,
    E.DETAILS_REMOVED: _details_removed,
}
