"""Statistics and the FOI export: counts only, never a constituent's details."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from casestore.db.store import Store
from casestore.db.tables import case_events, cases
from casestore.directory import Directory
from casestore.model import CaseState


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


async def statistics(store: Store) -> Statistics:
    live = cases.c.state != CaseState.DRAFT.value
    async with store.transaction() as uow:
        conn = uow.conn

        async def grouped(column: Any) -> dict[str, int]:
            rows = await conn.execute(
                select(column, func.count()).where(live).group_by(column).order_by(column)
            )
            return {str(r[0]): int(r[1]) for r in rows}

        month = func.substr(func.cast(cases.c.submitted_at, type_=cases.c.reference.type), 1, 7)
        by_state = await grouped(cases.c.state)
        by_service = await grouped(cases.c.lead_service)
        by_ward = await grouped(cases.c.ward_id)
        by_month = await grouped(month)
        by_officer = (await conn.execute(
            select(func.count()).where(live, cases.c.raised_by_id != cases.c.member_id)
        )).scalar_one()
        kinds = {
            r[0]: int(r[1]) for r in await conn.execute(
                select(case_events.c.kind, func.count(func.distinct(case_events.c.case_id)))
                .where(case_events.c.kind.in_(("redirected", "reopened", "escalated")))
                .group_by(case_events.c.kind)
            )
        }
        avg, n = (await conn.execute(
            select(func.avg(cases.c.rating), func.count(cases.c.rating))
        )).one()
    return Statistics(
        by_state=by_state, by_service=by_service, by_ward=by_ward, by_month=by_month,
        raised_by_officers=int(by_officer), redirected=kinds.get("redirected", 0),
        reopened=kinds.get("reopened", 0), escalated=kinds.get("escalated", 0),
        average_rating=round(float(avg), 2) if avg is not None else None, ratings=int(n),
    )


async def foi_case_counts(store: Store, directory: Directory) -> str:
    """CSV of cases raised per member per year (Wirral protocol: FOI 'recorded information')."""
    year = func.substr(cases.c.reference, 5, 4)
    async with store.transaction() as uow:
        rows = (await uow.conn.execute(
            select(cases.c.member_id, year, func.count())
            .where(cases.c.reference.is_not(None))
            .group_by(cases.c.member_id, year)
            .order_by(cases.c.member_id, year)
        )).all()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["member", "ward", "year", "cases_raised"])
    for member_id, yr, count in rows:
        person = directory.find(member_id)
        name = person.display_name if person else member_id
        ward = person.ward_id or "" if person else ""
        writer.writerow([name, ward, yr, count])
    return out.getvalue()
