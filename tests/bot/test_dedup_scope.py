"""De-duplication knows who and where (issue 11, holes 4, 5 and 7), on SQLite and PostgreSQL.

Teams ids are unique only where they were made: an activity id in its conversation, a card nonce
among the cards one person was shown. Two people, or two threads, may share one; what one person
did never answers for another; and two deliveries of one message, even at the same moment, give
one answer.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from microsoft_agents.activity import Activity

from casestore.casework import Casework
from casestore.errors import NotPermitted
from casestore.keys import actor_key, nonce_key
from casestore.model import CaseState
from tests.bot.member_fixtures import (
    DAVID,
    MONDAY,
    PETER,
    SARAH,
    Chat,
    Clock,
    actions_of,
    cards_in,
    form_values,
    make_bot,
    teams_activity,
    texts,
)
from tests.bot.test_officer_flows import LEANNE, Teams
from tests.store.helpers import details, member


@pytest.fixture
def chat(casework: Casework) -> Chat:
    bot, _ctx = make_bot(casework, Clock(MONDAY))
    return Chat(bot, casework.directory.get)


@pytest.fixture
def teams(casework: Casework) -> Teams:
    return Teams(casework.store, casework.config, Clock(MONDAY))  # type: ignore[arg-type]


def reference_on(card: dict[str, Any]) -> str:
    return str(next(a["data"]["reference"] for a in actions_of(card)
                    if a["verb"] == "member.case.open"))


async def all_cases(casework: Casework) -> list[tuple[str | None, str]]:
    async with casework.store.read() as uow:
        from casestore.records import CaseFilter
        found = await uow.cases.list_cases(CaseFilter(), limit=100)
    return sorted((c.reference, c.member_id) for c in found)


# -- hole 4: activity keys are scoped by conversation -------------------------------------------

async def test_two_members_whose_messages_share_an_id_both_get_an_answer(
    chat: Chat, casework: Casework,
) -> None:
    shared_id = "1700000000042"
    sarah = await chat.say(SARAH, "cases", id=shared_id)
    peter = await chat.say(PETER, "cases", id=shared_id)

    assert len(sarah) == 1 and len(peter) == 1
    assert "Cllr Peter Halloran" in texts(peter[0]) or "enquiries" in texts(peter[0]).lower()


async def test_a_message_delivered_twice_in_one_chat_is_answered_once(chat: Chat) -> None:
    first = await chat.say(SARAH, "cases", id="1700000000043")
    again = await chat.say(SARAH, "cases", id="1700000000043")
    assert len(first) == 1 and again == []


async def test_an_officer_reply_with_one_message_id_in_two_case_threads_reaches_both(
    teams: Teams,
) -> None:
    first, second = await teams.new_case(), await teams.new_case()
    thread_one, thread_two = await teams.open_thread(first), await teams.open_thread(second)

    await teams.post(LEANNE, thread_one, "The crew is booked for Tuesday.", msg_id="1700000000077")
    answer = await teams.post(LEANNE, thread_two, "We will inspect it on Friday.",
                              msg_id="1700000000077")

    assert [a.text for a in answer] == ["Sent to Cllr Sarah Okafor."]
    for case, text in ((first, "The crew is booked for Tuesday."),
                       (second, "We will inspect it on Friday.")):
        [replied] = await teams.events(case, "replied")
        assert replied.payload["text"] == text
        assert ("officer-reply", "person:sarah-okafor") in await teams.outbox(case)


# -- hole 5: a card nonce is scoped by the person acting ----------------------------------------

async def test_a_nonce_replayed_by_another_member_raises_their_own_enquiry(
    chat: Chat, casework: Casework,
) -> None:
    form = await chat.say_one(SARAH, "new enquiry")
    submit = next(a for a in actions_of(form) if a["verb"] == "member.enquiry.submit")
    sarahs = await chat.execute(SARAH, "member.enquiry.submit", **submit["data"],
                                **form_values(location="14 Mill Lane, MV3 2AB"))
    assert sarahs.card is not None
    sarah_ref = reference_on(sarahs.card)

    davids = await chat.execute(DAVID, "member.enquiry.submit", **submit["data"], **form_values(
        ward_id="bramley-cross", location="2 Canal Street", description="Fly-tipping by the lock",
        search_term="Canal Street fly-tipping"))

    assert davids.card is not None
    shown = texts(davids.card)
    assert sarah_ref not in shown and "Mill Lane" not in shown
    david_ref = reference_on(davids.card)
    assert david_ref != sarah_ref
    assert await all_cases(casework) == sorted([(sarah_ref, SARAH), (david_ref, DAVID)])


async def test_a_replayed_key_never_shows_a_case_to_someone_who_may_not_see_it(
    casework: Casework,
) -> None:
    """Defence in depth: even a stored answer pointing at someone else's case (a key written
    before keys were scoped, say) is not shown: the replay path checks permission too."""
    sarahs = await casework.submit(details("ashcroft"), member_id=SARAH, actor=member(SARAH),
                                   now=MONDAY, idempotency_key=nonce_key("n-1"))
    async with casework.store.transaction() as uow:
        key = actor_key(DAVID, nonce_key("n-2"))
        await uow.idempotency.claim(key, MONDAY)
        await uow.idempotency.set_result(key, {"reference": sarahs.case.reference})

    with pytest.raises(NotPermitted):
        await casework.submit(details("bramley-cross"), member_id=DAVID, actor=member(DAVID),
                              now=MONDAY, idempotency_key=nonce_key("n-2"))
    with pytest.raises(NotPermitted):
        await casework.close(sarahs.case.reference or "", actor=member(DAVID), now=MONDAY,
                             idempotency_key=nonce_key("n-2"))
    assert (await all_cases(casework)) == [(sarahs.case.reference, SARAH)]


async def test_the_same_member_replaying_their_own_nonce_changes_nothing_more(
    casework: Casework,
) -> None:
    first = await casework.submit(details("ashcroft"), member_id=SARAH, actor=member(SARAH),
                                  now=MONDAY, idempotency_key=nonce_key("n-3"))
    again = await casework.submit(details("ashcroft"), member_id=SARAH, actor=member(SARAH),
                                  now=MONDAY, idempotency_key=nonce_key("n-3"))
    assert again.duplicate and again.case.reference == first.case.reference
    assert again.case.state is CaseState.OPEN


# -- hole 7: two deliveries of one message at the same moment give one answer -------------------

def message_submit(casework: Casework, nonce: str, activity_id: str) -> Activity:
    """A legacy Action.Submit: a message whose value carries the verb and the form."""
    value = {"verb": "member.enquiry.submit", "nonce": nonce, **form_values()}
    return teams_activity(casework.directory.get(SARAH), id=activity_id, value=value)


async def test_two_concurrent_deliveries_of_a_message_submit_send_one_acknowledgement(
    chat: Chat, casework: Casework,
) -> None:
    activity = message_submit(casework, str(uuid.uuid4()), "1700000000099")
    await asyncio.gather(*(chat.adapter.receive_activity(activity.model_copy(deep=True))
                           for _ in range(2)))
    sent = chat._drain()

    acknowledgements = [c for c in cards_in(sent) if "ENQ-" in texts(c)]
    assert len(acknowledgements) == 1
    assert len(await all_cases(casework)) == 1


async def test_five_concurrent_deliveries_of_a_message_submit_send_one_acknowledgement(
    chat: Chat, casework: Casework,
) -> None:
    activity = message_submit(casework, str(uuid.uuid4()), "1700000000098")
    await asyncio.gather(*(chat.adapter.receive_activity(activity.model_copy(deep=True))
                           for _ in range(5)))
    assert len([c for c in cards_in(chat._drain()) if "ENQ-" in texts(c)]) == 1
    assert len(await all_cases(casework)) == 1


async def test_a_message_whose_turn_failed_is_handled_when_teams_delivers_it_again(
    chat: Chat, casework: Casework, monkeypatch: pytest.MonkeyPatch,
) -> None:
    activity = message_submit(casework, str(uuid.uuid4()), "1700000000097")
    flows = chat.bot.members
    real = flows.on_action

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("the database went away")

    monkeypatch.setattr(flows, "on_action", broken)
    with pytest.raises(ConnectionError):  # the turn fails (the adapter apologises)
        await chat.send(activity.model_copy(deep=True))
    chat._drain()
    monkeypatch.setattr(flows, "on_action", real)
    again = await chat.send(activity.model_copy(deep=True))

    assert len([c for c in cards_in(again) if "ENQ-" in texts(c)]) == 1
    assert len(await all_cases(casework)) == 1
