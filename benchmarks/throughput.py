"""Turns per second at concurrency 16, the product against anchors, in one run.

Every server is its own process on 127.0.0.1, every reply goes to the same sink connector
(`benchmarks.sink`, its own process), and this process only drives the load. The targets run
interleaved, round after round, so a noisy neighbour hurts them all alike; each figure is the
median of the rounds.

- **botbuilder 4.17 stock echo**: `benchmarks/echo_botbuilder.py`, run by the Python of a
  throwaway environment (`build/bench-envs/botbuilder-4.17`, made on first use from the
  package registry); the project no longer installs botbuilder.
- **Agents SDK stock echo**: `benchmarks.echo_agents_sdk`, in the project's environment.
- **'my cases'**: the whole product (`benchmarks.serve_turns`), a councillor with 40+ enquiries
  asking for their first page.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, ClientTimeout, TCPConnector

ROOT = Path(__file__).resolve().parent.parent
ENVS = ROOT / "build" / "bench-envs"
BOTBUILDER_ENV = ENVS / "botbuilder-4.17"
CONCURRENCY = 16
TARGET_RATIO = 2.0  # 'my cases' against the botbuilder echo (the platform issue's bar)


@dataclass
class Target:
    name: str
    command: list[str]
    text: str
    sender: dict[str, Any] = field(default_factory=lambda: {"id": "29:bench", "name": "Bench"})
    rates: list[float] = field(default_factory=list)
    p99s: list[float] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def botbuilder_python() -> str | None:
    """The throwaway environment's Python, made once; None if it cannot be made here."""
    python = BOTBUILDER_ENV / "bin" / "python"
    if python.exists():
        return str(python)
    print("  making the throwaway botbuilder 4.17 environment (once)...", flush=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(BOTBUILDER_ENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet",
                        "botbuilder-integration-aiohttp==4.17.*"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"  botbuilder anchor unavailable: {exc}")
        return None
    return str(python)


@contextlib.contextmanager
def process(command: list[str], port: int) -> Iterator[subprocess.Popen[bytes]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING"}
    argv = [c.replace("{port}", str(port)) for c in command] if "{port}" in command \
        else [*command, str(port)]
    # stderr to a file: a pipe nobody reads would block a chatty server
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                stderr=errors)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if proc.poll() is not None:
                    errors.seek(0)
                    raise RuntimeError(f"{argv} exited: {errors.read().decode()[-800:]}")
                with contextlib.suppress(OSError), \
                        socket.create_connection(("127.0.0.1", port), 0.2):
                    break
                time.sleep(0.1)
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


def activity(sink_url: str, text: str, sender: dict[str, Any]) -> dict[str, Any]:
    return {"type": "message", "id": uuid.uuid4().hex, "text": text, "channelId": "msteams",
            "serviceUrl": sink_url, "from": sender, "locale": "en-GB",
            "conversation": {"conversationType": "personal", "id": f"a:bench-{sender['id']}"},
            "recipient": {"id": "28:bot", "name": "Member Enquiries"}}


async def load(url: str, sink_url: str, target: Target, requests: int) -> tuple[float, float]:
    """(turns per second, p99 latency in ms) for `requests` turns at CONCURRENCY."""
    latencies: list[float] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(requests):
        queue.put_nowait(i)
    connector = TCPConnector(limit=CONCURRENCY)
    async with ClientSession(connector=connector, timeout=ClientTimeout(total=60)) as http:
        async def worker() -> None:
            while not queue.empty():
                queue.get_nowait()
                body = activity(sink_url, target.text, target.sender)
                t0 = time.perf_counter()
                async with http.post(url, json=body) as response:
                    await response.read()
                    if response.status >= 300:
                        raise RuntimeError(f"{target.name}: HTTP {response.status}")
                latencies.append((time.perf_counter() - t0) * 1000)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        elapsed = time.perf_counter() - start
    latencies.sort()
    return requests / elapsed, latencies[int(len(latencies) * 0.99) - 1]


def targets(tmp: Path) -> list[Target]:
    found: list[Target] = []
    python = botbuilder_python()
    if python is not None:
        found.append(Target("botbuilder 4.17 stock echo",
                            [python, str(ROOT / "benchmarks" / "echo_botbuilder.py")], "hello"))
    found.append(Target("Agents SDK stock echo",
                        [sys.executable, "-m", "benchmarks.echo_agents_sdk"], "hello"))
    from casestore.config import load_council_config
    member = next(p for p in load_council_config().members if p.id == "sarah-okafor")
    db = f"sqlite+aiosqlite:///{tmp}/turns.sqlite3"
    found.append(Target("'my cases' (the product, SQLite)",
                        [sys.executable, "-m", "benchmarks.serve_turns", "{port}", db], "my cases",
                        sender={"id": member.teams_user_id, "name": member.name,
                                "aadObjectId": member.aad_object_id}))
    return found


async def run(*, rounds: int = 3, requests: int = 1500, warmup: int = 200) -> dict[str, Any]:
    print(f"Turns per second at concurrency {CONCURRENCY} (separate processes, one sink):")
    with tempfile.TemporaryDirectory() as tmp:
        chosen = targets(Path(tmp))
        sink_port = free_port()
        sink_url = f"http://127.0.0.1:{sink_port}/"
        with process([sys.executable, "-m", "benchmarks.sink"], sink_port):
            for _ in range(rounds):
                for target in chosen:
                    port = free_port()
                    with process(target.command, port):
                        url = f"http://127.0.0.1:{port}/api/messages"
                        await load(url, sink_url, target, warmup)
                        rate, p99 = await load(url, sink_url, target, requests)
                    target.rates.append(rate)
                    target.p99s.append(p99)
    results: dict[str, Any] = {}
    for target in chosen:
        rate = statistics.median(target.rates)
        results[target.name] = {"turns_per_s": round(rate, 1),
                                "p99_ms": round(statistics.median(target.p99s), 1),
                                "rounds": [round(r, 1) for r in target.rates]}
        print(f"  {target.name:<36} {rate:8.1f} turns/s   p99 "
              f"{statistics.median(target.p99s):7.1f} ms   rounds {results[target.name]['rounds']}")
    return results


def verdict(results: dict[str, Any]) -> dict[str, Any]:
    mine = results.get("'my cases' (the product, SQLite)", {}).get("turns_per_s")
    anchor = results.get("botbuilder 4.17 stock echo", {}).get("turns_per_s")
    sdk = results.get("Agents SDK stock echo", {}).get("turns_per_s")
    out: dict[str, Any] = {}
    if mine and anchor:
        ratio = mine / anchor
        out["my_cases_vs_botbuilder_echo"] = round(ratio, 2)
        print(f"  'my cases' / botbuilder echo = {ratio:.2f}x "
              f"(target >= {TARGET_RATIO:.0f}x: {'met' if ratio >= TARGET_RATIO else 'NOT met'})")
    if mine and sdk:
        out["my_cases_vs_agents_sdk_echo"] = round(mine / sdk, 2)
        print(f"  'my cases' / Agents SDK echo = {mine / sdk:.2f}x")
    return out


def main() -> None:
    results = asyncio.run(run())
    summary = {"results": results, "ratios": verdict(results)}
    out = ROOT / "build" / "bench" / "throughput.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2))
    print(f"  written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
