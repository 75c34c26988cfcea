"""`/readyz`: may this instance take traffic? (`/healthz` only says the process is alive.)

Ready means the database answers, its schema is at the migrations' head, and the scheduled jobs
are running somewhere: here, where this process runs the scheduler, or in the worker, whose
scheduler writes a heartbeat to the database every 15 seconds (an instance with SCHEDULER=off is
not ready once no heartbeat is younger than `WORKER_SILENT_S`). Any failure answers 503 with the
check that failed, so a load balancer or Container Apps' readiness probe takes the instance out
of rotation.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any, Protocol

from aiohttp import web

from casestore.db import migrate
from memberportal.context import Context
from memberportal.settings import Settings

CHECK_TIMEOUT_S = 5.0
WORKER_SILENT_S = 90.0  # six missed heartbeats


class Runtime(Protocol):
    """What readiness reads of the composition root's runtime."""

    settings: Settings
    context: Context
    scheduler: Any


async def readiness(runtime: Runtime, now: datetime | None = None
                    ) -> tuple[bool, dict[str, str]]:
    checks: dict[str, str] = {}
    store = runtime.context.store
    try:
        current = await asyncio.wait_for(
            migrate.current_revision(store.engine), CHECK_TIMEOUT_S)
        last_beat = None
        if not runtime.settings.scheduler_enabled:
            last_beat = await asyncio.wait_for(_last_beat(runtime), CHECK_TIMEOUT_S)
    except Exception as exc:  # any failure to reach the database is the same answer
        checks["database"] = f"unreachable ({type(exc).__name__})"
        return False, checks
    checks["database"] = "ok"
    head = migrate.head_revision()
    checks["migrations"] = "current" if current == head else f"at {current}, not {head}"
    if runtime.settings.scheduler_enabled:
        running = runtime.scheduler is not None and runtime.scheduler.running
        checks["scheduler"] = "running" if running else "not running"
        scheduled = running
    else:
        checks["scheduler"], scheduled = _worker(last_beat, now or datetime.now(UTC))
    return checks["migrations"] == "current" and scheduled, checks


async def _last_beat(runtime: Runtime) -> datetime | None:
    async with runtime.context.store.read() as uow:
        return await uow.scheduler.last_beat()


def _worker(last_beat: datetime | None, now: datetime) -> tuple[str, bool]:
    if last_beat is None:
        return "off here; no worker has started (no heartbeat)", False
    silent_s = max(0, int((now - last_beat).total_seconds()))
    if silent_s > WORKER_SILENT_S:
        return f"off here; the worker has been silent for {silent_s} s", False
    return f"off here; the worker is alive (heartbeat {silent_s} s ago)", True


def readyz_handler(runtime: Runtime) -> Any:
    async def readyz(_request: web.Request) -> web.Response:
        ready, checks = await readiness(runtime)
        return web.json_response({"status": "ready" if ready else "not ready",
                                  "checks": checks}, status=200 if ready else 503)
    return readyz
