"""Statistics and the FOI counts: aggregates only, never a constituent's details."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from casestore.db.tables import case_events, cases
from casestore.model import CaseState
from casestore.records import CasesRaised, Statistics


class ReportQueries:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def _grouped(self, column: Any) -> dict[str, int]:
        live = cases.c.state != CaseState.DRAFT.value
        rows = await self._conn.execute(
            select(column, func.count()).where(live).group_by(column).order_by(column))
        return {str(r[0]): int(r[1]) for r in rows}

    async def statistics(self) -> Statistics:
        live = cases.c.state != CaseState.DRAFT.value
        month = func.substr(func.cast(cases.c.submitted_at, type_=cases.c.reference.type), 1, 7)
        by_state = await self._grouped(cases.c.state)
        by_service = await self._grouped(cases.c.lead_service)
        by_ward = await self._grouped(cases.c.ward_id)
        by_month = await self._grouped(month)
        by_officer = (await self._conn.execute(
            select(func.count()).where(live, cases.c.raised_by_id != cases.c.member_id)
        )).scalar_one()
        kinds = {
            r[0]: int(r[1]) for r in await self._conn.execute(
                select(case_events.c.kind, func.count(func.distinct(case_events.c.case_id)))
                .where(case_events.c.kind.in_(("redirected", "reopened", "escalated")))
                .group_by(case_events.c.kind)
            )
        }
        avg, n = (await self._conn.execute(
            select(func.avg(cases.c.rating), func.count(cases.c.rating))
        )).one()
        return Statistics(
            by_state=by_state, by_service=by_service, by_ward=by_ward, by_month=by_month,
            raised_by_officers=int(by_officer), redirected=kinds.get("redirected", 0),
            reopened=kinds.get("reopened", 0), escalated=kinds.get("escalated", 0),
            average_rating=round(float(avg), 2) if avg is not None else None, ratings=int(n),
        )

    async def cases_raised(self) -> list[CasesRaised]:
        """Cases raised per member per year (the year from the reference), by member, year."""
        year = func.substr(cases.c.reference, 5, 4)
        rows = await self._conn.execute(
            select(cases.c.member_id, year, func.count())
            .where(cases.c.reference.is_not(None))
            .group_by(cases.c.member_id, year)
            .order_by(cases.c.member_id, year))
        return [CasesRaised(str(member_id), str(yr), int(count)) for member_id, yr, count in rows]
