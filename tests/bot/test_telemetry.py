"""OpenTelemetry: with a reader configured, a turn, its use case, the outbox send and a sweep
leave spans and metrics; with no endpoint nothing is imported or installed at all."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from casestore.casework import Casework
from casestore.config import CouncilConfig
from casestore.db.store import Store
from casestore.directory import Directory
from memberportal.app import create_app
from memberportal.context import Context
from memberportal.settings import Settings
from memberportal.telemetry import Telemetry, configure
from scheduler.runner import Jobs
from tests.bot.member_fixtures import MONDAY, SARAH, TENANT, Clock, form_values
from tests.store.helpers import details, member
from tests.support import loopback_only
from tests.support.connector import FakeConnector

ROOT = Path(__file__).resolve().parents[2]
BOT = {"id": "28:bot", "name": "Member Enquiries"}


@pytest.fixture(autouse=True)
def no_external_network() -> Iterator[None]:
    with loopback_only():
        yield


@pytest.fixture
def readers() -> tuple[InMemorySpanExporter, InMemoryMetricReader, Telemetry]:
    spans, metrics = InMemorySpanExporter(), InMemoryMetricReader()
    telemetry = configure("", span_exporter=spans, metric_reader=metrics, install_global=False)
    assert telemetry is not None
    return spans, metrics, telemetry


def metric_points(reader: InMemoryMetricReader) -> dict[str, list[Any]]:
    data = reader.get_metrics_data()
    found: dict[str, list[Any]] = {}
    for resource in data.resource_metrics if data else []:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                found.setdefault(metric.name, []).extend(metric.data.data_points)
    return found


def named(spans: list[ReadableSpan], name: str) -> list[ReadableSpan]:
    return [s for s in spans if s.name == name]


@pytest.fixture
async def product(empty_store: Store, config: CouncilConfig, directory: Directory,
                  readers: tuple[InMemorySpanExporter, InMemoryMetricReader, Telemetry]
                  ) -> AsyncIterator[tuple[TestClient, Context]]:  # type: ignore[type-arg]
    settings = Settings(scheduler_enabled=False)
    ctx = Context(settings, config, directory, empty_store,
                  Casework(empty_store, config, directory))
    app = create_app(settings, context=ctx, clock=Clock(MONDAY), delivery_interval_s=0.05,
                     telemetry=readers[2])
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client, ctx


def _chat(connector: FakeConnector, ctx: Context, **fields: Any) -> dict[str, Any]:
    p = ctx.directory.get(SARAH)
    return {"type": "message", "id": uuid.uuid4().hex, "serviceUrl": connector.service_url,
            "channelId": "msteams", "recipient": BOT,
            "from": {"id": p.teams_user_id, "name": p.name, "aadObjectId": p.aad_object_id},
            "conversation": {"conversationType": "personal", "id": "a:sarah", "tenantId": TENANT},
            **fields}


async def test_a_turn_its_use_case_and_the_outbox_send_leave_spans_and_metrics(
    product: tuple[TestClient, Context],  # type: ignore[type-arg]
    readers: tuple[InMemorySpanExporter, InMemoryMetricReader, Telemetry],
) -> None:
    client, ctx = product
    spans, metrics, _ = readers
    async with FakeConnector() as connector:
        assert (await client.post("/api/messages", json=_chat(
            connector, ctx, text="new enquiry"))).status == 201
        submitted = await client.post("/api/messages", json=_chat(
            connector, ctx, type="invoke", name="adaptiveCard/action", value={"action": {
                "type": "Action.Execute", "verb": "member.enquiry.submit",
                "data": {**form_values(), "nonce": str(uuid.uuid4())}}}))
        assert submitted.status == 200
        await connector.wait_for(1, where=lambda r: r.kind == "create_conversation",
                                 timeout_s=10)
        for _ in range(100):  # the send's span ends once the row is marked sent
            if named(list(spans.get_finished_spans()), "outbox.deliver"):
                break
            await asyncio.sleep(0.05)
        points = metric_points(metrics)  # read while the app runs

    finished = list(spans.get_finished_spans())
    turns = named(finished, "POST /api/messages")
    assert [t.attributes["http.response.status_code"] for t in turns] == [201, 200]
    assert turns[1].attributes["memberportal.request_id"] == \
        submitted.headers["X-Request-Id"]
    [submit] = named(finished, "casework.submit")
    assert submit.parent is not None and submit.parent.span_id == turns[1].context.span_id
    assert submit.context.trace_id == turns[1].context.trace_id
    [send] = named(finished, "outbox.deliver")
    assert send.attributes["memberportal.outbox.kind"] == "case-opened"
    assert send.attributes["memberportal.outbox.recipient"] == "thread"
    assert send.attributes["memberportal.outbox.outcome"] == "sent"
    assert sum(p.value for p in points["memberportal.turns"]) == 2
    assert sum(p.count for p in points["memberportal.turn.duration"]) == 2
    assert sum(p.count for p in points["memberportal.outbox.lag"]) == 1
    assert "memberportal.outbox.pending" in points
    text = json.dumps([dict(s.attributes or {}) for s in finished])
    assert "Mill Lane" not in text and "pothole" not in text  # no typed words in telemetry


async def test_a_sweep_leaves_a_span_and_its_duration(
    casework: Casework,
    readers: tuple[InMemorySpanExporter, InMemoryMetricReader, Telemetry],
) -> None:
    spans, metrics, telemetry = readers
    await casework.submit(details("ashcroft"), member_id=SARAH, actor=member(SARAH), now=MONDAY)
    telemetry.instrument_use_cases(casework)
    jobs = Jobs(casework, lambda: datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    telemetry.instrument_jobs(jobs)

    assert await jobs.sweep() == 1

    [sweep] = named(list(spans.get_finished_spans()), "scheduler.sla-sweep")
    assert sweep.attributes["memberportal.sweep.queued"] == 1
    [duration] = metric_points(metrics)["memberportal.sweep.duration"]
    assert duration.count == 1


NO_ENDPOINT = """
import json, sys
from opentelemetry import metrics, trace
from memberportal.app import create_app, RUNTIME_KEY
from memberportal.settings import Settings
app = create_app(Settings.from_environ({"DATABASE_URL": sys.argv[1]}))
runtime = app[RUNTIME_KEY]
casework = runtime.context.casework
print(json.dumps({
    "telemetry": runtime.telemetry is not None,
    "imported": sorted(m for m in sys.modules if m.startswith(
        ("opentelemetry.exporter", "opentelemetry.sdk.trace", "opentelemetry.sdk.metrics"))),
    "tracer_provider": type(trace.get_tracer_provider()).__name__,
    "meter_provider": type(metrics.get_meter_provider()).__name__,
    "wrapped": "submit" in vars(casework),
    "middlewares": len(app.middlewares),
}))
"""


def test_with_no_endpoint_nothing_is_imported_or_installed(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", NO_ENDPOINT,
                           f"sqlite:///{tmp_path / 'none.sqlite3'}"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])

    assert found == {"telemetry": False, "imported": [],
                     "tracer_provider": "ProxyTracerProvider",
                     "meter_provider": "_ProxyMeterProvider", "wrapped": False,
                     "middlewares": 1}
