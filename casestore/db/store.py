"""The unit of work: one transaction holding the case, outbox, reference and idempotency tables."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from casestore.db.engine import READ_ONLY, create_engine
from casestore.db.repository import CaseRepository
from casestore.db.tables import conversation_refs, idempotency_keys, metadata, outbox
from casestore.db.threads import ThreadRepository


def _insert(conn: AsyncConnection) -> Any:
    return pg_insert if conn.dialect.name == "postgresql" else sqlite_insert


@dataclass(frozen=True)
class OutboxMessage:
    id: int
    dedupe_key: str
    case_id: int | None
    kind: str
    recipient: str
    payload: dict[str, Any]
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


def _message(row: Any) -> OutboxMessage:
    m = row._mapping
    return OutboxMessage(**{k: m[k] for k in OutboxMessage.__dataclass_fields__})


class OutboxRepository:
    """Everything the bot must tell someone, written with the event that causes it.

    A row's `dedupe_key` (case, kind, deadline) is unique: queueing the same message twice is a
    no-op, which is what makes sweeps and retried turns safe.
    """

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(
        self, *, dedupe_key: str, kind: str, recipient: str, payload: dict[str, Any],
        now: datetime, case_id: int | None = None,
    ) -> bool:
        stmt = _insert(self.conn)(outbox).values(
            dedupe_key=dedupe_key, case_id=case_id, kind=kind, recipient=recipient,
            payload=payload, status="pending", attempts=0, next_attempt_at=now, created_at=now,
        ).on_conflict_do_nothing(index_elements=[outbox.c.dedupe_key])
        result = await self.conn.execute(stmt)
        return bool(result.rowcount)

    async def add_many(self, rows: list[dict[str, Any]], *, now: datetime) -> None:
        """Queue many at once (one statement); keys already queued are skipped."""
        if not rows:
            return
        values = [{**r, "status": "pending", "attempts": 0, "next_attempt_at": now,
                   "created_at": now} for r in rows]
        for start in range(0, len(values), 500):
            stmt = _insert(self.conn)(outbox).on_conflict_do_nothing(
                index_elements=[outbox.c.dedupe_key])
            await self.conn.execute(stmt, values[start:start + 500])

    async def claim(
        self, *, worker: str, now: datetime, lease_s: float = 120.0, limit: int = 20
    ) -> list[OutboxMessage]:
        """Take due rows for this worker: pending ones, and 'sending' ones whose lease ran out.

        On PostgreSQL `FOR UPDATE SKIP LOCKED` lets several instances claim at once without
        taking the same row; SQLite's single writer gives the same guarantee.
        """
        due = and_(
            outbox.c.status.in_(("pending", "sending")), outbox.c.next_attempt_at <= now
        )
        pick = select(outbox.c.id).where(due).order_by(outbox.c.next_attempt_at, outbox.c.id)
        pick = pick.limit(limit)
        if self.conn.dialect.name == "postgresql":
            pick = pick.with_for_update(skip_locked=True)
        ids = [r.id for r in await self.conn.execute(pick)]
        if not ids:
            return []
        await self.conn.execute(
            update(outbox).where(outbox.c.id.in_(ids)).values(
                status="sending", claimed_by=worker,
                next_attempt_at=now + timedelta(seconds=lease_s),
            )
        )
        rows = await self.conn.execute(select(outbox).where(outbox.c.id.in_(ids)))
        return sorted((_message(r) for r in rows), key=lambda m: m.id)

    async def mark_sent(self, message_id: int, *, worker: str, now: datetime) -> bool:
        result = await self.conn.execute(
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
        await self.conn.execute(
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
        await self.conn.execute(
            update(outbox)
            .where(and_(outbox.c.id == message_id, outbox.c.claimed_by == worker))
            .values(status="pending", next_attempt_at=until, last_error=error[:2000])
        )

    async def by_status(self, status: str, *, limit: int = 100) -> list[OutboxMessage]:
        rows = await self.conn.execute(
            select(outbox).where(outbox.c.status == status).order_by(outbox.c.id).limit(limit)
        )
        return [_message(r) for r in rows]

    async def for_case(self, case_id: int) -> list[OutboxMessage]:
        rows = await self.conn.execute(
            select(outbox).where(outbox.c.case_id == case_id).order_by(outbox.c.id)
        )
        return [_message(r) for r in rows]

    async def counts(self) -> dict[str, int]:
        rows = await self.conn.execute(
            select(outbox.c.status, func.count()).group_by(outbox.c.status)
        )
        return {r[0]: int(r[1]) for r in rows}

    async def all(self) -> list[OutboxMessage]:
        return [_message(r) for r in await self.conn.execute(select(outbox).order_by(outbox.c.id))]


class ConversationRefs:
    """Stored Bot Framework conversation references, keyed `person:<id>` or `channel:<id>`."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def put(self, key: str, reference: dict[str, Any], now: datetime) -> None:
        stmt = _insert(self.conn)(conversation_refs).values(
            key=key, reference=reference, updated_at=now
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[conversation_refs.c.key],
            set_={"reference": stmt.excluded.reference, "updated_at": stmt.excluded.updated_at},
        )
        await self.conn.execute(stmt)

    async def get(self, key: str) -> dict[str, Any] | None:
        row = (await self.conn.execute(
            select(conversation_refs.c.reference).where(conversation_refs.c.key == key)
        )).scalar_one_or_none()
        return dict(row) if row is not None else None

    async def get_many(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        if not keys:
            return {}
        rows = await self.conn.execute(
            select(conversation_refs).where(conversation_refs.c.key.in_(list(keys)))
        )
        return {r.key: dict(r.reference) for r in rows}


class IdempotencyKeys:
    """Activity ids and card nonces already handled, with what the first handling answered."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def claim(self, key: str, now: datetime) -> dict[str, Any] | None:
        """None if this key is new (and is now taken); else the result stored the first time."""
        stmt = _insert(self.conn)(idempotency_keys).values(key=key, created_at=now, result={})
        stmt = stmt.on_conflict_do_nothing(index_elements=[idempotency_keys.c.key])
        if (await self.conn.execute(stmt)).rowcount:
            return None
        row = (await self.conn.execute(
            select(idempotency_keys.c.result).where(idempotency_keys.c.key == key)
        )).scalar_one()
        return dict(row)

    async def get(self, key: str) -> dict[str, Any] | None:
        row = (await self.conn.execute(
            select(idempotency_keys.c.result).where(idempotency_keys.c.key == key)
        )).scalar_one_or_none()
        return dict(row) if row is not None else None

    async def exists(self, key: str) -> bool:
        found = await self.conn.execute(
            select(idempotency_keys.c.key).where(idempotency_keys.c.key == key))
        return found.first() is not None

    async def set_result(self, key: str, result: dict[str, Any]) -> None:
        await self.conn.execute(
            update(idempotency_keys).where(idempotency_keys.c.key == key).values(result=result)
        )

    async def forget_before(self, cutoff: datetime) -> int:
        result = await self.conn.execute(
            idempotency_keys.delete().where(idempotency_keys.c.created_at < cutoff)
        )
        return int(result.rowcount or 0)


class UnitOfWork:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.cases = CaseRepository(conn)
        self.outbox = OutboxRepository(conn)
        self.refs = ConversationRefs(conn)
        self.idempotency = IdempotencyKeys(conn)
        self.threads = ThreadRepository(conn)


class Store:
    """The database behind the case store. `transaction()` commits on success, else rolls back."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sqlite = engine.dialect.name == "sqlite"
        self._writers: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Store:
        return cls(create_engine(url, **kwargs))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[UnitOfWork]:
        """A unit of work that may write. On SQLite, writers in this process queue on an
        asyncio lock and are woken the moment the one before them commits, instead of polling
        SQLite's write lock with its busy handler's sleeps (which cost up to 100 ms a try)."""
        if not self._sqlite:
            async with self.engine.begin() as conn:
                yield UnitOfWork(conn)
            return
        async with self._writer_lock(), self.engine.begin() as conn:
            yield UnitOfWork(conn)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[UnitOfWork]:
        """A unit of work that only reads: one consistent snapshot, no write lock (SQLite
        starts a deferred transaction; writing through it is a bug and fails)."""
        async with self.engine.connect() as conn:
            await conn.execution_options(**{READ_ONLY: True})
            async with conn.begin():
                yield UnitOfWork(conn)

    def _writer_lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._writers.get(loop)
        if lock is None:
            self._writers = {k: v for k, v in self._writers.items() if not k.is_closed()}
            lock = self._writers[loop] = asyncio.Lock()
        return lock

    async def create_all(self) -> None:
        """For throwaway databases in tests; real ones are migrated by Alembic."""
        async with self.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)

    async def dispose(self) -> None:
        await self.engine.dispose()

