"""The bot's HTTP edge: `POST /api/messages` through botbuilder's `CloudAdapter`, and `/healthz`.

`HardenedCloudAdapter.process` replaces `CloudAdapter.process` to get round three traps in
botbuilder 4.17 (see DESIGN.md):

- an invoke response whose body is already a dict (every Action.Execute and task-module answer,
  and `expectReplies`) was serialised a second time and answered HTTP 500; here a body that is a
  msrest model is serialised once and anything else is sent as it is;
- a request with no or another Content-Type (415), a body that is not a JSON object or not an
  activity (400), a malformed, forged, expired or misaddressed token (401) and OpenID metadata that
  cannot be fetched (503) no longer end as HTTP 500;
- failures are logged with the activity id and type at most, never its text or people.

Not fixed: the stock connector factory builds a new `ConnectorClient` (and msrest pipeline) on
every turn and sends through `requests` in a thread pool; with an app id, the first send of each
turn's credentials asks MSAL for a token, blocking the event loop while it does.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from http import HTTPStatus
from typing import Any

from aiohttp import web
from botbuilder.core import Bot, InvokeResponse, TurnContext, serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity, ActivityTypes
from botframework.connector.auth import BotFrameworkAuthentication
from msrest.serialization import Model

from bot.auth import (
    AuthenticationFailed,
    AuthMetadataUnavailable,
    authenticate_activity,
    create_authentication,
    log_auth_mode,
)
from memberportal.settings import Settings

logger = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong on our side. Please try again."
MESSAGES_PATH = "/api/messages"
DEFAULT_CLIENT_MAX_SIZE = 1024 * 1024  # aiohttp's default, stated

ADAPTER_KEY = web.AppKey("bot_adapter", CloudAdapter)
BOT_KEY = web.AppKey("bot", Bot)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
StartupHook = Callable[[web.Application], Awaitable[None]]
CleanupContext = Callable[[web.Application], AsyncIterator[None]]


class RequestRejected(Exception):
    """A request `/api/messages` will not process, with the status and a reason safe to log."""

    def __init__(self, status: HTTPStatus, reason: str) -> None:
        self.status = status
        self.reason = reason
        super().__init__(f"{int(status)} {reason}")


class HardenedCloudAdapter(CloudAdapter):
    """`CloudAdapter` whose `process` answers client errors with 4xx and serialises bodies once.

    With `token_required` (an app id is configured) a request without an `Authorization` header
    is refused before its body is read; one with a header has its body read first, because the
    token is checked against the activity's channel and serviceUrl.
    """

    def __init__(
        self, bot_framework_authentication: BotFrameworkAuthentication, *, token_required: bool
    ) -> None:
        super().__init__(bot_framework_authentication)
        self.token_required = token_required

    async def process(
        self, request: web.Request, bot: Bot, ws_response: web.WebSocketResponse | None = None
    ) -> web.Response:
        activity: Activity | None = None
        auth_header = request.headers.get("Authorization", "").strip() or None
        try:
            if self.token_required and auth_header is None:
                raise AuthenticationFailed("no Authorization header")
            activity = await read_activity(request)
            result = await authenticate_activity(
                self.bot_framework_authentication, activity, auth_header
            )
            require_routable(activity)
            invoke_response = await self.process_activity(result, activity, bot.on_turn)
            return invoke_response_to_http(invoke_response)
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
    except ValueError:  # json.JSONDecodeError and UnicodeDecodeError both are
        raise RequestRejected(HTTPStatus.BAD_REQUEST, "body is not JSON") from None
    if not isinstance(body, dict):
        raise RequestRejected(HTTPStatus.BAD_REQUEST, "body is not a JSON object")
    try:
        activity = Activity().deserialize(body)
    except (TypeError, ValueError, AttributeError):  # msrest's DeserializationError is a ValueError
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


def invoke_response_to_http(invoke_response: InvokeResponse | None) -> web.Response:
    if invoke_response is None:
        return web.Response(status=HTTPStatus.CREATED)
    status = invoke_response.status or HTTPStatus.OK
    if invoke_response.body is None:
        return web.Response(status=status)
    return web.json_response(jsonable(invoke_response.body), status=status)


def jsonable(body: object) -> Any:
    """An invoke body for `json.dumps`: msrest models serialised once, plain data left alone."""
    if isinstance(body, Model):
        return serializer_helper(body)
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


def create_adapter(
    settings: Settings, auth: BotFrameworkAuthentication | None = None
) -> HardenedCloudAdapter:
    """The adapter for `settings`; `auth` replaces botbuilder's authentication (tests use it)."""
    adapter = HardenedCloudAdapter(
        auth or create_authentication(settings), token_required=settings.auth_enabled
    )
    adapter.on_turn_error = on_turn_error
    return adapter


def messages_handler(adapter: CloudAdapter, bot: Bot) -> Handler:
    async def handle_messages(request: web.Request) -> web.StreamResponse:
        response = await adapter.process(request, bot)
        return response if response is not None else web.Response(status=HTTPStatus.CREATED)

    return handle_messages


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def add_bot_routes(
    app: web.Application, adapter: CloudAdapter, bot: Bot, *, path: str = MESSAGES_PATH
) -> None:
    """Mount the bot on an application someone else builds; keeps adapter and bot on `app`."""
    app[ADAPTER_KEY] = adapter
    app[BOT_KEY] = bot
    app.router.add_post(path, messages_handler(adapter, bot))
    app.router.add_get("/healthz", healthz)


def create_bot_app(
    settings: Settings,
    bot: Bot,
    *,
    auth: BotFrameworkAuthentication | None = None,
    on_startup: Iterable[StartupHook] = (),
    cleanup_ctx: Iterable[CleanupContext] = (),
    middlewares: Iterable[Any] = (),
    client_max_size: int = DEFAULT_CLIENT_MAX_SIZE,
) -> web.Application:
    """The bot's aiohttp application; add routes and `cleanup_ctx` to it before it starts."""
    app = web.Application(middlewares=list(middlewares), client_max_size=client_max_size)
    add_bot_routes(app, create_adapter(settings, auth), bot)

    async def announce_auth_mode(_app: web.Application) -> None:
        log_auth_mode(settings)

    app.on_startup.append(announce_auth_mode)
    app.on_startup.extend(on_startup)
    app.cleanup_ctx.extend(cleanup_ctx)
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
