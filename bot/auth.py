"""Checking the Bot Connector's token on every request to `/api/messages`.

The Agents SDK 1.9 validator (`JwtTokenValidator`) checks the signature and audience, but it
fetches keys with a blocking `PyJWKClient` on a worker thread, hard-codes the key locations per
issuer (so a test cannot serve its own), leaves the issuer check off unless asked, and never
looks at the Bot Framework's key endorsements (a key the Connector publishes for webchat only
must not sign a Teams activity). `TokenValidator` does all of it, on the event loop through
aiohttp, and hands the SDK its own `ClaimsIdentity`, so the rest of the turn is the SDK's.

Every failure is one of two kinds: `AuthenticationFailed` (answer 401) or
`AuthMetadataUnavailable` (answer 503: the token may be fine, the keys cannot be fetched now).
Neither message carries the token or the activity's content.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import aiohttp
import jwt
from microsoft_agents.activity import Activity
from microsoft_agents.hosting.core import ClaimsIdentity
from yarl import URL

from bot.settings import BotSettings

logger = logging.getLogger(__name__)

KEYS_TTL_S = 24 * 3600.0
UNKNOWN_KEY_REFRESH_S = 300.0
LEEWAY_S = 300
FETCH_TIMEOUT_S = 10.0


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


class SigningKeys:
    """The Bot Connector's published keys, fetched at most once a day (and again, at most every
    five minutes, when a token names a key id not seen before)."""

    def __init__(self, metadata_url: str) -> None:
        self.metadata_url = metadata_url
        self._keys: dict[str, dict[str, Any]] = {}
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    async def get(self, kid: str) -> dict[str, Any] | None:
        if self._needs_fetch(kid):
            async with self._lock:
                if self._needs_fetch(kid):
                    self._keys = await self._fetch()
                    self._fetched_at = time.monotonic()
        return self._keys.get(kid)

    def _needs_fetch(self, kid: str) -> bool:
        age = time.monotonic() - self._fetched_at
        return not self._keys or age > KEYS_TTL_S or (
            kid not in self._keys and age > UNKNOWN_KEY_REFRESH_S)

    async def _fetch(self) -> dict[str, dict[str, Any]]:
        timeout = aiohttp.ClientTimeout(total=FETCH_TIMEOUT_S)
        try:
            async with aiohttp.ClientSession(timeout=timeout) as session:
                async with session.get(self.metadata_url) as response:
                    response.raise_for_status()
                    metadata = await response.json(content_type=None)
                jwks_uri = metadata.get("jwks_uri") if isinstance(metadata, dict) else None
                if not isinstance(jwks_uri, str):
                    raise ValueError("the OpenID metadata names no jwks_uri")
                async with session.get(jwks_uri) as response:
                    response.raise_for_status()
                    jwks = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise AuthMetadataUnavailable(type(exc).__name__) from exc
        keys = jwks.get("keys") if isinstance(jwks, dict) else None
        if not isinstance(keys, list):
            raise AuthMetadataUnavailable("the key set has no keys")
        return {str(k["kid"]): k for k in keys if isinstance(k, dict) and k.get("kid")}


class TokenValidator:
    """Validates `Authorization: Bearer <jwt>` for an activity; see the module's docstring."""

    def __init__(self, settings: BotSettings) -> None:
        self.settings = settings
        self.keys = SigningKeys(settings.openid_metadata_url)

    async def identity(self, auth_header: str | None, activity: Activity) -> ClaimsIdentity:
        """The caller's claims; anonymous when the bot runs without an app id."""
        if not self.settings.auth_enabled:
            return ClaimsIdentity({}, authentication_type="anonymous")
        token = bearer_token(auth_header)
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise AuthenticationFailed(type(exc).__name__) from None
        if header.get("alg") != "RS256":
            raise AuthenticationFailed("not an RS256 token")
        jwk = await self.keys.get(str(header.get("kid") or ""))
        if jwk is None:
            raise AuthenticationFailed("unknown signing key")
        endorsements = jwk.get("endorsements")
        channel = str(activity.channel_id or "")
        if isinstance(endorsements, list) and channel not in endorsements:
            raise AuthenticationFailed("key not endorsed for the channel")
        claims = self._decode(token, jwk)
        _require_same_service_url(claims, activity)
        return ClaimsIdentity(claims, authentication_type="Bearer", security_token=token)

    def _decode(self, token: str, jwk: dict[str, Any]) -> dict[str, Any]:
        try:
            key = jwt.PyJWK(jwk, algorithm="RS256").key
            claims: dict[str, Any] = jwt.decode(
                token, key=key, algorithms=["RS256"], audience=self.settings.client_id,
                issuer=list(self.settings.issuers()), leeway=LEEWAY_S,
                options={"require": ["exp", "aud", "iss"]})
        except jwt.PyJWTError as exc:
            raise AuthenticationFailed(type(exc).__name__) from None
        return claims


def bearer_token(auth_header: str | None) -> str:
    parts = (auth_header or "").split()
    if not parts:
        raise AuthenticationFailed("no Authorization header")
    if len(parts) != 2 or parts[0].lower() != "bearer":
        raise AuthenticationFailed("not a bearer token")
    return parts[1]


def _require_same_service_url(claims: dict[str, Any], activity: Activity) -> None:
    """A token names the Connector that sent it; the activity may not point replies elsewhere,
    and a token that vouches for no service URL (one not from the Bot Connector) cannot give
    the bot a place to reply to."""
    claimed = claims.get("serviceurl")
    if not isinstance(claimed, str) or not claimed:
        raise AuthenticationFailed("the token vouches for no serviceUrl")
    if not activity.service_url or _normal(str(claimed)) != _normal(activity.service_url):
        raise AuthenticationFailed("serviceUrl differs from the token's")


def _normal(url: str) -> str:
    parsed = URL(url)
    return str(parsed.with_path(parsed.path.rstrip("/"))).lower()


def log_auth_mode(settings: BotSettings) -> None:
    """Say at start-up whether `/api/messages` is protected; once, as a warning when it is not."""
    if settings.auth_enabled:
        logger.info(
            "Bot Framework authentication is on (%s); /api/messages needs a valid token.",
            settings.auth_type.value,
        )
        return
    logger.warning(
        "Bot Framework authentication is OFF: no client id (MicrosoftAppId) is set, so "
        "/api/messages on %s:%s accepts requests from anyone; replies go only to service URLs "
        "on ALLOWED_SERVICE_URLS (%s). Use this only for local development (the Agents "
        "Playground).",
        settings.host,
        settings.port,
        ", ".join(settings.allowed_service_urls) or "none",
    )
