"""What reconciliation reads: the threads of active cases, and the messages already recorded."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from casestore.db.tables import case_events, case_threads, cases, thread_posts
from casestore.model import ACTIVE_STATES
from casestore.records import Thread, thread_conversation_id

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
        return found + await self._second_posts()

    async def _second_posts(self) -> list[tuple[str, Thread]]:
        """The other root posts of active cases' threads (a card posted twice after a crash,
        both confirmed): replies there reach the case too. One query."""
        known = (select(case_threads.c.root_message_id)
                 .where(and_(case_threads.c.channel_id == thread_posts.c.channel_id,
                             case_threads.c.root_message_id == thread_posts.c.root_message_id))
                 .exists())
        query = (select(thread_posts, cases.c.reference)
                 .join(cases, cases.c.id == thread_posts.c.case_id)
                 .where(cases.c.state.in_([s.value for s in ACTIVE_STATES]),
                        thread_posts.c.root_message_id.is_not(None), ~known)
                 .order_by(thread_posts.c.case_id, thread_posts.c.id))
        return [(str(r.reference), Thread(
            case_id=r.case_id, service_id=r.service_id, channel_id=r.channel_id,
            root_message_id=r.root_message_id,
            conversation_id=thread_conversation_id(r.channel_id, r.root_message_id),
            card_activity_id=r.root_message_id, service_url="", created_at=r.started_at))
            for r in await self._conn.execute(query)]

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
