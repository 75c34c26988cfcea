"""`memberportal`: serve the bot, migrate, seed the demo, check a config, and reports."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from casestore.config import ConfigError, load_council_config
from casestore.db import migrate as migrations
from casestore.directory import Directory
from memberportal.context import Context
from memberportal.devrun import add_arguments as add_run_arguments
from memberportal.logs import configure_logging
from memberportal.privacy_commands import add_arguments as add_privacy_arguments
from memberportal.running import with_context
from memberportal.settings import Settings, SettingsError

EXIT_USAGE = 2

Handler = Callable[[argparse.Namespace, Settings], int]


def _parse_at(value: str) -> datetime:
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an ISO time such as 2026-12-01T09:00"
        ) from None
    if at.tzinfo is None:
        from casestore.calendar import LONDON
        at = at.replace(tzinfo=LONDON)
    return at


def cmd_migrate(_args: argparse.Namespace, settings: Settings) -> int:
    async def go(ctx: Context) -> int:
        await migrations.upgrade(ctx.store.engine)
        revision = await migrations.current_revision(ctx.store.engine)
        print(f"Database is at schema revision {revision} ({_safe_url(settings.database_url)}).")
        return 0
    return with_context(go, settings)


def cmd_seed_demo(_args: argparse.Namespace, settings: Settings) -> int:
    from casestore.demo.seed import seed_demo

    async def go(ctx: Context) -> int:
        await migrations.upgrade(ctx.store.engine)
        result = await seed_demo(ctx.casework, now=datetime.now(UTC))
        c = ctx.config
        print(f"{c.council.name} ({c.council.nation.value}): {len(c.wards)} wards, "
              f"{len(c.members)} members, {len(c.services)} service areas, "
              f"{len(c.officers)} officers.")
        if result.already_seeded:
            print("Demo casework was already seeded; nothing new was created.")
        else:
            print(f"Created {len(result.created)} demo enquiries: "
                  f"{result.created[0]} to {result.created[-1]}.")
        return 0
    return with_context(go, settings)


def cmd_check_config(args: argparse.Namespace, _settings: Settings) -> int:
    try:
        config = load_council_config(args.file)
    except ConfigError as exc:
        print(f"{args.file} has {len(exc.problems)} problem(s):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_USAGE
    print(f"{args.file} is valid: {config.council.name}, {len(config.services)} service areas, "
          f"{len(config.wards)} wards, {len(config.members)} members, "
          f"{len(config.officers)} officers.")
    return 0


def _directory(settings: Settings) -> Directory:
    """The council config's directory, or the one last synced from Entra ID."""
    if not (settings.graph_enabled and settings.entra_groups):
        return Directory.from_config(load_council_config(settings.council_config))
    from casestore.graph.sync import load_directory

    async def go() -> Directory:
        ctx = Context.build(settings)
        try:
            await migrations.upgrade(ctx.store.engine)
            return await load_directory(ctx.store, ctx.config)
        finally:
            await ctx.close()
    return asyncio.run(go())


def cmd_directory(args: argparse.Namespace, settings: Settings) -> int:
    directory = _directory(settings)
    rows = [
        {"id": p.id, "name": p.display_name, "kind": p.kind.value, "role": p.role_label,
         "ward": p.ward_id or "", "services": list(p.services), "email": p.email,
         "aadObjectId": p.aad_object_id, "teamsUserId": p.teams_user_id}
        for p in directory
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'name':<28} {'role':<34} {'ward or services':<30} aadObjectId / Teams user id")
    for r in rows:
        where = r["ward"] or ", ".join(r["services"]) or "-"
        print(f"{r['name']:<28} {r['role'][:34]:<34} {where[:30]:<30} "
              f"{r['aadObjectId']} / {r['teamsUserId']}")
    return 0


def cmd_stats(_args: argparse.Namespace, settings: Settings) -> int:
    from casestore.reports import statistics

    async def go(ctx: Context) -> int:
        s = await statistics(ctx.store)
        print(json.dumps(s.__dict__, indent=2))
        return 0
    return with_context(go, settings)


def cmd_export_foi(args: argparse.Namespace, settings: Settings) -> int:
    from casestore.reports import foi_case_counts

    async def go(ctx: Context) -> int:
        text = await foi_case_counts(ctx.store, ctx.directory)
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"Wrote case counts per member to {args.out} ({text.count(chr(10)) - 1} rows).")
        return 0
    return with_context(go, settings)


def cmd_not_yet(name: str) -> Handler:
    def handler(_args: argparse.Namespace, _settings: Settings) -> int:
        print(f"memberportal {name} is not part of this build yet.", file=sys.stderr)
        return EXIT_USAGE
    return handler


COMMANDS: dict[str, Handler] = {
    "migrate": cmd_migrate,
    "seed-demo": cmd_seed_demo,
    "check-config": cmd_check_config,
    "directory": cmd_directory,
    "stats": cmd_stats,
    "export-foi": cmd_export_foi,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="memberportal", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = sub.add_parser("serve", help="run the Teams bot (and the scheduler)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    sub.add_parser("worker", help="run the scheduled jobs and outbox delivery without HTTP")
    handover = sub.add_parser("handover", help="hand a departing councillor's active cases to "
                                               "a ward colleague or member support")
    handover.add_argument("member", help="the departing councillor's id")
    handover.add_argument("--to", required=True, help="a ward colleague's or support officer's id")
    handover.add_argument("--by", required=True, help="the member support officer doing it")
    handover.add_argument("--reason", default="Left office")
    sub.add_parser("migrate", help="bring the database schema up to date")
    sub.add_parser("seed-demo", help="migrate and add the demo council's sample casework")
    check = sub.add_parser("check-config", help="validate a council TOML file")
    check.add_argument("file")
    directory = sub.add_parser("directory", help="everyone the bot knows")
    directory.add_argument("--json", action="store_true")
    sweep = sub.add_parser("sweep", help="run one SLA sweep and list what it queues")
    sweep.add_argument("--at", type=_parse_at)
    sweep.add_argument("--dry-run", action="store_true")
    digest = sub.add_parser("digest", help="build the member support digest")
    digest.add_argument("--at", type=_parse_at)
    sub.add_parser("stats", help="case statistics")
    foi = sub.add_parser("export-foi", help="FOI export: cases raised per member")
    foi.add_argument("--out", required=True)
    run = sub.add_parser("run", help="make run: migrate, seed the demo, start the bot and the "
                         "Agents Playground")
    add_run_arguments(run)
    package = sub.add_parser("package", help="write the Teams app package")
    package.add_argument("--out", required=True)
    package.add_argument("--allow-placeholder-id", action="store_true",
                         help="without a MicrosoftAppId, use the all-zero id (local tests only)")
    add_privacy_arguments(sub)
    sub.add_parser("sync-directory", help="sync councillors and officers from Entra ID now")
    sub.add_parser("reconcile", help="record thread replies the bot missed (Microsoft Graph)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_environ()
    except SettingsError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    configure_logging(settings.log_format, settings.log_level)
    handler = COMMANDS.get(args.command) or _extra_command(args.command)
    try:
        return handler(args, settings)
    except ConfigError as exc:
        print(f"The council configuration has {len(exc.problems)} problem(s):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_USAGE


def _extra_command(name: str) -> Handler:
    """Commands whose code lives in the bot, scheduler and manifest packages."""
    try:
        from memberportal import commands
    except ImportError:
        return cmd_not_yet(name)
    return commands.COMMANDS.get(name) or cmd_not_yet(name)


def _safe_url(url: str) -> str:
    from memberportal.settings import _redact
    return _redact(url)
