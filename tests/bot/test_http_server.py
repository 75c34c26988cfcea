"""`/api/messages` over real HTTP on 127.0.0.1: authentication, bad requests, invokes, replies.

The Bot Connector, the OpenID metadata and the JWKS are local fakes (tests/support); the network
beyond loopback is refused for every test, so nothing here can reach Microsoft.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from cryptography.hazmat.primitives import serialization
from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    ConversationParameters,
    InvokeResponse,
)
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import ClaimsIdentity, TurnContext

from bot.connector import PooledClientFactory
from bot.http import (
    ADAPTER_KEY,
    APOLOGY,
    add_bot_routes,
    create_bot_app,
)
from bot.settings import BOT_FRAMEWORK_ISSUER, AuthType, BotSettings
from memberportal.settings import Settings
from tests.support.connector import (
    DEFAULT_BOT_TOKEN,
    FakeConnector,
    StaticConnections,
)
from tests.support.tokens import (
    OpenIdServer,
    SigningKey,
    generate_signing_key,
    mint_channel_token,
    unreachable_url,
)

APP_ID = "00000000-0000-4000-8000-00000000b07a"
OPEN = BotSettings()
PROTECTED = BotSettings(client_id=APP_ID, client_secret="never-sent-anywhere")
CARD = {
    "type": "AdaptiveCard",
    "version": "1.4",
    "body": [{"type": "TextBlock", "text": "Enquiry ENQ-2026-000123 acknowledged"}],
}


class EchoBot:
    """A stock echo agent (the SDK's `Agent` protocol), with an Action.Execute and a task
    module answer."""

    async def on_turn(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if activity.type == ActivityTypes.message:
            if activity.text == "boom":
                raise RuntimeError("details that must not reach the member")
            await turn_context.send_activity(f"You said: {activity.text}")
        elif activity.type == ActivityTypes.invoke:
            body: dict[str, Any] = {"statusCode": 200,
                                    "type": "application/vnd.microsoft.card.adaptive",
                                    "value": CARD}
            if activity.name == "task/fetch":
                body = {"task": {"type": "message", "value": "ok"}}
            await turn_context.send_activity(Activity(
                type=ActivityTypes.invoke_response, value=InvokeResponse(status=200, body=body)))


def teams_activity(service_url: str, **overrides: Any) -> dict[str, Any]:
    """A personal-chat message shaped as Teams sends it."""
    activity: dict[str, Any] = {
        "type": "message",
        "id": f"1{uuid.uuid4().int % 10**12:012d}",
        "timestamp": "2026-03-02T09:15:00.000Z",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": "29:1member", "name": "Cllr Test", "aadObjectId": str(uuid.uuid4())},
        "conversation": {"conversationType": "personal", "tenantId": "tenant-1",
                         "id": "a:1personal-chat"},
        "recipient": {"id": f"28:{APP_ID}", "name": "Member Enquiries"},
        "textFormat": "plain",
        "locale": "en-GB",
        "text": "hello",
        "channelData": {"tenant": {"id": "tenant-1"}},
    }
    activity.update(overrides)
    return activity



@pytest.fixture(scope="module")
def signing_key() -> SigningKey:
    return generate_signing_key()


@pytest.fixture(scope="module")
def openid(signing_key: SigningKey) -> Iterator[OpenIdServer]:
    with OpenIdServer([signing_key]) as server:
        yield server



AppFactory = Callable[..., Awaitable[TestClient[web.Request, web.Application]]]


@pytest.fixture
async def serve() -> AsyncIterator[AppFactory]:
    clients: list[TestClient[web.Request, web.Application]] = []
    factories: list[PooledClientFactory] = []

    async def start(settings: BotSettings, *, connections: StaticConnections | None = None,
                    app: web.Application | None = None) -> TestClient[web.Request, web.Application]:
        if app is None:
            factory = PooledClientFactory(
                connections or (StaticConnections(APP_ID) if settings.auth_enabled else None))
            factories.append(factory)
            app = create_bot_app(settings, EchoBot(), client_factory=factory)
        client = TestClient(TestServer(app, host="127.0.0.1"))
        await client.start_server()
        clients.append(client)
        return client

    yield start
    for client in clients:
        await client.close()
    for factory in factories:
        await factory.close()


def protected_settings(openid_url: str) -> BotSettings:
    return replace(PROTECTED, openid_metadata_url=openid_url)


@pytest.fixture
async def protected(serve: AppFactory, openid: OpenIdServer) -> TestClient[Any, Any]:
    return await serve(protected_settings(openid.metadata_url))


# --- the open server (no app id) ---------------------------------------------------------------

async def test_open_server_answers_a_teams_message_through_the_connector(
    serve: AppFactory, connector: FakeConnector
) -> None:
    client = await serve(OPEN)
    activity = teams_activity(connector.service_url, text="pothole on Mill Lane")

    response = await client.post("/api/messages", json=activity)

    assert response.status in (200, 201)
    [reply] = await connector.wait_for_activities(1)
    assert reply.kind == "reply"
    assert reply.conversation_id == "a:1personal-chat"
    assert reply.activity_id == activity["id"]
    assert reply.text == "You said: pothole on Mill Lane"
    assert reply.authorization is None


async def test_healthz_answers_ok(serve: AppFactory) -> None:
    client = await serve(OPEN)

    response = await client.get("/healthz")

    assert response.status == 200
    assert await response.json() == {"status": "ok"}


async def test_open_server_warns_exactly_once_at_start_up(
    serve: AppFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    client = await serve(OPEN)
    await client.get("/healthz")

    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert "authentication is OFF" in warnings[0].getMessage()


async def test_protected_server_does_not_warn(
    serve: AppFactory, openid: OpenIdServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await serve(protected_settings(openid.metadata_url))

    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert any("authentication is on" in r.getMessage() for r in caplog.records)


# --- the protected server (an app id) ----------------------------------------------------------

async def test_protected_server_accepts_a_valid_channel_token_and_replies_with_its_own(
    protected: TestClient[Any, Any], connector: FakeConnector, signing_key: SigningKey
) -> None:
    token = mint_channel_token(signing_key, app_id=APP_ID, service_url=connector.service_url)

    response = await protected.post(
        "/api/messages", json=teams_activity(connector.service_url),
        headers={"Authorization": f"Bearer {token}"},
    )

    assert response.status in (200, 201)
    [reply] = await connector.wait_for_activities(1)
    assert reply.text == "You said: hello"
    assert reply.authorization == f"Bearer {DEFAULT_BOT_TOKEN}"


async def test_outgoing_tokens_come_from_the_service_connection_and_one_session_is_pooled(
    serve: AppFactory, openid: OpenIdServer, connector: FakeConnector, signing_key: SigningKey
) -> None:
    connections = StaticConnections(APP_ID)
    client = await serve(protected_settings(openid.metadata_url), connections=connections)
    token = mint_channel_token(signing_key, app_id=APP_ID, service_url=connector.service_url)

    for text in ("first", "second"):
        response = await client.post(
            "/api/messages", json=teams_activity(connector.service_url, text=text),
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status == 201

    assert [r.text for r in await connector.wait_for_activities(2)] == [
        "You said: first", "You said: second"]
    assert connections.provider.asked  # MSAL (here a stand-in) is asked; its cache keeps it
    assert {resource for resource, _ in connections.provider.asked} == {
        "https://api.botframework.com"}
    factory = client.app[ADAPTER_KEY]._channel_service_client_factory
    assert isinstance(factory, PooledClientFactory)
    assert factory.sessions_created == 1


async def test_protected_server_refuses_a_request_without_authorization(
    protected: TestClient[Any, Any], connector: FakeConnector
) -> None:
    response = await protected.post("/api/messages", json=teams_activity(connector.service_url))

    assert response.status == 401
    assert connector.requests == []


async def test_an_empty_authorization_header_is_401_not_500(
    protected: TestClient[Any, Any], connector: FakeConnector
) -> None:
    response = await protected.post("/api/messages", json=teams_activity(connector.service_url),
                                    headers={"Authorization": "   "})

    assert response.status == 401
    assert connector.requests == []


async def test_protected_server_refuses_an_unreadable_body_without_authorization_as_401(
    protected: TestClient[Any, Any],
) -> None:
    response = await protected.post("/api/messages", data=b"not json")

    assert response.status == 401


def _forged(key: SigningKey, service_url: str) -> str:
    impostor = generate_signing_key(kid=key.kid)
    return mint_channel_token(impostor, app_id=APP_ID, service_url=service_url)


def _not_endorsed_for_teams(_key: SigningKey, service_url: str) -> str:
    webchat_only = generate_signing_key(endorsements=["webchat"])
    return mint_channel_token(webchat_only, app_id=APP_ID, service_url=service_url)


def _hs256_with_public_key(key: SigningKey, service_url: str) -> str:
    """The algorithm-confusion attack: HMAC keyed with the (public) RSA key's PEM."""
    def b64(data: bytes) -> bytes:
        return base64.urlsafe_b64encode(data).rstrip(b"=")

    rs256 = mint_channel_token(key, app_id=APP_ID, service_url=service_url)
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": key.kid}).encode())
    signing_input = header + b"." + rs256.split(".")[1].encode()
    pem = key.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    signature = b64(hmac.new(pem, signing_input, hashlib.sha256).digest())
    return (signing_input + b"." + signature).decode()


BAD_TOKENS: dict[str, Callable[[SigningKey, str], str]] = {
    "forged with another key": _forged,
    "expired": lambda key, url: mint_channel_token(
        key, app_id=APP_ID, service_url=url, expires_in_s=-3600),
    "wrong audience": lambda key, url: mint_channel_token(
        key, app_id="11111111-2222-4333-8444-555555555555", service_url=url),
    "wrong issuer": lambda key, url: mint_channel_token(
        key, app_id=APP_ID, service_url=url, claims={"iss": "https://issuer.invalid"}),
    "no audience": lambda key, url: mint_channel_token(
        key, app_id=APP_ID, service_url=url, claims={"aud": None}),
    "serviceurl of another connector": lambda key, url: mint_channel_token(
        key, app_id=APP_ID, service_url="http://127.0.0.1:9/"),
    "no serviceurl claim": lambda key, url: mint_channel_token(
        key, app_id=APP_ID, service_url=url, claims={"serviceurl": None}),
    "unknown key id": lambda key, url: mint_channel_token(
        key, app_id=APP_ID, service_url=url, headers={"kid": "no-such-key"}),
    "HS256 signed with the public key": lambda key, url: _hs256_with_public_key(key, url),
}


@pytest.mark.parametrize("make_token", BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
async def test_protected_server_refuses_a_bad_token_with_401(
    protected: TestClient[Any, Any], connector: FakeConnector, signing_key: SigningKey,
    openid: OpenIdServer, make_token: Callable[[SigningKey, str], str],
) -> None:
    token = make_token(signing_key, connector.service_url)

    response = await protected.post(
        "/api/messages", json=teams_activity(connector.service_url),
        headers={"Authorization": f"Bearer {token}"},
    )

    assert response.status == 401
    assert connector.requests == []


async def test_protected_server_refuses_a_key_not_endorsed_for_the_channel(
    serve: AppFactory, connector: FakeConnector
) -> None:
    webchat_only = generate_signing_key(endorsements=["webchat"])
    with OpenIdServer([webchat_only]) as server:
        client = await serve(protected_settings(server.metadata_url))
        token = mint_channel_token(webchat_only, app_id=APP_ID,
                                   service_url=connector.service_url)

        response = await client.post(
            "/api/messages", json=teams_activity(connector.service_url),
            headers={"Authorization": f"Bearer {token}"},
        )

    assert response.status == 401


@pytest.mark.parametrize("header", ["Bearer abc", "Bearer", "Basic dXNlcjpwYXNz", "abc",
                                    "Bearer a.b.c", "Bearer two words"])
async def test_trap_malformed_bearer_token_is_401_not_500(
    protected: TestClient[Any, Any], connector: FakeConnector, header: str
) -> None:
    response = await protected.post(
        "/api/messages", json=teams_activity(connector.service_url),
        headers={"Authorization": header},
    )

    assert response.status == 401


async def test_trap_unreachable_openid_metadata_is_503_not_500(
    serve: AppFactory, connector: FakeConnector, signing_key: SigningKey,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with unreachable_url() as nowhere:
        client = await serve(protected_settings(nowhere))
        token = mint_channel_token(signing_key, app_id=APP_ID, service_url=connector.service_url)

        response = await client.post(
            "/api/messages", json=teams_activity(connector.service_url, text="my address"),
            headers={"Authorization": f"Bearer {token}"},
        )

    assert response.status == 503
    assert connector.requests == []
    assert "my address" not in caplog.text


# --- requests that are not activities ----------------------------------------------------------

async def test_trap_missing_content_type_is_415_not_500(
    serve: AppFactory, connector: FakeConnector
) -> None:
    client = await serve(OPEN)
    body = json.dumps(teams_activity(connector.service_url)).encode()

    response = await client.post("/api/messages", data=body, skip_auto_headers={"Content-Type"})

    assert response.status == 415


@pytest.mark.parametrize(
    ("content_type", "body", "status"),
    [
        ("text/plain", b'{"type": "message"}', 415),
        ("application/json", b"{not json", 400),
        ("application/json", b"\xff\xfe\x00", 400),
        ("application/json", b"[1, 2, 3]", 400),
        ("application/json", b'"message"', 400),
        ("application/json", b'{"text": "no type"}', 400),
        ("application/json", b'{"type": "message", "timestamp": "not a time"}', 400),
        ("application/json", b'{"type": "message", "conversation": {"id": "a:1"}}', 400),
    ],
    ids=["text/plain", "not JSON", "not UTF-8", "array", "string", "no type", "bad timestamp",
         "no serviceUrl"],
)
async def test_a_body_that_is_not_an_activity_is_a_client_error(
    serve: AppFactory, content_type: str, body: bytes, status: int
) -> None:
    client = await serve(OPEN)

    response = await client.post("/api/messages", data=body,
                                 headers={"Content-Type": content_type})

    assert response.status == status


async def test_protected_server_with_a_token_and_a_broken_body_answers_400(
    protected: TestClient[Any, Any], connector: FakeConnector, signing_key: SigningKey
) -> None:
    token = mint_channel_token(signing_key, app_id=APP_ID, service_url=connector.service_url)

    response = await protected.post(
        "/api/messages", data=b"{not json",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )

    assert response.status == 400


# --- invokes -----------------------------------------------------------------------------------

async def test_trap_invoke_response_with_a_dict_body_answers_200_with_that_json(
    serve: AppFactory, connector: FakeConnector
) -> None:
    client = await serve(OPEN)
    invoke = teams_activity(
        connector.service_url, type="invoke", name="adaptiveCard/action", text=None,
        value={"action": {"type": "Action.Execute", "verb": "acknowledge",
                          "data": {"case": "ENQ-2026-000123"}}, "trigger": "manual"},
    )

    response = await client.post("/api/messages", json=invoke)

    assert response.status == 200
    assert await response.json() == {
        "statusCode": 200, "type": "application/vnd.microsoft.card.adaptive", "value": CARD,
    }


async def test_invoke_returning_an_invoke_response_with_a_dict_body_answers_200(
    serve: AppFactory, connector: FakeConnector
) -> None:
    client = await serve(OPEN)
    invoke = teams_activity(connector.service_url, type="invoke", name="task/fetch", text=None,
                            value={"data": {"case": "ENQ-2026-000123"}})

    response = await client.post("/api/messages", json=invoke)

    assert response.status == 200
    assert await response.json() == {"task": {"type": "message", "value": "ok"}}


async def test_expect_replies_answers_200_with_the_replies(
    serve: AppFactory, connector: FakeConnector
) -> None:
    client = await serve(OPEN)

    response = await client.post("/api/messages", json=teams_activity(
        connector.service_url, deliveryMode="expectReplies"))

    assert response.status == 200
    [reply] = (await response.json())["activities"]
    assert reply["text"] == "You said: hello"
    assert connector.requests == []


async def test_stock_cloud_adapter_still_answers_500_for_a_body_that_is_not_an_activity(
    connector: FakeConnector,
) -> None:
    """Canary: when the SDK answers this with 400, HardenedCloudAdapter's reading can go."""
    factory = PooledClientFactory(None)
    adapter = CloudAdapter(channel_service_client_factory=factory)
    app = web.Application()

    async def messages(request: web.Request) -> web.StreamResponse:
        try:
            return await adapter.process(request, EchoBot()) or web.Response(status=201)
        except Exception:  # pydantic's ValidationError escapes the SDK's process()
            return web.Response(status=500)

    app.router.add_post("/api/messages", messages)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        response = await client.post("/api/messages", json={"type": "message", "id": ""})

    await factory.close()
    assert response.status == 500


# --- turn errors, proactive sends, composition -------------------------------------------------

async def test_a_failed_turn_is_logged_by_id_and_type_and_apologised_for(
    serve: AppFactory, connector: FakeConnector, caplog: pytest.LogCaptureFixture
) -> None:
    client = await serve(OPEN)
    activity = teams_activity(connector.service_url, text="boom")

    response = await client.post("/api/messages", json=activity)

    assert response.status in (200, 201)
    [reply] = await connector.wait_for_activities(1)
    assert reply.text == APOLOGY
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert activity["id"] in record.getMessage()
    assert "type=message" in record.getMessage()
    assert "Cllr Test" not in record.getMessage()
    assert "details that must not reach" not in record.getMessage()


async def test_trap_channel_post_without_app_id_goes_through_create_conversation(
    serve: AppFactory, connector: FakeConnector
) -> None:
    client = await serve(OPEN)
    adapter = client.app[ADAPTER_KEY]
    created: list[str] = []

    async def note_conversation(turn_context: TurnContext) -> None:
        created.append(turn_context.activity.conversation.id)

    parameters = ConversationParameters(
        is_group=True, channel_data={"channel": {"id": "19:highways@thread.tacv2"}},
        activity=Activity(type=ActivityTypes.message, text="New enquiry ENQ-2026-000123"),
    )
    await adapter.create_conversation("", "msteams", connector.service_url,
                                      "https://api.botframework.com", parameters,
                                      note_conversation)

    [request] = await connector.wait_for(1, where=lambda r: r.kind == "create_conversation")
    assert request.body["channelData"] == {"channel": {"id": "19:highways@thread.tacv2"}}
    assert request.body["activity"]["text"] == "New enquiry ENQ-2026-000123"
    assert created == ["conversation-1"]


async def test_the_app_takes_more_routes_and_cleanup_contexts(serve: AppFactory) -> None:
    events: list[str] = []

    async def lifespan(_app: web.Application) -> AsyncIterator[None]:
        events.append("started")
        yield
        events.append("stopped")

    async def version(_request: web.Request) -> web.Response:
        return web.json_response({"version": "test"})

    app = create_bot_app(OPEN, EchoBot(), client_factory=PooledClientFactory(None))
    app.cleanup_ctx.append(lifespan)
    app.router.add_get("/version", version)
    client = await serve(OPEN, app=app)

    assert (await client.get("/version")).status == 200
    assert (await client.get("/healthz")).status == 200
    await client.close()
    assert events == ["started", "stopped"]


async def test_a_body_over_one_mebibyte_is_413(serve: AppFactory, connector: FakeConnector
                                               ) -> None:
    client = await serve(OPEN)
    activity = teams_activity(connector.service_url, text="x" * (1024 * 1024 + 10))

    body = io.BytesIO(json.dumps(activity).encode())
    response = await client.post("/api/messages", data=body,
                                 headers={"Content-Type": "application/json"})

    assert response.status == 413
    assert connector.requests == []


async def test_the_mounted_bot_also_works_on_an_app_built_elsewhere(
    connector: FakeConnector,
) -> None:
    factory = PooledClientFactory(None)
    app = web.Application()
    from bot.http import HardenedCloudAdapter
    add_bot_routes(app, HardenedCloudAdapter(OPEN, client_factory=factory), EchoBot())
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        response = await client.post("/api/messages", json=teams_activity(connector.service_url))
        [reply] = await connector.wait_for_activities(1)
    await factory.close()
    assert response.status == 201
    assert reply.text == "You said: hello"


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": "secret",
          "MicrosoftAppType": "SingleTenant", "MicrosoftAppTenantId": "tenant-1"},
         (APP_ID, "secret", "tenant-1", AuthType.CLIENT_SECRET)),
        ({"MicrosoftAppId": APP_ID, "MicrosoftAppType": "UserAssignedMSI",
          "MicrosoftAppTenantId": "tenant-1"},
         (APP_ID, "", "tenant-1", AuthType.USER_MANAGED_IDENTITY)),
        ({"CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID": APP_ID,
          "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTSECRET": "sdk-secret",
          "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__TENANTID": "tenant-2",
          "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__AUTHTYPE": "ClientSecret"},
         (APP_ID, "sdk-secret", "tenant-2", AuthType.CLIENT_SECRET)),
        ({"CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID": APP_ID,
          "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__AUTHTYPE": "SystemManagedIdentity"},
         (APP_ID, "", "", AuthType.SYSTEM_MANAGED_IDENTITY)),
        ({"CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID": APP_ID,
          "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__AUTHTYPE": "UserManagedIdentity",
          "MicrosoftAppId": "ignored-older-id", "MicrosoftAppPassword": "x"},
         (APP_ID, "x", "", AuthType.USER_MANAGED_IDENTITY)),
    ],
    ids=["botbuilder single tenant", "botbuilder managed identity", "SDK client secret",
         "SDK system-assigned identity", "SDK wins over botbuilder"],
)
def test_settings_take_the_sdks_variables_and_the_older_ones(
    environ: dict[str, str], expected: tuple[str, str, str, AuthType]
) -> None:
    bot = Settings.from_environ(environ).bot_settings()

    assert (bot.client_id, bot.client_secret, bot.tenant_id, bot.auth_type) == expected
    connection = bot.service_connection()
    assert connection.CLIENT_ID == APP_ID
    assert connection.AUTH_TYPE.value == expected[3].value


