"""A real `memberportal serve` with OTEL_EXPORTER_OTLP_ENDPOINT set sends its traces and metrics
over OTLP/HTTP to that endpoint (here a local stand-in for a collector), flushing on SIGTERM."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from casestore.directory import Directory
from tests.ops.stack import chat, free_port, start
from tests.support.connector import FakeConnector


class Collector:
    """What an OpenTelemetry collector's OTLP/HTTP receiver would be sent."""

    def __init__(self) -> None:
        self.spans: list[str] = []
        self.metrics: list[str] = []
        self.content_types: set[str] = set()

    async def traces(self, request: web.Request) -> web.Response:
        self.content_types.add(request.content_type)
        sent = ExportTraceServiceRequest.FromString(await request.read())
        self.spans += [s.name for r in sent.resource_spans for sc in r.scope_spans
                       for s in sc.spans]
        return web.Response(status=200, content_type="application/x-protobuf")

    async def metric_data(self, request: web.Request) -> web.Response:
        sent = ExportMetricsServiceRequest.FromString(await request.read())
        self.metrics += [m.name for r in sent.resource_metrics for sc in r.scope_metrics
                         for m in sc.metrics]
        return web.Response(status=200, content_type="application/x-protobuf")


@pytest.mark.timeout(120)
async def test_serve_exports_traces_and_metrics_to_the_configured_endpoint(
    directory: Directory, tmp_path: Path,
) -> None:
    collector = Collector()
    app = web.Application()
    app.router.add_post("/v1/traces", collector.traces)
    app.router.add_post("/v1/metrics", collector.metric_data)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    otlp_port = free_port()
    await web.TCPSite(runner, "127.0.0.1", otlp_port).start()
    port = free_port()
    log = tmp_path / "serve.log"
    try:
        server = await start(
            "serve", name="serve", database_url=f"sqlite:///{tmp_path / 'otel.sqlite3'}",
            log=log, cwd=tmp_path, port=port, SCHEDULER="off",
            OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{otlp_port}",
            NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
        try:
            async with FakeConnector() as connector, aiohttp.ClientSession() as http:
                answer = await http.post(f"http://127.0.0.1:{port}/api/messages",
                                         json=chat(directory, connector, text="help"))
                assert answer.status == 201
                await connector.wait_for_activities(1)
            server.process.send_signal(signal.SIGTERM)
            status = await asyncio.wait_for(server.process.wait(), 60)
        finally:
            await server.stop()
    finally:
        await runner.cleanup()

    assert status == 0, log.read_text()
    assert "POST /api/messages" in collector.spans
    assert collector.content_types == {"application/x-protobuf"}
    assert {"memberportal.turns", "memberportal.turn.duration",
            "memberportal.outbox.pending"} <= set(collector.metrics)
