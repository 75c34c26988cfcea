"""The scheduler's ledger: heartbeats of the processes that run it, and the runs taken.

A scheduled run is taken by inserting (job, due time); the primary key lets one instance in,
so a sweep or digest due at 09:05 runs once however many schedulers fire for it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from casestore.db.engine import dialect_insert
from casestore.db.tables import job_runs, scheduler_heartbeats


class SchedulerLedger:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def beat(self, instance: str, now: datetime) -> None:
        stmt = dialect_insert(self._conn)(scheduler_heartbeats).values(
            instance=instance, beat_at=now)
        await self._conn.execute(stmt.on_conflict_do_update(
            index_elements=[scheduler_heartbeats.c.instance],
            set_={"beat_at": stmt.excluded.beat_at}))

    async def last_beat(self) -> datetime | None:
        """The newest heartbeat of any scheduler (the index's last entry)."""
        found: datetime | None = (await self._conn.execute(
            select(func.max(scheduler_heartbeats.c.beat_at)))).scalar_one_or_none()
        return found

    async def claim_run(self, job: str, due_at: datetime, *, instance: str,
                        now: datetime) -> bool:
        """True for the one caller that takes this run; False once another has."""
        stmt = dialect_insert(self._conn)(job_runs).values(
            job=job, due_at=due_at, instance=instance, started_at=now
        ).on_conflict_do_nothing(index_elements=[job_runs.c.job, job_runs.c.due_at])
        return bool((await self._conn.execute(stmt)).rowcount)

    async def forget_before(self, cutoff: datetime) -> int:
        """Drop runs due and heartbeats beaten before `cutoff` (housekeeping)."""
        runs = await self._conn.execute(job_runs.delete().where(job_runs.c.due_at < cutoff))
        beats = await self._conn.execute(
            scheduler_heartbeats.delete().where(scheduler_heartbeats.c.beat_at < cutoff))
        return int(runs.rowcount or 0) + int(beats.rowcount or 0)
