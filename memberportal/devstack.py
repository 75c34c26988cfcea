"""The running half of `memberportal run`: the bot, the Playground and the persona tabs."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from datetime import UTC, datetime

from memberportal.devrun import (
    EXIT_USAGE,
    RunPlan,
    RunState,
    bot_command,
    child_env,
    node_tools,
    plan_from,
    playground_command,
    playground_env,
    playground_setup,
    stop_signals,
)
from memberportal.personas import Persona, PersonaProxies
from memberportal.playground import (
    CastMember,
    PlaygroundConfigError,
    PlaygroundSetup,
    write_config,
)
from memberportal.processes import Child, ChildFailed, run_to_end, spawn, wait_until_up
from memberportal.settings import Settings

BOT_START_TIMEOUT_S = 60.0
PLAYGROUND_START_TIMEOUT_S = 60.0


async def prepare_database(settings: Settings) -> None:
    """Migrate, then seed the demo council's casework unless it is there already."""
    from casestore.db import migrate
    from casestore.demo.seed import seed_demo
    from memberportal.context import Context

    ctx = Context.build(settings)
    try:
        await migrate.upgrade(ctx.store.engine)
        result = await seed_demo(ctx.casework, now=datetime.now(UTC))
        seeded = "already seeded" if result.already_seeded else \
            f"seeded {len(result.created)} demo enquiries"
        print(f"Database ready ({seeded}): {ctx.config.council.name}.", flush=True)
    finally:
        await ctx.close()


class DevStack:
    def __init__(self, plan: RunPlan, settings: Settings,
                 setup: PlaygroundSetup | None) -> None:
        self.plan = plan
        self.settings = settings
        self.setup = setup  # None: no Playground (asked for none, or no Node.js)
        self.children: list[Child] = []
        self.proxies: PersonaProxies | None = None
        self.state = RunState(bot_url=plan.bot_url)

    async def run(self) -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in stop_signals():
            loop.add_signal_handler(sig, stop.set)
        try:
            await self._start()
        except (ChildFailed, OSError) as exc:
            print(f"memberportal run: {exc}", file=sys.stderr, flush=True)
            await self._stop()
            return 1
        self.state.write(self.plan.state_file)
        ended = [asyncio.create_task(c.process.wait()) for c in self.children]
        waiter = asyncio.create_task(stop.wait())
        await asyncio.wait([waiter, *ended], return_when=asyncio.FIRST_COMPLETED)
        crashed = [c for c in self.children if not c.running]
        for task in [waiter, *ended]:
            task.cancel()
        for child in crashed:
            print(f"{child.name} stopped on its own (status {child.process.returncode}); "
                  "stopping the rest.", file=sys.stderr, flush=True)
        await self._stop()
        return 1 if crashed and not stop.is_set() else 0

    async def _start(self) -> None:
        tools = node_tools() if self.setup is not None else None
        if self.plan.playground and tools is None:
            print("Node.js and npm were not found, so the Agents Playground is not started: "
                  "install Node.js 20 or later to chat with the bot in a browser.", flush=True)
        if tools is not None:
            await self._install_playground(tools[1])
        bot = await spawn("the bot", bot_command(self.plan), env=child_env())
        self.children.append(bot)
        self.state.bot_pid = bot.pid
        await wait_until_up(f"http://{self.plan.host}:{self.plan.bot_port}/healthz", bot,
                            timeout_s=BOT_START_TIMEOUT_S)
        if tools is not None and self.setup is not None:
            await self._start_playground(self.setup)
            print(banner(self.plan, self.setup, self.settings), flush=True)
        else:
            print(banner(self.plan, None, self.settings), flush=True)

    async def _install_playground(self, npm: str) -> None:
        binary = self.plan.playground_dir / "node_modules" / ".bin" / "agentsplayground"
        if binary.exists():
            return
        print("Installing the Agents Playground (npm ci in playground/)...", flush=True)
        status = await run_to_end(
            [npm, "ci", "--prefix", str(self.plan.playground_dir), "--no-audit", "--no-fund"],
            env=child_env())
        if status != 0 or not binary.exists():
            raise ChildFailed(f"npm ci in {self.plan.playground_dir} failed (status {status})")

    async def _start_playground(self, setup: PlaygroundSetup) -> None:
        write_config(setup, self.plan.config_path)
        self.plan.egress_log.unlink(missing_ok=True)
        playground = await spawn("the Agents Playground", playground_command(self.plan),
                                 env=playground_env(self.plan, child_env()),
                                 cwd=self.plan.work_dir)
        self.children.append(playground)
        self.state.playground_pid = playground.pid
        await wait_until_up(f"{self.plan.playground_url}/_debug/ping", playground,
                            timeout_s=PLAYGROUND_START_TIMEOUT_S)
        personas = [Persona(c.person.teams_user_id, c.person.display_name,
                            self.plan.persona_port(i)) for i, c in enumerate(setup.others)]
        self.proxies = PersonaProxies(self.plan.playground_url, personas,
                                      service_url=self.plan.service_url, host=self.plan.host)
        await self.proxies.start()
        self.state.playground_url = self.plan.playground_url
        self.state.current_user = _person(setup.current)
        self.state.personas = [
            {**_person(c), "slot": c.slot, "url": f"http://{self.plan.host}:{p.port}"}
            for c, p in zip(setup.others, personas, strict=True)]

    async def _stop(self) -> None:
        if self.proxies is not None:
            with contextlib.suppress(Exception):
                await self.proxies.stop()
        for child in reversed(self.children):  # the Playground first, then the bot
            status = await child.stop()
            clean = status in (0, -signal.SIGTERM, 128 + signal.SIGTERM)
            print(f"Stopped {child.name}" + ("." if clean else f" (status {status})."),
                  flush=True)


