"""Local stand-ins for Entra ID's token endpoint and for Microsoft Graph, on 127.0.0.1.

msal insists on an https authority, so `FakeIdentity` serves TLS with a throwaway certificate
authority made here (its certificate file is what the test's `requests` session trusts). It
answers msal's tenant discovery and the client-credentials token request, and counts both.
`FakeGraph` serves the two Graph calls the product makes, over plain http, in pages of
`page_size`, and can answer a request with 429/503 first to exercise throttling.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import itertools
import ssl
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

TENANT = "1b0f2c77-3e5d-4a8f-9c1e-6d2b7a4e9f10"
CLIENT_ID = "5a9e3c21-7b4d-4e8f-a1c6-2d3f4b5a6c7e"
CLIENT_SECRET = "not-a-real-secret"  # a test value, not a credential
BOT_APP_ID = "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def make_tls(directory: Path) -> tuple[ssl.SSLContext, Path]:
    """A CA and a certificate for 127.0.0.1 signed by it: (server context, CA file to trust)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(_name("Test CA")).issuer_name(_name("Test CA"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(minutes=5))
          .not_valid_after(now + dt.timedelta(hours=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False,
                                       encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                         critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(_name("127.0.0.1")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(hours=2))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    ca_file, cert_file, key_file = (directory / n for n in ("ca.pem", "cert.pem", "key.pem"))
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context, ca_file


async def _serve(app: web.Application, ssl_context: ssl.SSLContext | None = None
                 ) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_context)
    await site.start()
    server = site._server
    assert server is not None
    port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, int(port)


@dataclass
class FakeIdentity:
    """login.microsoftonline.com for one tenant and one confidential client."""

    directory: Path
    expires_in_s: int = 3600
    token_requests: int = 0
    discovery_requests: int = 0
    issued: list[str] = field(default_factory=list)
    ca_file: Path = field(init=False)
    port: int = 0
    _runner: web.AppRunner | None = None

    @property
    def authority_host(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    async def start(self) -> FakeIdentity:
        context, self.ca_file = make_tls(self.directory)
        app = web.Application()
        app.router.add_get("/{tenant}/v2.0/.well-known/openid-configuration", self._discovery)
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        self._runner, self.port = await _serve(app, context)
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _discovery(self, request: web.Request) -> web.Response:
        self.discovery_requests += 1
        tenant = request.match_info["tenant"]
        base = f"{self.authority_host}/{tenant}"
        return web.json_response({
            "issuer": f"{base}/v2.0",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "token_endpoint": f"{base}/oauth2/v2.0/token",
        })

    async def _token(self, request: web.Request) -> web.Response:
        self.token_requests += 1
        form = await request.post()
        good = (request.match_info["tenant"] == TENANT and form.get("client_id") == CLIENT_ID
                and form.get("client_secret") == CLIENT_SECRET
                and form.get("grant_type") == "client_credentials")
        if not good:
            return web.json_response(
                {"error": "invalid_client", "error_description": "AADSTS7000215: wrong secret"},
                status=401)
        token = f"graph-token-{len(self.issued) + 1}"
        self.issued.append(token)
        return web.json_response({"token_type": "Bearer", "expires_in": self.expires_in_s,
                                  "access_token": token})


def graph_user(object_id: str, name: str, email: str, **extra: Any) -> dict[str, Any]:
    return {"@odata.type": "#microsoft.graph.user", "id": object_id, "displayName": name,
            "mail": email, "userPrincipalName": email, "jobTitle": extra.pop("jobTitle", None),
            "accountEnabled": extra.pop("accountEnabled", True), **extra}


@dataclass
class FakeGraph:
    """graph.microsoft.com/v1.0: group members, channel messages and their replies."""

    identity: FakeIdentity
    page_size: int = 2
    groups: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    replies: dict[tuple[str, str, str], list[dict[str, Any]]] = field(default_factory=dict)
    messages: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    throttle: list[tuple[str, int, str | None]] = field(default_factory=list)
    requests: Counter[str] = field(default_factory=Counter)  # path -> GETs answered
    port: int = 0
    _runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1.0"

    async def start(self) -> FakeGraph:
        app = web.Application()
        app.router.add_get("/v1.0/groups/{group}/transitiveMembers", self._members)
        app.router.add_get("/v1.0/teams/{team}/channels/{channel}/messages/{root}/replies",
                           self._replies)
        app.router.add_get("/v1.0/teams/{team}/channels/{channel}/messages/{root}",
                           self._message)
        self._runner, self.port = await _serve(app)
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def thread(self, team_id: str, channel_id: str, root_id: str) -> list[dict[str, Any]]:
        return self.replies.setdefault((team_id, channel_id, root_id), [])

    def _refusal(self, request: web.Request) -> web.Response | None:
        self.requests[request.path] += 1
        if request.headers.get("Authorization", "").removeprefix("Bearer ") not in \
                self.identity.issued:
            return web.json_response({"error": {"code": "InvalidAuthenticationToken",
                                                "message": "Access token is empty."}}, status=401)
        for i, (fragment, status, retry_after) in enumerate(self.throttle):
            if fragment in request.path:
                del self.throttle[i]
                headers = {"Retry-After": retry_after} if retry_after is not None else {}
                return web.json_response({"error": {"code": "TooManyRequests",
                                                    "message": "slow down"}},
                                         status=status, headers=headers)
        return None

    def _page(self, request: web.Request, items: list[dict[str, Any]], top_max: int
              ) -> web.Response:
        top = min(int(request.query.get("$top", "20")), top_max, self.page_size)
        start = int(request.query.get("$skiptoken", "0"))
        body: dict[str, Any] = {"value": items[start:start + top]}
        if start + top < len(items):
            query = {k: v for k, v in request.query.items() if k != "$skiptoken"}
            rest = "&".join(itertools.chain((f"{k}={v}" for k, v in query.items()),
                                            [f"$skiptoken={start + top}"]))
            body["@odata.nextLink"] = f"{self.base_url}{request.path.removeprefix('/v1.0')}?{rest}"
        return web.json_response(body)

    async def _members(self, request: web.Request) -> web.Response:
        refused = self._refusal(request)
        if refused is not None:
            return refused
        group = request.match_info["group"]
        if group not in self.groups:
            return web.json_response({"error": {"code": "Request_ResourceNotFound",
                                                "message": "no such group"}}, status=404)
        return self._page(request, self.groups[group], 999)

    async def _message(self, request: web.Request) -> web.Response:
        refused = self._refusal(request)
        if refused is not None:
            return refused
        key = (request.match_info["team"], request.match_info["channel"],
               request.match_info["root"])
        if key not in self.messages:
            return web.json_response({"error": {"code": "NotFound", "message": "no message"}},
                                     status=404)
        return web.json_response(self.messages[key])

    async def _replies(self, request: web.Request) -> web.Response:
        refused = self._refusal(request)
        if refused is not None:
            return refused
        key = (request.match_info["team"], request.match_info["channel"],
               request.match_info["root"])
        if key not in self.replies:
            return web.json_response({"error": {"code": "NotFound", "message": "no thread"}},
                                     status=404)
        return self._page(request, self.replies[key], 50)
