"""Domain errors. Each carries the ids and states involved; the edges turn them into sentences."""

from __future__ import annotations

from datetime import date

from casestore.kinds import Refusal, Transition


class DomainError(Exception):
    """Base of every refusal the case store makes. Nothing is written when one is raised."""


class CaseNotFound(DomainError):
    def __init__(self, reference: str) -> None:
        self.reference = reference
        super().__init__(f"no case {reference!r}")


class InvalidTransition(DomainError):
    """The lifecycle refused `action` on a case; `reason` says why, `state` is the case's state
    (or escalation state) at the time. Subclasses carry what their sentence needs (a date)."""

    def __init__(self, reference: str | None, action: Transition, state: str,
                 reason: Refusal = Refusal.WRONG_STATE) -> None:
        self.reference = reference
        self.action = action
        self.state = state
        self.reason = reason
        super().__init__(
            f"cannot {action} case {reference} while it is {_WHILE.get(reason, state)}")


_WHILE = {Refusal.NOT_YET_DUE: "not yet due",
          Refusal.NO_FINAL_RESPONSE: "awaiting a final response"}


class NotPermitted(DomainError):
    def __init__(self, person_id: str, action: str, reference: str | None) -> None:
        self.person_id = person_id
        self.action = action
        self.reference = reference
        super().__init__(f"{person_id} may not {action} case {reference}")


class AccessEnded(NotPermitted):
    """The person left office on `left_office_on`: they may no longer read or act on cases."""

    def __init__(self, person_id: str, left_office_on: date) -> None:
        super().__init__(person_id, "act", None)
        self.left_office_on = left_office_on
        self.args = (f"{person_id} left office on {left_office_on.isoformat()}",)


class EscalationNotYetAllowed(InvalidTransition):
    def __init__(self, reference: str | None, allowed_from_on: date, state: str = "") -> None:
        self.allowed_from_on = allowed_from_on
        super().__init__(reference, Transition.ESCALATE, state, Refusal.NOT_YET_ESCALATABLE)
        self.args = (f"case {reference} can be escalated from {allowed_from_on.isoformat()}",)


_NOT_ESCALATABLE = {
    Refusal.CLOSED: "the case is closed; raise a new linked case",
    Refusal.ALREADY_ESCALATED: "the case has already been escalated",
    Refusal.ALREADY_RESPONDED: "the service has already responded",
}


class EscalationNotAllowed(InvalidTransition):
    """The council's rule refuses escalation for a reason other than time: `reason` is CLOSED,
    ALREADY_ESCALATED or ALREADY_RESPONDED."""

    def __init__(self, reference: str | None, reason: Refusal, state: str = "") -> None:
        super().__init__(reference, Transition.ESCALATE, state, reason)
        self.args = (f"case {reference} cannot be escalated: {_NOT_ESCALATABLE[reason]}",)


class ReopenWindowPassed(InvalidTransition):
    def __init__(self, reference: str | None, last_day_on: date, state: str = "closed") -> None:
        self.last_day_on = last_day_on
        super().__init__(reference, Transition.REOPEN, state, Refusal.REOPEN_WINDOW_PASSED)
        self.args = (f"case {reference} could be reopened until {last_day_on.isoformat()}",)


class AlreadyRated(InvalidTransition):
    def __init__(self, reference: str | None, state: str = "") -> None:
        super().__init__(reference, Transition.RATE, state, Refusal.ALREADY_RATED)
        self.args = (f"case {reference} has already been rated",)


class InvalidRequest(DomainError):
    """A value that the domain refuses (unknown service, too many days, bad rating...)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


class UnknownPerson(DomainError):
    def __init__(self, person_id: str) -> None:
        self.person_id = person_id
        super().__init__(f"nobody in the directory has the id {person_id!r}")


class AttachmentRejected(DomainError):
    def __init__(self, filename: str, reason: str) -> None:
        self.filename = filename
        self.reason = reason
        super().__init__(f"{filename}: {reason}")


class ConcurrentUpdate(DomainError):
    def __init__(self, reference: str | None) -> None:
        self.reference = reference
        super().__init__(f"case {reference} was changed by someone else; try again")


class StillActive(DomainError):
    """Erasing a constituent's details was refused: these cases are still being worked on."""

    def __init__(self, references: list[str]) -> None:
        self.references = list(references)
        super().__init__(f"still open: {', '.join(self.references)}")
