"""Which messages an event causes, as outbox rows: a pure mapping from events to recipients.

Recipients are addresses the delivery job resolves at send time (so an officer on leave is
covered by their delegate): `person:<id>` is a personal chat, `thread:<service>` the case's
thread in that service's channel, `escalation:<service>` the escalation owner of that service
(channel or personal chat per config), `support` the member support channel.

Questions between officers are internal and never go to the member: a question (and its
withdrawal) goes to the officer asked, or to the thread of the service asked when that service is
on the case, else to the people the use case named in the event (that service's coordinators); an
answer goes to the thread it was asked from (the lead service's, if asked outside a thread or
that service has left the case).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from casestore.model import ActorKind, Case, EscalationState, Event


@dataclass(frozen=True)
class Notification:
    kind: str
    recipient: str
    dedupe_key: str
    payload: dict[str, Any] = field(default_factory=dict)


def _person(pid: str) -> str:
    return f"person:{pid}"


Rule = Callable[[Case, Event, bool], list[tuple[str, str]]]


def _thread(case: Case) -> str:
    return f"thread:{case.lead_service}"


def _submitted(case: Case, e: Event, by_member: bool) -> list[tuple[str, str]]:
    out = [("case-opened", _thread(case))]
    out += [("cc-notice", _person(cc)) for cc in case.cc_member_ids]
    if case.raised_by_id != case.member_id and not by_member:
        out.append(("logged-for-member", _person(case.member_id)))
    return out


def _to_member(kind: str) -> Rule:
    return lambda case, e, by_member: [(kind, _person(case.member_id))]


def _member_activity(case: Case, e: Event, by_member: bool) -> list[tuple[str, str]]:
    # a cabinet secretary acts on the member's side, recorded "on behalf of" the member
    member_side = by_member or e.on_behalf_of_id is not None
    return [("member-activity", _thread(case))] if member_side else []


def _attachment(case: Case, e: Event, by_member: bool) -> list[tuple[str, str]]:
    """A member's document reaches the thread and, while escalated, the escalation owner."""
    out = _member_activity(case, e, by_member)
    if out and case.escalation_state is EscalationState.ESCALATED:
        out.append(("member-activity", f"escalation:{case.lead_service}"))
    return out


def _redirected(case: Case, e: Event, by_member: bool) -> list[tuple[str, str]]:
    return [
        ("case-opened", f"thread:{e.payload['to_service']}"),
        ("case-redirected", f"thread:{e.payload['from_service']}"),
        ("redirected", _person(case.member_id)),
    ]


def _assigned(case: Case, e: Event, by_member: bool) -> list[tuple[str, str]]:
    assignee = e.payload.get("assignee")
    return [("assigned", _person(assignee))] if assignee and assignee != e.actor_id else []


def _closed(case: Case, e: Event, by_member: bool) -> list[tuple[str, str]]:
    return _member_activity(case, e, by_member) if by_member else [
        ("closed", _person(case.member_id))
    ]


def _reopened(case: Case, e: Event, by_member: bool) -> list[tuple[str, str]]:
    out = [("case-reopened", _thread(case))]
    return out if by_member else [*out, ("reopened", _person(case.member_id))]


def _question_to(case: Case, e: Event) -> list[str]:
    officer, service = e.payload.get("to_officer"), e.payload.get("to_service")
    if officer:
        found = [_person(officer)]
    elif service in case.services:
        found = [f"thread:{service}"]
    else:
        found = [_person(p) for p in e.payload.get("notify") or ()]
    return [r for r in found if r != _person(case.member_id)]  # internal, whatever the data


def _question(kind: str) -> Rule:
    return lambda case, e, by_member: [(kind, r) for r in _question_to(case, e)]


def _answered(case: Case, e: Event, by_member: bool) -> list[tuple[str, str]]:
    asked_in = e.payload.get("asked_in")
    return [("question-answered",
             f"thread:{asked_in}" if asked_in in case.services else _thread(case))]


def _escalated(case: Case, e: Event, by_member: bool) -> list[tuple[str, str]]:
    return [("escalation", f"escalation:{case.lead_service}"), ("member-activity", _thread(case))]


RULES: dict[str, Rule] = {
    "submitted": _submitted,
    "acknowledged": _to_member("acknowledged"),
    "replied": _to_member("officer-reply"),
    "information_requested": _to_member("information-requested"),
    "information_added": _member_activity,
    "update_requested": _member_activity,
    "attachment_added": _attachment,
    "rated": _member_activity,
    "auto_close_extended": _member_activity,
    "redirected": _redirected,
    "service_added": lambda case, e, by_member: [
        ("case-opened", f"thread:{e.payload['service']}")
    ],
    "assigned": _assigned,
    "marked_long_term": _to_member("long-term"),
    "final_response_given": _to_member("final-response"),
    "closed": _closed,
    "reopened": _reopened,
    "escalated": _escalated,
    "escalation_answered": _to_member("escalation-answer"),
    "question_asked": _question("officer-question"),
    "question_answered": _answered,
    "question_withdrawn": _question("question-withdrawn"),
    "handed_over": lambda case, e, by_member: [
        ("handed-over", _person(e.payload["to_person"]))
    ],
}


def notifications_for(
    case: Case, events: Iterable[Event], *, actor_kind: ActorKind, discriminator: str,
) -> list[Notification]:
    """Messages for the events of one change. `discriminator` (e.g. the case version) makes each
    change's keys distinct, while a replay of the same change maps to the same keys. Internal
    notes, drafts and anything not in RULES cause no message."""
    ref = case.reference or "draft"
    by_member = actor_kind is ActorKind.MEMBER
    out: list[Notification] = []
    for e in events:
        rule = RULES.get(e.kind)
        for kind, recipient in rule(case, e, by_member) if rule else []:
            payload = {"reference": ref, "event": e.kind, "actor_id": e.actor_id,
                       "on_behalf_of_id": e.on_behalf_of_id, **e.payload}
            out.append(Notification(kind, recipient,
                                    f"{ref}:{discriminator}:{kind}:{recipient}", payload))
    return out
