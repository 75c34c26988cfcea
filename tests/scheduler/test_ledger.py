"""The scheduler's ledger on both engines: a scheduled run is taken once however many
schedulers fire for it, and heartbeats say when a scheduler was last alive."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from casestore.casework import Casework
from casestore.db.store import Store
from scheduler.runner import ANCHOR, DIGEST, SWEEP, Jobs, due_slot
from tests.store.helpers import MONDAY, details, member

MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(("now", "interval_s", "due"), [
    (datetime(2026, 11, 23, 9, 0, 0, tzinfo=UTC), 300, datetime(2026, 11, 23, 9, 0, tzinfo=UTC)),
    (datetime(2026, 11, 23, 9, 4, 59, 999, tzinfo=UTC), 300,
     datetime(2026, 11, 23, 9, 0, tzinfo=UTC)),
    (datetime(2026, 11, 23, 9, 5, 0, 1, tzinfo=UTC), 300,
     datetime(2026, 11, 23, 9, 5, tzinfo=UTC)),
    (datetime(2026, 11, 23, 9, 0, 17, tzinfo=UTC), 10, datetime(2026, 11, 23, 9, 0, 10,
                                                                tzinfo=UTC)),
])
def test_a_runs_due_time_is_the_last_multiple_of_the_interval(
    now: datetime, interval_s: int, due: datetime,
) -> None:
    assert due_slot(now, interval_s) == due
    assert (due - ANCHOR).total_seconds() % interval_s == 0


async def test_a_run_is_taken_by_one_instance_only(store: Store) -> None:
    async def take(instance: str, job: str = SWEEP, due: datetime = MONDAY_9) -> bool:
        async with store.transaction() as uow:
            return await uow.scheduler.claim_run(job, due, instance=instance, now=MONDAY_9)

    taken = await asyncio.gather(*(take(f"scheduler-{i}") for i in range(6)))
    assert sorted(taken) == [False] * 5 + [True]
    assert await take("late") is False
    assert await take("any", due=MONDAY_9 + timedelta(minutes=5)) is True  # the next one
    assert await take("any", job=DIGEST) is True  # another job's run


async def test_two_schedulers_firing_together_sweep_once_per_due_time(
    casework: Casework, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("INFO", logger="scheduler")
    for _ in range(3):
        await casework.submit(details("ashcroft"), member_id="sarah-okafor",
                              actor=member("sarah-okafor"), now=MONDAY)
    tuesday = datetime(2026, 11, 24, 9, 0, 3, tzinfo=UTC)  # three acknowledgements due
    first = Jobs(casework, lambda: tuesday, instance="worker")
    second = Jobs(casework, lambda: tuesday, instance="serve-a")

    counts = await asyncio.gather(first.sweep(), second.sweep(), first.sweep())
    ran = [r.getMessage() for r in caplog.records if "ran:" in r.getMessage()]
    skipped = [r for r in caplog.records if "was run by another instance" in r.getMessage()]

    assert sorted(counts) == [0, 0, 3]
    assert ran == ["SLA sweep due 2026-11-24T09:00:00+00:00 ran: 3 queued"]
    assert len(skipped) == 2


async def test_heartbeats_give_the_newest_beat_and_housekeeping_forgets_old_ones(
    store: Store, casework: Casework,
) -> None:
    jobs = Jobs(casework, lambda: MONDAY_9, instance="worker-1")
    await jobs.heartbeat(MONDAY_9 - timedelta(days=40))
    await Jobs(casework, lambda: MONDAY_9, instance="worker-2").heartbeat(MONDAY_9)
    async with store.transaction() as uow:
        assert await uow.scheduler.last_beat() == MONDAY_9
        await uow.scheduler.claim_run(SWEEP, MONDAY_9 - timedelta(days=40), instance="w",
                                      now=MONDAY_9)

    await jobs.housekeeping()
    async with store.transaction() as uow:
        assert await uow.scheduler.last_beat() == MONDAY_9
        # the old run is forgotten: taking its due time again succeeds
        assert await uow.scheduler.claim_run(SWEEP, MONDAY_9 - timedelta(days=40),
                                             instance="w", now=MONDAY_9)
        assert await uow.scheduler.forget_before(MONDAY_9 + timedelta(seconds=1)) == 3
        assert await uow.scheduler.last_beat() is None
