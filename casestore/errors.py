"""Domain errors. Each carries the ids and states involved; the edges turn them into sentences."""

from __future__ import annotations

from datetime import date


class DomainError(Exception):
    """Base of every refusal the case store makes. Nothing is written when one is raised."""


class CaseNotFound(DomainError):
    def __init__(self, reference: str) -> None:
        self.reference = reference
        super().__init__(f"no case {reference!r}")


class InvalidTransition(DomainError):
    def __init__(self, reference: str | None, action: str, state: str) -> None:
        self.reference = reference
        self.action = action
        self.state = state
        super().__init__(f"cannot {action} case {reference} while it is {state}")


class NotPermitted(DomainError):
    def __init__(self, person_id: str, action: str, reference: str | None) -> None:
        self.person_id = person_id
        self.action = action
        self.reference = reference
        super().__init__(f"{person_id} may not {action} case {reference}")


class EscalationNotYetAllowed(DomainError):
    def __init__(self, reference: str | None, allowed_from_on: date) -> None:
        self.reference = reference
        self.allowed_from_on = allowed_from_on
        super().__init__(
            f"case {reference} can be escalated from {allowed_from_on.isoformat()}"
        )


class EscalationNotAllowed(DomainError):
    """The council's rule refuses escalation for a reason other than time (e.g. closed)."""

    def __init__(self, reference: str | None, reason: str) -> None:
        self.reference = reference
        self.reason = reason
        super().__init__(f"case {reference} cannot be escalated: {reason}")


class ReopenWindowPassed(DomainError):
    def __init__(self, reference: str | None, last_day_on: date) -> None:
        self.reference = reference
        self.last_day_on = last_day_on
        super().__init__(f"case {reference} could be reopened until {last_day_on.isoformat()}")


class AlreadyRated(DomainError):
    def __init__(self, reference: str | None) -> None:
        self.reference = reference
        super().__init__(f"case {reference} has already been rated")


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
