"""Who may see and do what with a case: one table, `POLICY`, of what each relation allows.

A person's relations to a case (`relations`) decide everything; a stranger has none:

* the member the case answers to (`MEMBER`), and a cabinet secretary acting for that member
  (`SECRETARY`, recorded as "by X for Cllr Y"), raise it and do the member's side;
* a member cc'd on it (`CC`) only sees it (cc is read-only); no other member sees it at all
  ("need to know"), whether of the same ward or another;
* an officer of one of its service areas (`SERVICE`), an officer covering one of them on leave
  days (`DELEGATE`), the escalation owner of one of its services or whoever covers them on leave
  (`ESCALATION_OWNER`) and the member support team (`MEMBER_SUPPORT`) do the officers' side; only
  the escalation owner and member support answer its escalation, and only member support hands a
  departing member's cases over.
* A councillor who has left office (`left_office_on` on or before the day) can no longer read or
  act on any case, raise one, or keep drafts: `access_ended_on` says since when, and `require`
  raises `AccessEnded` so every edge tells them the date and whom to contact. Nobody acts for
  them either (a cabinet secretary, an officer logging a case). Their active cases go to a ward
  colleague or member support through the handover (`memberportal handover`).
* A question put to another officer or service area about a case may be answered by the officer
  it was put to (or whoever covers them on leave), by any officer of the service area it was put
  to (or their cover), or by anyone who may act on the case (`may_answer`). Asking and
  withdrawing a question are officer work on the case, like any other.

`POLICY` is data: `casestore.policy_table` renders it as the table in docs/security.md, and the
access-matrix test tries every cell of that table through the real use cases.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from casestore.config import OfficerRole
from casestore.directory import Directory, Person
from casestore.errors import AccessEnded, NotPermitted
from casestore.model import Actor, ActorKind, Case
from casestore.questions import Question


class Action(StrEnum):
    VIEW = "view"
    # the member's side
    SUBMIT = "submit"
    REQUEST_UPDATE = "request an update on"
    ADD_INFORMATION = "add information to"
    MEMBER_CLOSE = "close"
    MEMBER_REOPEN = "reopen"
    RATE = "rate"
    EXTEND_AUTO_CLOSE = "extend the auto-close of"
    ESCALATE = "escalate"
    # the officer's side
    ACKNOWLEDGE = "acknowledge"
    ASSIGN = "assign"
    REPLY = "reply to"
    INTERNAL_NOTE = "add an internal note to"
    ASK_MEMBER = "ask the member about"
    REASSIGN = "redirect"
    ADD_SERVICE = "add a service to"
    CONVERT_TYPE = "convert the type of"
    MARK_LONG_TERM = "mark long-term"
    FINAL_RESPONSE = "give the final response to"
    OFFICER_CLOSE = "close (as an officer)"
    OFFICER_REOPEN = "reopen (as an officer)"
    LOG_FOR_MEMBER = "log on a member's behalf"
    ANSWER_ESCALATION = "answer the escalation of"
    ASK_OFFICER = "ask a question about"
    ANSWER_QUESTION = "answer a question on"
    WITHDRAW_QUESTION = "withdraw a question on"
    HANDOVER = "hand over"


MEMBER_ACTIONS = frozenset(
    {
        Action.SUBMIT, Action.REQUEST_UPDATE, Action.ADD_INFORMATION, Action.MEMBER_CLOSE,
        Action.MEMBER_REOPEN, Action.RATE, Action.EXTEND_AUTO_CLOSE, Action.ESCALATE,
    }
)


class Read(StrEnum):
    """Reads that have a row of their own in the policy table besides VIEW."""

    FILES = "see the files on"  # enforced through VIEW (casework.attachments)
    LIST = "find in their case lists"  # enforced by the lists' filters (list_for_*)


class Relation(StrEnum):
    """How a person stands to a case."""

    MEMBER = "member"  # the member the case answers to
    SECRETARY = "secretary"  # a cabinet secretary acting for that member
    CC = "cc"  # a member cc'd on the case
    SERVICE = "service"  # an officer of one of its service areas
    DELEGATE = "delegate"  # covering, on their leave days, an officer of one of its services
    ESCALATION_OWNER = "escalation_owner"  # of one of its services, or covering them on leave
    MEMBER_SUPPORT = "member_support"


R = Relation
_SEES = frozenset({R.MEMBER, R.SECRETARY, R.CC, R.SERVICE, R.DELEGATE, R.ESCALATION_OWNER,
                   R.MEMBER_SUPPORT})
_MEMBER_SIDE = frozenset({R.MEMBER, R.SECRETARY})
_OFFICERS = frozenset({R.SERVICE, R.DELEGATE, R.ESCALATION_OWNER, R.MEMBER_SUPPORT})

POLICY: dict[Action | Read, frozenset[Relation]] = {
    Action.VIEW: _SEES,
    Read.FILES: _SEES,
    Read.LIST: _SEES,
    Action.SUBMIT: _MEMBER_SIDE,
    Action.REQUEST_UPDATE: _MEMBER_SIDE,
    Action.ADD_INFORMATION: _MEMBER_SIDE,
    Action.MEMBER_CLOSE: _MEMBER_SIDE,
    Action.MEMBER_REOPEN: _MEMBER_SIDE,
    Action.RATE: _MEMBER_SIDE,
    Action.EXTEND_AUTO_CLOSE: _MEMBER_SIDE,
    Action.ESCALATE: _MEMBER_SIDE,
    Action.ACKNOWLEDGE: _OFFICERS,
    Action.ASSIGN: _OFFICERS,
    Action.REPLY: _OFFICERS,
    Action.INTERNAL_NOTE: _OFFICERS,
    Action.ASK_MEMBER: _OFFICERS,
    Action.REASSIGN: _OFFICERS,
    Action.ADD_SERVICE: _OFFICERS,
    Action.CONVERT_TYPE: _OFFICERS,
    Action.MARK_LONG_TERM: _OFFICERS,
    Action.FINAL_RESPONSE: _OFFICERS,
    Action.OFFICER_CLOSE: _OFFICERS,
    Action.OFFICER_REOPEN: _OFFICERS,
    Action.LOG_FOR_MEMBER: _OFFICERS,
    Action.ASK_OFFICER: _OFFICERS,
    Action.ANSWER_QUESTION: _OFFICERS,
    Action.WITHDRAW_QUESTION: _OFFICERS,
    Action.ANSWER_ESCALATION: frozenset({R.ESCALATION_OWNER, R.MEMBER_SUPPORT}),
    Action.HANDOVER: frozenset({R.MEMBER_SUPPORT}),
}


def acts_for_member(directory: Directory, actor: Actor, member_id: str) -> bool:
    """The actor is that member, or a cabinet secretary acting for them."""
    if actor.person_id == member_id and actor.on_behalf_of in (None, member_id):
        return True
    return (
        actor.on_behalf_of == member_id
        and member_id in directory.members_for_secretary(actor.person_id)
    )


def officer_covers(directory: Directory, officer: Person, case: Case, on: date) -> bool:
    """An officer of one of the case's services, their delegate on leave days, or its owner."""
    return bool(_officer_relations(directory, officer, case, on) & {
        Relation.SERVICE, Relation.DELEGATE, Relation.ESCALATION_OWNER})


