"""The case lifecycle: which action is allowed in which state, and what it changes.

    draft -> open -> acknowledged -> responded -> closed
                                  \\-> long_term (awaiting works) -/
    closed -> reopened -> acknowledged ...

Escalation is an overlay: none -> escalated -> escalation_answered. A closed case cannot be
escalated. Every function here checks the state, changes the case and records one event; none
does I/O, and "now" is always an argument. Permissions are checked by the service layer first.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from casestore.config import EscalationRule
from casestore.errors import (
    AlreadyRated,
    EscalationNotAllowed,
    EscalationNotYetAllowed,
    InvalidRequest,
    InvalidTransition,
    ReopenWindowPassed,
)
from casestore.kinds import EventKind, Refusal, Transition
from casestore.model import ACTIVE_STATES, Actor, Case, CaseState, EscalationState
from casestore.questions import ANSWERED, ASKED, WITHDRAWN, Question, find_question
from casestore.sla import SlaPolicy, clock_of

S = CaseState
E = EventKind
T = Transition
OFFICER_WORKING = ACTIVE_STATES
SUBMITTED = frozenset(CaseState) - {S.DRAFT}
ACKNOWLEDGEABLE = frozenset({S.OPEN, S.REOPENED})
LONG_TERMABLE = frozenset({S.OPEN, S.ACKNOWLEDGED, S.RESPONDED, S.REOPENED})


def _require_state(case: Case, action: Transition, allowed: frozenset[CaseState]) -> None:
    if case.state not in allowed:
        reason = Refusal.CLOSED if case.state is S.CLOSED else Refusal.WRONG_STATE
        if action is T.ACKNOWLEDGE and case.state is S.ACKNOWLEDGED:
            reason = Refusal.ALREADY_ACKNOWLEDGED
        raise InvalidTransition(case.reference, action, case.state.value, reason)


def submit(case: Case, actor: Actor, now: datetime, policy: SlaPolicy, reference: str) -> None:
    _require_state(case, T.SUBMIT, frozenset({S.DRAFT}))
    case.reference = reference
    case.state = S.OPEN
    case.submitted_at = now
    policy.set_deadlines(case, now)
    case.record(E.SUBMITTED, now, actor, reference=reference, service=case.lead_service,
                member=case.member_id, enquiry_type=case.enquiry_type,
                cc=list(case.cc_member_ids), deadlines=clock_of(case))


def acknowledge(case: Case, actor: Actor, now: datetime, *, claim: bool = True) -> None:
    _require_state(case, T.ACKNOWLEDGE, ACKNOWLEDGEABLE)
    case.state = S.ACKNOWLEDGED
    case.acknowledged_at = now
    if claim:
        case.assignee_id = actor.person_id
    case.record(E.ACKNOWLEDGED, now, actor, assignee=case.assignee_id)


def assign(case: Case, actor: Actor, now: datetime, officer_id: str) -> None:
    _require_state(case, T.ASSIGN, OFFICER_WORKING)
    previous = case.assignee_id
    case.assignee_id = officer_id
    case.record(E.ASSIGNED, now, actor, assignee=officer_id, previous=previous)


def reply(case: Case, actor: Actor, now: datetime, text: str, *, message_id: str = "") -> bool:
    """A member-facing reply. Returns True when it is the case's first response."""
    _require_state(case, T.REPLY, OFFICER_WORKING)
    first = case.first_response_at is None
    if case.acknowledged_at is None:
        case.acknowledged_at = now
    if first:
        case.first_response_at = now
    if case.state in (S.OPEN, S.ACKNOWLEDGED, S.REOPENED):
        case.state = S.RESPONDED
    case.record(E.REPLIED, now, actor, text=text, first_response=first, message_id=message_id)
    return first


def note(case: Case, actor: Actor, now: datetime, text: str, *, message_id: str = "") -> None:
    """An internal note: on the timeline for officers, never sent to the member."""
    _require_state(case, T.NOTE, frozenset(CaseState) - {S.DRAFT})
    case.record(E.NOTED, now, actor, text=text, internal=True, message_id=message_id)


def ask_member(case: Case, actor: Actor, now: datetime, question: str) -> None:
    """Ask the member for information; the response clock pauses until they answer."""
    _require_state(case, T.ASK_MEMBER, OFFICER_WORKING)
    if case.is_paused:
        raise InvalidRequest("question", "the case is already waiting on the member")
    case.paused_at = now
    case.record(E.INFORMATION_REQUESTED, now, actor, question=question)


