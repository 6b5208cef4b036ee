"""A fake Discord (REST API, gateway websocket and attachment CDN) on loopback, for driving
the real discord.py.

Modules: `wire` (constants, errors, rate limits), `model` and `world` (what the fake
knows), `payloads` (JSON shapes), `gateway` (the websocket protocol), `app`, `messages` and
`interactions` (REST routes), `server` (HTTP, request log, faults, CDN), `incoming`,
`observe` and `switches` (what tests do, read and inject), `driver` (`FakeDiscord`).
"""

from tests.fakes.discord.driver import FakeDiscord
from tests.fakes.discord.model import (
    FakeAttachment,
    FakeChannel,
    FakeGuild,
    FakeInteraction,
    FakeMember,
    FakeMessage,
    FakeRole,
    FakeUser,
    InteractionResponse,
)
from tests.fakes.discord.records import (
    DispatchedEvent,
    GatewayConnect,
    GatewayOp,
    RecordedFile,
    RecordedRequest,
)
from tests.fakes.discord.wire import (
    API_PREFIX,
    API_VERSION,
    CHANNEL_DM,
    CHANNEL_PRIVATE_THREAD,
    CHANNEL_PUBLIC_THREAD,
    CHANNEL_TEXT,
    DM_FILESIZE_LIMIT,
    EVERYONE_PERMISSIONS,
    FAST_CLIENT_OPTIONS,
    FILESIZE_LIMITS,
    MAX_CONTENT_LENGTH,
    MESSAGE_FLAG_EPHEMERAL,
    MESSAGE_FLAG_LOADING,
    MIB,
    PRIVILEGED_INTENTS,
    Intent,
)

__all__ = [
    "API_PREFIX",
    "API_VERSION",
    "CHANNEL_DM",
    "CHANNEL_PRIVATE_THREAD",
    "CHANNEL_PUBLIC_THREAD",
    "CHANNEL_TEXT",
    "DM_FILESIZE_LIMIT",
    "EVERYONE_PERMISSIONS",
    "FAST_CLIENT_OPTIONS",
    "FILESIZE_LIMITS",
    "MAX_CONTENT_LENGTH",
    "MESSAGE_FLAG_EPHEMERAL",
    "MESSAGE_FLAG_LOADING",
    "MIB",
    "PRIVILEGED_INTENTS",
    "DispatchedEvent",
    "FakeAttachment",
    "FakeChannel",
    "FakeDiscord",
    "FakeGuild",
    "FakeInteraction",
    "FakeMember",
    "FakeMessage",
    "FakeRole",
    "FakeUser",
    "GatewayConnect",
    "GatewayOp",
    "Intent",
    "InteractionResponse",
    "RecordedFile",
    "RecordedRequest",
]
