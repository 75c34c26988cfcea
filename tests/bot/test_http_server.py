"""`/api/messages` over real HTTP on 127.0.0.1: authentication, bad requests, invokes, replies.

The Bot Connector, the OpenID metadata and the JWKS are local fakes (tests/support); the network
beyond loopback is refused for every test, so nothing here can reach Microsoft.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from botbuilder.core import ActivityHandler, InvokeResponse, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    AdaptiveCardInvokeResponse,
    AdaptiveCardInvokeValue,
    ConversationParameters,
)
from botframework.connector.auth import BotFrameworkAuthentication
from cryptography.hazmat.primitives import serialization

from bot.auth import create_authentication
from bot.http import (
    ADAPTER_KEY,
    APOLOGY,
    HardenedCloudAdapter,
    add_bot_routes,
    create_bot_app,
)
from bot.settings import BOT_FRAMEWORK_ISSUER, bot_framework_config
from memberportal.settings import Settings
from tests.support import loopback_only
from tests.support.connector import (
    DEFAULT_BOT_TOKEN,
    FakeConnector,
    StaticTokenCredentialsFactory,
)
from tests.support.tokens import (
    OpenIdServer,
    SigningKey,
    generate_signing_key,
    mint_channel_token,
    unreachable_url,
)

APP_ID = "00000000-0000-4000-8000-00000000b07a"
OPEN = Settings()
PROTECTED = Settings(app_id=APP_ID, app_password="never-sent-anywhere")
CARD = {
    "type": "AdaptiveCard",
    "version": "1.4",
    "body": [{"type": "TextBlock", "text": "Enquiry ENQ-2026-000123 acknowledged"}],
}


class EchoBot(ActivityHandler):
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        if turn_context.activity.text == "boom":
            raise RuntimeError("details that must not reach the member")
        await turn_context.send_activity(f"You said: {turn_context.activity.text}")

    async def on_adaptive_card_invoke(
        self, turn_context: TurnContext, invoke_value: AdaptiveCardInvokeValue
    ) -> AdaptiveCardInvokeResponse:
        return AdaptiveCardInvokeResponse(
            status_code=200, type="application/vnd.microsoft.card.adaptive", value=CARD
        )

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse | None:
        if turn_context.activity.name == "task/fetch":
            return InvokeResponse(status=200, body={"task": {"type": "message", "value": "ok"}})
        return await super().on_invoke_activity(turn_context)


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


@pytest.fixture(autouse=True)
def no_external_network() -> Iterator[None]:
    with loopback_only() as refused:
        yield
    assert refused == [], f"a test tried to reach {refused}"


@pytest.fixture(scope="module")
def signing_key() -> SigningKey:
    return generate_signing_key()


@pytest.fixture(scope="module")
def openid(signing_key: SigningKey) -> Iterator[OpenIdServer]:
    with OpenIdServer([signing_key]) as server:
        yield server


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    async with FakeConnector() as fake:
        yield fake


AppFactory = Callable[..., Awaitable[TestClient[web.Request, web.Application]]]


@pytest.fixture
async def serve() -> AsyncIterator[AppFactory]:
    clients: list[TestClient[web.Request, web.Application]] = []

    async def start(settings: Settings, *, auth: BotFrameworkAuthentication | None = None,
                    app: web.Application | None = None) -> TestClient[web.Request, web.Application]:
        app = app or create_bot_app(settings, EchoBot(), auth=auth)
        client = TestClient(TestServer(app, host="127.0.0.1"))
        await client.start_server()
        clients.append(client)
        return client

    yield start
    for client in clients:
        await client.close()


def protected_auth(openid_url: str) -> BotFrameworkAuthentication:
    return create_authentication(
        PROTECTED,
        channel_openid_metadata_url=openid_url,
        emulator_openid_metadata_url=openid_url,
        credentials_factory=StaticTokenCredentialsFactory(APP_ID),
    )


@pytest.fixture
async def protected(serve: AppFactory, openid: OpenIdServer) -> TestClient[Any, Any]:
    return await serve(PROTECTED, auth=protected_auth(openid.metadata_url))


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
    await serve(PROTECTED, auth=protected_auth(openid.metadata_url))

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


async def test_outgoing_credentials_are_made_once_not_every_turn(
    serve: AppFactory, openid: OpenIdServer, connector: FakeConnector, signing_key: SigningKey
) -> None:
    factory = StaticTokenCredentialsFactory(APP_ID)
    client = await serve(PROTECTED, auth=create_authentication(
        PROTECTED, channel_openid_metadata_url=openid.metadata_url,
        emulator_openid_metadata_url=openid.metadata_url, credentials_factory=factory))
    token = mint_channel_token(signing_key, app_id=APP_ID, service_url=connector.service_url)

    for text in ("first", "second"):
        response = await client.post(
            "/api/messages", json=teams_activity(connector.service_url, text=text),
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status == 201

    assert [r.text for r in await connector.wait_for_activities(2)] == [
        "You said: first", "You said: second"]
    assert len(factory.created) == 1


async def test_protected_server_refuses_a_request_without_authorization(
    protected: TestClient[Any, Any], connector: FakeConnector
) -> None:
    response = await protected.post("/api/messages", json=teams_activity(connector.service_url))

    assert response.status == 401
    assert connector.requests == []


async def test_trap_parameterized_auth_without_authorization_is_401_not_500(
    serve: AppFactory, openid: OpenIdServer, connector: FakeConnector
) -> None:
    """With a metadata URL set, botbuilder's parameterized validator crashed on an empty header."""
    app = web.Application()
    adapter = HardenedCloudAdapter(protected_auth(openid.metadata_url), token_required=False)
    add_bot_routes(app, adapter, EchoBot())
    client = await serve(PROTECTED, app=app)

    response = await client.post("/api/messages", json=teams_activity(connector.service_url))

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
        client = await serve(PROTECTED, auth=protected_auth(server.metadata_url))
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
        client = await serve(PROTECTED, auth=protected_auth(nowhere))
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


