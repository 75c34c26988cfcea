"""One SLA sweep: find the cases with a deadline at hand (indexed queries), decide what they are
owed (`reminders_due`), queue it in the outbox once, and close what is due to auto-close."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from casestore.casework import Casework
from casestore.errors import DomainError
from casestore.model import Case
from casestore.notifications import Notification
from casestore.ports import UnitOfWork
from scheduler.reminders import in_reminder_hours, reminders_due

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class Queued:
    reference: str
    kind: str
    recipient: str

    def line(self) -> str:
        return f"{self.reference}  {self.kind:<20} {self.recipient}"


async def candidates(uow: UnitOfWork, now: datetime, casework: Casework) -> list[Case]:
    """Cases with a deadline on or before the next working day (indexed queries, one load)."""
    cal = casework.calendar
    today = cal.local_date(now)
    return await uow.sweep.candidates(today=today, horizon=cal.next_working_day(today))


async def _new_only(uow: UnitOfWork, notes: list[Notification]) -> list[Notification]:
    """Drop what an earlier sweep queued already (one query, not one per case)."""
    if not notes:
        return []
    existing = await uow.outbox.queued_keys([n.dedupe_key for n in notes])
    return [n for n in notes if n.dedupe_key not in existing]


async def sweep(casework: Casework, now: datetime, *, dry_run: bool = False) -> list[Queued]:
    """Queue what is owed as of `now`. A second identical sweep queues nothing new."""
    async with casework.store.transaction() as uow:
        found = await candidates(uow, now, casework)
        decision = reminders_due(found, now, policy=casework.policy, config=casework.config,
                                 directory=casework.directory)
        new = await _new_only(uow, decision.notifications)
        by_ref = {c.reference: c for c in found}
        queued = [Queued(n.payload["reference"], n.kind, str(n.recipient)) for n in new]
        if not dry_run and new:
            await uow.outbox.add_many([
                {"dedupe_key": n.dedupe_key, "kind": n.kind, "recipient": str(n.recipient),
                 "payload": n.payload, "case_id": getattr(by_ref.get(n.payload["reference"]),
                                                          "id", None)}
                for n in new], now=now)
    for case in decision.auto_close:
        queued.append(Queued(case.reference or "", "auto-close", f"person:{case.member_id}"))
        if not dry_run:
            await _auto_close(casework, case, now)
    if queued and not dry_run:
        log.info("sweep at %s queued %d message(s)", now.isoformat(), len(queued))
    return queued


async def _auto_close(casework: Casework, case: Case, now: datetime) -> None:
    try:
        await casework.auto_close(case.reference or "", now=now)
    except DomainError as exc:  # another instance closed it, or the member acted meanwhile
        log.info("auto-close of %s skipped: %s", case.reference, type(exc).__name__,
                 extra={"case": case.reference})


def sweep_allowed(casework: Casework, now: datetime) -> bool:
    return in_reminder_hours(now, casework.policy, casework.config)

