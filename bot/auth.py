"""Bot Framework authentication for incoming requests, with failures sorted into two kinds.

botbuilder 4.17 validates the JWT itself but lets every failure escape as whatever exception the
code underneath happened to raise: `PermissionError` for a wrong audience or issuer,
`jwt.DecodeError` for a malformed token, `jwt.ExpiredSignatureError`, `IndexError` for an unknown
key id, a bare `Exception` for a signing key not endorsed for the channel or a non-RSA algorithm,
`AttributeError` for an empty or one-word header (parameterized validation, see bot/settings.py),
and `requests.RequestException` when the OpenID metadata or JWKS cannot be fetched. Only the
first reaches `CloudAdapter.process` as 401; the rest are HTTP 500.
`authenticate_activity` turns them into `AuthenticationFailed` (answer 401) or
`AuthMetadataUnavailable` (answer 503: the token may be fine, we cannot check it just now).

Outgoing credentials: botbuilder's factory makes a new `MicrosoftAppCredentials` for every turn,
and each one a new MSAL application with an empty token cache, so with an app id every turn would
fetch the tenant's metadata and a token from login.microsoftonline.com, blocking the event loop.
`CachingCredentialsFactory` keeps one credentials object per app id, scope and login endpoint, so
MSAL's own cache works (a token is fetched about once an hour).

Known limits of botbuilder left as they are: the OpenID metadata and JWKS are fetched with a
blocking `requests.get` without a timeout, on the event loop, once a day (and when an unknown key
id appears, at most once an hour); the cache is process-wide and keyed by URL.
"""

from __future__ import annotations

import logging
from typing import Any

import requests
from botbuilder.integration.aiohttp import (
    ConfigurationBotFrameworkAuthentication,
    ConfigurationServiceClientCredentialFactory,
)
from botbuilder.schema import Activity
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AppCredentials,
    AuthenticateRequestResult,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
    JwtTokenValidation,
    ServiceClientCredentialsFactory,
)

from bot.settings import bot_framework_config
from memberportal.settings import Settings

logger = logging.getLogger(__name__)


class AuthenticationFailed(Exception):
    """The request does not carry a valid Bot Framework token for this bot (HTTP 401)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"request not authenticated: {reason}")


class AuthMetadataUnavailable(Exception):
    """The OpenID metadata or signing keys could not be fetched to check the token (HTTP 503)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"cannot check the token: {reason}")


class CachingCredentialsFactory(ServiceClientCredentialsFactory):
    """Hands out one credentials object per (app id, scope, login endpoint, authority check)."""

    def __init__(self, inner: ServiceClientCredentialsFactory) -> None:
        self.inner = inner
        self._credentials: dict[tuple[str, str, str, bool], AppCredentials] = {}

    async def is_valid_app_id(self, app_id: str) -> bool:
        return bool(await self.inner.is_valid_app_id(app_id))

    async def is_authentication_disabled(self) -> bool:
        return bool(await self.inner.is_authentication_disabled())

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> AppCredentials:
        key = (app_id, oauth_scope, login_endpoint, validate_authority)
        if key not in self._credentials:
            self._credentials[key] = await self.inner.create_credentials(
                app_id, oauth_scope, login_endpoint, validate_authority
            )
        return self._credentials[key]


def create_authentication(
    settings: Settings,
    *,
    channel_openid_metadata_url: str | None = None,
    emulator_openid_metadata_url: str | None = None,
    credentials_factory: ServiceClientCredentialsFactory | None = None,
) -> BotFrameworkAuthentication:
    """botbuilder's configuration-driven authentication for `settings`.

    `credentials_factory` replaces the one that turns the app id and password into outgoing
    credentials (MSAL against login.microsoftonline.com); tests pass one returning a fixed token.
    Either is wrapped in `CachingCredentialsFactory`.
    """
    config = bot_framework_config(
        settings,
        channel_openid_metadata_url=channel_openid_metadata_url,
        emulator_openid_metadata_url=emulator_openid_metadata_url,
    )
    factory = CachingCredentialsFactory(
        credentials_factory or ConfigurationServiceClientCredentialFactory(config, logger=logger)
    )
    return CachingBotFrameworkAuthentication(ConfigurationBotFrameworkAuthentication(
        config, credentials_factory=factory, logger=logger
    ))


