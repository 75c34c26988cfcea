"""Service levels: the deadlines a case gets when it arrives, and each deadline's status.

Every expected date was counted by hand on the demo council's calendar (England; closure days
29-31 December 2026). Christmas 2026: Friday 25 is Christmas Day, Boxing Day falls on Saturday
26 so its substitute is Monday 28, the council is closed Tuesday 29 to Thursday 31, and Friday
1 January 2027 is New Year's Day: the first working day after Thursday 24 December is Monday 4
January 2027.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from casestore import lifecycle
from casestore.model import Case, CaseState
from casestore.sla import DeadlineStatus, SlaPolicy
from tests.unit.conftest import MEMBER, OFFICER, CaseIn, at

D = DeadlineStatus

# received_at -> (clock start, acknowledge due, response due, escalation opens)
DEADLINES = [
    pytest.param(at(2026, 11, 23, 10), date(2026, 11, 23), date(2026, 11, 24),
                 date(2026, 12, 7), date(2026, 12, 8), id="monday-morning"),
    pytest.param(at(2026, 11, 23, 16, 59), date(2026, 11, 23), date(2026, 11, 24),
                 date(2026, 12, 7), date(2026, 12, 8), id="a-minute-before-the-cut-off"),
    pytest.param(at(2026, 11, 23, 17, 0), date(2026, 11, 24), date(2026, 11, 25),
                 date(2026, 12, 8), date(2026, 12, 9), id="at-the-17:00-cut-off"),
    pytest.param(at(2026, 11, 23, 22, 30), date(2026, 11, 24), date(2026, 11, 25),
                 date(2026, 12, 8), date(2026, 12, 9), id="monday-evening"),
    pytest.param(at(2026, 11, 20, 18, 0), date(2026, 11, 23), date(2026, 11, 24),
                 date(2026, 12, 7), date(2026, 12, 8), id="friday-evening"),
    pytest.param(at(2026, 11, 21, 11), date(2026, 11, 23), date(2026, 11, 24),
                 date(2026, 12, 7), date(2026, 12, 8), id="saturday"),
    pytest.param(at(2026, 11, 22, 9), date(2026, 11, 23), date(2026, 11, 24),
                 date(2026, 12, 7), date(2026, 12, 8), id="sunday"),
    pytest.param(at(2026, 12, 23, 10), date(2026, 12, 23), date(2026, 12, 24),
                 date(2027, 1, 14), date(2027, 1, 15), id="wednesday-before-christmas"),
    pytest.param(at(2026, 12, 24, 10), date(2026, 12, 24), date(2027, 1, 4),
                 date(2027, 1, 15), date(2027, 1, 18), id="christmas-eve-morning"),
    pytest.param(at(2026, 12, 24, 17, 30), date(2027, 1, 4), date(2027, 1, 5),
                 date(2027, 1, 18), date(2027, 1, 19), id="christmas-eve-after-the-cut-off"),
    pytest.param(at(2026, 12, 28, 10), date(2027, 1, 4), date(2027, 1, 5),
                 date(2027, 1, 18), date(2027, 1, 19), id="boxing-day-substitute"),
    pytest.param(at(2026, 12, 30, 10), date(2027, 1, 4), date(2027, 1, 5),
                 date(2027, 1, 18), date(2027, 1, 19), id="council-closure-day"),
    # British Summer Time: 15:30 UTC is 16:30 in London, 16:30 UTC is 17:30.
    pytest.param(datetime(2026, 6, 15, 15, 30, tzinfo=UTC), date(2026, 6, 15),
                 date(2026, 6, 16), date(2026, 6, 29), date(2026, 6, 30), id="bst-before-cut-off"),
    pytest.param(datetime(2026, 6, 15, 16, 30, tzinfo=UTC), date(2026, 6, 16),
                 date(2026, 6, 17), date(2026, 6, 30), date(2026, 7, 1), id="bst-after-cut-off"),
]


@pytest.mark.parametrize(
    ("received_at", "clock_start_on", "acknowledge_due_on", "response_due_on",
     "escalation_from_on"),
    DEADLINES,
)
def test_a_roads_case_gets_its_deadlines_counted_in_working_days_from_the_clock_start(
    received_at: datetime, clock_start_on: date, acknowledge_due_on: date,
    response_due_on: date, escalation_from_on: date,
    make_case: Callable[..., Case], policy: SlaPolicy,
) -> None:
    case = make_case()
    policy.set_deadlines(case, received_at)
    assert (case.clock_start_on, case.acknowledge_due_on, case.response_due_on,
            case.escalation_from_on) == (
        clock_start_on, acknowledge_due_on, response_due_on, escalation_from_on)


def test_the_completion_deadline_is_28_working_days_and_skips_christmas(
    make_case: Callable[..., Case], policy: SlaPolicy,
) -> None:
    case = make_case()
    policy.set_deadlines(case, at(2026, 11, 23, 10))
    assert case.completion_due_on == date(2027, 1, 8)


@pytest.mark.parametrize(
    ("service", "response_due_on", "completion_due_on"),
    [
        ("roads", date(2026, 12, 7), date(2027, 1, 8)),  # the council's defaults
        ("licensing", date(2026, 11, 30), date(2027, 1, 8)),  # responds within 5
        ("planning", date(2026, 12, 14), date(2027, 1, 8)),  # responds within 15
        ("street-lighting", date(2026, 12, 7), date(2026, 12, 21)),  # completes within 20
        ("bins", date(2026, 12, 7), date(2026, 12, 7)),  # completes within 10
    ],
)
def test_a_service_areas_own_figures_override_the_councils(
    service: str, response_due_on: date, completion_due_on: date,
    make_case: Callable[..., Case], policy: SlaPolicy,
) -> None:
    case = make_case(lead_service=service)
    policy.set_deadlines(case, at(2026, 11, 23, 10))
    assert (case.acknowledge_due_on, case.response_due_on, case.completion_due_on) == (
        date(2026, 11, 24), response_due_on, completion_due_on)


@pytest.mark.parametrize(
    ("service", "response_days"), [("roads", 10), ("licensing", 5), ("planning", 15)]
)
def test_the_resolved_figures_fall_back_to_the_councils_defaults(
    service: str, response_days: int, policy: SlaPolicy,
) -> None:
    figures = policy.figures(service)
    assert figures.response_days == response_days
    assert (figures.acknowledge_days, figures.escalation_after_days,
            figures.escalation_answer_days) == (1, 10, 5)


def test_escalation_is_due_for_an_answer_five_working_days_after_it_is_raised(
    make_case: Callable[..., Case], policy: SlaPolicy,
) -> None:
    case = make_case()
    policy.set_escalation_deadline(case, at(2026, 12, 21, 18))  # Monday evening
    # the clock starts Tuesday 22: 23, 24, then 4, 5 and 6 January
    assert case.escalation_due_on == date(2027, 1, 6)


def test_the_auto_close_date_counts_from_the_final_response_day(
    make_case: Callable[..., Case], policy: SlaPolicy,
) -> None:
    case = make_case()
    policy.set_auto_close(case, at(2026, 12, 18, 16))
    # 21, 22, 23, 24 December then 4 to 8 and 11 January
    assert case.auto_close_on == date(2027, 1, 11)


# -- the status of one deadline ------------------------------------------------------------------

DUE = date(2026, 12, 7)  # a Monday

STATUSES = [
    pytest.param(at(2026, 11, 30), None, False, D.ON_TRACK, id="a-week-ahead"),
    pytest.param(at(2026, 12, 3), None, False, D.ON_TRACK, id="two-working-days-ahead"),
    pytest.param(at(2026, 12, 4), None, False, D.DUE_SOON, id="the-working-day-before"),
    pytest.param(at(2026, 12, 5), None, False, D.DUE_SOON, id="the-weekend-before"),
    pytest.param(at(2026, 12, 7, 23, 59), None, False, D.DUE_SOON, id="on-the-day"),
    pytest.param(at(2026, 12, 8, 0, 0), None, False, D.OVERDUE, id="the-day-after"),
    pytest.param(at(2026, 12, 8), at(2026, 12, 7, 16), False, D.MET, id="done-on-the-day"),
    pytest.param(at(2026, 12, 1), at(2026, 11, 30), False, D.MET, id="done-early"),
    pytest.param(at(2026, 12, 9), at(2026, 12, 8, 9), False, D.MISSED, id="done-a-day-late"),
    pytest.param(at(2026, 12, 9), None, True, D.PAUSED, id="paused-even-when-past"),
    pytest.param(at(2026, 12, 1), None, True, D.PAUSED, id="paused"),
    pytest.param(at(2026, 12, 9), at(2026, 12, 4), True, D.MET, id="done-beats-paused"),
    # 00:30 on 8 December in UTC is still 00:30 in London in winter: a day late.
    pytest.param(at(2026, 12, 9), datetime(2026, 12, 8, 0, 30, tzinfo=UTC), False, D.MISSED,
                 id="done-just-after-midnight"),
]


@pytest.mark.parametrize(("now", "done_at", "paused", "expected"), STATUSES)
def test_a_deadlines_status(
    now: datetime, done_at: datetime | None, paused: bool, expected: DeadlineStatus,
    policy: SlaPolicy,
) -> None:
    assert policy.status(DUE, done_at, now, paused=paused) is expected


def test_a_deadline_that_was_never_set_has_no_status(policy: SlaPolicy) -> None:
    assert policy.status(None, None, at(2026, 12, 1)) is None


def test_a_summer_deadline_is_met_by_london_time_not_utc(policy: SlaPolicy) -> None:
    # 23:30 UTC on Monday 29 June is 00:30 BST on Tuesday 30 June.
    done_at = datetime(2026, 6, 29, 23, 30, tzinfo=UTC)
    assert policy.status(date(2026, 6, 29), done_at, at(2026, 7, 1)) is D.MISSED
    assert policy.status(date(2026, 6, 30), done_at, at(2026, 7, 1)) is D.MET


# -- the statuses of a case, and its one badge -----------------------------------------------------


def test_a_new_case_is_due_soon_for_its_acknowledgement_and_on_track_otherwise(
    case_in: CaseIn, policy: SlaPolicy,
) -> None:
    case = case_in(CaseState.OPEN)
    assert policy.case_statuses(case, at(2026, 11, 23, 12)) == {
        "acknowledge": D.DUE_SOON, "response": D.ON_TRACK, "completion": D.ON_TRACK,
        "escalation": None,
    }


def test_an_escalated_case_has_an_escalation_status(case_in: CaseIn, policy: SlaPolicy) -> None:
    case = case_in(CaseState.ACKNOWLEDGED)
    lifecycle.escalate(case, MEMBER, at(2026, 12, 8), policy, "No reply")
    statuses = policy.case_statuses(case, at(2026, 12, 16))  # due 15 December
    assert statuses["escalation"] is D.OVERDUE


def _paused(case: Case, policy: SlaPolicy) -> None:
    lifecycle.ask_member(case, OFFICER, at(2026, 11, 27, 11), "Which side?")


def _paused_at_once(case: Case, policy: SlaPolicy) -> None:
    lifecycle.ask_member(case, OFFICER, at(2026, 11, 23, 11), "Which side?")


def _replied_late(case: Case, policy: SlaPolicy) -> None:
    lifecycle.reply(case, OFFICER, at(2026, 12, 8, 9), "Sorry for the wait")


def _final_on_time(case: Case, policy: SlaPolicy) -> None:
    lifecycle.final_response(case, OFFICER, at(2026, 12, 1), policy, "Repaired")


def _final_late(case: Case, policy: SlaPolicy) -> None:
    lifecycle.final_response(case, OFFICER, at(2026, 12, 9), policy, "Repaired")


def _nothing(case: Case, policy: SlaPolicy) -> None:
    return None


BADGES = [
    # (state, what happens next, now, badge)
    pytest.param(CaseState.ACKNOWLEDGED, _nothing, at(2026, 11, 25), D.ON_TRACK, id="on-track"),
    pytest.param(CaseState.ACKNOWLEDGED, _nothing, at(2026, 12, 4), D.DUE_SOON,
                 id="response-due-soon"),
    pytest.param(CaseState.ACKNOWLEDGED, _nothing, at(2026, 12, 8), D.OVERDUE,
                 id="response-overdue"),
    pytest.param(CaseState.OPEN, _nothing, at(2026, 11, 25), D.OVERDUE,
                 id="acknowledgement-overdue-beats-on-track"),
    pytest.param(CaseState.OPEN, _paused_at_once, at(2026, 11, 23, 12), D.DUE_SOON,
                 id="due-soon-beats-paused"),
    pytest.param(CaseState.ACKNOWLEDGED, _paused, at(2026, 12, 9), D.PAUSED,
                 id="paused-beats-met"),
    pytest.param(CaseState.ACKNOWLEDGED, _replied_late, at(2026, 12, 9), D.ON_TRACK,
                 id="a-running-deadline-beats-a-missed-one"),
    pytest.param(CaseState.ACKNOWLEDGED, _final_late, at(2026, 12, 10), D.MISSED,
                 id="all-done-one-missed"),
    pytest.param(CaseState.ACKNOWLEDGED, _final_on_time, at(2026, 12, 10), D.MET,
                 id="all-done-all-met"),
]


@pytest.mark.parametrize(("state", "then", "now", "badge"), BADGES)
def test_the_badge_is_the_worst_of_the_deadlines_still_running(
    state: CaseState, then: Callable[[Case, SlaPolicy], None], now: datetime,
    badge: DeadlineStatus, case_in: CaseIn, policy: SlaPolicy,
) -> None:
    case = case_in(state)
    then(case, policy)
    assert policy.badge(case, now) is badge
