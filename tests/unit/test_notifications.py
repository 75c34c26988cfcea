"""Which messages a change causes: outbox rows with recipients and dedupe keys, mapped purely
from the case and the events of one change."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from casestore import lifecycle
from casestore.model import Actor, ActorKind, Case, CaseState
from casestore.notifications import Notification, notifications_for
from casestore.questions import questions
from casestore.sla import SlaPolicy
from tests.unit.conftest import (
    MEMBER,
    MEMBER_ID,
    OFFICER,
    SECRETARY_ID,
    SUBMITTED_AT,
    SUPPORT,
    WARD_COLLEAGUE_ID,
    CaseIn,
    at,
)

NOW = at(2026, 12, 8, 10)


def sent(case: Case, actor: Actor, discriminator: str = "v2") -> list[Notification]:
    return notifications_for(case, case.new_events, actor_kind=actor.kind,
                             discriminator=discriminator)


def addressed(notes: list[Notification]) -> list[tuple[str, str]]:
    return [(n.kind, str(n.recipient)) for n in notes]


def test_a_submitted_case_opens_a_thread_in_the_lead_service_and_tells_each_ccd_colleague(
    make_case: Callable[..., Case], policy: SlaPolicy,
) -> None:
    case = make_case(cc_member_ids=[WARD_COLLEAGUE_ID, "frank-gilmore"])
    lifecycle.submit(case, MEMBER, SUBMITTED_AT, policy, "ENQ-2026-000123")
    assert addressed(sent(case, MEMBER, "v1")) == [
        ("case-opened", "thread:roads"),
        ("cc-notice", f"person:{WARD_COLLEAGUE_ID}"),
        ("cc-notice", "person:frank-gilmore"),
    ]


def test_a_case_an_officer_logged_for_a_member_tells_the_member(
    make_case: Callable[..., Case], policy: SlaPolicy,
) -> None:
    case = make_case(raised_by_id=OFFICER.person_id)
    lifecycle.submit(case, OFFICER, SUBMITTED_AT, policy, "ENQ-2026-000123")
    assert addressed(sent(case, OFFICER, "v1")) == [
        ("case-opened", "thread:roads"),
        ("logged-for-member", f"person:{MEMBER_ID}"),
    ]


def test_a_notifications_payload_carries_the_reference_the_actor_and_the_event(
    make_case: Callable[..., Case], policy: SlaPolicy,
) -> None:
    case = make_case()
    lifecycle.submit(case, MEMBER, SUBMITTED_AT, policy, "ENQ-2026-000123")
    [opened] = sent(case, MEMBER, "v1")
    assert opened.payload == {
        "reference": "ENQ-2026-000123", "event": "submitted", "actor_id": MEMBER_ID,
        "on_behalf_of_id": None, "service": "roads", "member": MEMBER_ID,
        "enquiry_type": "report_it", "cc": []}


def test_an_internal_note_tells_nobody(case_in: CaseIn) -> None:
    case = case_in(CaseState.ACKNOWLEDGED)
    lifecycle.note(case, OFFICER, NOW, "The member is being difficult")
    assert sent(case, OFFICER) == []


def test_an_officers_reply_is_relayed_to_the_member(case_in: CaseIn) -> None:
    case = case_in(CaseState.ACKNOWLEDGED)
    lifecycle.reply(case, OFFICER, NOW, "Repair booked for Friday")
    [relay] = sent(case, OFFICER)
    assert (relay.kind, str(relay.recipient)) == ("officer-reply", f"person:{MEMBER_ID}")
    assert relay.payload["text"] == "Repair booked for Friday"


def test_an_escalation_goes_to_the_escalation_owner_of_the_lead_service_and_its_thread(
    case_in: CaseIn, policy: SlaPolicy,
) -> None:
    case = case_in(CaseState.ACKNOWLEDGED)
    lifecycle.escalate(case, MEMBER, NOW, policy, "No reply in ten days")
    assert addressed(sent(case, MEMBER)) == [
        ("escalation", "escalation:roads"), ("member-activity", "thread:roads")]


def test_a_redirect_opens_a_thread_in_the_new_service_and_tells_the_old_one_and_the_member(
    case_in: CaseIn, policy: SlaPolicy,
) -> None:
    case = case_in(CaseState.ACKNOWLEDGED)
    lifecycle.redirect(case, OFFICER, NOW, policy, "planning", "A planning matter")
    assert addressed(sent(case, OFFICER)) == [
        ("case-opened", "thread:planning"),
        ("case-redirected", "thread:roads"),
        ("redirected", f"person:{MEMBER_ID}"),
    ]


def test_information_from_the_member_goes_to_the_thread(
    case_in: CaseIn, policy: SlaPolicy,
) -> None:
    case = case_in(CaseState.ACKNOWLEDGED)
    lifecycle.add_information(case, MEMBER, NOW, policy, "Photo attached")
    assert addressed(sent(case, MEMBER)) == [("member-activity", "thread:roads")]


def test_a_request_for_an_update_by_a_cabinet_secretary_reaches_the_thread(
    case_in: CaseIn,
) -> None:
    secretary = Actor(SECRETARY_ID, ActorKind.OFFICER, on_behalf_of=MEMBER_ID)
    case = case_in(CaseState.ACKNOWLEDGED)
    lifecycle.request_update(case, secretary, NOW, "The Cabinet Member asks for news")
    assert addressed(sent(case, secretary)) == [("member-activity", "thread:roads")]


def test_a_close_by_the_member_tells_the_thread_and_by_an_officer_tells_the_member(
    case_in: CaseIn,
) -> None:
    by_member = case_in(CaseState.ACKNOWLEDGED)
    lifecycle.close(by_member, MEMBER, NOW)
    assert addressed(sent(by_member, MEMBER)) == [("member-activity", "thread:roads")]
    by_officer = case_in(CaseState.ACKNOWLEDGED)
    lifecycle.close(by_officer, OFFICER, NOW)
    assert addressed(sent(by_officer, OFFICER)) == [("closed", f"person:{MEMBER_ID}")]


def test_a_handover_tells_the_new_holder(case_in: CaseIn) -> None:
    case = case_in(CaseState.ACKNOWLEDGED)
    lifecycle.hand_over(case, SUPPORT, NOW, WARD_COLLEAGUE_ID, "Left office")
    assert addressed(sent(case, SUPPORT)) == [("handed-over", f"person:{WARD_COLLEAGUE_ID}")]


# -- exactly once ---------------------------------------------------------------------------------


def test_the_same_change_mapped_twice_gives_the_same_dedupe_keys(
    make_case: Callable[..., Case], policy: SlaPolicy,
) -> None:
    case = make_case(cc_member_ids=[WARD_COLLEAGUE_ID], raised_by_id=OFFICER.person_id)
    lifecycle.submit(case, OFFICER, SUBMITTED_AT, policy, "ENQ-2026-000123")
    first = sent(case, OFFICER, "v1")
    again = sent(case, OFFICER, "v1")
    assert [n.dedupe_key for n in first] == [n.dedupe_key for n in again]
    assert first == again


def test_the_keys_of_one_change_are_distinct(
    make_case: Callable[..., Case], policy: SlaPolicy,
) -> None:
    case = make_case(cc_member_ids=[WARD_COLLEAGUE_ID, "frank-gilmore"],
                     raised_by_id=OFFICER.person_id)
    lifecycle.submit(case, OFFICER, SUBMITTED_AT, policy, "ENQ-2026-000123")
    keys = [n.dedupe_key for n in sent(case, OFFICER, "v1")]
    assert len(keys) == len(set(keys)) == 4


def test_two_different_changes_give_different_keys(case_in: CaseIn) -> None:
    case = case_in(CaseState.ACKNOWLEDGED)
    lifecycle.reply(case, OFFICER, NOW, "First")
    first = sent(case, OFFICER, "v3")
    case.new_events.clear()
    lifecycle.reply(case, OFFICER, at(2026, 12, 9), "Second")
    second = sent(case, OFFICER, "v4")
    assert addressed(first) == addressed(second)
    assert first[0].dedupe_key != second[0].dedupe_key
    assert first[0].dedupe_key.startswith("ENQ-2026-000123:")


@pytest.mark.parametrize(
    "actor", [MEMBER, Actor(SECRETARY_ID, ActorKind.OFFICER, on_behalf_of=MEMBER_ID)],
    ids=["the-member", "their-cabinet-secretary"],
)
def test_a_rating_or_an_auto_close_extension_tells_the_thread(
    actor: Actor, case_in: CaseIn, policy: SlaPolicy,
) -> None:
    case = case_in(CaseState.ACKNOWLEDGED)
    lifecycle.final_response(case, OFFICER, NOW, policy, "Repaired")
    case.new_events.clear()
    lifecycle.extend_auto_close(case, actor, NOW, policy, 5)
    assert addressed(sent(case, actor, "v5")) == [("member-activity", "thread:roads")]
    case.new_events.clear()
    lifecycle.rate(case, actor, NOW, 5, "Quick and helpful")
    assert addressed(sent(case, actor, "v6")) == [("member-activity", "thread:roads")]


def test_an_officers_acknowledgement_tells_the_member(case_in: CaseIn) -> None:
    case = case_in(CaseState.OPEN)
    lifecycle.acknowledge(case, OFFICER, NOW)
    assert addressed(sent(case, OFFICER)) == [("acknowledged", f"person:{MEMBER_ID}")]


# -- questions between officers -------------------------------------------------------------------

Q1, Q2 = "a" * 32, "b" * 32


def _asked(case: Case, qid: str = Q1, *, asked_in: str | None = "roads",
           **to: Any) -> list[Notification]:
    values: dict[str, Any] = {"to_officer_id": None, "to_service_id": None, **to}
    lifecycle.ask_officer(case, OFFICER, NOW, question_id=qid, question="Is it on your list?",
                          questions=questions(case.new_events), asked_in=asked_in, **values)
    return sent(case, OFFICER)


def test_a_question_to_an_officer_goes_to_their_chat_with_the_question(case_in: CaseIn) -> None:
    case = case_in(CaseState.ACKNOWLEDGED)
    [note] = _asked(case, to_officer_id="colin-hesketh")
    assert (note.kind, str(note.recipient)) == ("officer-question", "person:colin-hesketh")
    assert note.payload["question_id"] == Q1
    assert note.payload["question"] == "Is it on your list?"
    assert note.payload["actor_id"] == OFFICER.person_id


def test_a_question_to_a_service_on_the_case_goes_to_its_thread(case_in: CaseIn) -> None:
    case = case_in(CaseState.ACKNOWLEDGED)
    lifecycle.add_service(case, OFFICER, NOW, "parking")
    case.new_events.clear()
    assert addressed(_asked(case, to_service_id="parking")) == [
        ("officer-question", "thread:parking")]


def test_a_question_to_a_service_not_on_the_case_goes_to_the_people_recorded(
    case_in: CaseIn,
) -> None:
    case = case_in(CaseState.ACKNOWLEDGED)
    notes = _asked(case, to_service_id="parking", notify=["joanne-kirby", "mark-rawlinson"])
    assert addressed(notes) == [("officer-question", "person:joanne-kirby"),
                                ("officer-question", "person:mark-rawlinson")]
    assert len({n.dedupe_key for n in notes}) == 2


def test_an_answer_goes_to_the_thread_it_was_asked_from_else_the_lead_thread(
    case_in: CaseIn,
) -> None:
    case = case_in(CaseState.ACKNOWLEDGED)
    lifecycle.add_service(case, OFFICER, NOW, "parking")
    _asked(case, Q1, asked_in="parking", to_officer_id="colin-hesketh")
    _asked(case, Q2, asked_in=None, to_officer_id="colin-hesketh")
    known = questions(case.new_events)
    colin = Actor("colin-hesketh", ActorKind.OFFICER)
    for qid, thread in [(Q1, "thread:parking"), (Q2, "thread:roads")]:
        case.new_events.clear()
        lifecycle.answer_question(case, colin, NOW, question_id=qid, answer="Yes",
                                  questions=known)
        [note] = sent(case, colin)
        assert (note.kind, str(note.recipient)) == ("question-answered", thread)
        assert note.payload["answer"] == "Yes" and note.payload["asked_by"] == OFFICER.person_id


def test_a_withdrawal_tells_whoever_was_asked(case_in: CaseIn) -> None:
    case = case_in(CaseState.ACKNOWLEDGED)
    _asked(case, Q1, to_officer_id="colin-hesketh")
    _asked(case, Q2, to_service_id="parking", notify=["joanne-kirby"])
    known = questions(case.new_events)
    case.new_events.clear()
    lifecycle.withdraw_question(case, OFFICER, NOW, question_id=Q1, reason="Duplicate",
                                questions=known)
    lifecycle.withdraw_question(case, OFFICER, NOW, question_id=Q2, reason="Duplicate",
                                questions=known)
    assert addressed(sent(case, OFFICER)) == [
        ("question-withdrawn", "person:colin-hesketh"),
        ("question-withdrawn", "person:joanne-kirby"),
    ]


def test_no_question_message_ever_goes_to_the_member(case_in: CaseIn) -> None:
    """Even with a member's id slipped into the people to tell."""
    case = case_in(CaseState.ACKNOWLEDGED)
    _asked(case, Q1, to_service_id="parking", notify=[MEMBER_ID, "joanne-kirby"])
    _asked(case, Q2, to_officer_id="colin-hesketh")
    known = questions(case.new_events)
    lifecycle.answer_question(case, Actor("colin-hesketh", ActorKind.OFFICER), NOW,
                              question_id=Q2, answer="Yes", questions=known)
    lifecycle.withdraw_question(case, OFFICER, NOW, question_id=Q1, reason="Dup",
                                questions=known)
    assert [str(n.recipient) for n in sent(case, OFFICER)] == [
        "person:joanne-kirby", "person:colin-hesketh", "thread:roads", "person:joanne-kirby"]
