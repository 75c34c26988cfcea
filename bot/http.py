"""The bot's HTTP edge: `POST /api/messages` through the Agents SDK's `CloudAdapter`, and
`/healthz`.

`HardenedCloudAdapter.process` replaces the SDK's `CloudAdapter.process` (which answers a body
that is JSON but not an activity with HTTP 500, and leaves authentication to a middleware that
cannot tell a bad token from unreachable signing keys):

- a request with no or another Content-Type (415), a body that is not a JSON object or not an
  activity (400), one over the size limit (413), a malformed, forged, expired or misaddressed
  token (401) and signing keys that cannot be fetched (503) never end as HTTP 500;
- with authentication off, an activity whose serviceUrl is not on the allowlist
  (`bot.service_urls`, loopback by default) gets 403 before its turn: nothing is stored and no
  reply goes anywhere; with it on, the token's `serviceurl` claim must name it (`bot.auth`);
- an activity `bot.inbound` refuses (control characters in its ids, a card action that is not
  one) gets 400 with a sentence saying why, before any turn, so nothing is written;
- the token is checked by `bot.auth.TokenValidator`; the turn itself, invoke responses and
  `expectReplies` are the SDK's `process_activity`;
- failures are logged with the activity id and type at most, never its text or people.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from aiohttp import web
from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    DeliveryModes,
    InvokeResponse,
    ResourceResponse,
)
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import (
    Agent,
    ChannelServiceClientFactoryBase,
    ClaimsIdentity,
    TurnContext,
)
from pydantic import ValidationError

from bot.auth import AuthenticationFailed, AuthMetadataUnavailable, TokenValidator, log_auth_mode
from bot.connector import PooledClientFactory
from bot.inbound import CARD_ACTION
from bot.inbound import refusal as inbound_refusal
from bot.settings import BotSettings

logger = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong on our side. Please try again."
MESSAGES_PATH = "/api/messages"
MAX_BODY_BYTES = 1024 * 1024

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class RequestRejected(Exception):
    """A request `/api/messages` will not process, with the status and a reason safe to log."""

    def __init__(self, status: HTTPStatus, reason: str) -> None:
        self.status = status
        self.reason = reason
        super().__init__(f"{int(status)} {reason}")


class ReplyingTurnContext(TurnContext):
    """The SDK's `TurnContext`, sending without a deep copy of every outgoing activity.

    `TurnContext.send_activities` deep-copies each activity (and its whole card) before
    addressing it: about a tenth of a 'my cases' turn. A shallow copy keeps the caller's
    activity unchanged just as well, because addressing replaces top-level fields only.
    """

    async def send_activities(self, activities: list[Activity]) -> list[ResourceResponse]:
        ref = self.activity.get_conversation_reference()
        output = []
        for activity in activities:
            addressed = TurnContext.apply_conversation_reference(activity.model_copy(), ref)
            addressed.type = addressed.type or ActivityTypes.message
            addressed.input_hint = addressed.input_hint or "acceptingInput"
            addressed.id = None
            output.append(addressed)
        responses: list[ResourceResponse] = await self.adapter.send_activities(self, output)
        if any(a.type != ActivityTypes.trace for a in output):
            self.responded = True
        return responses


class HardenedCloudAdapter(CloudAdapter):
    """The SDK's `CloudAdapter` whose `process` answers client errors with 4xx.

    With an app id, a request without an `Authorization` header is refused before its body is
    read; one with a header has its body read first, because the token is checked against the
    activity's channel and serviceUrl.
    """

    def __init__(self, settings: BotSettings, *, client_factory: ChannelServiceClientFactoryBase,
                 validator: TokenValidator | None = None) -> None:
        super().__init__(channel_service_client_factory=client_factory)
        self.settings = settings
        self.validator = validator or TokenValidator(settings)
        self.service_urls = settings.service_url_allowlist()
        self.on_turn_error = on_turn_error

    def _create_turn_context(self, claims_identity: ClaimsIdentity,
                             oauth_scope: str | None = None,
                             activity: Activity | None = None) -> TurnContext:
        context = ReplyingTurnContext(self, activity, claims_identity)
        context.turn_state[self.OAUTH_SCOPE_KEY] = oauth_scope
        context.turn_state[self.AGENT_IDENTITY_KEY] = claims_identity
        return context

    async def process(self, request: web.Request, agent: Agent) -> web.Response:
        activity: Activity | None = None
        auth_header = request.headers.get("Authorization", "").strip() or None
        try:
            if self.settings.auth_enabled and auth_header is None:
                raise AuthenticationFailed("no Authorization header")
            activity = await read_activity(request)
            claims = await self.validator.identity(auth_header, activity)
            require_routable(activity)
            if (problem := inbound_refusal(activity)) is not None:
                _log_rejected(HTTPStatus.BAD_REQUEST, problem, activity)
                return bad_activity_response(activity, problem)
            if not self.settings.auth_enabled and \
                    not self.service_urls.allows(activity.service_url or ""):
                raise RequestRejected(HTTPStatus.FORBIDDEN, "serviceUrl not on the allowlist")
            invoke_response = await self.process_activity(claims, activity, agent.on_turn)
            return invoke_response_to_http(activity, invoke_response)
        except RequestRejected as exc:
            _log_rejected(exc.status, exc.reason, activity)
            return _error_response(exc.status)
        except AuthenticationFailed as exc:
            _log_rejected(HTTPStatus.UNAUTHORIZED, exc.reason, activity)
            return _error_response(HTTPStatus.UNAUTHORIZED)
        except AuthMetadataUnavailable as exc:
            logger.error("Cannot fetch the Bot Framework signing keys (%s); answering 503.",
                         exc.reason)
            return _error_response(HTTPStatus.SERVICE_UNAVAILABLE, headers={"Retry-After": "30"})
        except Exception as exc:  # a bug or an outage past on_turn_error: no details out
            logger.error("Failed to process activity id=%s type=%s: %s", _id(activity),
                         _type(activity), type(exc).__name__, exc_info=exc)
            return _error_response(HTTPStatus.INTERNAL_SERVER_ERROR)


async def read_activity(request: web.Request) -> Activity:
    if request.method != "POST":
        raise RequestRejected(HTTPStatus.METHOD_NOT_ALLOWED, f"method {request.method}")
    if "Content-Type" not in request.headers:
        raise RequestRejected(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "no Content-Type")
    if request.content_type != "application/json":
        raise RequestRejected(HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                              f"Content-Type {request.content_type[:60]}")
    try:
        body = await request.json()
    except web.HTTPRequestEntityTooLarge:
        raise RequestRejected(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "body too large") from None
    except (ValueError, RecursionError):  # JSONDecodeError, UnicodeDecodeError; nested too deep
        raise RequestRejected(HTTPStatus.BAD_REQUEST, "body is not JSON") from None
    if not isinstance(body, dict):
        raise RequestRejected(HTTPStatus.BAD_REQUEST, "body is not a JSON object")
    try:
        activity = Activity.model_validate(body)
    except (ValidationError, TypeError, ValueError, RecursionError):
        raise RequestRejected(HTTPStatus.BAD_REQUEST, "body is not an activity") from None
    if not activity.type or not isinstance(activity.type, str):
        raise RequestRejected(HTTPStatus.BAD_REQUEST, "activity has no type")
    return activity


def require_routable(activity: Activity) -> None:
    """The bot can only answer an activity that says where to (serviceUrl, conversation id)."""
    if not activity.service_url:
        raise RequestRejected(HTTPStatus.BAD_REQUEST, "activity has no serviceUrl")
    if activity.conversation is None or not activity.conversation.id:
        raise RequestRejected(HTTPStatus.BAD_REQUEST, "activity has no conversation id")


def bad_activity_response(activity: Activity, problem: str) -> web.Response:
    """400 for an activity `bot.inbound` refuses; a card action gets the Universal Actions error
    body Teams shows, anything else a plain JSON error."""
    message = f"That request can't be used: {problem}."
    if activity.type == ActivityTypes.invoke and activity.name == CARD_ACTION:
        return web.json_response(card_action_error(message), status=HTTPStatus.BAD_REQUEST)
    return web.json_response({"error": HTTPStatus.BAD_REQUEST.phrase, "message": message},
                             status=HTTPStatus.BAD_REQUEST)


def card_action_error(message: str) -> dict[str, Any]:
    return {"statusCode": 400, "type": "application/vnd.microsoft.error",
            "value": {"code": "BadRequest", "message": message}}


def invoke_response_to_http(activity: Activity,
                            invoke_response: InvokeResponse | None) -> web.Response:
    expects_body = activity.type == ActivityTypes.invoke or \
        activity.delivery_mode == DeliveryModes.expect_replies
    if invoke_response is None or not expects_body:
        return web.Response(status=HTTPStatus.CREATED)
    status = invoke_response.status or HTTPStatus.OK
    if invoke_response.body is None:
        return web.Response(status=status)
    return web.json_response(jsonable(invoke_response.body), status=status)


def jsonable(body: object) -> Any:
    """An invoke body for `json.dumps`: pydantic models dumped once, plain data left alone."""
    dump = getattr(body, "model_dump", None)
    if callable(dump):
        return dump(mode="json", by_alias=True, exclude_none=True)
    if isinstance(body, dict):
        return {key: jsonable(value) for key, value in body.items()}
    if isinstance(body, list | tuple):
        return [jsonable(value) for value in body]
    return body


async def on_turn_error(context: TurnContext, error: Exception) -> None:
    """Log a failed turn (activity id and type only) and apologise to the person waiting."""
    activity = context.activity
    logger.error("Turn failed for activity id=%s type=%s: %s", _id(activity), _type(activity),
                 type(error).__name__, exc_info=error)
    if _type(activity) not in (ActivityTypes.message, ActivityTypes.invoke):
        return
    try:
        await context.send_activity(APOLOGY)
    except Exception as exc:
        logger.warning("Could not send the apology for activity id=%s: %s", _id(activity),
                       type(exc).__name__)


def messages_handler(adapter: HardenedCloudAdapter, agent: Agent) -> Handler:
    async def handle_messages(request: web.Request) -> web.StreamResponse:
        return await adapter.process(request, agent)

    return handle_messages


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


ADAPTER_KEY = web.AppKey("bot_adapter", HardenedCloudAdapter)


def add_bot_routes(app: web.Application, adapter: HardenedCloudAdapter, agent: Agent, *,
                   path: str = MESSAGES_PATH) -> None:
    """Mount the bot on an application someone else builds; keeps the adapter on `app`."""
    app[ADAPTER_KEY] = adapter
    app.router.add_post(path, messages_handler(adapter, agent))
    app.router.add_get("/healthz", healthz)

    async def announce_auth_mode(_app: web.Application) -> None:
        log_auth_mode(adapter.settings)

    app.on_startup.append(announce_auth_mode)


def create_bot_app(settings: BotSettings, agent: Agent, *,
                   client_factory: ChannelServiceClientFactoryBase | None = None,
                   validator: TokenValidator | None = None,
                   client_max_size: int = MAX_BODY_BYTES) -> web.Application:
    """The bot's aiohttp application; add routes and `cleanup_ctx` to it before it starts.

    Without a `client_factory` (local development only: no app id) the app makes its own
    pooled one and closes it when it stops."""
    app = web.Application(client_max_size=client_max_size)
    if client_factory is None:
        if settings.auth_enabled:
            raise ValueError("a bot with an app id needs a client factory with its credentials")
        own = PooledClientFactory(None)

        async def close_clients(_app: web.Application) -> None:
            await own.close()

        app.on_cleanup.append(close_clients)
        client_factory = own
    adapter = HardenedCloudAdapter(settings, client_factory=client_factory, validator=validator)
    add_bot_routes(app, adapter, agent)
    return app


def _error_response(status: HTTPStatus, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"error": status.phrase}, status=status, headers=headers)


def _log_rejected(status: HTTPStatus, reason: str, activity: Activity | None) -> None:
    logger.info("Rejected %s %s: %s (activity id=%s type=%s)", MESSAGES_PATH, int(status),
                reason, _id(activity), _type(activity))


def _id(activity: Activity | None) -> str | None:
    activity_id = getattr(activity, "id", None)
    return activity_id[:80] if isinstance(activity_id, str) else None


def _type(activity: Activity | None) -> str | None:
    return getattr(activity, "type", None)
