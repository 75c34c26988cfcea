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
from casestore.kinds import Refusal
from casestore.model import CaseState, EscalationState
from dialogs.format import long_date_in, state_label

NOT_YOURS = "That enquiry isn't one you can see."
NOT_YOUR_DRAFT = "That draft isn't one you can use; it may have been submitted or discarded."
SOMETHING_WRONG = "Sorry, that couldn't be done. Please try again."
STALE_CARD = "This card is out of date. Please start again from a new card (type **help**)."

_STATES = {s.value: state_label(s).lower() for s in CaseState}
_REASONS = {
    Refusal.NO_FINAL_RESPONSE: "it is still waiting for the service's final response",
    Refusal.NOT_YET_DUE: "it is not yet due",
}


def _while(error: InvalidTransition) -> str:
    if error.reason in _REASONS:
        return f"because {_REASONS[error.reason]}"
    if error.state in _STATES:
        return f"while it is {_STATES[error.state]}"
    return "because of where it has got to"


def _sentence_start(message: str) -> str:
    message = message.strip().rstrip(".")
    return (message[:1].upper() + message[1:] + ".") if message else SOMETHING_WRONG


def escalation_date_sentence(on: date, today: date) -> str:
    return f"You can escalate this enquiry from {long_date_in(on, today)}."


_ESCALATION_REFUSED = {
    Refusal.CLOSED:
        "A closed enquiry can't be escalated. Raise a new enquiry linked to it instead.",
    Refusal.ALREADY_ESCALATED: "This enquiry has already been escalated.",
    Refusal.ALREADY_RESPONDED:
        "The service has already responded, so this enquiry can't be escalated.",
}


def member_sentence(error: DomainError, *, today: date, case_state: CaseState | None = None,
                    escalation: EscalationState | None = None,
                    responded: bool = False) -> str:
    """The sentence for `error`, from its type and typed fields (`reason`, dates). The case's
    state arguments are accepted for older callers and no longer needed."""
    if isinstance(error, NotPermitted | CaseNotFound):
        draft = str(error.reference or "").startswith("#")
        return NOT_YOUR_DRAFT if draft else NOT_YOURS
    if isinstance(error, EscalationNotYetAllowed):
        return escalation_date_sentence(error.allowed_from_on, today)
    if isinstance(error, EscalationNotAllowed):
        return _ESCALATION_REFUSED.get(error.reason, "This enquiry can't be escalated.")
    if isinstance(error, AlreadyRated):
        return "You have already rated this response. Thank you."
    if isinstance(error, ReopenWindowPassed):
        return (f"An enquiry can be reopened for a short time after it closes; this one could "
                f"be reopened until {long_date_in(error.last_day_on, today)}. You can raise a "
                "new enquiry linked to it instead.")
    if isinstance(error, InvalidTransition):
        return f"That can't be done to the enquiry {_while(error)}."
    if isinstance(error, InvalidRequest):
        return _sentence_start(error.message)
    if isinstance(error, AttachmentRejected):
        return f"{error.filename} was not added: {_sentence_start(error.reason)}"
    return _FIXED.get(type(error), SOMETHING_WRONG)


_FIXED: dict[type[DomainError], str] = {
    UnknownPerson: "I don't recognise that councillor.",
    ConcurrentUpdate: "Someone else changed this enquiry at the same moment. Please try again.",
}
