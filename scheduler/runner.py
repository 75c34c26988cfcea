"""The scheduled jobs, on APScheduler 3's AsyncIOScheduler: the SLA sweep every few minutes, the
digest each working day, the retention sweep and housekeeping each night, and a heartbeat.
Every job reads the injected clock.

Each run of the sweep, the digest and housekeeping is taken in the database by (job, due time)
before it starts (`SchedulerLedger.claim_run`), so it runs once however many processes run the
scheduler: the sweep's due times are multiples of its interval since a fixed moment, the same on
every instance. The heartbeat (every `HEARTBEAT_INTERVAL_S`) tells `/readyz` on the bot
instances that the worker's scheduler is alive.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, time, timedelta
from typing import TypeVar

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from casestore.casework import Casework
from casestore.privacy import Privacy
from scheduler.digest import queue_digest
from scheduler.retention import remove_expired_details
from scheduler.sweep import sweep, sweep_allowed

log = logging.getLogger(__name__)

IDEMPOTENCY_KEEP_DAYS = 30
HEARTBEAT_INTERVAL_S = 15
ANCHOR = datetime(2000, 1, 1, tzinfo=UTC)  # due times are counted in intervals from here
SWEEP, DIGEST, HOUSEKEEPING = "sla-sweep", "daily-digest", "housekeeping"
T = TypeVar("T")


def due_slot(now: datetime, interval_s: int) -> datetime:
    """The due time of the run that `now` belongs to: the last multiple of the interval since
    `ANCHOR` at or before `now`."""
    elapsed = int((now - ANCHOR).total_seconds())
    return ANCHOR + timedelta(seconds=elapsed - elapsed % interval_s)


class Jobs:
    """The jobs themselves, callable directly (tests, the CLI) or by the scheduler."""

    def __init__(self, casework: Casework, clock: Callable[[], datetime], *,
                 sweep_interval_s: int = 300, instance: str | None = None) -> None:
        self.casework = casework
        self.clock = clock
        self.sweep_interval_s = sweep_interval_s
        self.instance = instance or f"scheduler-{uuid.uuid4().hex[:12]}"
        self._running = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def sweep(self) -> int:
        now = self.clock()
        due = due_slot(now, self.sweep_interval_s)
        if not await self._take(SWEEP, due, now):
            return 0
        if not sweep_allowed(self.casework, now):
            log.info("SLA sweep due %s ran: outside reminder hours, nothing queued",
                     due.isoformat())
            return 0
        queued = len(await sweep(self.casework, now))
        log.info("SLA sweep due %s ran: %d queued", due.isoformat(), queued)
        return queued

    async def digest(self) -> bool:
        now = self.clock()
        cal = self.casework.calendar
        at = self.casework.config.council.digest_time
        due = datetime.combine(cal.local_date(now), time(at.hour, at.minute), cal.tz)
        if not await self._take(DIGEST, due.astimezone(UTC), now):
            return False
        return await queue_digest(self.casework, now) is not None

    async def retention(self) -> int:
        cw = self.casework
        privacy = Privacy(cw.store, cw.config, cw.directory)
        return len(await remove_expired_details(privacy, self.clock()))

    async def housekeeping(self) -> int:
        now = self.clock()
        due = datetime.combine(self.casework.calendar.local_date(now), time(3, 15),
                               self.casework.calendar.tz).astimezone(UTC)
        if not await self._take(HOUSEKEEPING, due, now):
            return 0
        cutoff = now - timedelta(days=IDEMPOTENCY_KEEP_DAYS)
        async with self.casework.store.transaction() as uow:
            forgotten = await uow.idempotency.forget_before(cutoff)
            await uow.scheduler.forget_before(cutoff)
            # Teams re-delivers within minutes: a day of claims on incoming messages is plenty
            forgotten += await uow.turns.forget_before(now - timedelta(days=1))
        return forgotten

    async def heartbeat(self, now: datetime | None = None) -> None:
        """Liveness is wall-clock time, whatever clock the jobs are given."""
        async with self.casework.store.transaction() as uow:
            await uow.scheduler.beat(self.instance, now or datetime.now(UTC))

    async def _take(self, job: str, due: datetime, now: datetime) -> bool:
        async with self.casework.store.transaction() as uow:
            taken = await uow.scheduler.claim_run(job, due, instance=self.instance, now=now)
        if not taken:
            log.info("%s due %s was run by another instance", job, due.isoformat())
        return taken

    # -- running and stopping ---------------------------------------------------------------
    async def tracked(self, job: Callable[[], Awaitable[T]]) -> T:
        """Run `job`, counted, so that stopping can wait for the runs in progress."""
        self._running += 1
        self._idle.clear()
        try:
            return await job()
        finally:
            self._running -= 1
            if not self._running:
                self._idle.set()

    async def wait_idle(self, timeout_s: float) -> bool:
        """Wait up to `timeout_s` for the runs in progress; False if some were still going."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout_s)
        except TimeoutError:
            return False
        return True


def build_scheduler(jobs: Jobs, *, sweep_interval_s: int,
                    heartbeat_interval_s: int = HEARTBEAT_INTERVAL_S) -> AsyncIOScheduler:
    council = jobs.casework.config.council
    tz = jobs.casework.calendar.tz
    scheduler = AsyncIOScheduler(timezone=tz, job_defaults={
        "coalesce": True, "max_instances": 1, "misfire_grace_time": 3600})

    def tracked(job: Callable[[], Awaitable[object]]) -> Callable[[], Awaitable[object]]:
        async def run() -> object:
            return await jobs.tracked(job)
        return run

    scheduler.add_job(tracked(jobs.sweep), IntervalTrigger(
        seconds=sweep_interval_s, start_date=ANCHOR, timezone=tz), id=SWEEP, name="SLA sweep")
    scheduler.add_job(tracked(jobs.digest), CronTrigger(
        day_of_week="mon-fri", hour=council.digest_time.hour, minute=council.digest_time.minute,
        timezone=tz), id=DIGEST, name="Member support digest")
    scheduler.add_job(tracked(jobs.retention), CronTrigger(hour=2, minute=45, timezone=tz),
                      id="retention", name="Remove constituents' details past retention")
    scheduler.add_job(tracked(jobs.housekeeping), CronTrigger(hour=3, minute=15, timezone=tz),
                      id=HOUSEKEEPING, name="Forget old idempotency keys and scheduler runs")
    scheduler.add_job(tracked(jobs.heartbeat), IntervalTrigger(
        seconds=heartbeat_interval_s, timezone=tz), id="heartbeat", name="Heartbeat",
        next_run_time=datetime.now(tz))
    return scheduler
