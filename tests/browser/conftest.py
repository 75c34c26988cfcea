"""Browser tests: the Agents Playground in Debian's Chromium, driven by Playwright, against the bot.

The package runs one `memberportal run` — the stack `make run` starts — on a temporary SQLite
database (demo seeded) and free loopback ports, with the pinned Playground from `playground/`.
Pages are opened on the Playground (the member, its configured user) and on the persona tab of the
service's coordinator (`memberportal.personas`). Every request a page makes beyond loopback is
refused and recorded. Screenshots go to test-artifacts/browser/.

Without Chromium (/usr/bin/chromium), Node.js and npm, or the `playwright` package the tests skip
and say which is missing; under CI=true they fail instead (`.ci/run` installs all three).

Playwright's sync API runs an event loop of its own while the browser is open, so the tests here
are plain functions (no asyncio), and the browser and the stack close with this package, before
the rest of the suite's asyncio tests run.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
LOOPBACK = ("http://127.0.0.1:", "ws://127.0.0.1:", "data:", "blob:", "about:")
START_TIMEOUT_S = 180.0  # includes `npm ci` in playground/ on a fresh clone
STOP_TIMEOUT_S = 30.0


def missing_requirements() -> list[str]:
    missing = []
    if not Path(CHROMIUM).exists():
        missing.append(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    if not (shutil.which("node") and shutil.which("npm")):
        missing.append("Node.js and npm are not installed")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the Python package playwright is not installed (pip install -e '.[test]')")
    return missing


@pytest.fixture(scope="session")
def browser_requirements() -> None:
    missing = missing_requirements()
    if missing:
        reason = "browser tests need: " + "; ".join(missing)
        if IN_CI:
            pytest.fail(f"{reason}. They are mandatory under CI=true.", pytrace=False)
        pytest.skip(reason)


def free_ports(count: int) -> int:
    """A base port with `count` free ports from it, on 127.0.0.1."""
    for _ in range(200):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + count < 65535 and all(_free(base + i) for i in range(count)):
            return base
    raise RuntimeError("no run of free ports on 127.0.0.1")


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@dataclass
class Stack:
    """A running `memberportal run`, as its state file describes it."""

    process: subprocess.Popen[bytes]
    state: dict[str, Any]
    database: Path
    work_dir: Path
    log: Path

    @property
    def playground_url(self) -> str:
        return str(self.state["playground_url"])

    def persona(self, slot: str) -> dict[str, Any]:
        return next(p for p in self.state["personas"] if p["slot"] == slot)

    @property
    def egress_log(self) -> Path:
        return self.work_dir / "egress.log"

    def stop(self) -> int:
        """Ctrl-C, as a person would; the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                return self.process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
                raise
        return self.process.returncode


def start_stack(tmp: Path, name: str) -> Stack:
    """`memberportal run` on a fresh SQLite database and free ports; returns once it is up."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base, bot_port = free_ports(6), free_ports(1)
    database, state_file, work_dir = tmp / "cases.sqlite3", tmp / "state.json", tmp / "pg"
    log = ARTIFACTS / f"{name}.log"
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{database}",
           "PYTHONUNBUFFERED": "1"}
    env.pop("COUNCIL_CONFIG", None)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "memberportal", "run", "--port", str(bot_port),
             "--playground-port", str(base), "--work-dir", str(work_dir),
             "--state-file", str(state_file)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + START_TIMEOUT_S
    while not state_file.exists():
        if process.poll() is not None:
            raise RuntimeError(f"memberportal run exited ({process.returncode}); see {log}")
        if time.monotonic() > deadline:
            os.killpg(process.pid, signal.SIGTERM)
            raise RuntimeError(f"memberportal run was not up in {START_TIMEOUT_S:.0f} s; {log}")
        time.sleep(0.2)
    state = json.loads(state_file.read_text(encoding="utf-8"))
    return Stack(process, state, database, work_dir, log)


@pytest.fixture(scope="package")
def stack(browser_requirements: None, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("stack"), "stack")
    yield running
    running.stop()


@dataclass
class Guard:
    """Requests the pages tried to make beyond loopback (refused)."""

    refused: list[str] = field(default_factory=list)


@pytest.fixture(scope="session")
def guard() -> Guard:
    return Guard()


@pytest.fixture(scope="package")
def browser(browser_requirements: None) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def context(browser: Any, guard: Guard) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-GB",
                              timezone_id="Europe/London")
    ctx.set_default_timeout(30_000)

    def only_loopback(route: Any) -> None:
        url = route.request.url
        if url.startswith(LOOPBACK):
            route.fallback()
        else:
            guard.refused.append(url)
            route.abort()

    ctx.route("**/*", only_loopback)
    yield ctx
    ctx.close()


def screenshot(page: Any, name: str) -> Path:
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
