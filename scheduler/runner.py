"""The scheduled jobs, on APScheduler 3's AsyncIOScheduler: the SLA sweep every few minutes, the
digest each working day, and housekeeping. Every job reads the injected clock, and each job is
safe to run on several instances at once (the outbox's dedupe keys make the second a no-op)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from casestore.casework import Casework
from scheduler.digest import queue_digest
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

    async def housekeeping(self) -> int:
        now = self.clock()
        async with self.casework.store.transaction() as uow:
            keys = await uow.idempotency.forget_before(now - timedelta(days=IDEMPOTENCY_KEEP_DAYS))
            # Teams re-delivers within minutes: a day of claims on incoming messages is plenty
            return keys + await uow.turns.forget_before(now - timedelta(days=1))


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
    scheduler.add_job(jobs.housekeeping, CronTrigger(hour=3, minute=15, timezone=tz),
                      id="housekeeping", name="Forget old idempotency keys")
    return scheduler
