"""A persona tab's proxy (memberportal.personas) in front of a fake Playground."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from memberportal.personas import persona_app

BOT = {"id": "28:bot", "name": "Member Enquiries"}
MEMBER = {"id": "29:member", "name": "Cllr Sarah Okafor", "aadObjectId": "aad-member"}
OFFICER = {"id": "29:officer", "name": "Leanne Moorcroft", "aadObjectId": "aad-officer"}
CHANNEL = "19:roads@thread.tacv2"
THREAD = f"{CHANNEL};messageid=1700000000000"
SERVICE_URL = "http://127.0.0.1:56150/_connector"
CONFIG = {"config": {
    "tenantId": "tenant", "bot": BOT, "currentUser": MEMBER, "users": [OFFICER],
    "personalChat": {"id": "a:personal"}, "groupChats": [],
    "teams": [{"id": "19:general@thread.tacv2", "members": [OFFICER["id"]],
               "channels": [{"id": "19:general@thread.tacv2", "name": "General"},
                            {"id": CHANNEL, "name": "Roads"}]}]},
    "internalConfig": {}}


@dataclass
class FakePlayground:
    messages: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    activities: list[dict[str, Any]] = field(default_factory=list)
    installs: int = 0

    def app(self) -> web.Application:
        async def config(_: web.Request) -> web.Response:
            return web.json_response(CONFIG)

        async def message(request: web.Request) -> web.Response:
            self.messages.append((request.match_info["cid"], await request.json()))
            return web.json_response({"messageId": "1700000000999", "timestamp": 1})

        async def custom(request: web.Request) -> web.Response:
            self.activities.append(await request.json())
            return web.Response()

        async def install(_: web.Request) -> web.Response:
            self.installs += 1
            return web.Response()

        app = web.Application()
        app.router.add_get("/_internal/v1/config", config)
        app.router.add_get("/_internal/v1/testConfig", config)
        app.router.add_post("/_conversation/v1/conversations/{cid}/messages", message)
        app.router.add_post("/_internal/v1/customActivities", custom)
        app.router.add_post("/_debug/conversation/{cid}/installation", install)
        return app


@pytest.fixture
async def playground() -> AsyncIterator[tuple[FakePlayground, TestClient[Any, Any]]]:
    fake = FakePlayground()
    async with TestServer(fake.app()) as upstream:
        url = str(upstream.make_url("")).rstrip("/")
        async with TestClient(TestServer(persona_app(url, OFFICER["id"],
                                                     service_url=SERVICE_URL))) as client:
            yield fake, client


def _typed(text: str, *, mention: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "text", "text": text, "textFormat": "plain",
                            "from": {"id": OFFICER["id"]}}
    if mention:
        body["mentions"] = [{"mentioned": {"id": BOT["id"], "name": BOT["name"]},
                             "text": "<at>Member Enquiries</at>"}]
    return body


async def test_the_page_is_told_the_persona_is_at_the_keyboard(playground: Any) -> None:
    _, client = playground
    answer = await (await client.get("/_internal/v1/config")).json()
    assert answer["config"]["currentUser"] == OFFICER
    assert answer["config"]["users"] == [MEMBER]
    assert answer["config"]["teams"][0]["members"] == [MEMBER["id"]]


async def test_opening_a_persona_tab_does_not_reinstall_the_app_for_the_member(
        playground: Any) -> None:
    fake, client = playground
    response = await client.post("/_debug/conversation/a:personal/installation", json={})
    assert response.status == 200 and fake.installs == 0


async def test_an_at_mention_in_a_thread_reaches_the_bot_from_the_persona(
        playground: Any) -> None:
    fake, client = playground
    text = "<at>Member Enquiries</at> Filled this morning."
    response = await client.post(f"/_conversation/v1/conversations/{THREAD}/messages",
                                 json=_typed(text, mention=True))
    assert response.status == 200
    assert (await response.json())["messageId"] == "1700000000999"
    (cid, stored), = fake.messages
    assert cid == THREAD and stored["mentions"] == []  # shown, not sent by the Playground
    assert stored["text"] == "@Member Enquiries Filled this morning."
    (activity,) = fake.activities
    assert activity["from"] == {"id": OFFICER["id"], "aadObjectId": "aad-officer",
                                "name": "Leanne Moorcroft"}
    assert activity["conversation"]["id"] == THREAD
    assert activity["conversation"]["conversationType"] == "channel"
    assert activity["id"] == "1700000000999" and activity["text"] == text
    assert activity["serviceUrl"] == SERVICE_URL
    assert activity["channelData"]["channel"] == {"id": CHANNEL}
    assert activity["entities"][0] == {"type": "mention", "text": "<at>Member Enquiries</at>",
                                       "mentioned": BOT}


async def test_a_message_without_the_bot_is_only_shown_as_in_the_playground(
        playground: Any) -> None:
    fake, client = playground
    body = _typed("Anyone near Mill Lane today?", mention=False)
    response = await client.post(f"/_conversation/v1/conversations/{THREAD}/messages",
                                 json=body)
    assert response.status == 200
    assert fake.messages == [(THREAD, body)] and fake.activities == []


async def test_a_mention_outside_the_teams_channels_is_passed_through(playground: Any) -> None:
    fake, client = playground
    body = _typed("<at>Member Enquiries</at> help", mention=True)
    await client.post("/_conversation/v1/conversations/a:personal/messages", json=body)
    assert fake.messages == [("a:personal", body)] and fake.activities == []
