"""Cases in and out of the database: rows to `Case` and back, in batches (no query per case)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from casestore.db.case_queries import (
    CC_OF,
    SERVICES_OF,
    count_statement,
    list_statement,
    shape_and_values,
)
from casestore.db.tables import (
    attachments,
    case_cc,
    case_events,
    case_services,
    cases,
    reference_counters,
)
from casestore.errors import CaseNotFound, ConcurrentUpdate
from casestore.kinds import EventKind
from casestore.model import ACTIVE_STATES, Case, CaseState, EscalationState, Event, Urgency
from casestore.records import AttachmentInfo, CaseFilter, StoredEvent

_FIELDS = [c.name for c in cases.columns if c.name != "id"]
_ENUMS = {"state": CaseState, "escalation_state": EscalationState, "urgency": Urgency}


def _row_to_case(row: Any, services: list[str], cc: list[str]) -> Case:
    values = {name: row._mapping[name] for name in _FIELDS}
    for name, enum in _ENUMS.items():
        values[name] = enum(values[name])
    return Case(id=row.id, services=services, cc_member_ids=cc, **values)


def _case_values(case: Case) -> dict[str, Any]:
    values = {name: getattr(case, name) for name in _FIELDS}
    for name in _ENUMS:
        values[name] = values[name].value
    return values


class CaseRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, case: Case) -> Case:
        result = await self._conn.execute(insert(cases).values(**_case_values(case)))
        pk = result.inserted_primary_key
        assert pk is not None
        case.id = int(pk[0])
        await self._write_children(case)
        await self._write_events(case)
        return case

    async def save(self, case: Case) -> Case:
        """Write the case back if nobody changed it meanwhile (optimistic, by `version`)."""
        assert case.id is not None
        expected = case.version
        case.version += 1
        result = await self._conn.execute(
            update(cases)
            .where(and_(cases.c.id == case.id, cases.c.version == expected))
            .values(**_case_values(case))
        )
        if result.rowcount != 1:
            case.version = expected
            raise ConcurrentUpdate(case.reference)
        await self._conn.execute(delete(case_services).where(case_services.c.case_id == case.id))
        await self._conn.execute(delete(case_cc).where(case_cc.c.case_id == case.id))
        await self._write_children(case)
        await self._write_events(case)
        return case

    async def delete_draft(self, case: Case) -> None:
        assert case.id is not None and case.state is CaseState.DRAFT
        await self._conn.execute(delete(cases).where(cases.c.id == case.id))

    async def _write_children(self, case: Case) -> None:
        assert case.id is not None
        await self._conn.execute(
            insert(case_services),
            [
                {"case_id": case.id, "service_id": s, "is_lead": s == case.lead_service,
                 "position": i}
                for i, s in enumerate(case.services)
            ],
        )
        if case.cc_member_ids:
            await self._conn.execute(
                insert(case_cc),
                [{"case_id": case.id, "member_id": m} for m in dict.fromkeys(case.cc_member_ids)],
            )

    async def _write_events(self, case: Case) -> None:
        if not case.new_events:
            return
        await self._conn.execute(
            insert(case_events),
            [
                {"case_id": case.id, "at": e.at, "kind": e.kind, "actor_id": e.actor_id,
                 "on_behalf_of_id": e.on_behalf_of_id, "payload": e.payload}
                for e in case.new_events
            ],
        )
        case.new_events.clear()

    async def get(self, reference: str, *, for_update: bool = False) -> Case:
        query = select(cases).where(cases.c.reference == reference.upper())
        found = await self._load(query.with_for_update() if for_update else query)
        if not found:
            raise CaseNotFound(reference)
        return found[0]

    async def get_by_id(self, case_id: int) -> Case:
        found = await self._load(select(cases).where(cases.c.id == case_id))
        if not found:
            raise CaseNotFound(f"#{case_id}")
        return found[0]

    async def find(self, reference: str) -> Case | None:
        found = await self._load(select(cases).where(cases.c.reference == reference.upper()))
        return found[0] if found else None

    async def list_cases(self, flt: CaseFilter, *, offset: int = 0, limit: int = 10) -> list[Case]:
        shape, values = shape_and_values(flt)
        return await self._load(list_statement(shape),
                                {**values, "offset": offset, "limit": limit})

    async def count(self, flt: CaseFilter) -> int:
        shape, values = shape_and_values(flt)
        return int((await self._conn.execute(count_statement(shape), values)).scalar_one())

    async def by_ids(self, ids: Iterable[int]) -> dict[int, Case]:
        """The cases with these ids (one query for them all, however many)."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        found = await self._load(select(cases).where(cases.c.id.in_(wanted)))
        return {c.id: c for c in found if c.id is not None}

    async def events_of_active_cases(self, kinds: Collection[str]) -> dict[int, list[Event]]:
        """The events of these kinds on active cases, oldest first, by case (the events' kind
        index, not every case's log)."""
        active = select(cases.c.id).where(cases.c.state.in_([s.value for s in ACTIVE_STATES]))
        rows = await self._conn.execute(
            select(case_events)
            .where(case_events.c.kind.in_(sorted(kinds)), case_events.c.case_id.in_(active))
            .order_by(case_events.c.id))
        by_case: dict[int, list[Event]] = {}
        for r in rows:
            by_case.setdefault(r.case_id, []).append(
                Event(EventKind(r.kind), r.at, r.actor_id, r.on_behalf_of_id, dict(r.payload)))
        return by_case

    async def _load(self, query: Select[Any], values: dict[str, Any] | None = None
                    ) -> list[Case]:
        rows = (await self._conn.execute(query, values or {})).all()
        if not rows:
            return []
        ids = [r.id for r in rows]
        services: dict[int, list[str]] = {i: [] for i in ids}
        cc: dict[int, list[str]] = {i: [] for i in ids}
        for r in await self._conn.execute(SERVICES_OF, {"ids": ids}):
            services[r.case_id].append(r.service_id)
        for r in await self._conn.execute(CC_OF, {"ids": ids}):
            cc[r.case_id].append(r.member_id)
        return [_row_to_case(r, services[r.id], cc[r.id]) for r in rows]

    async def events(self, case_id: int) -> list[StoredEvent]:
        rows = await self._conn.execute(
            select(case_events).where(case_events.c.case_id == case_id).order_by(case_events.c.id)
        )
        return [
            StoredEvent(
                r.id, r.case_id,
                Event(EventKind(r.kind), r.at, r.actor_id, r.on_behalf_of_id, dict(r.payload)),
            )
            for r in rows
        ]

    async def next_reference(self, year: int) -> str:
        """ENQ-YYYY-NNNNNN: one atomic upsert of the year's counter, safe across processes."""
        dialect = self._conn.dialect.name
        ins = pg_insert if dialect == "postgresql" else sqlite_insert
        stmt = (
            ins(reference_counters).values(year=year, last_value=1)
            .on_conflict_do_update(
                index_elements=[reference_counters.c.year],
                set_={"last_value": reference_counters.c.last_value + 1},
            )
            .returning(reference_counters.c.last_value)
        )
        value = (await self._conn.execute(stmt)).scalar_one()
        return f"ENQ-{year:04d}-{value:06d}"

    async def add_attachment(
        self, case_id: int, *, filename: str, content_type: str, content: bytes, sha256: str,
        uploaded_by_id: str, uploaded_at: datetime,
    ) -> tuple[int, bool]:
        """Store a file once per case (by hash). Returns (id, newly stored)."""
        existing = (await self._conn.execute(
            select(attachments.c.id).where(
                and_(attachments.c.case_id == case_id, attachments.c.sha256 == sha256)
            )
        )).scalar_one_or_none()
        if existing is not None:
            return int(existing), False
        result = await self._conn.execute(
            insert(attachments).values(
                case_id=case_id, filename=filename, content_type=content_type,
                size_bytes=len(content), sha256=sha256, content=content,
                uploaded_by_id=uploaded_by_id, uploaded_at=uploaded_at,
            )
        )
        pk = result.inserted_primary_key
        assert pk is not None
        return int(pk[0]), True

    async def attachment_list(self, case_id: int) -> list[AttachmentInfo]:
        """The files on a case (metadata, not content), oldest first."""
        rows = await self._conn.execute(
            select(
                attachments.c.id, attachments.c.filename, attachments.c.size_bytes,
                attachments.c.uploaded_at, attachments.c.uploaded_by_id,
            ).where(attachments.c.case_id == case_id).order_by(attachments.c.id)
        )
        return [AttachmentInfo(r.id, r.filename, r.size_bytes, r.uploaded_at, r.uploaded_by_id)
                for r in rows]

    async def attachment_count(self, case_id: int) -> int:
        return int((await self._conn.execute(
            select(func.count()).select_from(attachments).where(attachments.c.case_id == case_id)
        )).scalar_one())
