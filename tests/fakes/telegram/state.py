"""What the fake Bot API remembers: users, chats and forum topics, every message (the users'
and the bot's, with edits and deletions), callback queries and the bot's command lists."""

from __future__ import annotations

import contextlib
import copy
import itertools
import json
from dataclasses import dataclass
from typing import Any

from tests.fakes.telegram.wire import JSONDict, bad_request, check_markup, now


@dataclass(frozen=True)
class FakeUser:
    """A Telegram user (or bot) as it appears in updates."""

    id: int
    first_name: str
    username: str | None = None
    last_name: str | None = None
    language_code: str | None = "en"
    is_bot: bool = False

    def to_dict(self) -> JSONDict:
        """The user in Bot API JSON shape (``getMe`` needs ``is_bot``)."""
        data: JSONDict = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name is not None:
            data["last_name"] = self.last_name
        if self.username is not None:
            data["username"] = self.username
        if self.language_code is not None and not self.is_bot:
            data["language_code"] = self.language_code
        return data


@dataclass(frozen=True)
class FakeChat:
    """A Telegram chat: ``private``, ``group``, ``supergroup`` (optionally a forum) or
    ``channel``."""

    id: int
    type: str
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    is_forum: bool = False

    def to_dict(self) -> JSONDict:
        """The chat in Bot API JSON shape."""
        data: JSONDict = {"id": self.id, "type": self.type}
        for key in ("title", "username", "first_name", "last_name"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        if self.is_forum:
            data["is_forum"] = True
        return data


@dataclass
class StoredMessage:
    """A message as it is now (after edits), who sent it, and whether it was deleted."""

    data: JSONDict
    from_bot: bool
    deleted: bool = False


def chat_key(chat_ref: Any) -> int | None:
    """The numeric chat id a request names (None when it names none)."""
    if isinstance(chat_ref, bool):
        return None
    if isinstance(chat_ref, int):
        return chat_ref
    if isinstance(chat_ref, str):
        with contextlib.suppress(ValueError):
            return int(chat_ref)
    return None


class Chats:
    """Chats, topics and messages of one fake; the bot talks only in chats it knows."""

    def __init__(self, bot_user: FakeUser) -> None:
        self.bot_user = bot_user
        self.chats: dict[int, FakeChat] = {}
        self.topics: dict[int, set[int]] = {}
        self.messages: dict[tuple[int, int], StoredMessage] = {}
        #: What the bot sent, as Telegram returned it, oldest first.
        self.sent: list[JSONDict] = []
        self.callback_queries: dict[str, bool] = {}  # query id -> answered
        self.callback_answers: dict[str, JSONDict] = {}
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._user_ids = itertools.count(100_000_001)
        self._group_ids = itertools.count(4_000_000_001)
        self._supergroup_ids = itertools.count(1_001_000_000_001)

    def new_user(self, first_name: str, *, username: str | None, last_name: str | None,
                 language_code: str | None) -> FakeUser:
        """A new user with a fresh id (username defaults to the lowercased first name)."""
        return FakeUser(next(self._user_ids), first_name,
                        username=username if username is not None else first_name.lower(),
                        last_name=last_name, language_code=language_code)

    def private_chat(self, user: FakeUser) -> FakeChat:
        """The private chat between ``user`` and the bot (its id is the user's id)."""
        return self.register(FakeChat(user.id, "private", username=user.username,
                                      first_name=user.first_name, last_name=user.last_name))

    def group(self, title: str) -> FakeChat:
        """A new basic group the bot is a member of."""
        return self.register(FakeChat(-next(self._group_ids), "group", title=title))

    def supergroup(self, title: str, *, forum: bool, username: str | None) -> FakeChat:
        """A new supergroup (``-100…`` id), optionally a forum with topics."""
        return self.register(FakeChat(-next(self._supergroup_ids), "supergroup", title=title,
                                      username=username, is_forum=forum))

    def register(self, chat: FakeChat) -> FakeChat:
        """Make a chat known (the bot is a member)."""
        self.chats[chat.id] = chat
        return chat

    def next_message_id(self, chat_id: int) -> int:
        """Message ids count up from 1 in each chat."""
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def resolve(self, chat_ref: Any) -> FakeChat:
        """The chat a request names, or the 400 Telegram answers for a chat it never saw (the
        bot messaging a user id instead of a group id is a classic bug)."""
        if chat_ref is None or chat_ref == "":
            raise bad_request("chat_id is empty")
        chat_id = chat_key(chat_ref)
        chat = self.chats.get(chat_id) if chat_id is not None else None
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def stored(self, chat_id: int, message_id: int) -> StoredMessage | None:
        """A message that exists and was not deleted."""
        stored = self.messages.get((chat_id, message_id))
        return None if stored is None or stored.deleted else stored

    def store(self, chat: FakeChat, sender: JSONDict | None, content: JSONDict, *,
              thread_id: int | None = None, reply: JSONDict | None = None,
              markup: JSONDict | None = None, from_bot: bool = False) -> JSONDict:
        """Store a new message in ``chat`` and return (a copy of) it."""
        message: JSONDict = {"message_id": self.next_message_id(chat.id)}
        if sender is not None:
            message["from"] = sender
        message["chat"] = chat.to_dict()
        message["date"] = now()
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        if reply is not None:
            message["reply_to_message"] = reply
        message.update(content)
        if markup is not None:
            message["reply_markup"] = markup
        self.messages[(chat.id, message["message_id"])] = StoredMessage(message, from_bot)
        return copy.deepcopy(message)

    def snapshot(self, stored: StoredMessage) -> JSONDict:
        """A message as it appears in ``reply_to_message`` (one level deep)."""
        data = copy.deepcopy(stored.data)
        data.pop("reply_to_message", None)
        return data

    def check_thread(self, chat: FakeChat, thread_id: Any) -> int | None:
        """The forum topic a send names, or 400 if the chat has no such topic."""
        if thread_id is None:
            return None
        thread = int(thread_id)
        if not chat.is_forum or thread not in self.topics.get(chat.id, set()) | {1}:
            raise bad_request("message thread not found")
        return thread

    def reply_target(self, chat: FakeChat, params: JSONDict) -> JSONDict | None:
        """The message a send replies to (``reply_parameters`` or the older
        ``reply_to_message_id``); a missing one is skipped with
        ``allow_sending_without_reply`` and refused without it."""
        reply_params = params.get("reply_parameters")
        allow = bool(params.get("allow_sending_without_reply"))
        message_id = params.get("reply_to_message_id")
        if isinstance(reply_params, dict):
            message_id = reply_params.get("message_id")
            allow = bool(reply_params.get("allow_sending_without_reply", allow))
        if message_id is None:
            return None
        stored = self.stored(chat.id, int(message_id))
        if stored is None:
            if allow:
                return None
            raise bad_request("message to be replied not found")
        return self.snapshot(stored)

    def bot_message(self, chat: FakeChat, params: JSONDict, content: JSONDict) -> JSONDict:
        """Store a message the bot sends with ``params`` (topic, reply, keyboard)."""
        thread_id = self.check_thread(chat, params.get("message_thread_id"))
        reply = self.reply_target(chat, params)
        if thread_id is None and reply is not None and reply.get("is_topic_message"):
            thread_id = reply.get("message_thread_id")
        message = self.store(chat, self.bot_user.to_dict(), content, thread_id=thread_id,
                             reply=reply, markup=check_markup(params.get("reply_markup")),
                             from_bot=True)
        self.sent.append(copy.deepcopy(message))
        return message


def commands_key(scope: Any, language_code: Any) -> tuple[str, str]:
    """Where a command list is kept: per scope and language, as Telegram keeps them."""
    scope_obj = scope if isinstance(scope, dict) else {"type": "default"}
    return json.dumps(scope_obj, sort_keys=True), str(language_code or "")
