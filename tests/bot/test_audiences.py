"""Each audience's buttons work for that audience only (found by the fuzz tests): a councillor who
sends an officer's card action about their own enquiry is told the buttons are for officers; they
neither see the officers' case card (with the questions officers put to each other) nor change
the enquiry through it.
"""

from __future__ import annotations

import pytest

from bot.members.flows import MemberFlows
from bot.officers.flows import OFFICERS_ONLY, OfficerFlows
from bot.teams import BotContext, MemberEnquiriesBot
from casestore.casework import Casework
from tests.bot.member_fixtures import MONDAY, SARAH, Chat, Clock, texts
from tests.store.helpers import details, member
from tests.support.snapshot import counts

NONCE = "0f6b1b2e-4a9e-4c3b-9b9a-0c1d2e3f4a5b"


@pytest.fixture
def backend() -> str:
    return "sqlite"



@pytest.fixture
def chat(casework: Casework) -> Chat:
    ctx = BotContext(casework=casework, config=casework.config, directory=casework.directory,
                     clock=Clock(MONDAY))
    bot = MemberEnquiriesBot(ctx, members=MemberFlows(ctx), officers=OfficerFlows(ctx))
    return Chat(bot, casework.directory.get)


@pytest.mark.parametrize(("verb", "data"), [
    ("officer.open", {}),
    ("officer.close", {"close_reason": "Done"}),
    ("officer.reopen", {"reopen_reason": "Not fixed"}),
    ("officer.final_response", {"final_text": "Fixed", "final_close": "true"}),
    ("officer.ask_officer", {"question_to": "service:parking", "question_text": "Yours?"}),
])
async def test_a_councillor_with_an_officers_button_is_refused_and_nothing_changes(
    chat: Chat, casework: Casework, verb: str, data: dict[str, str],
) -> None:
    outcome = await casework.submit(details("ashcroft"), member_id=SARAH, actor=member(SARAH),
                                    now=MONDAY)
    ref = outcome.case.reference or ""
    await chat.say(SARAH, "help")  # her chat is known: the action itself should store nothing
    before = await counts(casework.store)

    reply = await chat.execute(SARAH, verb, reference=ref, nonce=NONCE, **data)

    assert reply.status == 200 and reply.card is not None
    assert texts(reply.card) == OFFICERS_ONLY
    assert await counts(casework.store) == before
