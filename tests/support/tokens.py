"""A local stand-in for login.botframework.com: keys, OpenID metadata, JWKS and channel tokens.

botbuilder fetches the metadata with a blocking `requests.get` on the event loop, so the server
runs its own event loop in a thread; a server on the test's loop would never get to answer.
Each server's URLs carry a fresh path segment, because botbuilder caches keys per URL for the
whole process and a port can be reused by a later server with other keys.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
DEFAULT_ENDORSEMENTS = ("msteams", "webchat", "emulator")


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey
    endorsements: tuple[str, ...] = DEFAULT_ENDORSEMENTS

    def jwk(self) -> dict[str, Any]:
        key = RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        key.pop("key_ops", None)
        return {**key, "kid": self.kid, "use": "sig", "endorsements": list(self.endorsements)}


def generate_signing_key(
    *, kid: str | None = None, endorsements: Iterable[str] = DEFAULT_ENDORSEMENTS
) -> SigningKey:
    return SigningKey(
        kid=kid or f"test-{uuid.uuid4().hex[:12]}",
        private_key=rsa.generate_private_key(public_exponent=65537, key_size=2048),
        endorsements=tuple(endorsements),
    )


def mint_channel_token(
    key: SigningKey,
    *,
    app_id: str,
    service_url: str,
    now: datetime | None = None,
    expires_in_s: int = 3600,
    claims: Mapping[str, Any] | None = None,
    headers: Mapping[str, Any] | None = None,
) -> str:
    """A token as the Bot Connector sends one to a bot: iss, aud = app id, serviceurl, nbf, exp.

    `claims` overrides or adds claims (a value of `None` removes one); `headers` overrides the JWT
    header (e.g. `{"kid": "unknown"}`). A negative `expires_in_s` mints an expired token.
    """
    issued_at = now or datetime.now(UTC)
    payload: dict[str, Any] = {
        "iss": BOT_FRAMEWORK_ISSUER,
        "aud": app_id,
        "serviceurl": service_url,
        "nbf": int((issued_at - timedelta(minutes=5)).timestamp()),
        "iat": int(issued_at.timestamp()),
        "exp": int((issued_at + timedelta(seconds=expires_in_s)).timestamp()),
    }
    for name, value in (claims or {}).items():
        if value is None:
            payload.pop(name, None)
        else:
            payload[name] = value
    header = {"kid": key.kid, **(headers or {})}
    return jwt.encode(payload, key.private_key, algorithm="RS256", headers=header)


class OpenIdServer:
    """OpenID metadata and JWKS for `keys` on 127.0.0.1, served from a thread of its own."""

    def __init__(self, keys: Iterable[SigningKey]) -> None:
        self.keys = list(keys)
        self.metadata_requests = 0
        self.jwks_requests = 0
        self._prefix = f"/{uuid.uuid4().hex[:12]}"
        self._port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        if not self._port:
            raise RuntimeError("OpenIdServer is not started")
        return f"http://127.0.0.1:{self._port}{self._prefix}"

    @property
    def metadata_url(self) -> str:
        return f"{self.base_url}/v1/.well-known/openidconfiguration"

    @property
    def jwks_url(self) -> str:
        return f"{self.base_url}/v1/.well-known/keys"

    def start(self, timeout_s: float = 10.0) -> OpenIdServer:
        started = threading.Event()
        failure: list[BaseException] = []
        loop = asyncio.new_event_loop()

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._serve())
            except BaseException as exc:
                failure.append(exc)
                started.set()
                loop.close()
                return
            started.set()
            loop.run_forever()
            loop.run_until_complete(self._shutdown())
            loop.close()

        self._loop = loop
        self._thread = threading.Thread(target=run, name="test-openid-server", daemon=True)
        self._thread.start()
        if not started.wait(timeout_s):
            raise TimeoutError("OpenIdServer did not start")
        if failure:
            raise failure[0]
        return self

    def stop(self, timeout_s: float = 10.0) -> None:
        if self._loop is None or self._thread is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout_s)
        self._loop = self._thread = None

    def __enter__(self) -> OpenIdServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_get(f"{self._prefix}/v1/.well-known/openidconfiguration", self._metadata)
        app.router.add_get(f"{self._prefix}/v1/.well-known/keys", self._jwks)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]

    async def _shutdown(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _metadata(self, _request: web.Request) -> web.Response:
        self.metadata_requests += 1
        return web.json_response({
            "issuer": BOT_FRAMEWORK_ISSUER,
            "authorization_endpoint": f"{self.base_url}/v1/authorize",
            "jwks_uri": self.jwks_url,
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        })

    async def _jwks(self, _request: web.Request) -> web.Response:
        self.jwks_requests += 1
        return web.json_response({"keys": [key.jwk() for key in self.keys]})


@contextmanager
def unreachable_url(path: str = "/v1/.well-known/openidconfiguration") -> Iterator[str]:
    """A URL on 127.0.0.1 that refuses connections: the port is bound but never listens."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        yield f"http://127.0.0.1:{port}/{uuid.uuid4().hex[:12]}{path}"
