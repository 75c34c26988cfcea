"""Personal data in the database: the retention sweep's query, removing a constituent's details
from cases in batches, and what a subject access request reads.

Removal is a constant handful of statements for any number of cases: the cases' rows (by id and
version), their new events, their earlier events' and outbox rows' typed text (read once,
redacted by `casestore.redaction`, written back as one executemany) and their files.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from casestore.db.outbox import _message
from casestore.db.repository import CaseRepository
from casestore.db.tables import attachments, case_events, cases, outbox
from casestore.errors import ConcurrentUpdate
from casestore.kinds import EventKind
from casestore.model import Case, CaseState, Event
from casestore.records import AttachmentInfo, HeldCase, OutboxMessage, StoredEvent
from casestore.redaction import PERSONAL_FIELDS, redact, redacted_event_payload

_CHANGED = (*PERSONAL_FIELDS, "redacted_at", "updated_at", "version")
_UPDATE_CASE = (
    update(cases)
    .where(and_(cases.c.id == bindparam("b_id"), cases.c.version == bindparam("b_expected")))
    .values({name: bindparam(f"b_{name}") for name in _CHANGED})
)
_UPDATE_EVENT = (update(case_events).where(case_events.c.id == bindparam("b_id"))
                 .values(payload=bindparam("b_payload")))
_UPDATE_OUTBOX = (update(outbox).where(outbox.c.id == bindparam("b_id"))
                  .values(payload=bindparam("b_payload")))


def _like(text: str) -> str:
    """`%text%` for LIKE on a lower-cased column, the same on both engines and wider than the
    caller's exact comparison: spaces match any run of characters, and, as SQLite lowers only
    A to Z, any other letter matches any one character."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    wild = "".join(c if c.isascii() else "_" for c in escaped)
    return "%" + "%".join(wild.split()) + "%"


class PrivacyRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def due_for_removal(self, *, closed_before: datetime, limit: int) -> list[Case]:
        query = (select(cases.c.id)
                 .where(cases.c.redacted_at.is_(None), cases.c.state == CaseState.CLOSED.value,
                        cases.c.closed_at <= closed_before)
                 .order_by(cases.c.closed_at, cases.c.id).limit(limit))
        if self._conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)  # another instance takes the rest
        ids = [int(r[0]) for r in await self._conn.execute(query)]
        found = await CaseRepository(self._conn).by_ids(ids)
        return [found[i] for i in ids if i in found]

    async def remove_personal_data(self, removed: Sequence[Case]) -> None:
        if not removed:
            return
        ids = [c.id for c in removed if c.id is not None]
        rows = [{**{f"b_{name}": getattr(case, name) for name in _CHANGED},
                 "b_id": case.id, "b_expected": case.version, "b_version": case.version + 1}
                for case in removed]
        await self._conn.execute(_UPDATE_CASE, rows)
        await self._check_versions(removed)
        await self._redact_history(ids)
        await self._conn.execute(insert(case_events), [
            {"case_id": c.id, "at": e.at, "kind": e.kind, "actor_id": e.actor_id,
             "on_behalf_of_id": e.on_behalf_of_id, "payload": e.payload}
            for c in removed for e in c.new_events])
        await self._conn.execute(delete(attachments).where(attachments.c.case_id.in_(ids)))
        for case in removed:
            case.version += 1
            case.new_events.clear()

    async def _check_versions(self, removed: Sequence[Case]) -> None:
        """Every row took its update: nobody changed one of these cases meanwhile."""
        pairs = [and_(cases.c.id == c.id, cases.c.version == c.version + 1) for c in removed]
        count = (await self._conn.execute(
            select(func.count()).select_from(cases).where(or_(*pairs)))).scalar_one()
        if count != len(removed):
            raise ConcurrentUpdate(", ".join(c.reference or "" for c in removed))

    async def _redact_history(self, ids: list[int]) -> None:
        events = await self._conn.execute(
            select(case_events.c.id, case_events.c.kind, case_events.c.actor_id,
                   case_events.c.payload).where(case_events.c.case_id.in_(ids)))
        changed = [{"b_id": r.id, "b_payload": new} for r in events
                   if (new := redacted_event_payload(r.kind, r.actor_id, dict(r.payload)))
                   is not None]
        if changed:
            await self._conn.execute(_UPDATE_EVENT, changed)
        messages = await self._conn.execute(
            select(outbox.c.id, outbox.c.payload).where(outbox.c.case_id.in_(ids)))
        changed = [{"b_id": r.id, "b_payload": new} for r in messages
                   if (new := redact(dict(r.payload))) != r.payload]
        if changed:
            await self._conn.execute(_UPDATE_OUTBOX, changed)

    async def naming(self, *, name: str, contact: str) -> list[Case]:
        found: list[ColumnElement[bool]] = []
        if name:
            like = _like(name)
            found += [func.lower(column).like(like, escape="\\") for column in (
                cases.c.constituent_name, cases.c.location, cases.c.description, cases.c.ask)]
        if contact:
            squeezed = func.replace(func.lower(cases.c.constituent_contact), " ", "")
            found.append(squeezed.like(_like(contact), escape="\\"))
        if not found:
            return []
        ids = [int(r[0]) for r in await self._conn.execute(
            select(cases.c.id).where(or_(*found)).order_by(cases.c.id))]
        by_id = await CaseRepository(self._conn).by_ids(ids)
        return [by_id[i] for i in ids]

    async def held(self, case_ids: Sequence[int]) -> list[HeldCase]:
        ids = sorted(set(case_ids))
        if not ids:
            return []
        by_id = await CaseRepository(self._conn).by_ids(ids)
        events: dict[int, list[StoredEvent]] = {i: [] for i in ids}
        for r in await self._conn.execute(select(case_events).where(
                case_events.c.case_id.in_(ids)).order_by(case_events.c.id)):
            events[r.case_id].append(StoredEvent(r.id, r.case_id, Event(
                EventKind(r.kind), r.at, r.actor_id, r.on_behalf_of_id, dict(r.payload))))
        files: dict[int, list[AttachmentInfo]] = {i: [] for i in ids}
        for r in await self._conn.execute(
                select(attachments.c.id, attachments.c.case_id, attachments.c.filename,
                       attachments.c.size_bytes, attachments.c.uploaded_at,
                       attachments.c.uploaded_by_id)
                .where(attachments.c.case_id.in_(ids)).order_by(attachments.c.id)):
            files[r.case_id].append(AttachmentInfo(r.id, r.filename, r.size_bytes,
                                                   r.uploaded_at, r.uploaded_by_id))
        messages: dict[int, list[OutboxMessage]] = {i: [] for i in ids}
        for r in await self._conn.execute(
                select(outbox).where(outbox.c.case_id.in_(ids)).order_by(outbox.c.id)):
            messages[r.case_id].append(_message(r))
        return [HeldCase(by_id[i], events[i], files[i], messages[i]) for i in ids if i in by_id]
