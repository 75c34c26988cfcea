"""Crash safety (issue 11's proof): `memberportal serve` as a real process, SIGKILLed three times
while 320 enquiries are submitted at once, on SQLite and on PostgreSQL.

Half the submits are card buttons (Action.Execute with a nonce), half legacy message-style
submits; each client retries the same request (same activity id, same nonce) until it gets 200
or 201, and the server is started again after each kill. Afterwards:

- every submit is one case, exactly once, and every acknowledgement names that case;
- every message-style submit was acknowledged (a retry after a kill is handled, not dropped);
- the outbox drains (CLAIM_LEASE_S=2, so rows a killed instance had claimed go out within
  seconds) and nothing is dead-lettered;
- no case has two threads in the store; where the case card was posted twice (the process died
  between posting it and recording it), a reply in each post reaches the case.

The Bot Connector is a local fake in this process; nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import socket
import sys
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from casestore.db.engine import create_engine
from casestore.db.tables import case_events, case_threads, cases, outbox, thread_posts
from memberportal.processes import Child, wait_until_up
from tests.bot.member_fixtures import BOT_ID, TENANT, form_values
from tests.conftest import PG_URL
from tests.support import loopback_only
from tests.support.connector import FakeConnector

ROOT = Path(__file__).resolve().parents[2]
SUBMITS = 320
CONCURRENCY = 32
KILL_AT = (0.15, 0.40, 0.65)  # of the submits answered
MEMBERS = ("sarah-okafor", "peter-halloran", "joan-whitfield")
ROADS_OFFICER = "leanne-moorcroft"
START_TIMEOUT_S = 30.0
DRAIN_TIMEOUT_S = 30.0


@dataclass
class Server:
    """`memberportal serve` on a fixed port and database, killed and started again."""

    env: dict[str, str]
    port: int
    log: Path
    child: Child | None = None
    starts: int = 0
    kills: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        with self.log.open("ab") as out:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "memberportal", "serve", "--port", str(self.port),
                env=self.env, cwd=ROOT, stdin=asyncio.subprocess.DEVNULL, stdout=out,
                stderr=asyncio.subprocess.STDOUT, start_new_session=True)
        self.child = Child("memberportal serve", process)
        await wait_until_up(f"{self.url}/healthz", self.child, timeout_s=START_TIMEOUT_S)
        self.starts += 1

    async def kill(self) -> None:
        assert self.child is not None
        os.killpg(self.child.pid, signal.SIGKILL)
        await self.child.process.wait()
        self.kills += 1

    async def stop(self) -> None:
        if self.child is not None:
            await self.child.stop()


@dataclass
class Submit:
    n: int
    member: str
    style: str  # "card" or "message"
    nonce: str = field(default_factory=lambda: str(uuid.uuid4()))
    activity_id: str = field(default_factory=lambda: f"1{uuid.uuid4().int % 10**12:012d}")
    reference: str | None = None  # from the card the invoke answered with
    tries: int = 0

    @property
    def description(self) -> str:
        return f"Pothole number {self.n} on the school run"

    def activity(self, service_url: str, directory: dict[str, dict[str, str]]) -> dict[str, Any]:
        person = directory[self.member]
        values = {**form_values(description=self.description,
                                search_term=f"crash test {self.n}"), "nonce": self.nonce}
        body: dict[str, Any] = {
            "id": self.activity_id, "serviceUrl": service_url, "channelId": "msteams",
            "from": {"id": person["teams_user_id"], "name": person["name"],
                     "aadObjectId": person["aad_object_id"]},
            "conversation": {"conversationType": "personal", "tenantId": TENANT,
                             "id": f"a:1chat-{self.member}"},
            "recipient": {"id": BOT_ID, "name": "Member Enquiries"},
            "channelData": {"tenant": {"id": TENANT}}, "locale": "en-GB",
        }
        if self.style == "card":
            body.update(type="invoke", name="adaptiveCard/action", value={
                "action": {"type": "Action.Execute", "verb": "member.enquiry.submit",
                           "data": values}, "trigger": "manual"})
        else:
            body.update(type="message", text="", value={"verb": "member.enquiry.submit",
                                                        **values})
        return body


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A database URL of the test's own: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'cases.sqlite3'}"
        return
    request.getfixturevalue("pg_schema")  # PostgreSQL is reachable (or the test skips/fails)
    schema = f"crash_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL)
    async with admin.begin() as conn:
        await conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        async with admin.begin() as conn:
            await conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.dispose()


def people() -> dict[str, dict[str, str]]:
    from casestore.config import load_council_config
    from casestore.directory import Directory

    directory = Directory.from_config(load_council_config())
    return {p: {"teams_user_id": directory.get(p).teams_user_id, "name": directory.get(p).name,
                "aad_object_id": directory.get(p).aad_object_id}
            for p in (*MEMBERS, ROADS_OFFICER)}


async def submit_until_answered(session: aiohttp.ClientSession, server: Server,
                                submit: Submit, body: dict[str, Any]) -> None:
    while True:
        submit.tries += 1
        with contextlib.suppress(aiohttp.ClientError, TimeoutError, OSError):
            async with session.post(f"{server.url}/api/messages", json=body) as response:
                if response.status == 200 and submit.style == "card":
                    answer = await response.json()
                    submit.reference = reference_in(answer.get("value"))
                    if submit.reference:
                        return
                elif response.status == 201 and submit.style == "message":
                    return
        await asyncio.sleep(0.05 + random.random() * 0.2)


def reference_in(card: Any) -> str | None:
    for action in _actions(card):
        data = action.get("data") or {}
        if action.get("verb") == "member.case.open" and data.get("reference"):
            return str(data["reference"])
    return None


def _actions(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        own = [node] if str(node.get("type", "")).startswith("Action.") else []
        return own + [a for v in node.values() for a in _actions(v)]
    if isinstance(node, list):
        return [a for v in node for a in _actions(v)]
    return []


async def kill_as_submits_are_answered(server: Server, answered: list[Submit]) -> None:
    for share in KILL_AT:
        while len(answered) < share * SUBMITS:
            await asyncio.sleep(0.02)
        await server.kill()
        await server.start()


async def outbox_drained(url: str) -> Counter[str]:
    engine = create_engine(url)
    try:
        deadline = time.monotonic() + DRAIN_TIMEOUT_S
        while True:
            async with engine.connect() as conn:
                statuses = Counter(r[0] for r in await conn.execute(select(outbox.c.status)))
            if not statuses.keys() - {"sent", "dead"} or time.monotonic() > deadline:
                return statuses
            await asyncio.sleep(0.25)
    finally:
        await engine.dispose()


async def stored(url: str) -> dict[str, Any]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(select(cases.c.id, cases.c.reference,
                                              cases.c.description))).all()
            threads = Counter(r[0] for r in await conn.execute(select(case_threads.c.case_id)))
            posts = (await conn.execute(select(thread_posts.c.case_id,
                                               thread_posts.c.root_message_id))).all()
            events = (await conn.execute(select(case_events.c.case_id, case_events.c.kind,
                                                case_events.c.payload))).all()
        return {"cases": rows, "threads": threads, "posts": posts, "events": events}
    finally:
        await engine.dispose()


def case_card_posts(connector: FakeConnector) -> dict[str, list[str]]:
    """Reference -> the root ids of every case card the bot posted to a channel."""
    found: dict[str, list[str]] = defaultdict(list)
    for request in connector.requests:
        if request.kind != "create_conversation" or request.answered != 201:
            continue
        activity = request.body.get("activity") or {}
        for attachment in activity.get("attachments") or []:
            reference = next((str(a["data"]["reference"]) for a in _actions(
                attachment.get("content")) if (a.get("data") or {}).get("svc")), None)
            if reference:
                found[reference].append(str(request.answer["activityId"]))
                break
    return found


def acknowledgements(connector: FakeConnector) -> dict[str, set[str]]:
    """Incoming activity id -> the references on the cards the bot answered it with."""
    found: dict[str, set[str]] = defaultdict(set)
    for request in connector.requests:
        if request.kind != "reply" or not isinstance(request.body, dict):
            continue
        for attachment in request.body.get("attachments") or []:
            reference = reference_in(attachment.get("content"))
            if reference:
                found[str(request.activity_id)].add(reference)
    return found


async def reply_in_thread(session: aiohttp.ClientSession, server: Server, connector: FakeConnector,
                          who: dict[str, str], root: str, text: str) -> int:
    from casestore.config import load_council_config

    channel = load_council_config().service("roads").channel_id
    body = {
        "type": "message", "id": f"1{uuid.uuid4().int % 10**12:012d}",
        "serviceUrl": connector.service_url, "channelId": "msteams",
        "from": {"id": who["teams_user_id"], "name": who["name"],
                 "aadObjectId": who["aad_object_id"]},
        "conversation": {"conversationType": "channel", "isGroup": True, "tenantId": TENANT,
                         "id": f"{channel};messageid={root}"},
        "recipient": {"id": BOT_ID, "name": "Member Enquiries"}, "text": text,
        "channelData": {"tenant": {"id": TENANT}, "channel": {"id": channel}},
    }
    async with session.post(f"{server.url}/api/messages", json=body) as response:
        return response.status


async def test_killed_three_times_during_320_submits_nothing_is_lost_or_doubled(
    database: str, tmp_path: Path,
) -> None:
    started = time.monotonic()
    log = tmp_path / "serve.log"
    env = {**os.environ, "DATABASE_URL": database, "CLAIM_LEASE_S": "2", "SCHEDULER": "off",
           "PYTHONUNBUFFERED": "1", "EVENT_LOOP": "asyncio",
           "RATE_LIMIT_PER_MINUTE": "0"}  # three members send 320 enquiries in seconds
    for key in [k for k in env if k.startswith(("CONNECTIONS__", "MicrosoftApp", "GRAPH_"))]:
        env.pop(key)
    env.pop("COUNCIL_CONFIG", None)
    who = people()
    with loopback_only() as refused:
        async with FakeConnector() as connector:
            server = Server(env, free_port(), log)
            await server.start()
            try:
                submits = [Submit(n, MEMBERS[n % len(MEMBERS)], "card" if n % 2 else "message")
                           for n in range(SUBMITS)]
                answered: list[Submit] = []
                gate = asyncio.Semaphore(CONCURRENCY)
                timeout = aiohttp.ClientTimeout(total=20)
                async with aiohttp.ClientSession(timeout=timeout) as session:
                    async def one(submit: Submit) -> None:
                        async with gate:
                            await submit_until_answered(session, server, submit, submit.activity(
                                connector.service_url, who))
                        answered.append(submit)

                    killer = asyncio.create_task(kill_as_submits_are_answered(server, answered))
                    await asyncio.gather(*(one(s) for s in submits))
                    await killer
                    submitted_s = time.monotonic() - started
                    statuses = await outbox_drained(database)
                    drained_s = time.monotonic() - started
                    before_replies = await stored(database)
                    duplicated = {ref: roots for ref, roots in case_card_posts(connector).items()
                                  if len(roots) > 1}
                    for reference, roots in duplicated.items():
                        for root in roots:
                            status = await reply_in_thread(
                                session, server, connector, who[ROADS_OFFICER], root,
                                f"{reference}: crew booked (thread {root})")
                            assert status in (200, 201)
                after = await stored(database)
            finally:
                await server.stop()
    assert refused == []
    elapsed = time.monotonic() - started

    assert server.kills == 3 and server.starts == 4
    # every submit is one case, exactly once, and every acknowledgement names that case
    by_description = Counter(description for _, _, description in after["cases"])
    reference_of = {description: reference for _, reference, description in after["cases"]}
    assert len(after["cases"]) == SUBMITS
    assert all(by_description[s.description] == 1 for s in submits)
    for s in submits:
        if s.style == "card":
            assert s.reference == reference_of[s.description]
    acks = acknowledgements(connector)
    for s in submits:
        if s.style == "message":
            assert acks[s.activity_id] == {reference_of[s.description]}, \
                f"message submit {s.n} was not acknowledged with its own case"
    # the outbox drained, nothing dead-lettered
    assert set(statuses) == {"sent"}, statuses
    # no case has two threads; a card posted twice still leads to its case from either post
    assert all(n == 1 for n in after["threads"].values())
    assert len(after["threads"]) == SUBMITS
    posted = case_card_posts(connector)
    assert set(posted) == set(reference_of.values())
    id_of = {reference: case_id for case_id, reference, _ in after["cases"]}
    for reference, roots in duplicated.items():
        replies = [e for e in after["events"] if e.case_id == id_of[reference] and
                   e.kind == "replied"]
        assert len(replies) == len(roots), f"{reference}: a reply in a second post was lost"
    assert len(before_replies["events"]) <= len(after["events"])
    print(f"\n{SUBMITS} submits, {server.kills} kills, "
          f"{sum(s.tries for s in submits) - SUBMITS} retries, "
          f"{len(duplicated)} case card(s) posted twice; answered by {submitted_s:.1f} s, "
          f"outbox drained by {drained_s:.1f} s, {elapsed:.1f} s in all")
    assert elapsed < 90, f"the crash test took {elapsed:.0f} s"
