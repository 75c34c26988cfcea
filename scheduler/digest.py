"""The member support team's daily digest: what needs chasing, built from indexed queries and
queued once per working day (dedupe key `digest:<date>`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import quote, urlencode

from sqlalchemy import and_, func, select

from casestore.casework import Casework
from casestore.db.store import UnitOfWork
from casestore.db.tables import case_events, case_threads, cases, outbox
from casestore.model import ACTIVE_STATES, CaseState, EscalationState

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
    active = [s.value for s in ACTIVE_STATES]
    async with casework.store.transaction() as uow:
        new = await _cases(uow, and_(cases.c.submitted_at >= since, cases.c.submitted_at < now),
                           cases.c.id)
        late_ack = await _cases(uow, and_(
            cases.c.state.in_([CaseState.OPEN.value, CaseState.REOPENED.value]),
            cases.c.acknowledge_due_on < today), cases.c.acknowledge_due_on)
        overdue = await _cases(uow, and_(
            cases.c.state.in_(active), cases.c.response_due_on < today,
            cases.c.first_response_at.is_(None), cases.c.paused_at.is_(None)),
            cases.c.response_due_on)
        escalations = await _cases(uow, cases.c.escalation_state ==
                                   EscalationState.ESCALATED.value, cases.c.escalation_due_on)
        events = {kind: await _events(uow, kind, since, now)
                  for kind in ("rated", "redirected", "reopened")}
        dead = (await uow.conn.execute(
            select(outbox.c.kind, outbox.c.recipient, outbox.c.payload, outbox.c.last_error)
            .where(outbox.c.status == "dead").order_by(outbox.c.id.desc()).limit(ITEMS)
        )).all()
        dead_count = (await uow.conn.execute(
            select(func.count()).select_from(outbox).where(outbox.c.status == "dead"))
        ).scalar_one()
        ids = {r["id"] for rows in (new, late_ack, overdue, escalations) for r in rows}
        ids |= {e["case_id"] for rows in events.values() for e in rows}
        links = await _links(uow, ids, casework)
    by_service: dict[str, list[dict[str, Any]]] = {}
    for row in overdue:
        by_service.setdefault(row["lead_service"], []).append(row)

    def item(row: dict[str, Any], due: date | None = None) -> dict[str, Any]:
        return {"reference": row["reference"], "service": row["lead_service"],
                "member": row["member_id"], "due_on": due.isoformat() if due else None,
                "link": links.get(row["id"], "")}

    low = [e for e in events["rated"] if int(e["payload"].get("rating", 5)) <= 2]
    return {
        "date": today.isoformat(),
        "since": since.isoformat(),
        "new_cases": {"count": len(new), "items": [item(r) for r in new[:ITEMS]]},
        "late_acknowledgements": {
            "count": len(late_ack),
            "items": [item(r, r["acknowledge_due_on"]) for r in late_ack[:ITEMS]]},
        "overdue_by_service": [
            {"service": service, "count": len(rows),
             "worst": [item(r, r["response_due_on"]) for r in rows[:3]]}
            for service, rows in sorted(by_service.items(), key=lambda kv: -len(kv[1]))],
        "open_escalations": {
            "count": len(escalations),
            "items": [item(r, r["escalation_due_on"]) | {
                "overdue": bool(r["escalation_due_on"] and r["escalation_due_on"] < today)}
                for r in escalations[:ITEMS]]},
        "low_ratings": [_event_item(e, links) | {"rating": e["payload"].get("rating"),
                                                 "comment": e["payload"].get("comment", "")}
                        for e in low[:ITEMS]],
        "redirected": [_event_item(e, links) | {"from": e["payload"].get("from_service"),
                                                "to": e["payload"].get("to_service")}
                       for e in events["redirected"][:ITEMS]],
        "reopened": [_event_item(e, links) for e in events["reopened"][:ITEMS]],
        "failed_messages": {
            "count": int(dead_count),
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
            await uow.outbox.add(dedupe_key=f"digest:{digest['date']}", kind="digest",
                                 recipient="support", payload=digest, now=now)
    return digest


async def _cases(uow: UnitOfWork, where: Any, order: Any) -> list[dict[str, Any]]:
    rows = await uow.conn.execute(
        select(cases.c.id, cases.c.reference, cases.c.lead_service, cases.c.member_id,
               cases.c.acknowledge_due_on, cases.c.response_due_on, cases.c.escalation_due_on)
        .where(and_(where, cases.c.reference.is_not(None))).order_by(order, cases.c.id))
    return [dict(r._mapping) for r in rows]


async def _events(uow: UnitOfWork, kind: str, since: datetime, until: datetime
                  ) -> list[dict[str, Any]]:
    rows = await uow.conn.execute(
        select(case_events.c.case_id, case_events.c.payload, case_events.c.at, cases.c.reference,
               cases.c.lead_service, cases.c.member_id)
        .join(cases, cases.c.id == case_events.c.case_id)
        .where(and_(case_events.c.kind == kind, case_events.c.at >= since,
                    case_events.c.at < until))
        .order_by(case_events.c.at))
    return [dict(r._mapping) for r in rows]


async def _links(uow: UnitOfWork, ids: set[int], casework: Casework) -> dict[int, str]:
    if not ids:
        return {}
    rows = await uow.conn.execute(
        select(case_threads).where(case_threads.c.case_id.in_(ids))
        .order_by(case_threads.c.created_at))
    teams = {s.channel_id: s.team_id for s in casework.config.services}
    tenant = casework.config.council.tenant_id
    return {r.case_id: teams_thread_link(r.channel_id, r.root_message_id,
                                         team_id=teams.get(r.channel_id, ""), tenant_id=tenant)
            for r in rows}


def _event_item(event: dict[str, Any], links: dict[int, str]) -> dict[str, Any]:
    return {"reference": event["reference"], "service": event["lead_service"],
            "member": event["member_id"], "link": links.get(event["case_id"], ""),
            "at": event["at"].isoformat()}


def next_digest_at(casework: Casework, now: datetime) -> datetime:
    cal = casework.calendar
    day = cal.local_date(now)
    at = datetime.combine(day, casework.config.council.digest_time, cal.tz)
    if at <= now or not cal.is_working_day(day):
        at = datetime.combine(cal.next_working_day(day), casework.config.council.digest_time,
                              cal.tz)
    return at
