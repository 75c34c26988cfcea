"""Logs: one line a record, as text (`make run`) or as a JSON object (`LOG_FORMAT=json`, what a
container sets), carrying the id of the request or background run it belongs to and the case
reference where the code gives one (`log.info(..., extra={"case": reference})`).

Nothing personal reaches a log line:
- the product's own messages carry references and ids only (a test drives turns full of names,
  addresses, emails, phone numbers and member text through the app at DEBUG and looks for them);
- an exception is logged as its type and stack frames, never its message: a driver's or
  pydantic's message can quote the values it was given (a constituent's address);
- libraries log at WARNING and above whatever `LOG_LEVEL` says: aiosqlite at DEBUG prints the
  rows it returns, and the Agents SDK the activities it handles.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from types import TracebackType
from typing import IO, Any

from aiohttp import web

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
REQUEST_ID_HEADER = "X-Request-Id"
# What we take from a caller (Container Apps' and most proxies' ids are uuids): letters, digits
# and . _ : -, 8 to 128 of them. Anything else is replaced, so a header cannot forge log lines.
_WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")
OWN_LOGGERS = ("memberportal", "bot", "scheduler", "dialogs", "casestore", "benchmarks")
LIBRARY_LEVEL = logging.WARNING
_OURS = "_memberportal_handler"

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def new_request_id(prefix: str = "") -> str:
    return f"{prefix}{uuid.uuid4().hex}"


def request_id_from(header: str | None) -> str:
    """The caller's id when it is well formed, else a new one."""
    if header and _WELL_FORMED.fullmatch(header):
        return header
    return new_request_id()


@contextmanager
def request_scope(request_id: str) -> Iterator[str]:
    """Every record logged inside carries `request_id` (tasks started inside inherit it)."""
    token = REQUEST_ID.set(request_id)
    try:
        yield request_id
    finally:
        REQUEST_ID.reset(token)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def request_ids(request: web.Request, handler: Handler) -> web.StreamResponse:
    """An id for each HTTP request (a Teams turn), in every log record of it and in the
    `X-Request-Id` response header."""
    with request_scope(request_id_from(request.headers.get(REQUEST_ID_HEADER))) as rid:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            exc.headers[REQUEST_ID_HEADER] = rid
            raise
        response.headers[REQUEST_ID_HEADER] = rid
        return response


def safe_exception(exc_info: ExcInfo) -> tuple[str, str]:
    """(the exception's type, its stack) without any exception's message."""
    kind, exc, tb = exc_info
    lines = ["".join(traceback.format_tb(tb))]
    names = [_qualified(kind)]
    seen = {id(exc)}
    cause = exc.__cause__ or exc.__context__
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        names.append(_qualified(type(cause)))
        lines.insert(0, "".join(traceback.format_tb(cause.__traceback__)) +
                     f"{_qualified(type(cause))} (message withheld)\n\nwhich led to:\n")
        cause = cause.__cause__ or cause.__context__
    return names[0], "".join(lines) + f"{names[0]} (message withheld)"


def _qualified(kind: type[BaseException]) -> str:
    module = kind.__module__
    return kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"


def _exc_info(record: logging.LogRecord) -> ExcInfo | None:
    info = record.exc_info
    if not info or info[0] is None or info[1] is None:
        return None
    return (info[0], info[1], info[2])


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request_id, case, error."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or REQUEST_ID.get()
        if request_id:
            entry["request_id"] = request_id
        case = getattr(record, "case", None)
        if case:
            entry["case"] = case
        info = _exc_info(record)
        if info is not None:
            entry["error"], entry["stack"] = safe_exception(info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """`time LEVEL logger [request id] message (case)`, exceptions as in the JSON form."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text
        record.exc_info, record.exc_text = None, None
        try:
            line = super().format(record)
        finally:
            record.exc_info, record.exc_text = saved
        request_id = getattr(record, "request_id", None) or REQUEST_ID.get()
        case = getattr(record, "case", None)
        if request_id:
            line += f" [request {request_id}]"
        if case:
            line += f" [case {case}]"
        info = _exc_info(record)
        if info is not None:
            line += "\n" + safe_exception(info)[1]
        return line


def configure_logging(log_format: str = "text", level: str = "INFO", *,
                      stream: IO[str] | None = None) -> logging.Handler:
    """Replace the handler an earlier call installed on the root logger with one writing
    `log_format` to `stream` (stderr); the product's loggers at `level`, libraries at WARNING.
    Handlers someone else added (a test's log capture, say) are left in place."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    setattr(handler, _OURS, True)
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, _OURS, False) or type(old) is logging.StreamHandler:
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(LIBRARY_LEVEL)
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(level)
    return handler
