"""OpenTelemetry traces and metrics, only when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.

Without it `configure` returns None and nothing here is imported or installed: no provider, no
exporter, no wrapper, no middleware. With it, OTLP over HTTP (protobuf) to
`<endpoint>/v1/traces` and `<endpoint>/v1/metrics` (`OTEL_EXPORTER_OTLP_HEADERS` and the other
standard variables are read by the exporters themselves), and:

- spans: each turn (`POST /api/messages`, continuing a caller's `traceparent`), each use case
  (`casework.<name>`, with the case reference), each outbox send (`outbox.deliver`, with its kind
  and outcome), each scheduled job run (`scheduler.sla-sweep`, `scheduler.daily-digest`);
- metrics: `memberportal.turns` and `memberportal.turn.duration`, `memberportal.outbox.lag`
  (from the change that queued a message to the message sent), `memberportal.outbox.pending`,
  `memberportal.sweep.duration`.

Attributes carry references, kinds and ids, never what a person typed; an exception is recorded
as its type only. This is the only module that imports the OpenTelemetry SDK (a test checks).
"""

from __future__ import annotations

import inspect
import logging
import os
import re
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import wraps
from typing import Any

from aiohttp import web

from casestore.errors import DomainError
from casestore.ports import Store
from casestore.records import OutboxMessage
from memberportal.logs import REQUEST_ID

log = logging.getLogger(__name__)

SERVICE_NAME = "member-enquiries"
PENDING_REFRESH_S = 15.0
_REFERENCE = re.compile(r"^[A-Z]{2,5}-\d{4}-\d{6}$")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Telemetry:
    """The tracer and the instruments, and the hooks that use them."""

    def __init__(self, tracer_provider: Any, meter_provider: Any) -> None:
        self.tracer_provider = tracer_provider
        self.meter_provider = meter_provider
        self.tracer = tracer_provider.get_tracer("memberportal")
        meter = meter_provider.get_meter("memberportal")
        self.turns = meter.create_counter(
            "memberportal.turns", unit="{turn}", description="Requests to /api/messages")
        self.turn_duration = meter.create_histogram(
            "memberportal.turn.duration", unit="s", description="Time to answer a turn")
        self.outbox_lag = meter.create_histogram(
            "memberportal.outbox.lag", unit="s",
            description="From the change that queued a message to the message sent")
        self.sweep_duration = meter.create_histogram(
            "memberportal.sweep.duration", unit="s", description="One SLA sweep")
        self.pending = 0
        self._pending_read_at = float("-inf")
        meter.create_observable_gauge(
            "memberportal.outbox.pending", callbacks=[self._observe_pending], unit="{message}",
            description="Outbox messages waiting to be sent")

    # -- turns --------------------------------------------------------------------------------
    def turns_middleware(self, path: str) -> Any:
        from opentelemetry.propagate import extract
        from opentelemetry.trace import SpanKind, Status, StatusCode

        @web.middleware
        async def traced(request: web.Request, handler: Handler) -> web.StreamResponse:
            if request.path != path:
                return await handler(request)
            started = time.perf_counter()
            status = 500
            with self.tracer.start_as_current_span(
                    f"{request.method} {path}", context=extract(request.headers),
                    kind=SpanKind.SERVER, record_exception=False,
                    attributes={"http.request.method": request.method, "http.route": path,
                                "memberportal.request_id": REQUEST_ID.get() or ""}) as span:
                try:
                    response = await handler(request)
                    status = response.status
                    return response
                except web.HTTPException as exc:
                    status = exc.status
                    raise
                finally:
                    span.set_attribute("http.response.status_code", status)
                    if status >= 500:
                        span.set_status(Status(StatusCode.ERROR))
                    attributes = {"http.response.status_code": status}
                    self.turns.add(1, attributes)
                    self.turn_duration.record(time.perf_counter() - started, attributes)
        return traced

    # -- use cases ----------------------------------------------------------------------------
    def instrument_use_cases(self, casework: object) -> None:
        """Wrap each public use case of `casework` (on the instance) in a span."""
        for name, method in inspect.getmembers(casework, inspect.iscoroutinefunction):
            if not name.startswith("_"):
                setattr(casework, name, self._traced_use_case(name, method))

    def _traced_use_case(self, name: str, method: Callable[..., Awaitable[Any]]
                         ) -> Callable[..., Awaitable[Any]]:
        span_name = f"casework.{name}"

        @wraps(method)
        async def traced(*args: Any, **kwargs: Any) -> Any:
            with self._span(span_name) as span:
                if args and isinstance(args[0], str) and _REFERENCE.match(args[0]):
                    span.set_attribute("memberportal.case", args[0])
                return await method(*args, **kwargs)
        return traced

    @contextmanager
    def _span(self, name: str, **attributes: Any) -> Iterator[Any]:
        from opentelemetry.trace import Status, StatusCode

        with self.tracer.start_as_current_span(
                name, attributes=attributes, record_exception=False,
                set_status_on_exception=False) as span:
            try:
                yield span
            except DomainError as exc:  # a refusal the person is told about: not a fault
                span.set_attribute("memberportal.refused", type(exc).__name__)
                raise
            except BaseException as exc:
                span.set_attribute("error.type", type(exc).__name__)
                span.set_status(Status(StatusCode.ERROR))
                raise

    # -- the outbox ---------------------------------------------------------------------------
    def sending(self, message: OutboxMessage) -> Any:
        """`bot.delivery.DeliveryObserver`: a span around each send."""
        return self._span("outbox.deliver", **{
            "memberportal.outbox.id": message.id, "memberportal.outbox.kind": message.kind,
            "memberportal.outbox.recipient": message.recipient.split(":", 1)[0],
            "memberportal.outbox.attempt": message.attempts + 1})

    def finished(self, message: OutboxMessage, outcome: str, at: datetime) -> None:
        from opentelemetry.trace import get_current_span

        get_current_span().set_attribute("memberportal.outbox.outcome", outcome)
        if outcome == "sent":
            self.outbox_lag.record(max(0.0, (at - message.created_at).total_seconds()),
                                   {"memberportal.outbox.kind": message.kind})

    async def refresh_pending(self, store: Store) -> None:
        """Count the pending rows now and then (one indexed count), for the gauge."""
        if time.monotonic() - self._pending_read_at < PENDING_REFRESH_S:
            return
        self._pending_read_at = time.monotonic()
        async with store.read() as uow:
            self.pending = await uow.outbox.count_status("pending")

    def _observe_pending(self, _options: Any) -> Any:
        from opentelemetry.metrics import Observation
        return [Observation(self.pending)]

    # -- scheduled jobs -----------------------------------------------------------------------
    def instrument_jobs(self, jobs: Any) -> None:
        """Spans around the sweep and the digest, and the sweep's duration."""
        sweep, digest = jobs.sweep, jobs.digest

        async def traced_sweep() -> int:
            started = time.perf_counter()
            with self._span("scheduler.sla-sweep") as span:
                queued: int = await sweep()
                span.set_attribute("memberportal.sweep.queued", queued)
            self.sweep_duration.record(time.perf_counter() - started)
            return queued

        async def traced_digest() -> bool:
            with self._span("scheduler.daily-digest"):
                queued: bool = await digest()
                return queued

        jobs.sweep, jobs.digest = traced_sweep, traced_digest

    # -- lifecycle ----------------------------------------------------------------------------
    def shutdown(self) -> None:
        """Send what is buffered and stop the exporters."""
        for provider in (self.tracer_provider, self.meter_provider):
            try:
                provider.shutdown()
            except Exception:
                log.warning("could not flush telemetry on the way out", exc_info=True)


