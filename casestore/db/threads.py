"""Where each case lives in Teams: one thread per service area's channel."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from casestore.db.tables import case_threads
from casestore.records import Thread


class ThreadRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, thread: Thread) -> None:
        await self._conn.execute(case_threads.insert().values(**thread.__dict__))

    async def set_card(self, case_id: int, service_id: str, card_activity_id: str) -> None:
        await self._conn.execute(
            update(case_threads)
            .where(and_(case_threads.c.case_id == case_id,
                        case_threads.c.service_id == service_id))
            .values(card_activity_id=card_activity_id)
        )

    async def get(self, case_id: int, service_id: str) -> Thread | None:
        row = (await self._conn.execute(
            select(case_threads).where(and_(case_threads.c.case_id == case_id,
                                            case_threads.c.service_id == service_id))
        )).one_or_none()
        return Thread(**row._mapping) if row else None

    async def for_cases(self, case_ids: Sequence[int]) -> list[Thread]:
        if not case_ids:
            return []
        rows = await self._conn.execute(
            select(case_threads).where(case_threads.c.case_id.in_(list(case_ids)))
        )
        return [Thread(**r._mapping) for r in rows]

    async def by_root(self, channel_id: str, root_message_id: str) -> Thread | None:
        row = (await self._conn.execute(
            select(case_threads).where(and_(case_threads.c.channel_id == channel_id,
                                            case_threads.c.root_message_id == root_message_id))
        )).one_or_none()
        return Thread(**row._mapping) if row else None
