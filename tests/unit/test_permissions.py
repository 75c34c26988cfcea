"""Who may see and do what with a case: members, cc'd colleagues, cabinet secretaries, officers,
their delegates on leave, escalation owners, member support and the system.

The case is a roads case of Cllr Michael Oyelaran (Lockside), with his ward colleague Cllr Debbie
Roscoe cc'd.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest

from casestore.calendar import LONDON
from casestore.config import CouncilConfig
from casestore.directory import Directory
from casestore.errors import AccessEnded, NotPermitted
from casestore.model import SYSTEM, Actor, ActorKind, Case, CaseState
from casestore.permissions import (
    Action,
    access_ended_on,
    acts_for_member,
    may,
    may_answer,
    require,
)
from casestore.questions import Question
from tests.unit.conftest import (
    MEMBER_ID,
    MEMBER_SUPPORT_ID,
    OTHER_MEMBER_ID,
    OTHER_SECRETARY_ID,
    PLANNING_ESCALATION_OWNER_ID,
    PLANNING_OFFICER_ID,
    ROADS_ESCALATION_OWNER_ID,
    ROADS_OFFICER_ID,
    SECRETARY_ID,
    WARD_COLLEAGUE_ID,
    CaseIn,
)

A = Action
ON = date(2026, 12, 2)  # nobody in the demo council is on leave
ROADS_LEAVE = (date(2026, 11, 16), date(2026, 11, 27))  # gareth-prescott, in the demo council
MEMBER_SIDE = [A.VIEW, A.REQUEST_UPDATE, A.ADD_INFORMATION, A.MEMBER_CLOSE, A.MEMBER_REOPEN,
               A.RATE, A.EXTEND_AUTO_CLOSE, A.ESCALATE]
OFFICER_SIDE = [A.ACKNOWLEDGE, A.ASSIGN, A.REPLY, A.INTERNAL_NOTE, A.ASK_MEMBER, A.REASSIGN,
                A.ADD_SERVICE, A.CONVERT_TYPE, A.MARK_LONG_TERM, A.FINAL_RESPONSE,
                A.OFFICER_CLOSE, A.OFFICER_REOPEN, A.LOG_FOR_MEMBER, A.ASK_OFFICER,
                A.ANSWER_QUESTION, A.WITHDRAW_QUESTION]


def member(person_id: str, on_behalf_of: str | None = None) -> Actor:
    return Actor(person_id, ActorKind.MEMBER, on_behalf_of)


def officer(person_id: str, on_behalf_of: str | None = None) -> Actor:
    return Actor(person_id, ActorKind.OFFICER, on_behalf_of)


@pytest.fixture
def case(case_in: CaseIn) -> Case:
    return case_in(CaseState.ACKNOWLEDGED, cc_member_ids=[WARD_COLLEAGUE_ID])


def allowed(directory: Directory, actor: Actor, case: Case, on: date = ON) -> set[Action]:
    return {action for action in Action if may(directory, actor, action, case, on)}


# -- members ---------------------------------------------------------------------------------------


def test_a_member_sees_and_acts_on_their_own_case_but_does_no_officer_work(
    directory: Directory, case: Case,
) -> None:
    assert allowed(directory, member(MEMBER_ID), case) == {A.SUBMIT, *MEMBER_SIDE}


def test_a_ccd_colleague_may_view_but_not_act(directory: Directory, case: Case) -> None:
    assert allowed(directory, member(WARD_COLLEAGUE_ID), case) == {A.VIEW}


def test_another_member_may_not_even_view(directory: Directory, case: Case) -> None:
    assert allowed(directory, member(OTHER_MEMBER_ID), case) == set()


@pytest.mark.parametrize(
    "actor",
    [
        pytest.param(member(WARD_COLLEAGUE_ID, on_behalf_of=MEMBER_ID), id="colleague-claiming"),
        pytest.param(member(MEMBER_ID, on_behalf_of=OTHER_MEMBER_ID), id="acting-for-another"),
        pytest.param(member("nobody-at-all"), id="unknown-person"),
    ],
)
def test_nobody_gains_a_members_rights_by_claiming_to_act_for_them(
    actor: Actor, directory: Directory, case: Case,
) -> None:
    assert allowed(directory, actor, case) - {A.VIEW} == set()
    assert not may(directory, actor, A.ESCALATE, case, ON)


# -- cabinet secretaries -----------------------------------------------------------------------


def test_a_cabinet_secretary_acts_for_their_cabinet_member_when_acting_on_their_behalf(
    directory: Directory, case: Case,
) -> None:
    secretary = officer(SECRETARY_ID, on_behalf_of=MEMBER_ID)
    assert allowed(directory, secretary, case) == {A.SUBMIT, *MEMBER_SIDE}
    assert acts_for_member(directory, secretary, MEMBER_ID)


@pytest.mark.parametrize(
    "actor",
    [
        pytest.param(officer(SECRETARY_ID), id="not-on-anyones-behalf"),
        pytest.param(officer(SECRETARY_ID, on_behalf_of=OTHER_MEMBER_ID), id="for-another-member"),
        pytest.param(officer(OTHER_SECRETARY_ID, on_behalf_of=MEMBER_ID), id="another-secretary"),
    ],
)
def test_a_cabinet_secretary_has_no_rights_otherwise(
    actor: Actor, directory: Directory, case: Case,
) -> None:
    assert allowed(directory, actor, case) == set()


def test_a_secretary_for_the_leader_acts_on_the_leaders_cases_only(
    directory: Directory, case_in: CaseIn,
) -> None:
    leaders_case = case_in(CaseState.OPEN, member_id=OTHER_MEMBER_ID, raised_by_id=OTHER_MEMBER_ID,
                           ward_id="ashcroft")
    assert may(directory, officer(OTHER_SECRETARY_ID, on_behalf_of=OTHER_MEMBER_ID), A.ESCALATE,
               leaders_case, ON)


# -- officers --------------------------------------------------------------------------------------


def test_an_officer_of_the_service_works_the_case_but_neither_answers_escalations_nor_hands_over(
    directory: Directory, case: Case,
) -> None:
    assert allowed(directory, officer(ROADS_OFFICER_ID), case) == {A.VIEW, *OFFICER_SIDE}


def test_an_officer_of_another_service_is_refused(directory: Directory, case: Case) -> None:
    assert allowed(directory, officer(PLANNING_OFFICER_ID), case) == set()


def test_an_officer_of_a_second_service_on_the_case_works_it_too(
    directory: Directory, case: Case,
) -> None:
    case.services.append("planning")
    assert may(directory, officer(PLANNING_OFFICER_ID), A.REPLY, case, ON)


def test_the_escalation_owner_works_the_case_and_answers_its_escalation(
    directory: Directory, case: Case,
) -> None:
    assert allowed(directory, officer(ROADS_ESCALATION_OWNER_ID), case) == {
        A.VIEW, *OFFICER_SIDE, A.ANSWER_ESCALATION}


def test_escalation_ownership_alone_is_enough_even_without_the_service(
    council_with: Callable[..., CouncilConfig], case: Case,
) -> None:
    def owner_heads_no_service(data: dict[str, Any]) -> None:
        owner = next(o for o in data["officers"] if o["id"] == ROADS_ESCALATION_OWNER_ID)
        owner["services"] = []

    directory = Directory.from_config(council_with(owner_heads_no_service))
    assert allowed(directory, officer(ROADS_ESCALATION_OWNER_ID), case) == {
        A.VIEW, *OFFICER_SIDE, A.ANSWER_ESCALATION}


def test_the_escalation_owner_of_another_service_may_not_answer(
    directory: Directory, case: Case,
) -> None:
    assert allowed(directory, officer(PLANNING_ESCALATION_OWNER_ID), case) == set()


# -- delegates on leave days -------------------------------------------------------------------


@pytest.fixture(scope="module")
def cover_from_street_lighting(
    council_with: Callable[..., CouncilConfig],
) -> Directory:
    """The demo council's roads leave (gareth-prescott, 16-27 November 2026) is covered by a
    roads colleague, who can act anyway; here a street-lighting officer covers it instead, so
    that only the delegation can give them the case. The roads escalation owner is also away
    that fortnight, covered by the planning escalation owner."""

    def change(data: dict[str, Any]) -> None:
        roads_leave = next(d for d in data["delegations"]
                           if d["kind"] == "leave" and d["officer"] == ROADS_OFFICER_ID)
        roads_leave["delegate"] = "colin-hesketh"
        data["delegations"].append({
            "kind": "leave", "officer": ROADS_ESCALATION_OWNER_ID,
            "delegate": PLANNING_ESCALATION_OWNER_ID,
            "starts_on": ROADS_LEAVE[0], "ends_on": ROADS_LEAVE[1],
        })

    return Directory.from_config(council_with(change))


def test_the_demo_council_has_the_roads_leave_delegation(directory: Directory) -> None:
    for day, delegate in [(date(2026, 11, 15), None), (ROADS_LEAVE[0], "leanne-moorcroft"),
                          (ROADS_LEAVE[1], "leanne-moorcroft"), (date(2026, 11, 28), None)]:
        assert directory.delegate_for(ROADS_OFFICER_ID, day) == delegate


@pytest.mark.parametrize(
    ("on", "covers"),
    [
        (date(2026, 11, 15), False),
        (ROADS_LEAVE[0], True),
        (date(2026, 11, 20), True),
        (ROADS_LEAVE[1], True),
        (date(2026, 11, 28), False),
    ],
)
def test_a_delegate_acts_only_on_the_leave_dates_of_the_officer_they_cover(
    on: date, covers: bool, cover_from_street_lighting: Directory, case: Case,
) -> None:
    delegate = officer("colin-hesketh")
    expected = {A.VIEW, *OFFICER_SIDE} if covers else set()
    assert allowed(cover_from_street_lighting, delegate, case, on) == expected


@pytest.mark.parametrize(("on", "answers"), [(ROADS_LEAVE[0], True), (date(2026, 11, 28), False)])
def test_the_delegate_of_an_escalation_owner_answers_escalations_only_while_covering(
    on: date, answers: bool, cover_from_street_lighting: Directory, case: Case,
) -> None:
    assert may(cover_from_street_lighting, officer(PLANNING_ESCALATION_OWNER_ID),
               A.ANSWER_ESCALATION, case, on) is answers


# -- member support and the system -----------------------------------------------------------------


def test_member_support_sees_and_works_every_case_and_alone_may_hand_over(
    directory: Directory, case: Case,
) -> None:
    assert allowed(directory, officer(MEMBER_SUPPORT_ID), case) == {
        A.VIEW, *OFFICER_SIDE, A.ANSWER_ESCALATION, A.HANDOVER}


@pytest.mark.parametrize(
    "actor",
    [member(MEMBER_ID), officer(ROADS_OFFICER_ID), officer(ROADS_ESCALATION_OWNER_ID),
     officer(SECRETARY_ID, on_behalf_of=MEMBER_ID)],
    ids=["the-member", "the-officer", "the-escalation-owner", "the-secretary"],
)
def test_nobody_but_member_support_hands_a_case_over(
    actor: Actor, directory: Directory, case: Case,
) -> None:
    assert not may(directory, actor, A.HANDOVER, case, ON)


@pytest.mark.parametrize("action", list(Action))
def test_the_system_may_do_everything(action: Action, directory: Directory, case: Case) -> None:
    assert may(directory, SYSTEM, action, case, ON)


def test_a_refusal_names_the_person_the_action_and_the_case(
    directory: Directory, case: Case,
) -> None:
    with pytest.raises(NotPermitted) as refused:
        require(directory, officer(PLANNING_OFFICER_ID), A.REPLY, case, ON)
    assert (refused.value.person_id, refused.value.action, refused.value.reference) == (
        PLANNING_OFFICER_ID, "reply to", case.reference)
    require(directory, officer(ROADS_OFFICER_ID), A.REPLY, case, ON)


# -- answering a question put to an officer or a service area ------------------------------------

PLANNING_LEAVE = (date(2027, 1, 11), date(2027, 1, 22))  # emma-stubbs, covered by rajesh-patel


def question_to(*, officer_id: str | None = None, service_id: str | None = None) -> Question:
    return Question(id="a" * 32, text="Is it on your list?", asked_by=ROADS_OFFICER_ID,
                    asked_at=datetime(2026, 12, 1, 10, tzinfo=LONDON), to_officer=officer_id,
                    to_service=service_id)


@pytest.mark.parametrize(
    ("who", "question", "on", "answers"),
    [
        pytest.param(PLANNING_OFFICER_ID, {"officer_id": PLANNING_OFFICER_ID}, ON, True,
                     id="the-officer-asked"),
        pytest.param("rajesh-patel", {"officer_id": PLANNING_OFFICER_ID}, PLANNING_LEAVE[0],
                     True, id="their-cover-on-leave"),
        pytest.param("rajesh-patel", {"officer_id": PLANNING_OFFICER_ID}, date(2027, 1, 25),
                     False, id="their-cover-after-the-leave"),
        pytest.param("rajesh-patel", {"service_id": "planning"}, ON, True,
                     id="an-officer-of-the-service-asked"),
        pytest.param("colin-hesketh", {"officer_id": PLANNING_OFFICER_ID}, ON, False,
                     id="an-officer-of-an-unrelated-service"),
        pytest.param("colin-hesketh", {"service_id": "planning"}, ON, False,
                     id="an-unrelated-officer-for-a-service"),
        pytest.param("leanne-moorcroft", {"officer_id": PLANNING_OFFICER_ID}, ON, True,
                     id="an-officer-on-the-case"),
        pytest.param(MEMBER_SUPPORT_ID, {"service_id": "planning"}, ON, True,
                     id="member-support"),
        pytest.param(PLANNING_ESCALATION_OWNER_ID, {"officer_id": PLANNING_OFFICER_ID}, ON,
                     False, id="the-addressees-head-of-service"),
    ],
)
def test_who_may_answer_a_question(
    who: str, question: dict[str, str], on: date, answers: bool, directory: Directory,
    case: Case,
) -> None:
    assert may_answer(directory, officer(who), case, question_to(**question), on) is answers


def test_a_member_never_answers_an_officers_question(directory: Directory, case: Case) -> None:
    q = question_to(service_id="roads")
    assert not may_answer(directory, member(MEMBER_ID), case, q, ON)
    assert not may_answer(directory, officer(SECRETARY_ID, on_behalf_of=MEMBER_ID), case, q, ON)


# -- someone who has left office -------------------------------------------------------------------

LEFT_ON = date(2026, 11, 30)  # a Monday: MEMBER (and, in one test, the cc'd colleague) resigned


@pytest.fixture(scope="module")
def after_resignation(council_with: Callable[..., CouncilConfig]) -> Directory:
    """The demo council with MEMBER and the cc'd ward colleague out of office from LEFT_ON."""

    def change(data: dict[str, Any]) -> None:
        for m in data["members"]:
            if m["id"] in (MEMBER_ID, WARD_COLLEAGUE_ID):
                m["left_office_on"] = LEFT_ON

    return Directory.from_config(council_with(change))


