"""`memberportal run` itself: the Playground loads the generated config, nothing leaves the
machine, and Ctrl-C stops everything it started."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from casestore.config import CouncilConfig
from casestore.directory import Directory
from memberportal.playground import build_setup
from tests.browser.conftest import Guard, Stack, screenshot, start_stack
from tests.support.playground_schema import config_schema

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

# The Playground's web page asks Microsoft's CDN for its Segoe UI fonts and an animation worklet;
# the tests refuse them (the page falls back to local fonts). Nothing else may be asked for.
PAGE_ASSETS = {"res-1.cdn.office.net", "res.cdn.office.net"}


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.load(answer)


def test_the_playground_runs_the_config_generated_from_the_council(
        stack: Stack, config: CouncilConfig, directory: Directory) -> None:
    loaded = _get_json(stack.playground_url + "/_internal/v1/testConfig")["config"]
    today = config.calendar().local_date(datetime.now(UTC))
    expected = build_setup(config, directory, today=today).document
    config_schema_check(expected)
    assert loaded["currentUser"] == expected["currentUser"]
    assert loaded["users"] == expected["users"]
    assert loaded["bot"] == expected["bot"]
    assert loaded["tenantId"] == config.council.tenant_id
    (team,) = loaded["teams"]
    channels = {c["name"]: c["id"] for c in team["channels"]}
    assert channels == {"General": config.member_support_channel_id,
                        "Roads and pavements": config.service("roads").channel_id}
    people = {p.teams_user_id: p for p in directory}
    for user in [loaded["currentUser"], *loaded["users"]]:
        person = people[user["id"]]
        assert user["aadObjectId"] == person.aad_object_id
        assert user["name"] == person.display_name


def config_schema_check(document: dict[str, Any]) -> None:
    import jsonschema

    schema = config_schema()
    if schema is None:
        pytest.fail("the pinned Playground is installed but its config schema was not found")
    jsonschema.validate(document, schema)


def test_nothing_reaches_beyond_loopback(stack: Stack, guard: Guard, context: Any) -> None:
    page = context.new_page()  # load a page, so the check covers at least one
    page.goto(stack.persona("support")["url"], wait_until="networkidle")
    screenshot(page, "10-member-support-tab")
    page.close()
    tried = stack.egress_log.read_text() if stack.egress_log.exists() else ""
    assert tried == "", f"the Playground tried to reach beyond loopback:\n{tried}"
    assert {urlparse(u).hostname for u in guard.refused} <= PAGE_ASSETS, guard.refused
    assert all("/assets/" in urlparse(u).path for u in guard.refused), guard.refused
    address = _non_loopback_address()
    if address is not None:
        port = urlparse(stack.playground_url).port
        assert port is not None
        with socket.socket() as probe:
            probe.settimeout(2)
            assert probe.connect_ex((address, port)) != 0, \
                f"the Playground answers on {address}:{port}, not only on loopback"


def _non_loopback_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent for a UDP connect
        except OSError:
            return None
        address = probe.getsockname()[0]
    return None if address.startswith("127.") else str(address)


def test_ctrl_c_stops_the_bot_and_the_playground_and_leaves_nothing_behind(
        browser_requirements: None, tmp_path: Path) -> None:
    second = start_stack(tmp_path, "ctrl-c")
    pids = [second.state["bot_pid"], second.state["playground_pid"], second.process.pid]
    ports = [urlparse(second.state["bot_url"]).port, urlparse(second.playground_url).port,
             *(urlparse(p["url"]).port for p in second.state["personas"])]
    try:
        assert all(_alive(pid) for pid in pids)
        assert second.stop() == 0
    finally:
        if second.process.poll() is None:  # a failure above: its children follow it
            os.killpg(second.process.pid, signal.SIGKILL)
            second.process.wait()
    assert not any(_alive(pid) for pid in pids)
    assert not any(_group_alive(pid) for pid in pids)
    assert all(_free(port) for port in ports if port)
    log = second.log.read_text()
    assert "Stopped the Agents Playground." in log
    assert "Stopped the bot." in log


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with contextlib.suppress(ChildProcessError):
        done, _ = os.waitpid(pid, os.WNOHANG)  # a zombie of ours is not alive
        return done == 0
    return True


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0
