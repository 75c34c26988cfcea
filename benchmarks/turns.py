"""Member turns over real HTTP: the full app on 127.0.0.1 with a local Bot Connector."""

from __future__ import annotations

import tempfile
import uuid
from typing import Any

from aiohttp import ClientSession, web

from benchmarks.__main__ import timed
from casestore.demo.seed import seed_demo
from memberportal.app import create_app
from memberportal.context import Context
from memberportal.settings import Settings
from tests.support.connector import FakeConnector


def _message(connector: FakeConnector, ctx: Context, text: str) -> dict[str, Any]:
    sarah = ctx.directory.get("sarah-okafor")
    return {
        "type": "message", "id": uuid.uuid4().hex, "text": text,
        "serviceUrl": connector.service_url, "channelId": "msteams",
        "from": {"id": sarah.teams_user_id, "name": sarah.name,
                 "aadObjectId": sarah.aad_object_id},
        "conversation": {"conversationType": "personal", "id": "a:bench-chat"},
        "recipient": {"id": "28:bot", "name": "Member Enquiries"},
    }


async def bench_turns() -> None:
    print("Bot turns over HTTP (SQLite, local connector):")
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp}/turns.sqlite3",
                            scheduler_enabled=False)
        ctx = Context.build(settings)
        app = create_app(settings, context=ctx, background=False)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        from datetime import UTC, datetime
        await seed_demo(ctx.casework, now=datetime.now(UTC))
        async with FakeConnector() as connector, ClientSession() as http:
            url = f"http://127.0.0.1:{port}/api/messages"

            async def turn(text: str) -> None:
                async with http.post(url, json=_message(connector, ctx, text)) as response:
                    assert response.status < 300, response.status

            await timed("'help' (one card back)", 200, lambda i: turn("help"))
            await timed("'my cases' (a page of 10 with badges)", 200,
                        lambda i: turn("my cases"))
            await timed("'new enquiry' (the form)", 200, lambda i: turn("new enquiry"))
        await runner.cleanup()
