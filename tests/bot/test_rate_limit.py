"""Messages are rate-limited per person (`RATE_LIMIT_PER_MINUTE`), over real HTTP: Teams-shaped
activities POSTed to /api/messages, replies captured at a local Bot Connector. Over the limit a
person gets one polite answer a minute, never an error, and nothing they sent is handled."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.http import create_bot_app
from bot.ratelimit import SLOW_DOWN, RateLimit, Verdict
from bot.settings import BotSettings
from bot.teams import UNKNOWN_USER
from casestore.casework import Casework
from casestore.db.tables import cases
from memberportal.app import build_runtime
from memberportal.settings import Settings, SettingsError
from tests.bot.member_fixtures import (
    BOT_ID,
    MONDAY,
    PETER,
    SARAH,
    TENANT,
    Clock,
    form_values,
    make_bot,
)
from tests.support.connector import FakeConnector

LIMIT = 3


class Seconds:
    """The limiter's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def backend() -> str:
    return "sqlite"  # the limit is in memory; one engine shows nothing was stored



@pytest.fixture
def seconds() -> Seconds:
    return Seconds()



@pytest.fixture
async def client(casework: Casework, seconds: Seconds
                 ) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    bot, _ctx = make_bot(casework, Clock(MONDAY), rate_limit=RateLimit(LIMIT, clock_s=seconds))
    async with TestClient(TestServer(create_bot_app(BotSettings(), bot),
                                     host="127.0.0.1")) as test_client:
        yield test_client


def activity(connector: FakeConnector, casework: Casework, person: str = SARAH,
             **fields: Any) -> dict[str, Any]:
    who = casework.directory.get(person)
    body: dict[str, Any] = {
        "type": "message", "id": f"1{uuid.uuid4().int % 10**12:012d}",
        "serviceUrl": connector.service_url, "channelId": "msteams",
        "from": {"id": who.teams_user_id, "name": who.name, "aadObjectId": who.aad_object_id},
        "conversation": {"conversationType": "personal", "tenantId": TENANT,
                         "id": f"a:1personal-chat-{person}"},
        "recipient": {"id": BOT_ID, "name": "Member Enquiries"},
        "channelData": {"tenant": {"id": TENANT}}, "text": "my cases",
    }
    body.update(fields)
    return body


def said(connector: FakeConnector) -> list[str]:
    """What the bot sent, one entry a message: its text, or 'card' for a card."""
    return [r.body.get("text") or "card" for r in connector.activities]


async def post_all(client: TestClient[web.Request, web.Application],
                   bodies: list[dict[str, Any]]) -> list[int]:
    statuses = []
    for body in bodies:
        response = await client.post("/api/messages", json=body)
        statuses.append(response.status)
    return statuses


async def count_cases(casework: Casework) -> int:
    async with casework.store.engine.begin() as conn:
        return int((await conn.execute(select(func.count()).select_from(cases))).scalar_one())


async def test_over_the_limit_a_person_is_told_once_and_nothing_more_is_handled(
    client: TestClient[web.Request, web.Application], connector: FakeConnector,
    casework: Casework,
) -> None:
    statuses = await post_all(client, [activity(connector, casework) for _ in range(LIMIT + 4)])

    assert all(status in (200, 201, 202) for status in statuses)  # never an error
    await connector.wait_for_activities(LIMIT + 1)
    assert said(connector) == ["card"] * LIMIT + [SLOW_DOWN]


async def test_one_persons_flood_leaves_everyone_else_alone(
    client: TestClient[web.Request, web.Application], connector: FakeConnector,
    casework: Casework,
) -> None:
    await post_all(client, [activity(connector, casework) for _ in range(LIMIT + 2)])
    await post_all(client, [activity(connector, casework, PETER)])
    replies = await connector.wait_for_activities(LIMIT + 2)
    assert [r.conversation_id for r in replies][-1] == "a:1personal-chat-peter-halloran"
    assert replies[-1].body.get("text") != SLOW_DOWN


