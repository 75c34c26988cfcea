"""The domain's closed vocabularies: event kinds, notice kinds, recipients, refusals.

Each is a `StrEnum` whose values are exactly the text stored today (case_events.kind,
outbox.kind, outbox.recipient), so nothing is migrated and a member still equals its old string.
Pure: no I/O, no imports beyond the standard library.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class EventKind(StrEnum):
    """What happened to a case: one entry of its append-only log (past tense)."""

    DRAFT_SAVED = "draft_saved"
    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"
    ASSIGNED = "assigned"
    REPLIED = "replied"
    NOTED = "noted"
    INFORMATION_REQUESTED = "information_requested"
    INFORMATION_ADDED = "information_added"
    UPDATE_REQUESTED = "update_requested"
    ATTACHMENT_ADDED = "attachment_added"
    REDIRECTED = "redirected"
    SERVICE_ADDED = "service_added"
    TYPE_CONVERTED = "type_converted"
    MARKED_LONG_TERM = "marked_long_term"
    FINAL_RESPONSE_GIVEN = "final_response_given"
    CLOSED = "closed"
    REOPENED = "reopened"
    RATED = "rated"
    AUTO_CLOSE_EXTENDED = "auto_close_extended"
    ESCALATED = "escalated"
    ESCALATION_ANSWERED = "escalation_answered"
    HANDED_OVER = "handed_over"
    MESSAGE_EDITED = "message_edited"
    MESSAGE_DELETED = "message_deleted"
    QUESTION_ASKED = "question_asked"
    QUESTION_ANSWERED = "question_answered"
    QUESTION_WITHDRAWN = "question_withdrawn"
    DETAILS_REMOVED = "constituent_details_removed"  # retention or erasure (casestore.redaction)


class NoticeKind(StrEnum):
    """What the outbox delivers: each has one card renderer in `dialogs.notices`."""

    # caused by events (casestore.notifications)
    CASE_OPENED = "case-opened"
    CC_NOTICE = "cc-notice"
    LOGGED_FOR_MEMBER = "logged-for-member"
    MEMBER_ACTIVITY = "member-activity"
    CASE_REDIRECTED = "case-redirected"
    REDIRECTED = "redirected"
    ASSIGNED = "assigned"
    ACKNOWLEDGED = "acknowledged"
    OFFICER_REPLY = "officer-reply"
    INFORMATION_REQUESTED = "information-requested"
    LONG_TERM = "long-term"
    FINAL_RESPONSE = "final-response"
    CLOSED = "closed"
    CASE_REOPENED = "case-reopened"
    REOPENED = "reopened"
    ESCALATION = "escalation"
    ESCALATION_ANSWER = "escalation-answer"
    OFFICER_QUESTION = "officer-question"
    QUESTION_ANSWERED = "question-answered"
    QUESTION_WITHDRAWN = "question-withdrawn"
    HANDED_OVER = "handed-over"
    # caused by time (scheduler: the SLA sweep and the digest)
    ACK_DUE = "ack-due"
    ACK_OVERDUE = "ack-overdue"
    RESPONSE_DUE = "response-due"
    OVERDUE = "overdue"
    ESCALATION_OPEN = "escalation-open"
    ESCALATION_REMINDER = "escalation-reminder"
    ESCALATION_OVERDUE = "escalation-overdue"
    AUTO_CLOSE_WARNING = "auto-close-warning"
    DIGEST = "digest"


class RecipientKind(StrEnum):
    PERSON = "person"  # a personal chat (or the delegate's, while on leave)
    THREAD = "thread"  # the case's thread in a service's channel
    ESCALATION = "escalation"  # a service's escalation owner (channel or chat, per config)
    SUPPORT = "support"  # the member support channel


_TARGETED = frozenset({RecipientKind.PERSON, RecipientKind.THREAD, RecipientKind.ESCALATION})


@dataclass(frozen=True)
class Recipient:
    """An outbox address, resolved at send time. Stored as `person:<id>`, `thread:<service>`,
    `escalation:<service>` or `support` (no target); `str()` gives that form back."""

    kind: RecipientKind
    target: str = ""

    def __post_init__(self) -> None:
        if (self.kind in _TARGETED) != bool(self.target):
            need = "needs a target" if self.kind in _TARGETED else "takes no target"
            raise ValueError(f"unknown recipient {self._stored()!r}: {self.kind.value} {need}")

    @classmethod
    def person(cls, person_id: str) -> Recipient:
        return cls(RecipientKind.PERSON, person_id)

    @classmethod
    def thread(cls, service_id: str) -> Recipient:
        return cls(RecipientKind.THREAD, service_id)

    @classmethod
    def escalation(cls, service_id: str) -> Recipient:
        return cls(RecipientKind.ESCALATION, service_id)

    @classmethod
    def support(cls) -> Recipient:
        return cls(RecipientKind.SUPPORT)

    @classmethod
    def parse(cls, stored: str) -> Recipient:
        """The recipient a stored address names; ValueError saying why for anything else."""
        scheme, colon, target = stored.partition(":")
        try:
            kind = RecipientKind(scheme)
        except ValueError:
            raise ValueError(f"unknown recipient {stored!r}: no such kind {scheme!r}") from None
        if (kind in _TARGETED) != bool(target) or (kind not in _TARGETED and colon):
            need = "needs a target" if kind in _TARGETED else "takes no target"
            raise ValueError(f"unknown recipient {stored!r}: {scheme} {need}")
        return cls(kind, target)

    def _stored(self) -> str:
        return f"{self.kind.value}:{self.target}" if self.target else self.kind.value

    def __str__(self) -> str:
        return self._stored()


class Transition(StrEnum):
    """A lifecycle action, as the words 'cannot <action> case X' reads with."""

    SUBMIT = "submit"
    ACKNOWLEDGE = "acknowledge"
    ASSIGN = "assign"
    REPLY = "reply to"
    NOTE = "add a note to"
    ASK_MEMBER = "ask the member about"
    ADD_INFORMATION = "add information to"
    REQUEST_UPDATE = "request an update on"
    REDIRECT = "redirect"
    ADD_SERVICE = "add a service to"
    CONVERT_TYPE = "convert the type of"
    MARK_LONG_TERM = "mark long-term"
    FINAL_RESPONSE = "give the final response to"
    CLOSE = "close"
    AUTO_CLOSE = "auto-close"
    REOPEN = "reopen"
    RATE = "rate"
    EXTEND_AUTO_CLOSE = "extend the auto-close of"
    ESCALATE = "escalate"
    ANSWER_ESCALATION = "answer the escalation of"
    HAND_OVER = "hand over"
    RECORD_EDITED_MESSAGE = "record a edited message on"
    RECORD_DELETED_MESSAGE = "record a deleted message on"
    ASK_OFFICER = "ask a question about"
    ANSWER_QUESTION = "answer a question on"
    WITHDRAW_QUESTION = "withdraw a question on"


class Refusal(StrEnum):
    """Why the lifecycle refused a transition."""

    WRONG_STATE = "wrong_state"  # not allowed in the case's current state
    CLOSED = "closed"  # the case is closed
    ALREADY_ACKNOWLEDGED = "already_acknowledged"
    NOT_YET_DUE = "not_yet_due"  # auto-close before its day
    NO_FINAL_RESPONSE = "no_final_response"  # rating or extending before the final response
    NOT_YET_ESCALATABLE = "not_yet_escalatable"
    ALREADY_ESCALATED = "already_escalated"
    ALREADY_RESPONDED = "already_responded"  # the council escalates only unanswered cases
    NO_OPEN_ESCALATION = "no_open_escalation"
    ESCALATION_ALREADY_ANSWERED = "escalation_already_answered"
    REOPEN_WINDOW_PASSED = "reopen_window_passed"
    ALREADY_RATED = "already_rated"


# -- the council's vocabularies (its config names them) -------------------------------------

class EnquiryType(StrEnum):
    INFORMATION_REQUEST = "information_request"
    REPORT_IT = "report_it"
    SPEED_ISSUE = "speed_issue"
    IMPROVEMENT_REQUEST = "improvement_request"
    DANGEROUS_WASTE = "dangerous_waste"
    GENERAL = "general"


ENQUIRY_TYPE_LABELS: dict[EnquiryType, str] = {
    EnquiryType.INFORMATION_REQUEST: "Information request",
    EnquiryType.REPORT_IT: "Report it / safety issue",
    EnquiryType.SPEED_ISSUE: "Speed issue request",
    EnquiryType.IMPROVEMENT_REQUEST: "Improvement request",
    EnquiryType.DANGEROUS_WASTE: "Dangerous waste",
    EnquiryType.GENERAL: "General enquiry",
}


class OfficerRole(StrEnum):
    COORDINATOR = "coordinator"
    ESCALATION_OWNER = "escalation_owner"
    MEMBER_SUPPORT = "member_support"
    CABINET_SECRETARY = "cabinet_secretary"


class EscalationRule(StrEnum):
    """When a member may escalate (Wirral protocol, "Rights and responsibilities")."""

    NOT_CLOSED = "not_closed"  # N working days passed and the case is not closed (default)
    NO_RESPONSE = "no_response"  # N working days passed and no first response yet
