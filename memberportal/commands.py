"""Commands whose code lives in the bot, scheduler and manifest packages."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from memberportal.context import Context
from memberportal.devstack import cmd_run
from memberportal.privacy_commands import cmd_erase, cmd_subject_access
from memberportal.running import with_context
from memberportal.settings import Settings

log = logging.getLogger("memberportal")

EXIT_USAGE = 2


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:

    from memberportal.app import create_app, serve

    host = args.host or settings.host
    port = args.port or settings.port
    app = create_app(settings)
    print(f"Member Enquiries is listening on http://{host}:{port}/api/messages "
          f"(health: http://{host}:{port}/healthz). Press Ctrl-C to stop.", flush=True)
    serve(app, host=host, port=port, shutdown_timeout_s=settings.shutdown_timeout_s)
    print("Member Enquiries has stopped.", flush=True)
    return 0


def cmd_worker(_args: argparse.Namespace, settings: Settings) -> int:
    """The scheduled jobs and outbox delivery with no HTTP listener, for a deployment that runs
    them apart from the bot instances (which then set SCHEDULER=off)."""
    import asyncio
    import signal

    from memberportal.app import build_runtime, running

    async def run() -> None:
        # the database, delivery and the scheduler; no HTTP app, no port
        async with running(build_runtime(settings)):
            print("Member Enquiries worker is running the SLA sweep, the digest and outbox "
                  "delivery. Press Ctrl-C to stop.", flush=True)
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            await stop.wait()

    asyncio.run(run())
    return 0


def cmd_handover(args: argparse.Namespace, settings: Settings) -> int:
    """Member support hands a departing councillor's active cases to a colleague or to
    themselves (the member support team)."""
    from casestore.db import migrate
    from casestore.errors import DomainError
    from casestore.model import Actor, ActorKind
    async def go(ctx: Context) -> int:
        await migrate.upgrade(ctx.store.engine)
        try:
            handed = await ctx.casework.hand_over_member_cases(
                args.member, actor=Actor(args.by, ActorKind.OFFICER), now=datetime.now(UTC),
                to_person_id=args.to, reason=args.reason)
        except DomainError as exc:
            print(f"Not handed over: {exc}", file=sys.stderr)
            return 2
        to = ctx.directory.get(args.to).display_name
        print(f"Handed {len(handed)} active enquir{'y' if len(handed) == 1 else 'ies'} "
              f"to {to}" + (f": {', '.join(handed)}" if handed else "."))
        return 0
    return with_context(go, settings)


def _at(args: argparse.Namespace) -> datetime:
    return args.at or datetime.now(UTC)


def cmd_sweep(args: argparse.Namespace, settings: Settings) -> int:
    from casestore.db import migrate
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
    return with_context(go, settings)


def cmd_digest(args: argparse.Namespace, settings: Settings) -> int:
    from casestore.db import migrate
    from scheduler.digest import queue_digest

    async def go(ctx: Context) -> int:
        await migrate.upgrade(ctx.store.engine)
        digest = await queue_digest(ctx.casework, _at(args))
        if digest is None:
            print("Not a working day: no digest.")
            return 0
        print(json.dumps(digest, indent=2, default=str))
        return 0
    return with_context(go, settings)


def cmd_package(args: argparse.Namespace, settings: Settings) -> int:
    """Render, validate and zip the Teams app; exit status 2 if it cannot be installed."""
    from casestore.config import load_council_config
    from manifest.package import (
        ICON_SIZES,
        AppIdInvalid,
        ManifestInvalid,
        build_package,
        manifest_values,
    )

    config = load_council_config(settings.council_config)
    allow_placeholder = bool(getattr(args, "allow_placeholder_id", False))
    try:
        values = manifest_values(
            app_id=settings.app_id, council_name=config.council.name,
            public_url=settings.public_url, developer_name=settings.teams_app_developer_name,
            website_url=settings.teams_app_website_url,
            privacy_url=settings.teams_app_privacy_url, terms_url=settings.teams_app_terms_url,
            allow_placeholder_id=allow_placeholder)
    except AppIdInvalid as exc:
        print(f"Cannot build the Teams app package: {exc}. Set MicrosoftAppId (and "
              "MicrosoftAppPassword) to the Azure Bot's app registration, or pass "
              "--allow-placeholder-id for a package to test locally.", file=sys.stderr)
        return EXIT_USAGE
    try:
        data = build_package(values)
    except ManifestInvalid as exc:
        print(f"The Teams app manifest has {len(exc.problems)} problem(s):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        if any(p.startswith("developer.name") for p in exc.problems):
            print("  (set TEAMS_APP_DEVELOPER_NAME to the council's name in 32 characters)",
                  file=sys.stderr)
        return EXIT_USAGE
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    partial.write_bytes(data)
    partial.replace(out)
    sizes = ", ".join(f"{k}.png {n}×{n}" for k, n in ICON_SIZES.items())
    print(f"Wrote {out} ({len(data)} bytes): manifest.json (Teams schema 1.29, app id "
          f"{values.app_id}, version {values.version}) and {sizes}.")
    for note in values.notes:
        print(f"Note: {note}.")
    return 0


def _graph_ready(settings: Settings, *, need_groups: bool) -> str | None:
    if not settings.graph_enabled:
        return ("Microsoft Graph is not configured: set GRAPH_TENANT_ID, GRAPH_CLIENT_ID and "
                "GRAPH_CLIENT_SECRET (see docs/deployment.md).")
    if need_groups and not settings.entra_groups:
        return ("ENTRA_GROUPS is not set: give the TOML file that maps Entra ID groups to "
                "councillors, wards, service areas and roles (see docs/deployment.md).")
    return None


def cmd_sync_directory(_args: argparse.Namespace, settings: Settings) -> int:
    from casestore.db import migrate
    from casestore.graph.groups import load_entra_groups
    from scheduler.graph_jobs import GRAPH_FAILURES, GraphJobs, graph_client

    problem = _graph_ready(settings, need_groups=True)
    if problem:
        print(problem, file=sys.stderr)
        return EXIT_USAGE

    async def go(ctx: Context) -> int:
        assert settings.entra_groups is not None
        groups = load_entra_groups(settings.entra_groups, ctx.config)
        await migrate.upgrade(ctx.store.engine)
        graph = graph_client(settings)
        jobs = GraphJobs(ctx.casework, graph, groups=groups, clock=lambda: datetime.now(UTC))
        try:
            report = await jobs.sync_directory()
        except GRAPH_FAILURES as exc:
            print(f"Directory sync failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 1
        finally:
            await graph.close()
        assert report is not None
        print(f"Directory synced: {report.line()}.")
        return 0
    return with_context(go, settings)


def cmd_reconcile(_args: argparse.Namespace, settings: Settings) -> int:
    from casestore.db import migrate
    from casestore.graph.groups import load_entra_groups
    from scheduler.graph_jobs import GRAPH_FAILURES, GraphJobs, graph_client

    problem = _graph_ready(settings, need_groups=False)
    if problem:
        print(problem, file=sys.stderr)
        return EXIT_USAGE

    async def go(ctx: Context) -> int:
        groups = load_entra_groups(settings.entra_groups, ctx.config) \
            if settings.entra_groups else None
        await migrate.upgrade(ctx.store.engine)
        graph = graph_client(settings)
        jobs = GraphJobs(ctx.casework, graph, groups=groups, clock=lambda: datetime.now(UTC))
        try:
            await jobs.refresh_directory()
            report = await jobs.reconcile()
        except GRAPH_FAILURES as exc:
            print(f"Reconciliation failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 1
        finally:
            await graph.close()
        print(f"Reconciliation: {report.line()}.")
        for reference, message_id, kind in report.recorded:
            print(f"{reference}  {kind:<5}  message {message_id}")
        return 0
    return with_context(go, settings)


COMMANDS = {
    "serve": cmd_serve,
    "worker": cmd_worker,
    "handover": cmd_handover,
    "sweep": cmd_sweep,
    "digest": cmd_digest,
    "package": cmd_package,
    "sync-directory": cmd_sync_directory,
    "reconcile": cmd_reconcile,
    "run": cmd_run,
    "subject-access": cmd_subject_access,
    "erase": cmd_erase,
}
