"""What a store holds, to compare before and after an input: refused means nothing changed.

`counts` is every table's row count (cheap enough to take around each of thousands of fuzzed
inputs); `new_cases` reads the cases added since a snapshot with their events and outbox rows,
so a test can check an accepted input wrote a whole case, never part of one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from casestore.db.store import Store
from casestore.db.tables import case_events, cases, metadata, outbox

TABLES = tuple(t for t in metadata.sorted_tables if t.name != "alembic_version")


async def counts(store: Store) -> dict[str, int]:
    """Rows in every table, by table name."""
    async with store.engine.connect() as conn:
        found = {}
        for table in TABLES:
            found[table.name] = int(
                (await conn.execute(select(func.count()).select_from(table))).scalar_one())
        return found


def changed(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """The tables whose row count moved, with the difference."""
    return {name: after[name] - before[name] for name in after if after[name] != before[name]}


@dataclass(frozen=True)
class StoredCase:
    row: dict[str, Any]
    event_kinds: list[str]
    outbox_kinds: list[str]


async def new_cases(store: Store, after_id: int) -> list[StoredCase]:
    """The cases whose id is above `after_id`, each with its events' and outbox rows' kinds."""
    async with store.engine.connect() as conn:
        rows = (await conn.execute(select(cases).where(cases.c.id > after_id)
                                   .order_by(cases.c.id))).mappings().all()
        found = []
        for row in rows:
            events = (await conn.execute(select(case_events.c.kind).where(
                case_events.c.case_id == row["id"]).order_by(case_events.c.id))).scalars().all()
            queued = (await conn.execute(select(outbox.c.kind).where(
                outbox.c.case_id == row["id"]).order_by(outbox.c.id))).scalars().all()
            found.append(StoredCase(dict(row), list(events), list(queued)))
        return found


async def last_case_id(store: Store) -> int:
    async with store.engine.connect() as conn:
        return int((await conn.execute(select(func.coalesce(func.max(cases.c.id), 0))))
                   .scalar_one())
