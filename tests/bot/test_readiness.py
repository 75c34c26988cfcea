"""`/healthz` says the process is alive; `/readyz` says it may take traffic: the database
answers at the migrations' head, and the scheduler runs where this instance schedules."""

from __future__ import annotations

import socket
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from casestore.db.store import Store
from memberportal.app import RUNTIME_KEY, create_app
from memberportal.settings import Settings


async def test_a_started_instance_is_ready_with_each_check_named(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'ready.sqlite3'}")
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as client:
        response = await client.get("/readyz")
        body = await response.json()

    assert response.status == 200
    assert body == {"status": "ready", "checks": {
        "database": "ok", "migrations": "current", "scheduler": "running"}}


async def test_an_instance_without_the_scheduler_is_ready_and_says_a_worker_runs_it(
    tmp_path: Path,
) -> None:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'ready.sqlite3'}",
                        scheduler_enabled=False)
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as client:
        body = await (await client.get("/readyz")).json()

    assert body["checks"]["scheduler"] == "off here (a worker runs it)"


async def test_readyz_fails_when_the_database_is_down_while_healthz_still_answers(
    tmp_path: Path,
) -> None:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'ready.sqlite3'}",
                        scheduler_enabled=False)
    app = create_app(settings)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        context = app[RUNTIME_KEY].context
        working = context.store
        # the database server goes away: nothing listens where the store points now
        context.store = Store.from_url(f"postgresql+asyncpg://postgres@127.0.0.1:{_closed_port()}/x")
        try:
            ready = await client.get("/readyz")
            alive = await client.get("/healthz")
            body = await ready.json()
        finally:
            await context.store.dispose()
            context.store = working

    assert ready.status == 503
    assert body["status"] == "not ready"
    assert body["checks"]["database"].startswith("unreachable")
    assert alive.status == 200


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
