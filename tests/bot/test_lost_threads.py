"""A case thread posted twice after a crash still leads to its case (issue 11, hole 3).

The delivery job posts a case's thread through a local Bot Connector and is "killed" after Teams
has the post but before the store records it; the retry posts the card again. An officer then
replies in the first post's thread: with Graph the bot reads the root card and places the reply;
without it, the officer is told politely that the message could not be placed, and a reply that
starts with the reference links the thread. Officers' own threads stay their own. SQLite and
PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from bot.connector import PooledClientFactory
from bot.delivery import OutboxDelivery
from bot.http import HardenedCloudAdapter
from bot.settings import BotSettings
from casestore.casework import Casework
from casestore.graph.client import GraphError
from casestore.graph.threads import case_card_root
from casestore.records import CaseCardRoot, thread_conversation_id
from tests.bot.member_fixtures import Clock
from tests.bot.test_officer_flows import (
    COLIN,
    LEANNE,
    SARAH,
    Teams,
    account,
    next_id,
    texts_in,
)
from tests.store.helpers import MONDAY, details, member
from tests.support.connector import CapturedRequest, FakeConnector

BOT_APP = "00000000-0000-4000-8000-00000000b07a"


class Killed(BaseException):
    """The process died here (nothing catches it, as nothing runs after a SIGKILL)."""




@pytest.fixture
async def teams(casework: Casework) -> Teams:
    return Teams(casework.store, casework.config, Clock(MONDAY))  # type: ignore[arg-type]


@pytest.fixture
async def factory() -> AsyncIterator[PooledClientFactory]:
    made = PooledClientFactory(None)
    yield made
    await made.close()


def delivery(teams: Teams, factory: PooledClientFactory) -> OutboxDelivery:
    adapter = HardenedCloudAdapter(BotSettings(), client_factory=factory)
    return OutboxDelivery(teams.ctx, adapter, app_id=BOT_APP)


class ConnectorRoots:
    """Graph's view of the root posts: what the bot posted to the channel (via the connector),
    as Graph returns a channel message. `failing` makes every read fail."""

    def __init__(self, connector: FakeConnector) -> None:
        self.connector = connector
        self.failing = False
        self.reads: list[str] = []

    def message(self, root_id: str) -> dict[str, Any] | None:
        for request in self.posts():
            if created_root(request) == root_id:
                card = request.body["activity"]["attachments"][0]["content"]
                return {"id": root_id, "from": {"application": {"id": BOT_APP}}, "attachments": [
                    {"contentType": "application/vnd.microsoft.card.adaptive",
                     "content": json.dumps(card)}]}
        return None

    def posts(self) -> list[CapturedRequest]:
        return [r for r in self.connector.requests if r.kind == "create_conversation"]

    async def case_card_of(self, team_id: str, channel_id: str,
                           root_message_id: str) -> CaseCardRoot | None:
        self.reads.append(root_message_id)
        if self.failing:
            raise GraphError(503, "/teams/…/messages/…", "ServiceUnavailable")
        item = self.message(root_message_id)
        if item is None:  # an officer's own post
            return case_card_root({"from": {"user": {"id": "someone"}}}, BOT_APP)
        return case_card_root(item, BOT_APP)


async def remember_service_url(teams: Teams, connector: FakeConnector) -> None:
    async with teams.store.transaction() as uow:
        await uow.refs.put("service-url", {"serviceUrl": connector.service_url}, MONDAY)


async def a_case_posted_twice(teams: Teams, connector: FakeConnector,
                              factory: PooledClientFactory) -> tuple[str, str, str]:
    """(reference, the lost first root, the recorded second root)."""
    await remember_service_url(teams, connector)
    outcome = await teams.casework.submit(details("ashcroft"), member_id=SARAH,
                                          actor=member(SARAH), now=MONDAY)
    dying = delivery(teams, factory)
    real_create = dying._create

    async def post_then_die(*args: Any, **kwargs: Any) -> tuple[str, str]:
        await real_create(*args, **kwargs)
        raise Killed  # Teams has the post; the store never hears of it

    dying._create = post_then_die  # type: ignore[method-assign]
    with pytest.raises(Killed):
        await dying.deliver_due(MONDAY)
    await delivery(teams, factory).deliver_due(MONDAY + timedelta(seconds=16))
    posts = [r for r in connector.requests if r.kind == "create_conversation"]
    assert len(posts) == 2, "the retry posts the case card again"
    first, second = (created_root(p) for p in posts)
    return outcome.case.reference or "", first, second


def created_root(post: CapturedRequest) -> str:
    """The root id the connector gave a new channel post."""
    return str(post.answer["activityId"])


async def reply_in(teams: Teams, person: str, root: str, text: str,
                   mention: bool = False) -> list[str]:
    channel = teams.config.service("roads").channel_id
    activity = teams.channel_activity(account(teams.person(person)), channel, root, text,
                                      msg_id=next_id(), mention=mention)
    return texts_in(await teams.send(activity))


async def replies_on(teams: Teams, reference: str) -> list[str]:
    case = await teams.case(reference)
    return [str(e.payload["text"]) for e in await teams.events(case, "replied", "noted")]


# -- the root card says which case it is --------------------------------------------------------

async def test_the_root_card_carries_the_reference_and_service_in_its_button_data(
    teams: Teams, connector: FakeConnector, factory: PooledClientFactory,
) -> None:
    reference, _, _ = await a_case_posted_twice(teams, connector, factory)
    post = next(r for r in connector.requests if r.kind == "create_conversation")
    card = post.body["activity"]["attachments"][0]["content"]
    datas = [a["data"] for a in _actions(card)]
    assert datas and all(d["reference"] == reference and d["svc"] == "roads" for d in datas)


def _actions(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        own = [node] if str(node.get("type", "")).startswith("Action.") and "data" in node else []
        return own + [a for v in node.values() for a in _actions(v)]
    if isinstance(node, list):
        return [a for v in node for a in _actions(v)]
    return []


# -- with Graph: the reply is placed by its root card -------------------------------------------

async def test_a_reply_in_the_unrecorded_first_thread_reaches_the_case_through_graph(
    teams: Teams, connector: FakeConnector, factory: PooledClientFactory,
) -> None:
    reference, lost, recorded = await a_case_posted_twice(teams, connector, factory)
    teams.ctx.thread_roots = ConnectorRoots(connector)

    answer = await reply_in(teams, LEANNE, lost, "We will fill it on Thursday.")
    again = await reply_in(teams, LEANNE, lost, "internal: crew booked")
    other = await reply_in(teams, LEANNE, recorded, "Materials ordered.")

    assert answer == ["Sent to Cllr Sarah Okafor."]
    assert again == ["Internal note saved \u2014 not sent to the member."]
    assert other == ["Sent to Cllr Sarah Okafor."]
    assert await replies_on(teams, reference) == [
        "We will fill it on Thursday.", "crew booked", "Materials ordered."]
    case = await teams.case(reference)
    assert ("officer-reply", f"person:{SARAH}") in await teams.outbox(case)


async def test_with_graph_an_officers_own_thread_is_left_alone(
    teams: Teams, connector: FakeConnector, factory: PooledClientFactory,
) -> None:
    reference, _, _ = await a_case_posted_twice(teams, connector, factory)
    roots = ConnectorRoots(connector)
    teams.ctx.thread_roots = roots

    assert await reply_in(teams, LEANNE, "1700000000555", "Anyone seen the van keys?") == []
    assert await reply_in(teams, LEANNE, "1700000000555", "Found them.") == []
    assert roots.reads == ["1700000000555"]  # asked once, then remembered
    assert await replies_on(teams, reference) == []


async def test_when_graph_cannot_answer_the_officer_is_told_and_nothing_is_sent(
    teams: Teams, connector: FakeConnector, factory: PooledClientFactory,
) -> None:
    reference, lost, _ = await a_case_posted_twice(teams, connector, factory)
    roots = ConnectorRoots(connector)
    roots.failing = True
    teams.ctx.thread_roots = roots

    [answer] = await reply_in(teams, LEANNE, lost, "We will fill it on Thursday.")
    assert answer.startswith("Sorry Leanne Moorcroft, I can't tell which enquiry this thread "
                             "belongs to")
    assert reference in answer
    assert await replies_on(teams, reference) == []


# -- without Graph: the officer is told, and can link the thread by its reference ---------------

async def test_without_graph_a_reply_there_is_answered_politely_and_linked_by_its_reference(
    teams: Teams, connector: FakeConnector, factory: PooledClientFactory,
) -> None:
    reference, lost, _ = await a_case_posted_twice(teams, connector, factory)

    [answer] = await reply_in(teams, LEANNE, lost, "We will fill it on Thursday.")
    assert "I can't tell which enquiry this thread belongs to" in answer
    assert "has not been recorded or sent to anyone" in answer
    assert await replies_on(teams, reference) == []

    linked = await reply_in(teams, LEANNE, lost, f"{reference}: We will fill it on Thursday.")
    after = await reply_in(teams, LEANNE, lost, "Done, and the verge is tidied.")

    assert linked == ["Sent to Cllr Sarah Okafor."] and after == linked
    assert await replies_on(teams, reference) == [
        "We will fill it on Thursday.", "Done, and the verge is tidied."]


async def test_an_officer_who_may_not_work_on_the_case_cannot_link_the_thread(
    teams: Teams, connector: FakeConnector, factory: PooledClientFactory,
) -> None:
    reference, lost, _ = await a_case_posted_twice(teams, connector, factory)

    [answer] = await reply_in(teams, COLIN, lost, f"{reference}: not mine, but hello")
    assert "I can't tell which enquiry this thread belongs to" in answer
    assert "sorry leanne" not in answer.lower()
    [still] = await reply_in(teams, LEANNE, lost, "Is this the pothole one?")
    assert "I can't tell which enquiry" in still
    assert await replies_on(teams, reference) == []


async def test_with_every_post_recorded_an_officers_own_thread_gets_no_answer(
    teams: Teams, connector: FakeConnector, factory: PooledClientFactory,
) -> None:
    await remember_service_url(teams, connector)
    outcome = await teams.casework.submit(details("ashcroft"), member_id=SARAH,
                                          actor=member(SARAH), now=MONDAY)
    await delivery(teams, factory).deliver_due(MONDAY)
    assert len([r for r in connector.requests if r.kind == "create_conversation"]) == 1

    assert await reply_in(teams, LEANNE, "1700000000666", "Anyone seen the van keys?") == []
    assert await replies_on(teams, outcome.case.reference or "") == []
    channel = teams.config.service("roads").channel_id
    async with teams.store.read() as uow:
        assert await uow.threads.unconfirmed_posts(channel) == []
    [post] = [r for r in connector.requests if r.kind == "create_conversation"]
    async with teams.store.read() as uow:
        thread = await uow.threads.by_root(channel, created_root(post))
    assert thread is not None
    assert thread.conversation_id == thread_conversation_id(channel, created_root(post))
