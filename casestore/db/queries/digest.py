"""The member support team's daily digest: cases and events by their indexed dates."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from casestore.db.tables import case_events, cases
from casestore.model import ACTIVE_STATES, CaseState, EscalationState
from casestore.records import CaseDue, CaseHappening

UNACKNOWLEDGED = [CaseState.OPEN.value, CaseState.REOPENED.value]


class DigestQueries:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def submitted(self, since: datetime, until: datetime) -> list[CaseDue]:
        return await self._cases(
            and_(cases.c.submitted_at >= since, cases.c.submitted_at < until), cases.c.id)

    async def late_acknowledgements(self, today: date) -> list[CaseDue]:
        return await self._cases(
            and_(cases.c.state.in_(UNACKNOWLEDGED), cases.c.acknowledge_due_on < today),
            cases.c.acknowledge_due_on)

    async def overdue_responses(self, today: date) -> list[CaseDue]:
        return await self._cases(and_(
            cases.c.state.in_([s.value for s in ACTIVE_STATES]), cases.c.response_due_on < today,
            cases.c.first_response_at.is_(None), cases.c.paused_at.is_(None)),
            cases.c.response_due_on)

    async def open_escalations(self) -> list[CaseDue]:
        return await self._cases(cases.c.escalation_state == EscalationState.ESCALATED.value,
                                 cases.c.escalation_due_on)

    async def happenings(self, kind: str, since: datetime, until: datetime
                         ) -> list[CaseHappening]:
        """Events of one kind in [since, until), oldest first, with their cases' owners."""
        rows = await self._conn.execute(
            select(case_events.c.case_id, case_events.c.payload, case_events.c.at,
                   cases.c.reference, cases.c.lead_service, cases.c.member_id)
            .join(cases, cases.c.id == case_events.c.case_id)
            .where(and_(case_events.c.kind == kind, case_events.c.at >= since,
                        case_events.c.at < until))
            .order_by(case_events.c.at))
        return [CaseHappening(r.case_id, dict(r.payload or {}), r.at, r.reference or "",
                              r.lead_service, r.member_id) for r in rows]

    async def _cases(self, where: ColumnElement[bool], order: Any) -> list[CaseDue]:
        rows = await self._conn.execute(
            select(cases.c.id, cases.c.reference, cases.c.lead_service, cases.c.member_id,
                   cases.c.acknowledge_due_on, cases.c.response_due_on,
                   cases.c.escalation_due_on)
            .where(and_(where, cases.c.reference.is_not(None))).order_by(order, cases.c.id))
        return [CaseDue(**r._mapping) for r in rows]
