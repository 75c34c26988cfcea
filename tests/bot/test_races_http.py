"""Duplicates and races over real HTTP (issue 11's proof), on SQLite and PostgreSQL.

Teams re-delivers an activity it saw no answer to (at once under load, or about 15 s later), and
people double-click. Each of these gives one case, one event and one message out: the outbox
rows and the Bot Connector's traffic are the same as for a single delivery. The bot's clock is
moved for the 15 s, not slept through.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.http import create_bot_app
from bot.members.flows import MemberFlows
from bot.officers.flows import OfficerFlows
from bot.settings import BotSettings
from bot.teams import BotContext, MemberEnquiriesBot
from casestore.casework import Casework
from casestore.db.tables import case_events, cases, outbox
from casestore.records import Thread, thread_conversation_id
from tests.bot.member_fixtures import BOT_ID, MONDAY, SARAH, TENANT, Clock, form_values, texts
from tests.support.connector import FakeConnector

LEANNE = "leanne-moorcroft"
Client = TestClient[web.Request, web.Application]




@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY)


@pytest.fixture
async def client(casework: Casework, clock: Clock) -> AsyncIterator[Client]:
    ctx = BotContext(casework=casework, config=casework.config, directory=casework.directory,
                     clock=clock)
    bot = MemberEnquiriesBot(ctx, members=MemberFlows(ctx), officers=OfficerFlows(ctx))
    async with TestClient(TestServer(create_bot_app(BotSettings(), bot),
                                     host="127.0.0.1")) as test_client:
        yield test_client


def body(connector: FakeConnector, casework: Casework, person_id: str = SARAH,
         **fields: Any) -> dict[str, Any]:
    person = casework.directory.get(person_id)
    activity: dict[str, Any] = {
        "type": "message", "id": f"1{uuid.uuid4().int % 10**12:012d}",
        "serviceUrl": connector.service_url, "channelId": "msteams",
        "from": {"id": person.teams_user_id, "name": person.name,
                 "aadObjectId": person.aad_object_id},
        "conversation": {"conversationType": "personal", "tenantId": TENANT,
                         "id": f"a:1chat-{person_id}"},
        "recipient": {"id": BOT_ID, "name": "Member Enquiries"},
        "channelData": {"tenant": {"id": TENANT}}, "locale": "en-GB",
    }
    activity.update(fields)
    return activity


def click(connector: FakeConnector, casework: Casework, verb: str, data: dict[str, Any],
          person_id: str = SARAH, **fields: Any) -> dict[str, Any]:
    return body(connector, casework, person_id, type="invoke", name="adaptiveCard/action",
                value={"action": {"type": "Action.Execute", "verb": verb, "data": data},
                       "trigger": "manual"}, **fields)


async def post_all(client: Client, activities: list[dict[str, Any]]) -> list[Any]:
    """POST them all at the same moment; the JSON answers (None for 201s)."""
    async def post(activity: dict[str, Any]) -> Any:
        response = await client.post("/api/messages", json=activity)
        assert response.status in (200, 201)
        return await response.json() if response.status == 200 else None
    return list(await asyncio.gather(*(post(a) for a in activities)))


async def tally(casework: Casework) -> tuple[int, Counter[str], Counter[str]]:
    """Cases, events by kind, outbox rows by kind."""
    async with casework.store.engine.begin() as conn:
        n_cases = len((await conn.execute(select(cases.c.id))).all())
        events = Counter(r[0] for r in await conn.execute(select(case_events.c.kind)))
        queued = Counter(r[0] for r in await conn.execute(select(outbox.c.kind)))
    return n_cases, events, queued


def acknowledgements(connector: FakeConnector) -> list[str]:
    return [str(r.body) for r in connector.activities if "ENQ-2026-000001" in str(r.body)]


def message_submit(connector: FakeConnector, casework: Casework) -> dict[str, Any]:
    """A legacy Action.Submit: a message carrying the verb and the form."""
    return body(connector, casework, value={"verb": "member.enquiry.submit",
                                            "nonce": str(uuid.uuid4()), **form_values()})


# -- re-delivery ---------------------------------------------------------------------------------

@pytest.mark.parametrize("copies", [2, 5])
async def test_a_message_submit_delivered_several_times_at_once_gives_one_of_everything(
    client: Client, connector: FakeConnector, casework: Casework, copies: int,
) -> None:
    activity = message_submit(connector, casework)
    await post_all(client, [activity] * copies)

    n_cases, events, queued = await tally(casework)
    assert n_cases == 1 and events["submitted"] == 1
    assert queued["case-opened"] == 1 and all(n == 1 for n in queued.values())
    assert len(acknowledgements(connector)) == 1
    assert len(connector.activities) == 1


async def test_a_message_submit_delivered_again_15_seconds_later_gives_one_of_everything(
    client: Client, connector: FakeConnector, casework: Casework, clock: Clock,
) -> None:
    activity = message_submit(connector, casework)
    await post_all(client, [activity])
    first = await tally(casework)
    clock.now += timedelta(seconds=15)
    await post_all(client, [activity])

    assert await tally(casework) == first
    assert first[0] == 1 and first[1]["submitted"] == 1
    assert len(connector.activities) == 1


async def test_a_command_delivered_at_once_and_15_seconds_later_is_answered_once(
    client: Client, connector: FakeConnector, casework: Casework, clock: Clock,
) -> None:
    activity = body(connector, casework, text="new enquiry")
    await post_all(client, [activity] * 2)
    clock.now += timedelta(seconds=15)
    await post_all(client, [activity])
    assert len(connector.activities) == 1


# -- double and quintuple clicks -----------------------------------------------------------------

@pytest.mark.parametrize("clicks", [2, 5])
async def test_clicking_submit_several_times_at_once_raises_one_enquiry(
    client: Client, connector: FakeConnector, casework: Casework, clicks: int,
) -> None:
    data = {"nonce": str(uuid.uuid4()), **form_values()}
    answers = await post_all(client, [click(connector, casework, "member.enquiry.submit", data)]
                             * clicks)

    assert all("ENQ-2026-000001" in texts(a["value"]) for a in answers)
    n_cases, events, queued = await tally(casework)
    assert n_cases == 1 and events == Counter({"submitted": 1})
    assert queued["case-opened"] == 1 and all(n == 1 for n in queued.values())
    assert connector.activities == []  # the answers are the cards the clicks replace


@pytest.mark.parametrize("clicks", [2, 5])
async def test_clicking_request_an_update_several_times_at_once_sends_one_request(
    client: Client, connector: FakeConnector, casework: Casework, clicks: int,
) -> None:
    await post_all(client, [click(connector, casework, "member.enquiry.submit",
                                  {"nonce": str(uuid.uuid4()), **form_values()})])
    before = await tally(casework)
    data = {"nonce": str(uuid.uuid4()), "reference": "ENQ-2026-000001",
            "update_text": "Any news?"}
    answers = await post_all(client, [click(connector, casework, "member.case.request_update",
                                            data)] * clicks)

    assert all("ENQ-2026-000001" in texts(a["value"]) for a in answers)
    _, events, queued = await tally(casework)
    assert events["update_requested"] == 1
    assert sum(queued.values()) - sum(before[2].values()) == 1  # one message to the service


@pytest.mark.parametrize("clicks", [2, 5])
async def test_an_officer_clicking_acknowledge_several_times_at_once_acknowledges_once(
    client: Client, connector: FakeConnector, casework: Casework, clicks: int,
) -> None:
    await post_all(client, [click(connector, casework, "member.enquiry.submit",
                                  {"nonce": str(uuid.uuid4()), **form_values()})])
    channel = casework.config.service("roads").channel_id
    async with casework.store.transaction() as uow:
        case = await uow.cases.get("ENQ-2026-000001")
        assert case.id is not None
        await uow.threads.add(Thread(
            case_id=case.id, service_id="roads", channel_id=channel, root_message_id="r1",
            conversation_id=thread_conversation_id(channel, "r1"), card_activity_id="r1",
            service_url=connector.service_url, created_at=MONDAY))
    before = await tally(casework)
    data = {"nonce": str(uuid.uuid4()), "reference": "ENQ-2026-000001", "svc": "roads"}
    in_thread = {"conversation": {"conversationType": "channel", "isGroup": True,
                                  "tenantId": TENANT, "id": thread_conversation_id(channel, "r1")}}
    answers = await post_all(client, [click(connector, casework, "officer.acknowledge", data,
                                            LEANNE, **in_thread)] * clicks)

    assert sum("Acknowledged and claimed by Leanne Moorcroft." in texts(a["value"])
               for a in answers) == 1
    _, events, queued = await tally(casework)
    assert events["acknowledged"] == 1
    assert queued["acknowledged"] == 1
    assert sum(queued.values()) - sum(before[2].values()) == 1
