"""`memberportal run`: how it starts the Playground, and playground/guard.cjs, which keeps the
Playground on this machine (telemetry off, loopback only)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from memberportal.cli import build_parser
from memberportal.commands import COMMANDS
from memberportal.devrun import (
    PLAYGROUND_DIR,
    RunPlan,
    plan_from,
    playground_command,
    playground_env,
)

GUARD = PLAYGROUND_DIR / "guard.cjs"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def test_run_is_a_memberportal_command_with_its_options() -> None:
    assert "run" in COMMANDS
    args = build_parser().parse_args(["run", "--as", "leanne-moorcroft", "--port", "4000",
                                      "--playground-port", "57000"])
    plan = plan_from(args)
    assert (plan.as_person, plan.bot_port, plan.playground_port) == (
        "leanne-moorcroft", 4000, 57000)
    assert plan.persona_port(0) == 57001 and plan.persona_port(4) == 57005
    assert plan.bot_url == "http://127.0.0.1:4000/api/messages"


def test_the_playground_is_the_pinned_one_pointed_at_the_bot_with_telemetry_off() -> None:
    plan = RunPlan(bot_port=3978, playground_port=56150)
    argv = playground_command(plan)
    assert argv[0].endswith("playground/node_modules/.bin/agentsplayground")
    assert argv[1:] == ["-e", "http://127.0.0.1:3978/api/messages", "-c", "msteams", "--dt",
                        "-p", "56150"]
    env = playground_env(plan, {"NODE_OPTIONS": "--max-old-space-size=2048", "PATH": "/bin"})
    assert env["TEAMSAPPTESTER_BROWSER"] == "none"
    assert env["APPLICATION_INSIGHTS_NO_STATSBEAT"] == "true"
    assert env["M365_AGENTS_PLAYGROUND_CONFIG_PATH"].endswith(".m365agentsplayground.yml")
    assert env["M365_AGENTS_PLAYGROUND_SERVICE_URL"] == "http://127.0.0.1:56150/_connector"
    assert env["NODE_OPTIONS"] == f"--max-old-space-size=2048 --require {GUARD}"
    assert env["PATH"] == "/bin"


def test_the_playground_is_pinned_exactly_in_package_json_and_the_lock() -> None:
    package = json.loads((PLAYGROUND_DIR / "package.json").read_text())
    lock = json.loads((PLAYGROUND_DIR / "package-lock.json").read_text())
    pinned = package["dependencies"]["@microsoft/m365agentsplayground"]
    assert pinned[0].isdigit()  # an exact version, no range
    locked = lock["packages"]["node_modules/@microsoft/m365agentsplayground"]
    assert locked["version"] == pinned and locked["integrity"].startswith("sha512-")


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        if IN_CI:
            pytest.fail("Node.js is needed for the Playground and is mandatory under CI=true")
        pytest.skip("Node.js is not installed")
    return node


def test_the_guard_refuses_egress_keeps_loopback_and_blanks_the_telemetry_key(
        tmp_path: Path) -> None:
    node = _node()
    fake = tmp_path / "m365agentsplayground" / "dist" / "server"
    fake.mkdir(parents=True)
    (fake / "config.json").write_text('{"aiKey": "2b2a561e-real-key"}')
    log = tmp_path / "egress.log"
    script = textwrap.dedent(f"""
        const fs = require("fs"), net = require("net");
        const key = JSON.parse(fs.readFileSync({json.dumps(str(fake / "config.json"))}, "utf8"));
        const server = net.createServer((s) => s.end()).listen(0, () => {{
          const port = server.address().port, address = server.address().address;
          const local = net.connect(port, "127.0.0.1", () => {{
            local.end();
            const out = net.connect(80, "192.0.2.1");
            out.on("error", (e) => {{
              console.log(JSON.stringify({{key, address, refused: e.message}}));
              server.close();
            }});
          }});
        }});
    """)
    result = subprocess.run(
        [node, "--require", str(GUARD), "-e", script], capture_output=True, text=True,
        timeout=30, check=False, env={**os.environ, "PLAYGROUND_EGRESS_LOG": str(log)})
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["key"] == {"aiKey": ""}  # Application Insights is never set up
    assert seen["address"] == "127.0.0.1"  # a server with no host listens on loopback only
    assert "refused by guard.cjs" in seen["refused"]
    assert log.read_text().split()[1:] == ["192.0.2.1:80"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'run.sqlite3'}",
           "PYTHONUNBUFFERED": "1"}
    env.pop("COUNCIL_CONFIG", None)
    return subprocess.Popen([sys.executable, "-m", "memberportal", "run", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)


@pytest.fixture
def started(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], int]]:
    port = _free_port()
    process = _start(tmp_path, "--no-playground", "--port", str(port))
    yield process, port
    if process.poll() is None:  # the test failed before Ctrl-C: leave nothing running
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def test_without_the_playground_it_seeds_serves_and_stops_on_ctrl_c(
        started: tuple[subprocess.Popen[str], int]) -> None:
    process, port = started
    assert process.stdout is not None
    lines: list[str] = []
    for line in process.stdout:
        lines.append(line)
        if "No Playground:" in line:
            break
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as answer:
        assert answer.status == 200
    process.send_signal(signal.SIGINT)
    rest, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    text = "".join(lines) + rest
    assert "seeded 30 demo enquiries" in text
    assert "Stopped the bot." in text


def test_a_port_in_use_is_named_and_nothing_starts(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = _start(tmp_path, "--no-playground", "--port", str(port))
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 2
    assert f"Port {port} on 127.0.0.1 is in use" in output
