"""Malformed and hostile input over real HTTP, on SQLite and PostgreSQL: every refusal is a 4xx
with a sentence and writes nothing; control characters in what a person typed are stripped the
same way on both engines; nothing answers 5xx.

The app is bot/http.py's on 127.0.0.1 with the member flows on a real store; replies go to a
local Bot Connector (tests/support/connector.py).
"""

from __future__ import annotations

import gzip
import io
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.http import create_bot_app
from bot.settings import BotSettings
from casestore.casework import Casework
from tests.bot.member_fixtures import (
    BOT_ID,
    MONDAY,
    SARAH,
    TENANT,
    Chat,
    Clock,
    form_values,
    make_bot,
    teams_activity,
)
from tests.support.connector import FakeConnector
from tests.support.snapshot import counts, last_case_id, new_cases

Client = TestClient[web.Request, web.Application]
NONCE = "3b1f0c59-7a0e-4b7c-9a51-3f5b7d9e2c10"




@pytest.fixture
async def client(casework: Casework) -> AsyncIterator[Client]:
    bot, _ctx = make_bot(casework, Clock(MONDAY))
    app = create_bot_app(BotSettings(), bot)
    async with TestClient(TestServer(app, host="127.0.0.1")) as test_client:
        yield test_client


def message(connector: FakeConnector, casework: Casework, **fields: Any) -> dict[str, Any]:
    """Sarah's personal chat, in the JSON Teams POSTs."""
    sarah = casework.directory.get(SARAH)
    body: dict[str, Any] = {
        "type": "message", "id": f"1{uuid.uuid4().int % 10**12:012d}",
        "serviceUrl": connector.service_url, "channelId": "msteams",
        "from": {"id": sarah.teams_user_id, "name": sarah.name,
                 "aadObjectId": sarah.aad_object_id},
        "conversation": {"conversationType": "personal", "tenantId": TENANT,
                         "id": "a:1personal-chat-sarah"},
        "recipient": {"id": BOT_ID, "name": "Member Enquiries"},
        "locale": "en-GB", "channelData": {"tenant": {"id": TENANT}},
    }
    body.update(fields)
    return body


def card_action(connector: FakeConnector, casework: Casework, value: Any) -> dict[str, Any]:
    return message(connector, casework, type="invoke", name="adaptiveCard/action", value=value)


def submit(**values: Any) -> dict[str, Any]:
    return {"action": {"type": "Action.Execute", "verb": "member.enquiry.submit",
                       "data": {"nonce": NONCE, **form_values(**values)}}}


def with_nul(body: dict[str, Any], path: str) -> dict[str, Any]:
    """`body` with a NUL inside the string at the dotted `path`."""
    node = body
    *parents, last = path.split(".")
    for key in parents:
        node = node[key]
    node[last] = f"{node[last][:3]}\x00{node[last][3:]}"
    return body


CARD_ACTIONS_THAT_ARE_NOT = {
    "value a string": "member.enquiry.submit",
    "value a list": ["member.enquiry.submit"],
    "action a string": {"action": "member.enquiry.submit"},
    "action a list": {"action": ["a", "list"]},
    "data a string": {"action": {"type": "Action.Execute", "verb": "member.enquiry.submit",
                                 "data": "nonce=1"}},
    "data a list": {"action": {"type": "Action.Execute", "verb": "member.enquiry.submit",
                               "data": [1, 2]}},
    "verb a number": {"action": {"type": "Action.Execute", "verb": 7, "data": {}}},
    "verb with a NUL": {"action": {"type": "Action.Execute", "verb": "member.\x00enquiry.new",
                                   "data": {}}},
    "verb of 10,000 characters": {"action": {"type": "Action.Execute", "verb": "m" * 10_000}},
}


@pytest.mark.parametrize("value", list(CARD_ACTIONS_THAT_ARE_NOT.values()),
                         ids=list(CARD_ACTIONS_THAT_ARE_NOT))
async def test_a_card_action_that_is_not_one_is_400_with_a_sentence_and_writes_nothing(
    client: Client, connector: FakeConnector, casework: Casework, value: Any,
) -> None:
    before = await counts(casework.store)
    response = await client.post("/api/messages", json=card_action(connector, casework, value))
    assert response.status == 400
    body = await response.json()
    assert body["statusCode"] == 400 and body["type"] == "application/vnd.microsoft.error"
    assert body["value"]["message"].startswith("That request can't be used: card action")
    assert await counts(casework.store) == before
    assert connector.requests == []


@pytest.mark.parametrize("path", [
    "id", "from.id", "from.name", "from.aadObjectId", "conversation.id", "conversation.tenantId",
    "recipient.id", "serviceUrl", "locale", "channelId"])
