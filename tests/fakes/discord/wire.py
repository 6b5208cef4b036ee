"""Discord's wire constants and shapes as the fake speaks them: API version, intents,
permissions, channel and message types, upload caps, error bodies and rate-limit headers."""

from __future__ import annotations

import enum
import math
import mimetypes
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import discord

JSON = dict[str, Any]

API_VERSION = 10
API_PREFIX = f"/api/v{API_VERSION}"
DISCORD_EPOCH_MS = 1420070400000
HEARTBEAT_INTERVAL_MS = 41250

MIB = 1024 * 1024
#: Upload cap per guild boost tier, as Discord applies it to bots (``Guild.filesize_limit``).
FILESIZE_LIMITS: dict[int, int] = {0: 10 * MIB, 1: 10 * MIB, 2: 50 * MIB, 3: 100 * MIB}
DM_FILESIZE_LIMIT = 10 * MIB
MAX_CONTENT_LENGTH = 2000

#: Client options that make discord.py start quickly against the fake: ``on_ready``
#: fires after ``guild_ready_timeout`` seconds without a further GUILD_CREATE (2 s
#: by default). ``FakeDiscord.running`` applies the same value to a built client.
FAST_CLIENT_OPTIONS: Mapping[str, Any] = {"guild_ready_timeout": 0.05}


class Intent(enum.IntFlag):
    """Gateway intents the fake interprets (bit values as in the Discord API)."""

    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_PRESENCES = 1 << 8
    GUILD_MESSAGES = 1 << 9
    DIRECT_MESSAGES = 1 << 12
    MESSAGE_CONTENT = 1 << 15


PRIVILEGED_INTENTS = Intent.GUILD_MEMBERS | Intent.GUILD_PRESENCES | Intent.MESSAGE_CONTENT

# Application flags that tell a bot which privileged intents it was granted.
APP_FLAG_FOR_INTENT = {
    Intent.GUILD_PRESENCES: 1 << 13,
    Intent.GUILD_MEMBERS: 1 << 15,
    Intent.MESSAGE_CONTENT: 1 << 19,
}

EVERYONE_PERMISSIONS = discord.Permissions(
    view_channel=True, send_messages=True, send_messages_in_threads=True,
    create_public_threads=True, embed_links=True, attach_files=True,
    read_message_history=True, add_reactions=True, use_external_emojis=True,
    use_application_commands=True, create_instant_invite=True, change_nickname=True,
    connect=True, speak=True,
).value
#: What a channel denied to the bot takes away.
DENIED_SEND = discord.Permissions(
    send_messages=True, send_messages_in_threads=True, attach_files=True, embed_links=True
).value

#: What a channel that takes no files from the bot takes away.
DENIED_FILES = discord.Permissions(attach_files=True).value

MESSAGE_FLAG_EPHEMERAL = 1 << 6
MESSAGE_FLAG_LOADING = 1 << 7

CHANNEL_TEXT = 0
CHANNEL_DM = 1
CHANNEL_PUBLIC_THREAD = 11
CHANNEL_PRIVATE_THREAD = 12
THREAD_TYPES = frozenset({10, CHANNEL_PUBLIC_THREAD, CHANNEL_PRIVATE_THREAD})

INTERACTION_APPLICATION_COMMAND = 2
INTERACTION_COMPONENT = 3


class ApiError(Exception):
    """An error answer of the REST API: HTTP status, JSON error code and message."""

    def __init__(self, status: int, code: int, message: str, errors: JSON | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> JSON:
        """The JSON body Discord sends with this error."""
        body: JSON = {"message": self.message, "code": self.code}
        if self.errors is not None:
            body["errors"] = self.errors
        return body


def invalid_form(field_name: str, code: str, message: str) -> ApiError:
    """Discord's 50035 "Invalid Form Body" for one field."""
    return ApiError(400, 50035, "Invalid Form Body",
                    {field_name: {"_errors": [{"code": code, "message": message}]}})


@dataclass
class Reply:
    """An answer of the REST API: status, JSON body (None: empty) and extra headers."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


def ratelimit_headers(bucket: str, remaining: int, reset_after: float) -> dict[str, str]:
    """The ``X-RateLimit-*`` headers discord.py reads on every answer."""
    return {
        "X-RateLimit-Limit": "5",
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
        "X-RateLimit-Reset-After": f"{reset_after:.3f}",
        "X-RateLimit-Bucket": bucket,
    }


def iso(ts: float) -> str:
    """A timestamp as Discord writes it."""
    return datetime.fromtimestamp(ts, UTC).isoformat()


def snowflake_time(snowflake: int) -> float:
    """When a snowflake was made, in Unix seconds."""
    return ((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000


def sanitize_filename(filename: str) -> str:
    """Discord stores uploaded file names with anything outside this set replaced."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", filename) or "unknown"


def guess_content_type(filename: str, declared: str | None) -> str | None:
    """An attachment's content type: from its name, else what the upload declared."""
    guessed, _ = mimetypes.guess_type(filename)
    if guessed:
        return guessed
    if declared and declared != "application/octet-stream":
        return declared
    return None


def to_int(value: Any) -> int:
    """An id from the wire (-1 when it is not one)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def opt_int(value: Any) -> int | None:
    """An optional id from the wire."""
    return None if value is None else to_int(value)


@dataclass(frozen=True)
class RateLimit:
    """A 429 as Discord sends it: ``retry_after`` (seconds, fractional) in the body, the
    ``Retry-After`` and ``X-RateLimit-*`` headers, per-route or global."""

    retry_after: float
    is_global: bool = False
    scope: str = "user"

    def reply(self, bucket: str) -> Reply:
        """The answer, for the route's rate-limit bucket."""
        headers = ratelimit_headers(bucket, 0, self.retry_after)
        headers["Retry-After"] = str(max(1, math.ceil(self.retry_after)))
        headers["X-RateLimit-Scope"] = "global" if self.is_global else self.scope
        if self.is_global:
            headers["X-RateLimit-Global"] = "true"
        body = {"message": "You are being rate limited.", "retry_after": self.retry_after,
                "global": self.is_global}
        return Reply(429, body, headers)
