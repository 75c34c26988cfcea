"""A member's enquiry end to end over real HTTP: the aiohttp app of bot/http.py on 127.0.0.1,
Teams-shaped activities POSTed to /api/messages, replies captured at a local Bot Connector."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.http import create_bot_app
from bot.settings import BotSettings
from casestore.casework import Casework
from casestore.db.tables import attachments, cases
from tests.bot.member_fixtures import (
    BOT_ID,
    MONDAY,
    SARAH,
    TENANT,
    Clock,
    form_values,
    make_bot,
    texts,
)
from tests.support.connector import CapturedRequest, FakeConnector
from tests.support.files import FILES_HOST, Authority, downloader_for

Card = dict[str, Any]


@pytest.fixture
def backend() -> str:
    return "sqlite"




@pytest.fixture
async def client(casework: Casework) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    bot, _ctx = make_bot(casework, Clock(MONDAY))
    app = create_bot_app(BotSettings(), bot)  # no app id: open, as in local development
    async with TestClient(TestServer(app, host="127.0.0.1")) as test_client:
        yield test_client


def activity(connector: FakeConnector, casework: Casework, **fields: Any) -> dict[str, Any]:
    """Sarah's personal chat, in the JSON Teams POSTs to the bot."""
    sarah = casework.directory.get(SARAH)
    body: dict[str, Any] = {
        "type": "message",
        "id": f"1{uuid.uuid4().int % 10**12:012d}",
        "timestamp": "2026-11-23T10:00:00.000Z",
        "serviceUrl": connector.service_url,
        "channelId": "msteams",
        "from": {"id": sarah.teams_user_id, "name": sarah.name,
                 "aadObjectId": sarah.aad_object_id},
        "conversation": {"conversationType": "personal", "tenantId": TENANT,
                         "id": "a:1personal-chat-sarah"},
        "recipient": {"id": BOT_ID, "name": "Member Enquiries"},
        "textFormat": "plain",
        "locale": "en-GB",
        "channelData": {"tenant": {"id": TENANT}},
    }
    body.update(fields)
    return body


def execute(connector: FakeConnector, casework: Casework, verb: str,
            data: dict[str, Any]) -> dict[str, Any]:
    return activity(connector, casework, type="invoke", name="adaptiveCard/action", value={
        "action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"})


def card_of(request: CapturedRequest) -> Card:
    [attachment] = request.body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    return dict(attachment["content"])


def button_data(card: Card, verb: str) -> dict[str, Any]:
    for action in card.get("actions", []):
        if action.get("verb") == verb:
            return dict(action["data"])
    raise AssertionError(f"no {verb} button")


async def count(casework: Casework, table: Any) -> int:
    async with casework.store.engine.begin() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def test_a_member_raises_an_enquiry_end_to_end_over_http(
    client: TestClient[web.Request, web.Application], connector: FakeConnector,
    casework: Casework,
) -> None:
    asked = await client.post("/api/messages",
                              json=activity(connector, casework, text="new enquiry"))
    assert asked.status in (200, 201)
    [reply] = await connector.wait_for_activities(1)
    assert reply.conversation_id == "a:1personal-chat-sarah"
    form = card_of(reply)
    assert form["version"] == "1.5" and form["body"][0]["text"] == "New enquiry"

    data = {**button_data(form, "member.enquiry.submit"), **form_values(after="cases")}
    submitted = await client.post("/api/messages", json=execute(
        connector, casework, "member.enquiry.submit", data))
    assert submitted.status == 200
    answer = await submitted.json()
    assert answer["statusCode"] == 200
    assert answer["type"] == "application/vnd.microsoft.card.adaptive"
    shown = texts(answer["value"])
    assert "Enquiry ENQ-2026-000001 raised" in shown
    assert "Monday 7 December (in 10 working days)" in shown
    [_, cases_card] = await connector.wait_for_activities(2)  # "after submitting: my cases"
    assert "ENQ-2026-000001" in texts(card_of(cases_card))
    assert await count(casework, cases) == 1


async def test_a_duplicate_delivery_gives_one_case_and_one_reply(
    client: TestClient[web.Request, web.Application], connector: FakeConnector,
    casework: Casework,
) -> None:
    message = activity(connector, casework, text="new enquiry")
    for _ in range(2):  # Teams re-delivers an activity it did not see answered in time
        assert (await client.post("/api/messages", json=message)).status in (200, 201)
    [reply] = await connector.wait_for_activities(1)
    assert len(connector.activities) == 1
    data = {**button_data(card_of(reply), "member.enquiry.submit"), **form_values()}
    submit = execute(connector, casework, "member.enquiry.submit", data)
    answers = []
    for _ in range(2):
        response = await client.post("/api/messages", json=submit)
        assert response.status == 200
        answers.append(texts((await response.json())["value"]))
    assert all("ENQ-2026-000001 raised" in a for a in answers)
    assert await count(casework, cases) == 1
    assert len(connector.activities) == 1


