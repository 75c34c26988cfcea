"""One pooled HTTP session per Bot Connector, instead of two new ones on every turn.

The Agents SDK 1.9's `RestChannelServiceClientFactory` builds a `TeamsConnectorClient` and a
`UserTokenClient` for every turn and proactive send, each with its own `aiohttp.ClientSession`,
and closes both when the turn ends: every reply opens a new TCP (and TLS) connection.
`PooledClientFactory` keeps one session per service URL for the life of the app, asks the token
provider (MSAL, whose cache keeps a token for about an hour) for the bearer token on each use,
and hands out clients whose `close()` leaves the shared session open. The bot never uses the
user-token service (no bot sign-in), so one idle user-token client serves every turn.
"""

from __future__ import annotations

from typing import Any

from aiohttp import ClientSession, ClientTimeout, TCPConnector
from microsoft_agents.hosting.core import (
    ChannelServiceClientFactoryBase,
    ClaimsIdentity,
    TurnContext,
)
from microsoft_agents.hosting.core.authorization import Connections
from microsoft_agents.hosting.core.connector import ConnectorClientBase
from microsoft_agents.hosting.core.connector.client import UserTokenClient
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient

TOKEN_SERVICE_URL = "https://api.botframework.com"
SEND_TIMEOUT_S = 30.0


class _SharedConnectorClient(TeamsConnectorClient):
    """A connector client on a session it does not own, knowing the token it sends with."""

    def __init__(self, *, endpoint: str, token: str, session: ClientSession) -> None:
        super().__init__(endpoint=endpoint, token=token, session=session)
        self.bearer_token = token

    async def close(self) -> None:
        return None


class _SharedUserTokenClient(UserTokenClient):
    async def close(self) -> None:
        return None


class PooledClientFactory(ChannelServiceClientFactoryBase):
    """Connector clients on one pooled session per service URL; see the module's docstring.

    `connections` gives the outgoing token (the SDK's `MsalConnectionManager`); `None` means
    the bot runs without an app id and sends no token (local development).
    """

    def __init__(self, connections: Connections | None, *, connections_per_host: int = 32,
                 max_sessions: int = 16) -> None:
        self.connections = connections
        self.connections_per_host = connections_per_host
        self.max_sessions = max_sessions
        self._sessions: dict[str, ClientSession] = {}
        self._user_tokens: _SharedUserTokenClient | None = None
        self._clients: dict[tuple[str, str], _SharedConnectorClient] = {}
        self.sessions_created = 0

    async def _session(self, service_url: str) -> ClientSession:
        base = service_url if service_url.endswith("/") else service_url + "/"
        session = self._sessions.get(base)
        if session is None or session.closed:
            if len(self._sessions) >= self.max_sessions:  # a bounded pool, oldest out
                oldest = next(iter(self._sessions))
                await self._sessions.pop(oldest).close()
            session = ClientSession(
                base_url=base, timeout=ClientTimeout(total=SEND_TIMEOUT_S),
                connector=TCPConnector(limit_per_host=self.connections_per_host))
            self._sessions[base] = session
            self.sessions_created += 1
        return session

    async def _token(self, claims: ClaimsIdentity, service_url: str, audience: str,
                     scopes: list[str] | None) -> str:
        if self.connections is None:
            return ""
        provider = self.connections.get_token_provider(claims, service_url)
        return await provider.get_access_token(audience, scopes or claims.get_token_scope())

    async def create_connector_client(
        self, context: TurnContext | None, claims_identity: ClaimsIdentity, service_url: str,
        audience: str, scopes: list[str] | None = None, use_anonymous: bool = False,
    ) -> ConnectorClientBase:
        if not service_url:
            raise TypeError("a connector client needs a service URL")
        token = "" if use_anonymous else await self._token(
            claims_identity, service_url, audience, scopes)
        session = await self._session(service_url)
        key = (service_url, token)
        client = self._clients.get(key)
        if client is None or client.client is not session:  # one client per session and token
            if not token:
                session.headers.pop("Authorization", None)
            if len(self._clients) >= self.max_sessions * 2:
                self._clients.clear()
            client = self._clients[key] = _SharedConnectorClient(
                endpoint=service_url, token=token, session=session)
        return client

    async def create_user_token_client(
        self, context: TurnContext, claims_identity: ClaimsIdentity, use_anonymous: bool = False
    ) -> Any:
        if self._user_tokens is None:
            self._user_tokens = _SharedUserTokenClient(
                endpoint=TOKEN_SERVICE_URL, token="", app_id=claims_identity.get_app_id() or "-",
                session=ClientSession(base_url=TOKEN_SERVICE_URL + "/"))
        return self._user_tokens

    async def close(self) -> None:
        self._clients.clear()
        sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            await session.close()
        if self._user_tokens is not None:
            await self._user_tokens.client.close()
            self._user_tokens = None
