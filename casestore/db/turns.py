"""Claims on incoming activities: one delivery of an activity handles it, the others wait.

`take` inserts the claim; a second delivery finds it held (BUSY) or answered (ANSWERED), and
takes it over only once the holder's lease has lapsed (the holder died mid-turn). The holder
renews its lease while it works and marks the claim answered, or releases it if the turn failed
so that Teams' redelivery is handled afresh.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from casestore.db.engine import dialect_insert
from casestore.db.tables import turn_claims
from casestore.records import TurnClaim


class TurnClaims:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def take(self, key: str, *, holder: str, now: datetime,
                   lease_until: datetime) -> TurnClaim:
        stmt = dialect_insert(self._conn)(turn_claims).values(
            key=key, holder=holder, lease_until=lease_until, created_at=now,
        ).on_conflict_do_nothing(index_elements=[turn_claims.c.key])
        if (await self._conn.execute(stmt)).rowcount:
            return TurnClaim.TAKEN
        row = (await self._conn.execute(
            select(turn_claims.c.answered_at, turn_claims.c.lease_until)
            .where(turn_claims.c.key == key))).one_or_none()
        if row is None:  # released between the insert and the read: try again
            return TurnClaim.BUSY
        if row.answered_at is not None:
            return TurnClaim.ANSWERED
        if row.lease_until > now:
            return TurnClaim.BUSY
        taken = await self._conn.execute(
            update(turn_claims)
            .where(and_(turn_claims.c.key == key, turn_claims.c.answered_at.is_(None),
                        turn_claims.c.lease_until <= now))
            .values(holder=holder, lease_until=lease_until))
        return TurnClaim.TAKEN if taken.rowcount else TurnClaim.BUSY

    async def renew(self, key: str, *, holder: str, lease_until: datetime) -> bool:
        result = await self._conn.execute(
            update(turn_claims)
            .where(and_(turn_claims.c.key == key, turn_claims.c.holder == holder,
                        turn_claims.c.answered_at.is_(None)))
            .values(lease_until=lease_until))
        return bool(result.rowcount)

    async def answered(self, key: str, *, holder: str, now: datetime) -> None:
        await self._conn.execute(
            update(turn_claims)
            .where(and_(turn_claims.c.key == key, turn_claims.c.holder == holder))
            .values(answered_at=now))

    async def release(self, key: str, *, holder: str) -> None:
        await self._conn.execute(turn_claims.delete().where(and_(
            turn_claims.c.key == key, turn_claims.c.holder == holder,
            turn_claims.c.answered_at.is_(None))))

    async def forget_before(self, cutoff: datetime) -> int:
        result = await self._conn.execute(
            turn_claims.delete().where(turn_claims.c.created_at < cutoff))
        return int(result.rowcount or 0)
