"""The outbox: one row per dedupe key, claimed by one worker at a time, retried or dead-lettered."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from casestore.db.store import Store
from tests.store.helpers import MONDAY


async def _queue(store: Store, key: str) -> bool:
    async with store.transaction() as uow:
        return await uow.outbox.add(dedupe_key=key, kind="ack-due", recipient="thread:roads",
                                    payload={"reference": "ENQ-2026-000001"}, now=MONDAY)


async def test_the_same_dedupe_key_is_queued_once(store: Store) -> None:
    assert await _queue(store, "ENQ-2026-000001:ack-due:2026-11-24")
    assert not await _queue(store, "ENQ-2026-000001:ack-due:2026-11-24")
    async with store.transaction() as uow:
        assert len(await uow.outbox.all()) == 1


async def test_two_workers_claiming_at_once_never_take_the_same_message(store: Store) -> None:
    for i in range(40):
        await _queue(store, f"key-{i}")

    async def claim(worker: str) -> list[int]:
        taken: list[int] = []
        while True:
            async with store.transaction() as uow:
                batch = await uow.outbox.claim(worker=worker, now=MONDAY, limit=3)
            if not batch:
                return taken
            for message in batch:
                async with store.transaction() as uow:
                    assert await uow.outbox.mark_sent(message.id, worker=worker, now=MONDAY)
                taken.append(message.id)

    a, b = await asyncio.gather(claim("a"), claim("b"))
    assert len(a) + len(b) == 40
    assert not set(a) & set(b)


async def test_a_failed_message_is_retried_later_then_dead_lettered(store: Store) -> None:
    await _queue(store, "k")
    async with store.transaction() as uow:
        [message] = await uow.outbox.claim(worker="w", now=MONDAY)
        await uow.outbox.mark_failed(message.id, worker="w", now=MONDAY, error="HTTP 503",
                                     retry_at=MONDAY + timedelta(minutes=1))
    async with store.transaction() as uow:
        assert await uow.outbox.claim(worker="w", now=MONDAY) == []
        [again] = await uow.outbox.claim(worker="w", now=MONDAY + timedelta(minutes=2))
        assert again.attempts == 1 and again.last_error == "HTTP 503"
        await uow.outbox.mark_failed(again.id, worker="w", now=MONDAY, error="HTTP 503",
                                     retry_at=None)
    async with store.transaction() as uow:
        [dead] = await uow.outbox.by_status("dead")
        assert dead.attempts == 2


async def test_a_claim_whose_worker_died_is_taken_again_after_its_lease(store: Store) -> None:
    await _queue(store, "k")
    async with store.transaction() as uow:
        [message] = await uow.outbox.claim(worker="dead-worker", now=MONDAY, lease_s=60)
    async with store.transaction() as uow:
        assert await uow.outbox.claim(worker="w", now=MONDAY + timedelta(seconds=30)) == []
        [retaken] = await uow.outbox.claim(worker="w", now=MONDAY + timedelta(seconds=61))
    assert retaken.id == message.id
    async with store.transaction() as uow:
        assert not await uow.outbox.mark_sent(message.id, worker="dead-worker", now=MONDAY)
        assert await uow.outbox.mark_sent(message.id, worker="w", now=MONDAY)


async def test_a_stopping_worker_releases_what_it_claimed_and_did_not_send(store: Store) -> None:
    for key in ("a", "b", "c"):
        await _queue(store, key)
    async with store.transaction() as uow:
        first, second, third = await uow.outbox.claim(worker="stopping", now=MONDAY)
        assert await uow.outbox.mark_sent(first.id, worker="stopping", now=MONDAY)
    await _queue(store, "d")
    async with store.transaction() as uow:
        [other] = await uow.outbox.claim(worker="other", now=MONDAY)

    later = MONDAY + timedelta(seconds=5)
    async with store.transaction() as uow:
        assert await uow.outbox.release(worker="stopping", now=later) == 2
    async with store.transaction() as uow:
        rows = {m.id: m for m in await uow.outbox.all()}
        # another instance takes the released rows at once, not after the 120 s lease
        taken = await uow.outbox.claim(worker="next", now=later)

    assert rows[first.id].status == "sent"
    assert [rows[m.id].status for m in (second, third)] == ["pending", "pending"]
    assert all(rows[m.id].next_attempt_at == later for m in (second, third))
    assert rows[other.id].status == "sending"  # another worker's claim is left alone
    assert {m.id for m in taken} == {second.id, third.id}
    assert [m.attempts for m in taken] == [0, 0]  # a release is not a failed try
