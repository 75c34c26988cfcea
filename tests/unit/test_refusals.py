"""One translator turns every domain refusal into a plain sentence, for a member or an officer,
from the error's type and typed fields (never its message text)."""

from __future__ import annotations

from datetime import date

import pytest

from casestore.errors import (
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
    UnknownPerson,
)
from casestore.intake import InvalidSubmission
from casestore.model import CaseState, EscalationState
from casestore.permissions import Action
from dialogs.refusals import Audience, sentence_for

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
    (CaseNotFound(REF), "That enquiry isn't one you can see.",
     f"I can't find the enquiry {REF}."),
    (EscalationNotYetAllowed(REF, date(2026, 12, 4)),
     "You can escalate this enquiry from Friday 4 December.", CANT),
    (EscalationNotAllowed(REF, "already escalated"), "This enquiry can't be escalated.", CANT),
    (ReopenWindowPassed(REF, date(2027, 1, 8)),
     "An enquiry can be reopened for a short time after it closes; this one could be reopened "
     "until Friday 8 January 2027. You can raise a new enquiry linked to it instead.", CANT),
    (InvalidTransition(REF, "close", "open"),
     "That can't be done to the enquiry while it is open.",
     f"You can't close {REF} while it is open."),
    (InvalidTransition(REF, "rate", "awaiting a final response"),
     "That can't be done to the enquiry because it is still waiting for the service's final "
     "response.", f"You can't rate {REF} while it is awaiting a final response."),
    (InvalidTransition(REF, "reply to", "closed"),
     "That can't be done to the enquiry while it is closed.",
     f"{REF} is closed, so you can't reply to it. Reopen it first."),
    (InvalidTransition(REF, "acknowledge", "acknowledged"),
     "That can't be done to the enquiry while it is acknowledged.",
     f"{REF} has already been acknowledged."),
    (InvalidTransition(REF, "answer the escalation", "escalation_answered"),
     "That can't be done to the enquiry because of where it has got to.",
     f"The escalation on {REF} has already been answered."),
    (InvalidTransition(REF, "answer the escalation", "none"),
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


@pytest.mark.parametrize(("state", "escalation", "responded", "sentence"), [
    (CaseState.CLOSED, None, False,
     "A closed enquiry can't be escalated. Raise a new enquiry linked to it instead."),
    (CaseState.ACKNOWLEDGED, EscalationState.ESCALATED, False,
     "This enquiry has already been escalated."),
    (CaseState.RESPONDED, EscalationState.NONE, True,
     "The service has already responded, so this enquiry can't be escalated."),
])
def test_a_member_is_told_why_an_escalation_was_refused_from_the_case_as_it_stands(
        state: CaseState, escalation: EscalationState | None, responded: bool,
        sentence: str) -> None:
    error = EscalationNotAllowed(REF, "refused")
    assert sentence_for(error, Audience.MEMBER, today=TODAY, case_state=state,
                        escalation=escalation, responded=responded) == sentence


def test_the_sentence_never_repeats_the_exception_text() -> None:
    error = InvalidTransition(REF, "close", "open")
    for audience in Audience:
        assert str(error) not in sentence_for(error, audience, today=TODAY)
