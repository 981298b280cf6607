"""Each request: an id (passed on from ``X-Request-ID`` or made), its SQL statements counted, its figures
recorded, and one log line. The line names the endpoint, never the path (a reset link's path is its
token), and the user by id only: no text anyone wrote, no email address, no token. A request that
gave a password or a code also says how it went (``attempt=failed``, ``limited``, ``code_asked``,
``succeeded``), for which account as a keyed hash, and from which client address, so that guessing
shows in the log (ASVS V16.3.1)."""

import json
import logging
import re
import sys
import time
import uuid

from flask import Flask, g, has_request_context, request
from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine

from .metrics import LATENCY, REQUESTS, STATEMENTS

# An id from the proxy in front is kept if it looks like one; anything else could smuggle text into logs.
_ACCEPTABLE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
LOGGER_NAME = "cohort.requests"


def _count_statement(*_args) -> None:
    if has_request_context() and "sql_statements" in g:
        g.sql_statements += 1


def _start() -> None:
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if _ACCEPTABLE_ID.fullmatch(given) else uuid.uuid4().hex
    g.request_started = time.perf_counter()
    g.sql_statements = 0


def _finish(response):
    if "request_started" not in g:  # refused before it began (a body over the cap, say)
        return response
    seconds = time.perf_counter() - g.request_started
    endpoint = request.endpoint or "unmatched"
    status = str(response.status_code)
    REQUESTS.labels(endpoint, request.method, status).inc()
    LATENCY.labels(endpoint, status).observe(seconds)
    STATEMENTS.labels(endpoint).observe(g.sql_statements)
    response.headers["X-Request-ID"] = g.request_id
    # The user only if this request already loaded them, and their id from the identity map: the row
    # may have expired at a commit, and logging must not cost a query.
    user = g.get("_login_user")
    user_id = inspect(user).identity[0] if user is not None and user.is_authenticated else None
    fields = {
        "method": request.method,
        "endpoint": endpoint,
        "status": response.status_code,
        "ms": round(seconds * 1000, 1),
        "sql": g.sql_statements,
        "user": user_id,
        "request_id": g.request_id,
    }
    attempt = g.get("sign_in_attempt")
    if attempt is not None:
        fields |= {"attempt": attempt.outcome, "account": attempt.account_key, "client": attempt.address}
    logging.getLogger(LOGGER_NAME).info("request", extra={"fields": fields})
    return response


class RequestLineFormatter(logging.Formatter):
    """``key=value`` pairs, or one JSON object per line."""

    def __init__(self, as_json: bool):
        super().__init__()
        self.as_json = as_json

    def format(self, record: logging.LogRecord) -> str:
        fields = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"), **getattr(record, "fields", {})}
        if self.as_json:
            return json.dumps(fields, separators=(",", ":"))
        return " ".join(f"{key}={'-' if value is None else value}" for key, value in fields.items())


class _CurrentStderr(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is when the line is written (gunicorn's log, or a test's capture)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


def init_app(app: Flask) -> None:
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # its own format, not the app's "[time] INFO in module:" prefix
    ours = [handler for handler in logger.handlers if isinstance(handler, _CurrentStderr)]
    if not ours:
        ours = [_CurrentStderr()]
        logger.addHandler(ours[0])
    ours[0].setFormatter(RequestLineFormatter(as_json=app.config["COHORT_LOG_FORMAT"] == "json"))
    if not event.contains(Engine, "before_cursor_execute", _count_statement):
        event.listen(Engine, "before_cursor_execute", _count_statement)
    app.before_request(_start)
    app.after_request(_finish)
