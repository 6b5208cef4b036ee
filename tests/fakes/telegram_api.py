"""A fake Telegram Bot API server on loopback, for driving the real python-telegram-bot in tests.

`FakeTelegram` answers ``/bot<token>/<method>`` the way api.telegram.org does (JSON,
form-urlencoded and multipart requests; ``{"ok": true, "result": ...}`` or
``{"ok": false, "error_code": ..., "description": ...}`` answers) and serves file downloads at
``/file/bot<token>/<file_path>``. Point python-telegram-bot at it with `ptb_builder` (or by
hand: ``ApplicationBuilder().token(fake.token).base_url(fake.base_url)
.base_file_url(fake.base_file_url)``) and run the Application with `polling` or `webhook`::

    async with FakeTelegram() as fake:
        app = ptb_builder(fake).build()
        app.add_handler(CommandHandler("start", start))
        alice = fake.user("Alice")
        async with polling(app):
            fake.text(fake.private_chat(alice), alice, "/start")
            reply = await fake.wait_for("sendMessage")

Tests queue realistic updates with the builders (`FakeTelegram.text`, `FakeTelegram.video`,
`FakeTelegram.album`, `FakeTelegram.callback`, ...), read what the bot did from
`FakeTelegram.calls` and the helpers built on it, and wait for calls with
`FakeTelegram.wait_for`, which is woken by every call (no polling). Fault switches make the
server answer like Telegram does when a user blocked the bot, a chat is gone, or flood control
kicks in, and `local_mode` switches between the cloud API's file limits and a self-hosted
``--local`` server's.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import copy
import functools
import hashlib
import itertools
import json
import mimetypes
import re
import shutil
import socket
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import unquote, urlsplit

from aiohttp import BodyPartReader, ClientError, ClientSession, ClientTimeout, web
from telegram.ext import Application, ApplicationBuilder

JSONDict = dict[str, Any]

MB = 1024 * 1024
#: The cloud Bot API lets bots download files up to this size with getFile.
CLOUD_DOWNLOAD_LIMIT = 20 * MB
#: The cloud Bot API accepts uploads up to this size.
CLOUD_UPLOAD_LIMIT = 50 * MB
#: A self-hosted Bot API server started with ``--local`` accepts uploads up to this size.
LOCAL_UPLOAD_LIMIT = 2000 * MB

DEFAULT_TOKEN = "7000000001:AAFakeTokenForNemobotTests_0123456789ab"

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024

_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

# Update types Telegram leaves out unless they are named in allowed_updates.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

# Request parameters that are plain strings on the wire; every other form value is JSON.
_STRING_PARAMS = frozenset(
    {
        "action",
        "animation",
        "audio",
        "callback_query_id",
        "caption",
        "certificate",
        "description",
        "document",
        "emoji",
        "file_id",
        "file_name",
        "filename",
        "inline_message_id",
        "ip_address",
        "language_code",
        "name",
        "parse_mode",
        "performer",
        "photo",
        "query",
        "secret_token",
        "short_description",
        "sticker",
        "text",
        "thumbnail",
        "title",
        "url",
        "video",
        "video_note",
        "voice",
    }
)

# Folder of a file's path on the cloud API, by media kind.
_FILE_DIRS = {
    "animation": "animations",
    "audio": "music",
    "document": "documents",
    "photo": "photos",
    "sticker": "stickers",
    "video": "videos",
    "video_note": "video_notes",
    "voice": "voice",
}

# Leading bytes of real file_ids, by media kind (they encode the type of the file).
_FILE_ID_PREFIX = {
    "animation": "CgACAgIAAxkBAAI",
    "audio": "CQACAgIAAxkBAAI",
    "document": "BQACAgIAAxkBAAI",
    "photo": "AgACAgIAAxkBAAI",
    "sticker": "CAACAgIAAxkBAAI",
    "video": "BAACAgIAAxkBAAI",
    "video_note": "DQACAgIAAxkBAAI",
    "voice": "AwACAgIAAxkBAAI",
}

# Defaults for the metadata of a file of each kind when a test does not give it.
_KIND_DEFAULTS: dict[str, JSONDict] = {
    "animation": {
        "file_name": "animation.mp4",
        "mime_type": "video/mp4",
        "width": 480,
        "height": 270,
        "duration": 3,
    },
    "audio": {"file_name": "audio.mp3", "mime_type": "audio/mpeg", "duration": 30},
    "document": {"file_name": "document.bin", "mime_type": "application/octet-stream"},
    "photo": {"width": 1280, "height": 960},
    "sticker": {"width": 512, "height": 512},
    "video": {
        "file_name": "video.mp4",
        "mime_type": "video/mp4",
        "width": 1280,
        "height": 720,
        "duration": 10,
    },
    "video_note": {"width": 240, "height": 240, "duration": 5},
    "voice": {"mime_type": "audio/ogg", "duration": 3},
}

_DEFAULT_EXTENSIONS = {
    "animation": ".mp4",
    "audio": ".mp3",
    "document": "",
    "photo": ".jpg",
    "sticker": ".webp",
    "video": ".mp4",
    "video_note": ".mp4",
    "voice": ".oga",
}

_PHOTO_WIDTHS = (90, 320, 800)


class BotApiError(Exception):
    """An error answer of the Bot API: HTTP status, description and optional parameters."""

    def __init__(
        self, error_code: int, description: str, parameters: JSONDict | None = None
    ) -> None:
        super().__init__(f"{error_code} {description}")
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def payload(self) -> JSONDict:
        """The JSON body Telegram sends with this error."""
        body: JSONDict = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad_request(message: str) -> BotApiError:
    return BotApiError(400, f"Bad Request: {message}")


class _ParseError(Exception):
    """A parse_mode text Telegram would refuse with "can't parse entities"."""


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
        """The user in Bot API JSON shape."""
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
class FakeFile:
    """A file the fake server knows by its file_id.

    ``data`` holds the bytes; when only a size was declared it is None and downloads serve that
    many zero bytes without ever holding them in memory.
    """

    file_id: str
    file_unique_id: str
    kind: str
    size: int
    file_path: str
    data: bytes | None = None
    file_name: str | None = None
    mime_type: str | None = None
    width: int | None = None
    height: int | None = None
    duration: int | None = None
    source_url: str | None = None
    variants: list[FakeFile] = field(default_factory=list)
    local_path: Path | None = None

    def read(self) -> bytes:
        """The file's bytes (zero bytes of the declared size when none were registered)."""
        return self.data if self.data is not None else bytes(self.size)


@dataclass(frozen=True)
class UploadedFile:
    """One file part of a multipart request, as the bot uploaded it."""

    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class RecordedCall:
    """One Bot API request and the answer the fake gave to it."""

    method: str
    params: JSONDict
    files: dict[str, UploadedFile]
    ok: bool
    result: Any = None
    error_code: int | None = None
    description: str | None = None
    known: bool = True

    @property
    def chat_id(self) -> Any:
        """The request's chat_id parameter, if any."""
        return self.params.get("chat_id")


@dataclass(frozen=True)
class WebhookDelivery:
    """One POST of an update to the registered webhook."""

    update_id: int
    url: str
    secret_token: str | None
    status: int | None
    error: str | None

    @property
    def ok(self) -> bool:
        """Whether the webhook answered with a 2xx status."""
        return self.status is not None and 200 <= self.status < 300


@dataclass
class _Webhook:
    url: str
    secret_token: str | None
    max_connections: int
    allowed_updates: list[str] | None
    ip_address: str | None
    has_custom_certificate: bool
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class _Fault:
    method: str | None
    chat_id: int | None
    remaining: int | None
    error: BotApiError


@dataclass
class _StoredMessage:
    data: JSONDict
    from_bot: bool
    deleted: bool = False


_Handler = Callable[[JSONDict, dict[str, UploadedFile]], Awaitable[Any]]
CallPredicate = Callable[[RecordedCall], bool]


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _now() -> int:
    return int(time.time())


# --------------------------------------------------------------------------------------------
# Entities: commands and mentions in incoming text, and the three parse modes for bot text.
# --------------------------------------------------------------------------------------------

_COMMAND_RE = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")
_MENTION_RE = re.compile(r"(?<![\w@/])@[A-Za-z0-9_]{4,32}(?!\w)")


def detect_entities(text: str) -> list[JSONDict]:
    """The ``bot_command`` and ``mention`` entities Telegram attaches to a user's text.

    Offsets and lengths are in UTF-16 code units, as in the Bot API.
    """
    entities: list[JSONDict] = []
    taken: list[tuple[int, int]] = []
    for match in _COMMAND_RE.finditer(text):
        taken.append(match.span())
        entities.append(
            {
                "type": "bot_command",
                "offset": _utf16_len(text[: match.start()]),
                "length": _utf16_len(match.group()),
            }
        )
    for match in _MENTION_RE.finditer(text):
        start, end = match.span()
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            continue
        entities.append(
            {
                "type": "mention",
                "offset": _utf16_len(text[:start]),
                "length": _utf16_len(match.group()),
            }
        )
    entities.sort(key=lambda e: e["offset"])
    return entities