def add_information(
    case: Case, actor: Actor, now: datetime, policy: SlaPolicy, text: str,
    attachment_ids: list[int] | None = None, special_categories: Sequence[str] = (),
) -> int:
    """The member adds information; a paused clock resumes. Returns the working days waited.
    Special category data in it has been confirmed by the member (`casestore.intake`), and the
    event says so."""
    _require_state(case, T.ADD_INFORMATION, OFFICER_WORKING)
    was_paused = case.is_paused
    waited = policy.resume(case, now) if was_paused else 0
    extra = {"special_category_confirmed": list(special_categories)} if special_categories \
        else {}
    if special_categories:
        case.special_category_confirmed = True
    case.record(
        E.INFORMATION_ADDED, now, actor, text=text, attachments=attachment_ids or [],
        clock_resumed=was_paused, paused_working_days=waited, **extra,
        **({"deadlines": clock_of(case)} if was_paused else {}),
    )
    return waited


def request_update(case: Case, actor: Actor, now: datetime, text: str = "") -> None:
    _require_state(case, T.REQUEST_UPDATE, OFFICER_WORKING)
    case.record(E.UPDATE_REQUESTED, now, actor, text=text)


def redirect(case: Case, actor: Actor, now: datetime, policy: SlaPolicy, service_id: str,
             reason: str) -> None:
    """Move the case to another lead service ("misdirected"); it must be acknowledged again."""
    _require_state(case, T.REDIRECT, OFFICER_WORKING)
    if service_id == case.lead_service:
        raise InvalidRequest("service", "the case is already with that service")
    old = case.lead_service
    case.services = [service_id] + [s for s in case.services if s not in (old, service_id)]
    case.lead_service = service_id
    case.assignee_id = None
    if case.state is S.ACKNOWLEDGED:
        case.state = S.OPEN
        case.acknowledged_at = None
    if case.acknowledged_at is None:
        policy.restart_acknowledge(case, now)
    policy.recompute(case)
    case.record(E.REDIRECTED, now, actor, from_service=old, to_service=service_id, reason=reason,
                deadlines=clock_of(case))


def add_service(case: Case, actor: Actor, now: datetime, service_id: str) -> None:
    _require_state(case, T.ADD_SERVICE, OFFICER_WORKING)
    if service_id in case.services:
        raise InvalidRequest("service", "that service is already on the case")
    case.services.append(service_id)
    case.record(E.SERVICE_ADDED, now, actor, service=service_id)


def convert_type(case: Case, actor: Actor, now: datetime, enquiry_type: str,
                 allowed: tuple[str, ...]) -> None:
    _require_state(case, T.CONVERT_TYPE, OFFICER_WORKING)
    if enquiry_type not in allowed:
        raise InvalidRequest("enquiry_type", f"{enquiry_type!r} is not offered by this service")
    if enquiry_type == case.enquiry_type:
        raise InvalidRequest("enquiry_type", "the case already has that type")
    old, case.enquiry_type = case.enquiry_type, enquiry_type
    case.record(E.TYPE_CONVERTED, now, actor, from_type=old, to_type=enquiry_type)


def mark_long_term(case: Case, actor: Actor, now: datetime, expected_on: date, reason: str,
                   today: date) -> None:
    _require_state(case, T.MARK_LONG_TERM, LONG_TERMABLE)
    if expected_on <= today:
        raise InvalidRequest("expected_on", "the expected date must be in the future")
    case.state = S.LONG_TERM
    case.expected_works_on = expected_on
    case.completion_due_on = expected_on
    case.record(E.MARKED_LONG_TERM, now, actor, expected_on=expected_on.isoformat(), reason=reason)


def final_response(case: Case, actor: Actor, now: datetime, policy: SlaPolicy, text: str,
                   *, close_now: bool = False) -> None:
    _require_state(case, T.FINAL_RESPONSE, OFFICER_WORKING)
    if case.acknowledged_at is None:
        case.acknowledged_at = now
    if case.first_response_at is None:
        case.first_response_at = now
    case.final_response_at = now
    case.paused_at = None
    case.state = S.RESPONDED
    policy.set_auto_close(case, now)
    case.record(E.FINAL_RESPONSE_GIVEN, now, actor, text=text, auto_close_on=(
        case.auto_close_on.isoformat() if case.auto_close_on else None))
    if close_now:
        close(case, actor, now, reason="Closed with the final response")


def close(case: Case, actor: Actor, now: datetime, *, reason: str = "") -> None:
    _require_state(case, T.CLOSE, ACTIVE_STATES)
    case.state = S.CLOSED
    case.closed_at = now
    case.paused_at = None
    case.record(E.CLOSED, now, actor, reason=reason)


