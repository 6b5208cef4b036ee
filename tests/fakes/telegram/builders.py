"""The updates users cause, shaped as Telegram sends them: text with ``bot_command`` and
``mention`` entities, media of every kind, albums (one update per file sharing a
media_group_id), button presses (with ``chat_instance``) and new forum topics."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Sequence
from typing import Any

from tests.fakes.telegram.files import FakeFile, FileStore, media_content
from tests.fakes.telegram.state import Chats, FakeChat, FakeUser, StoredMessage
from tests.fakes.telegram.updates import UpdateFeed
from tests.fakes.telegram.wire import JSONDict, chat_instance, detect_entities, now


class Incoming:
    """Builds updates from users and queues them for the bot (unless ``queue=False``, which
    only returns them, for unit tests of parsing)."""

    def __init__(self, chats: Chats, files: FileStore, feed: UpdateFeed, *,
                 privacy_mode: bool = False) -> None:
        self.chats = chats
        self.files = files
        self.feed = feed
        #: groups deliver the bot only commands, mentions of it and replies to it
        self.privacy_mode = privacy_mode
        self._media_groups = itertools.count(13_000_000_000_000_001)
        self._callbacks = itertools.count(1)

    def _update(self, kind: str, payload: JSONDict, queue: bool) -> JSONDict:
        update = {"update_id": self.feed.next_update_id(), kind: payload}
        if queue:
            self.feed.queue(update)
        return copy.deepcopy(update)

    def message(self, chat: FakeChat, user: FakeUser, content: JSONDict, *,
                reply_to: int | None, thread_id: int | None, queue: bool) -> JSONDict:
        """A message from ``user`` in ``chat``, stored and (if ``queue``) queued."""
        self.chats.register(chat)
        if thread_id is not None:
            if not chat.is_forum:
                raise ValueError(f"chat {chat.id} is not a forum; thread_id needs a forum")
            self.chats.topics.setdefault(chat.id, set()).add(thread_id)
        reply = None
        if reply_to is not None:
            stored = self.chats.messages.get((chat.id, reply_to))
            if stored is None:
                raise ValueError(f"no message {reply_to} in chat {chat.id} to reply to")
            reply = self.chats.snapshot(stored)
        message = self.chats.store(chat, user.to_dict(), content, thread_id=thread_id,
                                   reply=reply)
        return self._update("message", message, queue and self._seen_by_bot(chat, message))

    def _seen_by_bot(self, chat: FakeChat, message: JSONDict) -> bool:
        """Privacy mode: in a group the bot gets commands, mentions and replies to it."""
        if not self.privacy_mode or chat.type not in ("group", "supergroup"):
            return True
        said = message.get("text") or message.get("caption") or ""
        replied = (message.get("reply_to_message") or {}).get("from", {})
        return (said.startswith("/") or f"@{self.chats.bot_user.username}" in said
                or replied.get("id") == self.chats.bot_user.id)

    def text(self, chat: FakeChat, user: FakeUser, text: str, *, reply_to: int | None,
             thread_id: int | None, queue: bool) -> JSONDict:
        """A text message; commands and @mentions get their entities."""
        content: JSONDict = {"text": text}
        entities = detect_entities(text)
        if entities:
            content["entities"] = entities
        return self.message(chat, user, content, reply_to=reply_to, thread_id=thread_id,
                            queue=queue)

    def media(self, kind: str, chat: FakeChat, user: FakeUser, data: bytes | None = None, *,
              size: int | None = None, file: FakeFile | None = None,
              caption: str | None = None, reply_to: int | None = None,
              thread_id: int | None = None, media_group_id: str | None = None,
              queue: bool = True, **attrs: Any) -> JSONDict:
        """A media message: from bytes, a declared ``size``, or a registered ``file``."""
        if file is None:
            file = self.files.register(data, size=size, kind=kind, **attrs)
        content = media_content(file)
        if media_group_id is not None:
            content["media_group_id"] = media_group_id
        if caption is not None:
            content["caption"] = caption
            entities = detect_entities(caption)
            if entities:
                content["caption_entities"] = entities
        return self.message(chat, user, content, reply_to=reply_to, thread_id=thread_id,
                            queue=queue)

    def album(self, chat: FakeChat, user: FakeUser, files: Sequence[FakeFile | bytes],
              caption: str | None, *, kind: str, reply_to: int | None,
              thread_id: int | None, queue: bool) -> list[JSONDict]:
        """One update per file sharing a media_group_id, the caption on the first; Telegram
        sends no end marker."""
        if not 2 <= len(files) <= 10:
            raise ValueError("an album has 2 to 10 items")
        group_id = str(next(self._media_groups))
        updates = []
        for index, item in enumerate(files):
            registered = item if isinstance(item, FakeFile) else self.files.register(item,
                                                                                     kind=kind)
            updates.append(self.media(registered.kind, chat, user, file=registered,
                                      caption=caption if index == 0 else None,
                                      reply_to=reply_to, thread_id=thread_id,
                                      media_group_id=group_id, queue=queue))
        return updates

    def callback(self, chat: FakeChat, user: FakeUser, message_id: int, data: str, *,
                 check_button: bool, queue: bool) -> JSONDict:
        """A press of the inline button carrying ``data`` under a message; Telegram only sends
        data of buttons that exist, so by default the button must be there."""
        stored = self.chats.stored(chat.id, message_id)
        if stored is None:
            raise ValueError(f"no message {message_id} in chat {chat.id}")
        if check_button and not _has_button(stored, data):
            raise ValueError(f"message {message_id} has no inline button with data {data!r}")
        query_id = str(8_000_000_000_000_000_000 + next(self._callbacks))
        self.chats.callback_queries[query_id] = False
        return self._update("callback_query", {
            "id": query_id, "from": user.to_dict(), "message": copy.deepcopy(stored.data),
            "chat_instance": chat_instance(chat.id), "data": data}, queue)

    def forum_topic(self, chat: FakeChat, name: str, *, queue: bool) -> int:
        """A new topic in a forum supergroup; returns its message_thread_id."""
        if not chat.is_forum:
            raise ValueError(f"chat {chat.id} is not a forum")
        self.chats.register(chat)
        mid = self.chats.next_message_id(chat.id)
        self.chats.topics.setdefault(chat.id, set()).add(mid)
        message: JSONDict = {"message_id": mid, "date": now(), "chat": chat.to_dict(),
                             "message_thread_id": mid, "is_topic_message": True,
                             "forum_topic_created": {"name": name, "icon_color": 7322096}}
        self.chats.messages[(chat.id, mid)] = StoredMessage(message, from_bot=False)
        self._update("message", message, queue)
        return mid


def _has_button(stored: StoredMessage, data: str) -> bool:
    markup = stored.data.get("reply_markup") or {}
    return any(b.get("callback_data") == data
               for row in markup.get("inline_keyboard", []) for b in row)