def configure(endpoint: str, *, service_name: str = SERVICE_NAME, span_exporter: Any = None,
              metric_reader: Any = None, install_global: bool = True) -> Telemetry | None:
    """Telemetry exporting to `endpoint` (OTLP over HTTP), or to the exporter and reader a
    test gives; None, having imported nothing, when there is neither."""
    if not endpoint and span_exporter is None and metric_reader is None:
        return None
    from opentelemetry import metrics, trace
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    if span_exporter is None or metric_reader is None:
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader

        span_exporter = span_exporter or OTLPSpanExporter(endpoint=f"{endpoint}/v1/traces")
        metric_reader = metric_reader or PeriodicExportingMetricReader(
            OTLPMetricExporter(endpoint=f"{endpoint}/v1/metrics"))
        processor: Any = BatchSpanProcessor(span_exporter)
    else:  # a test's in-memory exporter: spans are there as soon as they end
        processor = SimpleSpanProcessor(span_exporter)
    resource = Resource.create({
        "service.name": service_name,
        "service.instance.id": f"{os.uname().nodename}-{os.getpid()}"})
    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(processor)
    meter_provider = MeterProvider(resource=resource, metric_readers=[metric_reader])
    if install_global:  # the Agents SDK's own spans then join ours
        trace.set_tracer_provider(tracer_provider)
        metrics.set_meter_provider(meter_provider)
    log.info("OpenTelemetry traces and metrics go to %s", endpoint or "an in-process reader")
    return Telemetry(tracer_provider, meter_provider)