def auto_close(case: Case, actor: Actor, now: datetime, today: date) -> None:
    _require_state(case, T.AUTO_CLOSE, frozenset({S.RESPONDED}))
    if case.final_response_at is None or case.auto_close_on is None or today < case.auto_close_on:
        raise InvalidTransition(case.reference, T.AUTO_CLOSE, case.state, Refusal.NOT_YET_DUE)
    close(case, actor, now, reason="Closed automatically after the final response")


def reopen(case: Case, actor: Actor, now: datetime, policy: SlaPolicy, reason: str, *,
           by_member: bool) -> None:
    """Reopen a closed case; a member may do so only within the council's reopen window."""
    _require_state(case, T.REOPEN, frozenset({S.CLOSED}))
    assert case.closed_at is not None
    cal = policy.calendar
    window = policy.defaults.reopen_window_days
    last_day = cal.add_working_days(cal.local_date(case.closed_at), window)
    if by_member and (window == 0 or cal.local_date(now) > last_day):  # 0: never
        raise ReopenWindowPassed(case.reference, last_day, case.state)
    case.state = S.REOPENED
    case.reopen_count += 1
    for attr in ("closed_at", "acknowledged_at", "first_response_at", "final_response_at",
                 "auto_close_on", "expected_works_on", "escalated_at", "escalation_due_on",
                 "escalation_answered_at", "paused_at", "redacted_at"):
        setattr(case, attr, None)
    case.escalation_state = EscalationState.NONE
    case.auto_close_extended_days = 0
    case.rating, case.rating_comment = None, ""  # the next final response may be rated afresh
    policy.set_deadlines(case, now)
    case.record(E.REOPENED, now, actor, reason=reason, by_member=by_member,
                deadlines=clock_of(case))


def rate(case: Case, actor: Actor, now: datetime, score: int, comment: str) -> None:
    if case.final_response_at is None:
        raise InvalidTransition(case.reference, T.RATE, case.state, Refusal.NO_FINAL_RESPONSE)
    if case.rating is not None:
        raise AlreadyRated(case.reference, case.state)
    if not 1 <= score <= 5:
        raise InvalidRequest("rating", "choose a rating from 1 to 5")
    case.rating = score
    case.rating_comment = comment
    case.record(E.RATED, now, actor, rating=score, comment=comment)


def extend_auto_close(case: Case, actor: Actor, now: datetime, policy: SlaPolicy,
                      days: int) -> None:
    _require_state(case, T.EXTEND_AUTO_CLOSE, frozenset({S.RESPONDED}))
    if case.auto_close_on is None:
        raise InvalidTransition(case.reference, T.EXTEND_AUTO_CLOSE, case.state,
                                Refusal.NO_FINAL_RESPONSE)
    d = policy.defaults
    if not 1 <= days <= d.auto_close_extension_max_days:
        raise InvalidRequest(
            "days", f"choose between 1 and {d.auto_close_extension_max_days} working days"
        )
    left = d.auto_close_extension_total_max_days - case.auto_close_extended_days
    if days > left:
        raise InvalidRequest("days", f"only {max(left, 0)} more working days can be added")
    case.auto_close_on = policy.calendar.add_working_days(case.auto_close_on, days)
    case.auto_close_extended_days += days
    case.record(E.AUTO_CLOSE_EXTENDED, now, actor, days=days,
                auto_close_on=case.auto_close_on.isoformat())


def escalation_allowed_from(case: Case) -> date | None:
    return case.escalation_from_on


def escalate(case: Case, actor: Actor, now: datetime, policy: SlaPolicy, reason: str,
             attachment_ids: list[int] | None = None) -> None:
    if case.state is S.CLOSED:
        raise EscalationNotAllowed(case.reference, Refusal.CLOSED, case.state)
    _require_state(case, T.ESCALATE, ACTIVE_STATES)
    if case.escalation_state is not EscalationState.NONE:
        raise EscalationNotAllowed(case.reference, Refusal.ALREADY_ESCALATED, case.state)
    assert case.escalation_from_on is not None
    if policy.calendar.local_date(now) < case.escalation_from_on:
        raise EscalationNotYetAllowed(case.reference, case.escalation_from_on, case.state)
    if policy.escalation_rule() is EscalationRule.NO_RESPONSE and case.first_response_at:
        raise EscalationNotAllowed(case.reference, Refusal.ALREADY_RESPONDED, case.state)
    case.escalation_state = EscalationState.ESCALATED
    case.escalated_at = now
    policy.set_escalation_deadline(case, now)
    case.record(E.ESCALATED, now, actor, reason=reason, attachments=attachment_ids or [],
                escalation_due_on=case.escalation_due_on.isoformat()
                if case.escalation_due_on else None)


