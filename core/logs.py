"""Log set-up: plain text lines, or one JSON object per line (LOG_FORMAT=json).

JSON lines carry the fields an operator searches by: `chat` (the chat key),
`platform`, `message_id`, `render_id` and `error_id`. They come from
`log_fields` (set around a chat step or a render job's step, and inherited
by the tasks started inside), from a record's `extra` (`error_id`), and from
a `ChatKey` among a record's arguments. Filters on the handler (such as the
one that masks the Telegram token) see each record before it is formatted,
so what they hide stays hidden in both formats.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import sys
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from core.messages import ChatKey
from core.screening import ScreenLogs

#: the fields a JSON line may carry besides time, level, logger and message
FIELDS = ("chat", "platform", "message_id", "render_id", "error_id")

_fields: contextvars.ContextVar[Mapping[str, str]] = contextvars.ContextVar(
    "nemobot_log_fields", default=MappingProxyType({}))


@contextlib.contextmanager
def log_fields(*, chat: ChatKey | None = None, **fields: str | None) -> Iterator[None]:
    """Within the block (and the tasks it starts), log records carry these fields;
    `chat` sets `chat` and `platform`. Empty values are left out."""
    current = dict(_fields.get())
    if chat is not None:
        current.update(chat=str(chat), platform=chat.platform)
    current.update({k: v for k, v in fields.items() if v})
    token = _fields.set(current)
    try:
        yield
    finally:
        _fields.reset(token)


def fields_of(record: logging.LogRecord) -> dict[str, str]:
    """The searchable fields of a record: context, then a ChatKey argument, then extras."""
    found = dict(_fields.get())
    args = record.args if isinstance(record.args, tuple) else ()
    chat = next((a for a in args if isinstance(a, ChatKey)), None)
    if chat is not None and "chat" not in found:
        found.update(chat=str(chat), platform=chat.platform)
    for name in FIELDS:
        value = record.__dict__.get(name)
        if value:
            found[name] = str(value)
    return found


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the fields, and the
    traceback (`exc`) when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(fields_of(record))
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exc"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class _OwnHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler `configure_logging` installs."""


def json_lines() -> bool:
    """Whether the process logs JSON lines (LOG_FORMAT=json), so that what it says on
    stderr is better said as one of them."""
    return any(isinstance(h, _OwnHandler) and isinstance(h.formatter, JsonFormatter)
               for h in logging.getLogger().handlers)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: str, fmt: str = "text") -> None:
    """The root logger writes to stderr at `level`, as text lines or JSON (`fmt`); a
    handler set up by an earlier call is replaced."""
    handler = _OwnHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(ScreenLogs())
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _OwnHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # httpx logs every request line at INFO; keep that for DEBUG runs
    logging.getLogger("httpx").setLevel(max(logging.WARNING, root.level))


class _RedisAway:
    """Redis out of reach for the whole process: every background loop notices it, so
    the first one says so (a warning) and the first to get through again says it is back
    (one line); what each loop saw goes to DEBUG."""

    def __init__(self) -> None:
        self.since: float | None = None

    def failed(self, log: logging.Logger, what: str, exc: BaseException) -> None:
        if self.since is None:
            self.since = time.monotonic()
            log.warning("Redis is unavailable (%s failed: %r); the background work waits "
                        "and tries again until it is back", what, exc)
        else:
            log.debug("%s failed too: %r", what, exc)

    def worked(self, log: logging.Logger, what: str) -> None:
        if self.since is None:
            log.debug("%s works again", what)
            return
        log.info("Redis works again after %.0f s (%s works again)",
                 time.monotonic() - self.since, what)
        self.since = None


_redis_away = _RedisAway()


def _redis_unreachable(exc: BaseException) -> bool:
    """A failure to reach Redis (not an error answer to a command)."""
    return isinstance(exc, RedisConnectionError | RedisTimeoutError)


class Outage:
    """How a background loop's failures are logged: a warning once when `what` starts
    failing (each failure after it at DEBUG), and one line when it works again, rather
    than a warning every turn of the loop while Redis is down. Redis out of reach is
    said once for all the loops of the process (`_RedisAway`)."""

    def __init__(self, logger: logging.Logger, what: str) -> None:
        self.log = logger
        self.what = what
        self.failing = False
        self.redis = False  # the failure was Redis out of reach

    def failed(self, exc: BaseException) -> None:
        """One more failure."""
        if self.failing:
            self.log.debug("%s failed again: %r", self.what, exc)
            return
        self.failing = True
        self.redis = _redis_unreachable(exc)
        if self.redis:
            _redis_away.failed(self.log, self.what, exc)
        else:
            self.log.warning("%s failed: %r; trying again until it works", self.what, exc)

    def worked(self) -> None:
        """A success: the outage, if any, is over (Redis is back if it was away)."""
        if not self.failing:
            if _redis_away.since is not None:  # the loop that saw it go may have ended
                _redis_away.worked(self.log, self.what)
            return
        self.failing = False
        if self.redis:
            _redis_away.worked(self.log, self.what)
        else:
            self.log.info("%s works again", self.what)
