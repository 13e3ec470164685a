"""Structured logs: JSON lines (or plain text on a terminal), context fields carried by contextvars,
and a filter that keeps Slack tokens, known secrets and message bodies out of every line."""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, Literal, TextIO

LogFormat = Literal["json", "text"]

# The fields code binds with log_context (others are allowed; these are the ones we use).
CONTEXT_FIELDS = ("case_id", "flow", "slack_method", "request_id", "job_id", "job_kind")
SECRET_ENV = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_CLIENT_SECRET")

_CONTEXT: ContextVar[Mapping[str, Any]] = ContextVar("bot_log_context", default=MappingProxyType({}))
_CONTEXT_ATTR = "bot_context"
_OURS = "_bot_log_handler"
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
    _CONTEXT_ATTR,
}


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Every line logged inside (in this thread or task) carries `fields`; None values are left out."""
    token = _CONTEXT.set({**_CONTEXT.get(), **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _CONTEXT.reset(token)


def current_context() -> dict[str, Any]:
    """The fields bound by the enclosing log_context blocks."""
    return dict(_CONTEXT.get())


class ContextFilter(logging.Filter):
    """Stamps each record with the log context of the thread that logged it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, _CONTEXT_ATTR):
            setattr(record, _CONTEXT_ATTR, current_context())
        return True


# Loggers of the Slack libraries (and the names we give them) log request and response bodies —
# message text, modal values, even of sensitive cases — at DEBUG. We never log a body at all.
# Third-party loggers held at WARNING (INFO in debug mode, never DEBUG: see configure_logging).
LIBRARY_LOGGERS = ("apscheduler", "alembic", "waitress", "slack_sdk", "slack_bolt", "bot.slack.bolt", "urllib3")
SLACK_LIBRARY_LOGGERS = ("slack_sdk", "slack_bolt", "bot.slack.web", "bot.slack.bolt")
_TOKEN = re.compile(r"\b(?:xox[abposre]|xapp)-[A-Za-z0-9-]+")
_BEARER = re.compile(r"(?i)(bearer\s+)[^\s'\",}]+")
_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/@\s]+:)[^@/\s]+@", re.IGNORECASE)
_BODY_LINES = (
    (re.compile(r"(Sending a request - url: [^,\s]+).*", re.S), r"\1 (body withheld)"),
    (re.compile(r"(Received the following response - status: \d+).*", re.S), r"\1 (body withheld)"),
    (re.compile(r"(Responding with status: \d+) body: .*?((?: \(\d+ millis\))?)$", re.S), r"\1 (body withheld)\2"),
    (re.compile(r"(request body: ).*", re.S), r"\1(withheld)"),
    (re.compile(r"(without providing a response for the request ).*", re.S), r"\1(body withheld)"),
)
_BODY_MARKER = re.compile(
    r"""body|payload|message:|['"](?:text|blocks|attachments|view|values|submission|state)['"]\s*:""",
    re.IGNORECASE,
)
REDACTED = "[redacted]"


def withhold_bodies(logger: str, message: str) -> str:
    """A Slack library's line without the request or response body it carried."""
    for pattern, replacement in _BODY_LINES:
        message = pattern.sub(replacement, message)
    if logger.startswith(SLACK_LIBRARY_LOGGERS) and "(body withheld)" not in message:
        marker = _BODY_MARKER.search(message)
        if marker is not None:
            message = message[: marker.start()].rstrip() + " … (body withheld)"
    return message


