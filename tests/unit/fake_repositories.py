"""In-memory outbox, conversation references, idempotency keys, threads and synced people,
for `tests/unit/fakes.FakeStore` (see its docstring for the promises they keep)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from casestore.records import (
    OutboxMessage,
    Replaced,
    SyncedPerson,
    Thread,
    ThreadPost,
    TurnClaim,
    thread_conversation_id,
)

if TYPE_CHECKING:
    from tests.unit.fakes import Tables


class FakeOutbox:
    def __init__(self, t: Tables) -> None:
        self.t = t

    def _keys(self) -> set[str]:
        return {m.dedupe_key for m in self.t.outbox.values()}

    async def add(self, *, dedupe_key: str, kind: str, recipient: str, payload: dict[str, Any],
                  now: datetime, case_id: int | None = None) -> bool:
        if dedupe_key in self._keys():
            return False
        message_id = self.t.next_id()
        self.t.outbox[message_id] = OutboxMessage(
            message_id, dedupe_key, case_id, kind, recipient, copy.deepcopy(payload), "pending",
            0, now, None, now, None)
        return True

    async def add_many(self, rows: list[dict[str, Any]], *, now: datetime) -> None:
        for row in rows:
            await self.add(now=now, **row)

    async def queued_keys(self, keys: Sequence[str]) -> set[str]:
        return set(keys) & self._keys()

    async def claim(self, *, worker: str, now: datetime, lease_s: float = 30.0,
                    limit: int = 20) -> list[OutboxMessage]:
        due = sorted((m for m in self.t.outbox.values()
                      if m.status in ("pending", "sending") and m.next_attempt_at <= now),
                     key=lambda m: (m.next_attempt_at, m.id))[:limit]
        for m in due:
            self.t.outbox[m.id] = replace(m, status="sending",
                                          next_attempt_at=now + timedelta(seconds=lease_s))
            self.t.claimed_by[m.id] = worker
        return [self.t.outbox[m.id] for m in sorted(due, key=lambda m: m.id)]

    async def renew(self, message_ids: Sequence[int], *, worker: str, until: datetime) -> int:
        held = [m for i in message_ids if (m := self._mine(i, worker)) and m.status == "sending"]
        for m in held:
            self.t.outbox[m.id] = replace(m, next_attempt_at=until)
        return len(held)

    def _mine(self, message_id: int, worker: str) -> OutboxMessage | None:
        found = self.t.outbox.get(message_id)
        return found if found and self.t.claimed_by.get(message_id) == worker else None

    async def mark_sent(self, message_id: int, *, worker: str, now: datetime) -> bool:
        m = self._mine(message_id, worker)
        if m is None or m.status != "sending":
            return False
        self.t.outbox[m.id] = replace(m, status="sent", sent_at=now, attempts=m.attempts + 1,
                                      last_error=None)
        return True

    async def mark_failed(self, message_id: int, *, worker: str, now: datetime, error: str,
                          retry_at: datetime | None) -> None:
        if (m := self._mine(message_id, worker)) is not None:
            self.t.outbox[m.id] = replace(
                m, status="pending" if retry_at else "dead", attempts=m.attempts + 1,
                next_attempt_at=retry_at or now, last_error=error[:2000])

    async def defer(self, message_id: int, *, worker: str, error: str, until: datetime) -> None:
        if (m := self._mine(message_id, worker)) is not None:
            self.t.outbox[m.id] = replace(m, status="pending", next_attempt_at=until,
                                          last_error=error[:2000])

    async def release(self, *, worker: str, now: datetime) -> int:
        mine = [m for m in self.t.outbox.values()
                if m.status == "sending" and self.t.claimed_by.get(m.id) == worker]
        for m in mine:
            self.t.outbox[m.id] = replace(m, status="pending", next_attempt_at=now)
            del self.t.claimed_by[m.id]
        return len(mine)

    async def all(self) -> list[OutboxMessage]:
        return [self.t.outbox[i] for i in sorted(self.t.outbox)]

    async def by_status(self, status: str, *, limit: int = 100) -> list[OutboxMessage]:
        return [m for m in await self.all() if m.status == status][:limit]

    async def latest_with_status(self, status: str, *, limit: int) -> list[OutboxMessage]:
        return [m for m in reversed(await self.all()) if m.status == status][:limit]

    async def count_status(self, status: str) -> int:
        return len([m for m in self.t.outbox.values() if m.status == status])

    async def for_case(self, case_id: int) -> list[OutboxMessage]:
        return [m for m in await self.all() if m.case_id == case_id]

    async def counts(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for m in self.t.outbox.values():
            found[m.status] = found.get(m.status, 0) + 1
        return found


class FakeRefs:
    def __init__(self, t: Tables) -> None:
        self.t = t

    async def put(self, key: str, reference: dict[str, Any], now: datetime) -> None:
        self.t.refs[key] = copy.deepcopy(reference)

    async def get(self, key: str) -> dict[str, Any] | None:
        found = self.t.refs.get(key)
        return copy.deepcopy(found) if found is not None else None

    async def get_many(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        return {k: copy.deepcopy(self.t.refs[k]) for k in keys if k in self.t.refs}


class FakeIdempotency:
    def __init__(self, t: Tables) -> None:
        self.t = t

    async def claim(self, key: str, now: datetime) -> dict[str, Any] | None:
        if key in self.t.idempotency:
            return dict(self.t.idempotency[key][1])
        self.t.idempotency[key] = (now, {})
        return None

    async def get(self, key: str) -> dict[str, Any] | None:
        found = self.t.idempotency.get(key)
        return dict(found[1]) if found is not None else None

    async def exists(self, key: str) -> bool:
        return key in self.t.idempotency

    async def set_result(self, key: str, result: dict[str, Any]) -> None:
        if key in self.t.idempotency:
            self.t.idempotency[key] = (self.t.idempotency[key][0], copy.deepcopy(result))

    async def forget_before(self, cutoff: datetime) -> int:
        old = [k for k, (at, _) in self.t.idempotency.items() if at < cutoff]
        for k in old:
            del self.t.idempotency[k]
        return len(old)


class FakeThreads:
    def __init__(self, t: Tables) -> None:
        self.t = t

    async def add(self, thread: Thread) -> None:
        key = (thread.case_id, thread.service_id)
        if key in self.t.threads:
            raise ValueError(f"case {key[0]} has a thread in {key[1]} already")
        self.t.threads[key] = thread

    async def set_card(self, case_id: int, service_id: str, card_activity_id: str) -> None:
        if (found := self.t.threads.get((case_id, service_id))) is not None:
            self.t.threads[(case_id, service_id)] = replace(
                found, card_activity_id=card_activity_id)

    async def get(self, case_id: int, service_id: str) -> Thread | None:
        return self.t.threads.get((case_id, service_id))

    async def for_cases(self, case_ids: Sequence[int]) -> list[Thread]:
        return [t for t in self.t.threads.values() if t.case_id in set(case_ids)]

    async def by_root(self, channel_id: str, root_message_id: str) -> Thread | None:
        found = next((t for t in self.t.threads.values() if t.channel_id == channel_id
                      and t.root_message_id == root_message_id), None)
        post = next((p for p in self.t.thread_posts.values() if p.channel_id == channel_id
                     and p.root_message_id == root_message_id), None)
        if found is not None or post is None:
            return found
        return self.t.threads.get((post.case_id, post.service_id)) or Thread(
            post.case_id, post.service_id, channel_id, root_message_id,
            thread_conversation_id(channel_id, root_message_id), root_message_id, "",
            post.started_at)

    async def start_post(self, *, case_id: int, service_id: str, channel_id: str,
                         now: datetime) -> int:
        post_id = self.t.next_id()
        self.t.thread_posts[post_id] = ThreadPost(post_id, case_id, service_id, channel_id,
                                                  None, now)
        return post_id

    async def confirm_post(self, post_id: int, *, root_message_id: str, now: datetime) -> bool:
        post = self.t.thread_posts.get(post_id)
        if post is None:
            return False
        taken = next((p for p in self.t.thread_posts.values() if p.channel_id ==
                      post.channel_id and p.root_message_id == root_message_id), None)
        if taken is not None:
            return taken.id == post_id
        self.t.thread_posts[post_id] = replace(post, root_message_id=root_message_id)
        return True

    async def unconfirmed_posts(self, channel_id: str) -> list[ThreadPost]:
        return [p for _, p in sorted(self.t.thread_posts.items())
                if p.channel_id == channel_id and p.root_message_id is None]


class FakeTurns:
    """Claims on incoming activities: key -> (holder, lease until, answered at, created at)."""

    def __init__(self, t: Tables) -> None:
        self.t = t

    async def take(self, key: str, *, holder: str, now: datetime,
                   lease_until: datetime) -> TurnClaim:
        found = self.t.turns.get(key)
        if found is None:
            self.t.turns[key] = (holder, lease_until, None, now)
            return TurnClaim.TAKEN
        _, lease, answered_at, created = found
        if answered_at is not None:
            return TurnClaim.ANSWERED
        if lease > now:
            return TurnClaim.BUSY
        self.t.turns[key] = (holder, lease_until, None, created)
        return TurnClaim.TAKEN

    async def renew(self, key: str, *, holder: str, lease_until: datetime) -> bool:
        found = self.t.turns.get(key)
        if found is None or found[0] != holder or found[2] is not None:
            return False
        self.t.turns[key] = (holder, lease_until, None, found[3])
        return True

    async def answered(self, key: str, *, holder: str, now: datetime) -> None:
        found = self.t.turns.get(key)
        if found is not None and found[0] == holder:
            self.t.turns[key] = (holder, found[1], now, found[3])

    async def release(self, key: str, *, holder: str) -> None:
        found = self.t.turns.get(key)
        if found is not None and found[0] == holder and found[2] is None:
            del self.t.turns[key]

    async def forget_before(self, cutoff: datetime) -> int:
        old = [k for k, v in self.t.turns.items() if v[3] < cutoff]
        for k in old:
            del self.t.turns[k]
        return len(old)


class FakePeople:
    def __init__(self, t: Tables) -> None:
        self.t = t

    async def all(self) -> list[SyncedPerson]:
        return sorted(self.t.people.values(), key=lambda p: p.person_id)

    async def known_ids(self) -> dict[str, str]:
        return {aad: p.person_id for aad, p in self.t.people.items()}

    async def replace_all(self, people: Sequence[SyncedPerson], now: datetime) -> Replaced:
        before = dict(self.t.people)
        self.t.people = {p.aad_object_id: replace(p, person_id=before[p.aad_object_id].person_id)
                         if p.aad_object_id in before else p for p in people}
        added = sum(p.aad_object_id not in before for p in people)
        updated = sum(p.aad_object_id in before and before[p.aad_object_id] != p for p in people)
        return Replaced(added, updated, len(set(before) - set(self.t.people)))


class FakeSchedulerLedger:
    def __init__(self, t: Tables) -> None:
        self.t = t

    async def beat(self, instance: str, now: datetime) -> None:
        self.t.heartbeats[instance] = now

    async def last_beat(self) -> datetime | None:
        return max(self.t.heartbeats.values(), default=None)

    async def claim_run(self, job: str, due_at: datetime, *, instance: str,
                        now: datetime) -> bool:
        if (job, due_at) in self.t.job_runs:
            return False
        self.t.job_runs[(job, due_at)] = instance
        return True

    async def forget_before(self, cutoff: datetime) -> int:
        runs = [k for k in self.t.job_runs if k[1] < cutoff]
        beats = [k for k, at in self.t.heartbeats.items() if at < cutoff]
        for run in runs:
            del self.t.job_runs[run]
        for beat in beats:
            del self.t.heartbeats[beat]
        return len(runs) + len(beats)
