"""Commands whose code lives in the bot, scheduler and manifest packages."""

from __future__ import annotations

import argparse
import json
import logging
from datetime import UTC, datetime

from memberportal.context import Context
from memberportal.settings import Settings

log = logging.getLogger("memberportal")


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from aiohttp import web

    from bot.app import create_app

    host = args.host or settings.host
    port = args.port or settings.port
    app = create_app(settings)
    print(f"Member Enquiries is listening on http://{host}:{port}/api/messages "
          f"(health: http://{host}:{port}/healthz). Press Ctrl-C to stop.", flush=True)
    web.run_app(app, host=host, port=port, print=None, access_log=None)
    return 0


def _at(args: argparse.Namespace) -> datetime:
    return args.at or datetime.now(UTC)


def cmd_sweep(args: argparse.Namespace, settings: Settings) -> int:
    from casestore.db import migrate
    from memberportal.cli import _run
    from scheduler.sweep import sweep, sweep_allowed

    async def go(ctx: Context) -> int:
        await migrate.upgrade(ctx.store.engine)
        at = _at(args)
        if not sweep_allowed(ctx.casework, at):
            print(f"{at.isoformat()} is outside working days and hours: reminders wait.")
            return 0
        queued = await sweep(ctx.casework, at, dry_run=args.dry_run)
        verb = "would queue" if args.dry_run else "queued"
        print(f"Sweep at {at.isoformat()} {verb} {len(queued)} message(s).")
        for q in queued:
            print(q.line())
        return 0
    return _run(go, settings)


def cmd_digest(args: argparse.Namespace, settings: Settings) -> int:
    from casestore.db import migrate
    from memberportal.cli import _run
    from scheduler.digest import queue_digest

    async def go(ctx: Context) -> int:
        await migrate.upgrade(ctx.store.engine)
        digest = await queue_digest(ctx.casework, _at(args))
        if digest is None:
            print("Not a working day: no digest.")
            return 0
        print(json.dumps(digest, indent=2, default=str))
        return 0
    return _run(go, settings)


COMMANDS = {
    "serve": cmd_serve,
    "sweep": cmd_sweep,
    "digest": cmd_digest,
}
