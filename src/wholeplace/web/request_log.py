"""One JSON line per request, and the request id that ties a line to the audit entries the request wrote.

The id comes from the caller's `X-Request-ID` header when it is a safe token (a load balancer or proxy often sets
one), else it is made here; it goes back in the response's `X-Request-ID` header and into `audit.REQUEST_ID`, so
every audit entry the request writes names it. The line holds the method, path, status, duration and the signed-in
user's label: never a query string, header, cookie or body, so no password or token reaches the log.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
import time
import uuid
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wholeplace.audit import REQUEST_ID

HEADER = "X-Request-ID"
SAFE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# The fields a request line carries beside time, level, logger and message.
REQUEST_FIELDS = ("request_id", "method", "path", "status", "duration_ms", "user")

log = logging.getLogger("wholeplace.requests")


def request_id_from(header: str | None) -> str:
    """The caller's id when it is a safe token, else a new one: an id is written into logs and the audit trail."""
    if header is not None and SAFE_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


class RequestLog:
    """ASGI middleware, outermost: it times everything inside it and sees the status the client gets."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(HEADER.lower().encode())
        request_id = request_id_from(incoming.decode("latin-1") if incoming is not None else None)
        token = REQUEST_ID.set(request_id)
        scope.setdefault("state", {})  # the dict behind request.state, shared by every layer inside
        started, status = time.perf_counter(), 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # Left set: the handler of unexpected errors (web/errors.py) runs outside this middleware and logs the
            # traceback under this request's id. Each request runs in a task of its own, so it goes no further.
            _log_line(scope, request_id, status, started)  # 500 unless the response had begun
            raise
        _log_line(scope, request_id, status, started)
        REQUEST_ID.reset(token)


def _log_line(scope: Scope, request_id: str, status: int, started: float) -> None:
    actor = scope["state"].get("actor")  # put there by the sign-in dependencies (web/deps.py)
    log.info(
        "request",
        extra={
            "request_id": request_id,
            "method": scope["method"],
            "path": scope["path"],
            "status": status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            "user": getattr(actor, "label", None),
        },
    )


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON: time (UTC), level, logger, message, the request's fields when it has them."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in REQUEST_FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                line[field] = value
        if "request_id" not in line and (request_id := REQUEST_ID.get()) is not None:
            line["request_id"] = request_id  # an error logged while serving a request names it too
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class _StandardError(logging.Handler):
    """Writes to whatever sys.stderr is when the record comes, not when the handler was made."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
            sys.stderr.flush()
        except Exception:
            self.handleError(record)


def install_json_logging() -> None:
    """Send the `wholeplace` loggers to standard error as JSON lines, once however many apps are made.

    Where logging is configured already (a handler on the root logger, as a `--log-config` or a test run gives),
    that configuration is left to do its work, with `JsonFormatter` there for it to use.
    """
    logger = logging.getLogger("wholeplace")
    if logging.getLogger().handlers or any(isinstance(handler, _StandardError) for handler in logger.handlers):
        return
    handler = _StandardError()
    handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
