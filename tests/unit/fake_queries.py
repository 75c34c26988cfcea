"""The read-only queries of `casestore.ports`, answered from a fake store's tables."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from casestore.model import ACTIVE_STATES, Case, CaseState, EscalationState
from casestore.records import CaseDue, CaseHappening, CasesRaised, Statistics, Thread

if TYPE_CHECKING:
    from tests.unit.fakes import Tables

UNACKNOWLEDGED = (CaseState.OPEN, CaseState.REOPENED)
MESSAGE_EVENTS = ("replied", "noted")


def _before(day: date | None, limit: date) -> bool:
    return day is not None and day <= limit


class FakeSweep:
    def __init__(self, t: Tables) -> None:
        self.t = t

    async def candidates(self, *, today: date, horizon: date) -> list[Case]:
        def due(c: Case) -> bool:
            return any((
                c.state in UNACKNOWLEDGED and _before(c.acknowledge_due_on, today),
                c.state in ACTIVE_STATES and _before(c.response_due_on, horizon)
                and c.first_response_at is None,
                c.escalation_state is EscalationState.ESCALATED
                and _before(c.escalation_due_on, today),
                c.state is CaseState.RESPONDED and _before(c.auto_close_on, horizon),
            ))
        return [copy.deepcopy(self.t.cases[i]) for i in sorted(self.t.cases)
                if due(self.t.cases[i])]


def _due(c: Case) -> CaseDue:
    assert c.id is not None and c.reference is not None
    return CaseDue(c.id, c.reference, c.lead_service, c.member_id, c.acknowledge_due_on,
                   c.response_due_on, c.escalation_due_on)


class FakeDigest:
    def __init__(self, t: Tables) -> None:
        self.t = t

    def _cases(self, keep: Callable[[Case], object], order: str = "id") -> list[CaseDue]:
        found = [c for c in self.t.cases.values() if c.reference and keep(c)]
        return [_due(c) for c in sorted(found, key=lambda c: (getattr(c, order), c.id))]

    async def submitted(self, since: datetime, until: datetime) -> list[CaseDue]:
        return self._cases(lambda c: c.submitted_at and since <= c.submitted_at < until)

    async def late_acknowledgements(self, today: date) -> list[CaseDue]:
        return self._cases(lambda c: c.state in UNACKNOWLEDGED and c.acknowledge_due_on
                           and c.acknowledge_due_on < today, "acknowledge_due_on")

    async def overdue_responses(self, today: date) -> list[CaseDue]:
        return self._cases(lambda c: c.state in ACTIVE_STATES and c.response_due_on
                           and c.response_due_on < today and c.first_response_at is None
                           and c.paused_at is None, "response_due_on")

    async def open_escalations(self) -> list[CaseDue]:
        return self._cases(lambda c: c.escalation_state is EscalationState.ESCALATED
                           and c.escalation_due_on, "escalation_due_on")

    async def happenings(self, kind: str, since: datetime, until: datetime
                         ) -> list[CaseHappening]:
        found = []
        for e in sorted(self.t.events, key=lambda e: e.event.at):
            case = self.t.cases.get(e.case_id)
            if case and e.event.kind == kind and since <= e.event.at < until:
                found.append(CaseHappening(e.case_id, dict(e.event.payload), e.event.at,
                                           case.reference or "", case.lead_service,
                                           case.member_id))
        return found


class FakeReports:
    def __init__(self, t: Tables) -> None:
        self.t = t

    async def statistics(self) -> Statistics:
        live = [c for c in self.t.cases.values() if c.state is not CaseState.DRAFT]

        def grouped(value: str) -> dict[str, int]:
            found: dict[str, int] = {}
            for c in live:
                key = str(getattr(c, value)) if value != "month" else \
                    (c.submitted_at.isoformat()[:7] if c.submitted_at else "None")
                found[key] = found.get(key, 0) + 1
            return dict(sorted(found.items()))

        kinds = {k: len({e.case_id for e in self.t.events if e.event.kind == k})
                 for k in ("redirected", "reopened", "escalated")}
        rated = [c.rating for c in self.t.cases.values() if c.rating is not None]
        return Statistics(
            by_state=grouped("state"), by_service=grouped("lead_service"),
            by_ward=grouped("ward_id"), by_month=grouped("month"),
            raised_by_officers=sum(c.raised_by_id != c.member_id for c in live), **kinds,
            average_rating=round(sum(rated) / len(rated), 2) if rated else None,
            ratings=len(rated))

    async def cases_raised(self) -> list[CasesRaised]:
        found: dict[tuple[str, str], int] = {}
        for c in self.t.cases.values():
            if c.reference:
                key = (c.member_id, c.reference[4:8])
                found[key] = found.get(key, 0) + 1
        return [CasesRaised(m, y, n) for (m, y), n in sorted(found.items())]


class FakeReconcile:
    def __init__(self, t: Tables) -> None:
        self.t = t

    async def open_threads(self) -> list[tuple[str, Thread]]:
        roots = {(t.channel_id, t.root_message_id) for t in self.t.threads.values()}
        seconds = [Thread(p.case_id, p.service_id, p.channel_id, p.root_message_id,
                          f"{p.channel_id};messageid={p.root_message_id}", p.root_message_id,
                          "", p.started_at)
                   for _, p in sorted(self.t.thread_posts.items())
                   if p.root_message_id and (p.channel_id, p.root_message_id) not in roots]
        return [(self.t.cases[t.case_id].reference or "", t)
                for t in [t for _, t in sorted(self.t.threads.items())] + seconds
                if self.t.cases[t.case_id].state in ACTIVE_STATES]

    async def recorded_message_ids(self, case_ids: Sequence[int]) -> set[str]:
        return {str(e.event.payload["message_id"]) for e in self.t.events
                if e.case_id in set(case_ids) and e.event.kind in MESSAGE_EVENTS
                and e.event.payload.get("message_id")}
