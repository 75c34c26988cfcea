"""Who may see and do what with a case.

* A member sees the cases they answer for and those they are cc'd on (cc is read-only). A cabinet
  secretary sees and acts on the cases of the cabinet members they support, recorded as "by X for
  Cllr Y". Members never see another member's case otherwise ("need to know").
* An officer sees and acts on cases in their own service areas, and on those of any officer they
  cover while that officer is on leave. The escalation owner of one of a case's services may act
  on it and answers its escalation. The member support team sees and may act on every case.
* Only member support hands a departing member's cases over.
* A councillor who has left office (`left_office_on` on or before the day) can no longer read or
  act on any case, raise one, or keep drafts: `access_ended_on` says since when, and `require`
  raises `AccessEnded` so every edge tells them the date and whom to contact. Nobody acts for
  them either (a cabinet secretary, an officer logging a case). Their active cases go to a ward
  colleague or member support through the handover (`memberportal handover`).
* A question put to another officer or service area about a case may be answered by the officer
  it was put to (or whoever covers them on leave), by any officer of the service area it was put
  to (or their cover), or by anyone who may act on the case. Asking and withdrawing a question
  are officer work on the case, like any other.
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
    services = set(case.services)
    if services & set(officer.services):
        return True
    for absent_id in directory.covered_by(officer.id, on):
        absent = directory.find(absent_id)
        if absent is not None and services & set(absent.services):
            return True
    return any(directory.escalation_owner(s) == officer.id for s in services)


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
    try:
        require_in_office(directory, actor, on)
    except NotPermitted:
        return True
    return False


def may(directory: Directory, actor: Actor, action: Action, case: Case, on: date) -> bool:
    if actor.kind is ActorKind.SYSTEM:
        return True
    person = directory.find(actor.person_id)
    if person is None or _left_office(directory, actor, on):
        return False
    if action is Action.VIEW:
        return (
            acts_for_member(directory, actor, case.member_id)
            or (person.kind is ActorKind.MEMBER and person.id in case.cc_member_ids)
            or (person.kind is ActorKind.OFFICER and (
                is_member_support(person) or officer_covers(directory, person, case, on)
            ))
        )
    if action in MEMBER_ACTIONS:
        return acts_for_member(directory, actor, case.member_id)
    if person.kind is not ActorKind.OFFICER:
        return False
    if action is Action.HANDOVER:
        return is_member_support(person)
    if action is Action.ANSWER_ESCALATION:
        return _owns_escalation(directory, person, case, on) or is_member_support(person)
    return is_member_support(person) or officer_covers(directory, person, case, on)


def _owns_escalation(directory: Directory, person: Person, case: Case, on: date) -> bool:
    owners = {directory.escalation_owner(s) for s in case.services}
    if person.id in owners:
        return True
    return any(o in owners for o in directory.covered_by(person.id, on))


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
