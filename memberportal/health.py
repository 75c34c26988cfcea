"""`/readyz`: may this instance take traffic? (`/healthz` only says the process is alive.)

Ready means the database answers, its schema is at the migrations' head, and, where this process
runs the scheduler, the scheduler is running. Any failure answers 503 with the check that failed,
so a load balancer or Container Apps' readiness probe takes the instance out of rotation.
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

from aiohttp import web

from casestore.db import migrate
from memberportal.context import Context
from memberportal.settings import Settings


class Runtime(Protocol):
    """What readiness reads of the composition root's runtime."""

    settings: Settings
    context: Context
    scheduler: Any

CHECK_TIMEOUT_S = 5.0


async def readiness(runtime: Runtime) -> tuple[bool, dict[str, str]]:
    checks: dict[str, str] = {}
    try:
        current = await asyncio.wait_for(
            migrate.current_revision(runtime.context.store.engine), CHECK_TIMEOUT_S)
    except Exception as exc:  # any failure to reach the database is the same answer
        checks["database"] = f"unreachable ({type(exc).__name__})"
        return False, checks
    checks["database"] = "ok"
    head = migrate.head_revision()
    checks["migrations"] = "current" if current == head else f"at {current}, not {head}"
    if not runtime.settings.scheduler_enabled:
        checks["scheduler"] = "off here (a worker runs it)"
    elif runtime.scheduler is not None and runtime.scheduler.running:
        checks["scheduler"] = "running"
    else:
        checks["scheduler"] = "not running"
    ready = checks["migrations"] == "current" and checks["scheduler"] != "not running"
    return ready, checks


def readyz_handler(runtime: Runtime) -> Any:
    async def readyz(_request: web.Request) -> web.Response:
        ready, checks = await readiness(runtime)
        return web.json_response({"status": "ready" if ready else "not ready",
                                  "checks": checks}, status=200 if ready else 503)
    return readyz
