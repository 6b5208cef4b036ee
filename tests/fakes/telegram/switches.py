"""Fault switches of the fake Bot API, each answering as Telegram does when it happens: a
blocked bot, a chat that is gone, flood control (429 with ``retry_after``), a failing server
(5xx), and calls that hang past the client's timeout."""

from __future__ import annotations

import math
from collections.abc import Callable

from tests.fakes.telegram.server import BotApiServer, RecordedCall
from tests.fakes.telegram.state import chat_key
from tests.fakes.telegram.wire import BotApiError, JSONDict, flood_error


def _hits(method: str | None, chat_id: int | None) -> Callable[[RecordedCall], bool]:
    """Calls of ``method`` (None: any method aimed at a chat, so never getUpdates) to
    ``chat_id`` (None: any chat)."""
    def applies(call: RecordedCall) -> bool:
        if method is None and "chat_id" not in call.params:
            return False
        if method is not None and call.method.lower() != method.lower():
            return False
        return chat_id is None or chat_key(call.chat_id) == chat_id

    return applies


class FaultSwitches:
    """The fault side of `FakeTelegram` (a mixin over its server)."""

    server: BotApiServer

    def block(self, chat_id: int) -> None:
        """Answer 403 "Forbidden: bot was blocked by the user" (or "kicked from the group")
        to everything aimed at a chat."""
        self.server.blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        """Undo `block`."""
        self.server.blocked.discard(chat_id)

    def chat_not_found(self, chat_id: int) -> None:
        """Answer 400 "Bad Request: chat not found" to everything aimed at a chat."""
        self.server.missing.add(chat_id)

    def flood(self, retry_after: int = 5, *, chat_id: int | None = None,
              method: str | None = None, count: int | None = 1) -> None:
        """Answer 429 "Too Many Requests: retry after N" (with ``parameters.retry_after``) to
        the next ``count`` calls of ``method`` to ``chat_id`` (None: until `clear_faults`).
        Without ``method`` it hits every method aimed at a chat, never getUpdates."""
        self.server.faults.add(_hits(method, chat_id), count=count,
                               error=flood_error(retry_after))

    def fail_next(self, method: str, error_code: int, description: str, *,
                  count: int | None = 1, chat_id: int | None = None,
                  parameters: JSONDict | None = None) -> None:
        """Answer the next ``count`` calls of ``method`` with an arbitrary error."""
        self.server.faults.add(_hits(method, chat_id), count=count,
                               error=BotApiError(error_code, description, parameters))

    def server_error(self, method: str | None = None, *, chat_id: int | None = None,
                     count: int | None = 1, status: int = 502,
                     description: str = "Bad Gateway") -> None:
        """Answer the next ``count`` matching calls with a 5xx, as when Telegram's front end
        fails (python-telegram-bot raises NetworkError)."""
        if not 500 <= status <= 599:
            raise ValueError("a server error has a 5xx status")
        self.server.faults.add(_hits(method, chat_id), count=count,
                               error=BotApiError(status, description))

    def hang(self, method: str | None = None, *, chat_id: int | None = None,
             count: int | None = 1, seconds: float = math.inf,
             takes_effect: bool = False) -> None:
        """Hold the next ``count`` matching calls for ``seconds`` (by default until the
        client gives up or the fake stops), so the client's timeout fires.

        The call is recorded (``hung=True``) when the hang begins. Without ``takes_effect``
        it is not carried out; with it, it is carried out first and only the answer is held,
        as when Telegram sent the message but the reply never came back. A finite hang the
        client outwaits is then answered normally.
        """
        self.server.faults.add(_hits(method, chat_id), count=count, hang=seconds,
                               takes_effect=takes_effect)

    def clear_faults(self) -> None:
        """Remove every fault switch (blocked chats, missing chats, floods, errors, hangs)."""
        self.server.blocked.clear()
        self.server.missing.clear()
        self.server.faults.clear()
