"""The composition root: the whole product built from the settings.

`build_runtime` wires the context (config, directory, store, use cases), the Agents SDK adapter
with its pooled connector clients, the Teams agent and outbox delivery. `running` starts what
runs in the background (migrations, delivery, the scheduler, the Graph jobs) and stops it again;
`create_app` puts the bot's HTTP edge on top, and `memberportal worker` uses `running` alone,
with no HTTP app at all. Nothing is done at import time or before the app starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.core import ChannelServiceClientFactoryBase

from bot.auth import TokenValidator
from bot.connector import PooledClientFactory
from bot.delivery import OutboxDelivery
from bot.http import MAX_BODY_BYTES, MESSAGES_PATH, HardenedCloudAdapter, add_bot_routes
from bot.members.flows import MemberFlows
from bot.officers.flows import OfficerFlows
from bot.ratelimit import RateLimit
from bot.settings import SERVICE_CONNECTION, BotSettings
from bot.teams import BotContext, MemberEnquiriesBot
from casestore.db import migrate
from casestore.directory import Directory
from casestore.graph.threads import GraphThreadRoots
from memberportal.context import Context
from memberportal.health import readyz_handler
from memberportal.logs import new_request_id, request_ids, request_scope
from memberportal.settings import Settings
from memberportal.telemetry import Telemetry
from memberportal.telemetry import configure as configure_telemetry
from scheduler.graph_jobs import graph_client, graph_jobs_ctx
from scheduler.runner import Jobs, build_scheduler

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    """Everything built once: shared by the HTTP app and the worker."""

    settings: Settings
    context: Context
    bot_context: BotContext
    agent: MemberEnquiriesBot
    adapter: HardenedCloudAdapter
    delivery: OutboxDelivery
    client_factory: ChannelServiceClientFactoryBase
    scheduler: Any = None  # the running APScheduler, where this process schedules
    telemetry: Telemetry | None = None  # OpenTelemetry, where an endpoint is configured
    stopping: asyncio.Event = field(default_factory=asyncio.Event)

    def begin_stopping(self) -> None:
        """Take no new outbox work and start no new background run (SIGTERM, or the end)."""
        self.stopping.set()
        self.delivery.stop()
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.pause()


CONTEXT_KEY = web.AppKey("context", Context)
BOT_CONTEXT_KEY = web.AppKey("bot_context", BotContext)
DELIVERY_KEY = web.AppKey("delivery", OutboxDelivery)
RUNTIME_KEY = web.AppKey("runtime", Runtime)


def outgoing_connections(bot: BotSettings) -> MsalConnectionManager | None:
    """MSAL for the bot's outgoing tokens (client secret, certificate or managed identity);
    none without an app id."""
    if not bot.auth_enabled:
        return None
    return MsalConnectionManager(
        connections_configurations={SERVICE_CONNECTION: bot.service_connection()})


def build_runtime(
    settings: Settings, *, context: Context | None = None, clock: Clock = utc_now,
    client_factory: ChannelServiceClientFactoryBase | None = None,
    validator: TokenValidator | None = None, telemetry: Telemetry | None = None,
) -> Runtime:
    """Everything built once. `telemetry` (tests: in-memory readers) replaces what
    OTEL_EXPORTER_OTLP_ENDPOINT would configure."""
    ctx = context or Context.build(settings)
    if telemetry is None:
        telemetry = configure_telemetry(settings.otel_endpoint,
                                        service_name=settings.otel_service_name)
    if telemetry is not None:
        telemetry.instrument_use_cases(ctx.casework)  # before any flow keeps a use case
    bot_settings = settings.bot_settings()
    factory = client_factory or PooledClientFactory(outgoing_connections(bot_settings))
    roots = GraphThreadRoots(graph_client(settings), bot_app_id=settings.app_id) \
        if settings.graph_enabled else None
    bot_ctx = BotContext(casework=ctx.casework, config=ctx.config, directory=ctx.directory,
                         clock=clock, claim_lease_s=settings.claim_lease_s, thread_roots=roots)
    limit = settings.rate_limit_per_minute
    agent = MemberEnquiriesBot(bot_ctx, members=MemberFlows(bot_ctx),
                               officers=OfficerFlows(bot_ctx),
                               rate_limit=RateLimit(limit) if limit else None)
    adapter = HardenedCloudAdapter(bot_settings, client_factory=factory, validator=validator)
    delivery = OutboxDelivery(bot_ctx, adapter, app_id=settings.app_id, observer=telemetry,
                              lease_s=settings.claim_lease_s)
    return Runtime(settings, ctx, bot_ctx, agent, adapter, delivery, factory,
                   telemetry=telemetry)


@contextlib.asynccontextmanager
async def running(runtime: Runtime, *, background: bool = True,
                  delivery_interval_s: float = 1.0) -> AsyncIterator[Runtime]:
    """Migrate, start delivery, the scheduler and the Graph jobs; stop them all on exit.

    Stopping is graceful: no new outbox claim or scheduled run starts, the send and the runs
    in progress finish (up to `shutdown_timeout_s`), and the outbox rows this instance claimed
    but did not send are released at once for another instance (or the next start)."""
    ctx, settings = runtime.context, runtime.settings
    async with contextlib.AsyncExitStack() as stack:
        if runtime.telemetry is not None:
            stack.callback(runtime.telemetry.shutdown)  # the very last: flush what is left
        await migrate.upgrade(ctx.store.engine)
        log.info("database ready; council %s", ctx.config.council.name)
        stack.push_async_callback(ctx.close)
        close = getattr(runtime.client_factory, "close", None)
        if close is not None:
            stack.push_async_callback(close)
        if isinstance(runtime.bot_context.thread_roots, GraphThreadRoots):
            stack.push_async_callback(runtime.bot_context.thread_roots.close)
        if background:
            await stack.enter_async_context(_delivering(runtime, delivery_interval_s))
            if settings.scheduler_enabled:
                jobs = Jobs(ctx.casework, runtime.bot_context.clock,
                            sweep_interval_s=settings.sweep_interval_s)
                await stack.enter_async_context(_scheduled(runtime, jobs, settings))
            # every instance loads the directory synced from Entra ID; only schedulers call Graph
            graph = graph_jobs_ctx(settings, ctx.casework, runtime.bot_context.clock,
                                   publish=_publisher(runtime), run_jobs=settings.scheduler_enabled)
            await stack.enter_async_context(contextlib.asynccontextmanager(graph)(None))
        stack.callback(runtime.begin_stopping)  # registered last, so it runs first on exit
        yield runtime


def create_app(
    settings: Settings, *, context: Context | None = None, clock: Clock = utc_now,
    client_factory: ChannelServiceClientFactoryBase | None = None,
    validator: TokenValidator | None = None, delivery_interval_s: float = 1.0,
    background: bool = True, telemetry: Telemetry | None = None,
) -> web.Application:
    """The bot's HTTP app (`/api/messages`, `/healthz`) with the background work attached."""
    runtime = build_runtime(settings, context=context, clock=clock,
                            client_factory=client_factory, validator=validator,
                            telemetry=telemetry)
    middlewares: list[Any] = [request_ids]
    if runtime.telemetry is not None:
        middlewares.append(runtime.telemetry.turns_middleware(MESSAGES_PATH))
    app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=middlewares)
    add_bot_routes(app, runtime.adapter, runtime.agent)
    app.router.add_get("/readyz", readyz_handler(runtime))
    app[RUNTIME_KEY] = runtime
    app[CONTEXT_KEY] = runtime.context
    app[BOT_CONTEXT_KEY] = runtime.bot_context
    app[DELIVERY_KEY] = runtime.delivery

    async def lifespan(_app: web.Application) -> AsyncIterator[None]:
        async with running(runtime, background=background,
                           delivery_interval_s=delivery_interval_s):
            yield

    async def stop_taking_work(_app: web.Application) -> None:
        # SIGTERM: the listener is closed; in-flight turns finish while delivery stops
        log.info("stopping: finishing in-flight requests (up to %ss)",
                 settings.shutdown_timeout_s)
        runtime.begin_stopping()

    app.cleanup_ctx.append(lifespan)
    app.on_shutdown.append(stop_taking_work)
    return app