def test_a_councillor_who_has_left_office_may_neither_read_nor_do_anything(
    after_resignation: Directory, case: Case,
) -> None:
    assert allowed(after_resignation, member(MEMBER_ID), case, LEFT_ON) == set()
    assert allowed(after_resignation, member(MEMBER_ID), case, ON) == set()


def test_until_the_day_they_leave_they_keep_their_rights(
    after_resignation: Directory, case: Case,
) -> None:
    the_friday_before = date(2026, 11, 27)
    assert allowed(after_resignation, member(MEMBER_ID), case, the_friday_before) == {
        A.SUBMIT, *MEMBER_SIDE}


@pytest.mark.parametrize("action", list(Action))
def test_each_refusal_says_when_their_access_ended(
    action: Action, after_resignation: Directory, case: Case,
) -> None:
    with pytest.raises(AccessEnded) as refused:
        require(after_resignation, member(MEMBER_ID), action, case, ON)
    assert refused.value.left_office_on == LEFT_ON
    assert refused.value.person_id == MEMBER_ID


def test_a_ccd_colleague_who_has_left_office_no_longer_sees_the_case(
    after_resignation: Directory, case: Case,
) -> None:
    assert WARD_COLLEAGUE_ID in case.cc_member_ids
    assert not may(after_resignation, member(WARD_COLLEAGUE_ID), A.VIEW, case, ON)