async def test_a_member_follows_up_their_case_over_http(
    client: TestClient[web.Request, web.Application], connector: FakeConnector,
    casework: Casework,
) -> None:
    await client.post("/api/messages", json=activity(connector, casework, text="new"))
    [reply] = await connector.wait_for_activities(1)
    data = {**button_data(card_of(reply), "member.enquiry.submit"), **form_values()}
    await client.post("/api/messages", json=execute(connector, casework,
                                                    "member.enquiry.submit", data))
    await client.post("/api/messages", json=activity(connector, casework, text="2026-1"))
    [_, detail] = await connector.wait_for_activities(2)
    card = card_of(detail)
    update = next(a for a in card["actions"] if a["title"] == "Request an update")
    send = update["card"]["actions"][0]
    response = await client.post("/api/messages", json=execute(
        connector, casework, send["verb"], {**send["data"], "update_text": "Any news?"}))
    assert "Your request for an update has been sent" in texts((await response.json())["value"])


async def test_a_file_sent_with_a_reference_is_stored_over_http(
    connector: FakeConnector, casework: Casework,
) -> None:
    """Over real sockets end to end: Teams' POST, the file fetched over https from a local
    server under a SharePoint name (tests/support/files.py), the reply at the Bot Connector."""
    async def serve(request: web.Request) -> web.Response:
        if request.match_info["name"] == "invoice.pdf":
            return web.Response(body=b"<html><body>Pay here</body></html>",
                                content_type="application/pdf")
        return web.Response(body=b"%PDF-1.4 photo of the pothole", content_type="application/pdf")

    authority = Authority()
    bot, _ctx = make_bot(casework, Clock(MONDAY), downloader=downloader_for(
        casework.config.attachments, authority))
    files = web.Application()
    files.router.add_get("/{name}", serve)
    file_server = TestServer(files, host="127.0.0.1")
    await file_server.start_server(ssl=authority.server_context())

    def attachment(name: str) -> dict[str, Any]:
        return {"contentType": "application/vnd.microsoft.teams.file.download.info",
                "name": name,
                "content": {"downloadUrl": f"https://{FILES_HOST}:{file_server.port}/{name}",
                            "uniqueId": str(uuid.uuid4()), "fileType": "pdf"}}

    async with TestClient(TestServer(create_bot_app(BotSettings(), bot),
                                     host="127.0.0.1")) as client:
        await client.post("/api/messages", json=activity(connector, casework, text="new"))
        [reply] = await connector.wait_for_activities(1)
        data = {**button_data(card_of(reply), "member.enquiry.submit"), **form_values()}
        await client.post("/api/messages", json=execute(connector, casework,
                                                        "member.enquiry.submit", data))
        message = activity(connector, casework, text="Photo for ENQ-2026-000001",
                           attachments=[attachment("report.pdf"), attachment("invoice.pdf")])
        await client.post("/api/messages", json=message)
        [_, added] = await connector.wait_for_activities(2)
    await file_server.close()
    shown = texts(card_of(added))
    assert "Added to ENQ-2026-000001: report.pdf." in shown
    assert "invoice.pdf was not added: Its name says it is a PDF, but it is a web page." in shown
    assert await count(casework, attachments) == 1


@pytest.mark.parametrize("value", ["member.enquiry.submit", ["a", "list"],
                                   {"action": "a string"}, {"action": ["a", "list"]},
                                   {"action": {"type": "Action.Execute", "verb": 7}}],
                         ids=["value a string", "value a list", "action a string",
                              "action a list", "verb not text"])
async def test_a_card_action_that_is_not_one_is_answered_400_and_writes_nothing(
    client: TestClient[web.Request, web.Application], connector: FakeConnector,
    casework: Casework, value: Any,
) -> None:
    before = await count(casework, cases)
    body = activity(connector, casework, type="invoke", name="adaptiveCard/action", value=value)

    response = await client.post("/api/messages", json=body)

    assert response.status == 400
    assert (await response.json())["statusCode"] == 400
    assert await count(casework, cases) == before
    assert connector.requests == []
