"""Hand-written in-memory fakes of the persistence ports (`casestore.ports`).

They keep the promises the SQLAlchemy adapter keeps, so the use cases can be specified on them:
a transaction commits when its block ends and otherwise leaves no trace; a case is saved only if
nobody saved it meanwhile (by `version`); outbox dedupe keys and idempotency keys are unique;
references are numbered per year from 000001; callers get copies, never the stored objects.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator, Collection, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from casestore.errors import CaseNotFound, ConcurrentUpdate
from casestore.model import ACTIVE_STATES, Case, CaseState, Event
from casestore.records import (
    AttachmentInfo,
    CaseFilter,
    OutboxMessage,
    StoredEvent,
    SyncedPerson,
    Thread,
    ThreadPost,
)
from tests.unit.fake_privacy import FakePrivacy
from tests.unit.fake_queries import FakeDigest, FakeReconcile, FakeReports, FakeSweep
from tests.unit.fake_repositories import (
    FakeIdempotency,
    FakeOutbox,
    FakePeople,
    FakeRefs,
    FakeSchedulerLedger,
    FakeThreads,
    FakeTurns,
)


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
    thread_posts: dict[int, ThreadPost] = field(default_factory=dict)
    turns: dict[str, tuple[str, datetime, datetime | None, datetime]] = field(
        default_factory=dict)
    people: dict[str, SyncedPerson] = field(default_factory=dict)
    heartbeats: dict[str, datetime] = field(default_factory=dict)
    job_runs: dict[tuple[str, datetime], str] = field(default_factory=dict)
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


class FakeUnitOfWork:
    """One transaction's repositories, all on the same working copy of the tables."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables
        self.cases = FakeCases(tables)
        self.outbox = FakeOutbox(tables)
        self.refs = FakeRefs(tables)
        self.idempotency = FakeIdempotency(tables)
        self.threads = FakeThreads(tables)
        self.turns = FakeTurns(tables)
        self.people = FakePeople(tables)
        self.sweep = FakeSweep(tables)
        self.digest = FakeDigest(tables)
        self.reports = FakeReports(tables)
        self.reconcile = FakeReconcile(tables)
        self.scheduler = FakeSchedulerLedger(tables)
        self.privacy = FakePrivacy(tables)


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
