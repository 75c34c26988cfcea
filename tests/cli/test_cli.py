"""The `memberportal` command as an operator uses it, in a subprocess with a clean environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from casestore.db import migrate

DEMO = Path(__file__).resolve().parents[2] / "casestore" / "demo" / "council.toml"


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("Microsoft")}
    environ.pop("COUNCIL_CONFIG", None)
    environ["DATABASE_URL"] = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "memberportal", *args], cwd=tmp_path, env=environ,
        capture_output=True, text=True, timeout=120, check=False,
    )


def test_check_config_accepts_the_demo_council(tmp_path: Path) -> None:
    result = run(tmp_path, "check-config", str(DEMO))
    assert result.returncode == 0, result.stderr
    assert "is valid" in result.stdout and "Mersey Vale" in result.stdout


def test_check_config_reports_a_broken_file_clearly_with_status_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    text = DEMO.read_text().replace('nation = "ENG"', 'nation = "England"', 1)
    text = text.replace("response_days = 15", "response_days = 0", 1)
    broken.write_text(text)
    result = run(tmp_path, "check-config", str(broken))
    assert result.returncode == 2
    assert f"{broken}: council.nation:" in result.stderr
    assert "response_days: " in result.stderr and "greater than or equal to 1" in result.stderr


def test_check_config_on_a_missing_file_says_so(tmp_path: Path) -> None:
    result = run(tmp_path, "check-config", str(tmp_path / "nope.toml"))
    assert result.returncode == 2 and "no such file" in result.stderr


def test_a_broken_council_config_in_the_environment_stops_any_command(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[council\nname = 'x'")
    result = run(tmp_path, "directory", COUNCIL_CONFIG=str(bad))
    assert result.returncode == 2 and "is not valid TOML" in result.stderr


def test_directory_lists_everyone_with_their_teams_identity(tmp_path: Path) -> None:
    result = run(tmp_path, "directory", "--json")
    assert result.returncode == 0, result.stderr
    people = json.loads(result.stdout)
    leader = next(p for p in people if p["id"] == "sarah-okafor")
    assert leader["name"] == "Cllr Sarah Okafor" and leader["ward"] == "ashcroft"
    assert leader["aadObjectId"] and leader["teamsUserId"].startswith("29:")
    assert {p["kind"] for p in people} == {"member", "officer"}
    table = run(tmp_path, "directory")
    assert "Cllr Sarah Okafor" in table.stdout


def test_migrate_then_seed_demo_says_what_was_created_and_reseeding_adds_nothing(
    tmp_path: Path,
) -> None:
    migrated = run(tmp_path, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert f"schema revision {migrate.head_revision()}" in migrated.stdout
    seeded = run(tmp_path, "seed-demo")
    assert seeded.returncode == 0, seeded.stderr
    assert "14 wards, 42 members, 12 service areas" in seeded.stdout
    assert "Created 30 demo enquiries" in seeded.stdout
    again = run(tmp_path, "seed-demo")
    assert "already seeded" in again.stdout
    stats = json.loads(run(tmp_path, "stats").stdout)
    assert sum(stats["by_state"].values()) == 30
    out = tmp_path / "foi.csv"
    foi = run(tmp_path, "export-foi", "--out", str(out))
    assert foi.returncode == 0, foi.stderr
    lines = out.read_text().splitlines()
    assert lines[0] == "member,ward,year,cases_raised"
    assert sum(int(line.rsplit(",", 1)[1]) for line in lines[1:]) == 30


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("DATABASE_URL", "mysql://root@localhost/x", "DATABASE_URL"),
        ("PORT", "eighty", "PORT"),
        ("MicrosoftAppType", "Personal", "MicrosoftAppType"),
    ],
)
def test_bad_settings_are_named_with_status_2(
    tmp_path: Path, key: str, value: str, message: str
) -> None:
    result = run(tmp_path, "directory", **{key: value})
    assert result.returncode == 2
    assert message in result.stderr


def test_serve_migrates_and_answers_health_checks_until_interrupted(tmp_path: Path) -> None:
    import signal
    import socket
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environ = {k: v for k, v in os.environ.items() if not k.startswith("Microsoft")}
    environ.update(DATABASE_URL=f"sqlite:///{tmp_path / 'serve.sqlite3'}", SCHEDULER="off")
    server = subprocess.Popen(
        [sys.executable, "-m", "memberportal", "serve", "--port", str(port)], cwd=tmp_path,
        env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert json.loads(r.read()) == {"status": "ok"}
                    break
            except OSError:
                assert server.poll() is None, server.communicate()[0]
                assert time.monotonic() < deadline, "serve did not answer within 60 s"
                time.sleep(0.2)
    finally:
        server.send_signal(signal.SIGINT)
        output, _ = server.communicate(timeout=30)
    assert server.returncode == 0, output
    assert f"http://127.0.0.1:{port}/api/messages" in output
    assert "authentication is OFF" in output


def test_member_support_hands_a_departing_councillors_cases_to_a_colleague(
    tmp_path: Path,
) -> None:
    assert run(tmp_path, "seed-demo").returncode == 0
    refused = run(tmp_path, "handover", "graham-leece", "--to", "david-ashworth",
                  "--by", "gareth-prescott")
    assert refused.returncode == 2 and "may not hand over" in refused.stderr
    wrong_ward = run(tmp_path, "handover", "graham-leece", "--to", "sarah-okafor",
                     "--by", "kathryn-pinnington")
    assert wrong_ward.returncode == 2 and "ward colleague" in wrong_ward.stderr
    done = run(tmp_path, "handover", "graham-leece", "--to", "david-ashworth",
               "--by", "kathryn-pinnington", "--reason", "Cllr Leece stood down")
    assert done.returncode == 0, done.stderr
    assert "to Cllr David Ashworth" in done.stdout


def test_the_worker_runs_the_jobs_without_listening_and_stops_on_interrupt(
    tmp_path: Path,
) -> None:
    import signal
    import time

    environ = {k: v for k, v in os.environ.items() if not k.startswith("Microsoft")}
    environ.update(DATABASE_URL=f"sqlite:///{tmp_path / 'worker.sqlite3'}")
    worker = subprocess.Popen([sys.executable, "-m", "memberportal", "worker"], cwd=tmp_path,
                              env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
    deadline = time.monotonic() + 60
    while not (tmp_path / "worker.sqlite3").exists() and time.monotonic() < deadline:
        assert worker.poll() is None
        time.sleep(0.2)
    time.sleep(1)
    worker.send_signal(signal.SIGINT)
    output, _ = worker.communicate(timeout=30)
    assert worker.returncode == 0, output
    assert "worker is running the SLA sweep" in output
    assert "scheduler started" in output