async def authenticate_activity(
    auth: BotFrameworkAuthentication, activity: Activity, auth_header: str | None
) -> AuthenticateRequestResult:
    """Check the request's `Authorization` header for `activity`.

    A missing or blank header is passed on as `None`: the parameterized authentication (used when
    the metadata URL is overridden) fails on `""` with an `AttributeError`, and when an app id is
    configured `None` is refused with a `PermissionError` as it should be.
    """
    header = (auth_header or "").strip() or None
    try:
        return await auth.authenticate_request(activity, header)
    except requests.RequestException as exc:
        raise AuthMetadataUnavailable(type(exc).__name__) from exc
    except Exception as exc:  # botbuilder raises anything at all for a bad token
        raise AuthenticationFailed(type(exc).__name__) from exc


def log_auth_mode(settings: Settings) -> None:
    """Say at start-up whether `/api/messages` is protected; once, as a warning when it is not."""
    if settings.auth_enabled:
        logger.info(
            "Bot Framework authentication is on (%s app); /api/messages needs a valid token.",
            settings.app_type,
        )
        return
    logger.warning(
        "Bot Framework authentication is OFF: MicrosoftAppId is not set, so /api/messages on "
        "%s:%s accepts requests from anyone and replies to whatever serviceUrl they name. "
        "Use this only for local development (the Agents Playground).",
        settings.host,
        settings.port,
    )


class CachingBotFrameworkAuthentication(BotFrameworkAuthentication):
    """botbuilder's authentication, with one connector client and one user-token client per
    (app, service URL, audience) instead of new ones on every turn.

    Stock botbuilder builds both for every activity, and each build sets up msrest's retry
    policy: in a profile of a 'help' turn that was about a third of the turn's CPU time (see
    `make bench`). The clients hold no per-turn state; their credentials refresh their own token.
    """

    def __init__(self, inner: BotFrameworkAuthentication, *, max_entries: int = 64) -> None:
        self.inner = inner
        self.max_entries = max_entries
        self._connectors: dict[tuple[str, str, str], Any] = {}
        self._token_clients: dict[str, Any] = {}

    def _remember(self, cache: dict[Any, Any], key: Any, value: Any) -> Any:
        if len(cache) >= self.max_entries:
            cache.pop(next(iter(cache)))
        cache[key] = value
        return value

    def _wrap(self, factory: ConnectorFactory, claims: ClaimsIdentity | None) -> ConnectorFactory:
        app_id = _app_id(claims)
        outer = self

        class _Cached(ConnectorFactory):
            async def create(self, service_url: str, audience: str) -> ConnectorClient:
                key = (app_id, service_url, audience or "")
                found = outer._connectors.get(key)
                if found is None:
                    found = outer._remember(outer._connectors, key,
                                            await factory.create(service_url, audience))
                return found  # type: ignore[no-any-return]

        return _Cached()

    async def authenticate_request(self, activity: Activity, auth_header: str
                                   ) -> AuthenticateRequestResult:
        result = await self.inner.authenticate_request(activity, auth_header)
        if result.connector_factory is not None:
            result.connector_factory = self._wrap(result.connector_factory,
                                                  result.claims_identity)
        return result

    async def authenticate_streaming_request(self, auth_header: str, channel_id_header: str
                                             ) -> AuthenticateRequestResult:
        return await self.inner.authenticate_streaming_request(auth_header, channel_id_header)

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return self._wrap(self.inner.create_connector_factory(claims_identity), claims_identity)

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> Any:
        key = _app_id(claims_identity)
        found = self._token_clients.get(key)
        if found is None:
            found = self._remember(self._token_clients, key,
                                   await self.inner.create_user_token_client(claims_identity))
        return found

    def create_bot_framework_client(self) -> Any:
        return self.inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return self.inner.get_originating_audience()

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        return await self.inner.authenticate_channel_request(auth_header)


def _app_id(claims: ClaimsIdentity | None) -> str:
    if claims is None or not claims.claims:
        return ""
    return JwtTokenValidation.get_app_id_from_claims(claims.claims) or ""
