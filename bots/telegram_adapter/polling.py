"""Long polling's own connection: whether it gets updates (readiness must not say
"taking updates" while every getUpdates fails: the Bot API unreachable, another process
polling the bot), and updates this python-telegram-bot cannot read skipped rather than
asked for again and again."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from telegram import Bot, Update
from telegram.request import HTTPXRequest, RequestData

log = logging.getLogger(__name__)

#: seconds of failing getUpdates before the bot stops counting as ready (one failure is a
#: blip: the poll is retried at once)
FAILING_FOR = 10.0


class PollingRequest(HTTPXRequest):
    """getUpdates' own HTTP connection, remembering since when its calls fail (an error,
    or any answer but HTTP 200: a 409 when another process polls the bot)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.failing_since: float | None = None
        #: the offset of the last getUpdates answered with updates
        self._answered: object = None

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        """The request, its outcome remembered.

        An update python-telegram-bot cannot read (one its version does not know the shape
        of, from a newer or older Bot API server) fails the whole batch, whose offset is
        then never confirmed: the same updates come again, and no chat is answered any
        more. The same offset asked for again after an answer with updates says so: the
        updates that cannot be read are then passed on as bare update ids (skipped, the
        others handled), each logged in one line."""
        offset = request_data.parameters.get("offset") if request_data is not None else None
        try:
            status, payload = await super().do_request(url, method, request_data, *args,
                                                       **kwargs)
        except Exception:
            self._failed()
            raise
        if status != 200:
            self._failed()
            return status, payload
        self.failing_since = None
        if offset is not None and offset == self._answered:
            payload = readable(payload)
        self._answered = offset if b'"update_id"' in payload else None
        return status, payload

    def _failed(self) -> None:
        if self.failing_since is None:
            self.failing_since = time.monotonic()

    @property
    def failing(self) -> bool:
        """getUpdates has failed for `FAILING_FOR` seconds or more."""
        since = self.failing_since
        return since is not None and time.monotonic() - since >= FAILING_FOR


def read_update(data: dict[str, Any], bot: Bot | None) -> Update | None:
    """The update `data` holds; None, logged in one line, when this version of
    python-telegram-bot cannot read it (an update of a Bot API server of another
    version): it is then skipped, by polling and webhook alike."""
    try:
        return Update.de_json(data, bot)
    except Exception as exc:
        log.warning("telegram: update %s skipped: python-telegram-bot cannot read it "
                    "(%s: %s)", data.get("update_id"), type(exc).__name__, str(exc)[:120])
        return None


def readable(payload: bytes) -> bytes:
    """A getUpdates answer with each update python-telegram-bot cannot read reduced to its
    update id (which it reads, and skips)."""
    try:
        answer = json.loads(payload)
        updates = answer["result"]
    except (ValueError, KeyError, TypeError):
        return payload
    for index, update in enumerate(updates):
        if read_update(update, None) is None:
            updates[index] = {"update_id": update.get("update_id")}
    return json.dumps(answer).encode()


class QuietCleanup(logging.Filter):
    """python-telegram-bot logs a traceback when the getUpdates that confirms the last
    updates at a stop fails (the Bot API unreachable): one line says it instead. It
    logs updates it cannot read twice, critical, with a traceback and the updates
    themselves (what users wrote): one line says it, without them (`PollingRequest`
    skips those updates). An answer that is no JSON is logged with a traceback and the
    whole page: the error raised for it says it."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite those records (the second of the unreadable ones dropped); let the
        others through."""
        text = record.msg if isinstance(record.msg, str) else record.getMessage()
        if text.startswith(("Error while parsing updates!", "Can not load invalid JSON data")):
            # said by the next record, which names the error; a page that is no JSON (a
            # proxy's) is said by the error raised for it ("Invalid server response")
            return False
        if text.startswith("Error while calling `get_updates` one more time"):
            _quieten(record, "telegram: the last updates taken could not be confirmed before "
                             "stopping (%s); they may come again after a restart, and are "
                             "taken once")
        elif text.startswith("Something went wrong processing the data received"):
            _quieten(record, "telegram: updates could not be read (%s); they are asked for "
                             "again, the unreadable ones skipped")
        return True


def _quieten(record: logging.LogRecord, text: str) -> None:
    """The record as one warning line naming its error (no traceback, no data)."""
    error = record.exc_info[1] if record.exc_info else None
    record.msg = text
    record.args = (f"{type(error).__name__}: {str(error)[:120]}" if error else "?",)
    record.exc_info, record.exc_text = None, None
    record.levelno, record.levelname = logging.WARNING, "WARNING"
