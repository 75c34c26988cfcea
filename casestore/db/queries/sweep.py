"""The SLA sweep's candidates: cases with a deadline at hand, one indexed query per deadline."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from casestore.db.repository import CaseRepository
from casestore.db.tables import cases
from casestore.model import ACTIVE_STATES, Case, CaseState, EscalationState

ACTIVE = [s.value for s in ACTIVE_STATES]
UNACKNOWLEDGED = [CaseState.OPEN.value, CaseState.REOPENED.value]


def _due(today: date, horizon: date) -> list[ColumnElement[bool]]:
    return [
        and_(cases.c.state.in_(UNACKNOWLEDGED), cases.c.acknowledge_due_on <= today),
        and_(cases.c.state.in_(ACTIVE), cases.c.response_due_on <= horizon,
             cases.c.first_response_at.is_(None)),
        and_(cases.c.escalation_state == EscalationState.ESCALATED.value,
             cases.c.escalation_due_on <= today),
        and_(cases.c.state == CaseState.RESPONDED.value, cases.c.auto_close_on <= horizon),
    ]


class SweepQueries:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def candidates(self, *, today: date, horizon: date) -> list[Case]:
        """Cases owed an acknowledgement, a response, an escalation answer (by `today`) or
        an auto-close or response reminder (by `horizon`), in id order."""
        ids: set[int] = set()
        for condition in _due(today, horizon):  # ids only, each from its own index
            ids.update(r[0] for r in await self._conn.execute(
                select(cases.c.id).where(condition)))
        found = await CaseRepository(self._conn).by_ids(ids)
        return [found[i] for i in sorted(found)]
