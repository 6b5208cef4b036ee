"""The boundary types: what an adapter hands the core.

One frozen `IncomingMessage` crosses the boundary; the platform's own payload
rides along only as `raw`. Attachments open lazily: the core asks for a URL or
for bytes only when it uploads.
"""

from __future__ import annotations

import contextlib
import mimetypes
import os
import tempfile
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar


@dataclass(frozen=True)
class ChatKey:
    """Which conversation a message belongs to; the adapter decides.

    `thread_id` separates forum topics (Telegram) and threads (Discord) that
    share a chat but are separate projects.
    """

    platform: str
    chat_id: str
    thread_id: str | None = None

    def __str__(self) -> str:
        parts = [self.platform, self.chat_id]
        if self.thread_id is not None:
            parts.append(self.thread_id)
        return ":".join(parts)

    @classmethod
    def parse(cls, value: str) -> ChatKey:
        """Inverse of `str(key)`."""
        parts = value.split(":")
        if len(parts) not in (2, 3) or not all(parts):
            raise ValueError(f"not a chat key: {value!r}")
        return cls(parts[0], parts[1], parts[2] if len(parts) == 3 else None)


@dataclass(frozen=True)
class User:
    """Who sent a message."""

    id: str
    display_name: str = ""
    language: str | None = None


