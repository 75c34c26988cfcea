"""Starting the product's processes for the operations tests, and reading what they logged."""

from __future__ import annotations

import json
import os
import socket
import sys
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from memberportal.processes import Child, spawn, wait_until_up

START_TIMEOUT_S = 60.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _server_dsn(url: str, database: str) -> str:
    parsed = make_url(url).set(drivername="postgresql", database=database)
    return parsed.render_as_string(hide_password=False)


async def create_database(url: str, name: str) -> str:
    """A new, empty database beside the one `url` names; its URL."""
    conn = await asyncpg.connect(_server_dsn(url, "postgres"))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return _server_dsn(url, name)


async def drop_database(url: str, name: str) -> None:
    conn = await asyncpg.connect(_server_dsn(url, "postgres"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def start(command: str, *, name: str, database_url: str, log: Path, cwd: Path,
                port: int | None = None, **settings: str) -> Child:
    """`memberportal <command>` with JSON logs to `log`; for `serve`, once /healthz answers."""
    env: dict[str, str] = {**os.environ, "DATABASE_URL": database_url, "LOG_FORMAT": "json",
                           "LOG_LEVEL": "INFO", "EVENT_LOOP": "asyncio", **settings}
    argv = [sys.executable, "-m", "memberportal", command]
    if port is not None:
        argv += ["--port", str(port)]
    with log.open("ab") as out:
        child = await spawn(name, argv, env=env, cwd=cwd, stdout=out, stderr=out)
    if port is not None:
        await wait_until_up(f"http://127.0.0.1:{port}/healthz", child,
                            timeout_s=START_TIMEOUT_S)
    return child


def json_lines(log: Path) -> list[dict[str, Any]]:
    """The JSON records a process logged (its other output, such as the banner, skipped)."""
    found = []
    for line in log.read_text(encoding="utf-8").splitlines():
        if line.startswith("{"):
            found.append(json.loads(line))
    return found

