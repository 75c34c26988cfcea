"""What reconciliation reads: the threads of active cases, and the messages already recorded."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from casestore.db.tables import case_events, case_threads, cases
from casestore.model import ACTIVE_STATES
from casestore.records import Thread

MESSAGE_EVENTS = ("replied", "noted")


class ReconcileQueries:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def open_threads(self) -> list[tuple[str, Thread]]:
        """Every thread of every active case, with the case's reference: one query."""
        query = (select(case_threads, cases.c.reference)
                 .join(cases, cases.c.id == case_threads.c.case_id)
                 .where(cases.c.state.in_([s.value for s in ACTIVE_STATES]))
                 .order_by(case_threads.c.case_id, case_threads.c.service_id))
        found = []
        for row in await self._conn.execute(query):
            values = dict(row._mapping)
            reference = str(values.pop("reference"))
            found.append((reference, Thread(**values)))
        return found

    async def recorded_message_ids(self, case_ids: Sequence[int]) -> set[str]:
        """The thread messages already on these cases' timelines: one query."""
        if not case_ids:
            return set()
        rows = await self._conn.execute(
            select(case_events.c.payload)
            .where(case_events.c.case_id.in_(list(case_ids)),
                   case_events.c.kind.in_(MESSAGE_EVENTS)))
        return {str(r.payload["message_id"]) for r in rows
                if isinstance(r.payload, dict) and r.payload.get("message_id")}
