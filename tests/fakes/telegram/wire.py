"""The Bot API wire format as the fake speaks it: limits, error answers, request bodies,
message entities, and the checks Telegram applies to what a bot sends.

Parse modes are not modelled: the product sends plain text (so user text can never break a
message), and a request with ``parse_mode`` is refused loudly instead of being half-parsed.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, web

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

CHAT_ACTIONS = frozenset(
    {"typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
     "upload_document", "choose_sticker", "find_location", "record_video_note",
     "upload_video_note"}
)

# Request parameters that are plain strings on the wire; every other form value is JSON.
_STRING_PARAMS = frozenset(
    {"action", "animation", "audio", "callback_query_id", "caption", "document", "file_id",
     "language_code", "parse_mode", "photo", "secret_token", "text", "thumbnail", "url",
     "video", "video_note", "voice"}
)

_COMMAND_RE = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")
_MENTION_RE = re.compile(r"(?<![\w@/])@[A-Za-z0-9_]{4,32}(?!\w)")


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
        body: JSONDict = {"ok": False, "error_code": self.error_code,
                          "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(message: str) -> BotApiError:
    """A 400 answer, worded as Telegram words it."""
    return BotApiError(400, f"Bad Request: {message}")


def flood_error(retry_after: int) -> BotApiError:
    """Telegram's flood-control answer: 429 with ``parameters.retry_after`` in seconds."""
    return BotApiError(429, f"Too Many Requests: retry after {retry_after}",
                       {"retry_after": retry_after})


@dataclass(frozen=True)
class UploadedFile:
    """One file part of a multipart request, as the bot uploaded it."""

    field: str
    filename: str
    content_type: str
    data: bytes


def now() -> int:
    """Telegram's dates: whole seconds since the epoch."""
    return int(time.time())


def utf16_len(text: str) -> int:
    """A length in UTF-16 code units, the unit of entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def detect_entities(text: str) -> list[JSONDict]:
    """The ``bot_command`` and ``mention`` entities Telegram attaches to a user's text
    (offsets and lengths in UTF-16 code units)."""
    entities: list[JSONDict] = []
    commands = [m.span() for m in _COMMAND_RE.finditer(text)]
    for start, end in commands:
        entities.append({"type": "bot_command", "offset": utf16_len(text[:start]),
                         "length": utf16_len(text[start:end])})
    for match in _MENTION_RE.finditer(text):
        start, end = match.span()
        if not any(start < c_end and c_start < end for c_start, c_end in commands):
            entities.append({"type": "mention", "offset": utf16_len(text[:start]),
                             "length": utf16_len(match.group())})
    entities.sort(key=lambda e: e["offset"])
    return entities


def chat_instance(chat_id: int) -> str:
    """The stable ``chat_instance`` of a chat in callback queries (PTB requires it)."""
    return str(int.from_bytes(hashlib.sha256(str(chat_id).encode()).digest()[:7], "big"))


async def parse_request(request: web.Request) -> tuple[JSONDict, dict[str, UploadedFile]]:
    """The parameters and uploaded files of a Bot API request (query string, JSON,
    url-encoded form or multipart)."""
    raw: dict[str, str] = dict(request.query)
    params: JSONDict = {}
    files: dict[str, UploadedFile] = {}
    if request.body_exists:
        if request.content_type == "application/json":
            params.update(await _json_body(request))
        elif request.content_type == "multipart/form-data":
            await _multipart_body(request, raw, files)
        else:
            form = await request.post()
            raw.update({k: v for k, v in form.items() if isinstance(v, str)})
    for key, value in raw.items():
        params.setdefault(key, _decode_param(key, value))
    return params, files


async def _json_body(request: web.Request) -> JSONDict:
    try:
        body = await request.json()
    except json.JSONDecodeError:
        raise bad_request("can't parse JSON object") from None
    if not isinstance(body, dict):
        raise bad_request("can't parse JSON object")
    return body


async def _multipart_body(
    request: web.Request, raw: dict[str, str], files: dict[str, UploadedFile]
) -> None:
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader) or part.name is None:
            continue
        if part.filename is None:
            raw[part.name] = await part.text()
            continue
        files[part.name] = UploadedFile(
            field=part.name,
            filename=part.filename,
            content_type=part.headers.get("Content-Type", "application/octet-stream"),
            data=bytes(await part.read(decode=False)),
        )


def _decode_param(key: str, value: str) -> Any:
    if key in _STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def check_markup(markup: Any) -> JSONDict | None:
    """An inline keyboard as Telegram stores it (None for none), or the 400 it answers."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return None
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
    for button in (b for row in rows for b in row):
        if not isinstance(button, dict) or not button.get("text"):
            raise bad_request("BUTTON_TEXT_INVALID")
        data = button.get("callback_data")
        if data is not None and not 1 <= len(str(data).encode()) <= 64:
            raise bad_request("BUTTON_DATA_INVALID")
    return markup if any(rows) else None


def _plain(text: str, params: JSONDict, entities_key: str) -> tuple[str, list[JSONDict]]:
    if params.get("parse_mode"):
        raise bad_request("can't parse entities: parse_mode is not modelled by the fake "
                          "Bot API (the bot sends plain text)")
    entities = params.get(entities_key)
    return text, entities if isinstance(entities, list) else []


def text_content(params: JSONDict) -> JSONDict:
    """The text part of a message the bot sends or edits, checked like Telegram does."""
    text, entities = _plain(str(params.get("text") or ""), params, "entities")
    if not text.strip():
        raise bad_request("message text is empty")
    if len(text) > MAX_TEXT_LENGTH:
        raise bad_request("message is too long")
    content: JSONDict = {"text": text}
    if entities:
        content["entities"] = entities
    return content


def caption_content(params: JSONDict) -> JSONDict:
    """The caption part of a media message the bot sends or edits (empty without one)."""
    if params.get("caption") is None:
        return {}
    caption, entities = _plain(str(params["caption"]), params, "caption_entities")
    if len(caption) > MAX_CAPTION_LENGTH:
        raise bad_request("message caption is too long")
    content: JSONDict = {}
    if caption:
        content["caption"] = caption
    if entities:
        content["caption_entities"] = entities
    return content
