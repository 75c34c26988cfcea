"""The outbox: everything the bot must tell someone, queued with the change that causes it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from casestore.db.engine import dialect_insert
from casestore.db.tables import outbox
from casestore.records import OutboxMessage

KEYS_PER_QUERY = 500


def _message(row: Any) -> OutboxMessage:
    m = row._mapping
    return OutboxMessage(**{k: m[k] for k in OutboxMessage.__dataclass_fields__})


class OutboxRepository:
    """Everything the bot must tell someone, written with the event that causes it.

    A row's `dedupe_key` (case, kind, deadline) is unique: queueing the same message twice is a
    no-op, which is what makes sweeps and retried turns safe.
    """

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(
        self, *, dedupe_key: str, kind: str, recipient: str, payload: dict[str, Any],
        now: datetime, case_id: int | None = None,
    ) -> bool:
        stmt = dialect_insert(self._conn)(outbox).values(
            dedupe_key=dedupe_key, case_id=case_id, kind=kind, recipient=recipient,
            payload=payload, status="pending", attempts=0, next_attempt_at=now, created_at=now,
        ).on_conflict_do_nothing(index_elements=[outbox.c.dedupe_key])
        result = await self._conn.execute(stmt)
        return bool(result.rowcount)

    async def add_many(self, rows: list[dict[str, Any]], *, now: datetime) -> None:
        """Queue many at once (one statement); keys already queued are skipped."""
        if not rows:
            return
        values = [{**r, "status": "pending", "attempts": 0, "next_attempt_at": now,
                   "created_at": now} for r in rows]
        for start in range(0, len(values), 500):
            stmt = dialect_insert(self._conn)(outbox).on_conflict_do_nothing(
                index_elements=[outbox.c.dedupe_key])
            await self._conn.execute(stmt, values[start:start + 500])

    async def queued_keys(self, keys: Sequence[str]) -> set[str]:
        """Those of these dedupe keys already in the outbox (one query per 500 keys)."""
        found: set[str] = set()
        for start in range(0, len(keys), KEYS_PER_QUERY):
            rows = await self._conn.execute(select(outbox.c.dedupe_key).where(
                outbox.c.dedupe_key.in_(list(keys[start:start + KEYS_PER_QUERY]))))
            found.update(r[0] for r in rows)
        return found

    async def claim(
        self, *, worker: str, now: datetime, lease_s: float = 30.0, limit: int = 20
    ) -> list[OutboxMessage]:
        """Take due rows for this worker: pending ones, and 'sending' ones whose lease ran out
        (the worker that claimed them died: `renew` keeps a live worker's lease from lapsing).

        On PostgreSQL `FOR UPDATE SKIP LOCKED` lets several instances claim at once without
        taking the same row; SQLite's single writer gives the same guarantee.
        """
        due = and_(
            outbox.c.status.in_(("pending", "sending")), outbox.c.next_attempt_at <= now
        )
        pick = select(outbox.c.id).where(due).order_by(outbox.c.next_attempt_at, outbox.c.id)
        pick = pick.limit(limit)
        if self._conn.dialect.name == "postgresql":
            pick = pick.with_for_update(skip_locked=True)
        ids = [r.id for r in await self._conn.execute(pick)]
        if not ids:
            return []
        await self._conn.execute(
            update(outbox).where(outbox.c.id.in_(ids)).values(
                status="sending", claimed_by=worker,
                next_attempt_at=now + timedelta(seconds=lease_s),
            )
        )
        rows = await self._conn.execute(select(outbox).where(outbox.c.id.in_(ids)))
        return sorted((_message(r) for r in rows), key=lambda m: m.id)

    async def renew(self, message_ids: Sequence[int], *, worker: str, until: datetime) -> int:
        """Extend this worker's lease on rows it is still sending; how many it still holds."""
        if not message_ids:
            return 0
        result = await self._conn.execute(
            update(outbox)
            .where(and_(outbox.c.id.in_(list(message_ids)), outbox.c.claimed_by == worker,
                        outbox.c.status == "sending"))
            .values(next_attempt_at=until)
        )
        return int(result.rowcount or 0)

    async def mark_sent(self, message_id: int, *, worker: str, now: datetime) -> bool:
        result = await self._conn.execute(
            update(outbox)
            .where(and_(outbox.c.id == message_id, outbox.c.claimed_by == worker,
                        outbox.c.status == "sending"))
            .values(status="sent", sent_at=now, attempts=outbox.c.attempts + 1, last_error=None)
        )
        return bool(result.rowcount)

    async def mark_failed(
        self, message_id: int, *, worker: str, now: datetime, error: str, retry_at: datetime | None,
    ) -> None:
        """A failed try: back to pending at `retry_at`, or dead-lettered when that is None."""
        await self._conn.execute(
            update(outbox)
            .where(and_(outbox.c.id == message_id, outbox.c.claimed_by == worker))
            .values(
                status="pending" if retry_at else "dead",
                attempts=outbox.c.attempts + 1,
                next_attempt_at=retry_at or now,
                last_error=error[:2000],
            )
        )

    async def defer(self, message_id: int, *, worker: str, error: str, until: datetime) -> None:
        """Put a claimed row back to wait, without counting a try (nothing failed)."""
        await self._conn.execute(
            update(outbox)
            .where(and_(outbox.c.id == message_id, outbox.c.claimed_by == worker))
            .values(status="pending", next_attempt_at=until, last_error=error[:2000])
        )

    async def release(self, *, worker: str, now: datetime) -> int:
        """Give back every row `worker` claimed and has not finished, due at once: a stopping
        instance hands them to the others instead of leaving them to its lease."""
        result = await self._conn.execute(
            update(outbox)
            .where(and_(outbox.c.claimed_by == worker, outbox.c.status == "sending"))
            .values(status="pending", claimed_by=None, next_attempt_at=now)
        )
        return int(result.rowcount or 0)

    async def by_status(self, status: str, *, limit: int = 100) -> list[OutboxMessage]:
        rows = await self._conn.execute(
            select(outbox).where(outbox.c.status == status).order_by(outbox.c.id).limit(limit)
        )
        return [_message(r) for r in rows]

    async def latest_with_status(self, status: str, *, limit: int) -> list[OutboxMessage]:
        """The newest rows with this status, newest first."""
        rows = await self._conn.execute(
            select(outbox).where(outbox.c.status == status).order_by(outbox.c.id.desc())
            .limit(limit))
        return [_message(r) for r in rows]

    async def count_status(self, status: str) -> int:
        return int((await self._conn.execute(
            select(func.count()).select_from(outbox).where(outbox.c.status == status)
        )).scalar_one())

    async def for_case(self, case_id: int) -> list[OutboxMessage]:
        rows = await self._conn.execute(
            select(outbox).where(outbox.c.case_id == case_id).order_by(outbox.c.id)
        )
        return [_message(r) for r in rows]

    async def counts(self) -> dict[str, int]:
        rows = await self._conn.execute(
            select(outbox.c.status, func.count()).group_by(outbox.c.status)
        )
        return {r[0]: int(r[1]) for r in rows}

    async def all(self) -> list[OutboxMessage]:
        return [_message(r) for r in await self._conn.execute(select(outbox).order_by(outbox.c.id))]