def test_nobody_acts_for_a_councillor_who_has_left_office(
    after_resignation: Directory, case: Case,
) -> None:
    secretary = officer(SECRETARY_ID, on_behalf_of=MEMBER_ID)
    assert allowed(after_resignation, secretary, case) == set()
    with pytest.raises(NotPermitted) as refused:
        require(after_resignation, secretary, A.ESCALATE, case, ON)
    assert not isinstance(refused.value, AccessEnded)  # the secretary's own access is intact


def test_officers_and_member_support_still_work_a_departed_councillors_case(
    after_resignation: Directory, case: Case,
) -> None:
    assert allowed(after_resignation, officer(ROADS_OFFICER_ID), case) == {A.VIEW, *OFFICER_SIDE}
    assert A.HANDOVER in allowed(after_resignation, officer(MEMBER_SUPPORT_ID), case)


def test_access_ends_only_for_those_who_have_left(after_resignation: Directory) -> None:
    leaver = after_resignation.get(MEMBER_ID)
    assert access_ended_on(leaver, date(2026, 11, 29)) is None
    assert access_ended_on(leaver, LEFT_ON) == LEFT_ON
    assert access_ended_on(after_resignation.get(OTHER_MEMBER_ID), ON) is None
    assert access_ended_on(after_resignation.get(ROADS_OFFICER_ID), ON) is None
