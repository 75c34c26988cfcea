"""The SQLAlchemy store: a transaction per unit of work, holding every repository and query."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from casestore import ports
from casestore.db.engine import READ_ONLY, create_engine, dialect_insert
from casestore.db.outbox import OutboxRepository
from casestore.db.people import PeopleRepository
from casestore.db.privacy import PrivacyRepository
from casestore.db.queries.digest import DigestQueries
from casestore.db.queries.reconcile import ReconcileQueries
from casestore.db.queries.reports import ReportQueries
from casestore.db.queries.sweep import SweepQueries
from casestore.db.repository import CaseRepository
from casestore.db.scheduling import SchedulerLedger
from casestore.db.tables import conversation_refs, idempotency_keys, metadata
from casestore.db.threads import ThreadRepository
from casestore.db.turns import TurnClaims


class ConversationRefs:
    """Stored Bot Framework conversation references, keyed `person:<id>` or `channel:<id>`."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def put(self, key: str, reference: dict[str, Any], now: datetime) -> None:
        stmt = dialect_insert(self._conn)(conversation_refs).values(
            key=key, reference=reference, updated_at=now
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[conversation_refs.c.key],
            set_={"reference": stmt.excluded.reference, "updated_at": stmt.excluded.updated_at},
        )
        await self._conn.execute(stmt)

    async def get(self, key: str) -> dict[str, Any] | None:
        row = (await self._conn.execute(
            select(conversation_refs.c.reference).where(conversation_refs.c.key == key)
        )).scalar_one_or_none()
        return dict(row) if row is not None else None

    async def get_many(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        if not keys:
            return {}
        rows = await self._conn.execute(
            select(conversation_refs).where(conversation_refs.c.key.in_(list(keys)))
        )
        return {r.key: dict(r.reference) for r in rows}


class IdempotencyKeys:
    """Activity ids and card nonces already handled, with what the first handling answered."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def claim(self, key: str, now: datetime) -> dict[str, Any] | None:
        """None if this key is new (and is now taken); else the result stored the first time."""
        stmt = dialect_insert(self._conn)(idempotency_keys).values(
            key=key, created_at=now, result={})
        stmt = stmt.on_conflict_do_nothing(index_elements=[idempotency_keys.c.key])
        if (await self._conn.execute(stmt)).rowcount:
            return None
        row = (await self._conn.execute(
            select(idempotency_keys.c.result).where(idempotency_keys.c.key == key)
        )).scalar_one()
        return dict(row)

    async def get(self, key: str) -> dict[str, Any] | None:
        row = (await self._conn.execute(
            select(idempotency_keys.c.result).where(idempotency_keys.c.key == key)
        )).scalar_one_or_none()
        return dict(row) if row is not None else None

    async def exists(self, key: str) -> bool:
        found = await self._conn.execute(
            select(idempotency_keys.c.key).where(idempotency_keys.c.key == key))
        return found.first() is not None

    async def set_result(self, key: str, result: dict[str, Any]) -> None:
        await self._conn.execute(
            update(idempotency_keys).where(idempotency_keys.c.key == key).values(result=result)
        )

    async def forget_before(self, cutoff: datetime) -> int:
        result = await self._conn.execute(
            idempotency_keys.delete().where(idempotency_keys.c.created_at < cutoff)
        )
        return int(result.rowcount or 0)


class UnitOfWork:
    """One transaction's repositories and queries (`casestore.ports.UnitOfWork`); the
    connection stays inside the adapter."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self.cases = CaseRepository(conn)
        self.outbox = OutboxRepository(conn)
        self.refs = ConversationRefs(conn)
        self.idempotency = IdempotencyKeys(conn)
        self.threads = ThreadRepository(conn)
        self.turns = TurnClaims(conn)
        self.people = PeopleRepository(conn)
        self.sweep = SweepQueries(conn)
        self.digest = DigestQueries(conn)
        self.reports = ReportQueries(conn)
        self.reconcile = ReconcileQueries(conn)
        self.scheduler = SchedulerLedger(conn)
        self.privacy = PrivacyRepository(conn)


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


if TYPE_CHECKING:  # mypy checks here that the adapter fits the ports, method for method
    def _fits_the_ports(store: Store, uow: UnitOfWork) -> tuple[ports.Store, ports.UnitOfWork]:
        return store, uow
