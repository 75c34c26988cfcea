"""Reading a thread's root post through Graph: the bot's case card names its case and service
(issue 11, hole 3). Against the local fake Graph, behind the fake sign-in."""

from __future__ import annotations

import json

import pytest

from casestore.casework import Casework
from casestore.graph.client import GraphClient, GraphError
from casestore.graph.threads import GraphThreadRoots, case_card_root
from casestore.records import CaseCardRoot
from dialogs.officers.cards import case_card
from dialogs.officers.view import CardEnv
from tests.graph.fakes import BOT_APP_ID, FakeGraph
from tests.store.helpers import MONDAY, details, member

TEAM, CHANNEL = "team-roads", "19:roads@thread.tacv2"


def as_graph_message(root_id: str, card: dict[str, object], sender: dict[str, object]
                     ) -> dict[str, object]:
    """A channel message as Graph returns it: the card's JSON as a string attachment."""
    return {"id": root_id, "messageType": "message", "from": sender, "body": {
        "contentType": "html", "content": '<attachment id="1"></attachment>'},
        "attachments": [{"id": "1", "contentType": "application/vnd.microsoft.card.adaptive",
                         "content": json.dumps(card)}]}


async def test_the_bots_case_card_at_a_threads_root_names_its_case_and_service(
    casework: Casework, graph: GraphClient, fake_graph: FakeGraph,
) -> None:
    case = (await casework.submit(details("ashcroft"), member_id="sarah-okafor",
                                  actor=member("sarah-okafor"), now=MONDAY)).case
    env = CardEnv(casework.config, casework.directory, casework.policy, MONDAY)
    card = case_card(case, env, service_id="roads")
    bot = {"application": {"id": BOT_APP_ID, "displayName": "Member Enquiries"}}
    fake_graph.messages[(TEAM, CHANNEL, "1700000000001")] = as_graph_message(
        "1700000000001", card, bot)
    fake_graph.messages[(TEAM, CHANNEL, "1700000000002")] = as_graph_message(
        "1700000000002", card, {"user": {"id": "a-person", "displayName": "Someone"}})
    roots = GraphThreadRoots(graph, bot_app_id=BOT_APP_ID)

    assert await roots.case_card_of(TEAM, CHANNEL, "1700000000001") == CaseCardRoot(
        case.reference or "", "roads")
    # the same card pasted by a person, or posted by another app, is not the bot's thread
    assert await roots.case_card_of(TEAM, CHANNEL, "1700000000002") is None
    other_app = GraphThreadRoots(graph, bot_app_id="11111111-2222-4333-8444-555555555555")
    assert await other_app.case_card_of(TEAM, CHANNEL, "1700000000001") is None
    with pytest.raises(GraphError):
        await roots.case_card_of(TEAM, CHANNEL, "1700000000003")


def test_a_root_without_a_case_card_names_no_case() -> None:
    bot = {"application": {"id": BOT_APP_ID}}
    assert case_card_root({"from": bot, "attachments": []}, BOT_APP_ID) is None
    assert case_card_root({"from": bot, "attachments": [
        {"contentType": "application/vnd.microsoft.card.adaptive", "content": "not json"}]},
        BOT_APP_ID) is None
    assert case_card_root({"from": bot, "attachments": [
        {"contentType": "application/vnd.microsoft.card.adaptive",
         "content": {"type": "AdaptiveCard", "actions": [
             {"type": "Action.Execute", "verb": "officer.refresh",
              "data": {"reference": "enq-2026-000007", "svc": "roads"}}]}}]},
        BOT_APP_ID) == CaseCardRoot("ENQ-2026-000007", "roads")
