"""Questions officers put to other officers or service areas about a case, read from its events.

A question lives only in the case's event log: `question_asked` opens it, and one
`question_answered` or `question_withdrawn` closes it. `questions(events)` folds the log into
the questions as they now stand, so nothing about them is stored twice. Questions are internal:
they never pause the member's clock and never reach the member.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from casestore.kinds import EventKind
from casestore.model import Event

ASKED, ANSWERED, WITHDRAWN = (EventKind.QUESTION_ASKED, EventKind.QUESTION_ANSWERED,
                              EventKind.QUESTION_WITHDRAWN)
QUESTION_EVENTS = frozenset({ASKED, ANSWERED, WITHDRAWN})


class QuestionStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class Question:
    """One question. Exactly one of `to_officer` and `to_service` is set. `asked_in` is the
    service whose thread it was asked from (None: from a chat); `notify` the people told of a
    question to a service that is not on the case (its coordinators), kept for the audit."""

    id: str
    text: str
    asked_by: str
    asked_at: datetime
    to_officer: str | None = None
    to_service: str | None = None
    asked_in: str | None = None
    notify: tuple[str, ...] = ()
    status: QuestionStatus = QuestionStatus.OPEN
    closed_by: str | None = None
    closed_at: datetime | None = None
    answer: str = ""
    reason: str = ""  # why it was withdrawn

    @property
    def is_open(self) -> bool:
        return self.status is QuestionStatus.OPEN


def _asked(e: Event) -> Question:
    p = e.payload
    return Question(
        id=str(p["question_id"]), text=str(p.get("question", "")), asked_by=e.actor_id,
        asked_at=e.at, to_officer=p.get("to_officer"), to_service=p.get("to_service"),
        asked_in=p.get("asked_in"), notify=tuple(p.get("notify") or ()),
    )


def questions(events: Iterable[Event]) -> list[Question]:
    """Every question on the case, oldest first, as the log leaves it."""
    found: dict[str, Question] = {}
    for e in events:
        if e.kind not in QUESTION_EVENTS or "question_id" not in e.payload:
            continue
        qid = str(e.payload["question_id"])
        if e.kind == ASKED:
            found.setdefault(qid, _asked(e))
            continue
        q = found.get(qid)
        if q is None or not q.is_open:  # the lifecycle refuses these; the log is kept as it is
            continue
        if e.kind == ANSWERED:
            found[qid] = replace(q, status=QuestionStatus.ANSWERED, closed_by=e.actor_id,
                                 closed_at=e.at, answer=str(e.payload.get("answer", "")))
        else:
            found[qid] = replace(q, status=QuestionStatus.WITHDRAWN, closed_by=e.actor_id,
                                 closed_at=e.at, reason=str(e.payload.get("reason", "")))
    return list(found.values())


def open_questions(events: Iterable[Event]) -> list[Question]:
    """The questions asked and neither answered nor withdrawn, oldest first."""
    return [q for q in questions(events) if q.is_open]


def find_question(known: Sequence[Question], question_id: str) -> Question | None:
    return next((q for q in known if q.id == question_id), None)
