"""Telegram messages as the core's `IncomingMessage`.

Which conversation a message belongs to: every chat is a project, and so is
every forum topic: `ChatKey("telegram", <chat id>, <message_thread_id>)` for a
topic, `ChatKey("telegram", <chat id>)` otherwise (private chats, groups, the
General topic of a forum). Replies in ordinary groups also carry a
`message_thread_id`; only forum topics (`is_topic_message`) count.

Who is listened to: in private chats everything; in groups commands (for this
bot), replies to the bot's messages, and texts or captions that mention it.

Files are never fetched here: see `bots.telegram_adapter.files`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from typing import Any

from telegram import Message, MessageEntity
from telegram import User as TelegramUser
from telegram.constants import ChatType

from core.intents import COMMANDS
from core.messages import (
    Attachment,
    AttachmentCodec,
    ChatKey,
    IncomingMessage,
    User,
)

# the files' side, where the adapter and tests have always found it
from .files import FileTooBig as FileTooBig
from .files import FileUnavailable as FileUnavailable
from .files import TelegramAttachment as TelegramAttachment
from .files import TelegramFiles as TelegramFiles
from .files import attachment
from .files import register_attachments as register_attachments

log = logging.getLogger(__name__)

PLATFORM = "telegram"
MB = 1024 * 1024
#: the cloud Bot API hands bots files up to this size (getFile)
CLOUD_DOWNLOAD_LIMIT = 20 * MB
#: message ids of button presses: there is no user message to delete
CALLBACK_PREFIX = "callback-"

_GROUPS = (ChatType.GROUP, ChatType.SUPERGROUP)


# ---------------------------------------------------------------- conversations and people


def chat_key(message: Message) -> ChatKey:
    """The conversation of a message: a forum topic is its own project."""
    thread = message.message_thread_id if message.is_topic_message else None
    return ChatKey(PLATFORM, str(message.chat.id), str(thread) if thread is not None else None)


def chat_id(chat: ChatKey) -> int:
    """The Telegram chat a conversation's messages go to."""
    return int(chat.chat_id)


def thread_id(chat: ChatKey) -> int | None:
    """The forum topic a conversation's messages go to, if any."""
    return int(chat.thread_id) if chat.thread_id is not None else None


def user(person: TelegramUser) -> User:
    """The core's view of a Telegram user; the language comes from their app's setting."""
    return User(str(person.id), person.full_name, person.language_code)


def is_private(message: Message) -> bool:
    """A one-to-one chat with the bot."""
    return message.chat.type == ChatType.PRIVATE


# ---------------------------------------------------------------- who it listens to


def replies_to(message: Message, me: TelegramUser) -> bool:
    """Whether the message answers one of the bot's messages (a forum topic's opening
    message, which every topic message points at, does not count)."""
    replied = message.reply_to_message
    if replied is None or replied.forum_topic_created is not None:
        return False
    return replied.from_user is not None and replied.from_user.id == me.id


def _entities(message: Message) -> dict[MessageEntity, str]:
    kinds: list[str | None] = [MessageEntity.BOT_COMMAND, MessageEntity.MENTION,
                               MessageEntity.TEXT_MENTION]
    if message.text is not None:
        return message.parse_entities(kinds)
    return message.parse_caption_entities(kinds)


def addressed_to(message: Message, me: TelegramUser) -> bool:
    """True in private chats; in groups for a command to this bot, a mention of it, or a
    reply to it. Channels are never listened to.

    In a group, a command named for another bot ("/export@other_bot") is that bot's, even
    in a reply to this one; a bare command this bot does not have ("/ban") is another
    bot's too, unless it replies to this one (Telegram sends bare commands to every bot
    of the group)."""
    if is_private(message):
        return True
    if message.chat.type not in _GROUPS:
        return False
    username = (me.username or "").lower()
    for entity, word in _entities(message).items():
        if entity.type == MessageEntity.BOT_COMMAND and entity.offset == 0:
            name, _, addressee = word[1:].partition("@")
            if addressee:
                if addressee.lower() != username:
                    return False
                named = username
            else:
                named = username if name.lower() in COMMANDS else ""
        elif entity.type == MessageEntity.MENTION:
            named = word[1:].lower()
        elif entity.type == MessageEntity.TEXT_MENTION and entity.user is not None:
            named = username if entity.user.id == me.id else ""
        else:
            continue
        if named and named == username:
            return True
    return replies_to(message, me)


