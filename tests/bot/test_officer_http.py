"""Officers over real HTTP: `/api/messages` of `bot.http.create_bot_app` with the real
`MemberEnquiriesBot`, a SQLite store, and the captured local Bot Connector (tests/support).

A thread reply is recorded on the case and confirmed in the thread; an internal note never
queues anything for the member; a card button is answered with the updated card; and a whole
round trip runs through the outbox delivery job. Nothing here can reach beyond 127.0.0.1.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.delivery import OutboxDelivery
from bot.http import ADAPTER_KEY, create_bot_app
from bot.officers.flows import OfficerFlows
from bot.settings import BotSettings
from bot.teams import BotContext, MemberEnquiriesBot
from casestore.casework import Casework
from casestore.config import CouncilConfig
from casestore.db.store import Store
from casestore.directory import Directory, Person
from casestore.model import Case, CaseState
from casestore.records import Thread, thread_conversation_id
from tests.bot.test_officer_flows import BOT_ID, BOT_NAME, SARAH, TENANT, Clock, MemberStub
from tests.store.helpers import MONDAY, details, member
from tests.support.connector import CapturedRequest, FakeConnector

LEANNE = "leanne-moorcroft"
KAREN = "karen-tyrer"
_ids = itertools.count(1)




class Server:
    """The app under test, its store and clock, and Teams-shaped requests to it."""

    def __init__(self, store: Store, config: CouncilConfig, connector: FakeConnector) -> None:
        self.directory = Directory.from_config(config)
        self.casework = Casework(store, config, self.directory)
        self.clock = Clock(MONDAY)
        self.ctx = BotContext(casework=self.casework, config=config, directory=self.directory,
                              clock=self.clock)
        self.bot = MemberEnquiriesBot(self.ctx, members=MemberStub(),
                                      officers=OfficerFlows(self.ctx))
        self.app = create_bot_app(BotSettings(), self.bot)
        self.connector = connector
        self.client: TestClient[Any, Any] | None = None

    async def start(self) -> Server:
        self.client = TestClient(TestServer(self.app, host="127.0.0.1"))
        await self.client.start_server()
        return self

    async def close(self) -> None:
        if self.client is not None:
            await self.client.close()

    def person(self, person_id: str) -> Person:
        return self.directory.get(person_id)

    async def new_case(self) -> Case:
        outcome = await self.casework.submit(details("ashcroft"), member_id=SARAH,
                                             actor=member(SARAH), now=self.clock())
        return outcome.case

    async def open_thread(self, case: Case) -> Thread:
        assert case.id is not None
        root = f"17000000{next(_ids):05d}"
        channel = self.casework.config.service(case.lead_service).channel_id
        thread = Thread(case_id=case.id, service_id=case.lead_service, channel_id=channel,
                        root_message_id=root,
                        conversation_id=thread_conversation_id(channel, root),
                        card_activity_id=root, service_url=self.connector.service_url,
                        created_at=self.clock())
        async with self.casework.store.transaction() as uow:
            await uow.threads.add(thread)
        return thread

    def _activity(self, person_id: str, thread: Thread, **fields: Any) -> dict[str, Any]:
        person = self.person(person_id)
        activity: dict[str, Any] = {
            "id": f"18000000{next(_ids):05d}", "channelId": "msteams",
            "serviceUrl": self.connector.service_url, "timestamp": "2026-11-23T10:00:00.000Z",
            "from": {"id": person.teams_user_id, "name": person.name,
                     "aadObjectId": person.aad_object_id},
            "recipient": {"id": BOT_ID, "name": BOT_NAME},
            "conversation": {"id": thread.conversation_id, "conversationType": "channel",
                             "isGroup": True, "tenantId": TENANT},
            "channelData": {"channel": {"id": thread.channel_id}, "tenant": {"id": TENANT},
                            "team": {"id": "team-1"}},
            "locale": "en-GB",
        }
        activity.update(fields)
        return activity

    async def post(self, person_id: str, thread: Thread, text: str,
                   *, mention: bool = False) -> dict[str, Any]:
        fields: dict[str, Any] = {"type": "message", "text": text, "textFormat": "plain"}
        if mention:
            tag = f"<at>{BOT_NAME}</at>"
            fields["text"] = f"{tag} {text}"
            fields["entities"] = [{"type": "mention", "text": tag,
                                   "mentioned": {"id": BOT_ID, "name": BOT_NAME}}]
        activity = self._activity(person_id, thread, **fields)
        assert self.client is not None
        response = await self.client.post("/api/messages", json=activity)
        assert response.status in (200, 201)
        return activity

    async def press(self, person_id: str, thread: Thread, verb: str,
                    data: dict[str, Any]) -> dict[str, Any]:
        activity = self._activity(person_id, thread, type="invoke", name="adaptiveCard/action",
                                  value={"action": {"type": "Action.Execute", "verb": verb,
                                                    "data": data}, "trigger": "manual"})
        assert self.client is not None
        response = await self.client.post("/api/messages", json=activity)
        assert response.status == 200
        body: dict[str, Any] = await response.json()
        assert body["statusCode"] == 200
        return body

    async def outbox(self) -> list[tuple[str, str]]:
        async with self.casework.store.transaction() as uow:
            return [(m.kind, m.recipient) for m in await uow.outbox.all()]


@pytest.fixture
async def server(tmp_path: Path, config: CouncilConfig,
                 connector: FakeConnector) -> AsyncIterator[Server]:
    store = Store.from_url(f"sqlite+aiosqlite:///{tmp_path / 'cases.sqlite3'}")
    await store.create_all()
    running = await Server(store, config, connector).start()
    yield running
    await running.close()
    await store.dispose()


def in_thread(thread: Thread) -> Any:
    def match(request: CapturedRequest) -> bool:
        return request.is_activity and request.conversation_id == thread.conversation_id
    return match


async def test_an_officer_reply_over_http_is_recorded_and_confirmed_in_the_thread(
    server: Server, connector: FakeConnector,
) -> None:
    case = await server.new_case()
    thread = await server.open_thread(case)

    sent = await server.post(LEANNE, thread, "A crew will fill it on Friday.")

    [confirmation] = await connector.wait_for(1, where=in_thread(thread))
    assert confirmation.text == "Sent to Cllr Sarah Okafor."
    assert confirmation.activity_id == sent["id"]  # a reply in the thread, to that message
    [update] = await connector.wait_for(1, where=lambda r: r.kind == "update")
    assert update.activity_id == thread.card_activity_id  # the case card, now "Responded"
    assert "Responded" in str(update.body)
    events = [e.event for e in await server.casework.timeline(case)]
    [replied] = [e for e in events if e.kind == "replied"]
    assert (replied.actor_id, replied.payload["text"]) == (LEANNE,
                                                           "A crew will fill it on Friday.")
    assert ("officer-reply", f"person:{SARAH}") in await server.outbox()


async def test_a_mentioned_reply_over_http_has_the_mention_stripped(
    server: Server, connector: FakeConnector,
) -> None:
    case = await server.new_case()
    thread = await server.open_thread(case)

    await server.post(LEANNE, thread, "Filled this morning.", mention=True)

    await connector.wait_for(1, where=in_thread(thread))
    [replied] = [s.event for s in await server.casework.timeline(case)
                 if s.event.kind == "replied"]
    assert replied.payload["text"] == "Filled this morning."


async def test_an_internal_note_over_http_never_queues_anything_for_the_member(
    server: Server, connector: FakeConnector,
) -> None:
    case = await server.new_case()
    thread = await server.open_thread(case)
    before = await server.outbox()

    await server.post(LEANNE, thread, "Internal: the gully is blocked too, check on Friday")

    [confirmation] = await connector.wait_for(1, where=in_thread(thread))
    assert confirmation.text == "Internal note saved \u2014 not sent to the member."
    assert await server.outbox() == before
    assert not [k for k, r in await server.outbox() if r.startswith("person:") and k not in (
        "cc-notice", "logged-for-member")]
    assert [r.kind for r in connector.requests] == ["reply"]  # no card update: nothing changed


async def test_an_officer_of_another_service_is_refused_over_http(
    server: Server, connector: FakeConnector,
) -> None:
    case = await server.new_case()
    thread = await server.open_thread(case)

    await server.post(KAREN, thread, "Is this one ours?")

    [refusal] = await connector.wait_for(1, where=in_thread(thread))
    assert refusal.text is not None and refusal.text.startswith("Sorry Karen Tyrer")
    assert not [s for s in await server.casework.timeline(case)
                if s.event.kind in ("replied", "noted")]


async def test_a_card_button_over_http_answers_with_the_updated_card(
    server: Server, connector: FakeConnector,
) -> None:
    case = await server.new_case()
    thread = await server.open_thread(case)

    body = await server.press(LEANNE, thread, "officer.acknowledge", {
        "ref": case.reference, "nonce": "6f1d0c4e-2b7a-4c1e-9d1a-0a5b7c9e1f23", "svc": "roads"})

    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    assert "Acknowledged and claimed by Leanne Moorcroft." in str(body["value"])
    async with server.casework.store.transaction() as uow:
        assert (await uow.cases.get(case.reference or "")).state is CaseState.ACKNOWLEDGED


async def test_round_trip_case_thread_reply_member_and_rating_through_the_outbox(
    server: Server, connector: FakeConnector,
) -> None:
    """A member submits; the thread appears in the channel with the case card; an officer replies
    in it; the reply goes to the member's chat; the final response is rated; the thread hears."""
    adapter = server.app[ADAPTER_KEY]
    delivery = OutboxDelivery(server.ctx, adapter, default_service_url=connector.service_url)
    case = await server.new_case()

    first = await delivery.deliver_due(server.clock())
    assert first.sent and not first.retried and not first.dead
    [created] = await connector.wait_for(1, where=lambda r: r.kind == "create_conversation")
    roads = server.casework.config.service("roads").channel_id
    assert created.body["channelData"]["channel"]["id"] == roads
    assert case.reference in str(created.body["activity"])
    async with server.casework.store.transaction() as uow:
        assert case.id is not None
        thread = await uow.threads.get(case.id, "roads")
    assert thread is not None

    await server.post(LEANNE, thread, "Filled on Friday.")
    await connector.wait_for(1, where=in_thread(thread))
    body = await server.press(LEANNE, thread, "officer.final_response", {
        "ref": case.reference, "nonce": "0a5b7c9e-2b7a-4c1e-9d1a-6f1d0c4e1f23", "svc": "roads",
        "final_text": "Repaired and signed off.", "final_close": "false"})
    assert "Final response sent" in str(body["value"])
    await delivery.deliver_due(server.clock() + timedelta(minutes=1))
    to_member = [r for r in connector.requests if r.kind == "create_conversation"
                 and "Filled on Friday." in str(r.body)]
    assert to_member, "the reply reached the member's chat"

    await server.casework.rate(case.reference or "", actor=member(SARAH),
                               now=server.clock() + timedelta(minutes=2), score=5,
                               comment="Brilliant")
    await delivery.deliver_due(server.clock() + timedelta(minutes=3))
    rated = await connector.wait_for(1, where=lambda r: in_thread(thread)(r)
                                     and "rated the final response 5 out of 5" in str(r.body))
    assert rated
