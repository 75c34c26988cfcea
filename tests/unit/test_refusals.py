"""One translator turns every domain refusal into a plain sentence, for a member or an officer,
from the error's type and typed fields (never its message text)."""

from __future__ import annotations

from datetime import date

import pytest

from casestore.errors import (
    AccessEnded,
    AlreadyRated,
    AttachmentRejected,
    CaseNotFound,
    ConcurrentUpdate,
    DomainError,
    EscalationNotAllowed,
    EscalationNotYetAllowed,
    InvalidRequest,
    InvalidTransition,
    NotPermitted,
    ReopenWindowPassed,
    StillActive,
    UnknownPerson,
)
from casestore.intake import InvalidSubmission
from casestore.kinds import Refusal, Transition
from casestore.permissions import Action
from dialogs.refusals import Audience, access_ended_sentence, sentence_for

TODAY = date(2026, 11, 23)  # a Monday
REF = "ENQ-2026-000001"
CANT = "Sorry, that can't be done on this enquiry."

CASES: list[tuple[DomainError, str, str]] = [
    (NotPermitted("p1", "close", REF), "That enquiry isn't one you can see.",
     f"Sorry, you can't close {REF}. Only officers of its service areas, their cover while they "
     "are on leave, the escalation owner and the member support team can."),
    (NotPermitted("p1", Action.ANSWER_QUESTION.value, REF), "That enquiry isn't one you can see.",
     f"Sorry, you can't answer this question on {REF}. Only the officer or service area it was "
     "put to, their cover while they are on leave, and the officers working on the enquiry can."),
    (NotPermitted("p1", "use the draft", "#3"),
     "That draft isn't one you can use; it may have been submitted or discarded.",
     "Sorry, you can't use the draft #3. Only officers of its service areas, their cover while "
     "they are on leave, the escalation owner and the member support team can."),
    (AccessEnded("p1", date(2026, 11, 6)),
     "Your access to member enquiries ended on Friday 6 November, when you left office, so I can "
     "no longer show you enquiries or act on them. Your open enquiries are being handed over to "
     "a colleague; please contact the member support team about anything you need.",
     "Sorry, that can't be done: access ended on Friday 6 November, on leaving office."),
    (CaseNotFound(REF), "That enquiry isn't one you can see.",
     f"I can't find the enquiry {REF}."),
    (EscalationNotYetAllowed(REF, date(2026, 12, 4)),
     "You can escalate this enquiry from Friday 4 December.", CANT),
    (EscalationNotAllowed(REF, Refusal.CLOSED),
     "A closed enquiry can't be escalated. Raise a new enquiry linked to it instead.", CANT),
    (EscalationNotAllowed(REF, Refusal.ALREADY_ESCALATED),
     "This enquiry has already been escalated.", CANT),
    (EscalationNotAllowed(REF, Refusal.ALREADY_RESPONDED),
     "The service has already responded, so this enquiry can't be escalated.", CANT),
    (ReopenWindowPassed(REF, date(2027, 1, 8)),
     "An enquiry can be reopened for a short time after it closes; this one could be reopened "
     "until Friday 8 January 2027. You can raise a new enquiry linked to it instead.", CANT),
    (InvalidTransition(REF, Transition.CLOSE, "open"),
     "That can't be done to the enquiry while it is open.",
     f"You can't close {REF} while it is open."),
    (InvalidTransition(REF, Transition.EXTEND_AUTO_CLOSE, "responded",
                       Refusal.NO_FINAL_RESPONSE),
     "That can't be done to the enquiry because it is still waiting for the service's final "
     "response.", f"You can't extend the auto-close of {REF} while it is responded."),
    (InvalidTransition(REF, Transition.AUTO_CLOSE, "responded", Refusal.NOT_YET_DUE),
     "That can't be done to the enquiry because it is not yet due.",
     f"You can't auto-close {REF} while it is responded."),
    (InvalidTransition(REF, Transition.REPLY, "closed", Refusal.CLOSED),
     "That can't be done to the enquiry while it is closed.",
     f"{REF} is closed, so you can't reply to it. Reopen it first."),
    (InvalidTransition(REF, Transition.ACKNOWLEDGE, "acknowledged",
                       Refusal.ALREADY_ACKNOWLEDGED),
     "That can't be done to the enquiry while it is acknowledged.",
     f"{REF} has already been acknowledged."),
    (InvalidTransition(REF, Transition.ANSWER_ESCALATION, "escalation_answered",
                       Refusal.ESCALATION_ALREADY_ANSWERED),
     "That can't be done to the enquiry because of where it has got to.",
     f"The escalation on {REF} has already been answered."),
    (InvalidTransition(REF, Transition.ANSWER_ESCALATION, "none",
                       Refusal.NO_OPEN_ESCALATION),
     "That can't be done to the enquiry because of where it has got to.",
     f"{REF} has no open escalation to answer."),
    (InvalidRequest("days", "too many days."), "Too many days.", "Too many days."),
    (AttachmentRejected("plan.exe", "this type of file is not accepted"),
     "plan.exe was not added: This type of file is not accepted.", CANT),
    (AlreadyRated(REF), "You have already rated this response. Thank you.", CANT),
    (UnknownPerson("p9"), "I don't recognise that councillor.",
     "I don't recognise that person. Choose someone from the list."),
    (ConcurrentUpdate(REF),
     "Someone else changed this enquiry at the same moment. Please try again.",
     "Someone else changed this enquiry at the same moment. Please try again."),
    (StillActive([REF]), "Sorry, that couldn't be done. Please try again.",
     f"{REF} is still open, so the constituent's details can't be erased yet. Close it first."),
    (InvalidSubmission({"ask": "Say what outcome the councillor wants."}),
     "Sorry, that couldn't be done. Please try again.",
     "Some details need attention: Say what outcome the councillor wants."),
]


@pytest.mark.parametrize(("error", "member", "officer"), CASES,
                         ids=[f"{type(c[0]).__name__}-{i}" for i, c in enumerate(CASES)])
def test_each_refusal_reads_as_a_sentence_for_each_audience(
        error: DomainError, member: str, officer: str) -> None:
    assert sentence_for(error, Audience.MEMBER, today=TODAY) == member
    assert sentence_for(error, Audience.OFFICER, today=TODAY) == officer


def test_every_domain_error_type_has_a_case_above() -> None:
    import casestore.errors as errors

    types = {t for t in vars(errors).values()
             if isinstance(t, type) and issubclass(t, DomainError) and t is not DomainError}
    assert types <= {type(error) for error, _, _ in CASES}


def test_the_sentence_never_repeats_the_exception_text() -> None:
    error = InvalidTransition(REF, Transition.CLOSE, "open")
    for audience in Audience:
        assert str(error) not in sentence_for(error, audience, today=TODAY)


def test_a_departed_councillor_is_told_whom_in_member_support_to_contact() -> None:
    assert access_ended_sentence(date(2026, 11, 6), TODAY, ["Kathryn Pinnington",
                                                           "Ruth Abernethy", "Jamal Osei"]) == (
        "Your access to member enquiries ended on Friday 6 November, when you left office, so I "
        "can no longer show you enquiries or act on them. Your open enquiries are being handed "
        "over to a colleague; please contact the member support team (Kathryn Pinnington, Ruth "
        "Abernethy or Jamal Osei) about anything you need.")