def test_the_bot_accepts_tokens_from_the_connector_and_its_own_tenant() -> None:
    bot = BotSettings(client_id=APP_ID, client_secret="s", tenant_id="tenant-1")

    assert bot.issuers() == (BOT_FRAMEWORK_ISSUER, "https://sts.windows.net/tenant-1/",
                             "https://login.microsoftonline.com/tenant-1/v2.0")


async def test_trap_connector_session_is_built_once_per_service_url_not_every_turn() -> None:
    """The SDK's stock factory opens two aiohttp sessions on every turn and closes them after
    it; ours keeps one per service URL, and a client's close() leaves it open."""
    factory = PooledClientFactory(None)
    anonymous = ClaimsIdentity({}, authentication_type="anonymous")
    first = await factory.create_connector_client(None, anonymous, "http://127.0.0.1:1/a", "x")
    await first.close()
    again = await factory.create_connector_client(None, anonymous, "http://127.0.0.1:1/a", "x")
    other = await factory.create_connector_client(None, anonymous, "http://127.0.0.1:1/b", "x")
    assert first.conversations.client is again.conversations.client  # type: ignore[attr-defined]
    assert first.conversations.client is not other.conversations.client  # type: ignore
    assert not first.conversations.client.closed  # type: ignore[attr-defined]
    assert factory.sessions_created == 2
    await factory.close()