class _TextBuilder:
    """Accumulates output text and entities with UTF-16 offsets."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0
        self.entities: list[JSONDict] = []

    def emit(self, text: str) -> None:
        self.parts.append(text)
        self.pos += _utf16_len(text)

    def add(self, kind: str, start: int, extra: JSONDict | None = None) -> None:
        length = self.pos - start
        if length > 0:
            self.entities.append({"type": kind, "offset": start, "length": length, **(extra or {})})

    def result(self) -> tuple[str, list[JSONDict]]:
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), self.entities


_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_TAG_RE = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)"
    r"((?:\s+[a-zA-Z_-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>\"']+))?)*)\s*>"
)
_ATTR_RE = re.compile(r"([a-zA-Z_-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>\"']+)))?")
_HTML_ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|lt|gt|amp|quot);")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode())


def parse_html(source: str) -> tuple[str, list[JSONDict]]:
    """Parse Telegram-flavoured HTML into plain text and entities, or raise like Telegram."""
    out = _TextBuilder()
    stack: list[tuple[str, int, JSONDict]] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char == "<":
            match = _TAG_RE.match(source, i)
            offset = _byte_offset(source, i)
            if match is None:
                raise _ParseError(f'Unsupported start tag "" at byte offset {offset}')
            closing, name, raw_attrs = match.group(1) == "/", match.group(2).lower(), match.group(3)
            if name not in _HTML_TAGS:
                kind = "end" if closing else "start"
                raise _ParseError(f'Unsupported {kind} tag "{name}" at byte offset {offset}')
            if closing:
                if not stack:
                    raise _ParseError(f"Unexpected end tag at byte offset {offset}")
                if stack[-1][0] != name:
                    raise _ParseError(
                        f"Unmatched end tag at byte offset {offset}, expected "
                        f'"</{stack[-1][0]}>", found "</{name}>"'
                    )
                open_name, start, extra = stack.pop()
                kind = extra.pop("_type")
                if open_name == "code" and stack and stack[-1][0] == "pre":
                    language = extra.pop("_language", None)
                    if language:
                        stack[-1][2]["language"] = language
                    if stack[-1][1] == start:
                        i = match.end()
                        continue
                extra.pop("_language", None)
                out.add(kind, start, extra)
            else:
                attrs = {
                    m.group(1).lower(): next((g for g in m.groups()[1:] if g is not None), "")
                    for m in _ATTR_RE.finditer(raw_attrs)
                }
                extra = {"_type": _HTML_TAGS[name]}
                if name == "a":
                    href = attrs.get("href", "")
                    user_match = re.fullmatch(r"tg://user\?id=(\d+)", href)
                    if user_match:
                        extra = {
                            "_type": "text_mention",
                            "user": {
                                "id": int(user_match.group(1)),
                                "is_bot": False,
                                "first_name": "",
                            },
                        }
                    else:
                        extra["url"] = href
                elif name == "span" and attrs.get("class") != "tg-spoiler":
                    raise _ParseError(
                        f'Tag "span" must have class "tg-spoiler" at byte offset {offset}'
                    )
                elif name == "code" and attrs.get("class", "").startswith("language-"):
                    extra["_language"] = attrs["class"].removeprefix("language-")
                elif name == "blockquote" and "expandable" in attrs:
                    extra["_type"] = "expandable_blockquote"
                elif name == "tg-emoji":
                    extra["custom_emoji_id"] = attrs.get("emoji-id", "")
                stack.append((name, out.pos, extra))
            i = match.end()
        elif char == "&":
            match = _HTML_ENTITY_RE.match(source, i)
            if match is None:
                out.emit("&")
                i += 1
                continue
            name = match.group(1)
            if name.startswith("#x"):
                out.emit(chr(int(name[2:], 16)))
            elif name.startswith("#"):
                out.emit(chr(int(name[1:])))
            else:
                out.emit(_NAMED_ENTITIES[name])
            i = match.end()
        else:
            out.emit(char)
            i += 1
    if stack:
        raise _ParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return out.result()


_MDV2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MDV2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
}


def parse_markdown_v2(source: str) -> tuple[str, list[JSONDict]]:
    """Parse MarkdownV2 into plain text and entities, or raise like Telegram (notably for
    reserved characters that are not escaped)."""
    out = _TextBuilder()
    stack: list[tuple[str, int, int]] = []  # (kind, start in output, byte offset in source)
    quote_start: int | None = None
    pre_extra: JSONDict | None = None
    toggles = (
        ("||", "spoiler"),
        ("__", "underline"),
        ("_", "italic"),
        ("*", "bold"),
        ("~", "strikethrough"),
    )
    i = 0
    n = len(source)
    while i < n:
        char = source[i]
        top = stack[-1][0] if stack else None
        if char == "\\":
            if i + 1 < n and 0 < ord(source[i + 1]) < 127:
                out.emit(source[i + 1])
                i += 2
                continue
            raise _ParseError(
                "Character '\\' is reserved and must be escaped with the preceding '\\'"
            )
        if top in ("code", "pre"):
            if top == "pre" and source.startswith("```", i):
                kind, start, _ = stack.pop()
                out.add(kind, start, pre_extra)
                i += 3
            elif top == "code" and char == "`":
                kind, start, _ = stack.pop()
                out.add(kind, start)
                i += 1
            else:
                out.emit(char)
                i += 1
            continue
        if char == "\n" and quote_start is not None and not source.startswith(">", i + 1):
            out.add("blockquote", quote_start)
            quote_start = None
        if char == ">" and (i == 0 or source[i - 1] == "\n"):
            if quote_start is None:
                quote_start = out.pos
            i += 1
            continue
        if source.startswith("```", i):
            stack.append(("pre", out.pos, _byte_offset(source, i)))
            newline = source.find("\n", i + 3)
            language = source[i + 3 : newline] if newline != -1 else None
            if language is not None and re.fullmatch(r"[\w+#.-]*", language):
                pre_extra = {"language": language} if language else None
                i = newline + 1
            else:
                pre_extra = None
                i += 3
            continue
        if char == "`":
            stack.append(("code", out.pos, _byte_offset(source, i)))
            i += 1
            continue
        toggled = False
        for marker, kind in toggles:
            if source.startswith(marker, i):
                if top == kind:
                    _, start, _ = stack.pop()
                    out.add(kind, start)
                elif any(entry[0] == kind for entry in stack):
                    raise _ParseError(
                        f"Can't find end of {_MDV2_NAMES[top or kind]} entity at byte offset "
                        f"{stack[-1][2]}"
                    )
                else:
                    stack.append((kind, out.pos, _byte_offset(source, i)))
                i += len(marker)
                toggled = True
                break
        if toggled:
            continue
        if char == "[":
            stack.append(("text_link", out.pos, _byte_offset(source, i)))
            i += 1
            continue
        if char == "]" and top == "text_link":
            if not source.startswith("(", i + 1):
                raise _ParseError(
                    f"Can't find end of a URL at byte offset {_byte_offset(source, i)}"
                )
            j = i + 2
            url_chars: list[str] = []
            while j < n and source[j] != ")":
                if source[j] == "\\" and j + 1 < n:
                    j += 1
                url_chars.append(source[j])
                j += 1
            if j >= n:
                raise _ParseError(
                    f"Can't find end of a URL at byte offset {_byte_offset(source, i)}"
                )
            _, start, _ = stack.pop()
            out.add("text_link", start, {"url": "".join(url_chars)})
            i = j + 1
            continue
        if char in _MDV2_RESERVED:
            raise _ParseError(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        out.emit(char)
        i += 1
    if quote_start is not None:
        out.add("blockquote", quote_start)
    if stack:
        kind, _, offset = stack[-1]
        raise _ParseError(f"Can't find end of {_MDV2_NAMES[kind]} entity at byte offset {offset}")
    return out.result()


def parse_markdown(source: str) -> tuple[str, list[JSONDict]]:
    """Parse legacy Markdown (bold, italic, code, pre, links; no nesting)."""
    out = _TextBuilder()
    markers = {"*": "bold", "_": "italic", "`": "code"}
    i = 0
    n = len(source)
    while i < n:
        char = source[i]
        if char == "\\" and i + 1 < n and source[i + 1] in "_*`[":
            out.emit(source[i + 1])
            i += 2
            continue
        if source.startswith("```", i):
            end = source.find("```", i + 3)
            if end == -1:
                raise _ParseError(
                    f"Can't find end of the entity starting at byte offset "
                    f"{_byte_offset(source, i)}"
                )
            start = out.pos
            out.emit(source[i + 3 : end])
            out.add("pre", start)
            i = end + 3
            continue
        if char in markers:
            end = source.find(char, i + 1)
            if end == -1:
                raise _ParseError(
                    f"Can't find end of the entity starting at byte offset "
                    f"{_byte_offset(source, i)}"
                )
            start = out.pos
            out.emit(source[i + 1 : end])
            out.add(markers[char], start)
            i = end + 1
            continue
        if char == "[":
            match = re.compile(r"\[([^\]]*)\]\(([^)]*)\)").match(source, i)
            if match is None:
                raise _ParseError(
                    f"Can't find end of the entity starting at byte offset "
                    f"{_byte_offset(source, i)}"
                )
            start = out.pos
            out.emit(match.group(1))
            out.add("text_link", start, {"url": match.group(2)})
            i = match.end()
            continue
        out.emit(char)
        i += 1
    return out.result()


def format_text(text: str, parse_mode: Any, entities: Any) -> tuple[str, list[JSONDict]]:
    """Apply a parse mode (or explicit entities) the way Telegram does before storing text."""
    if parse_mode:
        mode = str(parse_mode).lower()
        parsers = {"html": parse_html, "markdownv2": parse_markdown_v2, "markdown": parse_markdown}
        parser = parsers.get(mode)
        if parser is None:
            raise _bad_request("unsupported parse_mode")
        try:
            return parser(text)
        except _ParseError as exc:
            raise _bad_request(f"can't parse entities: {exc}") from None
    if isinstance(entities, list):
        return text, entities
    return text, []


def _file_id(kind: str, number: int, bot_id: int) -> tuple[str, str]:
    # Real file_ids run to 70-90 characters: too long for 64-byte callback_data, on purpose.
    digest = hashlib.sha256(f"{bot_id}:{kind}:{number}".encode()).digest()
    raw = digest + digest[:16] + number.to_bytes(4, "big")
    tail = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    unique = "AQAD" + base64.urlsafe_b64encode(digest[:9]).decode().rstrip("=")
    return f"{_FILE_ID_PREFIX.get(kind, 'BQACAgIAAxkBAAI')}{tail}", unique


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------


class FakeTelegram:
    """A Bot API server on 127.0.0.1 that python-telegram-bot can talk to as if to Telegram.

    Use ``async with FakeTelegram() as fake:`` (or `start`/`stop`), then hand `base_url`,
    `base_file_url` and `token` to python-telegram-bot.

    Args:
        token: The bot token the server accepts; other tokens get 401 Unauthorized.
        bot_username: The bot's username, returned by getMe.
        bot_name: The bot's first name.
        local_mode: Behave like a self-hosted Bot API server started with ``--local``: no getFile
            size limit, getFile answers an absolute path on disk, 2000 MB uploads, ``file://``
            inputs accepted. Otherwise behave like the cloud API (20 MB downloads, 50 MB
            uploads). Can be switched at any time through the attribute.
        files_dir: Where local-mode files are written; a temporary directory removed on stop if
            not given.
        strict_chats: Answer 400 "chat not found" for chats the fake has never seen (the bot
            messaging a user id instead of a group id is a classic bug). When False, unknown
            chats are made up from the sign of the id.
        privacy_mode: Withhold group messages a bot in privacy mode would not get (anything
            that is not a command, a reply to the bot or, if ``privacy_delivers_mentions``, a
            mention of it).
    """

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "nemo_test_bot",
        bot_name: str = "Nemo Test Bot",
        local_mode: bool = False,
        files_dir: Path | None = None,
        strict_chats: bool = True,
        privacy_mode: bool = False,
        privacy_delivers_mentions: bool = True,
    ) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_user = FakeUser(self.bot_id, bot_name, username=bot_username, is_bot=True)
        self.local_mode = local_mode
        self.strict_chats = strict_chats
        self.privacy_mode = privacy_mode
        self.privacy_delivers_mentions = privacy_delivers_mentions
        #: Seconds before a failed webhook delivery is retried (a new update retries at once).
        self.webhook_retry_delay = 1.0
        self._download_limit: int | None = None
        self._upload_limit: int | None = None

        self.calls: list[RecordedCall] = []
        self.webhook_deliveries: list[WebhookDelivery] = []
        self.withheld_updates: list[JSONDict] = []
        self.downloads: list[str] = []

        self._files_dir_arg = files_dir
        self._files_dir: Path | None = None
        self._owns_files_dir = False
        self._chats: dict[int, FakeChat] = {}
        self._topics: dict[int, set[int]] = {}
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._messages: dict[tuple[int, int], _StoredMessage] = {}
        self._sent: list[JSONDict] = []
        self._files: dict[str, FakeFile] = {}
        self._files_by_path: dict[str, FakeFile] = {}
        self._updates: list[JSONDict] = []
        self._delivered: set[int] = set()
        self._allowed_updates: list[str] | None = None
        self._webhook: _Webhook | None = None
        self._commands: dict[tuple[str, str], list[JSONDict]] = {}
        self._callback_queries: dict[str, bool] = {}
        self._callback_answers: dict[str, JSONDict] = {}
        self._blocked: set[int] = set()
        self._missing_chats: set[int] = set()
        self._faults: list[_Fault] = []

        self._update_seq = itertools.count(500_000_001)
        self._user_seq = itertools.count(100_000_001)
        self._group_seq = itertools.count(4_000_000_001)
        self._supergroup_seq = itertools.count(1_001_000_000_001)
        self._file_seq = itertools.count(1)
        self._callback_seq = itertools.count(1)
        self._media_group_seq = itertools.count(13_000_000_000_000_001)
        self._poll_generation = 0
        self._parked_polls = 0

        self._state_event = asyncio.Event()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._session: ClientSession | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._port: int | None = None

        handlers: dict[str, _Handler] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "sendChatAction": self._send_chat_action,
            "sendMediaGroup": self._send_media_group,
            "answerCallbackQuery": self._answer_callback_query,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "getFile": self._get_file,
        }
        for kind in _FILE_DIRS:
            if kind == "sticker":
                continue
            method = "send" + "".join(part.capitalize() for part in kind.split("_"))
            handlers[method] = functools.partial(self._send_media, kind)
        self._handlers = {name.lower(): (name, handler) for name, handler in handlers.items()}

    # ---------------------------------------------------------------- lifecycle and addresses

    async def start(self) -> Self:
        """Start listening on a free loopback port."""
        app = web.Application(client_max_size=LOCAL_UPLOAD_LIMIT + MB)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(
            app, handler_cancellation=True, access_log=None, shutdown_timeout=2.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = int(self._runner.addresses[0][1])
        self._session = ClientSession()
        if self._files_dir_arg is not None:
            self._files_dir = self._files_dir_arg
        else:
            self._files_dir = Path(tempfile.mkdtemp(prefix="fake-telegram-"))
            self._owns_files_dir = True
        self._closing = False
        self._webhook_task = asyncio.create_task(self._webhook_loop(), name="fake-telegram-webhook")
        return self

    async def stop(self) -> None:
        """Stop the server, waking any pending long poll, and remove its temporary files."""
        self._closing = True
        self._notify()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._owns_files_dir and self._files_dir is not None:
            await asyncio.to_thread(shutil.rmtree, self._files_dir, True)
            self._files_dir = None
            self._owns_files_dir = False

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        """The port the server listens on."""
        if self._port is None:
            raise RuntimeError("FakeTelegram is not started")
        return self._port

    @property
    def url(self) -> str:
        """The server's root URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """What to pass to ``ApplicationBuilder().base_url()``."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """What to pass to ``ApplicationBuilder().base_file_url()``."""
        return f"{self.url}/file/bot"

    @property
    def bot_username(self) -> str:
        """The bot's username, without the @."""
        assert self.bot_user.username is not None
        return self.bot_user.username

    @property
    def download_limit(self) -> int | None:
        """The largest file getFile hands out: 20 MB on the cloud API, none in local mode.

        Assign to override it (e.g. a small limit to test with small files); None restores the
        mode's default.
        """
        if self._download_limit is not None:
            return self._download_limit
        return None if self.local_mode else CLOUD_DOWNLOAD_LIMIT

    @download_limit.setter
    def download_limit(self, value: int | None) -> None:
        self._download_limit = value

    @property
    def upload_limit(self) -> int:
        """The largest upload accepted: 50 MB on the cloud API, 2000 MB in local mode.

        Assign to override it; None restores the mode's default.
        """
        if self._upload_limit is not None:
            return self._upload_limit
        return LOCAL_UPLOAD_LIMIT if self.local_mode else CLOUD_UPLOAD_LIMIT

    @upload_limit.setter
    def upload_limit(self, value: int | None) -> None:
        self._upload_limit = value

    # ---------------------------------------------------------------- users, chats, files

    def user(
        self,
        first_name: str = "Alice",
        *,
        username: str | None = None,
        last_name: str | None = None,
        language_code: str | None = "en",
    ) -> FakeUser:
        """A new user with a fresh id (username defaults to the lowercased first name)."""
        return FakeUser(
            next(self._user_seq),
            first_name,
            username=username if username is not None else first_name.lower(),
            last_name=last_name,
            language_code=language_code,
        )

    def private_chat(self, user: FakeUser) -> FakeChat:
        """The private chat between ``user`` and the bot (its id is the user's id)."""
        chat = FakeChat(
            user.id,
            "private",
            username=user.username,
            first_name=user.first_name,
            last_name=user.last_name,
        )
        return self._register_chat(chat)

    def group(self, title: str = "Editors") -> FakeChat:
        """A new basic group the bot is a member of."""
        return self._register_chat(FakeChat(-next(self._group_seq), "group", title=title))

    def supergroup(
        self, title: str = "Studio", *, forum: bool = False, username: str | None = None
    ) -> FakeChat:
        """A new supergroup (``-100…`` id), optionally a forum with topics."""
        chat = FakeChat(
            -next(self._supergroup_seq),
            "supergroup",
            title=title,
            username=username,
            is_forum=forum,
        )
        return self._register_chat(chat)

    def forum_topic(self, chat: FakeChat, name: str = "Topic", *, queue: bool = False) -> int:
        """Create a topic in a forum supergroup; returns its message_thread_id."""
        if not chat.is_forum:
            raise ValueError(f"chat {chat.id} is not a forum")
        self._register_chat(chat)
        mid = self._next_message_id(chat.id)
        self._topics.setdefault(chat.id, set()).add(mid)
        message: JSONDict = {
            "message_id": mid,
            "date": _now(),
            "chat": chat.to_dict(),
            "message_thread_id": mid,
            "is_topic_message": True,
            "forum_topic_created": {"name": name, "icon_color": 7322096},
        }
        self._messages[(chat.id, mid)] = _StoredMessage(message, from_bot=False)
        if queue:
            self._queue({"update_id": next(self._update_seq), "message": copy.deepcopy(message)})
        return mid

    def register_file(
        self,
        data: bytes | None = None,
        *,
        size: int | None = None,
        kind: str = "document",
        file_name: str | None = None,
        mime_type: str | None = None,
        width: int | None = None,
        height: int | None = None,
        duration: int | None = None,
        source_url: str | None = None,
        file_id: str | None = None,
    ) -> FakeFile:
        """Make a file known under a file_id (a new one unless given), with its bytes or only a
        declared size.

        Declaring only ``size`` lets a test have a "30 MB video" without allocating 30 MB.
        Photos also get the smaller sizes Telegram generates, each with its own file_id.
        """
        if kind not in _FILE_DIRS:
            raise ValueError(f"unknown file kind {kind!r}")
        if data is None and size is None:
            raise ValueError("give the file's bytes or its size")
        if data is not None and size is not None and size != len(data):
            raise ValueError("size does not match the bytes given")
        defaults = _KIND_DEFAULTS[kind]
        if mime_type is None and file_name is not None and kind in ("document", "audio"):
            mime_type = mimetypes.guess_type(file_name, strict=False)[0]
        file_name = file_name if file_name is not None else defaults.get("file_name")
        mime_type = mime_type if mime_type is not None else defaults.get("mime_type")
        width = width if width is not None else defaults.get("width")
        height = height if height is not None else defaults.get("height")
        duration = duration if duration is not None else defaults.get("duration")
        if file_id is not None and file_id in self._files:
            raise ValueError(f"file_id {file_id!r} is already registered")
        entry = self._new_file(
            kind,
            file_id=file_id,
            data=data,
            size=len(data) if data is not None else int(size or 0),
            file_name=file_name,
            mime_type=mime_type,
            width=width,
            height=height,
            duration=duration,
            source_url=source_url,
        )
        if kind == "photo" and width and height:
            for small in (w for w in _PHOTO_WIDTHS if w < width):
                small_height = max(1, round(height * small / width))
                entry.variants.append(
                    self._new_file(
                        "photo",
                        data=None,
                        size=max(1, entry.size * small * small_height // (width * height)),
                        width=small,
                        height=small_height,
                    )
                )
        return entry

    def _new_file(
        self,
        kind: str,
        *,
        data: bytes | None,
        size: int,
        file_id: str | None = None,
        file_name: str | None = None,
        mime_type: str | None = None,
        width: int | None = None,
        height: int | None = None,
        duration: int | None = None,
        source_url: str | None = None,
    ) -> FakeFile:
        number = next(self._file_seq)
        new_id, unique_id = _file_id(kind, number, self.bot_id)
        file_id = file_id or new_id
        extension = Path(file_name).suffix if file_name else ""
        if not extension:
            extension = mimetypes.guess_extension(mime_type or "") or _DEFAULT_EXTENSIONS[kind]
        entry = FakeFile(
            file_id=file_id,
            file_unique_id=unique_id,
            kind=kind,
            size=size,
            file_path=f"{_FILE_DIRS[kind]}/file_{number}{extension}",
            data=data,
            file_name=file_name,
            mime_type=mime_type,
            width=width,
            height=height,
            duration=duration,
            source_url=source_url,
        )
        self._files[file_id] = entry
        self._files_by_path[entry.file_path] = entry
        return entry

    def file(self, file_id: str) -> FakeFile:
        """The file known under ``file_id`` (KeyError if none)."""
        return self._files[file_id]

    # ---------------------------------------------------------------- update builders

    def text(
        self,
        chat: FakeChat,
        user: FakeUser,
        text: str,
        reply_to: int | None = None,
        thread_id: int | None = None,
        *,
        queue: bool = True,
    ) -> JSONDict:
        """Queue a text message from ``user`` in ``chat``; returns the update.

        ``/command`` words get a ``bot_command`` entity and ``@username`` words a ``mention``
        entity, as Telegram adds them. ``reply_to`` is the message_id replied to (it must exist
        in the chat); ``thread_id`` puts the message in a forum topic.
        """
        content: JSONDict = {"text": text}
        entities = detect_entities(text)
        if entities:
            content["entities"] = entities
        return self._incoming(
            chat, user, content, reply_to=reply_to, thread_id=thread_id, queue=queue
        )

    def edit(
        self, chat: FakeChat, user: FakeUser, message_id: int, text: str, *, queue: bool = True
    ) -> JSONDict:
        """Queue an ``edited_message`` update: the user edited one of their text messages."""
        stored = self._messages.get((chat.id, message_id))
        if stored is None or stored.from_bot:
            raise ValueError(f"no message {message_id} of a user in chat {chat.id}")
        stored.data["text"] = text
        entities = detect_entities(text)
        stored.data.pop("entities", None)
        if entities:
            stored.data["entities"] = entities
        stored.data["edit_date"] = _now()
        update = {"update_id": next(self._update_seq), "edited_message": copy.deepcopy(stored.data)}
        if queue:
            self._queue(update)
        return update

    def media(
        self,
        kind: str,
        chat: FakeChat,
        user: FakeUser,
        data: bytes | None = None,
        *,
        size: int | None = None,
        file: FakeFile | None = None,
        caption: str | None = None,
        reply_to: int | None = None,
        thread_id: int | None = None,
        media_group_id: str | None = None,
        queue: bool = True,
        **attrs: Any,
    ) -> JSONDict:
        """Queue a media message of ``kind`` (video, photo, document, audio, voice, animation,
        video_note); returns the update.

        Pass the bytes, or only ``size``, or an already registered ``file``. ``attrs`` are the
        file's metadata (file_name, mime_type, width, height, duration).
        """
        if file is None:
            file = self.register_file(data, size=size, kind=kind, **attrs)
        content = self._media_content(file)
        if media_group_id is not None:
            content["media_group_id"] = media_group_id
        if caption is not None:
            content["caption"] = caption
            entities = detect_entities(caption)
            if entities:
                content["caption_entities"] = entities
        return self._incoming(
            chat, user, content, reply_to=reply_to, thread_id=thread_id, queue=queue
        )

    def video(
        self, chat: FakeChat, user: FakeUser, data: bytes | None = None, **kwargs: Any
    ) -> JSONDict:
        """Queue a video message (see `media` for the keyword arguments)."""
        return self.media("video", chat, user, data, **kwargs)

    def photo(
        self, chat: FakeChat, user: FakeUser, data: bytes | None = None, **kwargs: Any
    ) -> JSONDict:
        """Queue a photo message; ``message.photo`` lists several sizes, largest last."""
        return self.media("photo", chat, user, data, **kwargs)

    def document(
        self, chat: FakeChat, user: FakeUser, data: bytes | None = None, **kwargs: Any
    ) -> JSONDict:
        """Queue a document (file) message."""
        return self.media("document", chat, user, data, **kwargs)

    def audio(
        self, chat: FakeChat, user: FakeUser, data: bytes | None = None, **kwargs: Any
    ) -> JSONDict:
        """Queue an audio (music) message."""
        return self.media("audio", chat, user, data, **kwargs)

    def voice(
        self, chat: FakeChat, user: FakeUser, data: bytes | None = None, **kwargs: Any
    ) -> JSONDict:
        """Queue a voice note."""
        return self.media("voice", chat, user, data, **kwargs)

    def animation(
        self, chat: FakeChat, user: FakeUser, data: bytes | None = None, **kwargs: Any
    ) -> JSONDict:
        """Queue an animation (GIF); like Telegram it also carries a ``document`` field."""
        return self.media("animation", chat, user, data, **kwargs)

    def video_note(
        self, chat: FakeChat, user: FakeUser, data: bytes | None = None, **kwargs: Any
    ) -> JSONDict:
        """Queue a round video note."""
        return self.media("video_note", chat, user, data, **kwargs)

    def album(
        self,
        chat: FakeChat,
        user: FakeUser,
        files: Sequence[FakeFile | bytes],
        caption: str | None = None,
        *,
        kind: str = "video",
        reply_to: int | None = None,
        thread_id: int | None = None,
        queue: bool = True,
    ) -> list[JSONDict]:
        """Queue an album: one update per file sharing a media_group_id, caption on the first.

        Raw bytes become files of ``kind``; registered `FakeFile` items keep their own kind.
        """
        if not 2 <= len(files) <= 10:
            raise ValueError("an album has 2 to 10 items")
        group_id = str(next(self._media_group_seq))
        updates = []
        for index, item in enumerate(files):
            registered = item if isinstance(item, FakeFile) else self.register_file(item, kind=kind)
            updates.append(
                self.media(
                    registered.kind,
                    chat,
                    user,
                    file=registered,
                    caption=caption if index == 0 else None,
                    reply_to=reply_to,
                    thread_id=thread_id,
                    media_group_id=group_id,
                    queue=queue,
                )
            )
        return updates

    def callback(
        self,
        chat: FakeChat,
        user: FakeUser,
        message_id: int,
        data: str,
        *,
        check_button: bool = True,
        queue: bool = True,
    ) -> JSONDict:
        """Queue a ``callback_query``: ``user`` pressed the inline button carrying ``data`` on
        message ``message_id`` of ``chat``. Returns the update; its query id is
        ``update["callback_query"]["id"]``.

        With ``check_button`` the message must have an inline button with that callback_data,
        since Telegram only sends data of buttons that exist.
        """
        stored = self._messages.get((chat.id, message_id))
        if stored is None or stored.deleted:
            raise ValueError(f"no message {message_id} in chat {chat.id}")
        if check_button:
            markup = stored.data.get("reply_markup") or {}
            buttons = [b for row in markup.get("inline_keyboard", []) for b in row]
            if not any(b.get("callback_data") == data for b in buttons):
                raise ValueError(f"message {message_id} has no inline button with data {data!r}")
        query_id = str(8_000_000_000_000_000_000 + next(self._callback_seq))
        self._callback_queries[query_id] = False
        instance = str(int.from_bytes(hashlib.sha256(str(chat.id).encode()).digest()[:7], "big"))
        update = {
            "update_id": next(self._update_seq),
            "callback_query": {
                "id": query_id,
                "from": user.to_dict(),
                "message": copy.deepcopy(stored.data),
                "chat_instance": instance,
                "data": data,
            },
        }
        if queue:
            self._queue(update)
        return update

    def queue_update(self, update: JSONDict) -> JSONDict:
        """Queue a hand-made update (an update_id is assigned if missing)."""
        update = {"update_id": next(self._update_seq), **update}
        self._queue(update)
        return update

    # ---------------------------------------------------------------- what the bot did

    def calls_to(self, method: str) -> list[RecordedCall]:
        """The recorded calls of one method (case-insensitive, like the Bot API)."""
        return [c for c in self.calls if c.method.lower() == method.lower()]

    def mark(self) -> int:
        """The number of calls so far, to pass as ``since`` to `wait_for`."""
        return len(self.calls)

    async def wait_for(
        self,
        what: str | CallPredicate,
        timeout: float = 5.0,  # noqa: ASYNC109 - a per-call deadline reads best in tests
        *,
        since: int = 0,
        count: int = 1,
    ) -> RecordedCall:
        """Wait until ``count`` calls among ``calls[since:]`` match; return the last of them.

        ``what`` is a method name or a predicate on `RecordedCall`. Every call wakes the
        waiter, so there is no polling. Raises TimeoutError listing the calls seen.
        """
        if isinstance(what, str):
            name = what.lower()
            predicate: CallPredicate = lambda call: call.method.lower() == name  # noqa: E731
        else:
            predicate = what
        try:
            async with asyncio.timeout(timeout):
                while True:
                    event = self._state_event
                    matches = [c for c in self.calls[since:] if predicate(c)]
                    if len(matches) >= count:
                        return matches[count - 1]
                    await event.wait()
        except TimeoutError:
            seen = [c.method for c in self.calls[since:] if c.method != "getUpdates"]
            raise TimeoutError(
                f"no {count} call(s) matching {what!r} within {timeout}s; calls seen: {seen}"
            ) from None

    async def wait_until(
        self,
        condition: Callable[[], object],
        timeout: float = 5.0,  # noqa: ASYNC109 - same convention as wait_for
        *,
        what: str = "condition",
    ) -> None:
        """Wait until ``condition()`` is truthy, re-checking it on every change of the fake's
        state (calls, deliveries, queued updates, parked polls)."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    event = self._state_event
                    if condition():
                        return
                    await event.wait()
        except TimeoutError:
            raise TimeoutError(f"{what} not reached within {timeout}s") from None

    async def wait_delivered(
        self,
        update: JSONDict | int,
        timeout: float = 5.0,  # noqa: ASYNC109 - same convention as wait_for
    ) -> None:
        """Wait until the bot fetched an update with getUpdates or its webhook accepted it."""
        update_id = update if isinstance(update, int) else int(update["update_id"])
        await self.wait_until(
            lambda: update_id in self._delivered, timeout, what=f"delivery of {update_id}"
        )

    async def wait_for_poll(
        self,
        timeout: float = 5.0,  # noqa: ASYNC109 - same convention as wait_for
    ) -> None:
        """Wait until a getUpdates long poll is parked on the server, waiting for updates."""
        await self.wait_until(lambda: self._parked_polls > 0, timeout, what="a parked long poll")

    def sent_messages(self, chat_id: int | None = None) -> list[JSONDict]:
        """Messages the bot sent (any send method), as Telegram returned them, oldest first."""
        return [
            copy.deepcopy(m) for m in self._sent if chat_id is None or m["chat"]["id"] == chat_id
        ]

    def sent_texts(self, chat_id: int | None = None) -> list[str]:
        """Text (or caption) of each message the bot sent."""
        return [str(m.get("text", m.get("caption", ""))) for m in self.sent_messages(chat_id)]

    def message(self, chat_id: int, message_id: int) -> JSONDict | None:
        """A message's current state (after edits), or None if unknown or deleted."""
        stored = self._messages.get((chat_id, message_id))
        if stored is None or stored.deleted:
            return None
        return copy.deepcopy(stored.data)

    def edits(self, message_id: int, chat_id: int | None = None) -> list[RecordedCall]:
        """Successful edit calls (text, caption, markup) that targeted ``message_id``."""
        result = []
        for call in self.calls:
            if not call.ok or not call.method.lower().startswith("editmessage"):
                continue
            if call.params.get("message_id") != message_id:
                continue
            if chat_id is not None and self._chat_key(call.params.get("chat_id")) != chat_id:
                continue
            result.append(call)
        return result

    def deleted(self, chat_id: int) -> list[int]:
        """Ids of messages deleted in a chat."""
        return sorted(
            mid for (cid, mid), m in self._messages.items() if cid == chat_id and m.deleted
        )

    def chat_actions(self, chat_id: int) -> list[str]:
        """The chat actions (``typing``, ``upload_video``...) the bot sent to a chat."""
        return [
            str(c.params.get("action"))
            for c in self.calls_to("sendChatAction")
            if c.ok and self._chat_key(c.params.get("chat_id")) == chat_id
        ]

    def callback_answer(self, query_id: str) -> JSONDict | None:
        """The parameters the bot answered a callback query with, or None if unanswered."""
        return self._callback_answers.get(query_id)

    @property
    def uploads(self) -> list[UploadedFile]:
        """Every file part the bot uploaded, in order."""
        return [f for c in self.calls for f in c.files.values()]

    def commands(self, language_code: str = "", scope: JSONDict | None = None) -> list[JSONDict]:
        """The command list set for a scope (default scope if None) and language."""
        return copy.deepcopy(self._commands.get(self._commands_key(scope, language_code), []))

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Updates queued and not yet confirmed by the bot."""
        return copy.deepcopy(self._updates)

    @property
    def webhook_url(self) -> str | None:
        """The registered webhook URL, if any."""
        return self._webhook.url if self._webhook else None

    async def post_to_webhook(
        self, update: JSONDict, *, secret_token: str | None, url: str | None = None
    ) -> int:
        """POST an update to the registered webhook (or ``url``) with the given secret header
        (None: no header) and return the HTTP status. For testing how the bot's webhook
        checks requests; normal delivery happens by itself."""
        target = url or self.webhook_url
        if target is None:
            raise RuntimeError("no webhook is set")
        status, error = await self._post_update(target, update, secret_token)
        if status is None:
            raise ConnectionError(error)
        return status

    # ---------------------------------------------------------------- fault switches

    def block(self, chat_id: int) -> None:
        """Answer 403 "Forbidden: bot was blocked by the user" to everything aimed at a chat."""
        self._blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        """Undo `block`."""
        self._blocked.discard(chat_id)

    def chat_not_found(self, chat_id: int) -> None:
        """Answer 400 "Bad Request: chat not found" to everything aimed at a chat."""
        self._missing_chats.add(chat_id)

    def flood(
        self,
        retry_after: int = 5,
        *,
        chat_id: int | None = None,
        method: str | None = None,
        count: int | None = 1,
    ) -> None:
        """Answer 429 "Too Many Requests: retry after N" (with ``parameters.retry_after``) to
        the next ``count`` matching calls (None: until `clear_faults`). Without ``method`` it
        hits methods aimed at a chat, never getUpdates."""
        self._faults.append(
            _Fault(
                method,
                chat_id,
                count,
                BotApiError(
                    429,
                    f"Too Many Requests: retry after {retry_after}",
                    {"retry_after": retry_after},
                ),
            )
        )

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str,
        *,
        count: int | None = 1,
        chat_id: int | None = None,
        parameters: JSONDict | None = None,
    ) -> None:
        """Answer the next ``count`` calls of ``method`` with an arbitrary error."""
        self._faults.append(
            _Fault(method, chat_id, count, BotApiError(error_code, description, parameters))
        )

    def clear_faults(self) -> None:
        """Remove every fault switch (blocked chats, missing chats, floods, failures)."""
        self._blocked.clear()
        self._missing_chats.clear()
        self._faults.clear()

    # ---------------------------------------------------------------- internals: state

    def _notify(self) -> None:
        event, self._state_event = self._state_event, asyncio.Event()
        event.set()

    def _register_chat(self, chat: FakeChat) -> FakeChat:
        self._chats[chat.id] = chat
        return chat

    def _next_message_id(self, chat_id: int) -> int:
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        return next(counter)

    def _chat_key(self, chat_ref: Any) -> int | None:
        if isinstance(chat_ref, bool):
            return None
        if isinstance(chat_ref, int):
            return chat_ref
        if isinstance(chat_ref, str):
            if chat_ref.startswith("@"):
                name = chat_ref[1:].lower()
                for chat in self._chats.values():
                    if chat.username and chat.username.lower() == name:
                        return chat.id
                return None
            with contextlib.suppress(ValueError):
                return int(chat_ref)
        return None

    def _resolve_chat(self, chat_ref: Any) -> FakeChat:
        if chat_ref is None or chat_ref == "":
            raise _bad_request("chat_id is empty")
        chat_id = self._chat_key(chat_ref)
        chat = self._chats.get(chat_id) if chat_id is not None else None
        if chat is None:
            if self.strict_chats or chat_id is None:
                raise _bad_request("chat not found")
            if chat_id > 0:
                chat = FakeChat(chat_id, "private", first_name="User")
            elif str(chat_id).startswith("-100"):
                chat = FakeChat(chat_id, "supergroup", title="Supergroup")
            else:
                chat = FakeChat(chat_id, "group", title="Group")
            self._register_chat(chat)
        return chat

    def _snapshot(self, stored: _StoredMessage) -> JSONDict:
        data = copy.deepcopy(stored.data)
        data.pop("reply_to_message", None)
        return data

    def _store_message(
        self,
        chat: FakeChat,
        sender: JSONDict | None,
        content: JSONDict,
        *,
        thread_id: int | None,
        reply: JSONDict | None,
        markup: JSONDict | None,
        from_bot: bool,
    ) -> JSONDict:
        mid = self._next_message_id(chat.id)
        message: JSONDict = {"message_id": mid}
        if sender is not None:
            message["from"] = sender
        message["chat"] = chat.to_dict()
        message["date"] = _now()
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        if reply is not None:
            message["reply_to_message"] = reply
        message.update(content)
        if markup is not None:
            message["reply_markup"] = markup
        self._messages[(chat.id, mid)] = _StoredMessage(message, from_bot=from_bot)
        return copy.deepcopy(message)

    def _incoming(
        self,
        chat: FakeChat,
        user: FakeUser,
        content: JSONDict,
        *,
        reply_to: int | None,
        thread_id: int | None,
        queue: bool,
    ) -> JSONDict:
        self._register_chat(chat)
        if thread_id is not None:
            if not chat.is_forum:
                raise ValueError(f"chat {chat.id} is not a forum; thread_id needs a forum")
            self._topics.setdefault(chat.id, set()).add(thread_id)
        reply = None
        if reply_to is not None:
            stored = self._messages.get((chat.id, reply_to))
            if stored is None:
                raise ValueError(f"no message {reply_to} in chat {chat.id} to reply to")
            reply = self._snapshot(stored)
        message = self._store_message(
            chat,
            user.to_dict(),
            content,
            thread_id=thread_id,
            reply=reply,
            markup=None,
            from_bot=False,
        )
        update = {"update_id": next(self._update_seq), "message": message}
        if queue:
            self._queue(update)
        return copy.deepcopy(update)

    def _visible_to_bot(self, update: JSONDict) -> bool:
        message = update.get("message")
        if not self.privacy_mode or message is None:
            return True
        if message["chat"]["type"] not in ("group", "supergroup"):
            return True
        if "forum_topic_created" in message:
            return True
        text = message.get("text", message.get("caption", ""))
        entities = message.get("entities", message.get("caption_entities", []))
        encoded = text.encode("utf-16-le")
        for entity in entities:
            start, length = entity["offset"] * 2, entity["length"] * 2
            word = encoded[start : start + length].decode("utf-16-le")
            if entity["type"] == "bot_command":
                _, _, addressee = word.partition("@")
                if not addressee or addressee.lower() == self.bot_username.lower():
                    return True
            if (
                entity["type"] == "mention"
                and self.privacy_delivers_mentions
                and word[1:].lower() == self.bot_username.lower()
            ):
                return True
        replied = message.get("reply_to_message")
        return bool(replied and replied.get("from", {}).get("id") == self.bot_id)

    def _queue(self, update: JSONDict) -> None:
        if not self._visible_to_bot(update):
            self.withheld_updates.append(update)
            return
        self._updates.append(copy.deepcopy(update))
        self._notify()

    def _media_content(self, file: FakeFile) -> JSONDict:
        base: JSONDict = {"file_id": file.file_id, "file_unique_id": file.file_unique_id}
        if file.kind == "photo":
            sizes = [*file.variants, file]
            return {
                "photo": [
                    {
                        **{"file_id": s.file_id, "file_unique_id": s.file_unique_id},
                        "file_size": s.size,
                        "width": s.width or 0,
                        "height": s.height or 0,
                    }
                    for s in sizes
                ]
            }
        obj = dict(base)
        if file.kind in ("video", "animation"):
            obj.update(width=file.width or 0, height=file.height or 0, duration=file.duration or 0)
        elif file.kind == "video_note":
            obj.update(length=file.width or 0, duration=file.duration or 0)
        elif file.kind in ("audio", "voice"):
            obj["duration"] = file.duration or 0
        elif file.kind == "sticker":
            obj.update(
                width=file.width or 0,
                height=file.height or 0,
                type="regular",
                is_animated=False,
                is_video=False,
            )
        if file.file_name and file.kind not in ("voice", "video_note", "sticker"):
            obj["file_name"] = file.file_name
        if file.mime_type and file.kind not in ("video_note", "sticker"):
            obj["mime_type"] = file.mime_type
        obj["file_size"] = file.size
        content: JSONDict = {file.kind: obj}
        if file.kind == "animation":
            document = {
                k: v
                for k, v in obj.items()
                if k in ("file_id", "file_unique_id", "file_name", "mime_type", "file_size")
            }
            content["document"] = document
        return content

    def _commands_key(self, scope: Any, language_code: Any) -> tuple[str, str]:
        scope_obj = scope if isinstance(scope, dict) else {"type": "default"}
        return json.dumps(scope_obj, sort_keys=True), str(language_code or "")

    # ---------------------------------------------------------------- internals: HTTP

    async def _parse_request(
        self, request: web.Request
    ) -> tuple[JSONDict, dict[str, UploadedFile]]:
        raw: dict[str, str] = dict(request.query)
        params: JSONDict = {}
        files: dict[str, UploadedFile] = {}
        if request.body_exists:
            content_type = request.content_type
            if content_type == "application/json":
                try:
                    body = await request.json()
                except json.JSONDecodeError:
                    raise _bad_request("can't parse JSON object") from None
                if not isinstance(body, dict):
                    raise _bad_request("can't parse JSON object")
                params.update(body)
            elif content_type == "multipart/form-data":
                reader = await request.multipart()
                while (part := await reader.next()) is not None:
                    if not isinstance(part, BodyPartReader) or part.name is None:
                        continue
                    if part.filename is not None:
                        files[part.name] = UploadedFile(
                            field=part.name,
                            filename=part.filename,
                            content_type=part.headers.get(
                                "Content-Type", "application/octet-stream"
                            ),
                            data=bytes(await part.read(decode=False)),
                        )
                    else:
                        raw[part.name] = await part.text()
            else:
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, str):
                        raw[key] = value
        for key, value in raw.items():
            params.setdefault(key, self._decode_param(key, value))
        return params, files

    @staticmethod
    def _decode_param(key: str, value: str) -> Any:
        if key in _STRING_PARAMS:
            return value
        try:
            return json.loads(value)
        except ValueError:
            return value

    async def _handle_api(self, request: web.Request) -> web.Response:
        method_name = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        handler_entry = self._handlers.get(method_name.lower())
        method = handler_entry[0] if handler_entry else method_name
        params: JSONDict = {}
        files: dict[str, UploadedFile] = {}
        call = RecordedCall(method, params, files, ok=False, known=handler_entry is not None)
        try:
            params, files = await self._parse_request(request)
            call.params, call.files = params, files
            self._check_faults(method, params)
            result = await handler_entry[1](params, files) if handler_entry else True
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            # a parameter of the wrong type or shape: Telegram answers 400, and so do we,
            # with the detail in the description so a fault in the fake stays visible
            error = _bad_request(f"invalid parameters ({exc.__class__.__name__}: {exc})")
            call.error_code, call.description = error.error_code, error.description
            body = error.payload()
            status = error.error_code
        except BotApiError as error:
            call.error_code, call.description = error.error_code, error.description
            body = error.payload()
            status = error.error_code
        else:
            call.ok, call.result = True, result
            body = {"ok": True, "result": result}
            status = 200
        self.calls.append(call)
        self._notify()
        return web.json_response(body, status=status)

    def _check_faults(self, method: str, params: JSONDict) -> None:
        chat_id = self._chat_key(params.get("chat_id"))
        for fault in list(self._faults):
            if fault.method is not None and fault.method.lower() != method.lower():
                continue
            if fault.method is None and "chat_id" not in params:
                continue
            if fault.chat_id is not None and fault.chat_id != chat_id:
                continue
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
            raise fault.error
        if chat_id is None:
            return
        if chat_id in self._blocked:
            chat = self._chats.get(chat_id)
            if chat is not None and chat.type in ("group", "supergroup"):
                raise BotApiError(403, f"Forbidden: bot was kicked from the {chat.type} chat")
            raise BotApiError(403, "Forbidden: bot was blocked by the user")
        if chat_id in self._missing_chats:
            raise _bad_request("chat not found")

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        not_found = web.json_response(
            {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
        )
        if request.match_info["token"] != self.token:
            return not_found
        entry = self._files_by_path.get(unquote(request.match_info["path"]))
        limit = self.download_limit
        if entry is None or (limit is not None and entry.size > limit):
            return not_found
        self.downloads.append(entry.file_id)
        self._notify()
        content_type = entry.mime_type or "application/octet-stream"
        if entry.data is not None:
            return web.Response(body=entry.data, content_type=content_type)
        response = web.StreamResponse(headers={"Content-Type": content_type})
        response.content_length = entry.size
        await response.prepare(request)
        chunk = bytes(64 * 1024)
        remaining = entry.size
        while remaining > 0:
            piece = chunk if remaining >= len(chunk) else chunk[:remaining]
            await response.write(piece)
            remaining -= len(piece)
        await response.write_eof()
        return response

    # ---------------------------------------------------------------- internals: updates

    def _allowed(self, update: JSONDict) -> bool:
        kind = next((k for k in update if k != "update_id"), "")
        if self._allowed_updates:
            return kind in self._allowed_updates
        return kind not in _OPT_IN_UPDATES

    async def _get_me(self, params: JSONDict, files: dict[str, UploadedFile]) -> JSONDict:
        me = self.bot_user.to_dict()
        me.update(
            can_join_groups=True,
            can_read_all_group_messages=not self.privacy_mode,
            supports_inline_queries=False,
            can_connect_to_business=False,
            has_main_web_app=False,
        )
        return me

    async def _get_updates(
        self, params: JSONDict, files: dict[str, UploadedFile]
    ) -> list[JSONDict]:
        if self._webhook is not None:
            raise BotApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is "
                "active; use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = max(float(params.get("timeout") or 0), 0.0)
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(a) for a in allowed] or None
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        self._updates = [u for u in self._updates if self._allowed(u)]
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()  # a newer getUpdates terminates an older one, as on Telegram
        deadline = asyncio.get_running_loop().time() + timeout
        parked = False
        try:
            while True:
                if self._updates or self._closing:
                    ready = copy.deepcopy(self._updates[:limit])
                    self._delivered.update(u["update_id"] for u in ready)
                    return ready
                if generation != self._poll_generation:
                    raise BotApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; "
                        "make sure that only one bot instance is running",
                    )
                if self._webhook is not None:
                    raise BotApiError(
                        409,
                        "Conflict: can't use getUpdates method while webhook "
                        "is active; use deleteWebhook to delete the webhook "
                        "first",
                    )
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    return []
                if not parked:
                    parked = True
                    self._parked_polls += 1
                    self._notify()
                event = self._state_event  # taken after our own notify, or we would spin
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(remaining):
                        await event.wait()
        finally:
            if parked:
                self._parked_polls -= 1

    async def _set_webhook(self, params: JSONDict, files: dict[str, UploadedFile]) -> bool:
        url = str(params.get("url") or "")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise _bad_request("secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        if url:
            if not urlsplit(url).scheme.startswith("http"):
                raise _bad_request(
                    "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
                )
            allowed = params.get("allowed_updates")
            if isinstance(allowed, list):
                self._allowed_updates = [str(a) for a in allowed] or None
            self._webhook = _Webhook(
                url=url,
                secret_token=str(secret) if secret else None,
                max_connections=int(params.get("max_connections") or 40),
                allowed_updates=self._allowed_updates,
                ip_address=params.get("ip_address"),
                has_custom_certificate="certificate" in files or bool(params.get("certificate")),
            )
        else:
            self._webhook = None
        self._notify()
        return True

    async def _delete_webhook(self, params: JSONDict, files: dict[str, UploadedFile]) -> bool:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self._webhook = None
        self._notify()
        return True

    async def _get_webhook_info(self, params: JSONDict, files: dict[str, UploadedFile]) -> JSONDict:
        hook = self._webhook
        info: JSONDict = {
            "url": hook.url if hook else "",
            "has_custom_certificate": bool(hook and hook.has_custom_certificate),
            "pending_update_count": len(self._updates),
        }
        if hook is not None:
            info["max_connections"] = hook.max_connections
            if hook.ip_address:
                info["ip_address"] = hook.ip_address
            if hook.allowed_updates:
                info["allowed_updates"] = hook.allowed_updates
            if hook.last_error_date is not None:
                info["last_error_date"] = hook.last_error_date
                info["last_error_message"] = hook.last_error_message
        return info

    async def _post_update(
        self, url: str, update: JSONDict, secret_token: str | None
    ) -> tuple[int | None, str | None]:
        if self._session is None:
            raise RuntimeError("FakeTelegram is not started")
        headers = {"Content-Type": "application/json"}
        if secret_token is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret_token
        try:
            async with self._session.post(
                url,
                data=json.dumps(update).encode(),
                headers=headers,
                timeout=ClientTimeout(total=10),
            ) as response:
                await response.read()
                if 200 <= response.status < 300:
                    return response.status, None
                return response.status, (
                    f"Wrong response from the webhook: {response.status} {response.reason}"
                )
        except (ClientError, TimeoutError) as exc:
            return None, f"Connection failed: {exc.__class__.__name__}"

    async def _webhook_loop(self) -> None:
        while True:
            event = self._state_event
            hook = self._webhook
            pending = [u for u in self._updates if self._allowed(u)]
            if hook is None or not pending or self._closing:
                await event.wait()
                continue
            update = pending[0]
            status, error = await self._post_update(hook.url, update, hook.secret_token)
            self.webhook_deliveries.append(
                WebhookDelivery(update["update_id"], hook.url, hook.secret_token, status, error)
            )
            if status is not None and 200 <= status < 300:
                self._updates = [u for u in self._updates if u is not update]
                self._delivered.add(update["update_id"])
                self._notify()
                continue
            hook.last_error_date = _now()
            hook.last_error_message = error
            self._notify()
            retry_event = self._state_event
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.webhook_retry_delay):
                    await retry_event.wait()

    # ---------------------------------------------------------------- internals: messages

    def _check_thread(self, chat: FakeChat, thread_id: Any) -> int | None:
        if thread_id is None:
            return None
        thread = int(thread_id)
        if not chat.is_forum or thread not in self._topics.get(chat.id, set()) | {1}:
            raise _bad_request("message thread not found")
        return thread

    def _reply_target(self, chat: FakeChat, params: JSONDict) -> JSONDict | None:
        reply_params = params.get("reply_parameters")
        allow = bool(params.get("allow_sending_without_reply"))
        message_id = params.get("reply_to_message_id")
        if isinstance(reply_params, dict):
            message_id = reply_params.get("message_id")
            allow = bool(reply_params.get("allow_sending_without_reply", allow))
        if message_id is None:
            return None
        stored = self._messages.get((chat.id, int(message_id)))
        if stored is None or stored.deleted:
            if allow:
                return None
            raise _bad_request("message to be replied not found")
        return self._snapshot(stored)

    @staticmethod
    def _check_markup(markup: Any) -> JSONDict | None:
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            return None
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad_request(
                'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
            )
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not button.get("text"):
                    raise _bad_request("BUTTON_TEXT_INVALID")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= 64:
                    raise _bad_request("BUTTON_DATA_INVALID")
        if not any(rows):
            return None
        return markup

    def _text_content(self, params: JSONDict) -> JSONDict:
        text, entities = format_text(
            str(params.get("text") or ""), params.get("parse_mode"), params.get("entities")
        )
        if not text.strip():
            raise _bad_request("message text is empty")
        if len(text) > MAX_TEXT_LENGTH:
            raise _bad_request("message is too long")
        content: JSONDict = {"text": text}
        if entities:
            content["entities"] = entities
        return content

    def _caption_content(self, params: JSONDict) -> JSONDict:
        if params.get("caption") is None:
            return {}
        caption, entities = format_text(
            str(params["caption"]), params.get("parse_mode"), params.get("caption_entities")
        )
        if len(caption) > MAX_CAPTION_LENGTH:
            raise _bad_request("message caption is too long")
        content: JSONDict = {}
        if caption:
            content["caption"] = caption
        if entities:
            content["caption_entities"] = entities
        return content

    def _bot_message(self, chat: FakeChat, params: JSONDict, content: JSONDict) -> JSONDict:
        thread_id = self._check_thread(chat, params.get("message_thread_id"))
        reply = self._reply_target(chat, params)
        if thread_id is None and reply is not None and reply.get("is_topic_message"):
            thread_id = reply.get("message_thread_id")
        markup = self._check_markup(params.get("reply_markup"))
        message = self._store_message(
            chat,
            self.bot_user.to_dict(),
            content,
            thread_id=thread_id,
            reply=reply,
            markup=markup,
            from_bot=True,
        )
        self._sent.append(copy.deepcopy(message))
        return message

    async def _send_message(self, params: JSONDict, files: dict[str, UploadedFile]) -> JSONDict:
        chat = self._resolve_chat(params.get("chat_id"))
        return self._bot_message(chat, params, self._text_content(params))

    async def _input_file(
        self, kind: str, value: Any, files: dict[str, UploadedFile], params: JSONDict
    ) -> FakeFile:
        upload: UploadedFile | None = None
        if value is None:
            upload = files.get(kind)
        elif isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value.removeprefix("attach://"))
            if upload is None:
                raise _bad_request(f"there is no {kind} in the request")
        elif isinstance(value, dict):
            raise _bad_request("wrong file identifier/HTTP URL specified")
        metadata: JSONDict = {"duration": params.get("duration")}
        if kind in ("video", "animation", "photo"):
            metadata.update(width=params.get("width"), height=params.get("height"))
        elif kind == "video_note":
            metadata.update(width=params.get("length"), height=params.get("length"))
        metadata = {k: int(v) for k, v in metadata.items() if v is not None}
        if upload is not None:
            if len(upload.data) > self.upload_limit:
                raise BotApiError(413, "Request Entity Too Large")
            if not upload.data:
                raise _bad_request("file must be non-empty")
            mime = upload.content_type
            if mime == "application/octet-stream":
                mime = mimetypes.guess_type(upload.filename, strict=False)[0] or mime
            return self.register_file(
                upload.data,
                kind=kind,
                file_name=upload.filename if kind not in ("photo", "voice", "video_note") else None,
                mime_type=mime if kind not in ("photo", "video_note") else None,
                **metadata,
            )
        if isinstance(value, str) and value:
            if value.startswith("file://"):
                if not self.local_mode:
                    raise _bad_request("wrong file identifier/HTTP URL specified")
                path = Path(unquote(urlsplit(value).path))
                try:
                    data = await asyncio.to_thread(path.read_bytes)
                except OSError:
                    raise _bad_request("file not found") from None
                return self.register_file(data, kind=kind, file_name=path.name, **metadata)
            if value.startswith(("http://", "https://")):
                name = Path(urlsplit(value).path).name or None
                return self.register_file(
                    size=0, kind=kind, file_name=name, source_url=value, **metadata
                )
            known = self._files.get(value)
            if known is None:
                raise _bad_request("wrong file identifier/HTTP URL specified")
            return known
        raise _bad_request(f"there is no {kind} in the request")

    async def _send_media(
        self, kind: str, params: JSONDict, files: dict[str, UploadedFile]
    ) -> JSONDict:
        chat = self._resolve_chat(params.get("chat_id"))
        caption = self._caption_content(params)
        entry = await self._input_file(kind, params.get(kind), files, params)
        content = self._media_content(entry)
        content.update(caption)
        if params.get("has_spoiler"):
            content["has_media_spoiler"] = True
        return self._bot_message(chat, params, content)

    async def _send_media_group(
        self, params: JSONDict, files: dict[str, UploadedFile]
    ) -> list[JSONDict]:
        chat = self._resolve_chat(params.get("chat_id"))
        media = params.get("media")
        if not isinstance(media, list):
            raise _bad_request("can't parse media JSON object")
        if not 2 <= len(media) <= 10:
            raise _bad_request("wrong number of media items; must be 2-10")
        kinds = {str(item.get("type")) for item in media if isinstance(item, dict)}
        if len(kinds) > 1 and not kinds <= {"photo", "video"}:
            raise _bad_request("audio and documents can't be mixed with other media types")
        self._check_thread(chat, params.get("message_thread_id"))
        self._reply_target(chat, params)
        contents = []
        for item in media:
            if not isinstance(item, dict) or item.get("type") not in _FILE_DIRS:
                raise _bad_request("wrong type of the media")
            kind = str(item["type"])
            entry = await self._input_file(kind, item.get("media"), files, item)
            content = self._media_content(entry)
            content.update(self._caption_content(item))
            contents.append(content)
        group_id = str(next(self._media_group_seq))
        messages = []
        for content in contents:
            content["media_group_id"] = group_id
            messages.append(self._bot_message(chat, {**params, "reply_markup": None}, content))
        return messages

    def _editable(self, params: JSONDict) -> _StoredMessage | None:
        if params.get("inline_message_id"):
            return None
        chat = self._resolve_chat(params.get("chat_id"))
        if params.get("message_id") is None:
            raise _bad_request("message identifier is not specified")
        stored = self._messages.get((chat.id, int(params["message_id"])))
        if stored is None or stored.deleted:
            raise _bad_request("message to edit not found")
        if not stored.from_bot:
            raise _bad_request("message can't be edited")
        return stored

    def _apply_edit(self, stored: _StoredMessage, changes: JSONDict) -> JSONDict:
        markup = self._check_markup(changes.pop("reply_markup", None))
        current = {k: stored.data.get(k) for k in changes}
        if current == changes and stored.data.get("reply_markup") == markup:
            raise _bad_request(NOT_MODIFIED)
        for key, value in changes.items():
            if value:
                stored.data[key] = value
            else:
                stored.data.pop(key, None)
        if markup is not None:
            stored.data["reply_markup"] = markup
        else:
            stored.data.pop("reply_markup", None)
        stored.data["edit_date"] = _now()
        return copy.deepcopy(stored.data)

    async def _edit_message_text(
        self, params: JSONDict, files: dict[str, UploadedFile]
    ) -> JSONDict | bool:
        stored = self._editable(params)
        content = self._text_content(params)
        if stored is None:
            return True
        if "text" not in stored.data:
            raise _bad_request("there is no text in the message to edit")
        return self._apply_edit(
            stored,
            {
                "text": content["text"],
                "entities": content.get("entities"),
                "reply_markup": params.get("reply_markup"),
            },
        )

    async def _edit_message_caption(
        self, params: JSONDict, files: dict[str, UploadedFile]
    ) -> JSONDict | bool:
        stored = self._editable(params)
        content = self._caption_content(params)
        if stored is None:
            return True
        if "text" in stored.data:
            raise _bad_request("there is no caption in the message to edit")
        return self._apply_edit(
            stored,
            {
                "caption": content.get("caption"),
                "caption_entities": content.get("caption_entities"),
                "reply_markup": params.get("reply_markup"),
            },
        )

    async def _edit_message_reply_markup(
        self, params: JSONDict, files: dict[str, UploadedFile]
    ) -> JSONDict | bool:
        stored = self._editable(params)
        if stored is None:
            return True
        return self._apply_edit(stored, {"reply_markup": params.get("reply_markup")})

    async def _delete_message(self, params: JSONDict, files: dict[str, UploadedFile]) -> bool:
        chat = self._resolve_chat(params.get("chat_id"))
        stored = self._messages.get((chat.id, int(params.get("message_id") or 0)))
        if stored is None or stored.deleted:
            raise _bad_request("message to delete not found")
        stored.deleted = True
        return True

    async def _send_chat_action(self, params: JSONDict, files: dict[str, UploadedFile]) -> bool:
        chat = self._resolve_chat(params.get("chat_id"))
        self._check_thread(chat, params.get("message_thread_id"))
        if params.get("action") not in _CHAT_ACTIONS:
            raise _bad_request("wrong parameter action in request")
        return True

    async def _answer_callback_query(
        self, params: JSONDict, files: dict[str, UploadedFile]
    ) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if self._callback_queries.get(query_id, True):
            raise _bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        if len(str(params.get("text") or "")) > 200:
            raise _bad_request("MESSAGE_TOO_LONG")
        self._callback_queries[query_id] = True
        self._callback_answers[query_id] = dict(params)
        return True

    async def _set_my_commands(self, params: JSONDict, files: dict[str, UploadedFile]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad_request("too many commands")
        cleaned = []
        for item in commands:
            if not isinstance(item, dict):
                raise _bad_request("can't parse BotCommand")
            command, description = str(item.get("command", "")), str(item.get("description", ""))
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": command, "description": description})
        language = str(params.get("language_code") or "")
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise _bad_request("invalid language code specified")
        key = self._commands_key(params.get("scope"), language)
        if cleaned:
            self._commands[key] = cleaned
        else:
            self._commands.pop(key, None)
        return True

    async def _get_my_commands(
        self, params: JSONDict, files: dict[str, UploadedFile]
    ) -> list[JSONDict]:
        return self.commands(str(params.get("language_code") or ""), params.get("scope"))

    async def _delete_my_commands(self, params: JSONDict, files: dict[str, UploadedFile]) -> bool:
        self._commands.pop(
            self._commands_key(params.get("scope"), params.get("language_code")), None
        )
        return True

    async def _get_file(self, params: JSONDict, files: dict[str, UploadedFile]) -> JSONDict:
        entry = self._files.get(str(params.get("file_id") or ""))
        if entry is None:
            raise _bad_request("invalid file_id")
        limit = self.download_limit
        if limit is not None and entry.size > limit:
            raise _bad_request("file is too big")
        result: JSONDict = {
            "file_id": entry.file_id,
            "file_unique_id": entry.file_unique_id,
            "file_size": entry.size,
        }
        if self.local_mode:
            result["file_path"] = str(await self._materialize(entry))
        else:
            result["file_path"] = entry.file_path
        return result

    async def _materialize(self, entry: FakeFile) -> Path:
        if entry.local_path is not None:
            return entry.local_path
        if self._files_dir is None:
            raise RuntimeError("FakeTelegram is not started")
        path = (self._files_dir / self.token.replace(":", "_") / entry.file_path).absolute()

        def write() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            if entry.data is not None:
                path.write_bytes(entry.data)
            else:
                with path.open("wb") as handle:  # sparse: no blocks for a declared size
                    handle.truncate(entry.size)

        await asyncio.to_thread(write)
        entry.local_path = path
        return path


# --------------------------------------------------------------------------------------------
# Running python-telegram-bot against the fake
# --------------------------------------------------------------------------------------------

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

#: Long-poll timeout for tests: short, so that stopping never waits long on a poll.
POLL_TIMEOUT = 1


def ptb_builder(
    fake: FakeTelegram, *, local_mode: bool = False
) -> ApplicationBuilder[Any, Any, Any, Any, Any, Any]:
    """An ApplicationBuilder aimed at the fake: token, base URLs, short timeouts.

    The Application keeps its Updater, so `polling` and `webhook` work; callers may chain more
    settings before ``build()``.
    """
    return (
        ApplicationBuilder()
        .token(fake.token)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
        .local_mode(local_mode)
        .get_updates_read_timeout(POLL_TIMEOUT + 4)
        .read_timeout(5)
        .connect_timeout(5)
    )


@contextlib.asynccontextmanager
async def polling(
    app: AnyApplication, *, poll_timeout: int = POLL_TIMEOUT
) -> AsyncIterator[AnyApplication]:
    """Run ``app`` in polling mode (initialize, start, start_polling) and stop it on exit.

    Unlike ``run_polling`` this neither blocks nor installs signal handlers, so a test can
    drive the fake while the bot runs.
    """
    async with app:
        await app.start()
        if app.updater is None:
            raise RuntimeError("the Application was built without an Updater")
        await app.updater.start_polling(timeout=poll_timeout, poll_interval=0)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


@contextlib.asynccontextmanager
async def webhook(
    app: AnyApplication,
    *,
    url_path: str = "telegram",
    secret_token: str | None = None,
) -> AsyncIterator[str]:
    """Run ``app`` behind PTB's own webhook server on a free loopback port and yield the
    webhook URL (``start_webhook`` registers it with the fake through setWebhook)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/{url_path}"
    async with app:
        await app.start()
        if app.updater is None:
            raise RuntimeError("the Application was built without an Updater")
        await app.updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path=url_path,
            webhook_url=url,
            secret_token=secret_token,
        )
        try:
            yield url
        finally:
            await app.updater.stop()
            await app.stop()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


__all__ = [
    "CLOUD_DOWNLOAD_LIMIT",
    "CLOUD_UPLOAD_LIMIT",
    "DEFAULT_TOKEN",
    "LOCAL_UPLOAD_LIMIT",
    "MB",
    "NOT_MODIFIED",
    "POLL_TIMEOUT",
    "AnyApplication",
    "BotApiError",
    "FakeChat",
    "FakeFile",
    "FakeTelegram",
    "FakeUser",
    "RecordedCall",
    "UploadedFile",
    "WebhookDelivery",
    "detect_entities",
    "format_text",
    "free_port",
    "parse_html",
    "parse_markdown",
    "parse_markdown_v2",
    "polling",
    "ptb_builder",
    "webhook",
]
