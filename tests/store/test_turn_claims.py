"""Claims on incoming activities (`bot.turns`, `casestore.db.turns`), on SQLite and PostgreSQL.

One delivery handles an activity; another waits while it works, is dropped once it answered, and
takes over only when the holder's lease has lapsed (it died mid-turn). The clock is moved, not
slept through.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.turns import TurnGate
from casestore.db.store import Store
from casestore.records import TurnClaim
from tests.bot.member_fixtures import MONDAY, Clock

KEY = "turn:a:1chat-sarah:1700000000001"


async def take(store: Store, holder: str, clock: Clock, lease_s: float = 15) -> TurnClaim:
    async with store.transaction() as uow:
        return await uow.turns.take(KEY, holder=holder, now=clock(),
                                    lease_until=clock() + timedelta(seconds=lease_s))


async def test_a_claim_is_held_answered_and_taken_over_only_once_its_lease_lapses(
    store: Store,
) -> None:
    clock = Clock(MONDAY)
    assert await take(store, "first", clock) is TurnClaim.TAKEN
    assert await take(store, "second", clock) is TurnClaim.BUSY
    clock.now += timedelta(seconds=14)
    assert await take(store, "second", clock) is TurnClaim.BUSY
    clock.now += timedelta(seconds=2)  # the first holder died 16 s ago: its lease has lapsed
    assert await take(store, "second", clock) is TurnClaim.TAKEN
    async with store.transaction() as uow:
        await uow.turns.answered(KEY, holder="first", now=clock())  # too late: not its claim
    assert await take(store, "third", clock) is TurnClaim.BUSY
    async with store.transaction() as uow:
        await uow.turns.answered(KEY, holder="second", now=clock())
    clock.now += timedelta(hours=1)
    assert await take(store, "third", clock) is TurnClaim.ANSWERED


async def test_renewing_keeps_a_live_holder_and_releasing_lets_the_next_delivery_in(
    store: Store,
) -> None:
    clock = Clock(MONDAY)
    assert await take(store, "first", clock) is TurnClaim.TAKEN
    clock.now += timedelta(seconds=10)
    async with store.transaction() as uow:
        assert await uow.turns.renew(KEY, holder="first", lease_until=clock() +
                                     timedelta(seconds=15))
        assert not await uow.turns.renew(KEY, holder="second", lease_until=clock() +
                                         timedelta(seconds=15))
    clock.now += timedelta(seconds=10)
    assert await take(store, "second", clock) is TurnClaim.BUSY
    async with store.transaction() as uow:
        await uow.turns.release(KEY, holder="first")
    assert await take(store, "second", clock) is TurnClaim.TAKEN


async def test_old_claims_are_forgotten(store: Store) -> None:
    clock = Clock(MONDAY)
    await take(store, "first", clock)
    async with store.transaction() as uow:
        assert await uow.turns.forget_before(MONDAY + timedelta(days=1)) == 1
    assert await take(store, "second", clock) is TurnClaim.TAKEN


async def test_a_second_delivery_waits_for_the_first_and_is_then_dropped(store: Store) -> None:
    clock = Clock(MONDAY)
    one, two = (TurnGate(store, clock, lease_s=15, poll_s=0.01, holder=h) for h in ("a", "b"))
    handled: list[str] = []
    first_inside = asyncio.Event()
    release_first = asyncio.Event()

    async def first() -> None:
        async with one.claimed(KEY) as mine:
            assert mine
            first_inside.set()
            await release_first.wait()
            handled.append("first")

    async def second() -> None:
        await first_inside.wait()
        async with two.claimed(KEY) as mine:
            handled.append("second" if mine else "second dropped")

    task = asyncio.gather(first(), second())
    await first_inside.wait()
    await asyncio.sleep(0.1)
    assert handled == []  # the second is waiting, not answering
    release_first.set()
    await task
    assert handled == ["first", "second dropped"]


async def test_a_delivery_takes_over_from_a_holder_that_died_mid_turn(store: Store) -> None:
    clock = Clock(MONDAY)
    dead = TurnGate(store, clock, lease_s=15, holder="dead")
    assert await dead._take(KEY)  # it claimed, then its process was killed
    alive = TurnGate(store, clock, lease_s=15, poll_s=0.01, max_wait_s=5, holder="alive")

    async def later() -> None:
        await asyncio.sleep(0.1)
        clock.now += timedelta(seconds=16)

    mover = asyncio.create_task(later())
    async with alive.claimed(KEY) as mine:
        assert mine
    await mover
    assert await take(store, "third", clock) is TurnClaim.ANSWERED


async def test_a_failed_turn_releases_its_claim(store: Store) -> None:
    clock = Clock(MONDAY)
    gate = TurnGate(store, clock, lease_s=15, holder="a")
    with pytest.raises(RuntimeError):
        async with gate.claimed(KEY) as mine:
            assert mine
            raise RuntimeError("the turn failed")
    assert await take(store, "b", clock) is TurnClaim.TAKEN


@pytest.mark.parametrize(("value", "expected"), [(None, 15), ("3", 3), ("600", 600)])
def test_the_claim_lease_is_a_setting(value: str | None, expected: int) -> None:
    from memberportal.settings import Settings

    env = {} if value is None else {"CLAIM_LEASE_S": value}
    assert Settings.from_environ(env).claim_lease_s == expected


@pytest.mark.parametrize("value", ["0", "601", "soon"])
def test_a_bad_claim_lease_is_named(value: str) -> None:
    from memberportal.settings import Settings, SettingsError

    with pytest.raises(SettingsError, match="CLAIM_LEASE_S"):
        Settings.from_environ({"CLAIM_LEASE_S": value})


async def test_housekeeping_forgets_claims_older_than_a_day(store: Store) -> None:
    from casestore.casework import Casework
    from casestore.config import load_council_config
    from casestore.directory import Directory
    from scheduler.runner import Jobs

    config = load_council_config()
    casework = Casework(store, config, Directory.from_config(config))
    clock = Clock(MONDAY)
    await take(store, "first", clock)
    assert await Jobs(casework, lambda: MONDAY + timedelta(hours=2)).housekeeping() == 0
    assert await Jobs(casework, lambda: MONDAY + timedelta(days=2)).housekeeping() == 1
