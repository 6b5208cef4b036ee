"""What a test reads from the fake Bot API: the calls the bot made (with their times), the
messages as they are now, uploads, downloads, commands; and waiting for any of it."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import TypeVar

from tests.fakes.telegram.files import FakeFile, FileStore
from tests.fakes.telegram.server import BotApiServer, RecordedCall
from tests.fakes.telegram.state import Chats, chat_key, commands_key
from tests.fakes.telegram.updates import UpdateFeed, WebhookDelivery
from tests.fakes.telegram.wire import JSONDict, UploadedFile
from tests.waiting import Changes, wait_until

T = TypeVar("T")
CallPredicate = Callable[[RecordedCall], bool]


class Observations:
    """The read side of `FakeTelegram` (a mixin over its chats, files, feed and server)."""

    chats: Chats
    files: FileStore
    feed: UpdateFeed
    server: BotApiServer
    changes: Changes

    @property
    def calls(self) -> list[RecordedCall]:
        """Every Bot API call, in the order they were answered (hung ones when they hung)."""
        return self.server.calls

    def calls_to(self, method: str) -> list[RecordedCall]:
        """The recorded calls of one method (case-insensitive, like the Bot API)."""
        return [c for c in self.calls if c.method.lower() == method.lower()]

    def mark(self) -> int:
        """The number of calls so far, to pass as ``since`` to `wait_for`."""
        return len(self.calls)

    async def wait_until(self, condition: Callable[[], T], timeout: float = 5.0,  # noqa: ASYNC109
                         *, what: str = "condition") -> T:
        """Wait until ``condition()`` is truthy (re-checked on every change of the fake's
        state, and every few milliseconds for conditions on other things); return it."""
        return await wait_until(condition, within=timeout, what=what, changes=self.changes)

    async def wait_for(self, what: str | CallPredicate,
                       timeout: float = 5.0,  # noqa: ASYNC109 - a per-call deadline reads best
                       *, since: int = 0, count: int = 1) -> RecordedCall:
        """Wait until ``count`` calls among ``calls[since:]`` match ``what`` (a method name or
        a predicate); return the last of them."""
        if isinstance(what, str):
            name = what.lower()
            predicate: CallPredicate = lambda call: call.method.lower() == name  # noqa: E731
        else:
            predicate = what

        def found() -> RecordedCall | None:
            matches = [c for c in self.calls[since:] if predicate(c)]
            return matches[count - 1] if len(matches) >= count else None

        return await wait_until(
            found, within=timeout, what=f"{count} call(s) matching {what!r}",
            changes=self.changes,
            show=lambda: [c.method for c in self.calls[since:] if c.method != "getUpdates"])

    async def wait_delivered(self, update: JSONDict | int,
                             timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until the bot fetched an update with getUpdates or its webhook accepted it."""
        update_id = update if isinstance(update, int) else int(update["update_id"])
        await self.wait_until(lambda: update_id in self.feed.delivered, timeout,
                              what=f"delivery of update {update_id}")

    async def wait_for_poll(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until a getUpdates long poll is parked on the server, waiting for updates."""
        await self.wait_until(lambda: self.feed.parked_polls > 0, timeout,
                              what="a parked long poll")

    def sent_messages(self, chat_id: int | None = None) -> list[JSONDict]:
        """Messages the bot sent (any send method), as Telegram returned them, oldest first."""
        return [copy.deepcopy(m) for m in self.chats.sent
                if chat_id is None or m["chat"]["id"] == chat_id]

    def sent_texts(self, chat_id: int | None = None) -> list[str]:
        """Text (or caption) of each message the bot sent."""
        return [str(m.get("text", m.get("caption", ""))) for m in self.sent_messages(chat_id)]

    def message(self, chat_id: int, message_id: int) -> JSONDict | None:
        """A message's current state (after edits), or None if unknown or deleted."""
        stored = self.chats.stored(chat_id, message_id)
        return None if stored is None else copy.deepcopy(stored.data)

    def edits(self, message_id: int, chat_id: int | None = None) -> list[RecordedCall]:
        """Successful edit calls (text, caption, markup) that targeted ``message_id``."""
        return [c for c in self.calls
                if c.ok and c.method.lower().startswith("editmessage")
                and c.params.get("message_id") == message_id
                and (chat_id is None or chat_key(c.chat_id) == chat_id)]

    def deleted(self, chat_id: int) -> list[int]:
        """Ids of messages deleted in a chat."""
        return sorted(mid for (cid, mid), m in self.chats.messages.items()
                      if cid == chat_id and m.deleted)

    def chat_actions(self, chat_id: int) -> list[str]:
        """The chat actions (``typing``, ``upload_video``...) the bot sent to a chat."""
        return [str(c.params.get("action")) for c in self.calls_to("sendChatAction")
                if c.ok and chat_key(c.chat_id) == chat_id]

    def callback_answer(self, query_id: str) -> JSONDict | None:
        """The parameters the bot answered a callback query with, or None if unanswered."""
        return self.chats.callback_answers.get(query_id)

    @property
    def uploads(self) -> list[UploadedFile]:
        """Every file part the bot uploaded, in order."""
        return [f for c in self.calls for f in c.files.values()]

    @property
    def downloads(self) -> list[str]:
        """file_ids of every file the bot downloaded, in order."""
        return self.server.downloads

    def file(self, file_id: str) -> FakeFile:
        """The file known under ``file_id`` (KeyError if none)."""
        return self.files.by_id[file_id]

    def commands(self, language_code: str = "", scope: JSONDict | None = None) -> list[JSONDict]:
        """The command list set for a scope (default scope if None) and language."""
        return copy.deepcopy(self.chats.commands.get(commands_key(scope, language_code), []))

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Updates queued and not yet confirmed by the bot."""
        return copy.deepcopy(self.feed.pending)

    @property
    def webhook_url(self) -> str | None:
        """The registered webhook URL, if any."""
        return self.feed.webhook.url if self.feed.webhook else None

    @property
    def webhook_deliveries(self) -> list[WebhookDelivery]:
        """Every POST of an update to the registered webhook, in order."""
        return self.feed.deliveries
