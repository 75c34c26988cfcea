"""Which messages a change causes: outbox rows with recipients and dedupe keys, mapped purely
from the case and the events of one change."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from casestore import lifecycle
from casestore.model import Actor, ActorKind, Case, CaseState
from casestore.notifications import Notification, notifications_for
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
    return [(n.kind, n.recipient) for n in notes]


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
        "on_behalf_of_id": None, "service": "roads"}


def test_an_internal_note_tells_nobody(case_in: CaseIn) -> None:
    case = case_in(CaseState.ACKNOWLEDGED)
    lifecycle.note(case, OFFICER, NOW, "The member is being difficult")
    assert sent(case, OFFICER) == []


def test_an_officers_reply_is_relayed_to_the_member(case_in: CaseIn) -> None:
    case = case_in(CaseState.ACKNOWLEDGED)
    lifecycle.reply(case, OFFICER, NOW, "Repair booked for Friday")
    [relay] = sent(case, OFFICER)
    assert (relay.kind, relay.recipient) == ("officer-reply", f"person:{MEMBER_ID}")
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
