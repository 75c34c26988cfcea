"""Two `memberportal serve` instances and a worker on one PostgreSQL database, as
docs/deployment.md ("Running several instances") sets them up: the outbox is shared, nothing is
sent twice, and each sweep runs once per due time, even while a second worker overlaps the first
(a rolling upgrade) and the first is stopped.

200 enquiries are submitted over real HTTP, spread over both instances; each case's thread is
posted in the roads channel; an officer then acknowledges each case in its thread, again over
both instances, and each acknowledgement reaches the councillor. A local Bot Connector counts
what arrives.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from casestore.db.store import Store
from casestore.db.tables import case_threads, cases, outbox
from casestore.directory import Directory
from memberportal.processes import Child, run_to_end
from tests.bot.member_fixtures import TENANT
from tests.ops.stack import BOT, free_port, json_lines, start, submit
from tests.support.connector import CapturedRequest, FakeConnector

ENQUIRIES = 200
CONCURRENCY = 16
SWEEP_INTERVAL_S = "10"
OFFICER = "leanne-moorcroft"
REFERENCE = re.compile(r"ENQ-\d{4}-\d{6}")
SWEEP_RAN = re.compile(r"^SLA sweep due (\S+) ran")


async def spread(count: int, turn: Callable[[int], Awaitable[None]]) -> None:
    """`turn(0)` … `turn(count - 1)`, `CONCURRENCY` at a time."""
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(n: int) -> None:
        async with gate:
            await turn(n)

    await asyncio.gather(*(one(n) for n in range(count)))


async def until(check: Callable[[], Awaitable[bool]], what: str, timeout_s: float) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout_s:.0f} s")
        await asyncio.sleep(0.5)


def references_in(requests: list[CapturedRequest]) -> Counter[str]:
    """How many times each case reference arrived (one per request)."""
    found: Counter[str] = Counter()
    for request in requests:
        found.update(set(REFERENCE.findall(str(request.body))))
    return found


def officer_press(directory: Directory, connector: FakeConnector, thread: str, channel: str,
                  reference: str) -> dict[str, Any]:
    person = directory.get(OFFICER)
    return {
        "type": "invoke", "name": "adaptiveCard/action", "id": uuid.uuid4().hex,
        "channelId": "msteams", "serviceUrl": connector.service_url, "recipient": BOT,
        "from": {"id": person.teams_user_id, "name": person.name,
                 "aadObjectId": person.aad_object_id},
        "conversation": {"id": thread, "conversationType": "channel", "isGroup": True,
                         "tenantId": TENANT},
        "channelData": {"channel": {"id": channel}, "tenant": {"id": TENANT}},
        "value": {"action": {"type": "Action.Execute", "verb": "officer.acknowledge",
                             "data": {"ref": reference, "nonce": str(uuid.uuid4()),
                                      "svc": "roads"}}, "trigger": "manual"}}


@pytest.mark.postgres
@pytest.mark.timeout(600)
async def test_two_instances_and_a_worker_send_everything_once_and_sweep_once(
    pg_database_url: str, directory: Directory, tmp_path: Path,
) -> None:
    # one councillor and one officer at full speed: the per-person rate limit is off
    env = {"SWEEP_INTERVAL_S": SWEEP_INTERVAL_S, "RATE_LIMIT_PER_MINUTE": "0"}
    migrated = await run_to_end([sys.executable, "-m", "memberportal", "migrate"],
                                env={**_environ(pg_database_url)}, cwd=tmp_path)
    assert migrated == 0  # the release step, before any instance starts
    ports = [free_port(), free_port()]
    bases = [f"http://127.0.0.1:{p}" for p in ports]
    logs = {name: tmp_path / f"{name}.log" for name in ("a", "b", "worker-1", "worker-2")}
    children: list[Child] = []
    store = Store.from_url(pg_database_url)
    try:
        worker_1, serve_a, serve_b = await asyncio.gather(
            start("worker", name="worker-1", database_url=pg_database_url,
                  log=logs["worker-1"], cwd=tmp_path, **env),
            *(start("serve", name=name, database_url=pg_database_url, log=logs[name],
                    cwd=tmp_path, port=port, SCHEDULER="off", **env)
              for name, port in zip(("a", "b"), ports, strict=True)))
        children += [worker_1, serve_a, serve_b]
        async with FakeConnector() as connector, aiohttp.ClientSession() as http:
            # -- 200 enquiries, alternately through each instance --------------------------
            raised: list[str] = []

            async def raise_one(n: int) -> None:
                answer = await http.post(f"{bases[n % 2]}/api/messages", json=submit(
                    directory, connector, search_term=f"Mill Lane {n}"))
                assert answer.status == 200
                raised.extend(REFERENCE.findall(str((await answer.json())["value"]))[:1])

            await spread(ENQUIRIES, raise_one)
            assert len(set(raised)) == ENQUIRIES

            async def threads_posted() -> bool:
                return await _count(store, case_threads) == ENQUIRIES
            await until(threads_posted, "every case's thread posted", 180)
            # a second worker starts before the first stops: a rolling upgrade
            worker_2 = await start("worker", name="worker-2", database_url=pg_database_url,
                                   log=logs["worker-2"], cwd=tmp_path, **env)
            children.append(worker_2)

            # -- the officer acknowledges each case in its thread, through both instances --
            threads = await _threads(store)
            roads = (await _channel(store))

            async def acknowledge(n: int) -> None:
                reference, thread = threads[n]
                answer = await http.post(f"{bases[n % 2]}/api/messages", json=officer_press(
                    directory, connector, thread, roads, reference))
                assert answer.status == 200
                assert "Acknowledged" in str(await answer.json())

            await spread(ENQUIRIES, acknowledge)
            await asyncio.sleep(2 * int(SWEEP_INTERVAL_S) + 2)  # both workers see due times
            worker_1.process.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(worker_1.process.wait(), 60) == 0

            async def all_sent() -> bool:
                counts = await _statuses(store)
                return set(counts) == {"sent"}
            await until(all_sent, "the outbox drained", 180)
            await asyncio.sleep(int(SWEEP_INTERVAL_S) + 2)  # one more sweep, by worker 2
            ready = await http.get(f"{bases[1]}/readyz")
            ready_body = await ready.json()
            for child in (serve_a, serve_b, worker_2):
                child.process.send_signal(signal.SIGTERM)
            exits = [await asyncio.wait_for(c.process.wait(), 60) for c in
                     (serve_a, serve_b, worker_2)]
            requests = list(connector.requests)
        statuses = await _statuses(store)
        senders = await _senders(store)
    finally:
        for child in children:
            await child.stop()
        await store.dispose()

    assert exits == [0, 0, 0]
    # every case thread posted once, in the roads channel
    posts = [r for r in requests if r.kind == "create_conversation"]
    assert {r.body["channelData"]["channel"]["id"] for r in posts} == {roads}
    assert references_in(posts) == Counter({ref: 1 for ref in raised})
    # every acknowledgement reached the councillor once, in her chat with the bot
    acks = [r for r in requests if r.is_activity and r.conversation_id == "a:sarah"]
    assert all("acknowledged" in str(r.body).lower() for r in acks)
    assert references_in(acks) == Counter({ref: 1 for ref in raised})
    assert statuses == {"sent": 2 * ENQUIRIES}
    assert len(senders) >= 2  # the outbox is shared: more than one process sent from it
    assert ready.status == 200, ready_body
    assert ready_body["checks"]["scheduler"].startswith("off here; the worker is alive")
    # the sweep ran once per due time, though two workers overlapped
    records = {name: json_lines(path) for name, path in logs.items()}
    ran = Counter(m.group(1) for rs in records.values() for r in rs
                  if (m := SWEEP_RAN.match(r["message"])))
    assert len(ran) >= 4, ran
    assert [due for due, n in ran.items() if n > 1] == []
    by_worker_2 = {m.group(1) for r in records["worker-2"]
                   if (m := SWEEP_RAN.match(r["message"]))}
    by_worker_1 = {m.group(1) for r in records["worker-1"]
                   if (m := SWEEP_RAN.match(r["message"]))}
    assert by_worker_1 and by_worker_2  # each ran some; neither ran one the other ran
    skipped = [r for rs in records.values() for r in rs
               if r["message"].startswith("sla-sweep due ")
               and r["message"].endswith("was run by another instance")]
    assert skipped, "the two workers never fired for the same due time"
    assert not any(SWEEP_RAN.match(r["message"]) for r in records["a"] + records["b"])


def _environ(database_url: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": database_url}


async def _count(store: Store, table: Any) -> int:
    async with store.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def _threads(store: Store) -> list[tuple[str, str]]:
    async with store.engine.connect() as conn:
        rows = await conn.execute(
            select(cases.c.reference, case_threads.c.conversation_id)
            .join(case_threads, case_threads.c.case_id == cases.c.id).order_by(cases.c.id))
        return [(r.reference, r.conversation_id) for r in rows]


async def _channel(store: Store) -> str:
    async with store.engine.connect() as conn:
        return str((await conn.execute(select(case_threads.c.channel_id).limit(1))).scalar_one())


async def _statuses(store: Store) -> dict[str, int]:
    async with store.engine.connect() as conn:
        rows = await conn.execute(select(outbox.c.status, func.count()).group_by(outbox.c.status))
        return {r[0]: int(r[1]) for r in rows}


async def _senders(store: Store) -> set[str]:
    async with store.engine.connect() as conn:
        rows = await conn.execute(select(outbox.c.claimed_by).distinct()
                                  .where(outbox.c.status == "sent"))
        return {str(r[0]) for r in rows}