async def test_a_control_character_in_an_identifier_is_refused_on_both_engines(
    client: Client, connector: FakeConnector, casework: Casework, path: str,
) -> None:
    before = await counts(casework.store)
    body = with_nul(message(connector, casework, text="my cases"), path)
    response = await client.post("/api/messages", json=body)
    assert response.status == 400
    assert (await response.json())["message"] == (
        f"That request can't be used: control characters in {path}.")
    assert await counts(casework.store) == before
    assert connector.requests == []


@pytest.mark.parametrize("path", ["id", "conversation.id", "from.id"])
async def test_an_identifier_longer_than_teams_sends_is_refused(
    client: Client, connector: FakeConnector, casework: Casework, path: str,
) -> None:
    body = message(connector, casework, text="my cases")
    node, key = (body, path) if "." not in path else (body[path.split(".")[0]],
                                                      path.split(".")[1])
    node[key] = "1" * 400
    before = await counts(casework.store)
    response = await client.post("/api/messages", json=body)
    assert response.status == 400
    assert "longer than 256 characters" in (await response.json())["message"]
    assert await counts(casework.store) == before


async def test_a_body_over_one_mebibyte_is_413_even_compressed(
    client: Client, connector: FakeConnector, casework: Casework,
) -> None:
    before = await counts(casework.store)
    huge = json.dumps(message(connector, casework, text="x" * (1024 * 1024 + 10))).encode()
    plain = await client.post("/api/messages", data=io.BytesIO(huge),
                              headers={"Content-Type": "application/json"})
    squeezed = await client.post("/api/messages", data=gzip.compress(huge),
                                 headers={"Content-Type": "application/json",
                                          "Content-Encoding": "gzip"})
    assert (plain.status, squeezed.status) == (413, 413)
    assert await counts(casework.store) == before
    assert connector.requests == []


@pytest.mark.parametrize("raw", [b"[" * 100_000 + b"]" * 100_000,
                                 b'{"type": "message", "value": ' + b"[" * 100_000
                                 + b"]" * 100_000 + b"}"],
                         ids=["nested arrays", "nested value"])
async def test_json_nested_beyond_reason_is_400(client: Client, raw: bytes) -> None:
    response = await client.post("/api/messages", data=io.BytesIO(raw),
                                 headers={"Content-Type": "application/json"})
    assert response.status == 400


async def test_control_characters_in_what_a_member_typed_are_stripped_alike_on_both_engines(
    client: Client, connector: FakeConnector, casework: Casework,
) -> None:
    since = await last_case_id(casework.store)
    value = submit(location="14\x00 Mill\x1b Lane", description="A pothole\x07\ud83d",
                   ask="Fill it\r\nplease\t now\x7f", search_term="\x0bMill Lane")
    response = await client.post("/api/messages", json=card_action(connector, casework, value))
    assert response.status == 200
    assert "raised" in json.dumps((await response.json())["value"])
    [stored] = await new_cases(casework.store, since)
    row = stored.row
    assert (row["location"], row["description"], row["ask"], row["search_term"]) == (
        "14 Mill Lane", "A pothole", "Fill it\r\nplease\t now", "Mill Lane")
    assert stored.event_kinds == ["submitted"] and stored.outbox_kinds


async def test_a_message_with_control_characters_and_half_an_emoji_is_understood(
    client: Client, connector: FakeConnector, casework: Casework,
) -> None:
    response = await client.post("/api/messages", data=json.dumps(message(
        connector, casework, text="my\x00 cases PLACEHOLDER")).replace(
            "PLACEHOLDER", "\\ud83d"), headers={"Content-Type": "application/json"})
    assert response.status == 201
    [reply] = await connector.wait_for_activities(1)
    assert reply.body["attachments"][0]["content"]["body"][0]["text"] == "My cases"


# -- the agent refuses the same when an activity reaches it without the HTTP edge ---------------

async def test_in_process_a_card_action_that_is_not_one_is_400_and_writes_nothing(
    casework: Casework,
) -> None:
    chat = Chat(make_bot(casework, Clock(MONDAY))[0], casework.directory.get)
    before = await counts(casework.store)
    bad = chat.invoke(SARAH, "member.enquiry.submit", {})
    bad.value = {"action": {"type": "Action.Execute", "verb": "member.enquiry.submit",
                            "data": "a string"}}
    reply = await chat.send_invoke(bad)
    assert reply.status == 400 and reply.posted == []
    assert await counts(casework.store) == before


async def test_in_process_a_nul_in_an_id_gets_no_answer_and_writes_nothing(
    casework: Casework,
) -> None:
    chat = Chat(make_bot(casework, Clock(MONDAY))[0], casework.directory.get)
    before = await counts(casework.store)
    sent = await chat.send(teams_activity(casework.directory.get(SARAH), text="new enquiry",
                                          id="1\x002"))
    assert sent == []
    assert await counts(casework.store) == before
