"""Fetching the files members send in chat, from Teams and SharePoint only.

A file's link is client data: Teams sends it, but with authentication off anyone can, and even
with it on a link can point anywhere. So a download

- goes over https only (there is no setting for plain http), to a host on the council's
  download list (`[attachments] download_hosts`: `*.sharepoint.com` and the Bot Connector's
  `smba.trafficmanager.net` by default);
- resolves the host and checks every address it resolves to before connecting (no loopback,
  private, link-local, shared, multicast, reserved or unspecified address, nor one of those
  wrapped in IPv6), then connects to exactly the addresses checked: the connector's resolver
  is the check, so a DNS answer that changes between check and connect (rebinding) can't
  move the connection;
- follows redirects by hand, at most `MAX_REDIRECTS`, each hop checked like the first, and
  sends the bot's token only to the Bot Connector that sent the activity, never on to
  another host;
- reads at most `max_bytes` (a larger `Content-Length` is refused before reading; the stream
  is cut off after).

The type of what was fetched is decided from its bytes by the use case (`casestore.filetypes`).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Callable, Mapping

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from microsoft_agents.hosting.core import TurnContext
from microsoft_agents.hosting.core.connector import ConnectorClientBase
from yarl import URL

from casestore.config import Attachments
from dialogs.members.files import Unsafe, same_host

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
AddressPolicy = Callable[[IPAddress], bool]
MAX_REDIRECTS = 3
REDIRECTS = frozenset({301, 302, 303, 307, 308})
CHUNK_BYTES = 64 * 1024
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class DownloadRefused(Exception):
    """The link was not fetched (or not followed) because it is not safe; nothing was read."""

    def __init__(self, why: Unsafe) -> None:
        self.why = why
        super().__init__(why.value)


class DownloadFailed(Exception):
    """Teams or SharePoint did not give the file (an error status, a broken connection)."""


class TooLarge(Exception):
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        super().__init__(f"more than {max_bytes} bytes")


def public_address(address: IPAddress) -> bool:
    """Whether `address` is on the public internet: no loopback, private, link-local, shared
    (100.64/10), multicast, reserved or unspecified address, and none of those inside an
    IPv4-mapped, NAT64, 6to4 or Teredo IPv6 address."""
    if isinstance(address, ipaddress.IPv6Address):
        inner: list[IPAddress] = [a for a in (address.ipv4_mapped, address.sixtofour) if a]
        if address.teredo:
            inner += list(address.teredo)
        if address in _NAT64:
            inner.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        if not all(public_address(a) for a in inner):
            return False
    return address.is_global and not (
        address.is_multicast or address.is_loopback or address.is_link_local
        or address.is_reserved or address.is_unspecified or address.is_private)


def parse_address(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None


class CheckedResolver(AbstractResolver):
    """Resolves through `inner`, and answers only if every address it got is allowed: the
    connector connects to exactly what this returns."""

    def __init__(self, inner: AbstractResolver, allowed: AddressPolicy) -> None:
        self.inner = inner
        self.allowed = allowed

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        found = await self.inner.resolve(host, port, family)
        for result in found:
            address = parse_address(str(result["host"]))
            if address is None or not self.allowed(address):
                raise DownloadRefused(Unsafe.ADDRESS)
        return found

    async def close(self) -> None:
        await self.inner.close()


class Downloader:
    """Fetches a file from a link Teams sent, within the council's download list.

    `resolver`, `allowed_address` and `ssl_context` are for tests only (a local https server
    with its own certificate authority, on 127.0.0.1 under a SharePoint-like name); nothing in
    the settings or the council's file reaches them."""

    def __init__(self, limits: Attachments, *, timeout_s: float = 10.0,
                 resolver: Callable[[], AbstractResolver] | None = None,
                 allowed_address: AddressPolicy = public_address,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self.limits = limits
        self.timeout_s = timeout_s
        self._resolver = resolver or aiohttp.ThreadedResolver
        self._allowed_address = allowed_address
        self._ssl = ssl_context or ssl.create_default_context()

    def check(self, url: URL) -> None:
        """Refuse a link that is not https on the download list (or is an address literal that
        is not allowed) before anything is resolved or connected."""
        if url.scheme != "https" or not url.host:
            raise DownloadRefused(Unsafe.NOT_HTTPS)
        host = url.host.lower().rstrip(".")
        if not self.limits.may_download_from(host):
            raise DownloadRefused(Unsafe.HOST)
        literal = parse_address(host)
        if literal is not None and not self._allowed_address(literal):
            raise DownloadRefused(Unsafe.ADDRESS)

    async def fetch(self, link: str, *, headers: Mapping[str, str] | None = None) -> bytes:
        """The file's bytes, at most `limits.max_bytes`, within `timeout_s` for every hop
        together; raises DownloadRefused, TooLarge or DownloadFailed."""
        try:
            url = URL(link, encoded=False)
        except (ValueError, TypeError):
            raise DownloadRefused(Unsafe.NOT_HTTPS) from None
        self.check(url)
        resolver = CheckedResolver(self._resolver(), self._allowed_address)
        connector = aiohttp.TCPConnector(resolver=resolver, use_dns_cache=False, ssl=self._ssl)
        timeout = aiohttp.ClientTimeout(total=self.timeout_s)
        try:
            async with asyncio.timeout(self.timeout_s), aiohttp.ClientSession(
                    connector=connector, timeout=timeout, trust_env=False) as session:
                return await self._follow(session, url, dict(headers or {}))
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise DownloadFailed(type(exc).__name__) from exc
        finally:
            await resolver.close()

    async def _follow(self, session: aiohttp.ClientSession, url: URL,
                      headers: dict[str, str]) -> bytes:
        origin = url.origin()
        for _hop in range(MAX_REDIRECTS + 1):
            sent = headers if url.origin() == origin else {}  # the token stays with its host
            async with session.get(url, headers=sent, allow_redirects=False) as response:
                if response.status in REDIRECTS:
                    url = self._next(url, response.headers.get("Location"))
                    continue
                if response.status != 200:
                    raise DownloadFailed(f"HTTP {response.status}")
                return await self._read(response)
        raise DownloadRefused(Unsafe.TOO_MANY_REDIRECTS)

    def _next(self, url: URL, location: str | None) -> URL:
        if not location:
            raise DownloadFailed("a redirect without a Location")
        try:
            target = url.join(URL(location))
        except (ValueError, TypeError):
            raise DownloadRefused(Unsafe.REDIRECT) from None
        try:
            self.check(target)
        except DownloadRefused:
            raise DownloadRefused(Unsafe.REDIRECT) from None
        return target

    async def _read(self, response: aiohttp.ClientResponse) -> bytes:
        limit = self.limits.max_bytes
        if response.content_length is not None and response.content_length > limit:
            raise TooLarge(limit)
        buffer = bytearray()
        async for chunk in response.content.iter_chunked(CHUNK_BYTES):
            buffer += chunk
            if len(buffer) > limit:
                raise TooLarge(limit)
        return bytes(buffer)


async def credentials_for(turn: TurnContext, url: str) -> dict[str, str]:
    """The bot's own bearer token, for a file on the Bot Connector that sent the activity
    (a pasted image) and for nothing else; none when the bot runs without an app id."""
    if not same_host(url, turn.activity.service_url or ""):
        return {}
    client = turn.services.get(ConnectorClientBase)  # type: ignore[type-abstract]
    token = getattr(client, "bearer_token", "")  # bot.connector's clients carry the turn's token
    return {"Authorization": f"Bearer {token}"} if token else {}
