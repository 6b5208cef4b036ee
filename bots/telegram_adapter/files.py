"""Files sent to the bot on Telegram, known by their file_id until the core uploads them.

Files are never fetched when a message arrives. A `TelegramAttachment` holds the
file_id and opens the file only when the core uploads it: from the Bot API server's
disk in local mode, otherwise streamed from Telegram's file URL. That URL contains
the bot token, so the attachment has no `public_url` (NemoVideo never sees it) and
the URL is never logged.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import mimetypes
from collections.abc import AsyncIterator
from pathlib import Path, PurePosixPath
from typing import Any

import httpx
from telegram import Bot, Message
from telegram import File as TelegramFile
from telegram.error import BadRequest

from core.conversation.uploads import type_extension
from core.messages import Attachment, AttachmentCodec, AttachmentUnavailable

log = logging.getLogger(__name__)

_CHUNK = 1 << 18
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
        """getFile; `FileTooBig` when Telegram refuses the size, `FileUnavailable` when it
        refuses the file otherwise ("wrong file_id or the file is temporarily
        unavailable")."""
        try:
            return await self.bot.get_file(file_id)
        except BadRequest as exc:
            if "too big" in exc.message.lower():
                raise FileTooBig(f"Telegram refuses to hand out file {file_id[-12:]}") from None
            raise FileUnavailable(f"getFile refused file {file_id[-12:]}: {exc.message}") \
                from None

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


def _media(message: Message) -> tuple[str, Any] | None:
    """The message's file and its kind; the largest size of a photo."""
    if message.photo:
        return "photo", message.photo[-1]
    for kind in ("video", "animation", "video_note", "audio", "voice", "document"):
        item = getattr(message, kind)
        if item is not None:
            return kind, item
    return None


def _filename(kind: str, item: Any, sent: dt.datetime | None = None) -> tuple[str, str | None]:
    """A file's name and content type. A file sent without a name is named after its
    kind and when it was `sent` (UTC), as Telegram's apps name what they save
    ("photo_2026-12-01_23-25-14.jpg"), with the extension its content type says (an OGG
    sent as audio is no .mp3); files of one message that share a name are told apart
    when uploaded (`core.conversation.uploads.upload_names`)."""
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
        # a voice message is one of a kind (never in an album): a name people read
        when = f"{sent.astimezone(dt.UTC):%Y-%m-%d_%H-%M-%S}" if sent else (
            item.file_unique_id)
        name = f"voice message{suffix}" if kind == "voice" else f"{stem}_{when}{suffix}"
    return name, content_type


def attachment(message: Message, files: TelegramFiles | None) -> TelegramAttachment | None:
    """The message's file (video, photo, animation, video note, audio, voice, document)."""
    found = _media(message)
    if found is None:
        return None
    kind, item = found
    name, content_type = _filename(kind, item, message.date)
    return TelegramAttachment(item.file_id, name, content_type, item.file_size, files=files)