def new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop where it is installed (Linux and macOS), the standard loop elsewhere or with
    EVENT_LOOP=asyncio: measured in `make bench`, it carries a 'my cases' turn about a fifth
    faster."""
    if os.environ.get("EVENT_LOOP", "").strip().lower() != "asyncio":
        try:
            import uvloop
        except ImportError:
            pass
        else:
            return uvloop.new_event_loop()
    return asyncio.new_event_loop()


def serve(app: web.Application, *, host: str, port: int,
          shutdown_timeout_s: float = 20.0) -> None:
    """Run the app until Ctrl-C or SIGTERM (what `memberportal serve` does). Either stops the
    listener at once, lets in-flight requests finish (up to `shutdown_timeout_s`), then stops
    the background work as `running` says."""
    web.run_app(app, host=host, port=port, print=None, access_log=None,
                shutdown_timeout=shutdown_timeout_s, loop=new_event_loop())


def _publisher(runtime: Runtime) -> Callable[[Directory], None]:
    """A directory synced from Entra ID replaces the one every part of the app reads."""
    def publish(directory: Directory) -> None:
        runtime.context.directory = directory
        runtime.bot_context.directory = directory  # Casework's is replaced by the jobs themselves
    return publish


@contextlib.asynccontextmanager
async def _scheduled(runtime: Runtime, jobs: Jobs, settings: Settings) -> AsyncIterator[None]:
    if runtime.telemetry is not None:
        runtime.telemetry.instrument_jobs(jobs)
    scheduler = build_scheduler(jobs, sweep_interval_s=settings.sweep_interval_s)
    scheduler.start()
    runtime.scheduler = scheduler
    log.info("scheduler started: SLA sweep every %ss, digest on working days",
             settings.sweep_interval_s)
    try:
        yield
    finally:
        if scheduler.running:
            scheduler.pause()  # no new run; the runs in progress may finish
        if not await jobs.wait_idle(settings.shutdown_timeout_s):
            log.warning("a scheduled job was still running after %ss; stopped",
                        settings.shutdown_timeout_s)
        scheduler.shutdown(wait=False)


@contextlib.asynccontextmanager
async def _delivering(runtime: Runtime, interval_s: float) -> AsyncIterator[None]:
    """Outbox delivery in the background; on the way out the send in progress finishes (up
    to the shutdown timeout) and what this instance still holds is released."""
    delivery, telemetry, store = runtime.delivery, runtime.telemetry, runtime.context.store

    async def deliver() -> None:
        await delivery.deliver_due()
        if telemetry is not None:
            await telemetry.refresh_pending(store)

    async with _every(interval_s, deliver, "outbox delivery", runtime.stopping,
                      stop_timeout_s=runtime.settings.shutdown_timeout_s):
        yield
    try:
        released = await delivery.release_claims()
    except Exception:
        log.exception("could not release this instance's outbox claims; they wait for their "
                      "lease")
    else:
        if released:
            log.info("released %d outbox message(s) claimed but not sent", released)


@contextlib.asynccontextmanager
async def _every(interval_s: float, job: Callable[[], Awaitable[object]], name: str,
                 stop: asyncio.Event, *, stop_timeout_s: float) -> AsyncIterator[None]:
    """A background loop that survives a failing run (logged), each run with its own id in
    the logs; on exit it lets the run in progress finish (bounded), then cancels."""
    prefix = name.replace(" ", "-") + "-"

    async def loop() -> None:
        while not stop.is_set():
            with request_scope(new_request_id(prefix)):
                try:
                    await job()
                except Exception:
                    log.exception("%s failed; trying again in %ss", name, interval_s)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval_s)

    task = asyncio.create_task(loop(), name=name)
    try:
        yield
    finally:
        stop.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), stop_timeout_s)
        except TimeoutError:
            log.warning("%s was still running after %ss; stopped", name, stop_timeout_s)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
