"""Questions officers put to other officers or service areas: asked, answered or withdrawn, each
an internal event; the open questions of a case are read back from its event log.

A refused action must leave the case exactly as it was and record nothing (`unchanged`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest

from casestore import lifecycle
from casestore.errors import InvalidRequest, InvalidTransition
from casestore.model import Actor, ActorKind, Case, CaseState, Event
from casestore.questions import Question, QuestionStatus, open_questions, questions
from tests.unit.conftest import OFFICER, SUPPORT, CaseIn, at

S = CaseState
Unchanged = Callable[[Case], AbstractContextManager[None]]
ASKED_AT = at(2026, 12, 2, 11)
ANSWERED_AT = at(2026, 12, 3, 9)
COLIN = Actor("colin-hesketh", ActorKind.OFFICER)  # street lighting
Q1, Q2, Q3 = "a" * 32, "b" * 32, "c" * 32


def ask(case: Case, qid: str = Q1, *, actor: Actor = OFFICER, **overrides: Any) -> None:
    values: dict[str, Any] = {"to_officer_id": COLIN.person_id, "to_service_id": None,
                              "question": "Is the lamp outside number 14 on your list?",
                              "questions": questions(case.new_events), "asked_in": "roads"}
    values.update(overrides)
    lifecycle.ask_officer(case, actor, ASKED_AT, question_id=qid, **values)


def answer(case: Case, qid: str = Q1, text: str = "Yes, it is fixed on Friday.", *,
           actor: Actor = COLIN) -> None:
    lifecycle.answer_question(case, actor, ANSWERED_AT, question_id=qid, answer=text,
                              questions=questions(case.new_events))


def withdraw(case: Case, qid: str = Q1, reason: str = "Parking is already on it.") -> None:
    lifecycle.withdraw_question(case, OFFICER, ANSWERED_AT, question_id=qid, reason=reason,
                                questions=questions(case.new_events))


# -- asking ------------------------------------------------------------------------------------


def test_a_question_is_one_internal_event_naming_who_is_asked(case_in: CaseIn) -> None:
    case = case_in(S.ACKNOWLEDGED)

    ask(case)

    [event] = case.new_events
    assert event.kind == "question_asked"
    assert event.actor_id == OFFICER.person_id and event.at == ASKED_AT
    assert event.payload == {
        "question_id": Q1, "to_officer": COLIN.person_id, "to_service": None,
        "question": "Is the lamp outside number 14 on your list?", "asked_in": "roads",
        "notify": [], "internal": True,
    }


@pytest.mark.parametrize("state", [S.OPEN, S.ACKNOWLEDGED, S.RESPONDED, S.LONG_TERM, S.REOPENED])
def test_a_question_never_stops_the_clock_or_changes_the_case(
    state: CaseState, case_in: CaseIn,
) -> None:
    case = case_in(state)
    before = copy.deepcopy(case)

    ask(case)
    answer(case)
    ask(case, Q2)
    withdraw(case, Q2)

    assert [e.kind for e in case.new_events] == [
        "question_asked", "question_answered", "question_asked", "question_withdrawn"]
    for name in ("state", "paused_at", "paused_working_days", "acknowledge_due_on",
                 "response_due_on", "completion_due_on", "escalation_from_on",
                 "first_response_at", "assignee_id"):
        assert getattr(case, name) == getattr(before, name), name


def test_a_paused_case_stays_paused_while_officers_ask_each_other(case_in: CaseIn) -> None:
    case = case_in(S.ACKNOWLEDGED)
    lifecycle.ask_member(case, OFFICER, ASKED_AT, "Which side of the road?")

    ask(case)
    answer(case)

    assert case.paused_at == ASKED_AT


@pytest.mark.parametrize("state", [S.DRAFT, S.CLOSED])
def test_no_question_can_be_asked_about_a_draft_or_a_closed_case(
    state: CaseState, case_in: CaseIn, unchanged: Unchanged,
) -> None:
    case = case_in(state)
    with unchanged(case), pytest.raises(InvalidTransition) as refused:
        ask(case)
    assert refused.value.action == "ask a question about"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"question": "   "}, "question", id="empty-question"),
        pytest.param({"to_officer_id": None}, "question_to", id="nobody-asked"),
        pytest.param({"to_service_id": "parking"}, "question_to", id="officer-and-service"),
        pytest.param({"to_officer_id": OFFICER.person_id}, "question_to", id="yourself"),
    ],
)
def test_a_question_must_have_words_and_one_addressee_other_than_the_asker(
    overrides: dict[str, Any], field: str, case_in: CaseIn, unchanged: Unchanged,
) -> None:
    case = case_in(S.ACKNOWLEDGED)
    with unchanged(case), pytest.raises(InvalidRequest) as refused:
        ask(case, **overrides)
    assert refused.value.field == field


def test_a_question_id_is_never_reused_on_a_case(case_in: CaseIn, unchanged: Unchanged) -> None:
    case = case_in(S.ACKNOWLEDGED)
    ask(case)
    with unchanged(case), pytest.raises(InvalidRequest) as refused:
        ask(case, to_officer_id=None, to_service_id="parking")
    assert refused.value.field == "question_id"


def test_a_question_to_a_service_records_who_was_told(case_in: CaseIn) -> None:
    case = case_in(S.OPEN)

    ask(case, to_officer_id=None, to_service_id="parking", asked_in=None,
        notify=["joanne-kirby", "mark-rawlinson"])

    [q] = open_questions(case.new_events)
    assert (q.to_officer, q.to_service, q.asked_in) == (None, "parking", None)
    assert q.notify == ("joanne-kirby", "mark-rawlinson")


# -- answering and withdrawing ---------------------------------------------------------------------


def test_an_answer_closes_the_question_and_repeats_it_for_the_record(case_in: CaseIn) -> None:
    case = case_in(S.ACKNOWLEDGED)
    ask(case)

    answer(case)

    event = case.new_events[-1]
    assert event.kind == "question_answered" and event.actor_id == COLIN.person_id
    assert event.payload == {
        "question_id": Q1, "answer": "Yes, it is fixed on Friday.",
        "question": "Is the lamp outside number 14 on your list?",
        "asked_by": OFFICER.person_id, "to_officer": COLIN.person_id, "to_service": None,
        "asked_in": "roads", "notify": [], "internal": True,
    }
    assert open_questions(case.new_events) == []


def test_a_withdrawal_keeps_its_reason_and_who_withdrew(case_in: CaseIn) -> None:
    case = case_in(S.ACKNOWLEDGED)
    ask(case)

    withdraw(case)

    [q] = questions(case.new_events)
    assert (q.status, q.closed_by, q.closed_at, q.reason) == (
        QuestionStatus.WITHDRAWN, OFFICER.person_id, ANSWERED_AT, "Parking is already on it.")
    assert not q.is_open


@pytest.mark.parametrize(
    ("close", "then"),
    [
        pytest.param(answer, answer, id="answered-then-answered"),
        pytest.param(answer, withdraw, id="answered-then-withdrawn"),
        pytest.param(withdraw, answer, id="withdrawn-then-answered"),
        pytest.param(withdraw, withdraw, id="withdrawn-then-withdrawn"),
    ],
)
def test_a_closed_question_cannot_be_answered_or_withdrawn_again(
    close: Callable[[Case], None], then: Callable[[Case], None], case_in: CaseIn,
    unchanged: Unchanged,
) -> None:
    case = case_in(S.ACKNOWLEDGED)
    ask(case)
    close(case)
    with unchanged(case), pytest.raises(InvalidRequest) as refused:
        then(case)
    assert refused.value.field == "question_id"
    assert "already been" in refused.value.message


@pytest.mark.parametrize("act", [answer, withdraw], ids=["answer", "withdraw"])
def test_an_unknown_question_cannot_be_answered_or_withdrawn(
    act: Callable[[Case, str], None], case_in: CaseIn, unchanged: Unchanged,
) -> None:
    case = case_in(S.ACKNOWLEDGED)
    ask(case)
    with unchanged(case), pytest.raises(InvalidRequest) as refused:
        act(case, Q3)
    assert refused.value.field == "question_id"


@pytest.mark.parametrize(
    ("act", "field"),
    [(lambda c: answer(c, text="  "), "answer"), (lambda c: withdraw(c, reason=""), "reason")],
    ids=["empty-answer", "no-reason"],
)
def test_an_answer_needs_words_and_a_withdrawal_a_reason(
    act: Callable[[Case], None], field: str, case_in: CaseIn, unchanged: Unchanged,
) -> None:
    case = case_in(S.ACKNOWLEDGED)
    ask(case)
    with unchanged(case), pytest.raises(InvalidRequest) as refused:
        act(case)
    assert refused.value.field == field


def test_once_the_case_closes_its_open_question_may_still_be_answered_or_withdrawn(
    case_in: CaseIn,
) -> None:
    case = case_in(S.ACKNOWLEDGED)
    ask(case)
    ask(case, Q2)
    lifecycle.close(case, OFFICER, ASKED_AT)

    answer(case)
    withdraw(case, Q2)

    assert [q.status for q in questions(case.new_events)] == [
        QuestionStatus.ANSWERED, QuestionStatus.WITHDRAWN]


def test_nothing_is_answered_on_a_draft(case_in: CaseIn) -> None:
    case = case_in(S.DRAFT)
    with pytest.raises(InvalidTransition):
        lifecycle.answer_question(case, COLIN, ANSWERED_AT, question_id=Q1, answer="Yes",
                                  questions=[])


# -- reading the log -------------------------------------------------------------------------------


def test_open_questions_are_those_asked_and_neither_answered_nor_withdrawn(
    case_in: CaseIn,
) -> None:
    case = case_in(S.ACKNOWLEDGED)
    ask(case, Q1)
    ask(case, Q2, to_officer_id=None, to_service_id="parking")
    ask(case, Q3, actor=SUPPORT)
    lifecycle.note(case, OFFICER, ASKED_AT, "Crew B is out that way.")
    answer(case, Q1)
    withdraw(case, Q3)

    [still_open] = open_questions(case.new_events)
    assert (still_open.id, still_open.to_service, still_open.asked_by) == (
        Q2, "parking", OFFICER.person_id)
    assert [q.id for q in questions(case.new_events)] == [Q1, Q2, Q3]
    answered = questions(case.new_events)[0]
    assert (answered.status, answered.closed_by, answered.answer) == (
        QuestionStatus.ANSWERED, COLIN.person_id, "Yes, it is fixed on Friday.")


def test_a_log_with_no_questions_has_none() -> None:
    assert questions([]) == [] and open_questions([]) == []


def test_reading_ignores_closings_of_unknown_or_closed_questions() -> None:
    """The lifecycle never records these; a hand-edited log must not crash or reopen anything."""
    asked = Event("question_asked", ASKED_AT, "leanne-moorcroft", payload={
        "question_id": Q1, "to_officer": "colin-hesketh", "question": "Lamp?"})
    events = [
        Event("question_answered", ASKED_AT, "colin-hesketh",
              payload={"question_id": Q2, "answer": "?"}),
        asked,
        Event("question_withdrawn", ANSWERED_AT, "leanne-moorcroft",
              payload={"question_id": Q1, "reason": "Done elsewhere"}),
        Event("question_answered", ANSWERED_AT, "colin-hesketh",
              payload={"question_id": Q1, "answer": "Late"}),
        asked,  # the same question twice: the first stands
        Event("question_asked", ASKED_AT, "leanne-moorcroft", payload={}),  # no id: ignored
    ]

    [q] = questions(events)
    assert q == Question(id=Q1, text="Lamp?", asked_by="leanne-moorcroft", asked_at=ASKED_AT,
                         to_officer="colin-hesketh", status=QuestionStatus.WITHDRAWN,
                         closed_by="leanne-moorcroft", closed_at=ANSWERED_AT,
                         reason="Done elsewhere")