@dataclass(frozen=True)
class Origin:
    """Where a message came from beyond its chat, for access rules: the community it
    was sent in (a Discord guild) and the sender's roles there."""

    guild_id: str | None = None
    role_ids: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able form."""
        return {"guild": self.guild_id, "roles": list(self.role_ids)}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Origin:
        """Inverse of `to_dict`."""
        data = data or {}
        guild = data.get("guild")
        return cls(str(guild) if guild else None, tuple(str(r) for r in data.get("roles") or ()))


class AttachmentUnavailable(Exception):
    """A file sent to the bot could not be fetched from the platform (gone, refused, the
    connection broke): it was not uploaded, and sending it again may help. Adapters raise
    it (or a subclass) from an attachment's `chunks`; the core notes which file it was
    (`name`) among how many sent together (`among`)."""

    name: str = ""
    among: int = 1


class Attachment(ABC):
    """A file that came with a message, opened only when the core uploads it.

    Subclasses give either a `public_url` NemoVideo may fetch itself, a `chunks`
    byte stream, or both. `to_dict` makes the attachment storable in Redis (a
    message may wait in a chat's queue across a restart); the adapter that made
    it registers how to rebuild it with `AttachmentCodec.register`.
    """

    kind: ClassVar[str] = "attachment"

    def __init__(self, filename: str, content_type: str | None = None, size: int | None = None):
        self.filename = filename
        self.content_type = content_type or mimetypes.guess_type(filename)[0]
        self.size = size

    @property
    def public_url(self) -> str | None:
        """A URL that is safe to hand to NemoVideo (no secrets in it), or None."""
        return None

    @abstractmethod
    def chunks(self) -> AsyncIterator[bytes]:
        """The file's bytes, in chunks."""

    @contextlib.asynccontextmanager
    async def local_path(self) -> AsyncIterator[Path]:
        """A local file with the content; a temporary one is removed afterwards."""
        suffix = Path(self.filename).suffix
        fd, name = tempfile.mkstemp(prefix="nemobot-", suffix=suffix)
        path = Path(name)
        try:
            with os.fdopen(fd, "wb") as fh:
                async for chunk in self.chunks():
                    fh.write(chunk)
            yield path
        finally:
            path.unlink(missing_ok=True)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able description that `AttachmentCodec` can rebuild."""
        return {
            "kind": self.kind,
            "filename": self.filename,
            "content_type": self.content_type,
            "size": self.size,
        }

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.filename!r}, size={self.size!r})"


class LocalFileAttachment(Attachment):
    """A file already on this machine (terminal chat, a local Bot API server)."""

    kind = "local"

    def __init__(self, path: Path | str, filename: str | None = None,
                 content_type: str | None = None, size: int | None = None):
        self.path = Path(path)
        if size is None and self.path.exists():
            size = self.path.stat().st_size
        super().__init__(filename or self.path.name, content_type, size)

    async def chunks(self) -> AsyncIterator[bytes]:
        """Read the file in chunks."""
        with self.path.open("rb") as fh:
            while chunk := fh.read(1 << 18):
                yield chunk

    @contextlib.asynccontextmanager
    async def local_path(self) -> AsyncIterator[Path]:
        """The file itself; nothing is copied or removed."""
        yield self.path

    def to_dict(self) -> dict[str, Any]:
        """Kind, name, size and the path."""
        return {**super().to_dict(), "path": str(self.path)}


class UrlAttachment(Attachment):
    """A public URL (a link in the text, a signed CDN link) NemoVideo fetches itself."""

    kind = "url"

    def __init__(self, url: str, filename: str | None = None,
                 content_type: str | None = None, size: int | None = None,
                 fetch: Callable[[str], AsyncIterator[bytes]] | None = None):
        name = filename or url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1] or "file"
        super().__init__(name, content_type, size)
        self.url = url
        self._fetch = fetch

    @property
    def public_url(self) -> str | None:
        """The URL itself."""
        return self.url

    async def chunks(self) -> AsyncIterator[bytes]:
        """Relay the bytes, when a fetcher was given (the fallback path)."""
        if self._fetch is None:
            raise RuntimeError(f"{self.filename}: no way to fetch {type(self).__name__} bytes")
        async for chunk in self._fetch(self.url):
            yield chunk

    def to_dict(self) -> dict[str, Any]:
        """Kind, name, size and the URL."""
        return {**super().to_dict(), "url": self.url}


AttachmentFactory = Callable[[dict[str, Any]], Attachment]


class AttachmentCodec:
    """Turns stored attachment dicts back into attachments, by kind."""

    def __init__(self) -> None:
        self._factories: dict[str, AttachmentFactory] = {
            LocalFileAttachment.kind: lambda d: LocalFileAttachment(
                d["path"], d.get("filename"), d.get("content_type"), d.get("size")),
            UrlAttachment.kind: lambda d: UrlAttachment(
                d["url"], d.get("filename"), d.get("content_type"), d.get("size")),
        }

    def register(self, kind: str, factory: AttachmentFactory) -> None:
        """Teach the codec an adapter's attachment kind."""
        self._factories[kind] = factory

    def load(self, data: dict[str, Any]) -> Attachment:
        """Rebuild one attachment; KeyError for an unknown kind."""
        return self._factories[data["kind"]](data)


@dataclass(frozen=True)
class IncomingMessage:
    """One message from any platform, as the core sees it."""

    chat: ChatKey
    user: User
    message_id: str
    text: str = ""
    attachments: tuple[Attachment, ...] = ()
    replies_to_bot: bool = False
    is_private: bool = True
    origin: Origin = field(default_factory=Origin)
    raw: Any = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able form for the chat's queue in Redis (`raw` is not kept)."""
        return {
            "chat": str(self.chat),
            "user": {"id": self.user.id, "name": self.user.display_name,
                     "language": self.user.language},
            "message_id": self.message_id,
            "text": self.text,
            "attachments": [a.to_dict() for a in self.attachments],
            "replies_to_bot": self.replies_to_bot,
            "is_private": self.is_private,
            "origin": self.origin.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], codec: AttachmentCodec) -> IncomingMessage:
        """Inverse of `to_dict`."""
        user = data.get("user") or {}
        return cls(
            chat=ChatKey.parse(data["chat"]),
            user=User(str(user.get("id", "")), user.get("name") or "", user.get("language")),
            message_id=str(data.get("message_id", "")),
            text=data.get("text") or "",
            attachments=tuple(codec.load(a) for a in data.get("attachments") or ()),
            replies_to_bot=bool(data.get("replies_to_bot")),
            is_private=bool(data.get("is_private", True)),
            origin=Origin.from_dict(data.get("origin")),
        )

