"""Hand-written in-memory fakes of the persistence ports (`casestore.ports`).

They keep the promises the SQLAlchemy adapter keeps, so the use cases can be specified on them:
a transaction commits when its block ends and otherwise leaves no trace; a case is saved only if
nobody saved it meanwhile (by `version`); outbox dedupe keys and idempotency keys are unique;
references are numbered per year from 000001; callers get copies, never the stored objects.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator, Collection, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from casestore.errors import CaseNotFound, ConcurrentUpdate
from casestore.model import ACTIVE_STATES, Case, CaseState, Event
from casestore.records import (
    AttachmentInfo,
    CaseFilter,
    OutboxMessage,
    Replaced,
    StoredEvent,
    SyncedPerson,
    Thread,
)
from tests.unit.fake_queries import FakeDigest, FakeReconcile, FakeReports, FakeSweep


@dataclass
class Tables:
    """Everything a `FakeStore` holds; a transaction works on a deep copy of it."""

    cases: dict[int, Case] = field(default_factory=dict)
    events: list[StoredEvent] = field(default_factory=list)
    counters: dict[int, int] = field(default_factory=dict)
    attachments: dict[int, tuple[AttachmentInfo, int, str]] = field(default_factory=dict)
    outbox: dict[int, OutboxMessage] = field(default_factory=dict)
    claimed_by: dict[int, str] = field(default_factory=dict)
    refs: dict[str, dict[str, Any]] = field(default_factory=dict)
    idempotency: dict[str, tuple[datetime, dict[str, Any]]] = field(default_factory=dict)
    threads: dict[tuple[int, str], Thread] = field(default_factory=dict)
    people: dict[str, SyncedPerson] = field(default_factory=dict)
    last_id: int = 0

    def next_id(self) -> int:
        self.last_id += 1
        return self.last_id


def _copy(case: Case) -> Case:
    return copy.deepcopy(case)


def _matches(case: Case, flt: CaseFilter) -> bool:
    visible = flt.visible_to_member
    text = (flt.text or "").strip().lower()
    checks = [
        not flt.member_id or case.member_id == flt.member_id,
        not visible or case.member_id == visible or visible in case.cc_member_ids,
        not flt.service_ids or bool(set(case.services) & set(flt.service_ids)),
        not flt.ward_id or case.ward_id == flt.ward_id,
        not flt.assignee_id or case.assignee_id == flt.assignee_id,
        case.state in flt.states if flt.states else
        (flt.include_drafts or case.state is not CaseState.DRAFT),
        not text or (case.reference or "").lower() == text or any(
            text in value.lower()
            for value in (case.search_term, case.location, case.description, case.ask)),
    ]
    return all(checks)


class FakeCases:
    def __init__(self, t: Tables) -> None:
        self.t = t

    def _write_events(self, case: Case) -> None:
        assert case.id is not None
        for e in case.new_events:
            self.t.events.append(StoredEvent(self.t.next_id(), case.id, copy.deepcopy(e)))
        case.new_events.clear()

    def _keep(self, case: Case) -> None:
        assert case.id is not None
        kept = _copy(case)
        kept.cc_member_ids = sorted(set(kept.cc_member_ids))
        self.t.cases[case.id] = kept

    async def add(self, case: Case) -> Case:
        if case.reference and any(c.reference == case.reference for c in self.t.cases.values()):
            raise ValueError(f"reference {case.reference} is taken")
        case.id = self.t.next_id()
        self._write_events(case)
        self._keep(case)
        return case

    async def save(self, case: Case) -> Case:
        assert case.id is not None
        stored = self.t.cases.get(case.id)
        if stored is None or stored.version != case.version:
            raise ConcurrentUpdate(case.reference)
        case.version += 1
        self._write_events(case)
        self._keep(case)
        return case

    async def delete_draft(self, case: Case) -> None:
        assert case.id is not None and case.state is CaseState.DRAFT
        self.t.cases.pop(case.id, None)

    async def find(self, reference: str) -> Case | None:
        wanted = reference.upper()
        found = [c for c in self.t.cases.values() if c.reference == wanted]
        return _copy(found[0]) if found else None

    async def get(self, reference: str, *, for_update: bool = False) -> Case:
        case = await self.find(reference)
        if case is None:
            raise CaseNotFound(reference)
        return case

    async def get_by_id(self, case_id: int) -> Case:
        if case_id not in self.t.cases:
            raise CaseNotFound(f"#{case_id}")
        return _copy(self.t.cases[case_id])

    async def by_ids(self, ids: Iterable[int]) -> dict[int, Case]:
        return {i: _copy(self.t.cases[i]) for i in sorted(set(ids)) if i in self.t.cases}

    async def list_cases(self, flt: CaseFilter, *, offset: int = 0, limit: int = 10
                         ) -> list[Case]:
        found = sorted((c for c in self.t.cases.values() if _matches(c, flt)),
                       key=lambda c: -(c.id or 0))
        return [_copy(c) for c in found[offset:offset + limit]]

    async def count(self, flt: CaseFilter) -> int:
        return sum(_matches(c, flt) for c in self.t.cases.values())

    async def events(self, case_id: int) -> list[StoredEvent]:
        return [copy.deepcopy(e) for e in self.t.events if e.case_id == case_id]

    async def events_of_active_cases(self, kinds: Collection[str]) -> dict[int, list[Event]]:
        by_case: dict[int, list[Event]] = {}
        for e in self.t.events:
            case = self.t.cases.get(e.case_id)
            if e.event.kind in kinds and case is not None and case.state in ACTIVE_STATES:
                by_case.setdefault(e.case_id, []).append(copy.deepcopy(e.event))
        return by_case

    async def next_reference(self, year: int) -> str:
        self.t.counters[year] = self.t.counters.get(year, 0) + 1
        return f"ENQ-{year:04d}-{self.t.counters[year]:06d}"

    async def add_attachment(
        self, case_id: int, *, filename: str, content_type: str, content: bytes, sha256: str,
        uploaded_by_id: str, uploaded_at: datetime,
    ) -> tuple[int, bool]:
        for att_id, (_, owner, digest) in self.t.attachments.items():
            if owner == case_id and digest == sha256:
                return att_id, False
        att_id = self.t.next_id()
        info = AttachmentInfo(att_id, filename, len(content), uploaded_at, uploaded_by_id)
        self.t.attachments[att_id] = (info, case_id, sha256)
        return att_id, True

    async def attachment_list(self, case_id: int) -> list[AttachmentInfo]:
        return [info for info, owner, _ in self.t.attachments.values() if owner == case_id]

    async def attachment_count(self, case_id: int) -> int:
        return len(await self.attachment_list(case_id))


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

    async def claim(self, *, worker: str, now: datetime, lease_s: float = 120.0,
                    limit: int = 20) -> list[OutboxMessage]:
        due = sorted((m for m in self.t.outbox.values()
                      if m.status in ("pending", "sending") and m.next_attempt_at <= now),
                     key=lambda m: (m.next_attempt_at, m.id))[:limit]
        for m in due:
            self.t.outbox[m.id] = replace(m, status="sending",
                                          next_attempt_at=now + timedelta(seconds=lease_s))
            self.t.claimed_by[m.id] = worker
        return [self.t.outbox[m.id] for m in sorted(due, key=lambda m: m.id)]

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
        return next((t for t in self.t.threads.values() if t.channel_id == channel_id
                     and t.root_message_id == root_message_id), None)


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


class FakeUnitOfWork:
    """One transaction's repositories, all on the same working copy of the tables."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables
        self.cases = FakeCases(tables)
        self.outbox = FakeOutbox(tables)
        self.refs = FakeRefs(tables)
        self.idempotency = FakeIdempotency(tables)
        self.threads = FakeThreads(tables)
        self.people = FakePeople(tables)
        self.sweep = FakeSweep(tables)
        self.digest = FakeDigest(tables)
        self.reports = FakeReports(tables)
        self.reconcile = FakeReconcile(tables)


class FakeStore:
    """`casestore.ports.Store` in memory. Transactions run one at a time (like SQLite's single
    writer); each works on a copy of the tables that replaces them only if the block succeeds."""

    def __init__(self) -> None:
        self.tables = Tables()
        self.commits = 0
        self._lock = asyncio.Lock()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[FakeUnitOfWork]:
        async with self._lock:
            uow = FakeUnitOfWork(copy.deepcopy(self.tables))
            yield uow
            self.tables = uow.tables
            self.commits += 1

    @asynccontextmanager
    async def read(self) -> AsyncIterator[FakeUnitOfWork]:
        """A snapshot: a copy of the tables, thrown away afterwards (so are writes through it)."""
        yield FakeUnitOfWork(copy.deepcopy(self.tables))
