"""Where each case lives in Teams: one thread per service area's channel, and every root post
the bot made for it (recorded before sending, so a post whose sender died is not forgotten)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from casestore.db.tables import case_threads, thread_posts
from casestore.records import Thread, ThreadPost, thread_conversation_id


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
        if row:
            return Thread(**row._mapping)
        post = (await self._conn.execute(
            select(thread_posts).where(and_(thread_posts.c.channel_id == channel_id,
                                            thread_posts.c.root_message_id == root_message_id))
        )).one_or_none()
        if post is None:
            return None
        found = await self.get(post.case_id, post.service_id)
        if found is not None:
            return found
        return Thread(case_id=post.case_id, service_id=post.service_id, channel_id=channel_id,
                      root_message_id=root_message_id,
                      conversation_id=thread_conversation_id(channel_id, root_message_id),
                      card_activity_id=root_message_id, service_url="",
                      created_at=post.started_at)

    async def start_post(self, *, case_id: int, service_id: str, channel_id: str,
                         now: datetime) -> int:
        result = await self._conn.execute(thread_posts.insert().values(
            case_id=case_id, service_id=service_id, channel_id=channel_id, started_at=now,
        ).returning(thread_posts.c.id))
        return int(result.scalar_one())

    async def confirm_post(self, post_id: int, *, root_message_id: str, now: datetime) -> bool:
        """The post's root id, now known. False if a post already has that root (nothing
        changes then: the post it names stays unconfirmed)."""
        row = (await self._conn.execute(
            select(thread_posts.c.channel_id).where(thread_posts.c.id == post_id)
        )).one_or_none()
        if row is None:
            return False
        taken = (await self._conn.execute(
            select(thread_posts.c.id).where(and_(
                thread_posts.c.channel_id == row.channel_id,
                thread_posts.c.root_message_id == root_message_id))
        )).first()
        if taken is not None:
            return bool(taken.id == post_id)
        await self._conn.execute(
            update(thread_posts).where(thread_posts.c.id == post_id)
            .values(root_message_id=root_message_id, confirmed_at=now))
        return True

    async def unconfirmed_posts(self, channel_id: str) -> list[ThreadPost]:
        """Posts in this channel whose root id was never recorded (by the channel's index)."""
        rows = await self._conn.execute(
            select(thread_posts).where(and_(thread_posts.c.channel_id == channel_id,
                                            thread_posts.c.root_message_id.is_(None)))
            .order_by(thread_posts.c.id))
        return [ThreadPost(id=r.id, case_id=r.case_id, service_id=r.service_id,
                           channel_id=r.channel_id, root_message_id=None,
                           started_at=r.started_at) for r in rows]