def clean_text(text: str, me: TelegramUser) -> str:
    """The text without mentions of the bot ("@nemo_bot, trim it" -> "trim it").

    A command's own suffix ("/export@nemo_bot") stays: the core reads commands with it.
    """
    if not me.username:
        return text.strip()
    pattern = rf"(?<![\w/@])@{re.escape(me.username)}\b[,:]?\s*"
    return re.sub(pattern, "", text, flags=re.IGNORECASE).strip()


# ---------------------------------------------------------------- one message, one album part


@dataclass(frozen=True)
class Part:
    """A message for the bot (or one part of an album), before it goes to the core.

    `addressed` says whether it is for the bot (an album is, when any of its parts
    is); `too_big` names files Telegram will not hand over, already left out.
    """

    message: IncomingMessage
    addressed: bool
    too_big: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """Nothing for the core and nothing to explain."""
        return not (self.message.text or self.message.attachments or self.too_big)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able form (albums are gathered in Redis)."""
        return {"message": self.message.to_dict(), "addressed": self.addressed,
                "too_big": list(self.too_big)}

    @classmethod
    def from_dict(cls, data: dict[str, Any], codec: AttachmentCodec) -> Part:
        """Inverse of `to_dict`."""
        return cls(IncomingMessage.from_dict(data["message"], codec), bool(data["addressed"]),
                   tuple(str(n) for n in data.get("too_big") or ()))


def sender_of(message: Message) -> User | None:
    """Who sent a message: its user; for an anonymous group admin, or a member writing as
    one of their channels, the chat they write as (Telegram gives a placeholder bot as
    `from`); None for another bot."""
    sender = message.from_user
    if sender is None:
        return None
    if not sender.is_bot:
        return user(sender)
    if message.sender_chat is None:
        return None
    chat = message.sender_chat
    return User(str(chat.id), chat.effective_name or str(chat.id), None)


def read_message(message: Message, me: TelegramUser, files: TelegramFiles | None, *,
                 download_limit: int | None) -> Part | None:
    """A user's message as a `Part`, or None when it is nothing the bot reads (a bot's or
    a channel's message, an automatic forward).

    A file over `download_limit` is left out and named in `too_big` (its size is
    read from the update: nothing is fetched). A message that only mentions the bot
    ("@nemo_bot") asks what it is: it reads as /start.
    """
    sender = sender_of(message)
    if sender is None or message.is_automatic_forward:
        return None
    if message.chat.type != ChatType.PRIVATE and message.chat.type not in _GROUPS:
        return None
    written = message.text or message.caption or ""
    text = clean_text(written, me)
    found = attachment(message, files)
    if not text and written.strip() and found is None:
        text = "/start"
    attachments: tuple[Attachment, ...] = ()
    too_big: tuple[str, ...] = ()
    if found is not None:
        if download_limit is not None and found.size is not None and found.size > download_limit:
            too_big = (found.filename,)
        else:
            attachments = (found,)
    incoming = IncomingMessage(
        chat=chat_key(message),
        user=sender,
        message_id=str(message.message_id),
        text=text,
        attachments=attachments,
        replies_to_bot=replies_to(message, me),
        is_private=is_private(message),
        raw=message,
    )
    return Part(incoming, addressed_to(message, me), too_big)


def merge(parts: list[Part]) -> Part:
    """An album's parts as one message: every file in the order sent, the caption(s) as
    the instruction, the first part's id and sender."""
    ordered = sorted(parts, key=lambda p: _order(p.message.message_id))
    first = ordered[0].message
    captioned = next((p.message for p in ordered if p.message.text), first)
    message = replace(
        first,
        user=captioned.user,
        text="\n".join(p.message.text for p in ordered if p.message.text),
        attachments=tuple(a for p in ordered for a in p.message.attachments),
        replies_to_bot=any(p.message.replies_to_bot for p in ordered),
        raw=None,
    )
    return Part(message, any(p.addressed for p in ordered),
                tuple(n for p in ordered for n in p.too_big))


def _order(message_id: str) -> tuple[int, str]:
    return (int(message_id), "") if message_id.lstrip("-").isdigit() else (0, message_id)

