"""Every refusal the case store can make, as one plain British English sentence.

`sentence_for(error, audience, today=...)` is the one translator: a member and an officer are
told different things (an officer learns who may act; a member, what to do next). Never the
exception's text: each sentence is built from the error's type and its typed fields (`reason`,
`action`, ids, dates, states), so what people read is written here, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import StrEnum

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
from casestore.intake import InvalidSubmission, SpecialCategoryUnconfirmed
from casestore.kinds import Refusal
from casestore.model import CaseState
from casestore.permissions import Action
from dialogs.format import long_date_in, state_label

NOT_YOURS = "That enquiry isn't one you can see."
NOT_YOUR_DRAFT = "That draft isn't one you can use; it may have been submitted or discarded."
SOMETHING_WRONG = "Sorry, that couldn't be done. Please try again."
STALE_CARD = "This card is out of date. Please start again from a new card (type **help**)."



class Audience(StrEnum):
    MEMBER = "member"
    OFFICER = "officer"


def sentence_for(error: DomainError, audience: Audience, *, today: date) -> str:
    """The sentence for `error`, for a member or an officer; `today` dates what a member is
    told (a date this year is given without its year)."""
    if audience is Audience.OFFICER:
        if isinstance(error, AccessEnded):
            return (f"Sorry, that can't be done: access ended on "
                    f"{long_date_in(error.left_office_on, today)}, on leaving office.")
        return _for_officer(error)
    return _for_member(error, today=today)


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


def access_ended_sentence(left_office_on: date, today: date,
                          contacts: Sequence[str] = ()) -> str:
    """What a councillor who has left office is told, whatever they try: since when, and whom to
    contact (member support's names, when known)."""
    team = "the member support team"
    if contacts:
        names = list(contacts)
        team += " (" + (", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1
                        else names[0]) + ")"
    return (f"Your access to member enquiries ended on {long_date_in(left_office_on, today)}, "
            "when you left office, so I can no longer show you enquiries or act on them. Your "
            f"open enquiries are being handed over to a colleague; please contact {team} about "
            "anything you need.")


def escalation_date_sentence(on: date, today: date) -> str:
    return f"You can escalate this enquiry from {long_date_in(on, today)}."


_ESCALATION_REFUSED = {
    Refusal.CLOSED:
        "A closed enquiry can't be escalated. Raise a new enquiry linked to it instead.",
    Refusal.ALREADY_ESCALATED: "This enquiry has already been escalated.",
    Refusal.ALREADY_RESPONDED:
        "The service has already responded, so this enquiry can't be escalated.",
}


def _for_member(error: DomainError, *, today: date) -> str:
    if isinstance(error, AccessEnded):
        return access_ended_sentence(error.left_office_on, today)
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
    if isinstance(error, SpecialCategoryUnconfirmed):
        return ("This looks like it may include special category data ("
                + ", ".join(error.categories)
                + "). Take it out, or confirm it is needed and the constituent agreed.")
    return _FIXED.get(type(error), SOMETHING_WRONG)


_FIXED: dict[type[DomainError], str] = {
    UnknownPerson: "I don't recognise that councillor.",
    ConcurrentUpdate: "Someone else changed this enquiry at the same moment. Please try again.",
}


# -- officers ----------------------------------------------------------------------------------
OFFICER_CANT = "Sorry, that can't be done on this enquiry."
_MEMBER_ONLY = (EscalationNotYetAllowed, EscalationNotAllowed, ReopenWindowPassed, AlreadyRated)


def _for_officer(exc: DomainError) -> str:
    """A domain refusal as a sentence for the officer (no ids beyond the case reference)."""
    if isinstance(exc, NotPermitted) and exc.action == Action.ANSWER_QUESTION.value:
        return (f"Sorry, you can't answer this question on {exc.reference}. Only the officer or "
                "service area it was put to, their cover while they are on leave, and the "
                "officers working on the enquiry can.")
    if isinstance(exc, NotPermitted):
        where = f" {exc.reference}" if exc.reference else ""
        return (f"Sorry, you can't {exc.action}{where}. Only officers of its service areas, "
                "their cover while they are on leave, the escalation owner and the member "
                "support team can.")
    if isinstance(exc, _MEMBER_ONLY):  # refusals of a member's action: nothing to add for officers
        return OFFICER_CANT
    if isinstance(exc, InvalidTransition):
        return _transition(exc)
    if isinstance(exc, InvalidRequest):
        message = exc.message.strip().rstrip(".")
        return message[:1].upper() + message[1:] + "."
    if isinstance(exc, CaseNotFound):
        return f"I can't find the enquiry {exc.reference}."
    if isinstance(exc, ConcurrentUpdate):
        return "Someone else changed this enquiry at the same moment. Please try again."
    if isinstance(exc, UnknownPerson):
        return "I don't recognise that person. Choose someone from the list."
    if isinstance(exc, InvalidSubmission):
        return "Some details need attention: " + " ".join(exc.problems.values())
    if isinstance(exc, StillActive):
        verb = "is" if len(exc.references) == 1 else "are"
        return (f"{', '.join(exc.references)} {verb} still open, so the constituent's details "
                "can't be erased yet. Close it first.")
    return OFFICER_CANT


def _transition(exc: InvalidTransition) -> str:
    ref = exc.reference or "This enquiry"
    try:
        state = state_label(CaseState(exc.state)).lower()
    except ValueError:
        state = exc.state.replace("_", " ")
    if exc.reason is Refusal.ESCALATION_ALREADY_ANSWERED:
        return f"The escalation on {ref} has already been answered."
    if exc.reason is Refusal.NO_OPEN_ESCALATION:
        return f"{ref} has no open escalation to answer."
    if exc.reason is Refusal.ALREADY_ACKNOWLEDGED:
        return f"{ref} has already been acknowledged."
    if exc.reason is Refusal.CLOSED or exc.state == CaseState.CLOSED.value:
        return f"{ref} is closed, so you can't {exc.action} it. Reopen it first."
    return f"You can't {exc.action} {ref} while it is {state}."
