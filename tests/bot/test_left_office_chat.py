"""A councillor who has left office, in personal chat: whatever they type or click, they are told
politely when their access ended and whom to contact, and nothing is read, stored or sent.

In the demo council Cllr Graham Leece (Bramley Cross) left office on Friday 6 November 2026; the
chat happens on Monday 23 November, with the enquiry he raised on Monday 2 November still open.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.members.flows import MemberFlows
from casestore.casework import Casework
from casestore.db.tables import case_events, cases, conversation_refs, idempotency_keys, outbox
from dialogs.members.forms import CASE_ACTIONS
from tests.bot.member_fixtures import (
    MONDAY,
    Chat,
    Clock,
    form_values,
    make_bot,
    teams_activity,
    texts,
)
from tests.store.helpers import details, member

LEECE = "graham-leece"
ENDED = ("Your access to member enquiries ended on Friday 6 November, when you left office, so "
         "I can no longer show you enquiries or act on them. Your open enquiries are being "
         "handed over to a colleague; please contact the member support team (Kathryn "
         "Pinnington, Ruth Abernethy or Jamal Osei) about anything you need.")
NONCE = "6f1c2a52-5b0e-4a57-9a59-0e8c1d9b1f11"
REF = "ENQ-2026-000001"


@pytest.fixture
def backend() -> str:
    return "sqlite"  # the bot's gate; the use cases refuse him on both engines (tests/store)



@pytest.fixture
async def chat(casework: Casework) -> Chat:
    await casework.submit(details("bramley-cross"), member_id=LEECE, actor=member(LEECE),
                          now=MONDAY - timedelta(days=21))
    bot, _ctx = make_bot(casework, Clock(MONDAY))
    return Chat(bot, casework.directory.get)


async def written(casework: Casework) -> tuple[int, ...]:
    async with casework.store.engine.begin() as conn:
        return tuple([(await conn.execute(select(func.count()).select_from(t))).scalar_one()
                      for t in (cases, case_events, outbox, conversation_refs,
                                idempotency_keys)])


def card_data(verb: str) -> dict[str, Any]:
    """Data a genuine card of that verb would send (so only his leaving office refuses it)."""
    data: dict[str, Any] = {"nonce": NONCE, "reference": REF, **form_values(
        ward_id="bramley-cross", cc_member_ids="")}
    data.update(update_text="Any news?", information="Deeper now", close_reason="Done",
                reopen_reason="Not fixed", rating="1", extend_days="5",
                escalation_reason="No answer", draft_id="1", page="0", token="a" * 16)
    return data


def member_verbs(casework: Casework) -> list[str]:
    bot, _ = make_bot(casework, Clock(MONDAY))
    flows = bot.members
    assert isinstance(flows, MemberFlows)
    return sorted(flows._verbs)


def test_every_case_action_is_among_the_verbs_tried(casework: Casework) -> None:
    assert set(CASE_ACTIONS) <= set(member_verbs(casework))


@pytest.mark.parametrize("said", ["new enquiry", "my cases", "drafts", "help", REF,
                                  "find pothole", "hello"])
async def test_whatever_he_types_he_is_told_his_access_has_ended(
    chat: Chat, casework: Casework, said: str,
) -> None:
    before = await written(casework)
    card = await chat.say_one(LEECE, said)
    assert texts(card) == ENDED
    assert await written(casework) == before


async def test_whatever_button_he_presses_he_is_told_the_same(
    chat: Chat, casework: Casework,
) -> None:
    before = await written(casework)
    for verb in member_verbs(casework):
        reply = await chat.execute(LEECE, verb, **card_data(verb))
        assert (reply.status, reply.card and texts(reply.card)) == (200, ENDED), verb
        assert reply.posted == [], verb
    assert await written(casework) == before


async def test_a_legacy_card_submit_and_the_install_welcome_get_it_too(
    chat: Chat, casework: Casework,
) -> None:
    before = await written(casework)
    leece = casework.directory.get(LEECE)
    submit = await chat.send(teams_activity(leece, value={
        "verb": "member.enquiry.submit", **card_data("member.enquiry.submit")}))
    install = await chat.send(teams_activity(leece, type="installationUpdate", action="add"))
    for sent in (submit, install):
        [reply] = sent
        assert texts(reply.attachments[0].content) == ENDED
    assert await written(casework) == before


async def test_a_serving_ward_colleague_is_not_affected(chat: Chat) -> None:
    card = await chat.say_one("david-ashworth", "my cases")
    assert card["body"][0]["text"] == "My cases"
