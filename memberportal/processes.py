"""Child processes for `memberportal run`: started in their own process groups, stopped cleanly.

Each child gets a new session (so the terminal's Ctrl-C reaches only `memberportal run`, which
then stops the children in order) and, on Linux, `PR_SET_PDEATHSIG` = SIGTERM, so a child is
told to stop even if its parent is killed outright. Stopping sends SIGTERM to the child's whole
process group, waits, then sends SIGKILL to whatever is left of the group: nothing is orphaned.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import socket
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import aiohttp

STOP_TIMEOUT_S = 10.0
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # runs in the child between fork and exec
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Child:
    name: str
    process: asyncio.subprocess.Process

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def running(self) -> bool:
        return self.process.returncode is None

    async def stop(self, timeout_s: float = STOP_TIMEOUT_S) -> int | None:
        """SIGTERM to the process group, then SIGKILL to what is left; the exit status."""
        if self.running:
            _signal_group(self.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), timeout_s)
            except TimeoutError:
                _signal_group(self.pid, signal.SIGKILL)
                await self.process.wait()
        _signal_group(self.pid, signal.SIGKILL)  # grandchildren that outlived their parent
        return self.process.returncode


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


async def spawn(name: str, argv: Sequence[str], *, env: Mapping[str, str],
                cwd: Path | None = None, stdout: IO[Any] | int | None = None,
                stderr: IO[Any] | int | None = None) -> Child:
    """Start `argv`; its output goes where this process's does unless `stdout` or `stderr`
    (an open file, or asyncio.subprocess.PIPE) say otherwise."""
    process = await asyncio.create_subprocess_exec(
        *argv, env=dict(env), cwd=cwd, stdin=asyncio.subprocess.DEVNULL, stdout=stdout,
        stderr=stderr, start_new_session=True, preexec_fn=_die_with_parent)
    return Child(name, process)


async def run_to_end(argv: Sequence[str], *, env: Mapping[str, str], cwd: Path | None = None
                     ) -> int:
    child = await spawn(argv[0], argv, env=env, cwd=cwd)
    return await child.process.wait()


async def wait_until_up(url: str, child: Child, *, timeout_s: float) -> None:
    """Poll `url` until it answers 200; fail early if the child exits first."""
    deadline = time.monotonic() + timeout_s
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:
        while True:
            if not child.running:
                raise ChildFailed(f"{child.name} exited with status {child.process.returncode} "
                                  "before it was ready")
            with contextlib.suppress(aiohttp.ClientError, TimeoutError, OSError):
                async with session.get(url) as answer:
                    if answer.status == 200:
                        return
            if time.monotonic() > deadline:
                raise ChildFailed(f"{child.name} did not answer {url} within {timeout_s:.0f} s")
            await asyncio.sleep(0.25)


class ChildFailed(Exception):
    """A child process did not start, or stopped on its own."""


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False
