"""Cards the SLA sweep and the daily digest send (kinds not drawn by the member or officer side)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from dialogs.format import (
    card,
    execute,
    fact_set,
    long_date_in,
    person_name,
    service_name,
    text_block,
)
from dialogs.notice import Card, NoticeContext, Renderer
from dialogs.text import shown


def _today(ctx: NoticeContext) -> date:
    return ctx.policy.calendar.local_date(ctx.now)


def _due(ctx: NoticeContext) -> str:
    due = ctx.payload.get("due_on")
    return long_date_in(date.fromisoformat(due), _today(ctx)) if due else ""


def _open_case(ref: str) -> dict[str, Any]:
    return execute("Open the enquiry", "member.case.open", {"reference": ref, "nonce": _nonce()})


def _nonce() -> str:
    return uuid.uuid4().hex


def escalation_open(ctx: NoticeContext) -> Card:
    ref = ctx.payload["reference"]
    service = service_name(ctx.config, ctx.payload.get("service", ""))
    return card([
        text_block(f"{ref}: no response yet", weight="Bolder", size="Medium"),
        text_block(f"{service} has not responded within the promised working days. "
                   f"You can now escalate this enquiry to the Head of Service."),
        text_block("Open the enquiry to escalate it, with your reasons."),
    ], [_open_case(ref)])


def ack_overdue(ctx: NoticeContext) -> Card:
    ref = ctx.payload["reference"]
    mention = ctx.payload.get("mention")
    who = person_name(ctx.directory, mention) if mention else "this service"
    return card([
        text_block(f"{ref}: acknowledgement overdue", weight="Bolder", color="Attention"),
        text_block(f"This enquiry should have been acknowledged by {_due(ctx)}. "
                   f"Please acknowledge it now ({who})."),
    ], [execute("Acknowledge and claim", "officer.acknowledge",
              {"reference": ref, "nonce": _nonce(), "svc": ctx.payload.get("service", "")})])


def escalation_overdue(ctx: NoticeContext) -> Card:
    ref = ctx.payload["reference"]
    service = ctx.payload.get("service", "")
    owner = ctx.directory.escalation_owner(service)
    return card([
        text_block(f"{ref}: escalation not answered", weight="Bolder", color="Attention"),
        text_block(f"The escalation to {person_name(ctx.directory, owner)} "
                   f"({service_name(ctx.config, service)}) was due an answer by {_due(ctx)}."),
    ])


def auto_close_warning(ctx: NoticeContext) -> Card:
    ref = ctx.payload["reference"]
    return card([
        text_block(f"{ref} closes tomorrow", weight="Bolder"),
        text_block(f"This enquiry will close automatically on {_due(ctx)}. If the work is not "
                   "finished, you can keep it open for longer."),
        text_block("Open the enquiry and choose **Keep it open longer**."),
    ], [_open_case(ref)])


def _lines(ctx: NoticeContext, items: list[dict[str, Any]], extra: str = "") -> list[str]:
    today = _today(ctx)
    out = []
    for item in items:
        ref = item["reference"]
        label = f"[{ref}]({item['link']})" if item.get("link") else ref
        due = item.get("due_on")
        due_text = f", due {long_date_in(date.fromisoformat(due), today)}" if due else ""
        member = person_name(ctx.directory, item.get("member"))
        out.append(f"- {label}: {service_name(ctx.config, item['service'])}, {member}{due_text}"
                   f"{item.get(extra, '') and ' ' + shown(item.get(extra))}")
    return out


def _section(title: str, count: int, lines: list[str]) -> list[dict[str, Any]]:
    body = [text_block(f"**{title}** ({count})", spacing="Medium")]
    body.append(text_block("\n".join(lines) if lines else "None."))
    return body


def digest(ctx: NoticeContext) -> Card:
    d = ctx.payload
    day = long_date_in(date.fromisoformat(d["date"]), _today(ctx))
    body: list[dict[str, Any]] = [
        text_block(f"Member enquiries digest: {day}", weight="Bolder", size="Large"),
        fact_set([
            ("New enquiries", str(d["new_cases"]["count"])),
            ("Late acknowledgements", str(d["late_acknowledgements"]["count"])),
            ("Overdue responses", str(sum(s["count"] for s in d["overdue_by_service"]))),
            ("Open escalations", str(d["open_escalations"]["count"])),
            ("Failed messages", str(d["failed_messages"]["count"])),
        ]),
    ]
    body += _section("New enquiries", d["new_cases"]["count"],
                     _lines(ctx, d["new_cases"]["items"]))
    body += _section("Late acknowledgements", d["late_acknowledgements"]["count"],
                     _lines(ctx, d["late_acknowledgements"]["items"]))
    overdue = [f"- {service_name(ctx.config, s['service'])}: {s['count']}" for s in
               d["overdue_by_service"]]
    for s in d["overdue_by_service"]:
        overdue += ["  " + line for line in _lines(ctx, s["worst"])]
    body += _section("Overdue responses by service",
                     sum(s["count"] for s in d["overdue_by_service"]), overdue)
    body += _section("Open escalations", d["open_escalations"]["count"],
                     _lines(ctx, d["open_escalations"]["items"]))
    body += _section("Low ratings", len(d["low_ratings"]), [
        f"{line} ({item['rating']} out of 5"
        f"{': ' + shown(item['comment']) if item['comment'] else ''})"
        for line, item in zip(_lines(ctx, d["low_ratings"]), d["low_ratings"], strict=True)])
    body += _section("Redirected (misdirected) enquiries", len(d["redirected"]), [
        f"{line}, from {service_name(ctx.config, item['from'])}"
        for line, item in zip(_lines(ctx, d["redirected"]), d["redirected"], strict=True)])
    body += _section("Reopened enquiries", len(d["reopened"]), _lines(ctx, d["reopened"]))
    body += _section("Messages that could not be delivered", d["failed_messages"]["count"], [
        f"- {m['reference'] or 'digest'}: {m['kind']} to {m['to']} ({shown(m['error'])})"
        for m in d["failed_messages"]["items"]])
    return card(body)


SCHEDULER_NOTICES: dict[str, Renderer] = {
    "escalation-open": escalation_open,
    "ack-overdue": ack_overdue,
    "escalation-overdue": escalation_overdue,
    "auto-close-warning": auto_close_warning,
    "digest": digest,
}
