"""The case lifecycle: what each action is allowed to do in each state, and what it changes.

A refused action must leave the case exactly as it was and record nothing (the `unchanged`
fixture compares the whole case, events included, before and after).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date
from typing import Any

import pytest

from casestore import lifecycle
from casestore.calendar import WorkingCalendar
from casestore.config import CouncilConfig
from casestore.errors import (
    AlreadyRated,
    EscalationNotAllowed,
    EscalationNotYetAllowed,
    InvalidRequest,
    InvalidTransition,
    ReopenWindowPassed,
)
from casestore.kinds import Refusal, Transition
from casestore.model import Actor, ActorKind, Case, CaseState, EscalationState
from casestore.sla import SlaPolicy
from tests.unit.conftest import (
    ACKNOWLEDGED_AT,
    CLOSED_AT,
    FINAL_AT,
    MEMBER,
    OFFICER,
    REPLIED_AT,
    SUBMITTED_AT,
    SUPPORT,
    WARD_COLLEAGUE_ID,
    CaseIn,
    at,
)

S = CaseState
Unchanged = Callable[[Case], AbstractContextManager[None]]
LATER = at(2026, 12, 2, 11)  # a Wednesday after every state's set-up


# -- refusals: one table per state -------------------------------------------------------------


def _actions(policy: SlaPolicy) -> dict[str, Callable[[Case], Any]]:
    return {
        "submit": lambda c: lifecycle.submit(c, MEMBER, LATER, policy, "ENQ-2026-000999"),
        "acknowledge": lambda c: lifecycle.acknowledge(c, OFFICER, LATER),
        "assign": lambda c: lifecycle.assign(c, OFFICER, LATER, "leanne-moorcroft"),
        "reply": lambda c: lifecycle.reply(c, OFFICER, LATER, "An update"),
        "note": lambda c: lifecycle.note(c, OFFICER, LATER, "internal"),
        "ask_member": lambda c: lifecycle.ask_member(c, OFFICER, LATER, "Which side?"),
        "add_information": lambda c: lifecycle.add_information(c, MEMBER, LATER, policy, "North"),
        "request_update": lambda c: lifecycle.request_update(c, MEMBER, LATER),
        "redirect": lambda c: lifecycle.redirect(c, OFFICER, LATER, policy, "planning", "Theirs"),
        "add_service": lambda c: lifecycle.add_service(c, OFFICER, LATER, "parking"),
        "convert_type": lambda c: lifecycle.convert_type(
            c, OFFICER, LATER, "speed_issue", ("report_it", "speed_issue")),
        "mark_long_term": lambda c: lifecycle.mark_long_term(
            c, OFFICER, LATER, date(2027, 6, 1), "Programme", LATER.date()),
        "final_response": lambda c: lifecycle.final_response(c, OFFICER, LATER, policy, "Done"),
        "close": lambda c: lifecycle.close(c, MEMBER, LATER),
        "auto_close": lambda c: lifecycle.auto_close(c, OFFICER, LATER, LATER.date()),
        "reopen": lambda c: lifecycle.reopen(c, MEMBER, LATER, policy, "Again", by_member=True),
        "rate": lambda c: lifecycle.rate(c, MEMBER, LATER, 4, ""),
        "extend_auto_close": lambda c: lifecycle.extend_auto_close(c, MEMBER, LATER, policy, 5),
        "escalate": lambda c: lifecycle.escalate(c, MEMBER, at(2026, 12, 9), policy, "No reply"),
        "answer_escalation": lambda c: lifecycle.answer_escalation(c, OFFICER, LATER, "Answer"),
        "hand_over": lambda c: lifecycle.hand_over(c, SUPPORT, LATER, "debbie-roscoe", "Left"),
    }


REFUSED = [
    (S.DRAFT, action)
    for action in (
        "acknowledge", "assign", "reply", "note", "ask_member", "add_information",
        "request_update", "redirect", "add_service", "convert_type", "mark_long_term",
        "final_response", "close", "auto_close", "reopen", "rate", "extend_auto_close",
        "escalate", "answer_escalation", "hand_over",
    )
] + [
    (S.OPEN, action)
    for action in ("submit", "reopen", "rate", "extend_auto_close", "auto_close",
                   "answer_escalation")
] + [
    (S.ACKNOWLEDGED, action)
    for action in ("submit", "acknowledge", "reopen", "rate", "extend_auto_close", "auto_close")
] + [
    (S.RESPONDED, action)
    for action in ("submit", "acknowledge", "reopen", "rate", "extend_auto_close", "auto_close")
] + [
    (S.LONG_TERM, action)
    for action in ("submit", "acknowledge", "mark_long_term", "reopen", "extend_auto_close",
                   "auto_close", "rate")
] + [
    (S.CLOSED, action)
    for action in (
        "submit", "acknowledge", "assign", "reply", "ask_member", "add_information",
        "request_update", "redirect", "add_service", "convert_type", "mark_long_term",
        "final_response", "close", "auto_close", "extend_auto_close", "hand_over",
    )
] + [
    (S.REOPENED, action)
    for action in ("submit", "reopen", "rate", "extend_auto_close", "auto_close",
                   "answer_escalation")
]


@pytest.mark.parametrize(("state", "action"), REFUSED, ids=[f"{s}-{a}" for s, a in REFUSED])
def test_an_action_the_state_does_not_allow_raises_invalid_transition_and_changes_nothing(
    state: CaseState, action: str, case_in: CaseIn, policy: SlaPolicy, unchanged: Unchanged,
) -> None:
    case = case_in(state)
    with unchanged(case), pytest.raises(InvalidTransition) as refused:
        _actions(policy)[action](case)
    assert refused.value.reference == case.reference


def test_every_state_has_at_least_one_refusal_in_the_table() -> None:
    assert {state for state, _ in REFUSED} == set(CaseState)


def test_the_refusal_names_the_action_and_the_state(case_in: CaseIn) -> None:
    case = case_in(S.CLOSED)
    with pytest.raises(InvalidTransition) as refused:
        lifecycle.reply(case, OFFICER, LATER, "Too late")
    assert (refused.value.action, refused.value.state) == ("reply to", "closed")


def test_a_closed_case_cannot_be_escalated_and_is_left_unchanged(
    case_in: CaseIn, policy: SlaPolicy, unchanged: Unchanged,
) -> None:
    case = case_in(S.CLOSED)
    with unchanged(case), pytest.raises(EscalationNotAllowed):
        lifecycle.escalate(case, MEMBER, at(2026, 12, 9), policy, "No reply")


@pytest.mark.parametrize("state", [S.OPEN, S.ACKNOWLEDGED, S.RESPONDED, S.LONG_TERM, S.CLOSED])
def test_a_closed_or_never_escalated_case_has_no_escalation_to_answer(
    state: CaseState, case_in: CaseIn, unchanged: Unchanged,
) -> None:
    case = case_in(state)
    with unchanged(case), pytest.raises(InvalidTransition):
        lifecycle.answer_escalation(case, OFFICER, LATER, "Answer")


# -- submit, acknowledge, reply ----------------------------------------------------------------


def test_submitting_opens_the_case_with_its_reference_and_every_deadline(
    case_in: CaseIn, policy: SlaPolicy,
) -> None:
    case = case_in(S.DRAFT)
    lifecycle.submit(case, MEMBER, SUBMITTED_AT, policy, "ENQ-2026-000123")
    assert case.state is S.OPEN
    assert case.reference == "ENQ-2026-000123"
    assert case.submitted_at == SUBMITTED_AT
    assert (case.clock_start_on, case.acknowledge_due_on, case.response_due_on,
            case.escalation_from_on, case.completion_due_on) == (
        date(2026, 11, 23), date(2026, 11, 24), date(2026, 12, 7), date(2026, 12, 8),
        date(2027, 1, 8),
    )
    [event] = case.new_events
    assert (event.kind, event.actor_id, event.payload) == (
        "submitted", MEMBER.person_id, {
            "reference": "ENQ-2026-000123", "service": "roads", "member": MEMBER.person_id,
            "enquiry_type": "report_it", "cc": [],
            "deadlines": {  # the audit trail alone says when each deadline falls
                "clock_start_on": "2026-11-23", "acknowledge_due_on": "2026-11-24",
                "response_due_on": "2026-12-07", "completion_due_on": "2027-01-08",
                "escalation_from_on": "2026-12-08", "paused_working_days": 0}})


@pytest.mark.parametrize("state", [S.OPEN, S.REOPENED])
def test_acknowledging_claims_the_case_for_the_officer(state: CaseState, case_in: CaseIn) -> None:
    case = case_in(state)
    lifecycle.acknowledge(case, OFFICER, LATER)
    assert case.state is S.ACKNOWLEDGED
    assert case.acknowledged_at == LATER
    assert case.assignee_id == OFFICER.person_id
    assert [(e.kind, e.payload) for e in case.new_events] == [
        ("acknowledged", {"assignee": OFFICER.person_id})]


def test_acknowledging_without_claiming_leaves_the_case_unassigned(case_in: CaseIn) -> None:
    case = case_in(S.OPEN)
    lifecycle.acknowledge(case, OFFICER, LATER, claim=False)
    assert case.state is S.ACKNOWLEDGED
    assert case.assignee_id is None


def test_the_first_reply_is_the_first_response_and_acknowledges_an_unacknowledged_case(
    case_in: CaseIn,
) -> None:
    case = case_in(S.OPEN)
    assert lifecycle.reply(case, OFFICER, LATER, "We will inspect it.") is True
    assert case.state is S.RESPONDED
    assert case.acknowledged_at == LATER
    assert case.first_response_at == LATER
    assert case.new_events[-1].payload["first_response"] is True


def test_a_later_reply_is_not_the_first_response_and_keeps_the_first_time(
    case_in: CaseIn,
) -> None:
    case = case_in(S.RESPONDED)
    assert lifecycle.reply(case, OFFICER, LATER, "Scheduled.") is False
    assert case.first_response_at == REPLIED_AT
    assert case.acknowledged_at == ACKNOWLEDGED_AT
    assert case.new_events[-1].payload["first_response"] is False


def test_a_reply_to_an_acknowledged_case_keeps_the_acknowledgement_time(case_in: CaseIn) -> None:
    case = case_in(S.ACKNOWLEDGED)
    lifecycle.reply(case, OFFICER, LATER, "Inspected.")
    assert case.acknowledged_at == ACKNOWLEDGED_AT
    assert case.state is S.RESPONDED


def test_a_reply_to_a_long_term_case_keeps_it_awaiting_works(case_in: CaseIn) -> None:
    case = case_in(S.LONG_TERM)
    lifecycle.reply(case, OFFICER, LATER, "Still scheduled.")
    assert case.state is S.LONG_TERM


def test_an_internal_note_is_recorded_as_internal_and_changes_no_state(case_in: CaseIn) -> None:
    case = case_in(S.ACKNOWLEDGED)
    lifecycle.note(case, OFFICER, LATER, "Crew booked")
    assert case.state is S.ACKNOWLEDGED
    assert case.first_response_at is None
    assert case.new_events[-1].payload["internal"] is True


# -- asking the member: the clock pauses and resumes --------------------------------------------


def test_asking_the_member_pauses_the_clock(case_in: CaseIn, policy: SlaPolicy) -> None:
    case = case_in(S.ACKNOWLEDGED)
    lifecycle.ask_member(case, OFFICER, at(2026, 11, 27, 11), "Which side of the road?")
    assert case.is_paused
    assert case.new_events[-1].kind == "information_requested"


def test_asking_twice_while_waiting_is_refused(
    case_in: CaseIn, unchanged: Unchanged,
) -> None:
    case = case_in(S.ACKNOWLEDGED)
    lifecycle.ask_member(case, OFFICER, at(2026, 11, 27, 11), "Which side of the road?")
    with unchanged(case), pytest.raises(InvalidRequest):
        lifecycle.ask_member(case, OFFICER, at(2026, 11, 30, 11), "And which house?")


def test_information_added_after_a_pause_moves_every_running_deadline_by_the_days_waited(
    case_in: CaseIn, policy: SlaPolicy, calendar: WorkingCalendar,
) -> None:
    case = case_in(S.ACKNOWLEDGED)
    acknowledge_due, response_due = case.acknowledge_due_on, case.response_due_on
    completion_due, escalation_from = case.completion_due_on, case.escalation_from_on
    assert response_due and completion_due and escalation_from
    lifecycle.ask_member(case, OFFICER, at(2026, 11, 27, 11), "Which side?")  # Friday
    waited = lifecycle.add_information(case, MEMBER, at(2026, 12, 2, 10), policy, "North side")
    # Monday 30 November, Tuesday 1 and Wednesday 2 December.
    assert waited == 3
    assert not case.is_paused
    assert case.paused_working_days == 3
    assert case.acknowledge_due_on == acknowledge_due
    assert case.response_due_on == calendar.add_working_days(response_due, 3) == date(2026, 12, 10)
    assert case.completion_due_on == calendar.add_working_days(completion_due, 3) == date(
        2027, 1, 13)
    assert case.escalation_from_on == calendar.add_working_days(escalation_from, 3) == date(
        2026, 12, 11)
    event = case.new_events[-1]
    assert (event.kind, event.payload["clock_resumed"], event.payload["paused_working_days"]) == (
        "information_added", True, 3)


def test_information_added_when_nobody_asked_leaves_the_deadlines_alone(
    case_in: CaseIn, policy: SlaPolicy,
) -> None:
    case = case_in(S.ACKNOWLEDGED)
    due = case.response_due_on
    assert lifecycle.add_information(case, MEMBER, LATER, policy, "A photo") == 0
    assert case.response_due_on == due
    assert case.new_events[-1].payload["clock_resumed"] is False


def test_a_second_pause_adds_to_the_first(
    case_in: CaseIn, policy: SlaPolicy, calendar: WorkingCalendar,
) -> None:
    case = case_in(S.ACKNOWLEDGED)
    due = case.response_due_on
    assert due is not None
    lifecycle.ask_member(case, OFFICER, at(2026, 11, 27, 11), "Which side?")
    lifecycle.add_information(case, MEMBER, at(2026, 12, 2, 10), policy, "North")  # 3 days
    lifecycle.ask_member(case, OFFICER, at(2026, 12, 3, 10), "Which house?")
    lifecycle.add_information(case, MEMBER, at(2026, 12, 4, 16), policy, "No. 14")  # 1 day
    assert case.paused_working_days == 4
    assert case.response_due_on == calendar.add_working_days(due, 4)


# -- redirect, add a service, convert the type, long-term ---------------------------------------


def test_redirecting_to_a_service_with_other_figures_recomputes_the_deadlines(
    case_in: CaseIn, policy: SlaPolicy,
) -> None:
    case = case_in(S.ACKNOWLEDGED)
    assert case.response_due_on == date(2026, 12, 7)  # roads: 10 working days
    lifecycle.redirect(case, OFFICER, at(2026, 11, 24, 11), policy, "planning",
                       "A planning matter")
    assert case.lead_service == "planning"
    assert case.services == ["planning"]
    assert case.response_due_on == date(2026, 12, 14)  # planning: 15 working days
    assert case.clock_start_on == date(2026, 11, 23)  # the clock is not restarted
    # the new service must acknowledge it, within a working day of the redirect
    assert case.state is S.OPEN
    assert case.acknowledged_at is None
    assert case.assignee_id is None
    assert case.acknowledge_due_on == date(2026, 11, 25)
    [event] = case.new_events
    assert (event.kind, event.payload["from_service"], event.payload["to_service"]) == (
        "redirected", "roads", "planning")


def test_redirecting_to_the_same_service_is_refused(
    case_in: CaseIn, policy: SlaPolicy, unchanged: Unchanged,
) -> None:
    case = case_in(S.OPEN)
    with unchanged(case), pytest.raises(InvalidRequest):
        lifecycle.redirect(case, OFFICER, LATER, policy, "roads", "Oops")


def test_adding_a_service_keeps_the_lead_and_refuses_a_duplicate(
    case_in: CaseIn, unchanged: Unchanged,
) -> None:
    case = case_in(S.ACKNOWLEDGED)
    lifecycle.add_service(case, OFFICER, LATER, "street-lighting")
    assert (case.lead_service, case.services) == ("roads", ["roads", "street-lighting"])
    with unchanged(case), pytest.raises(InvalidRequest):
        lifecycle.add_service(case, OFFICER, LATER, "street-lighting")


@pytest.mark.parametrize("enquiry_type", ["dangerous_waste", "report_it"])
def test_converting_to_a_type_not_offered_or_the_same_type_is_refused(
    enquiry_type: str, case_in: CaseIn, unchanged: Unchanged,
) -> None:
    case = case_in(S.OPEN)
    with unchanged(case), pytest.raises(InvalidRequest):
        lifecycle.convert_type(case, OFFICER, LATER, enquiry_type, ("report_it", "speed_issue"))


def test_converting_the_type_records_from_and_to(case_in: CaseIn) -> None:
    case = case_in(S.OPEN)
    lifecycle.convert_type(case, OFFICER, LATER, "speed_issue", ("report_it", "speed_issue"))
    assert case.enquiry_type == "speed_issue"
    assert case.new_events[-1].payload == {"from_type": "report_it", "to_type": "speed_issue"}


def test_marking_long_term_sets_the_expected_date_as_the_completion_deadline(
    case_in: CaseIn,
) -> None:
    case = case_in(S.RESPONDED)
    lifecycle.mark_long_term(case, OFFICER, LATER, date(2027, 4, 1), "Resurfacing", LATER.date())
    assert case.state is S.LONG_TERM
    assert case.expected_works_on == case.completion_due_on == date(2027, 4, 1)


@pytest.mark.parametrize("expected_on", [date(2026, 12, 2), date(2026, 12, 1)])
def test_the_expected_works_date_must_be_in_the_future(
    expected_on: date, case_in: CaseIn, unchanged: Unchanged,
) -> None:
    case = case_in(S.ACKNOWLEDGED)
    with unchanged(case), pytest.raises(InvalidRequest):
        lifecycle.mark_long_term(case, OFFICER, LATER, expected_on, "Works", LATER.date())


# -- final response, auto-close, close -----------------------------------------------------------


def test_the_final_response_sets_the_auto_close_date(case_in: CaseIn, policy: SlaPolicy) -> None:
    case = case_in(S.OPEN)
    lifecycle.final_response(case, OFFICER, FINAL_AT, policy, "Repaired.")
    assert case.state is S.RESPONDED
    assert case.final_response_at == case.first_response_at == case.acknowledged_at == FINAL_AT
    # ten working days after Tuesday 1 December
    assert case.auto_close_on == date(2026, 12, 15)
    assert case.new_events[-1].payload["auto_close_on"] == "2026-12-15"


def test_the_final_response_ends_a_pause(case_in: CaseIn, policy: SlaPolicy) -> None:
    case = case_in(S.ACKNOWLEDGED)
    lifecycle.ask_member(case, OFFICER, at(2026, 11, 27, 11), "Which side?")
    lifecycle.final_response(case, OFFICER, FINAL_AT, policy, "Found it anyway; repaired.")
    assert not case.is_paused


def test_the_final_response_can_close_the_case_at_once(case_in: CaseIn, policy: SlaPolicy) -> None:
    case = case_in(S.LONG_TERM)
    lifecycle.final_response(case, OFFICER, FINAL_AT, policy, "Resurfaced.", close_now=True)
    assert case.state is S.CLOSED
    assert case.closed_at == FINAL_AT
    assert [e.kind for e in case.new_events] == ["final_response_given", "closed"]


def test_auto_close_happens_on_the_auto_close_date_and_not_before(
    case_in: CaseIn, policy: SlaPolicy, unchanged: Unchanged,
) -> None:
    case = case_in(S.OPEN)
    lifecycle.final_response(case, OFFICER, FINAL_AT, policy, "Repaired.")
    with unchanged(case), pytest.raises(InvalidTransition):
        lifecycle.auto_close(case, OFFICER, at(2026, 12, 14, 23), date(2026, 12, 14))
    lifecycle.auto_close(case, OFFICER, at(2026, 12, 15, 6), date(2026, 12, 15))
    assert case.state is S.CLOSED


@pytest.mark.parametrize("state", [S.OPEN, S.ACKNOWLEDGED, S.RESPONDED, S.LONG_TERM, S.REOPENED])
def test_any_active_case_can_be_closed(state: CaseState, case_in: CaseIn) -> None:
    case = case_in(state)
    lifecycle.close(case, MEMBER, LATER, reason="Sorted locally")
    assert case.state is S.CLOSED
    assert case.closed_at == LATER
    assert case.new_events[-1].payload == {"reason": "Sorted locally"}


# -- extending the auto-close ------------------------------------------------------------------


@pytest.fixture
def finally_answered(case_in: CaseIn, policy: SlaPolicy) -> Case:
    case = case_in(S.ACKNOWLEDGED)
    lifecycle.final_response(case, OFFICER, FINAL_AT, policy, "Repaired.")
    case.new_events.clear()
    return case


def test_extending_the_auto_close_moves_it_by_working_days(
    finally_answered: Case, policy: SlaPolicy, calendar: WorkingCalendar,
) -> None:
    case = finally_answered
    lifecycle.extend_auto_close(case, MEMBER, LATER, policy, 20)
    assert case.auto_close_on == calendar.add_working_days(date(2026, 12, 15), 20)
    assert case.auto_close_on == date(2027, 1, 20)  # over Christmas and the closure days
    assert case.auto_close_extended_days == 20


@pytest.mark.parametrize("days", [0, -1, 21])
def test_one_extension_must_be_between_one_and_the_councils_maximum(
    days: int, finally_answered: Case, policy: SlaPolicy, unchanged: Unchanged,
) -> None:
    with unchanged(finally_answered), pytest.raises(InvalidRequest) as refused:
        lifecycle.extend_auto_close(finally_answered, MEMBER, LATER, policy, days)
    assert refused.value.field == "days"


def test_extensions_stop_at_the_councils_total(
    finally_answered: Case, policy: SlaPolicy, unchanged: Unchanged,
) -> None:
    case = finally_answered
    for days in (20, 20, 15):
        lifecycle.extend_auto_close(case, MEMBER, LATER, policy, days)
    with unchanged(case), pytest.raises(InvalidRequest) as refused:
        lifecycle.extend_auto_close(case, MEMBER, LATER, policy, 6)
    assert "only 5 more" in refused.value.message
    lifecycle.extend_auto_close(case, MEMBER, LATER, policy, 5)
    assert case.auto_close_extended_days == 60
    with unchanged(case), pytest.raises(InvalidRequest):
        lifecycle.extend_auto_close(case, MEMBER, LATER, policy, 1)


# -- rating --------------------------------------------------------------------------------------


@pytest.mark.parametrize("score", [1, 5])
def test_a_final_response_can_be_rated_from_one_to_five(
    score: int, finally_answered: Case,
) -> None:
    lifecycle.rate(finally_answered, MEMBER, LATER, score, "Thanks")
    assert (finally_answered.rating, finally_answered.rating_comment) == (score, "Thanks")
    assert finally_answered.new_events[-1].payload == {"rating": score, "comment": "Thanks"}


@pytest.mark.parametrize("score", [0, 6, -3])
def test_a_rating_outside_one_to_five_is_refused(
    score: int, finally_answered: Case, unchanged: Unchanged,
) -> None:
    with unchanged(finally_answered), pytest.raises(InvalidRequest):
        lifecycle.rate(finally_answered, MEMBER, LATER, score, "")


def test_a_case_is_rated_once_only(finally_answered: Case, unchanged: Unchanged) -> None:
    lifecycle.rate(finally_answered, MEMBER, LATER, 4, "")
    with unchanged(finally_answered), pytest.raises(AlreadyRated):
        lifecycle.rate(finally_answered, MEMBER, LATER, 5, "Changed my mind")


def test_a_closed_case_with_a_final_response_can_still_be_rated(case_in: CaseIn) -> None:
    case = case_in(S.CLOSED)
    lifecycle.rate(case, MEMBER, LATER, 2, "Slow")
    assert case.rating == 2


def test_a_reply_that_is_not_final_cannot_be_rated(case_in: CaseIn, unchanged: Unchanged) -> None:
    case = case_in(S.RESPONDED)
    with unchanged(case), pytest.raises(InvalidTransition):
        lifecycle.rate(case, MEMBER, LATER, 5, "")


# -- reopening -----------------------------------------------------------------------------------

# Closed Monday 7 December 2026; 20 working days later (skipping 25 and 28 December, the closure
# days 29-31 December and 1 January) is Tuesday 12 January 2027.
LAST_REOPEN_DAY = date(2027, 1, 12)


def test_a_member_may_reopen_on_the_last_day_of_the_window(
    case_in: CaseIn, policy: SlaPolicy, calendar: WorkingCalendar,
) -> None:
    case = case_in(S.CLOSED)
    assert calendar.add_working_days(CLOSED_AT.date(), 20) == LAST_REOPEN_DAY
    now = at(2027, 1, 12, 16)
    lifecycle.reopen(case, MEMBER, now, policy, "Cracked again", by_member=True)
    assert case.state is S.REOPENED
    assert case.reopen_count == 1
    assert case.closed_at is case.final_response_at is case.acknowledged_at is None
    assert case.auto_close_on is None
    # the clock starts again from the reopening
    assert case.clock_start_on == date(2027, 1, 12)
    assert case.acknowledge_due_on == date(2027, 1, 13)
    assert case.new_events[-1].payload == {
        "reason": "Cracked again", "by_member": True,
        "deadlines": {"clock_start_on": "2027-01-12", "acknowledge_due_on": "2027-01-13",
                      "response_due_on": case.response_due_on.isoformat(),
                      "completion_due_on": case.completion_due_on.isoformat(),
                      "escalation_from_on": case.escalation_from_on.isoformat(),
                      "paused_working_days": 0}}


def test_a_member_may_not_reopen_after_the_window(
    case_in: CaseIn, policy: SlaPolicy, unchanged: Unchanged,
) -> None:
    case = case_in(S.CLOSED)
    with unchanged(case), pytest.raises(ReopenWindowPassed) as refused:
        lifecycle.reopen(case, MEMBER, at(2027, 1, 13, 9), policy, "Cracked", by_member=True)
    assert refused.value.last_day_on == LAST_REOPEN_DAY


def test_an_officer_may_reopen_after_the_window(case_in: CaseIn, policy: SlaPolicy) -> None:
    case = case_in(S.CLOSED)
    lifecycle.reopen(case, OFFICER, at(2027, 3, 1), policy, "Found a defect", by_member=False)
    assert case.state is S.REOPENED


def test_a_council_with_no_reopen_window_lets_no_member_reopen(
    council_with: Callable[..., CouncilConfig], case_in: CaseIn, unchanged: Unchanged,
) -> None:
    strict = SlaPolicy(council_with(lambda d: d["sla"].update(reopen_window_days=0)))
    case = case_in(S.CLOSED)
    with unchanged(case), pytest.raises(ReopenWindowPassed):
        lifecycle.reopen(case, MEMBER, CLOSED_AT, strict, "At once", by_member=True)
    lifecycle.reopen(case, OFFICER, CLOSED_AT, strict, "At once", by_member=False)
    assert case.state is S.REOPENED


def test_a_reopened_case_may_be_escalated_afresh_from_its_new_clock(
    case_in: CaseIn, policy: SlaPolicy,
) -> None:
    case = case_in(S.ACKNOWLEDGED)
    lifecycle.escalate(case, MEMBER, at(2026, 12, 8), policy, "No reply")
    lifecycle.answer_escalation(case, OFFICER, at(2026, 12, 9), "Crew booked")
    lifecycle.close(case, MEMBER, at(2026, 12, 9, 15))
    lifecycle.reopen(case, MEMBER, at(2026, 12, 10), policy, "Crew never came", by_member=True)
    assert case.escalation_state.value == "none"
    assert case.escalated_at is case.escalation_due_on is case.escalation_answered_at is None
    # eleven working days after Thursday 10 December, over Christmas and the closure days
    assert case.escalation_from_on == date(2027, 1, 4)
    lifecycle.escalate(case, MEMBER, at(2027, 1, 4), policy, "Still nothing")
    assert case.escalation_state is EscalationState.ESCALATED


# -- escalation ----------------------------------------------------------------------------------


def test_escalating_before_the_escalation_date_is_refused_with_that_date(
    case_in: CaseIn, policy: SlaPolicy, unchanged: Unchanged,
) -> None:
    case = case_in(S.ACKNOWLEDGED)
    with unchanged(case), pytest.raises(EscalationNotYetAllowed) as refused:
        lifecycle.escalate(case, MEMBER, at(2026, 12, 7, 23, 59), policy, "No reply")
    assert refused.value.allowed_from_on == date(2026, 12, 8)


def test_escalating_on_the_escalation_date_sends_it_to_the_owner_with_a_deadline(
    case_in: CaseIn, policy: SlaPolicy,
) -> None:
    case = case_in(S.ACKNOWLEDGED)
    now = at(2026, 12, 8, 0, 1)
    lifecycle.escalate(case, MEMBER, now, policy, "No reply")
    assert case.escalation_state is EscalationState.ESCALATED
    assert case.escalated_at == now
    assert case.escalation_due_on == date(2026, 12, 15)  # five working days
    assert case.state is S.ACKNOWLEDGED  # an overlay, not a state
    assert case.new_events[-1].payload["escalation_due_on"] == "2026-12-15"


def test_a_case_is_escalated_once_only(
    case_in: CaseIn, policy: SlaPolicy, unchanged: Unchanged,
) -> None:
    case = case_in(S.ACKNOWLEDGED)
    lifecycle.escalate(case, MEMBER, at(2026, 12, 8), policy, "No reply")
    with unchanged(case), pytest.raises(EscalationNotAllowed):
        lifecycle.escalate(case, MEMBER, at(2026, 12, 9), policy, "Still no reply")
    lifecycle.answer_escalation(case, OFFICER, at(2026, 12, 10), "Crew booked")
    with unchanged(case), pytest.raises(EscalationNotAllowed):
        lifecycle.escalate(case, MEMBER, at(2026, 12, 11), policy, "Not good enough")


@pytest.mark.parametrize("state", [S.RESPONDED, S.LONG_TERM])
def test_under_the_default_rule_a_responded_case_may_still_be_escalated(
    state: CaseState, case_in: CaseIn, policy: SlaPolicy,
) -> None:
    case = case_in(state)
    lifecycle.escalate(case, MEMBER, at(2026, 12, 8), policy, "Not good enough")
    assert case.escalation_state is EscalationState.ESCALATED


@pytest.fixture
def no_response_policy(council_with: Callable[..., CouncilConfig]) -> SlaPolicy:
    return SlaPolicy(council_with(lambda d: d["sla"].update(escalation_rule="no_response")))


def test_under_the_no_response_rule_a_responded_case_cannot_be_escalated(
    case_in: CaseIn, no_response_policy: SlaPolicy, unchanged: Unchanged,
) -> None:
    case = case_in(S.RESPONDED)
    with unchanged(case), pytest.raises(EscalationNotAllowed):
        lifecycle.escalate(case, MEMBER, at(2026, 12, 8), no_response_policy, "Not good enough")


def test_under_the_no_response_rule_an_unanswered_case_can_be_escalated(
    case_in: CaseIn, no_response_policy: SlaPolicy,
) -> None:
    case = case_in(S.ACKNOWLEDGED)
    lifecycle.escalate(case, MEMBER, at(2026, 12, 8), no_response_policy, "No reply")
    assert case.escalation_state is EscalationState.ESCALATED


def test_answering_an_escalation_records_when(case_in: CaseIn, policy: SlaPolicy) -> None:
    case = case_in(S.ACKNOWLEDGED)
    lifecycle.escalate(case, MEMBER, at(2026, 12, 8), policy, "No reply")
    lifecycle.answer_escalation(case, OFFICER, at(2026, 12, 10), "Crew booked for Friday")
    assert case.escalation_state is EscalationState.ANSWERED
    assert case.escalation_answered_at == at(2026, 12, 10)
    assert case.new_events[-1].payload == {"text": "Crew booked for Friday"}


def test_an_escalation_is_answered_once(
    case_in: CaseIn, policy: SlaPolicy, unchanged: Unchanged,
) -> None:
    case = case_in(S.ACKNOWLEDGED)
    lifecycle.escalate(case, MEMBER, at(2026, 12, 8), policy, "No reply")
    lifecycle.answer_escalation(case, OFFICER, at(2026, 12, 10), "Crew booked")
    with unchanged(case), pytest.raises(InvalidTransition):
        lifecycle.answer_escalation(case, OFFICER, at(2026, 12, 11), "Again")


# -- handing over ----------------------------------------------------------------------------------


def test_handing_over_moves_the_case_to_the_colleague_and_drops_their_cc(
    case_in: CaseIn,
) -> None:
    case = case_in(S.ACKNOWLEDGED, cc_member_ids=[WARD_COLLEAGUE_ID, "frank-gilmore"])
    lifecycle.hand_over(case, SUPPORT, LATER, WARD_COLLEAGUE_ID, "Left office")
    assert case.member_id == WARD_COLLEAGUE_ID
    assert case.cc_member_ids == ["frank-gilmore"]
    [event] = case.new_events
    assert (event.kind, event.actor_id, event.payload) == (
        "handed_over", SUPPORT.person_id,
        {"from_person": MEMBER.person_id, "to_person": WARD_COLLEAGUE_ID, "reason": "Left office"})


def test_every_event_records_who_acted_and_for_whom(case_in: CaseIn) -> None:
    secretary = Actor("marcus-flint", ActorKind.OFFICER, on_behalf_of=MEMBER.person_id)
    case = case_in(S.ACKNOWLEDGED)
    lifecycle.request_update(case, secretary, LATER, "Any news?")
    [event] = case.new_events
    assert (event.actor_id, event.on_behalf_of_id, event.at) == (
        "marcus-flint", MEMBER.person_id, LATER)
    assert case.updated_at == LATER



# -- every refusal carries the action and why ----------------------------------------------------

TYPED_REFUSALS = [
    (S.DRAFT, "acknowledge", Transition.ACKNOWLEDGE, Refusal.WRONG_STATE),
    (S.ACKNOWLEDGED, "acknowledge", Transition.ACKNOWLEDGE, Refusal.ALREADY_ACKNOWLEDGED),
    (S.CLOSED, "reply", Transition.REPLY, Refusal.CLOSED),
    (S.CLOSED, "escalate", Transition.ESCALATE, Refusal.CLOSED),
    (S.OPEN, "rate", Transition.RATE, Refusal.NO_FINAL_RESPONSE),
    (S.OPEN, "answer_escalation", Transition.ANSWER_ESCALATION, Refusal.NO_OPEN_ESCALATION),
    (S.RESPONDED, "extend_auto_close", Transition.EXTEND_AUTO_CLOSE, Refusal.NO_FINAL_RESPONSE),
    (S.OPEN, "submit", Transition.SUBMIT, Refusal.WRONG_STATE),
    (S.LONG_TERM, "mark_long_term", Transition.MARK_LONG_TERM, Refusal.WRONG_STATE),
]


@pytest.mark.parametrize(("state", "action", "transition", "reason"), TYPED_REFUSALS,
                         ids=[f"{s}-{a}" for s, a, _, _ in TYPED_REFUSALS])
def test_a_refusal_names_its_action_and_reason_as_values_not_words(
    state: CaseState, action: str, transition: Transition, reason: Refusal, case_in: CaseIn,
    policy: SlaPolicy,
) -> None:
    case = case_in(state)
    with pytest.raises(InvalidTransition) as refused:
        _actions(policy)[action](case)
    assert (refused.value.action, refused.value.reason) == (transition, reason)


def test_an_early_escalation_names_the_day_it_opens(case_in: CaseIn, policy: SlaPolicy) -> None:
    case = case_in(S.OPEN)
    with pytest.raises(EscalationNotYetAllowed) as refused:
        lifecycle.escalate(case, MEMBER, LATER, policy, "No reply yet")
    assert (refused.value.action, refused.value.reason) == (
        Transition.ESCALATE, Refusal.NOT_YET_ESCALATABLE)
    assert refused.value.allowed_from_on == case.escalation_from_on


def test_rating_twice_is_refused_as_already_rated(case_in: CaseIn, policy: SlaPolicy) -> None:
    case = case_in(S.RESPONDED)
    lifecycle.final_response(case, OFFICER, LATER, policy, "Done")
    lifecycle.rate(case, MEMBER, LATER, 4, "")
    with pytest.raises(AlreadyRated) as refused:
        lifecycle.rate(case, MEMBER, LATER, 5, "")
    assert refused.value.reason is Refusal.ALREADY_RATED
