"""A local Bot Connector that records what the bot sends, and credentials that need no Azure AD.

`FakeConnector` runs on the test's own event loop (the Agents SDK sends through aiohttp on the
same loop). Point an activity's `serviceUrl` at
`connector.service_url` and every reply, update, delete and new conversation lands in
`connector.requests`.

With an app id, the SDK's MSAL connection manager would ask login.microsoftonline.com for a token
before sending. `StaticConnections` takes its place and hands out a fixed token, which the
connector can insist on.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from microsoft_agents.hosting.core import AgentAuthConfiguration

DEFAULT_BOT_TOKEN = "test-bot-to-connector-token"


@dataclass(frozen=True)
class CapturedRequest:
    kind: str  # send, reply, update, delete, create_conversation or unknown
    method: str
    path: str
    conversation_id: str | None
    activity_id: str | None
    body: Any
    authorization: str | None
    answered: int
    headers: dict[str, str] = field(default_factory=dict)
    answer: Any = None  # what the connector answered (a new conversation's ids, say)

    @property
    def text(self) -> str | None:
        return self.body.get("text") if isinstance(self.body, dict) else None

    @property
    def is_activity(self) -> bool:
        return self.kind in ("send", "reply")


class FakeConnector:
    """The Bot Connector REST API (v3) on 127.0.0.1, enough for a bot to answer and post."""

    def __init__(self, *, expected_token: str | None = None) -> None:
        self.expected_token = expected_token
        self.requests: list[CapturedRequest] = []
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._changed: asyncio.Condition | None = None
        self._port = 0
        self.delay_s = 0.0  # how long each answer takes (a slow Bot Connector); set any time

    @property
    def service_url(self) -> str:
        if not self._port:
            raise RuntimeError("FakeConnector is not started")
        return f"http://127.0.0.1:{self._port}/"

    @property
    def activities(self) -> list[CapturedRequest]:
        return [r for r in self.requests if r.is_activity]

    async def start(self) -> FakeConnector:
        self._changed = asyncio.Condition()
        app = web.Application()
        base = "/v3/conversations"
        app.router.add_post(base, self._create_conversation)
        app.router.add_post(base + "/{conversation}/activities", self._send)
        app.router.add_post(base + "/{conversation}/activities/{activity}", self._reply)
        app.router.add_put(base + "/{conversation}/activities/{activity}", self._update)
        app.router.add_delete(base + "/{conversation}/activities/{activity}", self._delete)
        app.router.add_route("*", "/{tail:.*}", self._unknown)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeConnector:
        return await self.start()

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def wait_for(
        self, count: int, *, where: Callable[[CapturedRequest], bool] | None = None,
        timeout_s: float = 5.0,
    ) -> list[CapturedRequest]:
        """The first `count` captured requests matching `where`, waiting up to `timeout_s`."""
        if self._changed is None:
            raise RuntimeError("FakeConnector is not started")
        match = where or (lambda _r: True)

        def found() -> list[CapturedRequest]:
            return [r for r in self.requests if match(r)]

        try:
            async with asyncio.timeout(timeout_s), self._changed:
                await self._changed.wait_for(lambda: len(found()) >= count)
        except TimeoutError:
            raise AssertionError(
                f"expected {count} request(s) at the connector within {timeout_s}s, "
                f"got {[(r.kind, r.path) for r in self.requests]}"
            ) from None
        return found()[:count]

    async def wait_for_activities(self, count: int, *, timeout_s: float = 5.0
                                  ) -> list[CapturedRequest]:
        return await self.wait_for(count, where=lambda r: r.is_activity, timeout_s=timeout_s)

    def _authorized(self, request: web.Request) -> bool:
        if self.expected_token is None:
            return True
        return request.headers.get("Authorization") == f"Bearer {self.expected_token}"

    async def _capture(self, kind: str, request: web.Request, answer: Any,
                       status: int = 200) -> web.Response:
        authorized = self._authorized(request)
        if not authorized:
            status, answer = 401, {"error": {"code": "Unauthorized"}}
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            try:
                body = await request.json() if raw else None
            except ValueError:
                body = raw.decode("utf-8", "replace")
        captured = CapturedRequest(
            kind=kind, method=request.method, path=request.path,
            conversation_id=request.match_info.get("conversation"),
            activity_id=request.match_info.get("activity"), body=body,
            authorization=request.headers.get("Authorization"), answered=status,
            headers=dict(request.headers), answer=answer,
        )
        assert self._changed is not None
        async with self._changed:
            self.requests.append(captured)
            self._changed.notify_all()
        if self.delay_s:  # recorded on arrival; the sender waits for the answer
            await asyncio.sleep(self.delay_s)
        if answer is None:
            return web.Response(status=status)
        return web.json_response(answer, status=status)

    async def _create_conversation(self, request: web.Request) -> web.Response:
        n = next(self._ids)
        answer = {"id": f"conversation-{n}", "activityId": f"activity-{n}",
                  "serviceUrl": self.service_url}
        return await self._capture("create_conversation", request, answer, 201)

    async def _send(self, request: web.Request) -> web.Response:
        return await self._capture("send", request, {"id": f"activity-{next(self._ids)}"}, 201)

    async def _reply(self, request: web.Request) -> web.Response:
        return await self._capture("reply", request, {"id": f"activity-{next(self._ids)}"}, 201)

    async def _update(self, request: web.Request) -> web.Response:
        return await self._capture("update", request, {"id": request.match_info["activity"]})

    async def _delete(self, request: web.Request) -> web.Response:
        return await self._capture("delete", request, None)

    async def _unknown(self, request: web.Request) -> web.Response:
        return await self._capture("unknown", request, {"error": {"code": "NotFound"}}, 404)


class StaticTokenProvider:
    """An outgoing token provider (the SDK's `AccessTokenProviderBase`) that hands out a fixed
    token instead of asking Entra ID, and counts what it was asked."""

    def __init__(self, app_id: str, token: str) -> None:
        self.configuration = AgentAuthConfiguration(client_id=app_id,
                                                    client_secret="never-sent-anywhere")
        self.token = token
        self.asked: list[tuple[str, tuple[str, ...]]] = []

    async def get_access_token(self, resource_url: str, scopes: list[str],
                               force_refresh: bool = False) -> str:
        self.asked.append((resource_url, tuple(scopes)))
        return self.token

    def get_token_credential(self) -> Any:
        raise NotImplementedError


class StaticConnections:
    """The SDK's `Connections` with one service connection giving a fixed token."""

    def __init__(self, app_id: str, token: str = DEFAULT_BOT_TOKEN) -> None:
        self.provider = StaticTokenProvider(app_id, token)

    def get_connection(self, connection_name: str) -> StaticTokenProvider:
        return self.provider

    def get_default_connection(self) -> StaticTokenProvider:
        return self.provider

    def get_token_provider(self, claims_identity: Any, service_url: str) -> StaticTokenProvider:
        return self.provider

    def get_token_provider_from_activity(self, *_args: Any) -> StaticTokenProvider:
        return self.provider

    def get_default_connection_configuration(self) -> AgentAuthConfiguration:
        return self.provider.configuration
