"""`/healthz` says the process is alive; `/readyz` says it may take traffic: the database
answers at the migrations' head, and the scheduled jobs run, here or in a live worker."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from casestore.casework import Casework
from casestore.config import CouncilConfig
from casestore.db.store import Store
from casestore.directory import Directory
from memberportal.app import RUNTIME_KEY, build_runtime, create_app, running
from memberportal.context import Context
from memberportal.health import WORKER_SILENT_S, readiness
from memberportal.settings import Settings
from scheduler.runner import Jobs


def _context(settings: Settings, store: Store, config: CouncilConfig,
             directory: Directory) -> Context:
    return Context(settings, config, directory, store, Casework(store, config, directory))


@pytest.fixture
async def serving(empty_store: Store, config: CouncilConfig, directory: Directory
                  ) -> AsyncIterator[tuple[TestClient, Context]]:  # type: ignore[type-arg]
    """A bot instance with SCHEDULER=off, as behind a load balancer with a worker beside it."""
    settings = Settings(scheduler_enabled=False)
    ctx = _context(settings, empty_store, config, directory)
    async with TestClient(TestServer(create_app(settings, context=ctx), host="127.0.0.1")
                          ) as client:
        yield client, ctx


async def test_a_started_instance_is_ready_with_each_check_named(
    empty_store: Store, config: CouncilConfig, directory: Directory,
) -> None:
    settings = Settings()
    app = create_app(settings, context=_context(settings, empty_store, config, directory))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        response = await client.get("/readyz")
        body = await response.json()
        beat = await _last_beat(empty_store)

    assert response.status == 200
    assert body == {"status": "ready", "checks": {
        "database": "ok", "migrations": "current", "scheduler": "running"}}
    assert beat is not None  # its scheduler beats at once, for the instances that have none


async def test_an_instance_without_the_scheduler_is_not_ready_until_a_worker_beats(
    serving: tuple[TestClient, Context],  # type: ignore[type-arg]
) -> None:
    client, ctx = serving

    before = await client.get("/readyz")
    worker = build_runtime(Settings(), context=_context(
        Settings(), ctx.store, ctx.config, ctx.directory))
    async with running(worker):  # what `memberportal worker` runs, on the same database
        await _until_beat(ctx.store)
        during = await client.get("/readyz")

    assert before.status == 503
    assert (await before.json())["checks"]["scheduler"] == \
        "off here; no worker has started (no heartbeat)"
    assert during.status == 200
    assert (await during.json())["checks"]["scheduler"].startswith(
        "off here; the worker is alive (heartbeat ")


async def test_an_instance_without_the_scheduler_is_not_ready_once_the_worker_falls_silent(
    serving: tuple[TestClient, Context],  # type: ignore[type-arg]
) -> None:
    client, ctx = serving
    now = datetime.now(UTC)
    await Jobs(ctx.casework, lambda: now).heartbeat(now - timedelta(seconds=WORKER_SILENT_S - 5))
    runtime = client.app[RUNTIME_KEY]

    ready_now, _ = await readiness(runtime, now)
    ready_later, checks = await readiness(runtime, now + timedelta(seconds=60))
    answer = await client.get("/readyz")

    assert ready_now and answer.status == 200
    assert not ready_later
    assert checks["scheduler"] == "off here; the worker has been silent for 145 s"


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
            body, alive_body = await ready.json(), await alive.json()
        finally:
            await context.store.dispose()
            context.store = working

    assert ready.status == 503
    assert body["status"] == "not ready"
    assert body["checks"]["database"].startswith("unreachable")
    assert alive.status == 200
    assert alive_body == {"status": "ok"}


async def _last_beat(store: Store) -> datetime | None:
    async with store.read() as uow:
        return await uow.scheduler.last_beat()


async def _until_beat(store: Store) -> None:
    for _ in range(100):
        if await _last_beat(store) is not None:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the worker's scheduler wrote no heartbeat within 5 s")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
