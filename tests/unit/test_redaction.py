"""What removing a constituent's details takes from a case and what it keeps (pure), when a case
is due under the council's retention period, and how that period is configured."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from casestore import lifecycle
from casestore.calendar import LONDON
from casestore.config import ConfigError, CouncilConfig
from casestore.directory import Directory
from casestore.kinds import EventKind
from casestore.model import SYSTEM, Case, CaseState, Event
from casestore.redaction import (
    PERSONAL_FIELDS,
    REMOVED,
    Removal,
    due_for_retention,
    months_before,
    redact,
    redacted_event_payload,
    remove_details,
)
from casestore.replay import rebuilt, replay
from casestore.sla import SlaPolicy
from dialogs.members.cards import MemberView
from dialogs.members.timeline import describe, timeline_blocks
from tests.unit.conftest import MEMBER, SUPPORT, CaseIn


def at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=LONDON)


@pytest.mark.parametrize(("now", "months", "expected"), [
    (at(2026, 12, 9), 24, at(2024, 12, 9)),
    (at(2026, 1, 15), 13, at(2024, 12, 15)),
    (at(2026, 3, 31), 1, at(2026, 2, 28)),  # no 31 February: the month's last day
    (at(2028, 3, 31), 1, at(2028, 2, 29)),  # a leap year
    (at(2026, 5, 31), 3, at(2026, 2, 28)),
])
def test_n_months_before_is_the_same_day_of_the_month_or_the_months_last(
    now: datetime, months: int, expected: datetime,
) -> None:
    assert months_before(now, months) == expected


def test_a_closed_case_is_due_exactly_n_months_after_closing_and_not_a_moment_before(
    case_in: CaseIn,
) -> None:
    case = case_in(CaseState.CLOSED)
    assert case.closed_at is not None
    closed = case.closed_at
    assert not due_for_retention(case, months_after(closed, 24, minutes=-1), 24)
    assert due_for_retention(case, months_after(closed, 24), 24)
    case.redacted_at = closed
    assert not due_for_retention(case, months_after(closed, 30), 24)


def months_after(closed: datetime, months: int, *, minutes: int = 0) -> datetime:
    """The moment `months` months after `closed` (plus some minutes)."""
    total = closed.year * 12 + closed.month - 1 + months
    return closed.replace(year=total // 12, month=total % 12 + 1) + timedelta(minutes=minutes)


@pytest.mark.parametrize("state", [s for s in CaseState if s not in (CaseState.CLOSED,
                                                                     CaseState.DRAFT)])
def test_a_case_still_being_worked_on_is_never_due(case_in: CaseIn, state: CaseState) -> None:
    case = case_in(state)
    assert not due_for_retention(case, at(2040, 1, 1), 24)


def test_removing_details_blanks_what_identifies_the_constituent_and_keeps_the_casework(
    case_in: CaseIn,
) -> None:
    case = case_in(CaseState.CLOSED, constituent_name="Jane Smith",
                   constituent_contact="07700 900123", consent_given=True,
                   search_term="Smith pothole")
    case.rating, case.rating_comment = 4, "Mrs Smith is pleased"
    kept = {name: getattr(case, name) for name in (
        "reference", "member_id", "lead_service", "ward_id", "enquiry_type", "state",
        "closed_at", "response_due_on", "rating", "consent_given")}
    remove_details(case, SYSTEM, at(2028, 12, 8), why=Removal.RETENTION, months=24)
    assert {name: getattr(case, name) for name in PERSONAL_FIELDS} == dict.fromkeys(
        PERSONAL_FIELDS, REMOVED)
    assert {name: getattr(case, name) for name in kept} == kept
    assert case.redacted_at == at(2028, 12, 8)
    [event] = case.new_events
    assert (event.kind, event.actor_id, event.payload) == (
        "constituent_details_removed", "system", {"why": "retention", "months": 24})


def test_an_empty_detail_stays_empty_rather_than_saying_something_was_removed(
    case_in: CaseIn,
) -> None:
    case = case_in(CaseState.CLOSED)  # no constituent recorded
    remove_details(case, SUPPORT, at(2027, 1, 4), why=Removal.ERASURE, reason="Request 12")
    assert (case.constituent_name, case.constituent_contact, case.rating_comment) == ("", "", "")
    assert case.new_events[-1].payload == {"why": "erasure", "reason": "Request 12"}


def test_typed_text_is_removed_from_payloads_however_deep_and_nothing_else() -> None:
    payload: dict[str, Any] = {
        "text": "Mrs Smith at 3 Mill Lane", "question": "", "rating": 4, "reference": "ENQ-1",
        "nested": {"reason": "her neighbour", "to_service": "roads"},
        "items": [{"filename": "smith.jpg", "size_bytes": 10}],
    }
    assert redact(payload) == {
        "text": REMOVED, "question": "", "rating": 4, "reference": "ENQ-1",
        "nested": {"reason": REMOVED, "to_service": "roads"},
        "items": [{"filename": REMOVED, "size_bytes": 10}],
    }


def test_the_systems_own_words_and_earlier_removals_are_kept() -> None:
    assert redacted_event_payload("closed", "system", {"reason": "Closed automatically"}) is None
    assert redacted_event_payload("constituent_details_removed", "kathryn-pinnington",
                                  {"why": "erasure", "reason": "Request 12"}) is None
    assert redacted_event_payload("replied", "gareth-prescott", {"text": ""}) is None
    assert redacted_event_payload("replied", "gareth-prescott", {"text": "Hi Jane"}) == {
        "text": REMOVED}


def test_the_removal_replays_like_everything_else(make_case: Callable[..., Case],
                                                  policy: SlaPolicy) -> None:
    case = make_case(constituent_name="Jane Smith")
    lifecycle.submit(case, MEMBER, at(2026, 11, 23), policy, "ENQ-2026-000001")
    lifecycle.final_response(case, SUPPORT, at(2026, 11, 24), policy, "Done")
    lifecycle.rate(case, MEMBER, at(2026, 11, 25), 5, "Jane is delighted")
    lifecycle.close(case, MEMBER, at(2026, 11, 26))
    remove_details(case, SYSTEM, at(2028, 11, 26), why=Removal.RETENTION, months=24)
    events = [e if e.kind == "constituent_details_removed" else
              replace(e, payload=redacted_event_payload(e.kind, e.actor_id, e.payload)
                      or e.payload) for e in case.new_events]
    assert replay(events) == rebuilt(case)
    assert case.rating_comment == REMOVED


def test_the_retention_period_defaults_to_24_months_and_is_checked(
    council: CouncilConfig,
    council_with: Callable[[Callable[[dict[str, Any]], None]], CouncilConfig],
) -> None:
    assert council.retention.redact_after_months == 24
    assert council_with(lambda d: d.pop("retention")).retention.redact_after_months == 24
    for bad, says in ((0, "greater than or equal to 1"), (121, "less than or equal to 120"),
                      ("two years", "valid integer")):
        with pytest.raises(ConfigError) as caught:
            council_with(lambda d, bad=bad: d["retention"].update(redact_after_months=bad))
        [problem] = caught.value.problems
        assert problem.key == "retention.redact_after_months" and says in problem.message
    with pytest.raises(ConfigError) as caught:
        council_with(lambda d: d["retention"].update(redact_after_days=30))
    assert caught.value.problems[0].key == "retention.redact_after_days"


@pytest.mark.parametrize(("actor", "payload", "reads"), [
    ("system", {"why": "retention", "months": 24},
     "Constituent details removed under the council's retention policy"),
    ("kathryn-pinnington", {"why": "erasure", "reason": "Request 12"},
     "Constituent details removed at the constituent's request, by Kathryn Pinnington"),
])
def test_the_members_timeline_says_plainly_that_the_details_were_removed(
    council: CouncilConfig, directory: Directory, policy: SlaPolicy, actor: str,
    payload: dict[str, Any], reads: str,
) -> None:
    view = MemberView(council, directory, policy, at(2028, 12, 8))
    event = Event(EventKind.DETAILS_REMOVED, at(2028, 12, 8), actor, None, payload)
    assert describe(view, event).what == reads
    assert "Request 12" not in str(timeline_blocks(view, [event]))
