"""Service levels: the figures for a service area, the deadlines they give, and each one's status.

How a deadline is counted (Wirral protocol, Worcestershire's 28-day completion target):

* Day 0 is the day the clock starts: the day the case was received if that is a working day and it
  arrived before the council's cut-off, otherwise the next working day.
* A deadline of N working days falls on the Nth working day after day 0. It is met if the thing
  happens on or before that date (Europe/London); the case is overdue from the next day.
* Escalation opens the working day after the escalation period: once "10 working days have
  passed", the member may escalate on working day 11. Under the default rule the case need only
  be open; under the `no_response` rule it must also have had no response.
* While the case waits on the member for information the clock is paused: every deadline still
  ahead moves on by the working days it waited (`paused_working_days`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from casestore.calendar import WorkingCalendar
from casestore.config import CouncilConfig, EscalationRule, SlaDefaults
from casestore.model import Case


class DeadlineStatus(StrEnum):
    ON_TRACK = "on_track"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    MET = "met"
    MISSED = "missed"
    PAUSED = "paused"


STATUS_LABELS = {
    DeadlineStatus.ON_TRACK: "On track",
    DeadlineStatus.DUE_SOON: "Due soon",
    DeadlineStatus.OVERDUE: "Overdue",
    DeadlineStatus.MET: "Met",
    DeadlineStatus.MISSED: "Missed",
    DeadlineStatus.PAUSED: "Paused",
}


@dataclass(frozen=True)
class SlaFiguresResolved:
    acknowledge_days: int
    response_days: int
    completion_days: int
    escalation_after_days: int
    escalation_answer_days: int


class SlaPolicy:
    """The council's SLA rules, with each service area's overrides resolved once."""

    def __init__(self, config: CouncilConfig, calendar: WorkingCalendar | None = None) -> None:
        self.calendar = calendar or config.calendar()
        self.defaults: SlaDefaults = config.sla
        self._figures: dict[str, SlaFiguresResolved] = {}
        d = config.sla
        for service in config.services:
            o = service.sla
            self._figures[service.id] = SlaFiguresResolved(
                acknowledge_days=_pick(o.acknowledge_days, d.acknowledge_days),
                response_days=_pick(o.response_days, d.response_days),
                completion_days=_pick(o.completion_days, d.completion_days),
                escalation_after_days=_pick(o.escalation_after_days, d.escalation_after_days),
                escalation_answer_days=_pick(o.escalation_answer_days, d.escalation_answer_days),
            )

    def figures(self, service_id: str) -> SlaFiguresResolved:
        return self._figures[service_id]

    def set_deadlines(self, case: Case, received_at: datetime) -> None:
        """Start the clock at `received_at` and store every deadline on the case."""
        case.clock_start_on = self.calendar.clock_start_on(received_at)
        case.paused_working_days = 0
        self.recompute(case, include_acknowledge=True)

    def recompute(self, case: Case, *, include_acknowledge: bool = False) -> None:
        """Deadlines from the stored clock start with the lead service's figures (plus pauses)."""
        assert case.clock_start_on is not None, "the clock has not started"
        f = self.figures(case.lead_service)
        start, extra = case.clock_start_on, case.paused_working_days
        add = self.calendar.add_working_days
        if include_acknowledge:
            case.acknowledge_due_on = add(start, f.acknowledge_days)
        case.response_due_on = add(start, f.response_days + extra)
        if case.expected_works_on is None:
            case.completion_due_on = add(start, f.completion_days + extra)
        # Never before the response is due, whatever the two figures (a 15-day service).
        after = max(f.escalation_after_days, f.response_days)
        case.escalation_from_on = add(start, after + 1 + extra)

    def restart_acknowledge(self, case: Case, at: datetime) -> None:
        """A new service (after a redirect) or a reopened case must be acknowledged again."""
        f = self.figures(case.lead_service)
        case.acknowledge_due_on = self.calendar.add_working_days(
            self.calendar.clock_start_on(at), f.acknowledge_days
        )

    def set_escalation_deadline(self, case: Case, escalated_at: datetime) -> None:
        f = self.figures(case.lead_service)
        case.escalation_due_on = self.calendar.add_working_days(
            self.calendar.clock_start_on(escalated_at), f.escalation_answer_days
        )

    def resume(self, case: Case, resumed_at: datetime) -> int:
        """End a pause; returns the working days waited, by which the deadlines moved."""
        assert case.paused_at is not None
        waited = max(
            0,
            self.calendar.working_days_between(
                self.calendar.local_date(case.paused_at), self.calendar.local_date(resumed_at)
            ),
        )
        case.paused_at = None
        case.paused_working_days += waited
        if waited:
            self.recompute(case)
        return waited

    def set_auto_close(self, case: Case, at: datetime) -> None:
        case.auto_close_on = self.calendar.add_working_days(
            self.calendar.local_date(at), self.defaults.auto_close_days
        )

    def escalation_rule(self) -> EscalationRule:
        return self.defaults.escalation_rule

    def status(
        self, due_on: date | None, done_at: datetime | None, now: datetime, *, paused: bool = False
    ) -> DeadlineStatus | None:
        """Status of one deadline as of `now`: met/missed once done; paused; else by date."""
        if due_on is None:
            return None
        if done_at is not None:
            met = self.calendar.local_date(done_at) <= due_on
            return DeadlineStatus.MET if met else DeadlineStatus.MISSED
        if paused:
            return DeadlineStatus.PAUSED
        today = self.calendar.local_date(now)
        if today > due_on:
            return DeadlineStatus.OVERDUE
        if self.calendar.working_days_between(today, due_on) <= self.defaults.due_soon_days:
            return DeadlineStatus.DUE_SOON
        return DeadlineStatus.ON_TRACK

    def case_statuses(self, case: Case, now: datetime) -> dict[str, DeadlineStatus | None]:
        """A closed case stops every clock: what was not done by then is judged at closing."""
        paused = case.is_paused
        closed = case.closed_at
        return {
            "acknowledge": self.status(
                case.acknowledge_due_on, case.acknowledged_at or closed, now),
            "response": self.status(
                case.response_due_on, case.first_response_at or closed, now, paused=paused),
            "completion": self.status(
                case.completion_due_on, closed or case.final_response_at, now, paused=paused),
            "escalation": self.status(
                case.escalation_due_on, case.escalation_answered_at or closed, now
            ) if case.escalated_at else None,
        }

    def badge(self, case: Case, now: datetime) -> DeadlineStatus:
        """The one badge for a list: the worst of the deadlines still running."""
        statuses = [s for s in self.case_statuses(case, now).values() if s is not None]
        for worst in (DeadlineStatus.OVERDUE, DeadlineStatus.DUE_SOON, DeadlineStatus.PAUSED):
            if worst in statuses:
                return worst
        if DeadlineStatus.ON_TRACK in statuses:
            return DeadlineStatus.ON_TRACK
        return DeadlineStatus.MISSED if DeadlineStatus.MISSED in statuses else DeadlineStatus.MET


def clock_of(case: Case) -> dict[str, object]:
    """The clock as stored on the case, for the events that set it, so the audit trail alone
    says when every deadline moved (`casestore.replay` rebuilds the case from it)."""
    def iso(d: date | None) -> str | None:
        return d.isoformat() if d else None
    return {"clock_start_on": iso(case.clock_start_on),
            "acknowledge_due_on": iso(case.acknowledge_due_on),
            "response_due_on": iso(case.response_due_on),
            "completion_due_on": iso(case.completion_due_on),
            "escalation_from_on": iso(case.escalation_from_on),
            "paused_working_days": case.paused_working_days}


def _pick(override: int | None, default: int) -> int:
    return default if override is None else override
