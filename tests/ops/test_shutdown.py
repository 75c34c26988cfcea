"""Graceful shutdown of a real `memberportal serve`: SIGTERM closes the listener, the turn in
flight finishes and its reply reaches Teams, the send in progress completes, and the outbox rows
the instance claimed but did not send are released for another instance at once."""

from __future__ import annotations

import asyncio
import signal
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from casestore.db.store import Store
from casestore.db.tables import outbox
from casestore.directory import Directory
from tests.ops.stack import chat, free_port, json_lines, start, submit
from tests.support.connector import FakeConnector

SLOW_S = 3.0


@pytest.mark.timeout(180)
async def test_sigterm_finishes_the_turn_in_flight_and_releases_unsent_outbox_claims(
    database_url: str, directory: Directory, tmp_path: Path,
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    server = await start("serve", name="serve", database_url=database_url, log=log,
                         cwd=tmp_path, port=port, SCHEDULER="off", SHUTDOWN_TIMEOUT_S="20")
    try:
        async with FakeConnector() as connector, aiohttp.ClientSession() as http:
            said = await http.post(f"{base}/api/messages",
                                   json=chat(directory, connector, text="new enquiry"))
            assert said.status < 300  # the bot now knows where Teams is
            await connector.wait_for_activities(1)
            connector.delay_s = SLOW_S  # from here every answer from Teams takes 3 s
            for n in range(4):
                answer = await http.post(f"{base}/api/messages", json=submit(
                    directory, connector, search_term=f"Mill Lane {n}"))
                assert f"ENQ-2026-00000{n + 1}" in str(await answer.json())
                if n == 0:  # delivery claims the first case's thread alone and posts it
                    await connector.wait_for(1, where=lambda r: r.kind == "create_conversation",
                                             timeout_s=10)
            # then it claims the other three in one batch and posts the first of them
            await connector.wait_for(2, where=lambda r: r.kind == "create_conversation",
                                     timeout_s=10)
            turn = asyncio.create_task(http.post(
                f"{base}/api/messages", json=chat(directory, connector, text="my cases")))
            await connector.wait_for(2, where=lambda r: r.conversation_id == "a:sarah",
                                     timeout_s=10)  # the slow reply is on its way

            server.process.send_signal(signal.SIGTERM)
            await asyncio.sleep(0.5)
            with pytest.raises(aiohttp.ClientConnectionError):  # no new request is taken
                await http.get(f"{base}/healthz", timeout=aiohttp.ClientTimeout(total=2))
            finished = await turn
            exit_status = await asyncio.wait_for(server.process.wait(), 60)
            threads_posted = [r for r in connector.requests if r.kind == "create_conversation"]
    finally:
        await server.stop()

    assert finished.status == 201
    replies = [r for r in connector.requests if r.conversation_id == "a:sarah"]
    assert len(replies) == 2 and "ENQ-2026-000004" in str(replies[-1].body)  # the list
    assert exit_status == 0, log.read_text()
    assert len(threads_posted) == 2  # the send in progress finished; no new one started
    rows = await _outbox(database_url)
    assert sorted(r.status for r in rows) == ["pending", "pending", "sent", "sent"]
    now = datetime.now(UTC)
    unsent = [r for r in rows if r.status == "pending"]
    assert [r.claimed_by for r in unsent] == [None, None]
    assert all(r.next_attempt_at <= now for r in unsent)  # due at once, not after the lease
    assert [r.attempts for r in unsent] == [0, 0]
    messages = [r["message"] for r in json_lines(log)]
    assert "released 2 outbox message(s) claimed but not sent" in messages


async def _outbox(database_url: str) -> list[Any]:
    store = Store.from_url(database_url)
    try:
        async with store.engine.connect() as conn:
            return list(await conn.execute(select(
                outbox.c.status, outbox.c.claimed_by, outbox.c.next_attempt_at,
                outbox.c.attempts).order_by(outbox.c.id)))
    finally:
        await store.dispose()
