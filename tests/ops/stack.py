"""Starting the product's processes for the operations tests, the Teams activities sent to
them, and reading what they logged."""

from __future__ import annotations

import json
import os
import socket
import sys
import uuid
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from casestore.directory import Directory
from memberportal.processes import Child, spawn, wait_until_up
from tests.bot.member_fixtures import SARAH, TENANT, form_values
from tests.support.connector import FakeConnector

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


BOT = {"id": "28:bot", "name": "Member Enquiries"}


def chat(directory: Directory, connector: FakeConnector, **fields: Any) -> dict[str, Any]:
    sarah = directory.get(SARAH)
    return {"type": "message", "id": uuid.uuid4().hex, "serviceUrl": connector.service_url,
            "channelId": "msteams", "recipient": BOT,
            "from": {"id": sarah.teams_user_id, "name": sarah.name,
                     "aadObjectId": sarah.aad_object_id},
            "conversation": {"conversationType": "personal", "id": "a:sarah", "tenantId": TENANT},
            **fields}


def submit(directory: Directory, connector: FakeConnector, **values: Any) -> dict[str, Any]:
    data = {**form_values(**values), "nonce": str(uuid.uuid4())}
    return chat(directory, connector, type="invoke", name="adaptiveCard/action", value={
        "action": {"type": "Action.Execute", "verb": "member.enquiry.submit", "data": data}})