async def test_after_a_minute_messages_are_handled_again_and_a_new_flood_is_told_again(
    client: TestClient[web.Request, web.Application], connector: FakeConnector,
    casework: Casework, seconds: Seconds,
) -> None:
    await post_all(client, [activity(connector, casework) for _ in range(LIMIT + 2)])
    seconds.now += 59
    await post_all(client, [activity(connector, casework)])  # still within the minute
    seconds.now += 1
    await post_all(client, [activity(connector, casework) for _ in range(LIMIT + 2)])
    await connector.wait_for_activities(2 * LIMIT + 2)
    assert said(connector) == ["card"] * LIMIT + [SLOW_DOWN] + ["card"] * LIMIT + [SLOW_DOWN]


async def test_an_unknown_account_cannot_make_the_bot_flood_either(
    client: TestClient[web.Request, web.Application], connector: FakeConnector,
    casework: Casework,
) -> None:
    stranger = {"id": "29:1stranger", "name": "Somebody", "aadObjectId": str(uuid.uuid4())}
    bodies = [activity(connector, casework, **{"from": stranger}) for _ in range(LIMIT + 5)]

    await post_all(client, bodies)

    await connector.wait_for_activities(LIMIT + 1)
    assert said(connector) == [UNKNOWN_USER] * LIMIT + [SLOW_DOWN]


async def test_a_card_action_over_the_limit_is_answered_politely_and_changes_nothing(
    client: TestClient[web.Request, web.Application], connector: FakeConnector,
    casework: Casework,
) -> None:
    await post_all(client, [activity(connector, casework) for _ in range(LIMIT)])
    submit = activity(connector, casework, type="invoke", name="adaptiveCard/action", value={
        "action": {"type": "Action.Execute", "verb": "member.enquiry.submit",
                   "data": {**form_values(), "nonce": str(uuid.uuid4())}}, "trigger": "manual"})

    response = await client.post("/api/messages", json=submit)

    assert response.status == 200
    body = await response.json()
    assert body["statusCode"] == 200 and SLOW_DOWN in str(body["value"])
    assert await count_cases(casework) == 0


def test_the_limit_counts_a_sliding_minute_per_person() -> None:
    seconds = Seconds()
    limit = RateLimit(2, clock_s=seconds)
    assert limit.check("a") is Verdict.HANDLE  # at 0 s
    seconds.now += 10
    assert [limit.check("a") for _ in range(3)] == [  # at 10 s
        Verdict.HANDLE, Verdict.REFUSE_AND_SAY, Verdict.REFUSE_QUIETLY]
    assert limit.check("b") is Verdict.HANDLE
    seconds.now += 50  # 60 s: the first is a minute old, and the warning 50 s
    assert [limit.check("a") for _ in range(2)] == [Verdict.HANDLE, Verdict.REFUSE_QUIETLY]
    seconds.now += 15  # 75 s: the second is a minute old, the warning more than a minute
    assert [limit.check("a") for _ in range(2)] == [Verdict.HANDLE, Verdict.REFUSE_AND_SAY]


def test_the_setting_defaults_to_30_a_minute_and_0_turns_it_off(tmp_path: Any) -> None:
    assert Settings.from_environ({}).rate_limit_per_minute == 30
    assert Settings.from_environ({"RATE_LIMIT_PER_MINUTE": "5"}).rate_limit_per_minute == 5
    database = f"sqlite+aiosqlite:///{tmp_path / 'limit.sqlite3'}"
    on = build_runtime(Settings(database_url=database, rate_limit_per_minute=5))
    off = build_runtime(Settings(database_url=database, rate_limit_per_minute=0))
    assert on.agent.rate_limit is not None and on.agent.rate_limit.per_minute == 5
    assert off.agent.rate_limit is None


@pytest.mark.parametrize("value", ["-1", "lots", "10001"])
def test_a_rate_limit_that_is_not_a_sensible_number_is_refused(value: str) -> None:
    with pytest.raises(SettingsError, match="RATE_LIMIT_PER_MINUTE"):
        Settings.from_environ({"RATE_LIMIT_PER_MINUTE": value})
