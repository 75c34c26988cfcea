"""Removing a constituent's details from a case, keeping the casework record (UK GDPR).

What counts as the constituent's details, decided once here and documented in docs/security.md:

* on the case: the constituent's name and contact, the location (often their address), the
  description, "the ask", the member's search term and the rating comment: everything typed
  about the enquiry (`PERSONAL_FIELDS`);
* in its events and in its outbox rows: every piece of text a person typed (`TYPED_TEXT`:
  replies, notes, questions and answers, reasons, comments, file names);
* its files, which are deleted (their events keep the size and the date).

What stays: the reference, the member, services, ward, type, states, dates, deadlines, who did
what and when, ratings' scores, and the events themselves, so the statistics and the audit trail
still add up. The removal is itself an event, `constituent_details_removed`, saying why
(`Removal`). Pure: the store applies the same functions to the rows it holds.
"""

from __future__ import annotations

import calendar
from datetime import datetime
from enum import StrEnum
from typing import Any

from casestore.kinds import EventKind
from casestore.model import SYSTEM, Actor, Case, CaseState

REMOVED = "(removed)"
PERSONAL_FIELDS = ("constituent_name", "constituent_contact", "location", "description", "ask",
                   "search_term", "rating_comment")
TYPED_TEXT = frozenset({"text", "question", "answer", "reason", "comment", "filename"})


class Removal(StrEnum):
    RETENTION = "retention"  # the council's retention period after closing has passed
    ERASURE = "erasure"  # the constituent asked for their details to be erased


def months_before(now: datetime, months: int) -> datetime:
    """The same moment `months` calendar months earlier (the 31st becomes the month's last day)."""
    total = now.year * 12 + now.month - 1 - months
    year, month = divmod(total, 12)
    day = min(now.day, calendar.monthrange(year, month + 1)[1])
    return now.replace(year=year, month=month + 1, day=day)


def due_for_retention(case: Case, now: datetime, months: int) -> bool:
    """Closed, its details still held, and closed at least `months` months before `now`."""
    return (case.state is CaseState.CLOSED and case.redacted_at is None
            and case.closed_at is not None and case.closed_at <= months_before(now, months))


def remove_details(case: Case, actor: Actor, now: datetime, *, why: Removal,
                   months: int | None = None, reason: str = "") -> None:
    """Blank the case's personal fields and record why. The caller's store then redacts the
    case's earlier events and outbox rows (`redact`) and deletes its files."""
    for name in PERSONAL_FIELDS:
        if getattr(case, name):
            setattr(case, name, REMOVED)
    case.redacted_at = now
    payload: dict[str, Any] = {"why": why.value}
    if months is not None:
        payload["months"] = months
    if reason:
        payload["reason"] = reason
    case.record(EventKind.DETAILS_REMOVED, now, actor, **payload)


def redact(value: Any) -> Any:
    """A payload with every typed text in it replaced by REMOVED (nested dicts and lists too)."""
    if isinstance(value, dict):
        return {k: REMOVED if k in TYPED_TEXT and isinstance(v, str) and v else redact(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def redacted_event_payload(kind: str, actor_id: str,
                           payload: dict[str, Any]) -> dict[str, Any] | None:
    """The event's payload with its typed text removed, or None if nothing changes. The system's
    own words (an automatic closing's reason) and earlier removals' records are kept."""
    if kind == EventKind.DETAILS_REMOVED or actor_id == SYSTEM.person_id:
        return None
    cleaned = redact(payload)
    return cleaned if cleaned != payload else None
