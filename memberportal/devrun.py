"""`memberportal run` (what `make run` calls): the product on one machine, ready to click through.

1. migrates the database and seeds the demo council's casework (once: seeding is idempotent);
2. starts `memberportal serve` on 127.0.0.1:3978;
3. when Node.js and npm are installed, installs the pinned Agents Playground (`npm ci` in
   `playground/`, once) and starts it pointed at the bot, with a `.m365agentsplayground.yml`
   generated from the council (`memberportal.playground`), every telemetry switch off and
   `playground/guard.cjs` keeping it on loopback; then one loopback tab per other person of the
   Playground (`memberportal.personas`);
4. prints what to open and who you are;
5. on Ctrl-C or SIGTERM stops the Playground and the bot (`memberportal.processes`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from memberportal.playground import PlaygroundSetup, build_setup
from memberportal.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
PLAYGROUND_DIR = ROOT / "playground"
WORK_DIR = ROOT / "build" / "playground"
PLAYGROUND_PORT = 56150
EXIT_USAGE = 2


@dataclass(frozen=True)
class RunPlan:
    bot_port: int = 3978
    playground_port: int = PLAYGROUND_PORT
    as_person: str | None = None
    service_id: str = "roads"
    playground: bool = True
    work_dir: Path = WORK_DIR
    playground_dir: Path = PLAYGROUND_DIR
    state_file: Path | None = None
    host: str = "127.0.0.1"

    @property
    def bot_url(self) -> str:
        return f"http://{self.host}:{self.bot_port}/api/messages"

    @property
    def playground_url(self) -> str:
        return f"http://{self.host}:{self.playground_port}"

    @property
    def service_url(self) -> str:
        return f"{self.playground_url}/_connector"

    @property
    def config_path(self) -> Path:
        return self.work_dir / ".m365agentsplayground.yml"

    @property
    def egress_log(self) -> Path:
        return self.work_dir / "egress.log"

    def persona_port(self, index: int) -> int:
        return self.playground_port + 1 + index


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as", dest="as_person", metavar="PERSON",
                        help="who is at the keyboard in the Playground's personal chat (a person "
                             "id from `memberportal directory`; default: a member)")
    parser.add_argument("--service", default="roads",
                        help="the service area whose channel the Playground's team shows")
    parser.add_argument("--port", type=int, default=3978, help="the bot's port")
    parser.add_argument("--playground-port", type=int, default=PLAYGROUND_PORT,
                        help="the Playground's port; the other people's tabs use the next five")
    parser.add_argument("--no-playground", action="store_true", help="start only the bot")
    # For the tests: where to write what is running (JSON), and the Playground's working folder.
    parser.add_argument("--state-file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work-dir", type=Path, default=WORK_DIR, help=argparse.SUPPRESS)


def node_tools() -> tuple[str, str] | None:
    node, npm = shutil.which("node"), shutil.which("npm")
    return (node, npm) if node and npm else None


def playground_command(plan: RunPlan) -> list[str]:
    binary = plan.playground_dir / "node_modules" / ".bin" / "agentsplayground"
    return [str(binary), "-e", plan.bot_url, "-c", "msteams", "--dt",
            "-p", str(plan.playground_port)]


def playground_env(plan: RunPlan, base: dict[str, str]) -> dict[str, str]:
    """The Playground's environment: no browser, our config, loopback, telemetry off."""
    guard = plan.playground_dir / "guard.cjs"
    node_options = " ".join(filter(None, [base.get("NODE_OPTIONS", ""), f"--require {guard}"]))
    return {
        **base,
        "TEAMSAPPTESTER_BROWSER": "none",
        "M365_AGENTS_PLAYGROUND_CONFIG_PATH": str(plan.config_path),
        "M365_AGENTS_PLAYGROUND_SERVICE_URL": plan.service_url,
        "APPLICATION_INSIGHTS_NO_STATSBEAT": "true",
        "NODE_OPTIONS": node_options,
        "PLAYGROUND_EGRESS_LOG": str(plan.egress_log),
    }


def bot_command(plan: RunPlan) -> list[str]:
    return [sys.executable, "-m", "memberportal", "serve", "--host", plan.host,
            "--port", str(plan.bot_port)]


def plan_from(args: argparse.Namespace) -> RunPlan:
    return RunPlan(bot_port=args.port, playground_port=args.playground_port,
                   as_person=args.as_person, service_id=args.service,
                   playground=not args.no_playground, state_file=args.state_file,
                   work_dir=args.work_dir)


def playground_setup(plan: RunPlan, settings: Settings) -> PlaygroundSetup:
    """Who is who in the Playground today (raises PlaygroundConfigError for an unknown name)."""
    from casestore.config import load_council_config
    from casestore.directory import Directory

    config = load_council_config(settings.council_config)
    today = config.calendar().local_date(datetime.now(UTC))
    return build_setup(config, Directory.from_config(config), today=today,
                       current=plan.as_person, service_id=plan.service_id,
                       app_id=settings.app_id)


@dataclass
class RunState:
    """What is running, written to `--state-file` for the tests (JSON)."""

    bot_pid: int | None = None
    playground_pid: int | None = None
    bot_url: str = ""
    playground_url: str = ""
    current_user: dict[str, str] = field(default_factory=dict)
    personas: list[dict[str, object]] = field(default_factory=list)
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    def write(self, path: Path | None) -> None:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(self.__dict__, indent=2), encoding="utf-8")


def stop_signals() -> tuple[signal.Signals, ...]:
    return (signal.SIGINT, signal.SIGTERM)


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env
