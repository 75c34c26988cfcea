"""Shared fixtures for the pure domain tests: the demo council, its calendar, SLA policy and
directory, the people the tests act as, and cases brought to each state through the lifecycle.

Everything here is plain Python: no database, no Teams. "Now" is always an argument; the fixed
dates below are in Europe/London and were checked by hand against the demo council's calendar
(England's bank holidays plus its closure days 29-31 December).
"""

from __future__ import annotations

import copy
import dataclasses
import tomllib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import date, datetime
from importlib import resources
from typing import Any

import pytest

from casestore import lifecycle
from casestore.calendar import LONDON, WorkingCalendar
from casestore.config import CouncilConfig, load_council_config, parse_council_config
from casestore.directory import Directory
from casestore.model import Actor, ActorKind, Case, CaseState
from casestore.sla import SlaPolicy

_DEMO_DATA = tomllib.loads(
    resources.files("casestore").joinpath("demo/council.toml").read_text(encoding="utf-8")
)

# -- the people (all from the demo council) ------------------------------------------------------
MEMBER_ID = "michael-oyelaran"  # Lockside; Cabinet Member for Highways and Transport
WARD_ID = "lockside"
WARD_COLLEAGUE_ID = "debbie-roscoe"  # Lockside
OTHER_MEMBER_ID = "sarah-okafor"  # Ashcroft; the Leader
SECRETARY_ID = "marcus-flint"  # cabinet secretary to michael-oyelaran
OTHER_SECRETARY_ID = "hayley-naughton"  # cabinet secretary to sarah-okafor
ROADS_OFFICER_ID = "gareth-prescott"  # roads coordinator, on leave 2026-11-16..27
ROADS_COLLEAGUE_ID = "leanne-moorcroft"  # roads coordinator, covers gareth's leave
PLANNING_OFFICER_ID = "emma-stubbs"
ROADS_ESCALATION_OWNER_ID = "philip-stanier"
PLANNING_ESCALATION_OWNER_ID = "nicholas-hale"
MEMBER_SUPPORT_ID = "kathryn-pinnington"

MEMBER = Actor(MEMBER_ID, ActorKind.MEMBER)
OFFICER = Actor(ROADS_OFFICER_ID, ActorKind.OFFICER)
SUPPORT = Actor(MEMBER_SUPPORT_ID, ActorKind.OFFICER)

# -- the days a roads case moves through ----------------------------------------------------------
SUBMITTED_AT = datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)  # Monday
ACKNOWLEDGED_AT = datetime(2026, 11, 24, 9, 30, tzinfo=LONDON)  # Tuesday
REPLIED_AT = datetime(2026, 11, 26, 14, 0, tzinfo=LONDON)  # Thursday
FINAL_AT = datetime(2026, 12, 1, 14, 0, tzinfo=LONDON)  # Tuesday
CLOSED_AT = datetime(2026, 12, 7, 10, 0, tzinfo=LONDON)  # Monday
REOPENED_AT = datetime(2026, 12, 8, 10, 0, tzinfo=LONDON)  # Tuesday
WORKS_EXPECTED_ON = date(2027, 3, 1)

CaseIn = Callable[..., Case]


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """An aware Europe/London datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


@pytest.fixture(scope="session")
def council_data() -> dict[str, Any]:
    """The demo council as plain TOML data (read-only: use `council_with` to change it)."""
    return _DEMO_DATA


@pytest.fixture(scope="session")
def council() -> CouncilConfig:
    return load_council_config()


@pytest.fixture(scope="session")
def council_with() -> Callable[[Callable[[dict[str, Any]], None]], CouncilConfig]:
    """A council built from a changed copy of the demo data: `council_with(lambda d: ...)`."""

    def build(change: Callable[[dict[str, Any]], None]) -> CouncilConfig:
        data = copy.deepcopy(_DEMO_DATA)
        change(data)
        return parse_council_config(data, source="test council")

    return build


@pytest.fixture(scope="session")
def calendar(council: CouncilConfig) -> WorkingCalendar:
    return council.calendar()


@pytest.fixture(scope="session")
def policy(council: CouncilConfig, calendar: WorkingCalendar) -> SlaPolicy:
    return SlaPolicy(council, calendar)


@pytest.fixture(scope="session")
def directory(council: CouncilConfig) -> Directory:
    return Directory.from_config(council)


@pytest.fixture
def make_case() -> Callable[..., Case]:
    """A draft roads case for MEMBER in Lockside; keyword arguments override any field."""

    def build(**overrides: Any) -> Case:
        fields: dict[str, Any] = {
            "member_id": MEMBER_ID,
            "raised_by_id": MEMBER_ID,
            "lead_service": "roads",
            "enquiry_type": "report_it",
            "ward_id": WARD_ID,
            "description": "A deep pothole outside 14 Mill Lane.",
            "ask": "Please repair it.",
            "created_at": SUBMITTED_AT,
            "location": "14 Mill Lane",
        }
        fields.update(overrides)
        return Case(**fields)

    return build


@pytest.fixture
def case_in(make_case: Callable[..., Case], policy: SlaPolicy) -> CaseIn:
    """A case brought to `state` through the lifecycle itself, with its events cleared."""

    def build(state: CaseState, **overrides: Any) -> Case:
        case = make_case(**overrides)
        if state is not CaseState.DRAFT:
            lifecycle.submit(case, MEMBER, SUBMITTED_AT, policy, "ENQ-2026-000123")
        if state in (CaseState.ACKNOWLEDGED, CaseState.LONG_TERM):
            lifecycle.acknowledge(case, OFFICER, ACKNOWLEDGED_AT)
        if state is CaseState.RESPONDED:
            lifecycle.acknowledge(case, OFFICER, ACKNOWLEDGED_AT)
            lifecycle.reply(case, OFFICER, REPLIED_AT, "We have inspected it.")
        if state is CaseState.LONG_TERM:
            lifecycle.mark_long_term(
                case, OFFICER, REPLIED_AT, WORKS_EXPECTED_ON, "Resurfacing programme",
                REPLIED_AT.date(),
            )
        if state in (CaseState.CLOSED, CaseState.REOPENED):
            lifecycle.acknowledge(case, OFFICER, ACKNOWLEDGED_AT)
            lifecycle.final_response(case, OFFICER, FINAL_AT, policy, "Repaired on 30 November.")
            lifecycle.close(case, MEMBER, CLOSED_AT)
        if state is CaseState.REOPENED:
            lifecycle.reopen(case, MEMBER, REOPENED_AT, policy, "It has cracked again.",
                             by_member=True)
        assert case.state is state
        case.new_events.clear()
        return case

    return build


@pytest.fixture
def unchanged() -> Callable[[Case], AbstractContextManager[None]]:
    """`with unchanged(case), pytest.raises(...)`: the refusal must leave the case as it was,
    with no new event recorded."""

    @contextmanager
    def check(case: Case) -> Iterator[None]:
        before = copy.deepcopy(case)
        events_before = len(case.new_events)
        yield
        assert len(case.new_events) == events_before, "a refused action recorded an event"
        assert dataclasses.asdict(case) == dataclasses.asdict(before)

    return check
