"""The whole product as `memberportal serve` builds it (bot.app.create_app): the database is
migrated at start, and the background delivery loop posts the case thread and relays the
officer's reply with no test calling the delivery job itself."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from casestore.records import Thread
from memberportal.app import create_app
from memberportal.context import Context
from memberportal.settings import Settings
from tests.bot.member_fixtures import MONDAY, SARAH, TENANT, Clock, form_values
from tests.support import loopback_only
from tests.support.connector import CapturedRequest, FakeConnector

BOT = {"id": "28:bot", "name": "Member Enquiries"}


@pytest.fixture(autouse=True)
def no_external_network() -> Iterator[None]:
    with loopback_only():
        yield


@pytest.fixture
async def product(tmp_path: Path) -> AsyncIterator[tuple[TestClient[Any, Any], Context]]:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'product.sqlite3'}",
                        scheduler_enabled=False)
    ctx = Context.build(settings)
    app = create_app(settings, context=ctx, clock=Clock(MONDAY), delivery_interval_s=0.05)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client, ctx


def _from(ctx: Context, person_id: str) -> dict[str, str]:
    p = ctx.directory.get(person_id)
    return {"id": p.teams_user_id, "name": p.name, "aadObjectId": p.aad_object_id}


def _chat(connector: FakeConnector, ctx: Context, **fields: Any) -> dict[str, Any]:
    return {"type": "message", "id": uuid.uuid4().hex, "serviceUrl": connector.service_url,
            "channelId": "msteams", "from": _from(ctx, SARAH), "recipient": BOT,
            "conversation": {"conversationType": "personal", "id": "a:sarah", "tenantId": TENANT},
            **fields}


async def _until(connector: FakeConnector, where: Any) -> CapturedRequest:
    [found] = await connector.wait_for(1, where=where, timeout_s=10)
    return found


async def _thread_of(ctx: Context, reference: str, service: str) -> Thread:
    """The delivery loop stores the thread just after Teams answers: wait for it (bounded)."""
    for _ in range(200):
        async with ctx.store.transaction() as uow:
            case = await uow.cases.get(reference)
            stored = await uow.threads.get(case.id or 0, service)
        if stored is not None:
            return stored
        await asyncio.sleep(0.05)
    raise AssertionError(f"no thread stored for {reference} in {service}")


async def test_a_submitted_enquiry_reaches_the_service_channel_and_the_reply_reaches_the_member(
    product: tuple[TestClient[Any, Any], Context],
) -> None:
    client, ctx = product
    async with FakeConnector() as connector:
        said = await client.post("/api/messages", json=_chat(connector, ctx, text="new enquiry"))
        assert said.status < 300
        form = await _until(connector, lambda r: r.is_activity)
        nonce = next(a["data"]["nonce"] for a in form.body["attachments"][0]["content"]["actions"]
                     if a.get("verb") == "member.enquiry.submit")
        submitted = await client.post("/api/messages", json=_chat(
            connector, ctx, type="invoke", name="adaptiveCard/action",
            value={"action": {"type": "Action.Execute", "verb": "member.enquiry.submit",
                              "data": {**form_values(), "nonce": nonce}}}))
        body = await submitted.json()
        assert "ENQ-2026-000001" in str(body["value"])
        roads = ctx.config.service("roads").channel_id
        thread = await _until(connector, lambda r: r.kind == "create_conversation")
        assert thread.body["channelData"]["channel"]["id"] == roads
        assert "ENQ-2026-000001" in str(thread.body["activity"])
        stored = await _thread_of(ctx, "ENQ-2026-000001", "roads")
        officer = _from(ctx, "leanne-moorcroft")
        reply = await client.post("/api/messages", json={
            "type": "message", "id": uuid.uuid4().hex, "serviceUrl": connector.service_url,
            "channelId": "msteams", "from": officer, "recipient": BOT,
            "text": "We have booked the repair for Thursday.",
            "conversation": {"conversationType": "channel", "isGroup": True,
                             "id": stored.conversation_id, "tenantId": TENANT},
            "channelData": {"channel": {"id": roads}, "tenant": {"id": TENANT}}})
        assert reply.status < 300
        relayed = await _until(connector, lambda r: r.is_activity and r.conversation_id ==
                               "a:sarah" and "booked the repair" in str(r.body))
        assert "ENQ-2026-000001" in str(relayed.body)
