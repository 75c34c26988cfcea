"""More than one person in one Agents Playground: a loopback proxy per extra person.

The Playground's web page acts as the config's current user, and the Playground keeps no history
for a page opened later (a page shows what arrives while it is open). Restarting it as someone
else would lose the channel threads the bot posted. Instead `memberportal run` serves the same
Playground again on one more port per person; each proxy passes every request and websocket
through unchanged, except the page's `GET /_internal/v1/config`, which it answers with that
person as the current user (`memberportal.playground.act_as`). The page uses its own origin for
the API and websockets, so everything it does goes through its proxy, and the Playground's
server accepts the messages and card clicks because the person is a member of the team.

One thing the Playground does not do for such a page: a *typed* message always reaches the bot
from the configured current user (its server takes the sender from its config, while a card
click carries the clicking person). So when a persona types a message that @mentions the bot in a
channel, the proxy stores it in the Playground without the bot's mention (it is shown, but the
Playground does not send it) and delivers it to the bot itself through the Playground's own
custom-activity endpoint, as the activity Teams would send: from that person, in that thread,
with the @mention. Messages that do not mention the bot are not delivered, as in the Playground
(it does not emulate RSC; see docs/playground.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import aiohttp
from aiohttp import web

from memberportal.playground import act_as

log = logging.getLogger(__name__)

CONFIG_PATH = "/_internal/v1/config"
TEST_CONFIG_PATH = "/_internal/v1/testConfig"  # the same answer, without side effects
INSTALLATION = re.compile(r"^/_debug/conversation/[^/]+/installation$")
CUSTOM_ACTIVITY_PATH = "/_internal/v1/customActivities"
MESSAGES = re.compile(r"^/_conversation/v1/conversations/(?P<cid>[^/]+)/messages$")
HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "transfer-encoding", "upgrade", "host", "content-length", "content-encoding",
    "accept-encoding",
})
SESSION_KEY = web.AppKey("session", aiohttp.ClientSession)


@dataclass(frozen=True)
class Persona:
    user_id: str  # the Playground user id (the person's Teams user id)
    name: str
    port: int


def _headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() not in HOP_BY_HOP}


def persona_app(upstream: str, user_id: str, *, service_url: str) -> web.Application:
    """An aiohttp app that forwards to the Playground at `upstream` (http://127.0.0.1:PORT);
    `service_url` is the connector URL the Playground gives the bot."""
    ws_upstream = "ws" + upstream.removeprefix("http")

    async def forward(request: web.Request) -> web.StreamResponse:
        session = request.app[SESSION_KEY]
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await _websocket(request, session, ws_upstream + request.path_qs)
        if request.method == "POST" and INSTALLATION.match(request.path):
            # The page tells the bot "installed" on every load, as the configured user: a
            # persona's tab would greet that user again. Teams sends it once per install.
            return web.Response(status=200)
        found = MESSAGES.match(request.path)
        if request.method == "POST" and found:
            typed = await _typed_to_bot(session, upstream, unquote(found["cid"]), user_id,
                                        await request.json(), service_url)
            if typed is not None:
                return typed
        async with session.request(
            request.method, upstream + request.path_qs, headers=_headers(request.headers),
            data=await request.read() if request.body_exists else None, allow_redirects=False,
        ) as answer:
            body = await answer.read()
            if request.method == "GET" and request.path == CONFIG_PATH and answer.status == 200:
                body = json.dumps(act_as(json.loads(body), user_id)).encode()
            return web.Response(status=answer.status, body=body,
                                headers=_headers(answer.headers))

    async def session_ctx(app: web.Application) -> AsyncIterator[None]:
        app[SESSION_KEY] = aiohttp.ClientSession(auto_decompress=True)
        yield
        await app[SESSION_KEY].close()

    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.cleanup_ctx.append(session_ctx)
    app.router.add_route("*", "/{tail:.*}", forward)
    return app


async def _typed_to_bot(session: aiohttp.ClientSession, upstream: str, conversation_id: str,
                        user_id: str, body: dict[str, Any], service_url: str
                        ) -> web.Response | None:
    """A persona's typed channel message that @mentions the bot: store it, then deliver it to
    the bot as that person. None when it is anything else (forwarded unchanged)."""
    async with session.get(upstream + TEST_CONFIG_PATH) as answer:
        config = (await answer.json())["config"]
    bot = config["bot"]
    mentions = body.get("mentions") or []
    channel_id = conversation_id.split(";", 1)[0]
    teams = [t for t in config.get("teams", [])
             if channel_id in {c["id"] for c in t.get("channels", [])}]
    if not teams or not any(m.get("mentioned", {}).get("id") == bot["id"] for m in mentions):
        return None
    shown = re.sub(r"<at>(.*?)</at>", r"@\1", str(body.get("text", "")))
    stored = {**body, "text": shown,
              "mentions": [m for m in mentions if m["mentioned"]["id"] != bot["id"]]}
    async with session.post(upstream + f"/_conversation/v1/conversations/{conversation_id}"
                            "/messages", json=stored) as answer:
        created = await answer.json()
        if answer.status != 200:
            return web.json_response(created, status=answer.status)
    person = next(p for p in [config["currentUser"], *config["users"]] if p["id"] == user_id)
    activity = channel_message(
        conversation_id=created.get("postConversationId") or conversation_id,
        message_id=str(created.get("messageId") or uuid.uuid4()), text=body.get("text", ""),
        person=person, bot=bot, tenant_id=config["tenantId"], team_id=teams[0]["id"],
        channel_id=channel_id, service_url=service_url,
        mentions=[m for m in mentions if m["mentioned"]["id"] == bot["id"]])
    async with session.post(upstream + CUSTOM_ACTIVITY_PATH, json=activity) as answer:
        if answer.status >= 300:
            log.warning("the Playground refused %s's message for the bot: HTTP %s",
                        person["name"], answer.status)
    return web.json_response(created)


def channel_message(*, conversation_id: str, message_id: str, text: str, person: dict[str, Any],
                    bot: dict[str, Any], tenant_id: str, team_id: str, channel_id: str,
                    service_url: str, mentions: list[dict[str, Any]]) -> dict[str, Any]:
    """The activity Teams sends a bot for an @mention in a channel (the Playground's shape)."""
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    return {
        "type": "message", "id": message_id, "timestamp": now, "localTimestamp": now,
        "channelId": "msteams", "serviceUrl": service_url, "locale": "en-US",
        "from": {"id": person["id"], "aadObjectId": person.get("aadObjectId"),
                 "name": person.get("name")},
        "recipient": {"id": bot["id"], "name": bot.get("name")},
        "conversation": {"id": conversation_id, "isGroup": True, "conversationType": "channel",
                         "tenantId": tenant_id},
        "text": text, "textFormat": "plain",
        "channelData": {"teamsChannelId": channel_id, "teamsTeamId": team_id,
                        "tenant": {"id": tenant_id}, "team": {"id": team_id},
                        "channel": {"id": channel_id}},
        "entities": [
            *({"type": "mention", "text": m.get("text"),
               "mentioned": {"id": bot["id"], "name": bot.get("name")}} for m in mentions),
            {"type": "clientInfo", "locale": "en-US", "country": "GB", "platform": "Web"},
        ],
    }


async def _websocket(request: web.Request, session: aiohttp.ClientSession,
                     url: str) -> web.WebSocketResponse:
    downstream = web.WebSocketResponse()
    await downstream.prepare(request)
    async with session.ws_connect(url) as upstream:
        async def pump(source: web.WebSocketResponse | aiohttp.ClientWebSocketResponse,
                       sink: web.WebSocketResponse | aiohttp.ClientWebSocketResponse) -> None:
            async for message in source:
                if message.type == aiohttp.WSMsgType.TEXT:
                    await sink.send_str(message.data)
                elif message.type == aiohttp.WSMsgType.BINARY:
                    await sink.send_bytes(message.data)
                else:
                    break

        tasks = [asyncio.create_task(pump(downstream, upstream)),
                 asyncio.create_task(pump(upstream, downstream))]
        _, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    await downstream.close()
    return downstream


class PersonaProxies:
    """Start and stop one loopback proxy per persona."""

    def __init__(self, upstream: str, personas: list[Persona], *, service_url: str,
                 host: str = "127.0.0.1") -> None:
        self.upstream = upstream
        self.personas = personas
        self.service_url = service_url
        self.host = host
        self._runners: list[web.AppRunner] = []

    async def start(self) -> None:
        for persona in self.personas:
            app = persona_app(self.upstream, persona.user_id, service_url=self.service_url)
            runner = web.AppRunner(app, access_log=None, handle_signals=False)
            await runner.setup()
            await web.TCPSite(runner, self.host, persona.port).start()
            self._runners.append(runner)
            log.debug("persona proxy for %s on %s:%s", persona.name, self.host, persona.port)

    async def stop(self) -> None:
        for runner in reversed(self._runners):
            await runner.cleanup()
        self._runners.clear()
