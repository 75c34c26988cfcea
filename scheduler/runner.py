"""The scheduled jobs, on APScheduler 3's AsyncIOScheduler: the SLA sweep every few minutes, the
digest each working day, the retention sweep and housekeeping each night. Every job reads the
injected clock, and each job is safe to run on several instances at once (the outbox's dedupe
keys make a second sweep a no-op; the retention sweep skips cases another instance has locked
and finds none it has done)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

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


class Jobs:
    """The jobs themselves, callable directly (tests, the CLI) or by the scheduler."""

    def __init__(self, casework: Casework, clock: Callable[[], datetime]) -> None:
        self.casework = casework
        self.clock = clock

    async def sweep(self) -> int:
        now = self.clock()
        if not sweep_allowed(self.casework, now):
            return 0
        return len(await sweep(self.casework, now))

    async def digest(self) -> bool:
        return await queue_digest(self.casework, self.clock()) is not None

    async def retention(self) -> int:
        cw = self.casework
        privacy = Privacy(cw.store, cw.config, cw.directory)
        return len(await remove_expired_details(privacy, self.clock()))

    async def housekeeping(self) -> int:
        cutoff = self.clock() - timedelta(days=IDEMPOTENCY_KEEP_DAYS)
        async with self.casework.store.transaction() as uow:
            return await uow.idempotency.forget_before(cutoff)


def build_scheduler(jobs: Jobs, *, sweep_interval_s: int) -> AsyncIOScheduler:
    council = jobs.casework.config.council
    tz = jobs.casework.calendar.tz
    scheduler = AsyncIOScheduler(timezone=tz, job_defaults={
        "coalesce": True, "max_instances": 1, "misfire_grace_time": 3600})
    scheduler.add_job(jobs.sweep, IntervalTrigger(seconds=sweep_interval_s, timezone=tz),
                      id="sla-sweep", name="SLA sweep")
    scheduler.add_job(jobs.digest, CronTrigger(day_of_week="mon-fri",
                                               hour=council.digest_time.hour,
                                               minute=council.digest_time.minute, timezone=tz),
                      id="daily-digest", name="Member support digest")
    scheduler.add_job(jobs.retention, CronTrigger(hour=2, minute=45, timezone=tz),
                      id="retention", name="Remove constituents' details past retention")
    scheduler.add_job(jobs.housekeeping, CronTrigger(hour=3, minute=15, timezone=tz),
                      id="housekeeping", name="Forget old idempotency keys")
    return scheduler
