"""The downloader alone, over real sockets: local http and https servers on 127.0.0.1 under
SharePoint-like names (tests/support/files.py), so every refusal is shown to happen before a
byte is sent, and every fetch goes through real TLS checks."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.members.downloads import (
    MAX_REDIRECTS,
    DownloadFailed,
    DownloadRefused,
    TooLarge,
    public_address,
)
from casestore.config import Attachments
from dialogs.members.files import Unsafe
from tests.support.files import (
    CONNECTOR_HOST,
    FILES_HOST,
    OTHER_HOST,
    Authority,
    NamesResolver,
    downloader_for,
)

PDF = b"%PDF-1.7\n% the pothole report\n"
LIMITS = Attachments(max_bytes=64 * 1024)


@dataclass
class Seen:
    """What the local servers were asked: (path, Authorization header) per request."""

    requests: list[tuple[str, str | None]] = field(default_factory=list)


@pytest.fixture(scope="module")
def authority() -> Authority:
    return Authority()



def file_app(seen: Seen) -> web.Application:
    async def handle(request: web.Request) -> web.StreamResponse:
        seen.requests.append((request.path, request.headers.get("Authorization")))
        name = request.match_info["name"]
        if name == "to":  # /to?url=...: a redirect to wherever the test says
            raise web.HTTPFound(request.query["url"])
        if name == "loop":
            raise web.HTTPFound("/loop")
        if name == "big.pdf":
            return web.Response(body=PDF + b"x" * LIMITS.max_bytes)
        if name == "endless.pdf":  # no Content-Length: chunk after chunk
            response = web.StreamResponse()
            await response.prepare(request)
            await response.write(PDF)
            for _ in range(LIMITS.max_bytes // 1024 + 10):
                await response.write(b"x" * 1024)
            await response.write_eof()
            return response
        if name == "missing.pdf":
            return web.Response(status=404)
        return web.Response(body=PDF, content_type="application/pdf")

    app = web.Application()
    app.router.add_get("/{name}", handle)
    return app


@pytest.fixture
def seen() -> Seen:
    return Seen()


@pytest.fixture
async def https_server(authority: Authority, seen: Seen) -> AsyncIterator[TestServer]:
    server = TestServer(file_app(seen), host="127.0.0.1")
    await server.start_server(ssl=authority.server_context())
    yield server
    await server.close()


@pytest.fixture
async def http_server(seen: Seen) -> AsyncIterator[TestServer]:
    async with TestServer(file_app(seen), host="127.0.0.1") as server:
        yield server


def at(server: TestServer, host: str, path: str, scheme: str = "https") -> str:
    return f"{scheme}://{host}:{server.port}{path}"


async def test_a_file_on_a_listed_host_is_fetched_over_https(
    https_server: TestServer, authority: Authority, seen: Seen,
) -> None:
    content = await downloader_for(LIMITS, authority).fetch(
        at(https_server, FILES_HOST, "/report.pdf"))
    assert content == PDF
    assert seen.requests == [("/report.pdf", None)]


async def test_plain_http_is_refused_before_connecting(
    http_server: TestServer, authority: Authority, seen: Seen,
) -> None:
    with pytest.raises(DownloadRefused) as refused:
        await downloader_for(LIMITS, authority).fetch(
            at(http_server, FILES_HOST, "/report.pdf", scheme="http"))
    assert refused.value.why is Unsafe.NOT_HTTPS
    assert seen.requests == []


@pytest.mark.parametrize("link", ["file:///etc/passwd", "ftp://councilname-my.sharepoint.com/x",
                                  "https:///nohost", "not a link at all"])
async def test_links_that_are_not_https_are_refused(authority: Authority, link: str) -> None:
    with pytest.raises(DownloadRefused) as refused:
        await downloader_for(LIMITS, authority).fetch(link)
    assert refused.value.why is Unsafe.NOT_HTTPS


@pytest.mark.parametrize("host", ["files.example.org", "127.0.0.1", "sharepoint.com",
                                  "evilsharepoint.com", "sharepoint.com.evil.example",
                                  "councilname-my.sharepoint.com@files.example.org"])
async def test_a_host_not_on_the_list_is_refused_before_it_is_looked_up(
    https_server: TestServer, authority: Authority, seen: Seen, host: str,
) -> None:
    resolver = NamesResolver()
    with pytest.raises(DownloadRefused) as refused:
        await downloader_for(LIMITS, authority, resolver=resolver).fetch(
            at(https_server, host, "/report.pdf"))
    assert refused.value.why is Unsafe.HOST
    assert resolver.lookups == [] and seen.requests == []


@pytest.mark.parametrize("address", [
    "127.0.0.1", "10.1.2.3", "172.16.0.9", "192.168.1.20", "169.254.169.254", "100.64.0.1",
    "0.0.0.0", "224.0.0.251", "240.0.0.1", "::1", "fe80::1", "fd00::1", "::ffff:127.0.0.1",
    "64:ff9b::a01:203", "2002:a01:203::1",
])
async def test_a_listed_name_that_resolves_to_a_private_address_is_refused(
    https_server: TestServer, authority: Authority, seen: Seen, address: str,
) -> None:
    """The production address rule (public only), with DNS saying the listed name is here."""
    resolver = NamesResolver({FILES_HOST: [address]})
    downloader = downloader_for(LIMITS, authority, resolver=resolver,
                                allowed_address=public_address)
    with pytest.raises(DownloadRefused) as refused:
        await downloader.fetch(at(https_server, FILES_HOST, "/report.pdf"))
    assert refused.value.why is Unsafe.ADDRESS
    assert resolver.lookups == [FILES_HOST] and seen.requests == []


async def test_every_address_a_name_resolves_to_is_checked(
    https_server: TestServer, authority: Authority, seen: Seen,
) -> None:
    resolver = NamesResolver({FILES_HOST: ["52.108.1.1", "10.0.0.5"]})  # one public, one not
    downloader = downloader_for(LIMITS, authority, resolver=resolver,
                                allowed_address=public_address)
    with pytest.raises(DownloadRefused) as refused:
        await downloader.fetch(at(https_server, FILES_HOST, "/report.pdf"))
    assert refused.value.why is Unsafe.ADDRESS
    assert seen.requests == []


async def test_the_connection_goes_to_the_address_checked_not_a_second_answer(
    https_server: TestServer, authority: Authority, seen: Seen,
) -> None:
    """DNS rebinding: a name that answers an allowed address, then a forbidden one. The one
    look-up is both the check and the address connected to."""

    class Rebinding(NamesResolver):
        async def resolve(self, host, port=0, family=0):  # type: ignore[no-untyped-def]
            answers = await super().resolve(host, port, family)
            self.answers[host] = ["127.0.0.2"]  # what a second look-up would say
            return answers

    resolver = Rebinding()
    only_first = {ipaddress.ip_address("127.0.0.1")}
    downloader = downloader_for(LIMITS, authority, resolver=resolver,
                                allowed_address=lambda a: a in only_first)
    assert await downloader.fetch(at(https_server, FILES_HOST, "/report.pdf")) == PDF
    assert resolver.lookups == [FILES_HOST]
    with pytest.raises(DownloadRefused):  # a new connection looks up again, and is checked
        await downloader.fetch(at(https_server, FILES_HOST, "/report.pdf"))


async def test_a_redirect_within_the_list_is_followed_and_the_token_stays_behind(
    https_server: TestServer, authority: Authority, seen: Seen,
) -> None:
    target = at(https_server, OTHER_HOST, "/moved.pdf")
    start = at(https_server, CONNECTOR_HOST, f"/to?url={target}")
    content = await downloader_for(LIMITS, authority).fetch(
        start, headers={"Authorization": "Bearer bot-token"})
    assert content == PDF
    assert seen.requests == [("/to", "Bearer bot-token"), ("/moved.pdf", None)]


@pytest.mark.parametrize("target", ["https://files.example.org:{port}/report.pdf",
                                    "http://councilname.sharepoint.com:{port}/report.pdf",
                                    "https://127.0.0.1:{port}/report.pdf",
                                    "file:///etc/passwd"])
async def test_a_redirect_that_leaves_the_list_is_not_followed(
    https_server: TestServer, authority: Authority, seen: Seen, target: str,
) -> None:
    start = at(https_server, FILES_HOST, f"/to?url={target.format(port=https_server.port)}")
    with pytest.raises(DownloadRefused) as refused:
        await downloader_for(LIMITS, authority).fetch(start)
    assert refused.value.why is Unsafe.REDIRECT
    assert seen.requests == [("/to", None)]


async def test_a_redirect_to_a_listed_name_on_a_private_address_is_refused(
    https_server: TestServer, authority: Authority, seen: Seen,
) -> None:
    resolver = NamesResolver({OTHER_HOST: ["10.0.0.7"]})
    downloader = downloader_for(LIMITS, authority, resolver=resolver)
    start = at(https_server, FILES_HOST, f"/to?url={at(https_server, OTHER_HOST, '/x.pdf')}")
    with pytest.raises(DownloadRefused) as refused:
        await downloader.fetch(start)
    assert refused.value.why is Unsafe.ADDRESS
    assert seen.requests == [("/to", None)]


async def test_redirects_are_followed_a_few_times_only(
    https_server: TestServer, authority: Authority, seen: Seen,
) -> None:
    with pytest.raises(DownloadRefused) as refused:
        await downloader_for(LIMITS, authority).fetch(at(https_server, FILES_HOST, "/loop"))
    assert refused.value.why is Unsafe.TOO_MANY_REDIRECTS
    assert len(seen.requests) == MAX_REDIRECTS + 1


@pytest.mark.parametrize("name", ["big.pdf", "endless.pdf"])
async def test_a_file_over_the_size_limit_is_cut_off(
    https_server: TestServer, authority: Authority, name: str,
) -> None:
    with pytest.raises(TooLarge):
        await downloader_for(LIMITS, authority).fetch(at(https_server, FILES_HOST, f"/{name}"))


async def test_an_error_from_the_host_is_a_failed_download(
    https_server: TestServer, authority: Authority,
) -> None:
    with pytest.raises(DownloadFailed):
        await downloader_for(LIMITS, authority).fetch(
            at(https_server, FILES_HOST, "/missing.pdf"))


async def test_a_certificate_the_downloader_does_not_trust_is_a_failed_download(
    https_server: TestServer, seen: Seen,
) -> None:
    stranger = Authority()  # the server's certificate is not from this one
    with pytest.raises(DownloadFailed):
        await downloader_for(LIMITS, stranger).fetch(at(https_server, FILES_HOST, "/report.pdf"))
    assert seen.requests == []


@pytest.mark.parametrize(("address", "public"), [
    ("52.108.1.1", True), ("2603:1020::1", True), ("8.8.8.8", True),
    ("127.0.0.1", False), ("10.0.0.1", False), ("100.64.0.1", False), ("169.254.0.1", False),
    ("192.0.2.1", False), ("255.255.255.255", False), ("::ffff:10.0.0.1", False),
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", False), ("ff02::1", False),
])
def test_which_addresses_are_public(address: str, public: bool) -> None:
    assert public_address(ipaddress.ip_address(address)) is public
