"""Structured logs: JSON lines with the request id of the turn and the case reference, and never
a constituent's or member's details, even at DEBUG, on both engines."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from casestore.casework import Casework
from casestore.config import CouncilConfig
from casestore.db.store import Store
from casestore.directory import Directory
from memberportal.app import create_app
from memberportal.context import Context
from memberportal.logs import REQUEST_ID_HEADER, JsonFormatter, TextFormatter, configure_logging
from memberportal.settings import Settings, SettingsError
from tests.bot.member_fixtures import MONDAY, SARAH, TENANT, Clock, form_values
from tests.support import loopback_only
from tests.support.connector import CapturedRequest, FakeConnector

BOT = {"id": "28:bot", "name": "Member Enquiries"}
# What a councillor types about a constituent: none of it may reach a log line.
CONSTITUENT = "Margaret Thistlewood"
EMAIL = "m.thistlewood@example.org"
PHONE = "07700 900123"
ADDRESS = "27 Quillfeather Row, MV3 9QZ"
DESCRIPTION = "Mrs Thistlewood's front wall is leaning over the pavement"
ASK = "Make the wall safe before the school run"
OFFICER_REPLY = "I have rung Mrs Thistlewood on 07700 900123 about her wall"
PRIVATE = [CONSTITUENT, "Thistlewood", EMAIL, PHONE, "900123", ADDRESS, "Quillfeather",
           DESCRIPTION, "leaning over the pavement", ASK, "school run", OFFICER_REPLY,
           "Sarah Okafor", "Leanne Moorcroft"]


@pytest.fixture(autouse=True)
def no_external_network() -> Iterator[None]:
    with loopback_only():
        yield


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """The app's logging as `LOG_FORMAT=json LOG_LEVEL=DEBUG` sets it, into a buffer."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in
              ("memberportal", "bot", "scheduler", "dialogs", "casestore", "benchmarks")}
    buffer = io.StringIO()
    configure_logging("json", "DEBUG", stream=buffer)
    yield buffer
    root.handlers[:], root.level = saved[0], saved[1]
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.fixture
async def product(empty_store: Store, config: CouncilConfig, directory: Directory
                  ) -> AsyncIterator[tuple[TestClient, Context]]:  # type: ignore[type-arg]
    settings = Settings(scheduler_enabled=False, log_format="json", log_level="DEBUG")
    ctx = Context(settings, config, directory, empty_store,
                  Casework(empty_store, config, directory))
    app = create_app(settings, context=ctx, clock=Clock(MONDAY), delivery_interval_s=0.05)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client, ctx


def _from(ctx: Context, person_id: str) -> dict[str, str]:
    p = ctx.directory.get(person_id)
    return {"id": p.teams_user_id, "name": p.name, "aadObjectId": p.aad_object_id}


def _chat(connector: FakeConnector, ctx: Context, **fields: Any) -> dict[str, Any]:
    return {"type": "message", "id": uuid.uuid4().hex, "serviceUrl": connector.service_url,
            "channelId": "msteams", "from": _from(ctx, SARAH), "recipient": BOT,
            "conversation": {"conversationType": "personal", "id": "a:sarah", "tenantId": TENANT},
            **fields}


def _submit(connector: FakeConnector, ctx: Context, **values: Any) -> dict[str, Any]:
    data = {**form_values(**values), "nonce": str(uuid.uuid4())}
    return _chat(connector, ctx, type="invoke", name="adaptiveCard/action", value={
        "action": {"type": "Action.Execute", "verb": "member.enquiry.submit", "data": data}})


async def _until(connector: FakeConnector, where: Any) -> CapturedRequest:
    [found] = await connector.wait_for(1, where=where, timeout_s=10)
    return found


