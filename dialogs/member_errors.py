"""Every refusal the case store can make, as one plain British English sentence for a member.

Never the exception's text: each sentence is built from the error's type and its fields (ids,
dates, states), so what the member reads is written here, once.
"""

from __future__ import annotations

from datetime import date

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
from casestore.model import CaseState, EscalationState
from dialogs.format import long_date_in, state_label

NOT_YOURS = "That enquiry isn't one you can see."
NOT_YOUR_DRAFT = "That draft isn't one you can use; it may have been submitted or discarded."
SOMETHING_WRONG = "Sorry, that couldn't be done. Please try again."
STALE_CARD = "This card is out of date. Please start again from a new card (type **help**)."

_STATES = {s.value: state_label(s).lower() for s in CaseState}
_STATE_REASONS = {
    "awaiting a final response": "it is still waiting for the service's final response",
    "not yet due": "it is not yet due",
}


def _while(state: str) -> str:
    if state in _STATES:
        return f"while it is {_STATES[state]}"
    return f"because {_STATE_REASONS.get(state, 'of where it has got to')}"


def _sentence_start(message: str) -> str:
    message = message.strip().rstrip(".")
    return (message[:1].upper() + message[1:] + ".") if message else SOMETHING_WRONG


def escalation_date_sentence(on: date, today: date) -> str:
    return f"You can escalate this enquiry from {long_date_in(on, today)}."


def _escalation_refused(case_state: CaseState | None, escalation: EscalationState | None,
                        responded: bool) -> str:
    if case_state is CaseState.CLOSED:
        return "A closed enquiry can't be escalated. Raise a new enquiry linked to it instead."
    if escalation is not None and escalation is not EscalationState.NONE:
        return "This enquiry has already been escalated."
    if responded:
        return "The service has already responded, so this enquiry can't be escalated."
    return "This enquiry can't be escalated."


def member_sentence(error: DomainError, *, today: date, case_state: CaseState | None = None,
                    escalation: EscalationState | None = None,
                    responded: bool = False) -> str:
    """The sentence for `error`. `case_state`, `escalation` and `responded` describe the case as
    it now stands, when known, to say why an escalation was refused."""
    if isinstance(error, NotPermitted | CaseNotFound):
        draft = str(error.reference or "").startswith("#")
        return NOT_YOUR_DRAFT if draft else NOT_YOURS
    if isinstance(error, EscalationNotYetAllowed):
        return escalation_date_sentence(error.allowed_from_on, today)
    if isinstance(error, EscalationNotAllowed):
        return _escalation_refused(case_state, escalation, responded)
    if isinstance(error, ReopenWindowPassed):
        return (f"An enquiry can be reopened for a short time after it closes; this one could "
                f"be reopened until {long_date_in(error.last_day_on, today)}. You can raise a "
                "new enquiry linked to it instead.")
    if isinstance(error, InvalidTransition):
        return f"That can't be done to the enquiry {_while(error.state)}."
    if isinstance(error, InvalidRequest):
        return _sentence_start(error.message)
    if isinstance(error, AttachmentRejected):
        return f"{error.filename} was not added: {_sentence_start(error.reason)}"
    return _FIXED.get(type(error), SOMETHING_WRONG)


_FIXED: dict[type[DomainError], str] = {
    AlreadyRated: "You have already rated this response. Thank you.",
    UnknownPerson: "I don't recognise that councillor.",
    ConcurrentUpdate: "Someone else changed this enquiry at the same moment. Please try again.",
}
