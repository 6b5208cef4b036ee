"""Telegram messages as the core's `IncomingMessage`.

Which conversation a message belongs to: every chat is a project, and so is
every forum topic: `ChatKey("telegram", <chat id>, <message_thread_id>)` for a
topic, `ChatKey("telegram", <chat id>)` otherwise (private chats, groups, the
General topic of a forum). Replies in ordinary groups also carry a
`message_thread_id`; only forum topics (`is_topic_message`) count.

Who is listened to: in private chats everything; in groups commands (for this
bot), replies to the bot's messages, and texts or captions that mention it.

Files are never fetched here. A `TelegramAttachment` holds the file_id and
opens the file only when the core uploads it: from the Bot API server's disk in
local mode, otherwise streamed from Telegram's file URL. That URL contains the
bot token, so the attachment has no `public_url` (NemoVideo never sees it) and
the URL is never logged.
"""

from __future__ import annotations

import contextlib
import logging
import mimetypes
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any

import httpx
from telegram import Bot, Message, MessageEntity
from telegram import File as TelegramFile
from telegram import User as TelegramUser
from telegram.constants import ChatType
from telegram.error import BadRequest

from core.conversation.uploads import type_extension
from core.intents import COMMANDS
from core.messages import (
    Attachment,
    AttachmentCodec,
    AttachmentUnavailable,
    ChatKey,
    IncomingMessage,
    User,
)

log = logging.getLogger(__name__)

PLATFORM = "telegram"
MB = 1024 * 1024
#: the cloud Bot API hands bots files up to this size (getFile)
CLOUD_DOWNLOAD_LIMIT = 20 * MB
#: message ids of button presses: there is no user message to delete
CALLBACK_PREFIX = "callback-"

_CHUNK = 1 << 18
_GROUPS = (ChatType.GROUP, ChatType.SUPERGROUP)
_DEFAULT_NAMES = {
    "video": ("video", ".mp4", "video/mp4"),
    "animation": ("animation", ".mp4", "video/mp4"),
    "video_note": ("video-note", ".mp4", "video/mp4"),
    "photo": ("photo", ".jpg", "image/jpeg"),
    "audio": ("audio", ".mp3", "audio/mpeg"),
    "voice": ("voice", ".ogg", "audio/ogg"),
    "document": ("file", "", "application/octet-stream"),
}


class FileUnavailable(AttachmentUnavailable):
    """A Telegram file could not be fetched (the message never holds its URL)."""


class FileTooBig(FileUnavailable):
    """Telegram refuses to hand the file to the bot (over the cloud API's 20 MB)."""


class TelegramFiles:
    """Opens Telegram files by file_id: from disk in local mode, else by streaming
    Telegram's file URL with the process's HTTP client."""

    def __init__(self, bot: Bot, http: httpx.AsyncClient, *, local_mode: bool) -> None:
        self.bot = bot
        self.http = http
        self.local_mode = local_mode

    async def get(self, file_id: str) -> TelegramFile:
        """getFile; `FileTooBig` when Telegram refuses the size."""
        try:
            return await self.bot.get_file(file_id)
        except BadRequest as exc:
            if "too big" in exc.message.lower():
                raise FileTooBig(f"Telegram refuses to hand out file {file_id[-12:]}") from None
            raise

    def on_disk(self, file: TelegramFile) -> Path | None:
        """The file on this machine's disk (a local Bot API server's path), if it is there."""
        if not self.local_mode or not file.file_path:
            return None
        path = Path(file.file_path)
        return path if path.is_absolute() and path.is_file() else None

    async def stream(self, file_id: str, name: str) -> AsyncIterator[bytes]:
        """The file's bytes in chunks."""
        file = await self.get(file_id)
        path = self.on_disk(file)
        if path is not None:
            with path.open("rb") as handle:
                while chunk := handle.read(_CHUNK):
                    yield chunk
            return
        if not file.file_path or not file.file_path.startswith(("http://", "https://")):
            raise FileUnavailable(f"{name}: the Bot API server gave no way to fetch it")
        try:
            async with self.http.stream("GET", file.file_path) as response:
                if response.status_code != 200:
                    raise FileUnavailable(f"{name}: download answered HTTP {response.status_code}")
                async for chunk in response.aiter_bytes(_CHUNK):
                    yield chunk
        except httpx.HTTPError as exc:
            # httpx messages name the URL, which holds the bot token: keep it out of logs
            raise FileUnavailable(f"{name}: download failed ({type(exc).__name__})") from None


class TelegramAttachment(Attachment):
    """A file sent to the bot, known by its file_id until the core uploads it."""

    kind = "telegram"

    def __init__(self, file_id: str, filename: str, content_type: str | None = None,
                 size: int | None = None, *, files: TelegramFiles | None = None) -> None:
        super().__init__(filename, content_type, size)
        self.file_id = file_id
        self._files = files

    def _opener(self) -> TelegramFiles:
        if self._files is None:
            raise FileUnavailable(f"{self.filename}: no Telegram bot to fetch it with")
        return self._files

    async def chunks(self) -> AsyncIterator[bytes]:
        """The bytes, from the local Bot API server's disk or streamed from Telegram."""
        async for chunk in self._opener().stream(self.file_id, self.filename):
            yield chunk

    @contextlib.asynccontextmanager
    async def local_path(self) -> AsyncIterator[Path]:
        """In local mode the Bot API server's own file (nothing copied); otherwise a
        temporary copy, streamed to disk and removed afterwards."""
        files = self._opener()
        if files.local_mode:
            path = files.on_disk(await files.get(self.file_id))
            if path is not None:
                yield path
                return
        async with super().local_path() as path:
            yield path

    def to_dict(self) -> dict[str, Any]:
        """Kind, name, size and the file_id (never a URL)."""
        return {**super().to_dict(), "file_id": self.file_id}


def register_attachments(codec: AttachmentCodec, files: TelegramFiles) -> None:
    """Teach the codec to rebuild queued Telegram attachments (with their opener)."""
    codec.register(TelegramAttachment.kind, lambda d: TelegramAttachment(
        d["file_id"], d.get("filename") or "file", d.get("content_type"), d.get("size"),
        files=files))


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


# ---------------------------------------------------------------- files


def _media(message: Message) -> tuple[str, Any] | None:
    """The message's file and its kind; the largest size of a photo."""
    if message.photo:
        return "photo", message.photo[-1]
    for kind in ("video", "animation", "video_note", "audio", "voice", "document"):
        item = getattr(message, kind)
        if item is not None:
            return kind, item
    return None


def _filename(kind: str, item: Any) -> tuple[str, str | None]:
    """A file's name and content type. A file sent without a name is named after its
    kind, with the extension its content type says (an OGG sent as audio is no .mp3)."""
    stem, suffix, default_type = _DEFAULT_NAMES[kind]
    given: str | None = getattr(item, "mime_type", None)
    content_type = given or default_type
    name = getattr(item, "file_name", None)
    if name:
        name = PurePosixPath(str(name).replace("\\", "/")).name
    if not name:
        if given and given.split(";", 1)[0].strip().lower() != default_type:
            found = type_extension(given)
            suffix = f".{found}" if found else (mimetypes.guess_extension(given) or suffix)
        name = f"{stem}-{item.file_unique_id}{suffix}"
    return name, content_type


def attachment(message: Message, files: TelegramFiles | None) -> TelegramAttachment | None:
    """The message's file (video, photo, animation, video note, audio, voice, document)."""
    found = _media(message)
    if found is None:
        return None
    kind, item = found
    name, content_type = _filename(kind, item)
    return TelegramAttachment(item.file_id, name, content_type, item.file_size, files=files)


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

