"""The directory as last synced from Entra ID: one row per person, replaced whole by each sync."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from casestore.config import OfficerRole
from casestore.db.engine import dialect_insert
from casestore.db.tables import directory_people
from casestore.model import ActorKind
from casestore.records import Replaced, SyncedPerson


def _row(person: SyncedPerson, now: datetime) -> dict[str, Any]:
    return {
        "aad_object_id": person.aad_object_id, "person_id": person.person_id,
        "kind": person.kind.value, "name": person.name, "email": person.email,
        "job_title": person.job_title, "ward_id": person.ward_id,
        "services": list(person.services), "roles": [r.value for r in person.roles],
        "synced_at": now,
    }


def _person(row: Any) -> SyncedPerson:
    m = row._mapping
    return SyncedPerson(
        aad_object_id=m["aad_object_id"], person_id=m["person_id"], kind=ActorKind(m["kind"]),
        name=m["name"], email=m["email"], job_title=m["job_title"], ward_id=m["ward_id"],
        services=tuple(m["services"]), roles=tuple(OfficerRole(r) for r in m["roles"]),
    )


class PeopleRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def all(self) -> list[SyncedPerson]:
        rows = await self._conn.execute(
            select(directory_people).order_by(directory_people.c.person_id))
        return [_person(r) for r in rows]

    async def known_ids(self) -> dict[str, str]:
        """Object id -> person id, for everyone synced before."""
        rows = await self._conn.execute(
            select(directory_people.c.aad_object_id, directory_people.c.person_id))
        return {r.aad_object_id: r.person_id for r in rows}

    async def replace_all(self, people: Sequence[SyncedPerson], now: datetime) -> Replaced:
        """Make the table exactly `people`: upsert each (a person's id never changes), delete
        everyone else. Running it twice with the same people changes nothing but `synced_at`."""
        before = await self.all()
        existing = {p.aad_object_id: p for p in before}
        insert = dialect_insert(self._conn)
        keep = {p.aad_object_id for p in people}
        gone = [aad for aad in existing if aad not in keep]
        if gone:
            await self._conn.execute(
                directory_people.delete().where(directory_people.c.aad_object_id.in_(gone)))
        added = updated = 0
        for person in people:
            stmt = insert(directory_people).values(**_row(person, now))
            changed = {k: stmt.excluded[k] for k in _row(person, now)
                       if k not in ("aad_object_id", "person_id")}
            await self._conn.execute(stmt.on_conflict_do_update(
                index_elements=[directory_people.c.aad_object_id], set_=changed))
            old = existing.get(person.aad_object_id)
            if old is None:
                added += 1
            elif old != person:
                updated += 1
        return Replaced(added=added, updated=updated, removed=len(gone))