def _records(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


async def test_turns_full_of_personal_details_leave_none_in_the_logs_at_debug(
    product: tuple[TestClient, Context], json_logs: io.StringIO,  # type: ignore[type-arg]
) -> None:
    client, ctx = product
    async with FakeConnector() as connector:
        said = await client.post("/api/messages", json=_chat(
            connector, ctx, text=f"new enquiry about {CONSTITUENT} at {ADDRESS}"))
        assert said.status < 300
        # refused first (no consent recorded), then accepted: both paths log
        refused = await client.post("/api/messages", json=_submit(
            connector, ctx, constituent_name=CONSTITUENT, constituent_contact=f"{EMAIL} {PHONE}",
            location=ADDRESS, description=DESCRIPTION, ask=ASK))
        assert "Confirm the constituent has agreed" in str(await refused.json())
        submitted = await client.post("/api/messages", json=_submit(
            connector, ctx, constituent_name=CONSTITUENT, constituent_contact=f"{EMAIL} {PHONE}",
            consent_given="true", location=ADDRESS, description=DESCRIPTION, ask=ASK))
        assert "ENQ-2026-000001" in str(await submitted.json())
        posted = await _until(connector, lambda r: r.kind == "create_conversation")
        assert CONSTITUENT in str(posted.body)  # the officers do see it, in Teams
        thread = await _thread_of(ctx)
        roads = ctx.config.service("roads").channel_id
        replied = await client.post("/api/messages", json={
            "type": "message", "id": uuid.uuid4().hex, "serviceUrl": connector.service_url,
            "channelId": "msteams", "from": _from(ctx, "leanne-moorcroft"), "recipient": BOT,
            "text": OFFICER_REPLY, "conversation": {
                "conversationType": "channel", "isGroup": True, "id": thread,
                "tenantId": TENANT},
            "channelData": {"channel": {"id": roads}, "tenant": {"id": TENANT}}})
        assert replied.status < 300
        await _until(connector, lambda r: r.is_activity and r.conversation_id == "a:sarah"
                     and "rung Mrs Thistlewood" in str(r.body))

    text = json_logs.getvalue()
    records = _records(json_logs)
    assert logging.getLogger("bot.delivery").isEnabledFor(logging.DEBUG)
    leaked = [s for s in PRIVATE if s.lower() in text.lower()]
    assert leaked == [], f"personal details in the logs: {leaked}"
    submit_lines = [r for r in records if r["message"].startswith("enquiry ENQ-2026-000001")]
    assert [r["case"] for r in submit_lines] == ["ENQ-2026-000001"]
    assert submit_lines[0]["request_id"] == submitted.headers[REQUEST_ID_HEADER]
    assert {"time", "level", "logger", "message"} <= set(submit_lines[0])


async def test_each_request_gets_an_id_in_its_logs_and_its_answer_and_a_callers_is_kept(
    product: tuple[TestClient, Context], json_logs: io.StringIO,  # type: ignore[type-arg]
) -> None:
    client, _ctx = product

    first = await client.get("/healthz")
    second = await client.get("/healthz")
    given = await client.get("/readyz", headers={REQUEST_ID_HEADER: "aca-3f2c9a7e-e2e1"})
    forged = await client.get("/healthz", headers={REQUEST_ID_HEADER: "x\", \"level\": \"fake"})
    refused = await client.post("/api/messages", data=b"not json",
                                headers={"Content-Type": "application/json",
                                         REQUEST_ID_HEADER: "teams-turn-00000001"})

    ids = [r.headers[REQUEST_ID_HEADER] for r in (first, second, forged)]
    assert len(set(ids)) == 3 and all(len(i) == 32 for i in ids)
    assert given.headers[REQUEST_ID_HEADER] == "aca-3f2c9a7e-e2e1"
    assert refused.status == 400
    [rejected] = [r for r in _records(json_logs) if r["message"].startswith("Rejected")]
    assert rejected["request_id"] == "teams-turn-00000001"


@pytest.mark.usefixtures("json_logs")
def test_at_debug_the_products_loggers_speak_and_libraries_only_warn() -> None:
    """The Agents SDK logs sign-in parameters and request headers at INFO and DEBUG, aiosqlite
    the calls it makes: what they say below WARNING stays out, whatever LOG_LEVEL says."""
    for name in ("memberportal", "bot.delivery", "scheduler.sweep", "casestore.graph.sync"):
        assert logging.getLogger(name).isEnabledFor(logging.DEBUG), name
    for name in ("microsoft_agents.hosting.core.connector.client.user_token", "aiosqlite",
                 "asyncpg", "sqlalchemy.engine", "aiohttp.access", "msal", "apscheduler"):
        assert not logging.getLogger(name).isEnabledFor(logging.INFO), name
        assert logging.getLogger(name).isEnabledFor(logging.WARNING), name


def _failing_record(text: str) -> logging.LogRecord:
    try:
        try:
            raise KeyError(text)
        except KeyError as inner:
            raise ValueError(f"could not save {text}") from inner
    except ValueError:
        record = logging.LogRecord("bot.http", logging.ERROR, __file__, 1,
                                   "Turn failed for activity id=%s", ("a1",), None)
        import sys
        record.exc_info = sys.exc_info()
    return record


@pytest.mark.parametrize("formatter", [JsonFormatter(), TextFormatter()], ids=["json", "text"])
def test_an_exception_is_logged_as_its_type_and_stack_never_its_message(
    formatter: logging.Formatter,
) -> None:
    line = formatter.format(_failing_record(ADDRESS))

    assert ADDRESS not in line and "Quillfeather" not in line
    assert "ValueError (message withheld)" in line
    assert "KeyError (message withheld)" in line
    assert "_failing_record" in line  # the frames are there
    if isinstance(formatter, JsonFormatter):
        entry = json.loads(line)
        assert entry["error"] == "ValueError"
        assert entry["message"] == "Turn failed for activity id=a1"


@pytest.mark.parametrize(("environ", "key"), [
    ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"), ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
    ({"OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318"}, "OTEL_EXPORTER_OTLP_ENDPOINT"),
    ({"SHUTDOWN_TIMEOUT_S": "0"}, "SHUTDOWN_TIMEOUT_S"),
])
def test_a_bad_operations_setting_is_named(environ: dict[str, str], key: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_environ(environ)
    assert caught.value.key == key


def test_operations_settings_default_to_text_logs_and_no_telemetry() -> None:
    settings = Settings.from_environ({})
    assert (settings.log_format, settings.log_level, settings.otel_endpoint,
            settings.shutdown_timeout_s) == ("text", "INFO", "", 20.0)
    container = Settings.from_environ({"LOG_FORMAT": "JSON", "LOG_LEVEL": "debug",
                                       "OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel:4318/"})
    assert (container.log_format, container.log_level, container.otel_endpoint) == (
        "json", "DEBUG", "http://otel:4318")


async def _thread_of(ctx: Context) -> str:
    import asyncio
    for _ in range(200):
        async with ctx.store.read() as uow:
            case = await uow.cases.get("ENQ-2026-000001")
            stored = await uow.threads.get(case.id or 0, "roads")
        if stored is not None:
            return stored.conversation_id
        await asyncio.sleep(0.05)
    raise AssertionError("no thread stored for ENQ-2026-000001")
