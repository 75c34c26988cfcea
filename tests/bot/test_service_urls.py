"""Where replies may go: nobody re-points the bot's serviceUrl (or a stored conversation
reference) from a request.

Authentication off: only service URLs on `ALLOWED_SERVICE_URLS` (loopback by default); any other
request is 403 and writes nothing. Authentication on: only the URL the token's `serviceurl`
claim vouches for (a token without one, or for another URL, is 401). Over real HTTP with the
member flows on SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.connector import PooledClientFactory
from bot.http import create_bot_app
from bot.service_urls import ServiceUrlAllowlist, parse_allowlist
from bot.settings import BotSettings
from casestore.casework import Casework
from memberportal.settings import Settings, SettingsError
from tests.bot.member_fixtures import BOT_ID, MONDAY, SARAH, TENANT, Clock, make_bot
from tests.support.connector import FakeConnector, StaticConnections
from tests.support.snapshot import counts
from tests.support.tokens import OpenIdServer, SigningKey, generate_signing_key, mint_channel_token

Client = TestClient[web.Request, web.Application]
APP_ID = "00000000-0000-4000-8000-00000000b07a"
ELSEWHERE = ["https://evil.example/", "http://10.0.0.7:8080/", "http://127.0.0.1.evil.example/",
             "http://localhost@evil.example/", "ftp://127.0.0.1/", "not a url"]


# -- the allowlist ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("entries", "url", "allowed"), [
    (("loopback",), "http://127.0.0.1:56150/_connector", True),
    (("loopback",), "http://localhost:3979/", True),
    (("loopback",), "https://[::1]:8443/", True),
    (("loopback",), "http://127.8.9.10/", True),
    (("loopback",), "https://smba.trafficmanager.net/uk/", False),
    (("loopback",), "http://127.0.0.1.evil.example/", False),
    (("loopback",), "http://127.0.0.1@evil.example/", False),
    (("loopback",), "http://localhost@127.0.0.1/", False),
    (("loopback",), "file:///etc/passwd", False),
    (("https://smba.trafficmanager.net/uk/",), "https://smba.trafficmanager.net/uk/", True),
    (("https://smba.trafficmanager.net/uk/",), "https://SMBA.trafficmanager.net/uk/x/", True),
    (("https://smba.trafficmanager.net/uk/",), "https://smba.trafficmanager.net/ukevil/", False),
    (("https://smba.trafficmanager.net/uk/",), "http://smba.trafficmanager.net/uk/", False),
    (("https://smba.trafficmanager.net/uk/",), "https://smba.trafficmanager.net:444/uk/", False),
    (("https://smba.trafficmanager.net/uk/",), "http://127.0.0.1/", False),
    (("https://smba.trafficmanager.net",), "https://smba.trafficmanager.net/emea/", True),
])
def test_the_allowlist(entries: tuple[str, ...], url: str, allowed: bool) -> None:
    assert ServiceUrlAllowlist(entries).allows(url) is allowed


def test_the_setting_is_loopback_unless_given_and_names_a_bad_entry() -> None:
    assert Settings.from_environ({}).bot_settings().allowed_service_urls == ("loopback",)
    given = Settings.from_environ(
        {"ALLOWED_SERVICE_URLS": "loopback, https://smba.trafficmanager.net/uk/"})
    assert given.allowed_service_urls == ("loopback", "https://smba.trafficmanager.net/uk/")
    for bad in ("ftp://example.org/", "smba.trafficmanager.net", "https://u:p@host/", ","):
        with pytest.raises(SettingsError) as refused:
            Settings.from_environ({"ALLOWED_SERVICE_URLS": bad})
        assert refused.value.key == "ALLOWED_SERVICE_URLS"
    assert parse_allowlist("loopback  http://127.0.0.1:1/x") == ("loopback",
                                                               "http://127.0.0.1:1/x")


# -- over HTTP -------------------------------------------------------------------------------------



@pytest.fixture(scope="module")
def signing_key() -> SigningKey:
    return generate_signing_key()


@pytest.fixture(scope="module")
def openid(signing_key: SigningKey) -> Iterator[OpenIdServer]:
    with OpenIdServer([signing_key]) as server:
        yield server


async def serve(casework: Casework, settings: BotSettings) -> AsyncIterator[Client]:
    bot, _ctx = make_bot(casework, Clock(MONDAY))
    factory = PooledClientFactory(StaticConnections(APP_ID) if settings.auth_enabled else None)
    app = create_bot_app(settings, bot, client_factory=factory)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client
    await factory.close()


@pytest.fixture
async def open_client(casework: Casework) -> AsyncIterator[Client]:
    async for client in serve(casework, BotSettings()):
        yield client


def sarahs(casework: Casework, service_url: str, **fields: Any) -> dict[str, Any]:
    sarah = casework.directory.get(SARAH)
    body: dict[str, Any] = {
        "type": "message", "id": f"1{uuid.uuid4().int % 10**12:012d}", "text": "my cases",
        "serviceUrl": service_url, "channelId": "msteams",
        "from": {"id": sarah.teams_user_id, "name": sarah.name,
                 "aadObjectId": sarah.aad_object_id},
        "conversation": {"conversationType": "personal", "tenantId": TENANT,
                         "id": "a:1personal-chat-sarah"},
        "recipient": {"id": BOT_ID, "name": "Member Enquiries"},
        "locale": "en-GB", "channelData": {"tenant": {"id": TENANT}},
    }
    body.update(fields)
    return body


async def stored_service_urls(casework: Casework) -> dict[str, str | None]:
    found = {}
    async with casework.store.transaction() as uow:
        for key in (f"person:{SARAH}", "service-url"):
            ref = await uow.refs.get(key)
            found[key] = ref.get("serviceUrl") if ref else None
    return found


@pytest.mark.parametrize("service_url", ELSEWHERE)
async def test_open_a_service_url_off_the_allowlist_is_403_and_writes_nothing(
    open_client: Client, connector: FakeConnector, casework: Casework, service_url: str,
) -> None:
    before = await counts(casework.store)
    for body in (sarahs(casework, service_url),
                 sarahs(casework, service_url, type="invoke", name="adaptiveCard/action",
                        value={"action": {"verb": "member.cases.list",
                                          "data": {"nonce": str(uuid.uuid4())}}})):
        response = await open_client.post("/api/messages", json=body)
        assert response.status == 403
    assert await counts(casework.store) == before


async def test_open_a_stored_reference_cannot_be_repointed(
    open_client: Client, connector: FakeConnector, casework: Casework,
) -> None:
    first = await open_client.post("/api/messages", json=sarahs(casework, connector.service_url))
    assert first.status == 201
    await connector.wait_for_activities(1)
    stored = await stored_service_urls(casework)
    assert stored == {f"person:{SARAH}": connector.service_url,
                      "service-url": connector.service_url}

    forged = await open_client.post("/api/messages",
                                    json=sarahs(casework, "https://evil.example/connector/"))

    assert forged.status == 403
    assert await stored_service_urls(casework) == stored
    assert len(connector.activities) == 1


async def test_open_a_configured_allowlist_replaces_loopback(
    connector: FakeConnector, casework: Casework,
) -> None:
    settings = BotSettings(allowed_service_urls=(f"{connector.service_url}teams/",))
    async for client in serve(casework, settings):
        off_list = await client.post("/api/messages",
                                     json=sarahs(casework, connector.service_url))
        on_list = await client.post("/api/messages",
                                    json=sarahs(casework, f"{connector.service_url}teams/"))
        assert (off_list.status, on_list.status) == (403, 201)


@pytest.mark.parametrize("claims", [{}, {"serviceurl": None}],
                         ids=["vouching for another URL", "vouching for none"])
async def test_protected_only_the_url_the_token_vouches_for_is_used_or_stored(
    connector: FakeConnector, casework: Casework, openid: OpenIdServer,
    signing_key: SigningKey, claims: dict[str, Any],
) -> None:
    settings = BotSettings(client_id=APP_ID, client_secret="never-sent",
                           openid_metadata_url=openid.metadata_url)
    async for client in serve(casework, settings):
        good = mint_channel_token(signing_key, app_id=APP_ID, service_url=connector.service_url)
        ok = await client.post("/api/messages", json=sarahs(casework, connector.service_url),
                               headers={"Authorization": f"Bearer {good}"})
        assert ok.status == 201
        await connector.wait_for_activities(1)
        stored, before = await stored_service_urls(casework), await counts(casework.store)

        token = mint_channel_token(signing_key, app_id=APP_ID, service_url=connector.service_url,
                                   claims=claims)
        forged = await client.post(
            "/api/messages", json=sarahs(casework, "http://127.0.0.1:9/"),
            headers={"Authorization": f"Bearer {token}"})

        assert forged.status == 401
        assert await stored_service_urls(casework) == stored
        assert await counts(casework.store) == before
        assert len(connector.activities) == 1