class Redactor(logging.Filter):
    """Scrubs tokens, `Bearer …`, URL passwords and the given secret values from every record,
    and message bodies from the Slack libraries' lines. Installed on the handler, so it sees records
    of every logger that reaches it."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        # Longest first, so a secret that contains another is replaced whole; tiny values would
        # shred ordinary words, and no real token or secret is that short.
        self.secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        text = _BEARER.sub(rf"\1{REDACTED}", text)
        text = _URL_PASSWORD.sub(rf"\1{REDACTED}@", text)
        return _TOKEN.sub(REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("sqlalchemy.engine") and record.levelno < logging.WARNING and record.args:
            # SQLAlchemy logs a statement, then its bound parameters (case text) as arguments.
            record.msg, record.args = "(SQL parameters withheld)", None
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = f"{record.msg} (arguments did not format)"
        record.msg, record.args = self.scrub(withhold_bodies(record.name, message)), None
        if record.exc_info and not record.exc_text:
            record.exc_text = _FORMATTER.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = self.scrub(record.stack_info)
        for key, value in list(vars(record).items()):
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, self.scrub(value))
        return True


_FORMATTER = logging.Formatter()


def _timestamp(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    """Context fields, then `extra=` fields (which win), in a stable order."""
    fields = dict(getattr(record, _CONTEXT_ATTR, None) or current_context())
    fields.update({k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")})
    return fields


def _exception(record: logging.LogRecord) -> str | None:
    if record.exc_info and not record.exc_text:
        record.exc_text = _FORMATTER.formatException(record.exc_info)
    return record.exc_text or None


class JsonFormatter(logging.Formatter):
    """One JSON object a line: ts (ISO, UTC), level, logger, message, context fields, exc_info."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in _fields(record).items():
            entry.setdefault(key, value)
        exc = _exception(record)
        if exc:
            entry["exc_info"] = exc
        if record.stack_info:
            entry["stack_info"] = record.stack_info
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """For a terminal: `ts LEVEL logger: message  key=value …`, a traceback on the lines after."""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{_timestamp(record)} {record.levelname:<7} {record.name}: {record.getMessage()}"
        fields = _fields(record)
        if fields:
            line += "  " + " ".join(f"{k}={v}" for k, v in fields.items())
        exc = _exception(record)
        if exc:
            line += "\n" + exc
        if record.stack_info:
            line += "\n" + record.stack_info
        return line


class _StreamHandler(logging.Handler):
    """Writes to `stream`, or to whatever sys.stderr is at the time (tests swap it)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__()
        self.stream = stream

    def emit(self, record: logging.LogRecord) -> None:
        try:
            stream = self.stream or sys.stderr
            stream.write(self.format(record) + "\n")
            stream.flush()
        except Exception:
            self.handleError(record)


def build_handler(fmt: LogFormat, *, secrets: Iterable[str] = (), stream: TextIO | None = None) -> logging.Handler:
    """A handler with the context and redaction filters and the chosen format (stream: default stderr)."""
    handler = _StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.addFilter(Redactor(secrets))
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    return handler


def default_log_format(env: Mapping[str, str] | None = None, stream: TextIO | None = None) -> LogFormat:
    """$LOG_FORMAT if set to json or text; else text on a terminal and JSON otherwise."""
    chosen = (os.environ if env is None else env).get("LOG_FORMAT", "").strip().lower()
    if chosen == "json":
        return "json"
    if chosen == "text":
        return "text"
    stream = stream or sys.stderr
    return "text" if stream.isatty() else "json"


def known_secrets(env: Mapping[str, str] | None = None) -> list[str]:
    """The secret values in the environment, to be replaced verbatim in every line."""
    env = os.environ if env is None else env
    return [env[name] for name in SECRET_ENV if env.get(name)]


def configure_logging(
    fmt: LogFormat,
    level: int | str = logging.INFO,
    *,
    secrets: Iterable[str] = (),
    stream: TextIO | None = None,
    force: bool = False,
    quiet: bool = False,
) -> logging.Handler | None:
    """Send the root logger's records through one redacting handler in `fmt`; return that handler.

    Like logging.basicConfig, it does nothing (and returns None) when the root logger already has
    handlers someone else installed (a test runner's, say), unless `force`. Calling it again
    replaces the handler it installed before; other handlers are always left alone.

    Libraries log at WARNING and above (at INFO when `level` is DEBUG): APScheduler writes INFO lines
    for every planner run. `quiet` (the CLI tools: db, export, check-config…) raises the root to WARNING
    too, so a tool writes to stderr only when something is wrong; DEBUG still shows everything.
    """
    root = logging.getLogger()
    ours = [h for h in root.handlers if getattr(h, _OURS, False)]
    if len(root.handlers) > len(ours) and not force:
        return None
    for old in ours:
        root.removeHandler(old)
    handler = build_handler(fmt, secrets=secrets, stream=stream)
    setattr(handler, _OURS, True)
    root.addHandler(handler)
    numeric = logging.getLevelName(level) if isinstance(level, str) else level
    debug = isinstance(numeric, int) and numeric <= logging.DEBUG
    root.setLevel(logging.WARNING if quiet and not debug else level)
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO if debug else logging.WARNING)
    # Bodies never reach a record: the SDK formats them only when its logger's own level is DEBUG
    # or unset, and SQLAlchemy logs bound parameters (case text) when its logger allows INFO.
    logging.getLogger("bot.slack.web").setLevel(logging.INFO)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    return handler