def is_member_support(person: Person) -> bool:
    return person.kind is ActorKind.OFFICER and person.has_role(OfficerRole.MEMBER_SUPPORT)


def access_ended_on(person: Person | None, on: date) -> date | None:
    """The day this person's access ended, if it had by `on`: a councillor who has left office
    (from `left_office_on` itself). None while they serve, and for officers."""
    left = person.left_office_on if person is not None else None
    return left if left is not None and left <= on else None


def require_in_office(directory: Directory, actor: Actor, on: date) -> None:
    """AccessEnded for someone who has left office, NotPermitted for acting for one."""
    if actor.kind is ActorKind.SYSTEM:
        return
    ended = access_ended_on(directory.find(actor.person_id), on)
    if ended is not None:
        raise AccessEnded(actor.person_id, ended)
    if actor.on_behalf_of and access_ended_on(directory.find(actor.on_behalf_of), on):
        raise NotPermitted(actor.person_id, "act for", actor.on_behalf_of)


def _left_office(directory: Directory, actor: Actor, on: date) -> bool:
    """The acting person, or the member they act for, has left office."""
    if actor.kind is ActorKind.SYSTEM:
        return False
    return any(access_ended_on(directory.find(pid), on) is not None
               for pid in (actor.person_id, actor.on_behalf_of) if pid)


def relations(directory: Directory, actor: Actor, case: Case, on: date) -> frozenset[Relation]:
    """How the acting person stands to the case on that day (none at all: a stranger)."""
    person = directory.find(actor.person_id)
    if person is None or _left_office(directory, actor, on):
        return frozenset()
    found: set[Relation] = set()
    if person.id == case.member_id and actor.on_behalf_of in (None, case.member_id):
        found.add(Relation.MEMBER)
    if actor.on_behalf_of == case.member_id and \
            case.member_id in directory.members_for_secretary(person.id):
        found.add(Relation.SECRETARY)
    if person.kind is ActorKind.MEMBER and person.id in case.cc_member_ids:
        found.add(Relation.CC)
    if person.kind is ActorKind.OFFICER:
        found |= _officer_relations(directory, person, case, on)
    return frozenset(found)


def _officer_relations(directory: Directory, officer: Person, case: Case,
                       on: date) -> set[Relation]:
    services = set(case.services)
    covered = [p for p in map(directory.find, directory.covered_by(officer.id, on))
               if p is not None]
    owners = {directory.escalation_owner(s) for s in services}
    found: set[Relation] = set()
    if services & set(officer.services):
        found.add(Relation.SERVICE)
    if any(services & set(p.services) for p in covered):
        found.add(Relation.DELEGATE)
    if officer.id in owners or any(p.id in owners for p in covered):
        found.add(Relation.ESCALATION_OWNER)
    if is_member_support(officer):
        found.add(Relation.MEMBER_SUPPORT)
    return found


def may(directory: Directory, actor: Actor, action: Action, case: Case, on: date) -> bool:
    """What POLICY allows the acting person's relations to the case (the system may do all)."""
    if actor.kind is ActorKind.SYSTEM:
        return True
    return not POLICY[action].isdisjoint(relations(directory, actor, case, on))


def may_answer(directory: Directory, actor: Actor, case: Case, question: Question,
               on: date) -> bool:
    """The question's addressee, an officer of its service area, their cover, or anyone who may
    act on the case."""
    if may(directory, actor, Action.ANSWER_QUESTION, case, on):
        return True
    person = directory.find(actor.person_id)
    if person is None or person.kind is not ActorKind.OFFICER or actor.on_behalf_of:
        return False
    covering = [person, *(p for p in map(directory.find, directory.covered_by(person.id, on))
                          if p is not None)]
    return any(
        p.id == question.to_officer or (question.to_service in p.services) for p in covering
    )


def require(directory: Directory, actor: Actor, action: Action, case: Case, on: date) -> None:
    require_in_office(directory, actor, on)
    if not may(directory, actor, action, case, on):
        raise NotPermitted(actor.person_id, action.value, case.reference)
