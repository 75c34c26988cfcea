"""Statistics and the FOI export: counts only, never a constituent's details."""

from __future__ import annotations

import csv
import io

from casestore.directory import Directory
from casestore.ports import Store
from casestore.records import Statistics


async def statistics(store: Store) -> Statistics:
    async with store.transaction() as uow:
        return await uow.reports.statistics()


async def foi_case_counts(store: Store, directory: Directory) -> str:
    """CSV of cases raised per member per year (Wirral protocol: FOI 'recorded information')."""
    async with store.transaction() as uow:
        rows = await uow.reports.cases_raised()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["member", "ward", "year", "cases_raised"])
    for row in rows:
        person = directory.find(row.member_id)
        name = person.display_name if person else row.member_id
        ward = person.ward_id or "" if person else ""
        writer.writerow([name, ward, row.year, row.count])
    return out.getvalue()
