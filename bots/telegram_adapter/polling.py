"""Whether long polling gets updates: readiness must not say "taking updates" while
every getUpdates fails (the Bot API unreachable, another process polling the bot)."""

from __future__ import annotations

import logging
import time
from typing import Any

from telegram.request import HTTPXRequest

#: seconds of failing getUpdates before the bot stops counting as ready (one failure is a
#: blip: the poll is retried at once)
FAILING_FOR = 10.0


class PollingRequest(HTTPXRequest):
    """getUpdates' own HTTP connection, remembering since when its calls fail (an error,
    or any answer but HTTP 200: a 409 when another process polls the bot)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.failing_since: float | None = None

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        """The request, its outcome remembered."""
        try:
            status, payload = await super().do_request(*args, **kwargs)
        except Exception:
            self._failed()
            raise
        if status == 200:
            self.failing_since = None
        else:
            self._failed()
        return status, payload

    def _failed(self) -> None:
        if self.failing_since is None:
            self.failing_since = time.monotonic()

    @property
    def failing(self) -> bool:
        """getUpdates has failed for `FAILING_FOR` seconds or more."""
        since = self.failing_since
        return since is not None and time.monotonic() - since >= FAILING_FOR


class QuietCleanup(logging.Filter):
    """python-telegram-bot logs a traceback when the getUpdates that confirms the last
    updates at a stop fails (the Bot API unreachable): one line says it instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite that record; let the others through."""
        if record.getMessage().startswith("Error while calling `get_updates` one more time"):
            error = record.exc_info[1] if record.exc_info else None
            record.msg = ("telegram: the last updates taken could not be confirmed before "
                          "stopping (%s); they may come again after a restart, and are "
                          "taken once")
            record.args = (type(error).__name__ if error else "?",)
            record.exc_info, record.exc_text = None, None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True