def answer_escalation(case: Case, actor: Actor, now: datetime, text: str) -> None:
    if case.escalation_state is not EscalationState.ESCALATED:
        reason = Refusal.NO_OPEN_ESCALATION if case.escalation_state is EscalationState.NONE \
            else Refusal.ESCALATION_ALREADY_ANSWERED
        raise InvalidTransition(case.reference, T.ANSWER_ESCALATION,
                                case.escalation_state.value, reason)
    case.escalation_state = EscalationState.ANSWERED
    case.escalation_answered_at = now
    case.record(E.ESCALATION_ANSWERED, now, actor, text=text)


def hand_over(case: Case, actor: Actor, now: datetime, to_person_id: str, reason: str) -> None:
    _require_state(case, T.HAND_OVER, ACTIVE_STATES)
    old, case.member_id = case.member_id, to_person_id
    case.cc_member_ids = [m for m in case.cc_member_ids if m != to_person_id]
    case.record(E.HANDED_OVER, now, actor, from_person=old, to_person=to_person_id, reason=reason)


_MESSAGE_CHANGES = {
    "edited": (T.RECORD_EDITED_MESSAGE, EventKind.MESSAGE_EDITED),
    "deleted": (T.RECORD_DELETED_MESSAGE, EventKind.MESSAGE_DELETED),
}


def record_message_change(case: Case, actor: Actor, now: datetime, *, change: str,
                          message_id: str, text: str = "") -> None:
    """An officer edited or deleted a message in the case thread: kept on the timeline."""
    if change not in _MESSAGE_CHANGES:
        raise InvalidRequest("change", "must be 'edited' or 'deleted'")
    action, kind = _MESSAGE_CHANGES[change]
    _require_state(case, action, frozenset(CaseState) - {S.DRAFT})
    case.record(kind, now, actor, message_id=message_id, text=text)


# -- questions to other officers (internal: no clock pauses, nothing reaches the member) --------
def ask_officer(
    case: Case, actor: Actor, now: datetime, *, question_id: str, to_officer_id: str | None,
    to_service_id: str | None, question: str, questions: Sequence[Question] = (),
    asked_in: str | None = None, notify: Sequence[str] = (),
) -> None:
    """Put a question to one officer or one service area. `questions` are those already on the
    case (an id is never reused); `notify` who is told when the service has no thread here."""
    _require_state(case, T.ASK_OFFICER, OFFICER_WORKING)
    question = question.strip()
    if not question:
        raise InvalidRequest("question", "write the question")
    if (to_officer_id is None) == (to_service_id is None):
        raise InvalidRequest("question_to", "ask one officer or one service area")
    if to_officer_id == actor.person_id:
        raise InvalidRequest("question_to", "ask someone other than yourself")
    if not question_id:
        raise InvalidRequest("question_id", "a question needs an id")
    if find_question(questions, question_id) is not None:
        raise InvalidRequest("question_id", "that question id is already used on this case")
    case.record(ASKED, now, actor, question_id=question_id, to_officer=to_officer_id,
                to_service=to_service_id, question=question, asked_in=asked_in,
                notify=list(notify), internal=True)


def _open_question(case: Case, question_id: str, questions: Sequence[Question]) -> Question:
    found = find_question(questions, question_id)
    if found is None:
        raise InvalidRequest("question_id", f"there is no such question on {case.label}")
    if not found.is_open:
        raise InvalidRequest("question_id", f"that question has already been {found.status}")
    return found


def _closing(q: Question) -> dict[str, object]:
    """What the closing event repeats of the question: each event reads on its own."""
    return {"question_id": q.id, "question": q.text, "asked_by": q.asked_by,
            "to_officer": q.to_officer, "to_service": q.to_service, "asked_in": q.asked_in,
            "notify": list(q.notify), "internal": True}


def answer_question(case: Case, actor: Actor, now: datetime, *, question_id: str, answer: str,
                    questions: Sequence[Question]) -> None:
    """Answer an open question; a closed case's question may still be answered for the record."""
    _require_state(case, T.ANSWER_QUESTION, SUBMITTED)
    answer = answer.strip()
    if not answer:
        raise InvalidRequest("answer", "write the answer")
    q = _open_question(case, question_id, questions)
    case.record(ANSWERED, now, actor, answer=answer, **_closing(q))


def withdraw_question(case: Case, actor: Actor, now: datetime, *, question_id: str, reason: str,
                      questions: Sequence[Question]) -> None:
    """Take back an open question (e.g. it would duplicate work), saying why: kept for audit."""
    _require_state(case, T.WITHDRAW_QUESTION, SUBMITTED)
    reason = reason.strip()
    if not reason:
        raise InvalidRequest("reason", "say why the question is withdrawn")
    q = _open_question(case, question_id, questions)
    case.record(WITHDRAWN, now, actor, reason=reason, **_closing(q))
