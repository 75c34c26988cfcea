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

from casestore.kinds import EventKind as E
from casestore.kinds import NoticeKind as N
from casestore.kinds import Recipient
from casestore.model import ActorKind, Case, EscalationState, Event


@dataclass(frozen=True)
class Notification:
    kind: N
    recipient: Recipient
    dedupe_key: str
    payload: dict[str, Any] = field(default_factory=dict)


_person = Recipient.person
Sent = list[tuple[N, Recipient]]
Rule = Callable[[Case, Event, bool], Sent]


def _thread(case: Case) -> Recipient:
    return Recipient.thread(case.lead_service)


def _submitted(case: Case, e: Event, by_member: bool) -> Sent:
    out = [(N.CASE_OPENED, _thread(case))]
    out += [(N.CC_NOTICE, _person(cc)) for cc in case.cc_member_ids]
    if case.raised_by_id != case.member_id and not by_member:
        out.append((N.LOGGED_FOR_MEMBER, _person(case.member_id)))
    return out


def _to_member(kind: N) -> Rule:
    return lambda case, e, by_member: [(kind, _person(case.member_id))]


def _member_activity(case: Case, e: Event, by_member: bool) -> Sent:
    # a cabinet secretary acts on the member's side, recorded "on behalf of" the member
    member_side = by_member or e.on_behalf_of_id is not None
    return [(N.MEMBER_ACTIVITY, _thread(case))] if member_side else []


def _attachment(case: Case, e: Event, by_member: bool) -> Sent:
    """A member's document reaches the thread and, while escalated, the escalation owner."""
    out = _member_activity(case, e, by_member)
    if out and case.escalation_state is EscalationState.ESCALATED:
        out.append((N.MEMBER_ACTIVITY, Recipient.escalation(case.lead_service)))
    return out


def _redirected(case: Case, e: Event, by_member: bool) -> Sent:
    return [
        (N.CASE_OPENED, Recipient.thread(e.payload["to_service"])),
        (N.CASE_REDIRECTED, Recipient.thread(e.payload["from_service"])),
        (N.REDIRECTED, _person(case.member_id)),
    ]


def _assigned(case: Case, e: Event, by_member: bool) -> Sent:
    assignee = e.payload.get("assignee")
    return [(N.ASSIGNED, _person(assignee))] if assignee and assignee != e.actor_id else []


def _closed(case: Case, e: Event, by_member: bool) -> Sent:
    return _member_activity(case, e, by_member) if by_member else [
        (N.CLOSED, _person(case.member_id))
    ]


def _reopened(case: Case, e: Event, by_member: bool) -> Sent:
    out = [(N.CASE_REOPENED, _thread(case))]
    return out if by_member else [*out, (N.REOPENED, _person(case.member_id))]


def _question_to(case: Case, e: Event) -> list[Recipient]:
    officer, service = e.payload.get("to_officer"), e.payload.get("to_service")
    if officer:
        found = [_person(officer)]
    elif service in case.services:
        found = [Recipient.thread(service)]
    else:
        found = [_person(p) for p in e.payload.get("notify") or ()]
    return [r for r in found if r != _person(case.member_id)]  # internal, whatever the data


def _question(kind: N) -> Rule:
    return lambda case, e, by_member: [(kind, r) for r in _question_to(case, e)]


def _answered(case: Case, e: Event, by_member: bool) -> Sent:
    asked_in = e.payload.get("asked_in")
    return [(N.QUESTION_ANSWERED,
             Recipient.thread(asked_in) if asked_in in case.services else _thread(case))]


def _escalated(case: Case, e: Event, by_member: bool) -> Sent:
    return [(N.ESCALATION, Recipient.escalation(case.lead_service)),
            (N.MEMBER_ACTIVITY, _thread(case))]


RULES: dict[E, Rule] = {
    E.SUBMITTED: _submitted,
    E.ACKNOWLEDGED: _to_member(N.ACKNOWLEDGED),
    E.REPLIED: _to_member(N.OFFICER_REPLY),
    E.INFORMATION_REQUESTED: _to_member(N.INFORMATION_REQUESTED),
    E.INFORMATION_ADDED: _member_activity,
    E.UPDATE_REQUESTED: _member_activity,
    E.ATTACHMENT_ADDED: _attachment,
    E.RATED: _member_activity,
    E.AUTO_CLOSE_EXTENDED: _member_activity,
    E.REDIRECTED: _redirected,
    E.SERVICE_ADDED: lambda case, e, by_member: [
        (N.CASE_OPENED, Recipient.thread(e.payload["service"]))
    ],
    E.ASSIGNED: _assigned,
    E.MARKED_LONG_TERM: _to_member(N.LONG_TERM),
    E.FINAL_RESPONSE_GIVEN: _to_member(N.FINAL_RESPONSE),
    E.CLOSED: _closed,
    E.REOPENED: _reopened,
    E.ESCALATED: _escalated,
    E.ESCALATION_ANSWERED: _to_member(N.ESCALATION_ANSWER),
    E.QUESTION_ASKED: _question(N.OFFICER_QUESTION),
    E.QUESTION_ANSWERED: _answered,
    E.QUESTION_WITHDRAWN: _question(N.QUESTION_WITHDRAWN),
    E.HANDED_OVER: lambda case, e, by_member: [
        (N.HANDED_OVER, _person(e.payload["to_person"]))
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
                       "on_behalf_of_id": e.on_behalf_of_id,
                       **{k: v for k, v in e.payload.items() if k != "deadlines"}}
            out.append(Notification(kind, recipient,
                                    f"{ref}:{discriminator}:{kind}:{recipient}", payload))
    return out
