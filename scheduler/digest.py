"""The member support team's daily digest: what needs chasing, built from indexed queries and
queued once per working day (dedupe key `digest:<date>`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import quote, urlencode

from casestore.casework import Casework
from casestore.kinds import NoticeKind, Recipient
from casestore.ports import UnitOfWork
from casestore.records import CaseDue, CaseHappening

ITEMS = 10  # the worst cases listed per section; the counts cover them all


def teams_thread_link(channel_id: str, root_message_id: str, *, team_id: str,
                      tenant_id: str) -> str:
    """A deep link that opens the case's thread in Teams."""
    query = urlencode({"tenantId": tenant_id, "groupId": team_id,
                       "parentMessageId": root_message_id})
    return (f"https://teams.microsoft.com/l/message/{quote(channel_id, safe='')}/"
            f"{quote(root_message_id, safe='')}?{query}")


def window_start(casework: Casework, now: datetime) -> datetime:
    """Since the previous working day's digest time."""
    cal = casework.calendar
    previous = cal.previous_working_day(cal.local_date(now))
    return datetime.combine(previous, casework.config.council.digest_time, cal.tz)


async def build_digest(casework: Casework, now: datetime) -> dict[str, Any]:
    cal = casework.calendar
    today = cal.local_date(now)
    since = window_start(casework, now)
    async with casework.store.transaction() as uow:
        new = await uow.digest.submitted(since, now)
        late_ack = await uow.digest.late_acknowledgements(today)
        overdue = await uow.digest.overdue_responses(today)
        escalations = await uow.digest.open_escalations()
        events = {kind: await uow.digest.happenings(kind, since, now)
                  for kind in ("rated", "redirected", "reopened")}
        dead = await uow.outbox.latest_with_status("dead", limit=ITEMS)
        dead_count = await uow.outbox.count_status("dead")
        ids = {r.id for rows in (new, late_ack, overdue, escalations) for r in rows}
        ids |= {e.case_id for rows in events.values() for e in rows}
        links = await _links(uow, ids, casework)
    by_service: dict[str, list[CaseDue]] = {}
    for row in overdue:
        by_service.setdefault(row.lead_service, []).append(row)

    def item(row: CaseDue, due: date | None = None) -> dict[str, Any]:
        return {"reference": row.reference, "service": row.lead_service,
                "member": row.member_id, "due_on": due.isoformat() if due else None,
                "link": links.get(row.id, "")}

    low = [e for e in events["rated"] if int(e.payload.get("rating", 5)) <= 2]
    return {
        "date": today.isoformat(),
        "since": since.isoformat(),
        "new_cases": {"count": len(new), "items": [item(r) for r in new[:ITEMS]]},
        "late_acknowledgements": {
            "count": len(late_ack),
            "items": [item(r, r.acknowledge_due_on) for r in late_ack[:ITEMS]]},
        "overdue_by_service": [
            {"service": service, "count": len(rows),
             "worst": [item(r, r.response_due_on) for r in rows[:3]]}
            for service, rows in sorted(by_service.items(), key=lambda kv: -len(kv[1]))],
        "open_escalations": {
            "count": len(escalations),
            "items": [item(r, r.escalation_due_on) | {
                "overdue": bool(r.escalation_due_on and r.escalation_due_on < today)}
                for r in escalations[:ITEMS]]},
        "low_ratings": [_event_item(e, links) | {"rating": e.payload.get("rating"),
                                                 "comment": e.payload.get("comment", "")}
                        for e in low[:ITEMS]],
        "redirected": [_event_item(e, links) | {"from": e.payload.get("from_service"),
                                                "to": e.payload.get("to_service")}
                       for e in events["redirected"][:ITEMS]],
        "reopened": [_event_item(e, links) for e in events["reopened"][:ITEMS]],
        "failed_messages": {
            "count": dead_count,
            "items": [{"kind": r.kind, "reference": (r.payload or {}).get("reference", ""),
                       "to": r.recipient.split(":")[0], "error": (r.last_error or "")[:120]}
                      for r in dead]},
    }


async def queue_digest(casework: Casework, now: datetime, *, dry_run: bool = False
                       ) -> dict[str, Any] | None:
    """Queue today's digest for the member support channel once; None if not a working day."""
    cal = casework.calendar
    if not cal.is_working_day(cal.local_date(now)):
        return None
    digest = await build_digest(casework, now)
    if not dry_run:
        async with casework.store.transaction() as uow:
            await uow.outbox.add(dedupe_key=f"digest:{digest['date']}", kind=NoticeKind.DIGEST,
                                 recipient=str(Recipient.support()), payload=digest, now=now)
    return digest


async def _links(uow: UnitOfWork, ids: set[int], casework: Casework) -> dict[int, str]:
    """A deep link to each case's thread (its latest, when it has several)."""
    threads = sorted(await uow.threads.for_cases(sorted(ids)), key=lambda t: t.created_at)
    teams = {s.channel_id: s.team_id for s in casework.config.services}
    tenant = casework.config.council.tenant_id
    return {t.case_id: teams_thread_link(t.channel_id, t.root_message_id,
                                         team_id=teams.get(t.channel_id, ""), tenant_id=tenant)
            for t in threads}


def _event_item(event: CaseHappening, links: dict[int, str]) -> dict[str, Any]:
    return {"reference": event.reference, "service": event.lead_service,
            "member": event.member_id, "link": links.get(event.case_id, ""),
            "at": event.at.isoformat()}


def next_digest_at(casework: Casework, now: datetime) -> datetime:
    cal = casework.calendar
    day = cal.local_date(now)
    at = datetime.combine(day, casework.config.council.digest_time, cal.tz)
    if at <= now or not cal.is_working_day(day):
        at = datetime.combine(cal.next_working_day(day), casework.config.council.digest_time,
                              cal.tz)
    return at
