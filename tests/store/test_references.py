"""References are unique and gapless under concurrency, on both engines."""

from __future__ import annotations

import asyncio
import re

from sqlalchemy import select

from casestore.casework import Casework
from casestore.db.tables import cases
from tests.store.helpers import MONDAY, details, member

WARD_MEMBERS = ["sarah-okafor", "peter-halloran", "joan-whitfield"]  # Ashcroft


async def test_fifty_concurrent_tasks_creating_500_cases_leave_no_duplicate_or_missing_reference(
    casework: Casework,
) -> None:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(500):
        queue.put_nowait(i)

    async def worker() -> None:
        while not queue.empty():
            i = queue.get_nowait()
            who = WARD_MEMBERS[i % 3]
            await casework.submit(details("ashcroft", search_term=f"case {i}"), member_id=who,
                                  actor=member(who), now=MONDAY)

    await asyncio.gather(*(worker() for _ in range(50)))
    async with casework.store.engine.begin() as conn:
        refs = [r for (r,) in await conn.execute(select(cases.c.reference))]
    assert len(refs) == 500
    assert all(re.fullmatch(r"ENQ-2026-\d{6}", r) for r in refs)
    assert sorted(refs) == [f"ENQ-2026-{n:06d}" for n in range(1, 501)]


async def test_each_year_has_its_own_sequence(casework: Casework) -> None:
    who = WARD_MEMBERS[0]
    await casework.submit(details("ashcroft"), member_id=who, actor=member(who), now=MONDAY)
    new_year = MONDAY.replace(year=2027, month=1, day=4)
    outcome = await casework.submit(details("ashcroft"), member_id=who, actor=member(who),
                                    now=new_year)
    assert outcome.case.reference == "ENQ-2027-000001"
