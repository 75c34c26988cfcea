"""Where each case lives in Teams: one thread per service area's channel."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from casestore.db.tables import case_threads


@dataclass(frozen=True)
class Thread:
    case_id: int
    service_id: str
    channel_id: str
    root_message_id: str
    conversation_id: str  # "<channel id>;messageid=<root message id>"
    card_activity_id: str  # the case card, updated in place after each action
    service_url: str
    created_at: datetime


def thread_conversation_id(channel_id: str, root_message_id: str) -> str:
    return f"{channel_id};messageid={root_message_id}"


def split_conversation_id(conversation_id: str) -> tuple[str, str | None]:
    """'19:abc@thread.tacv2;messageid=123' -> ('19:abc@thread.tacv2', '123')."""
    channel, _, rest = conversation_id.partition(";messageid=")
    return channel, (rest or None)


class ThreadRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, thread: Thread) -> None:
        await self.conn.execute(case_threads.insert().values(**thread.__dict__))

    async def set_card(self, case_id: int, service_id: str, card_activity_id: str) -> None:
        await self.conn.execute(
            update(case_threads)
            .where(and_(case_threads.c.case_id == case_id,
                        case_threads.c.service_id == service_id))
            .values(card_activity_id=card_activity_id)
        )

    async def get(self, case_id: int, service_id: str) -> Thread | None:
        row = (await self.conn.execute(
            select(case_threads).where(and_(case_threads.c.case_id == case_id,
                                            case_threads.c.service_id == service_id))
        )).one_or_none()
        return Thread(**row._mapping) if row else None

    async def for_cases(self, case_ids: Sequence[int]) -> list[Thread]:
        if not case_ids:
            return []
        rows = await self.conn.execute(
            select(case_threads).where(case_threads.c.case_id.in_(list(case_ids)))
        )
        return [Thread(**r._mapping) for r in rows]

    async def by_root(self, channel_id: str, root_message_id: str) -> Thread | None:
        row = (await self.conn.execute(
            select(case_threads).where(and_(case_threads.c.channel_id == channel_id,
                                            case_threads.c.root_message_id == root_message_id))
        )).one_or_none()
        return Thread(**row._mapping) if row else None
