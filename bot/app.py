"""The whole product as one aiohttp app: the bot, outbox delivery and the scheduler.

`create_app` does no work until the app starts: the database is migrated and the background
jobs started in `cleanup_ctx`, and stopped again on shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

from aiohttp import web
from botbuilder.core import BotAdapter
from botframework.connector.auth import BotFrameworkAuthentication

from bot.delivery import OutboxDelivery
from bot.http import ADAPTER_KEY, create_bot_app
from bot.teams import BotContext, MemberEnquiriesBot
from casestore.db import migrate
from casestore.directory import Directory
from memberportal.context import Context
from memberportal.settings import Settings
from scheduler.graph_jobs import graph_jobs_ctx
from scheduler.runner import Jobs, build_scheduler

log = logging.getLogger(__name__)

CONTEXT_KEY = web.AppKey("context", Context)
BOT_CONTEXT_KEY = web.AppKey("bot_context", BotContext)
DELIVERY_KEY = web.AppKey("delivery", OutboxDelivery)


def utc_now() -> datetime:
    return datetime.now(UTC)


def build_bot(bot_ctx: BotContext) -> MemberEnquiriesBot:
    from bot.member_flows import MemberFlows
    from bot.officer_flows import OfficerFlows

    return MemberEnquiriesBot(bot_ctx, members=MemberFlows(bot_ctx),
                              officers=OfficerFlows(bot_ctx))


def create_app(
    settings: Settings, *, context: Context | None = None,
    clock: Callable[[], datetime] = utc_now, auth: BotFrameworkAuthentication | None = None,
    delivery_interval_s: float = 1.0, background: bool = True,
) -> web.Application:
    ctx = context or Context.build(settings)
    bot_ctx = BotContext(casework=ctx.casework, config=ctx.config, directory=ctx.directory,
                         clock=clock)
    app = create_bot_app(settings, build_bot(bot_ctx), auth=auth)
    app[CONTEXT_KEY] = ctx
    app[BOT_CONTEXT_KEY] = bot_ctx
    app[DELIVERY_KEY] = OutboxDelivery(bot_ctx, _adapter(app), app_id=settings.app_id)

    async def database(app_: web.Application) -> AsyncIterator[None]:
        await migrate.upgrade(ctx.store.engine)
        log.info("database ready; council %s", ctx.config.council.name)
        yield
        await ctx.close()

    app.cleanup_ctx.append(database)
    if background:
        app.cleanup_ctx.append(_every(delivery_interval_s, app[DELIVERY_KEY].deliver_due,
                                      "outbox delivery"))
        if settings.scheduler_enabled:
            app.cleanup_ctx.append(_scheduled(Jobs(ctx.casework, clock), settings))
        # every instance loads the directory synced from Entra ID; only schedulers call Graph
        app.cleanup_ctx.append(graph_jobs_ctx(settings, ctx.casework, clock,
                                              publish=_publisher(ctx, bot_ctx),
                                              run_jobs=settings.scheduler_enabled))
    return app


def _publisher(ctx: Context, bot_ctx: BotContext) -> Callable[[Directory], None]:
    """A directory synced from Entra ID replaces the one every part of the app reads."""
    def publish(directory: Directory) -> None:
        ctx.directory = directory
        bot_ctx.directory = directory  # Casework's is replaced by the Graph jobs themselves
    return publish


def _scheduled(jobs: Jobs, settings: Settings
               ) -> Callable[[web.Application], AsyncIterator[None]]:
    async def ctx(_app: web.Application) -> AsyncIterator[None]:
        scheduler = build_scheduler(jobs, sweep_interval_s=settings.sweep_interval_s)
        scheduler.start()
        log.info("scheduler started: SLA sweep every %ss, digest on working days",
                 settings.sweep_interval_s)
        yield
        scheduler.shutdown(wait=False)

    return ctx


def _adapter(app: web.Application) -> BotAdapter:
    return app[ADAPTER_KEY]


def _every(interval_s: float, job: Callable[[], object], name: str
           ) -> Callable[[web.Application], AsyncIterator[None]]:
    """A background loop that survives a failing run (logged) and stops with the app."""
    async def loop() -> None:
        while True:
            try:
                await job()  # type: ignore[misc]
            except Exception:
                log.exception("%s failed; trying again in %ss", name, interval_s)
            await asyncio.sleep(interval_s)

    async def ctx(_app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(loop(), name=name)
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return ctx