def _person(cast: CastMember) -> dict[str, str]:
    return {"id": cast.person.id, "name": cast.person.display_name,
            "teamsUserId": cast.person.teams_user_id, "part": cast.part}


def banner(plan: RunPlan, setup: PlaygroundSetup | None, settings: Settings) -> str:
    lines = ["", "Member Enquiries is running.",
             f"  Bot:      {plan.bot_url}   (database: {settings.database_url})"]
    if setup is None:
        lines += ["  No Playground: send Bot Framework activities to the bot yourself.",
                  "  Press Ctrl-C to stop.", ""]
        return "\n".join(lines)
    me = setup.current
    lines += [
        f"  Open {plan.playground_url} in a browser. You are {me.person.display_name} "
        f"({me.part}): the Personal Chat is your chat with the bot.",
        f"  The team \"{setup.team_name}\": General is the member support digest channel, "
        f"\"{setup.service.name}\" is that service's channel (each case is a thread there).",
        "  The other people of this Playground, each in their own tab (open them before you "
        "act: a tab shows only what arrives while it is open):",
    ]
    for index, other in enumerate(setup.others):
        lines.append(f"    http://{plan.host}:{plan.persona_port(index)}  "
                     f"{other.person.display_name} ({other.part})")
    lines += [
        "  In their tabs they click card buttons and @mention the bot in threads; only you "
        "have the Personal Chat.",
        "  To be someone else in the Personal Chat: Ctrl-C, then `make run AS=<person id>` "
        f"(e.g. AS={setup.others[0].person.id}; ids: `memberportal directory`).",
        "  The Playground and its tabs listen on 127.0.0.1 only; its telemetry is off. "
        "See docs/playground.md.",
        "  Press Ctrl-C to stop the Playground and the bot.", ""]
    return "\n".join(lines)


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    plan = plan_from(args)
    try:
        setup = playground_setup(plan, settings) if plan.playground and node_tools() else None
    except PlaygroundConfigError as exc:
        print(f"memberportal run: {exc}.", file=sys.stderr)
        return EXIT_USAGE
    busy = [p for p in _ports(plan) if _in_use(p, plan.host)]
    if busy:
        print(f"Port {busy[0]} on {plan.host} is in use (is `make run` already running?). "
              "Stop it, or choose others with --port / --playground-port.", file=sys.stderr)
        return EXIT_USAGE
    asyncio.run(prepare_database(settings))
    return asyncio.run(DevStack(plan, settings, setup).run())


def _ports(plan: RunPlan) -> list[int]:
    extra = [plan.playground_port, *(plan.persona_port(i) for i in range(5))] \
        if plan.playground and node_tools() else []
    return [plan.bot_port, *extra]


def _in_use(port: int, host: str) -> bool:
    from memberportal.processes import port_in_use
    return port_in_use(port, host)