async def test_stock_cloud_adapter_still_answers_500_for_a_dict_invoke_body(
    connector: FakeConnector,
) -> None:
    """Canary: when botbuilder fixes this, HardenedCloudAdapter's serialisation can go."""
    adapter = CloudAdapter(create_authentication(OPEN))
    bot = EchoBot()
    app = web.Application()

    async def messages(request: web.Request) -> web.StreamResponse:
        try:
            return await adapter.process(request, bot)
        except AttributeError:  # 'dict' object has no attribute 'is_xml_model'
            return web.Response(status=500)

    app.router.add_post("/api/messages", messages)
    invoke = teams_activity(connector.service_url, type="invoke", name="task/fetch", text=None)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        response = await client.post("/api/messages", json=invoke)

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
    await adapter.create_conversation("", note_conversation, parameters, "msteams",
                                      connector.service_url, None)

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

    app = create_bot_app(OPEN, EchoBot(), cleanup_ctx=[lifespan])
    app.router.add_get("/version", version)
    client = await serve(OPEN, app=app)

    assert (await client.get("/version")).status == 200
    assert (await client.get("/healthz")).status == 200
    await client.close()
    assert events == ["started", "stopped"]


def test_trap_settings_map_onto_botbuilder_attribute_names() -> None:
    settings = Settings(app_id=APP_ID, app_password="secret", app_type="SingleTenant",
                        app_tenant_id="tenant-1")

    plain = bot_framework_config(settings)
    overridden = bot_framework_config(settings, channel_openid_metadata_url="http://127.0.0.1/x")

    assert (plain.APP_ID, plain.APP_PASSWORD, plain.APP_TYPE, plain.APP_TENANTID) == (
        APP_ID, "secret", "SingleTenant", "tenant-1")
    assert plain.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL is None
    assert overridden.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL == "http://127.0.0.1/x"
    assert overridden.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER == BOT_FRAMEWORK_ISSUER


async def test_trap_connector_client_is_built_once_per_service_url_not_every_turn() -> None:
    """DESIGN.md: stock botbuilder rebuilds the connector client (and msrest's retry policy)
    on every turn; ours keeps one per app, service URL and audience."""
    from botframework.connector.auth import ClaimsIdentity

    auth = create_authentication(OPEN)
    anonymous = ClaimsIdentity({}, True)
    first = await auth.create_connector_factory(anonymous).create("http://127.0.0.1:1/a", "")
    again = await auth.create_connector_factory(anonymous).create("http://127.0.0.1:1/a", "")
    other = await auth.create_connector_factory(anonymous).create("http://127.0.0.1:1/b", "")
    assert first is again and first is not other
    tokens = await auth.create_user_token_client(anonymous)
    assert tokens is await auth.create_user_token_client(anonymous)
