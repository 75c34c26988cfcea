"""Special category data added after intake, on both engines: information a councillor adds to
a case and their answer to the service's question get the same check, and the same choice, as
a new enquiry. (Files' names and messages: tests/bot/test_member_files.py.)"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from casestore.casework import Casework
from casestore.db.tables import case_events
from casestore.model import Actor, ActorKind
from dialogs.members.notices import MEMBER_NOTICES
from dialogs.notices import NoticeContext
from tests.bot.member_fixtures import (
    MONDAY,
    ROADS_OFFICER,
    SARAH,
    Card,
    Chat,
    Clock,
    actions_of,
    form_values,
    inputs_of,
    make_bot,
    texts,
)
from tests.store.helpers import member

OFFICER = Actor(ROADS_OFFICER, ActorKind.OFFICER)
HEALTH = "Mrs Patel is diabetic and can't manage the steps, so please fix the handrail."



@pytest.fixture
def chat(casework: Casework) -> Chat:
    bot, _ctx = make_bot(casework, Clock(MONDAY))
    return Chat(bot, casework.directory.get)


async def events(casework: Casework) -> int:
    async with casework.store.engine.begin() as conn:
        return int((await conn.execute(select(func.count()).select_from(case_events)))
                   .scalar_one())


async def case_detail(chat: Chat) -> tuple[str, Card]:
    form = await chat.say_one(SARAH, "new enquiry")
    reply = await chat.click(SARAH, form, "member.enquiry.submit", **form_values())
    assert reply.card is not None
    ref = str(next(a["data"]["reference"] for a in actions_of(reply.card)
                   if a["verb"] == "member.case.open"))
    return ref, await chat.say_one(SARAH, ref)


async def added_information(casework: Casework, ref: str) -> list[tuple[str, object]]:
    case = await casework.view(ref, actor=member(SARAH), now=MONDAY)
    return [(se.event.payload["text"], se.event.payload.get("special_category_confirmed"))
            for se in await casework.timeline(case) if se.event.kind == "information_added"]


async def test_information_that_looks_like_special_category_data_is_held_until_confirmed(
    chat: Chat, casework: Casework,
) -> None:
    ref, detail = await case_detail(chat)
    before = await events(casework)

    warned = (await chat.click(SARAH, detail, "member.case.add_information",
                               information=HEALTH)).card

    assert warned is not None
    shown = texts(warned)
    assert f"What you wrote for {ref} looks like it may include special category data: " \
        "health." in shown
    assert "Nothing has been sent yet." in shown
    assert inputs_of(warned)["information"]["value"] == HEALTH  # there to edit, as text
    assert await events(casework) == before
    again = (await chat.click(SARAH, warned, "member.case.add_information",  # "Send again"
                              information=HEALTH)).card
    assert again is not None and "special category data: health" in texts(again)
    assert await events(casework) == before
    sent = [a for a in actions_of(warned) if a["title"] == "Confirm and send"]
    data = {**sent[0]["data"], "information": HEALTH}
    done = (await chat.send_invoke(chat.invoke(SARAH, "member.case.add_information", data))).card
    assert done is not None and "Your information has been added" in texts(done)
    assert await added_information(casework, ref) == [(HEALTH, ["health"])]


async def test_information_edited_to_take_the_data_out_is_sent_without_confirming(
    chat: Chat, casework: Casework,
) -> None:
    ref, detail = await case_detail(chat)
    warned = (await chat.click(SARAH, detail, "member.case.add_information",
                               information=HEALTH)).card
    assert warned is not None
    edited = "Please fix the handrail by the steps."
    done = (await chat.click(SARAH, warned, "member.case.add_information",
                             information=edited)).card
    assert done is not None and "Your information has been added" in texts(done)
    assert await added_information(casework, ref) == [(edited, None)]


async def test_an_answer_to_the_services_question_gets_the_same_check(
    chat: Chat, casework: Casework,
) -> None:
    ref, _ = await case_detail(chat)
    await casework.acknowledge(ref, actor=OFFICER, now=MONDAY)
    outcome = await casework.ask_member(ref, actor=OFFICER, now=MONDAY,
                                        question="Does the resident have mobility needs?")
    async with casework.store.transaction() as uow:
        [row] = [m for m in await uow.outbox.all() if m.kind == "information-requested"]
    notice = MEMBER_NOTICES[row.kind](NoticeContext(
        case=outcome.case, kind=row.kind, payload=row.payload, recipient=row.recipient,
        config=casework.config, directory=casework.directory, policy=casework.policy,
        now=MONDAY))
    answer = "Yes, she uses a wheelchair since her stroke."
    before = await events(casework)

    warned = (await chat.click(SARAH, notice, "member.case.add_information",
                               information=answer)).card

    assert warned is not None and "special category data: health" in texts(warned)
    assert await events(casework) == before
    assert (await casework.view(ref, actor=member(SARAH), now=MONDAY)).is_paused
    confirm = next(a for a in actions_of(warned) if a["title"] == "Confirm and send")
    done = (await chat.send_invoke(chat.invoke(SARAH, "member.case.add_information", {
        **confirm["data"], "information": answer}))).card
    assert done is not None and "Your information has been added" in texts(done)
    assert await added_information(casework, ref) == [(answer, ["health"])]
    assert not (await casework.view(ref, actor=member(SARAH), now=MONDAY)).is_paused
