"""A fake Discord (REST API, gateway websocket and attachment CDN) on loopback.

The real discord.py library is pointed at it with :meth:`FakeDiscord.patch_discord`
(``discord.http.Route.BASE`` and ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY``)
and then talks to it exactly as it talks to Discord: HTTP under ``/api/v10`` with
JSON and multipart bodies, and the gateway protocol (HELLO, IDENTIFY, READY,
GUILD_CREATE, heartbeats, RESUME, zlib-stream transport compression) over a
websocket.

Typical use in a test (the ``fake_discord`` fixture does the first two lines)::

    async with FakeDiscord() as fake:
        with fake.patch_discord():
            user = fake.add_user("alice")
            guild = fake.add_guild("Studio", members=[user])
            channel = fake.add_channel(guild, "renders")
            client = discord.Client(intents=discord.Intents.default())
            async with fake.running(client):
                seen = client.wait_for("message", check=lambda m: m.author.id == user.id)
                await fake.dispatch_message(channel, user, "make a trailer", mentions_bot=True)
                message = await seen

Register ``client.wait_for`` before dispatching, and filter on the author: the
bot's own messages come back over the gateway too, as on Discord.

Everything the fake does mirrors a documented Discord behaviour the product
relies on: the message-content rule for bots without the privileged intent,
per-guild upload caps (error 40005 / HTTP 413), the 3 s acknowledgement window
and 15 min lifetime of interaction tokens, signed and expiring CDN links, rate
limits (HTTP 429 with ``retry_after`` and ``X-RateLimit-*`` headers), missing
permissions (50013) and deleted channels (10003).
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import hashlib
import hmac
import json
import math
import mimetypes
import re
import secrets
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

import discord
import discord.asset
import discord.gateway
import discord.http
import yarl
from aiohttp import BodyPartReader, WSMsgType, web

JSON = dict[str, Any]
T = TypeVar("T")
ClientT = TypeVar("ClientT", bound=discord.Client)

API_VERSION = 10
API_PREFIX = f"/api/v{API_VERSION}"
DISCORD_EPOCH_MS = 1420070400000

MIB = 1024 * 1024
#: Upload cap per guild boost tier, as Discord applies it to bots (``Guild.filesize_limit``).
FILESIZE_LIMITS: Mapping[int, int] = {0: 10 * MIB, 1: 10 * MIB, 2: 50 * MIB, 3: 100 * MIB}
DM_FILESIZE_LIMIT = 10 * MIB
MAX_CONTENT_LENGTH = 2000

#: Client options that make discord.py start quickly against the fake: ``on_ready``
#: fires after ``guild_ready_timeout`` seconds without a further GUILD_CREATE (2 s
#: by default). :meth:`FakeDiscord.running` applies the same value to a built client.
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
_APP_FLAG_FOR_INTENT = {
    Intent.GUILD_PRESENCES: 1 << 13,
    Intent.GUILD_MEMBERS: 1 << 15,
    Intent.MESSAGE_CONTENT: 1 << 19,
}

EVERYONE_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    create_public_threads=True,
    embed_links=True,
    attach_files=True,
    read_message_history=True,
    add_reactions=True,
    use_external_emojis=True,
    use_application_commands=True,
    create_instant_invite=True,
    change_nickname=True,
    connect=True,
    speak=True,
).value
_DENIED_SEND = discord.Permissions(
    send_messages=True, send_messages_in_threads=True, attach_files=True, embed_links=True
).value

MESSAGE_FLAG_EPHEMERAL = 1 << 6
MESSAGE_FLAG_LOADING = 1 << 7

CHANNEL_TEXT = 0
CHANNEL_DM = 1
CHANNEL_VOICE = 2
CHANNEL_CATEGORY = 4
CHANNEL_NEWS = 5
CHANNEL_PUBLIC_THREAD = 11
CHANNEL_PRIVATE_THREAD = 12
THREAD_TYPES = frozenset({10, CHANNEL_PUBLIC_THREAD, CHANNEL_PRIVATE_THREAD})

INTERACTION_APPLICATION_COMMAND = 2
INTERACTION_COMPONENT = 3


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


def _snowflake_time(snowflake: int) -> float:
    return ((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000


def _sanitize_filename(filename: str) -> str:
    # Discord stores uploaded file names with anything outside this set replaced.
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "_", filename)
    return cleaned or "unknown"


# --------------------------------------------------------------------------- model


@dataclass(eq=False)
class FakeUser:
    """A Discord user (or the bot itself) known to the fake."""

    id: int
    username: str
    bot: bool = False
    global_name: str | None = None

    @property
    def mention(self) -> str:
        """The ``<@id>`` mention token Discord puts in message content."""
        return f"<@{self.id}>"

    def to_payload(self) -> JSON:
        """The user object as the API returns it."""
        payload: JSON = {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "public_flags": 0,
            "flags": 0,
        }
        if self.bot:
            payload["bot"] = True
        return payload


@dataclass(eq=False)
class FakeMember:
    """A user's membership in one guild."""

    user: FakeUser
    joined_at: str
    roles: list[int] = field(default_factory=list)
    nick: str | None = None

    def to_payload(self, *, with_user: bool = True) -> JSON:
        """The guild member object; ``flags`` is required by discord.py."""
        payload: JSON = {
            "roles": [str(r) for r in self.roles],
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if with_user:
            payload["user"] = self.user.to_payload()
        return payload


@dataclass(eq=False)
class FakeRole:
    """A guild role."""

    id: int
    name: str
    permissions: int
    position: int = 0

    def to_payload(self) -> JSON:
        """The role object."""
        return {
            "id": str(self.id),
            "name": self.name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }


@dataclass(eq=False)
class FakeChannel:
    """A guild channel, thread or DM channel."""

    id: int
    type: int
    name: str | None
    guild_id: int | None = None
    position: int = 0
    parent_id: int | None = None
    topic: str | None = None
    owner_id: int | None = None
    recipients: list[FakeUser] = field(default_factory=list)
    #: Set by :meth:`FakeDiscord.deny_channel`: sending answers 403 Missing Permissions.
    denied: bool = False
    #: Set by :meth:`FakeDiscord.delete_channel`: every route answers 404 Unknown Channel.
    deleted: bool = False

    @property
    def is_dm(self) -> bool:
        """Whether this is a direct-message channel."""
        return self.type == CHANNEL_DM

    @property
    def is_thread(self) -> bool:
        """Whether this is a thread."""
        return self.type in THREAD_TYPES


@dataclass(eq=False)
class FakeGuild:
    """A guild (server) with its roles, channels and members."""

    id: int
    name: str
    owner_id: int
    joined_at: str
    premium_tier: int = 0
    features: list[str] = field(default_factory=list)
    roles: dict[int, FakeRole] = field(default_factory=dict)
    channels: list[FakeChannel] = field(default_factory=list)
    members: dict[int, FakeMember] = field(default_factory=dict)

    @property
    def filesize_limit(self) -> int:
        """Per-file upload cap for this guild's boost tier."""
        return FILESIZE_LIMITS.get(self.premium_tier, FILESIZE_LIMITS[0])

    def shard_id(self, shard_count: int) -> int:
        """The shard this guild's events go to (Discord's ``(id >> 22) % count``)."""
        return (self.id >> 22) % shard_count


@dataclass(eq=False)
class FakeAttachment:
    """A file attached to a message, served by the fake CDN under a signed URL.

    ``data`` is ``None`` for an attachment that only declares its ``size`` (to
    test size limits without allocating the bytes); the CDN then serves zeros.
    """

    id: int
    filename: str
    size: int
    content_type: str | None
    data: bytes | None = field(repr=False)
    channel_id: int | None = None
    description: str | None = None
    url: str | None = None
    proxy_url: str | None = None

    def to_payload(self) -> JSON:
        """The attachment object; the attachment must already be bound to a channel."""
        if self.url is None:
            raise ValueError(f"attachment {self.id} has not been posted to a channel yet")
        payload: JSON = {
            "id": str(self.id),
            "filename": self.filename,
            "size": self.size,
            "url": self.url,
            "proxy_url": self.proxy_url or self.url,
            "flags": 0,
        }
        if self.content_type is not None:
            payload["content_type"] = self.content_type
        if self.description is not None:
            payload["description"] = self.description
        return payload


@dataclass(eq=False)
class FakeMessage:
    """A message stored by the fake, whoever sent it."""

    id: int
    channel_id: int
    guild_id: int | None
    author: FakeUser
    content: str = ""
    attachments: list[FakeAttachment] = field(default_factory=list)
    embeds: list[JSON] = field(default_factory=list)
    components: list[JSON] = field(default_factory=list)
    mentions: list[FakeUser] = field(default_factory=list)
    flags: int = 0
    type: int = 0
    reference_id: int | None = None
    webhook_id: int | None = None
    application_id: int | None = None
    interaction_metadata: JSON | None = None
    edited_timestamp: str | None = None
    deleted: bool = False
    #: Payload snapshots taken before each edit, oldest first.
    history: list[JSON] = field(default_factory=list)

    @property
    def ephemeral(self) -> bool:
        """Whether only the interacting user can see the message."""
        return bool(self.flags & MESSAGE_FLAG_EPHEMERAL)

    @property
    def loading(self) -> bool:
        """Whether this is a deferred interaction response still "thinking"."""
        return bool(self.flags & MESSAGE_FLAG_LOADING)

    @property
    def files(self) -> list[tuple[str, bytes]]:
        """``(filename, bytes)`` of each attachment that carries real bytes."""
        return [(a.filename, a.data) for a in self.attachments if a.data is not None]


@dataclass
class InteractionResponse:
    """One POST to ``/interactions/{id}/{token}/callback``."""

    type: int
    data: JSON
    files: list[RecordedFile] = field(default_factory=list)


@dataclass(eq=False)
class FakeInteraction:
    """An interaction the fake dispatched (slash command or component)."""

    id: int
    token: str
    type: int
    channel: FakeChannel
    user: FakeUser
    data: JSON
    created_at: float
    message: FakeMessage | None = None
    responses: list[InteractionResponse] = field(default_factory=list)
    original: FakeMessage | None = None
    followups: list[FakeMessage] = field(default_factory=list)

    @property
    def guild_id(self) -> int | None:
        """The guild the interaction happened in, ``None`` in DMs."""
        return self.channel.guild_id

    @property
    def acknowledged(self) -> bool:
        """Whether the bot has sent the initial response."""
        return bool(self.responses)


@dataclass
class RecordedFile:
    """A file part of a multipart request."""

    field: str
    filename: str
    content_type: str | None
    data: bytes


@dataclass
class RecordedRequest:
    """One HTTP request the fake answered (REST API or CDN)."""

    method: str
    #: REST: path below ``/api/v10`` (``/channels/1/messages``); CDN: the full path.
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    kind: Literal["rest", "cdn"] = "rest"
    #: Parsed JSON body, or the ``payload_json`` part of a multipart body.
    json: Any = None
    files: list[RecordedFile] = field(default_factory=list)
    #: Name of the route that served it; ``None`` for routes the fake does not implement.
    route: str | None = None
    status: int = 0
    response: Any = None

    @property
    def known(self) -> bool:
        """Whether the fake implements this route."""
        return self.route is not None


@dataclass
class GatewayOp:
    """A payload the bot sent on the gateway."""

    op: int
    d: Any
    session_id: str | None
    shard: tuple[int, int] | None


@dataclass
class GatewayConnect:
    """One websocket connection the bot opened to the gateway."""

    #: ``/`` for the default gateway, ``/resume`` for READY's ``resume_gateway_url``.
    path: str
    #: ``v``, ``encoding`` and ``compress`` as the bot asked for them.
    query: dict[str, str]
    #: Whether the fake answered with zlib-stream compressed binary frames.
    compressed: bool


@dataclass
class DispatchedEvent:
    """A DISPATCH (op 0) the fake sent, or buffered for a disconnected session."""

    t: str
    s: int
    d: Any
    shard: tuple[int, int]
    delivered: bool


# ---------------------------------------------------------------- internals


class _ApiError(Exception):
    def __init__(self, status: int, code: int, message: str, errors: JSON | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> JSON:
        body: JSON = {"message": self.message, "code": self.code}
        if self.errors is not None:
            body["errors"] = self.errors
        return body


def _invalid_form(field_name: str, code: str, message: str) -> _ApiError:
    return _ApiError(
        400,
        50035,
        "Invalid Form Body",
        {field_name: {"_errors": [{"code": code, "message": message}]}},
    )


@dataclass
class _Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Fault:
    kind: Literal["ratelimit", "error"]
    method: str | None
    path: re.Pattern[str] | None
    remaining: int | None
    status: int = 429
    code: int = 0
    message: str = ""
    retry_after: float = 0.0
    is_global: bool = False
    scope: str = "user"

    def matches(self, rec: RecordedRequest) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.method is not None and self.method != rec.method:
            return False
        return self.path is None or self.path.fullmatch(rec.path) is not None


Handler = Callable[..., Awaitable[_Reply]]


@dataclass
class _Route:
    name: str
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    auth: bool


class _GatewayConnection:
    def __init__(self, ws: web.WebSocketResponse, compress: bool, path: str) -> None:
        self.ws = ws
        self.path = path
        self.compressor = zlib.compressobj() if compress else None
        self.session: _GatewaySession | None = None
        self._lock = asyncio.Lock()

    async def send(self, payload: JSON) -> bool:
        text = json.dumps(payload, separators=(",", ":"))
        async with self._lock:
            if self.ws.closed:
                return False
            try:
                if self.compressor is not None:
                    data = self.compressor.compress(text.encode()) + self.compressor.flush(
                        zlib.Z_SYNC_FLUSH
                    )
                    await self.ws.send_bytes(data)
                else:
                    await self.ws.send_str(text)
            except ConnectionError:
                return False
        return True


@dataclass(eq=False)
class _GatewaySession:
    id: str
    shard_id: int
    shard_count: int
    intents: int
    identify: JSON
    seq: int = 0
    connection: _GatewayConnection | None = None
    invalidated: bool = False
    sent: list[JSON] = field(default_factory=list)


# ---------------------------------------------------------------- the fake


class FakeDiscord:
    """Discord's REST API, gateway and attachment CDN for discord.py, on 127.0.0.1.

    Set up users, guilds and channels with :meth:`add_user`, :meth:`add_guild` and
    :meth:`add_channel` before the client logs in; drive it with the ``dispatch_*``
    coroutines; inspect what the bot did with :attr:`requests`, :meth:`messages`,
    :meth:`interaction_responses`, :meth:`followups` and :meth:`wait_for`; inject
    faults with :meth:`deny_channel`, :meth:`delete_channel`, :meth:`rate_limit`,
    :meth:`fail_next`, :meth:`advance_clock` and :meth:`disconnect_gateway`.
    """

    def __init__(
        self,
        *,
        token: str = "fake-bot-token",  # noqa: S107 - the fake accepts only this
        bot_name: str = "nemobot",
        approved_intents: int = PRIVILEGED_INTENTS,
        recommended_shards: int = 1,
        heartbeat_interval_ms: int = 41250,
        interaction_ack_deadline: float | None = 3.0,
        interaction_token_ttl: float = 15 * 60.0,
        attachment_url_ttl: float = 24 * 3600.0,
        transport_compression: bool = True,
        echo_bot_messages: bool = True,
    ) -> None:
        """Configure the fake; nothing listens until :meth:`start`.

        ``approved_intents`` are the privileged intents enabled for the application:
        identifying with any other privileged intent closes the gateway with 4014.
        ``interaction_ack_deadline`` (3 s) and ``interaction_token_ttl`` (15 min) are
        measured on the fake's clock, which :meth:`advance_clock` moves forward.
        ``echo_bot_messages`` sends MESSAGE_CREATE/UPDATE/DELETE for the bot's own
        REST actions back over the gateway, as Discord does.
        """
        self.token = token
        self.approved_intents = int(approved_intents)
        self.recommended_shards = recommended_shards
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.interaction_ack_deadline = interaction_ack_deadline
        self.interaction_token_ttl = interaction_token_ttl
        self.attachment_url_ttl = attachment_url_ttl
        self.transport_compression = transport_compression
        self.echo_bot_messages = echo_bot_messages

        self._clock_offset = 0.0
        self._last_snowflake = 0
        self._cdn_secret = secrets.token_bytes(32)

        self.application_id = self.snowflake()
        self.bot = FakeUser(self.application_id, bot_name, bot=True)
        self._users: dict[int, FakeUser] = {self.bot.id: self.bot}
        self._guilds: dict[int, FakeGuild] = {}
        self._channels: dict[int, FakeChannel] = {}
        self._dm_channels: dict[int, FakeChannel] = {}
        self._messages: dict[int, FakeMessage] = {}
        self._attachments: dict[int, FakeAttachment] = {}
        self._interactions: dict[int, FakeInteraction] = {}
        self._commands: dict[int | None, list[JSON]] = {}
        self._faults: list[_Fault] = []
        self._stubs: dict[tuple[str, str], _Reply] = {}

        #: Every HTTP request answered, in order.
        self.requests: list[RecordedRequest] = []
        #: Every payload the bot sent on the gateway, in order.
        self.gateway_ops: list[GatewayOp] = []
        #: Every DISPATCH the fake produced, in order.
        self.dispatched: list[DispatchedEvent] = []
        #: Every gateway websocket connection, in order.
        self.gateway_connects: list[GatewayConnect] = []

        self._sessions: dict[str, _GatewaySession] = {}
        self._shard_sessions: dict[int, _GatewaySession] = {}
        self._connections: list[_GatewayConnection] = []

        self._routes: list[_Route] = []
        self._register_routes()
        self._runner: web.AppRunner | None = None
        self._cond: asyncio.Condition | None = None
        self._port = 0

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> FakeDiscord:
        """Listen on a free loopback port."""
        if self._runner is not None:
            raise RuntimeError("FakeDiscord is already running")
        self._cond = asyncio.Condition()
        app = web.Application(client_max_size=1024 * MIB)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._handle_api)
        app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", self._handle_cdn)
        app.router.add_get("/", self._handle_gateway)
        app.router.add_get("/resume", self._handle_gateway)
        runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._port = int(runner.addresses[0][1])
        self._runner = runner
        return self

    async def stop(self) -> None:
        """Close every gateway connection and stop listening."""
        if self._runner is None:
            return
        for conn in list(self._connections):
            with contextlib.suppress(ConnectionError):
                await conn.ws.close(code=1001, message=b"Going away")
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        if not self._port:
            raise RuntimeError("FakeDiscord is not running")
        return f"http://127.0.0.1:{self._port}"

    @property
    def api_base(self) -> str:
        """The value for ``discord.http.Route.BASE``."""
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        """The gateway URL (what ``GET /gateway/bot`` returns)."""
        return f"ws://127.0.0.1:{self._port}"

    @contextlib.contextmanager
    def patch_discord(self) -> Iterator[None]:
        """Point discord.py at this fake for the duration, then restore its globals.

        Patches ``Route.BASE`` (REST), ``DiscordWebSocket.DEFAULT_GATEWAY`` and
        ``Asset.BASE`` (so avatar and icon URLs never leave loopback).
        """
        saved = (
            discord.http.Route.BASE,
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY,
            discord.asset.Asset.BASE,
        )
        discord.http.Route.BASE = self.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url + "/")
        discord.asset.Asset.BASE = self.base_url
        try:
            yield
        finally:
            (
                discord.http.Route.BASE,
                discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY,
                discord.asset.Asset.BASE,
            ) = saved

    @contextlib.asynccontextmanager
    async def running(
        self,
        client: ClientT,
        *,
        timeout: float = 10.0,  # noqa: ASYNC109 - bounds startup and shutdown together
        fast_startup: bool = True,
    ) -> AsyncIterator[ClientT]:
        """Log ``client`` in, wait for ``on_ready``, and close it on exit.

        An error that stops the client before it is ready (bad token, disallowed
        intents...) is raised from here. With ``fast_startup`` the client's
        quiet window before ``on_ready`` is cut to 50 ms and its 5 s pause before
        every non-initial IDENTIFY (second shard, re-identify) is skipped; both are
        client-side waits that model Discord's timing, not synchronisation.
        """
        if fast_startup:
            _make_startup_fast(client)
        try:
            await client.login(self.token)
        except BaseException:
            await client.close()
            raise
        connect = asyncio.create_task(client.connect(), name="fake-discord-client")
        ready = asyncio.create_task(client.wait_until_ready())
        try:
            done, _ = await asyncio.wait(
                {connect, ready}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
            if ready not in done:
                if connect in done:
                    connect.result()
                    raise RuntimeError("discord client stopped before it was ready")
                raise TimeoutError(f"discord client not ready after {timeout} s")
            yield client
        except BaseException:
            ready.cancel()
            await client.close()
            await asyncio.wait({connect}, timeout=timeout)
            if not connect.done():
                connect.cancel()
            elif not connect.cancelled():
                connect.exception()  # retrieved: the body's error wins
            raise
        else:
            await client.close()
            await asyncio.wait({connect}, timeout=timeout)
            if not connect.done():
                connect.cancel()
                raise TimeoutError("discord client did not stop")
            connect.result()

    # ------------------------------------------------------------ clock and ids

    def now(self) -> float:
        """The fake's clock (Unix time plus :meth:`advance_clock` offsets)."""
        return time.time() + self._clock_offset

    def advance_clock(self, seconds: float) -> None:
        """Move the fake's clock forward (interaction deadlines, CDN link expiry)."""
        self._clock_offset += seconds

    def snowflake(self) -> int:
        """A fresh, increasing snowflake timestamped on the fake's clock."""
        candidate = (int(self.now() * 1000) - DISCORD_EPOCH_MS) << 22
        if candidate <= self._last_snowflake:
            candidate = self._last_snowflake + 1
        self._last_snowflake = candidate
        return candidate

    def snowflake_for_shard(self, shard_id: int, shard_count: int) -> int:
        """A fresh snowflake that, as a guild id, lands on ``shard_id`` of ``shard_count``."""
        ms = self.snowflake() >> 22
        ms += (shard_id - ms) % shard_count
        value = ms << 22
        self._last_snowflake = max(self._last_snowflake, value)
        return value

    # ------------------------------------------------------------ world setup

    def add_user(self, username: str, *, bot: bool = False, user_id: int | None = None) -> FakeUser:
        """Create a user (a human by default)."""
        user = FakeUser(user_id or self.snowflake(), username, bot=bot, global_name=username)
        self._users[user.id] = user
        return user

    def add_guild(
        self,
        name: str,
        *,
        guild_id: int | None = None,
        premium_tier: int = 0,
        members: Iterable[FakeUser] = (),
        owner: FakeUser | None = None,
        features: Iterable[str] = (),
    ) -> FakeGuild:
        """Create a guild the bot is in, with an @everyone role and the bot as member.

        ``premium_tier`` (0-3) sets the upload cap: 10 MiB, 10, 50, 100 MiB.
        """
        gid = guild_id or self.snowflake()
        member_list = list(members)
        owner_user = owner or (member_list[0] if member_list else self.bot)
        guild = FakeGuild(
            id=gid,
            name=name,
            owner_id=owner_user.id,
            joined_at=_iso(self.now()),
            premium_tier=premium_tier,
            features=list(features),
        )
        guild.roles[gid] = FakeRole(gid, "@everyone", EVERYONE_PERMISSIONS)
        self._guilds[gid] = guild
        self.add_member(guild, self.bot)
        for user in [owner_user, *member_list]:
            self.add_member(guild, user)
        return guild

    def add_member(
        self, guild: FakeGuild | int, user: FakeUser | int, *, nick: str | None = None
    ) -> FakeMember:
        """Make ``user`` a member of ``guild`` (idempotent)."""
        g = self._guild(guild)
        u = self._user(user)
        if u.id not in g.members:
            g.members[u.id] = FakeMember(u, joined_at=_iso(self.now()), nick=nick)
        return g.members[u.id]

    def add_channel(
        self,
        guild: FakeGuild | int,
        name: str,
        *,
        type: int = CHANNEL_TEXT,
        parent: FakeChannel | int | None = None,
        topic: str | None = None,
        channel_id: int | None = None,
        owner: FakeUser | None = None,
    ) -> FakeChannel:
        """Create a guild channel; threads (type 11/12) need a ``parent`` channel."""
        g = self._guild(guild)
        parent_id = None if parent is None else self._channel(parent).id
        if type in THREAD_TYPES and parent_id is None:
            raise ValueError("a thread needs a parent channel")
        channel = FakeChannel(
            id=channel_id or self.snowflake(),
            type=type,
            name=name,
            guild_id=g.id,
            position=len(g.channels),
            parent_id=parent_id,
            topic=topic,
            owner_id=(owner or self.bot).id if type in THREAD_TYPES else None,
        )
        g.channels.append(channel)
        self._channels[channel.id] = channel
        return channel

    def dm_channel(self, user: FakeUser | int) -> FakeChannel:
        """The bot's DM channel with ``user`` (created on first use)."""
        u = self._user(user)
        channel = self._dm_channels.get(u.id)
        if channel is None:
            channel = FakeChannel(id=self.snowflake(), type=CHANNEL_DM, name=None, recipients=[u])
            self._dm_channels[u.id] = channel
            self._channels[channel.id] = channel
        return channel

    def add_attachment(
        self,
        data: bytes | int,
        filename: str,
        content_type: str | None = None,
        *,
        channel: FakeChannel | int | None = None,
        description: str | None = None,
    ) -> FakeAttachment:
        """Register a file for the CDN: real ``bytes``, or an ``int`` declared size.

        The signed URL is minted when the attachment is bound to a channel: here if
        ``channel`` is given, otherwise when it is posted by :meth:`dispatch_message`
        or used as a slash-command option.
        """
        payload = data if isinstance(data, bytes) else None
        size = len(data) if isinstance(data, bytes) else int(data)
        attachment = FakeAttachment(
            id=self.snowflake(),
            filename=_sanitize_filename(filename),
            size=size,
            content_type=content_type,
            data=payload,
            description=description,
        )
        self._attachments[attachment.id] = attachment
        if channel is not None:
            self._bind_attachment(attachment, self._channel(channel).id)
        return attachment

    def add_message(
        self,
        channel: FakeChannel | int,
        author: FakeUser | int,
        content: str = "",
        *,
        components: Iterable[JSON] = (),
        embeds: Iterable[JSON] = (),
        attachments: Iterable[FakeAttachment] = (),
    ) -> FakeMessage:
        """Store a message that already exists (history from before the bot started).

        Nothing is dispatched; use :meth:`dispatch_message` for a new message.
        """
        ch = self._channel(channel)
        attachment_list = list(attachments)
        for attachment in attachment_list:
            self._bind_attachment(attachment, ch.id)
        message = FakeMessage(
            id=self.snowflake(),
            channel_id=ch.id,
            guild_id=ch.guild_id,
            author=self._user(author),
            content=content,
            attachments=attachment_list,
            embeds=list(embeds),
            components=list(components),
        )
        self._messages[message.id] = message
        return message

    def sign_attachment_url(
        self, attachment: FakeAttachment, *, expires_in: float | None = None
    ) -> str:
        """A freshly signed CDN URL for ``attachment`` (like Discord's refresh-urls)."""
        if attachment.channel_id is None:
            raise ValueError("attachment is not bound to a channel")
        issued = int(self.now())
        expires = issued + int(self.attachment_url_ttl if expires_in is None else expires_in)
        path = f"/attachments/{attachment.channel_id}/{attachment.id}/{attachment.filename}"
        ex, is_ = f"{expires:08x}", f"{issued:08x}"
        return f"{self.base_url}{path}?ex={ex}&is={is_}&hm={self._cdn_signature(path, ex, is_)}&"

    def stub_route(self, method: str, path: str, body: Any = None, status: int = 200) -> None:
        """Answer ``method path`` (below ``/api/v10``) with a canned JSON reply."""
        self._stubs[(method.upper(), path)] = _Reply(status, body)

    # ------------------------------------------------------------ faults

    def deny_channel(self, channel: FakeChannel | int) -> None:
        """The bot loses Send Messages there: sends answer 403 Missing Permissions (50013)."""
        self._channel(channel).denied = True

    def allow_channel(self, channel: FakeChannel | int) -> None:
        """Undo :meth:`deny_channel`."""
        self._channel(channel).denied = False

    async def delete_channel(self, channel: FakeChannel | int, *, notify: bool = True) -> None:
        """Delete a channel: its routes answer 404 Unknown Channel (10003).

        With ``notify`` a CHANNEL_DELETE goes to the connected bot.
        """
        ch = self._channel(channel)
        ch.deleted = True
        if notify and ch.guild_id is not None:
            payload = self._channel_payload(ch)
            await self._dispatch_to_guild("CHANNEL_DELETE", payload, ch.guild_id, required=False)

    def rate_limit(
        self,
        path: str | None = None,
        *,
        method: str | None = None,
        retry_after: float = 0.05,
        count: int | None = 1,
        is_global: bool = False,
        scope: str = "user",
    ) -> None:
        """Answer the next ``count`` matching REST requests with 429 Too Many Requests.

        ``path`` is a regular expression matched in full against the path below
        ``/api/v10`` (``None`` matches all); ``count=None`` keeps limiting forever.
        discord.py sleeps ``retry_after`` and retries, or raises ``RateLimited``
        when ``retry_after`` exceeds the client's ``max_ratelimit_timeout``.
        """
        self._faults.append(
            _Fault(
                kind="ratelimit",
                method=method,
                path=None if path is None else re.compile(path),
                remaining=count,
                retry_after=retry_after,
                is_global=is_global,
                scope="global" if is_global else scope,
            )
        )

    def fail_next(
        self,
        path: str | None = None,
        *,
        method: str | None = None,
        status: int = 500,
        code: int = 0,
        message: str = "500: Internal Server Error",
        count: int | None = 1,
    ) -> None:
        """Answer the next ``count`` matching REST requests with an error body.

        Note that discord.py retries 500/502/504 itself after a 1 s, 3 s... backoff.
        """
        self._faults.append(
            _Fault(
                kind="error",
                method=method,
                path=None if path is None else re.compile(path),
                remaining=count,
                status=status,
                code=code,
                message=message,
            )
        )

    # ------------------------------------------------------------ lookups

    def guild(self, guild_id: int) -> FakeGuild:
        """A guild by id."""
        return self._guild(guild_id)

    def channel(self, channel_id: int) -> FakeChannel:
        """A channel by id (guild, thread or DM)."""
        return self._channel(channel_id)

    def user(self, user_id: int) -> FakeUser:
        """A user by id."""
        return self._user(user_id)

    def message(self, message_id: int) -> FakeMessage:
        """A stored message by id (including deleted and ephemeral ones)."""
        return self._messages[message_id]

    def messages(
        self,
        channel: FakeChannel | int,
        *,
        author: FakeUser | int | None = None,
        include_deleted: bool = False,
    ) -> list[FakeMessage]:
        """Messages visible in a channel, oldest first (ephemeral ones excluded)."""
        cid = channel.id if isinstance(channel, FakeChannel) else channel
        author_id = author.id if isinstance(author, FakeUser) else author
        return [
            m
            for m in sorted(self._messages.values(), key=lambda m: m.id)
            if m.channel_id == cid
            and not m.ephemeral
            and (include_deleted or not m.deleted)
            and (author_id is None or m.author.id == author_id)
        ]

    def bot_messages(self, channel: FakeChannel | int) -> list[FakeMessage]:
        """Messages the bot posted in a channel, oldest first."""
        return self.messages(channel, author=self.bot)

    def interaction(self, interaction_id: int) -> FakeInteraction:
        """A dispatched interaction by id."""
        return self._interactions[interaction_id]

    def interaction_responses(self, interaction_id: int) -> list[InteractionResponse]:
        """Initial responses the bot posted to an interaction (normally one)."""
        return list(self._interactions[interaction_id].responses)

    def followups(self, token: str) -> list[FakeMessage]:
        """Messages created through the interaction's webhook (``followup.send``)."""
        return list(self._interaction_by_token(token).followups)

    def original_response(self, token: str) -> FakeMessage | None:
        """The interaction's original response message, if any."""
        return self._interaction_by_token(token).original

    def synced_commands(self, guild: FakeGuild | int | None = None) -> list[JSON]:
        """Application commands the bot registered, globally or for one guild."""
        gid = guild.id if isinstance(guild, FakeGuild) else guild
        return list(self._commands.get(gid, []))

    @property
    def unknown_requests(self) -> list[RecordedRequest]:
        """REST requests to routes the fake does not implement."""
        return [r for r in self.requests if r.kind == "rest" and not r.known]

    @property
    def identifies(self) -> list[JSON]:
        """IDENTIFY payloads (``d``) received, with ``intents`` and ``shard``."""
        return [op.d for op in self.gateway_ops if op.op == 2]

    @property
    def resumes(self) -> list[JSON]:
        """RESUME payloads (``d``) received."""
        return [op.d for op in self.gateway_ops if op.op == 6]

    @property
    def heartbeats(self) -> int:
        """How many heartbeats the bot sent."""
        return sum(1 for op in self.gateway_ops if op.op == 1)

    def connected_shards(self) -> list[tuple[int, int]]:
        """``(shard_id, shard_count)`` of every session with an open connection."""
        return sorted(
            (s.shard_id, s.shard_count)
            for s in self._shard_sessions.values()
            if s.connection is not None and not s.connection.ws.closed
        )

    # ------------------------------------------------------------ waiting

    async def wait_for(
        self,
        predicate: Callable[[], T],
        timeout: float = 5.0,  # noqa: ASYNC109 - the test-facing API reads better this way
    ) -> T:
        """Wait until ``predicate()`` is truthy and return its value.

        It is checked now and again after every request, gateway payload or
        connection change the fake sees; no polling.
        """
        if self._cond is None:
            raise RuntimeError("FakeDiscord is not running")
        async with asyncio.timeout(timeout), self._cond:
            return await self._cond.wait_for(predicate)

    async def wait_for_request(
        self,
        method: str | None = None,
        path: str | None = None,
        *,
        since: int = 0,
        timeout: float = 5.0,  # noqa: ASYNC109 - same as wait_for
    ) -> RecordedRequest:
        """The first answered request from index ``since`` matching method and path regex."""
        pattern = None if path is None else re.compile(path)

        def find() -> RecordedRequest | None:
            for rec in self.requests[since:]:
                if method is not None and rec.method != method:
                    continue
                if pattern is not None and pattern.fullmatch(rec.path) is None:
                    continue
                return rec
            return None

        found = await self.wait_for(find, timeout)
        assert found is not None
        return found

    async def _notify(self) -> None:
        if self._cond is None:
            return
        async with self._cond:
            self._cond.notify_all()

    # ------------------------------------------------------------ gateway driving

    async def dispatch(
        self, event: str, data: JSON, *, guild: FakeGuild | int | None = None
    ) -> DispatchedEvent:
        """Send any DISPATCH event to the shard that owns ``guild`` (shard 0 if none)."""
        gid = None if guild is None else self._guild(guild).id
        sent = await self._dispatch_to_guild(event, data, gid, required=True)
        assert sent is not None
        return sent

    async def dispatch_message(
        self,
        channel: FakeChannel | int,
        author: FakeUser | int,
        content: str,
        mentions_bot: bool = False,
        attachments: Iterable[FakeAttachment] = (),
        reference: FakeMessage | int | None = None,
        *,
        mentions: Iterable[FakeUser] = (),
        embeds: Iterable[JSON] = (),
        ping_reply: bool = True,
    ) -> FakeMessage:
        """A user posts a message; the bot receives MESSAGE_CREATE.

        ``mentions_bot`` prefixes the content with the bot's ``<@id>`` and lists the
        bot in ``mentions``; a reply (``reference``) to one of the bot's messages
        lists it too unless ``ping_reply`` is false, as Discord clients do. Like
        Discord, the event carries empty content, attachments, embeds and
        components unless the bot identified with MESSAGE_CONTENT, is mentioned,
        wrote the message, or the message is a DM. Guild messages need the
        GUILD_MESSAGES intent and DMs DIRECT_MESSAGES, or nothing is sent.
        """
        ch = self._channel(channel)
        if ch.deleted:
            raise ValueError(f"channel {ch.id} is deleted")
        user = self._user(author)
        if ch.guild_id is not None:
            self.add_member(ch.guild_id, user)
        mention_list = list(mentions)
        if mentions_bot:
            if self.bot.mention not in content:
                content = f"{self.bot.mention} {content}".rstrip()
            mention_list.insert(0, self.bot)
        ref_msg = None if reference is None else self._message_ref(reference)
        if ref_msg is not None and ping_reply and ref_msg.author not in mention_list:
            mention_list.append(ref_msg.author)
        attachment_list = list(attachments)
        for attachment in attachment_list:
            self._bind_attachment(attachment, ch.id)
        message = FakeMessage(
            id=self.snowflake(),
            channel_id=ch.id,
            guild_id=ch.guild_id,
            author=user,
            content=content,
            attachments=attachment_list,
            embeds=list(embeds),
            mentions=mention_list,
            type=19 if ref_msg is not None else 0,
            reference_id=None if ref_msg is None else ref_msg.id,
        )
        self._messages[message.id] = message
        await self._dispatch_message_event("MESSAGE_CREATE", message, required=True)
        return message

    async def dispatch_slash_command(
        self,
        name: str,
        options: Mapping[str, Any] | None,
        channel: FakeChannel | int,
        user: FakeUser | int,
    ) -> FakeInteraction:
        """A user runs ``/name`` (``"group sub"`` for subcommands); INTERACTION_CREATE.

        Option values may be str, int, float, bool, :class:`FakeUser`,
        :class:`FakeChannel` or :class:`FakeAttachment`; their wire types come from
        the commands the bot synced, or are inferred from the Python values.
        """
        ch = self._channel(channel)
        u = self._user(user)
        parts = name.split()
        command = self._find_command(parts[0], ch.guild_id)
        declared: list[JSON] = [] if command is None else list(command.get("options", []))
        resolved: JSON = {}
        option_list = self._encode_options(options or {}, declared, parts[1:], ch, resolved)
        data: JSON = {
            "id": str(int(command["id"])) if command else str(self.snowflake()),
            "name": parts[0],
            "type": 1,
            "options": option_list,
        }
        if resolved:
            data["resolved"] = resolved
        if command is not None and command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        return await self._dispatch_interaction(INTERACTION_APPLICATION_COMMAND, data, ch, u, None)

    async def dispatch_button(
        self,
        custom_id: str,
        message: FakeMessage | int,
        channel: FakeChannel | int | None,
        user: FakeUser | int,
    ) -> FakeInteraction:
        """A user presses the button ``custom_id`` on ``message``; INTERACTION_CREATE.

        ``channel`` defaults to the message's channel.
        """
        msg = self._message_ref(message)
        ch = self._channel(channel if channel is not None else msg.channel_id)
        data = {"custom_id": custom_id, "component_type": 2}
        return await self._dispatch_interaction(
            INTERACTION_COMPONENT, data, ch, self._user(user), msg
        )

    async def dispatch_select(
        self,
        custom_id: str,
        values: Iterable[str],
        message: FakeMessage | int,
        user: FakeUser | int,
    ) -> FakeInteraction:
        """A user picks ``values`` in the string select ``custom_id`` on ``message``."""
        msg = self._message_ref(message)
        data = {"custom_id": custom_id, "component_type": 3, "values": list(values)}
        return await self._dispatch_interaction(
            INTERACTION_COMPONENT, data, self._channel(msg.channel_id), self._user(user), msg
        )

    async def dispatch_guild_create(self, guild: FakeGuild | int) -> None:
        """Announce a guild added after login (the bot joined it)."""
        g = self._guild(guild)
        session = self._session_for_guild(g.id)
        if session is None:
            raise RuntimeError("no gateway session for this guild's shard")
        await self._send_dispatch(session, "GUILD_CREATE", self._guild_create_payload(g, session))

    async def disconnect_gateway(
        self,
        *,
        shard_id: int | None = None,
        code: int = 4000,
        invalidate_session: bool = False,
    ) -> None:
        """Drop the gateway connection(s), forcing discord.py to reconnect.

        By default the session survives and the bot RESUMEs, receiving the events
        dispatched meanwhile; with ``invalidate_session`` its RESUME gets op 9
        (Invalid Session) and it identifies again. Close codes 4004 and 4010-4014
        are fatal for discord.py.
        """
        for session in list(self._shard_sessions.values()):
            if shard_id is not None and session.shard_id != shard_id:
                continue
            if invalidate_session:
                session.invalidated = True
            conn, session.connection = session.connection, None
            if conn is not None:
                with contextlib.suppress(ConnectionError):
                    await conn.ws.close(code=code, message=b"Disconnected by test")
        await self._notify()

    async def request_reconnect(self, *, shard_id: int | None = None) -> None:
        """Send op 7 (Reconnect): the bot closes and RESUMEs."""
        for session in list(self._shard_sessions.values()):
            if shard_id is not None and session.shard_id != shard_id:
                continue
            if session.connection is not None:
                await session.connection.send({"op": 7, "d": None})

    # ------------------------------------------------------------ helpers: lookups

    def _guild(self, guild: FakeGuild | int) -> FakeGuild:
        return guild if isinstance(guild, FakeGuild) else self._guilds[guild]

    def _channel(self, channel: FakeChannel | int) -> FakeChannel:
        return channel if isinstance(channel, FakeChannel) else self._channels[channel]

    def _user(self, user: FakeUser | int) -> FakeUser:
        return user if isinstance(user, FakeUser) else self._users[user]

    def _message_ref(self, message: FakeMessage | int) -> FakeMessage:
        return message if isinstance(message, FakeMessage) else self._messages[message]

    def _interaction_by_token(self, token: str) -> FakeInteraction:
        for ix in self._interactions.values():
            if ix.token == token:
                return ix
        raise KeyError(token)

    def _filesize_limit(self, channel: FakeChannel) -> int:
        if channel.guild_id is None:
            return DM_FILESIZE_LIMIT
        return self._guilds[channel.guild_id].filesize_limit

    def _find_command(self, name: str, guild_id: int | None) -> JSON | None:
        scopes: list[int | None] = [guild_id, None] if guild_id is not None else [None]
        for scope in scopes:
            for command in self._commands.get(scope, []):
                if command["name"] == name and command.get("type", 1) == 1:
                    return command
        return None

    # ------------------------------------------------------------ helpers: payloads

    def _cdn_signature(self, path: str, ex: str, is_: str) -> str:
        message = f"{path}|{ex}|{is_}".encode()
        return hmac.new(self._cdn_secret, message, hashlib.sha256).hexdigest()

    def _bind_attachment(self, attachment: FakeAttachment, channel_id: int) -> None:
        if attachment.channel_id is not None and attachment.url is not None:
            return
        attachment.channel_id = channel_id
        attachment.url = self.sign_attachment_url(attachment)
        attachment.proxy_url = attachment.url

    def _channel_payload(self, channel: FakeChannel) -> JSON:
        if channel.is_dm:
            return {
                "id": str(channel.id),
                "type": CHANNEL_DM,
                "last_message_id": None,
                "flags": 0,
                "recipients": [u.to_payload() for u in channel.recipients],
            }
        payload: JSON = {
            "id": str(channel.id),
            "type": channel.type,
            "guild_id": str(channel.guild_id),
            "name": channel.name,
            "position": channel.position,
            "parent_id": None if channel.parent_id is None else str(channel.parent_id),
            "topic": channel.topic,
            "nsfw": False,
            "rate_limit_per_user": 0,
            "last_message_id": None,
            "flags": 0,
            "permission_overwrites": [],
        }
        if channel.denied:
            payload["permission_overwrites"] = [
                {"id": str(self.bot.id), "type": 1, "allow": "0", "deny": str(_DENIED_SEND)}
            ]
        if channel.is_thread:
            payload.pop("position")
            payload.pop("permission_overwrites")
            payload.update(
                owner_id=str(channel.owner_id),
                message_count=0,
                member_count=1,
                total_message_sent=0,
                thread_metadata={
                    "archived": False,
                    "auto_archive_duration": 1440,
                    "archive_timestamp": _iso(_snowflake_time(channel.id)),
                    "locked": False,
                    "create_timestamp": _iso(_snowflake_time(channel.id)),
                },
            )
        return payload

    def _channel_permissions(self, channel: FakeChannel) -> int:
        if channel.guild_id is None:
            return EVERYONE_PERMISSIONS
        guild = self._guilds[channel.guild_id]
        perms = guild.roles[guild.id].permissions
        if channel.denied:
            perms &= ~_DENIED_SEND
        return perms

    def _guild_base_payload(self, guild: FakeGuild) -> JSON:
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(guild.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "features": list(guild.features),
            "roles": [r.to_payload() for r in guild.roles.values()],
            "emojis": [],
            "stickers": [],
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "vanity_url_code": None,
            "premium_tier": guild.premium_tier,
            "premium_subscription_count": {0: 0, 1: 2, 2: 7, 3: 14}.get(guild.premium_tier, 0),
            "preferred_locale": "en-US",
            "max_members": 500000,
            "premium_progress_bar_enabled": False,
        }

    def _guild_create_payload(self, guild: FakeGuild, session: _GatewaySession) -> JSON:
        payload = self._guild_base_payload(guild)
        if session.intents & Intent.GUILD_MEMBERS:
            members = list(guild.members.values())
        else:
            # Without the members intent Discord sends only the bot's own member.
            members = [guild.members[self.bot.id]]
        live = [c for c in guild.channels if not c.deleted]
        payload.update(
            joined_at=guild.joined_at,
            large=False,
            unavailable=False,
            member_count=len(guild.members),
            members=[m.to_payload() for m in members],
            channels=[self._channel_payload(c) for c in live if not c.is_thread],
            threads=[self._channel_payload(c) for c in live if c.is_thread],
            voice_states=[],
            presences=[],
            stage_instances=[],
            guild_scheduled_events=[],
            soundboard_sounds=[],
        )
        return payload

    def _user_with_member(self, user: FakeUser, guild_id: int | None) -> JSON:
        payload = user.to_payload()
        if guild_id is not None:
            member = self._guilds[guild_id].members.get(user.id)
            if member is not None:
                payload["member"] = member.to_payload(with_user=False)
        return payload

    def _content_visible(self, message: FakeMessage, intents: int) -> bool:
        return bool(
            intents & Intent.MESSAGE_CONTENT
            or message.guild_id is None
            or message.author.id == self.bot.id
            or any(u.id == self.bot.id for u in message.mentions)
        )

    def _message_payload(
        self, message: FakeMessage, *, intents: int, gateway: bool = False, depth: int = 0
    ) -> JSON:
        payload: JSON = {
            "id": str(message.id),
            "type": message.type,
            "channel_id": str(message.channel_id),
            "author": message.author.to_payload(),
            "content": message.content,
            "timestamp": _iso(_snowflake_time(message.id)),
            "edited_timestamp": message.edited_timestamp,
            "tts": False,
            "mention_everyone": False,
            "mentions": [
                self._user_with_member(u, message.guild_id if gateway else None)
                for u in message.mentions
            ],
            "mention_roles": [],
            "attachments": [a.to_payload() for a in message.attachments],
            "embeds": list(message.embeds),
            "components": list(message.components),
            "pinned": False,
            "flags": message.flags,
        }
        if message.guild_id is not None:
            payload["guild_id"] = str(message.guild_id)
            if gateway:
                member = self._guilds[message.guild_id].members.get(message.author.id)
                if member is not None and message.webhook_id is None:
                    payload["member"] = member.to_payload(with_user=False)
        if message.webhook_id is not None:
            payload["webhook_id"] = str(message.webhook_id)
        if message.application_id is not None:
            payload["application_id"] = str(message.application_id)
        if message.interaction_metadata is not None:
            payload["interaction_metadata"] = message.interaction_metadata
        if message.reference_id is not None:
            ref = self._messages.get(message.reference_id)
            payload["message_reference"] = {
                "type": 0,
                "message_id": str(message.reference_id),
                "channel_id": str(message.channel_id),
            }
            if message.guild_id is not None:
                payload["message_reference"]["guild_id"] = str(message.guild_id)
            if depth == 0:
                payload["referenced_message"] = (
                    None
                    if ref is None or ref.deleted
                    else self._message_payload(ref, intents=intents, gateway=gateway, depth=1)
                )
        if not self._content_visible(message, intents):
            payload.update(content="", embeds=[], attachments=[], components=[])
        return payload

    def _rest_message_payload(self, message: FakeMessage) -> JSON:
        return self._message_payload(message, intents=self.approved_intents)

    def _interaction_payload(self, ix: FakeInteraction) -> JSON:
        ch = ix.channel
        payload: JSON = {
            "id": str(ix.id),
            "application_id": str(self.application_id),
            "type": ix.type,
            "data": ix.data,
            "channel_id": str(ch.id),
            "channel": self._channel_payload(ch),
            "token": ix.token,
            "version": 1,
            "locale": "en-US",
            "app_permissions": str(self._channel_permissions(ch)),
            "entitlements": [],
            "attachment_size_limit": self._filesize_limit(ch),
        }
        if ch.guild_id is not None:
            guild = self._guilds[ch.guild_id]
            member = self.add_member(guild, ix.user).to_payload()
            member["permissions"] = str(self._channel_permissions(ch))
            payload.update(
                guild_id=str(guild.id),
                guild={"id": str(guild.id), "locale": "en-US", "features": list(guild.features)},
                guild_locale="en-US",
                member=member,
                context=0,
                authorizing_integration_owners={"0": str(guild.id)},
            )
        else:
            payload.update(
                user=ix.user.to_payload(),
                context=1,
                authorizing_integration_owners={"0": "0"},
            )
        if ix.message is not None:
            payload["message"] = self._message_payload(
                ix.message, intents=int(Intent.MESSAGE_CONTENT)
            )
        return payload

    def _encode_options(
        self,
        options: Mapping[str, Any],
        declared: list[JSON],
        subcommands: list[str],
        channel: FakeChannel,
        resolved: JSON,
    ) -> list[JSON]:
        if subcommands:
            sub = next((o for o in declared if o.get("name") == subcommands[0]), None)
            sub_type = 2 if len(subcommands) > 1 else 1
            inner_declared = [] if sub is None else list(sub.get("options", []))
            inner = self._encode_options(
                options, inner_declared, subcommands[1:], channel, resolved
            )
            return [{"name": subcommands[0], "type": sub_type, "options": inner}]
        types = {o["name"]: int(o["type"]) for o in declared if "name" in o and "type" in o}
        encoded = []
        for key, value in options.items():
            kind = types.get(key) or _infer_option_type(value)
            encoded.append(
                {"name": key, "type": kind, "value": self._option_value(value, channel, resolved)}
            )
        return encoded

    def _option_value(self, value: Any, channel: FakeChannel, resolved: JSON) -> Any:
        if isinstance(value, FakeAttachment):
            self._bind_attachment(value, channel.id)
            resolved.setdefault("attachments", {})[str(value.id)] = value.to_payload()
            return str(value.id)
        if isinstance(value, FakeUser):
            resolved.setdefault("users", {})[str(value.id)] = value.to_payload()
            if channel.guild_id is not None:
                member = self.add_member(channel.guild_id, value).to_payload(with_user=False)
                member["permissions"] = str(self._channel_permissions(channel))
                resolved.setdefault("members", {})[str(value.id)] = member
            return str(value.id)
        if isinstance(value, FakeChannel):
            entry = self._channel_payload(value)
            entry["permissions"] = str(self._channel_permissions(value))
            resolved.setdefault("channels", {})[str(value.id)] = entry
            return str(value.id)
        return value

    # ------------------------------------------------------------ helpers: gateway

    def _session_for_guild(self, guild_id: int | None) -> _GatewaySession | None:
        for session in self._shard_sessions.values():
            if session.invalidated:
                continue
            if guild_id is None:
                if session.shard_id == 0:
                    return session
            elif (guild_id >> 22) % session.shard_count == session.shard_id:
                return session
        return None

    async def _send_dispatch(
        self, session: _GatewaySession, event: str, data: Any
    ) -> DispatchedEvent:
        session.seq += 1
        frame = {"op": 0, "t": event, "s": session.seq, "d": data}
        session.sent.append(frame)
        conn = session.connection
        delivered = await conn.send(frame) if conn is not None else False
        record = DispatchedEvent(
            event, session.seq, data, (session.shard_id, session.shard_count), delivered
        )
        self.dispatched.append(record)
        await self._notify()
        return record

    async def _dispatch_to_guild(
        self, event: str, data: Any, guild_id: int | None, *, required: bool
    ) -> DispatchedEvent | None:
        session = self._session_for_guild(guild_id)
        if session is None:
            if required:
                raise RuntimeError(
                    f"cannot dispatch {event}: no bot has identified on the gateway for this shard"
                )
            return None
        return await self._send_dispatch(session, event, data)

    async def _dispatch_message_event(
        self, event: str, message: FakeMessage, *, required: bool
    ) -> DispatchedEvent | None:
        session = self._session_for_guild(message.guild_id)
        if session is None:
            if required:
                raise RuntimeError(f"cannot dispatch {event}: no bot has identified on the gateway")
            return None
        needed = Intent.DIRECT_MESSAGES if message.guild_id is None else Intent.GUILD_MESSAGES
        if not session.intents & needed:
            return None
        if event == "MESSAGE_DELETE":
            data: JSON = {"id": str(message.id), "channel_id": str(message.channel_id)}
            if message.guild_id is not None:
                data["guild_id"] = str(message.guild_id)
        else:
            data = self._message_payload(message, intents=session.intents, gateway=True)
        return await self._send_dispatch(session, event, data)

    async def _echo(self, event: str, message: FakeMessage) -> None:
        if self.echo_bot_messages and not message.ephemeral:
            await self._dispatch_message_event(event, message, required=False)

    async def _dispatch_interaction(
        self,
        kind: int,
        data: JSON,
        channel: FakeChannel,
        user: FakeUser,
        message: FakeMessage | None,
    ) -> FakeInteraction:
        ix = FakeInteraction(
            id=self.snowflake(),
            token="aW50ZXJhY3Rpb246" + secrets.token_urlsafe(48),
            type=kind,
            channel=channel,
            user=user,
            data=data,
            created_at=self.now(),
            message=message,
        )
        self._interactions[ix.id] = ix
        await self._dispatch_to_guild(
            "INTERACTION_CREATE", self._interaction_payload(ix), channel.guild_id, required=True
        )
        return ix

    async def _handle_gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        compress = self.transport_compression and request.query.get("compress") == "zlib-stream"
        conn = _GatewayConnection(ws, compress, request.path)
        self._connections.append(conn)
        self.gateway_connects.append(GatewayConnect(request.path, dict(request.query), compress))
        try:
            await conn.send({"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
            async for msg in ws:
                if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    break
                payload = json.loads(msg.data)
                await self._on_gateway_payload(conn, payload)
        finally:
            self._connections.remove(conn)
            session = conn.session
            if session is not None and session.connection is conn:
                session.connection = None
            await self._notify()
        return ws

    async def _on_gateway_payload(self, conn: _GatewayConnection, payload: JSON) -> None:
        op = payload.get("op")
        d = payload.get("d")
        session = conn.session
        if op == 2 and isinstance(d, dict):
            shard = d.get("shard")
            self.gateway_ops.append(
                GatewayOp(2, d, None, None if shard is None else (int(shard[0]), int(shard[1])))
            )
            await self._identify(conn, d)
        elif op == 6 and isinstance(d, dict):
            self.gateway_ops.append(GatewayOp(6, d, d.get("session_id"), None))
            await self._resume(conn, d)
        else:
            shard_info = None if session is None else (session.shard_id, session.shard_count)
            self.gateway_ops.append(
                GatewayOp(int(op or 0), d, None if session is None else session.id, shard_info)
            )
            if op == 1:
                await conn.send({"op": 11})
            elif op == 8 and session is not None and isinstance(d, dict):
                await self._send_member_chunk(session, d)
        await self._notify()

    async def _identify(self, conn: _GatewayConnection, d: JSON) -> None:
        if conn.session is not None:
            await conn.ws.close(code=4005, message=b"Already authenticated.")
            return
        if d.get("token") != self.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        shard = d.get("shard") or [0, 1]
        shard_id, shard_count = int(shard[0]), int(shard[1])
        if shard_count < 1 or not 0 <= shard_id < shard_count:
            await conn.ws.close(code=4010, message=b"Invalid shard.")
            return
        if "intents" not in d:
            await conn.ws.close(code=4013, message=b"Invalid intent(s).")
            return
        intents = int(d["intents"])
        if intents & PRIVILEGED_INTENTS & ~self.approved_intents:
            await conn.ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        session = _GatewaySession(
            id=secrets.token_hex(16),
            shard_id=shard_id,
            shard_count=shard_count,
            intents=intents,
            identify=d,
            connection=conn,
        )
        previous = self._shard_sessions.get(shard_id)
        if previous is not None:
            previous.invalidated = True
        self._sessions[session.id] = session
        self._shard_sessions[shard_id] = session
        conn.session = session
        guilds = [g for g in self._guilds.values() if g.shard_id(shard_count) == shard_id]
        ready = {
            "v": API_VERSION,
            "user": self._client_user_payload(),
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url + "/resume",
            "shard": [shard_id, shard_count],
            "application": {"id": str(self.application_id), "flags": self._application_flags()},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["us-east"],
            "user_settings": {},
            "auth": {},
            "_trace": ["fake-discord"],
        }
        # READY and every GUILD_CREATE go out back to back, so the client has them all
        # queued before its guild_ready_timeout starts counting.
        await self._send_dispatch(session, "READY", ready)
        for guild in guilds:
            await self._send_dispatch(
                session, "GUILD_CREATE", self._guild_create_payload(guild, session)
            )

    async def _resume(self, conn: _GatewayConnection, d: JSON) -> None:
        session = self._sessions.get(str(d.get("session_id")))
        if session is None or session.invalidated or d.get("token") != self.token:
            await conn.send({"op": 9, "d": False})
            return
        old = session.connection
        if old is not None and old is not conn:
            with contextlib.suppress(ConnectionError):
                await old.ws.close(code=4000)
        session.connection = conn
        conn.session = session
        last_seen = int(d.get("seq") or 0)
        for frame in session.sent:
            if frame["s"] > last_seen:
                await conn.send(frame)
        await self._send_dispatch(session, "RESUMED", {"_trace": ["fake-discord"]})

    async def _send_member_chunk(self, session: _GatewaySession, d: JSON) -> None:
        guild = self._guilds.get(int(d.get("guild_id", 0)))
        if guild is None:
            return
        query = str(d.get("query") or "").lower()
        user_ids = d.get("user_ids")
        members = [
            m
            for m in guild.members.values()
            if (not user_ids or str(m.user.id) in {str(u) for u in user_ids})
            and m.user.username.lower().startswith(query)
        ]
        chunk: JSON = {
            "guild_id": str(guild.id),
            "members": [m.to_payload() for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if d.get("nonce") is not None:
            chunk["nonce"] = d["nonce"]
        await self._send_dispatch(session, "GUILD_MEMBERS_CHUNK", chunk)

    def _client_user_payload(self) -> JSON:
        payload = self.bot.to_payload()
        payload.update(verified=True, mfa_enabled=False, email=None, locale="en-US")
        return payload

    def _application_flags(self) -> int:
        flags = 0
        for intent, flag in _APP_FLAG_FOR_INTENT.items():
            if self.approved_intents & intent:
                flags |= flag
        return flags

    # ------------------------------------------------------------ HTTP plumbing

    async def _parse_request(self, request: web.Request, path: str, kind: str) -> RecordedRequest:
        rec = RecordedRequest(
            method=request.method,
            path=path,
            query=dict(request.query),
            headers=dict(request.headers),
            kind="cdn" if kind == "cdn" else "rest",
        )
        if not request.can_read_body:
            return rec
        if request.content_type == "multipart/form-data":
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader):
                    continue
                data = await part.read(decode=False)
                if part.name == "payload_json":
                    rec.json = json.loads(data)
                elif part.filename is not None:
                    rec.files.append(
                        RecordedFile(
                            field=part.name or "",
                            filename=part.filename,
                            content_type=part.headers.get("Content-Type"),
                            data=bytes(data),
                        )
                    )
        else:
            body = await request.read()
            if body:
                try:
                    rec.json = json.loads(body)
                except ValueError:
                    rec.json = body.decode("utf-8", "replace")
        return rec

    def _ratelimit_headers(self, bucket: str, remaining: int, reset_after: float) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": bucket,
        }

    def _apply_faults(self, rec: RecordedRequest, bucket: str) -> _Reply | None:
        for fault in self._faults:
            if not fault.matches(rec):
                continue
            if fault.remaining is not None:
                fault.remaining -= 1
            if fault.kind == "error":
                return _Reply(fault.status, {"message": fault.message, "code": fault.code})
            headers = self._ratelimit_headers(bucket, 0, fault.retry_after)
            headers["Retry-After"] = str(max(1, math.ceil(fault.retry_after)))
            headers["X-RateLimit-Scope"] = fault.scope
            if fault.is_global:
                headers["X-RateLimit-Global"] = "true"
            body = {
                "message": "You are being rate limited.",
                "retry_after": fault.retry_after,
                "global": fault.is_global,
            }
            return _Reply(429, body, headers)
        return None

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        rec = await self._parse_request(request, path, "rest")
        route, params = self._match(request.method, path)
        rec.route = None if route is None else route.name
        bucket = hashlib.sha1(  # noqa: S324 - an opaque bucket id, not security
            f"{request.method} {rec.route or path}".encode()
        ).hexdigest()[:16]
        stub = self._stubs.get((request.method, path))
        reply: _Reply | None = None
        try:
            if stub is not None:
                rec.route = rec.route or "stub"
                reply = stub
            elif route is None:
                raise _ApiError(404, 0, "404: Not Found")
            else:
                if route.auth and request.headers.get("Authorization") != f"Bot {self.token}":
                    raise _ApiError(401, 0, "401: Unauthorized")
                reply = self._apply_faults(rec, bucket)
                if reply is None:
                    reply = await route.handler(rec, **params)
        except _ApiError as exc:
            reply = _Reply(exc.status, exc.body())
        rec.status = reply.status
        rec.response = reply.body
        self.requests.append(rec)
        await self._notify()
        headers = {"Via": "1.1 google"}
        if 200 <= reply.status < 300:
            headers.update(self._ratelimit_headers(bucket, 4, 1.0))
        headers.update(reply.headers)
        if reply.body is None:
            return web.Response(status=reply.status, headers=headers)
        # discord.py only parses a body as JSON when Content-Type is exactly this.
        headers["Content-Type"] = "application/json"
        return web.Response(
            status=reply.status, body=json.dumps(reply.body).encode(), headers=headers
        )

    async def _handle_cdn(self, request: web.Request) -> web.StreamResponse:
        rec = await self._parse_request(request, request.path, "cdn")
        rec.route = "cdn"
        status, body = self._check_cdn(request)
        rec.status = status
        self.requests.append(rec)
        await self._notify()
        if status != 200 or body is None:
            return web.Response(status=status, text="This content is no longer available.")
        attachment = body
        response = web.StreamResponse(
            status=200,
            headers={"Content-Type": attachment.content_type or "application/octet-stream"},
        )
        response.content_length = attachment.size
        await response.prepare(request)
        if request.method != "HEAD":
            if attachment.data is not None:
                await response.write(attachment.data)
            else:
                remaining = attachment.size
                chunk = bytes(min(remaining, 1 << 20))
                while remaining > 0:
                    await response.write(chunk[: min(remaining, len(chunk))])
                    remaining -= len(chunk)
        await response.write_eof()
        return response

    def _check_cdn(self, request: web.Request) -> tuple[int, FakeAttachment | None]:
        try:
            attachment = self._attachments[int(request.match_info["attachment_id"])]
        except (KeyError, ValueError):
            return 404, None
        if (
            str(attachment.channel_id) != request.match_info["channel_id"]
            or attachment.filename != request.match_info["filename"]
        ):
            return 404, None
        ex, is_, hm = (request.query.get(k, "") for k in ("ex", "is", "hm"))
        if not (ex and is_ and hm):
            return 403, None
        expected = self._cdn_signature(request.path, ex, is_)
        if not hmac.compare_digest(expected, hm):
            return 403, None
        try:
            expires = int(ex, 16)
        except ValueError:
            return 403, None
        if expires < self.now():
            return 404, None
        return 200, attachment

    def _match(self, method: str, path: str) -> tuple[_Route | None, dict[str, str]]:
        for route in self._routes:
            if route.method != method:
                continue
            found = route.pattern.fullmatch(path)
            if found:
                return route, found.groupdict()
        return None, {}

    def _add(self, method: str, template: str, handler: Handler, *, auth: bool = True) -> None:
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
        self._routes.append(
            _Route(f"{method} {template}", method, re.compile(regex), handler, auth)
        )

    def _register_routes(self) -> None:
        add = self._add
        add("GET", "/users/@me", self._get_me)
        add("GET", "/users/{user_id}", self._get_user)
        add("POST", "/users/@me/channels", self._create_dm)
        add("GET", "/gateway", self._get_gateway, auth=False)
        add("GET", "/gateway/bot", self._get_gateway_bot)
        # discord.py's application_info() (called by login) uses the oauth2 path.
        add("GET", "/oauth2/applications/@me", self._get_application)
        add("GET", "/applications/@me", self._get_application)
        for scope in ("", "/guilds/{guild_id}"):
            base = "/applications/{app_id}" + scope + "/commands"
            add("GET", base, self._list_commands)
            add("PUT", base, self._bulk_commands)
            add("POST", base, self._upsert_command)
            add("GET", base + "/{command_id}", self._get_command)
            add("DELETE", base + "/{command_id}", self._delete_command)
        add("GET", "/guilds/{guild_id}", self._get_guild)
        add("GET", "/channels/{channel_id}", self._get_channel)
        add("GET", "/channels/{channel_id}/messages", self._list_messages)
        add("POST", "/channels/{channel_id}/messages", self._create_message)
        add("GET", "/channels/{channel_id}/messages/{message_id}", self._get_message)
        add("PATCH", "/channels/{channel_id}/messages/{message_id}", self._edit_message)
        add("DELETE", "/channels/{channel_id}/messages/{message_id}", self._delete_message)
        add("POST", "/channels/{channel_id}/typing", self._typing)
        add(
            "PUT",
            "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me",
            self._add_reaction,
        )
        add(
            "POST",
            "/interactions/{interaction_id}/{token}/callback",
            self._interaction_callback,
            auth=False,
        )
        hook = "/webhooks/{app_id}/{token}"
        add("POST", hook, self._execute_webhook, auth=False)
        add("GET", hook + "/messages/{message_id}", self._get_webhook_message, auth=False)
        add("PATCH", hook + "/messages/{message_id}", self._edit_webhook_message, auth=False)
        add("DELETE", hook + "/messages/{message_id}", self._delete_webhook_message, auth=False)

    # ------------------------------------------------------------ REST: users, app

    async def _get_me(self, rec: RecordedRequest) -> _Reply:
        return _Reply(body=self._client_user_payload())

    async def _get_user(self, rec: RecordedRequest, user_id: str) -> _Reply:
        user = self._users.get(_int(user_id))
        if user is None:
            raise _ApiError(404, 10013, "Unknown User")
        return _Reply(body=user.to_payload())

    async def _create_dm(self, rec: RecordedRequest) -> _Reply:
        body = rec.json if isinstance(rec.json, dict) else {}
        user = self._users.get(_int(body.get("recipient_id")))
        if user is None:
            raise _invalid_form("recipient_id", "NUMBER_TYPE_COERCE", "Value is not snowflake.")
        return _Reply(body=self._channel_payload(self.dm_channel(user)))

    async def _get_gateway(self, rec: RecordedRequest) -> _Reply:
        return _Reply(body={"url": self.gateway_url})

    async def _get_gateway_bot(self, rec: RecordedRequest) -> _Reply:
        return _Reply(
            body={
                "url": self.gateway_url,
                "shards": self.recommended_shards,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 14400000,
                    "max_concurrency": 1,
                },
            }
        )

    async def _get_application(self, rec: RecordedRequest) -> _Reply:
        owner = next((u for u in self._users.values() if not u.bot), self.bot)
        return _Reply(
            body={
                "id": str(self.application_id),
                "name": self.bot.username,
                "icon": None,
                "description": "",
                "summary": "",
                "type": None,
                "bot_public": False,
                "bot_require_code_grant": False,
                "verify_key": secrets.token_hex(32),
                "owner": owner.to_payload(),
                "team": None,
                "flags": self._application_flags(),
                "bot": self.bot.to_payload(),
                "interactions_endpoint_url": None,
                "redirect_uris": [],
                "tags": [],
                "approximate_guild_count": len(self._guilds),
                "integration_types_config": {"0": {}},
            }
        )

    # ------------------------------------------------------------ REST: commands

    def _check_app(self, app_id: str) -> None:
        if _int(app_id) != self.application_id:
            raise _ApiError(403, 50001, "Missing Access")

    def _normalize_command(self, raw: JSON, guild_id: int | None, existing: list[JSON]) -> JSON:
        kind = int(raw.get("type", 1))
        name = raw.get("name")
        if not isinstance(name, str) or not name:
            raise _invalid_form("name", "BASE_TYPE_REQUIRED", "This field is required")
        if kind == 1 and not raw.get("description"):
            raise _invalid_form("description", "BASE_TYPE_REQUIRED", "This field is required")
        previous = next(
            (c for c in existing if c["name"] == name and c.get("type", 1) == kind), None
        )
        command: JSON = {
            "type": kind,
            "description": "",
            "options": [],
            "default_member_permissions": None,
            "nsfw": False,
            **raw,
            "id": previous["id"] if previous else str(self.snowflake()),
            "application_id": str(self.application_id),
            "version": str(self.snowflake()),
        }
        if guild_id is not None:
            command["guild_id"] = str(guild_id)
        return command

    async def _list_commands(
        self, rec: RecordedRequest, app_id: str, guild_id: str | None = None
    ) -> _Reply:
        self._check_app(app_id)
        return _Reply(body=self._commands.get(_opt_int(guild_id), []))

    async def _bulk_commands(
        self, rec: RecordedRequest, app_id: str, guild_id: str | None = None
    ) -> _Reply:
        self._check_app(app_id)
        gid = _opt_int(guild_id)
        if gid is not None and gid not in self._guilds:
            raise _ApiError(404, 10004, "Unknown Guild")
        if not isinstance(rec.json, list):
            raise _invalid_form("_root", "LIST_TYPE_CONVERT", "Only iterables may be used.")
        existing = self._commands.get(gid, [])
        commands = [self._normalize_command(c, gid, existing) for c in rec.json]
        self._commands[gid] = commands
        return _Reply(body=commands)

    async def _upsert_command(
        self, rec: RecordedRequest, app_id: str, guild_id: str | None = None
    ) -> _Reply:
        self._check_app(app_id)
        gid = _opt_int(guild_id)
        existing = self._commands.setdefault(gid, [])
        command = self._normalize_command(rec.json or {}, gid, existing)
        existing[:] = [c for c in existing if c["id"] != command["id"]] + [command]
        return _Reply(status=201, body=command)

    async def _get_command(
        self, rec: RecordedRequest, app_id: str, command_id: str, guild_id: str | None = None
    ) -> _Reply:
        self._check_app(app_id)
        for command in self._commands.get(_opt_int(guild_id), []):
            if command["id"] == command_id:
                return _Reply(body=command)
        raise _ApiError(404, 10063, "Unknown application command")

    async def _delete_command(
        self, rec: RecordedRequest, app_id: str, command_id: str, guild_id: str | None = None
    ) -> _Reply:
        self._check_app(app_id)
        commands = self._commands.get(_opt_int(guild_id), [])
        remaining = [c for c in commands if c["id"] != command_id]
        if len(remaining) == len(commands):
            raise _ApiError(404, 10063, "Unknown application command")
        commands[:] = remaining
        return _Reply(status=204)

    # ------------------------------------------------------------ REST: guilds, channels

    async def _get_guild(self, rec: RecordedRequest, guild_id: str) -> _Reply:
        guild = self._guilds.get(_int(guild_id))
        if guild is None:
            raise _ApiError(404, 10004, "Unknown Guild")
        body = self._guild_base_payload(guild)
        if rec.query.get("with_counts") in ("1", "true", "True"):
            body.update(
                approximate_member_count=len(guild.members),
                approximate_presence_count=0,
            )
        return _Reply(body=body)

    def _live_channel(self, channel_id: str) -> FakeChannel:
        channel = self._channels.get(_int(channel_id))
        if channel is None or channel.deleted:
            raise _ApiError(404, 10003, "Unknown Channel")
        return channel

    def _writable_channel(self, channel_id: str) -> FakeChannel:
        channel = self._live_channel(channel_id)
        if channel.denied:
            raise _ApiError(403, 50013, "Missing Permissions")
        return channel

    def _channel_message(self, channel: FakeChannel, message_id: str) -> FakeMessage:
        message = self._messages.get(_int(message_id))
        if message is None or message.deleted or message.channel_id != channel.id:
            raise _ApiError(404, 10008, "Unknown Message")
        return message

    async def _get_channel(self, rec: RecordedRequest, channel_id: str) -> _Reply:
        return _Reply(body=self._channel_payload(self._live_channel(channel_id)))

    async def _list_messages(self, rec: RecordedRequest, channel_id: str) -> _Reply:
        channel = self._live_channel(channel_id)
        limit = min(int(rec.query.get("limit", "50")), 100)
        before = _opt_int(rec.query.get("before"))
        after = _opt_int(rec.query.get("after"))
        found = [
            m
            for m in self.messages(channel)
            if (before is None or m.id < before) and (after is None or m.id > after)
        ]
        found = found[:limit] if after is not None else found[-limit:]
        return _Reply(body=[self._rest_message_payload(m) for m in reversed(found)])

    def _check_upload(self, files: list[RecordedFile], limit: int) -> None:
        if any(len(f.data) > limit for f in files):
            raise _ApiError(413, 40005, "Request entity too large")

    def _attachments_from(
        self,
        payload: JSON,
        files: list[RecordedFile],
        channel_id: int,
        current: list[FakeAttachment],
        *,
        editing: bool,
    ) -> list[FakeAttachment]:
        uploads: dict[int, RecordedFile] = {}
        for index, upload in enumerate(files):
            found = re.fullmatch(r"files\[(\d+)\]", upload.field)
            uploads[int(found.group(1)) if found else index] = upload

        def new(index: int, meta: JSON) -> FakeAttachment:
            upload = uploads[index]
            attachment = self.add_attachment(
                upload.data,
                str(meta.get("filename") or upload.filename),
                _guess_content_type(upload),
                description=meta.get("description"),
            )
            self._bind_attachment(attachment, channel_id)
            return attachment

        specs = payload.get("attachments")
        if specs is None:
            kept = list(current) if editing else []
            return kept + [new(i, {}) for i in sorted(uploads)]
        by_id = {a.id: a for a in current}
        result = []
        for spec in specs:
            ident = _int(spec.get("id"))
            if ident in uploads:
                result.append(new(ident, spec))
            elif ident in by_id:
                result.append(by_id[ident])
        return result

    def _check_content(self, payload: JSON) -> None:
        content = payload.get("content")
        if isinstance(content, str) and len(content) > MAX_CONTENT_LENGTH:
            raise _invalid_form(
                "content",
                "BASE_TYPE_MAX_LENGTH",
                f"Must be {MAX_CONTENT_LENGTH} or fewer in length.",
            )

    async def _create_message(self, rec: RecordedRequest, channel_id: str) -> _Reply:
        channel = self._writable_channel(channel_id)
        payload: JSON = rec.json if isinstance(rec.json, dict) else {}
        self._check_upload(rec.files, self._filesize_limit(channel))
        self._check_content(payload)
        attachments = self._attachments_from(payload, rec.files, channel.id, [], editing=False)
        content = payload.get("content") or ""
        if not (
            content
            or attachments
            or payload.get("embeds")
            or payload.get("components")
            or payload.get("sticker_ids")
            or payload.get("poll")
        ):
            raise _ApiError(400, 50006, "Cannot send an empty message")
        reference_id = None
        ref = payload.get("message_reference")
        if isinstance(ref, dict) and ref.get("message_id") is not None:
            reference_id = _int(ref["message_id"])
            if reference_id not in self._messages and ref.get("fail_if_not_exists", True):
                raise _invalid_form(
                    "message_reference", "REPLIES_UNKNOWN_MESSAGE", "Unknown message"
                )
        message = FakeMessage(
            id=self.snowflake(),
            channel_id=channel.id,
            guild_id=channel.guild_id,
            author=self.bot,
            content=content,
            attachments=attachments,
            embeds=list(payload.get("embeds") or []),
            components=list(payload.get("components") or []),
            flags=int(payload.get("flags") or 0),
            type=19 if reference_id is not None else 0,
            reference_id=reference_id,
        )
        self._messages[message.id] = message
        await self._echo("MESSAGE_CREATE", message)
        return _Reply(body=self._rest_message_payload(message))

    async def _get_message(self, rec: RecordedRequest, channel_id: str, message_id: str) -> _Reply:
        channel = self._live_channel(channel_id)
        return _Reply(body=self._rest_message_payload(self._channel_message(channel, message_id)))

    def _apply_edit(
        self, message: FakeMessage, payload: JSON, files: list[RecordedFile], limit: int
    ) -> None:
        self._check_upload(files, limit)
        self._check_content(payload)
        message.history.append(self._rest_message_payload(message))
        if "content" in payload:
            message.content = payload["content"] or ""
        if "embeds" in payload:
            message.embeds = list(payload["embeds"] or [])
        if "components" in payload:
            message.components = list(payload["components"] or [])
        if "attachments" in payload or files:
            message.attachments = self._attachments_from(
                payload, files, message.channel_id, message.attachments, editing=True
            )
        if "flags" in payload and payload["flags"] is not None:
            keep = message.flags & (MESSAGE_FLAG_EPHEMERAL | MESSAGE_FLAG_LOADING)
            message.flags = int(payload["flags"]) | keep
        message.flags &= ~MESSAGE_FLAG_LOADING
        message.edited_timestamp = _iso(self.now())

    async def _edit_message(self, rec: RecordedRequest, channel_id: str, message_id: str) -> _Reply:
        channel = self._live_channel(channel_id)
        message = self._channel_message(channel, message_id)
        if message.author.id != self.bot.id:
            raise _ApiError(403, 50005, "Cannot edit a message authored by another user")
        payload = rec.json if isinstance(rec.json, dict) else {}
        self._apply_edit(message, payload, rec.files, self._filesize_limit(channel))
        await self._echo("MESSAGE_UPDATE", message)
        return _Reply(body=self._rest_message_payload(message))

    async def _delete_message(
        self, rec: RecordedRequest, channel_id: str, message_id: str
    ) -> _Reply:
        channel = self._live_channel(channel_id)
        message = self._channel_message(channel, message_id)
        if message.author.id != self.bot.id and channel.denied:
            raise _ApiError(403, 50013, "Missing Permissions")
        message.deleted = True
        await self._echo("MESSAGE_DELETE", message)
        return _Reply(status=204)

    async def _typing(self, rec: RecordedRequest, channel_id: str) -> _Reply:
        self._writable_channel(channel_id)
        return _Reply(status=204)

    async def _add_reaction(
        self, rec: RecordedRequest, channel_id: str, message_id: str, emoji: str
    ) -> _Reply:
        channel = self._live_channel(channel_id)
        self._channel_message(channel, message_id)
        return _Reply(status=204)

    # ------------------------------------------------------------ REST: interactions

    def _live_interaction(self, app_id: str, token: str) -> FakeInteraction:
        try:
            ix = self._interaction_by_token(token)
        except KeyError:
            raise _ApiError(404, 10015, "Unknown Webhook") from None
        if _int(app_id) != self.application_id:
            raise _ApiError(404, 10015, "Unknown Webhook")
        if self.now() - ix.created_at > self.interaction_token_ttl:
            raise _ApiError(404, 10015, "Unknown Webhook")
        return ix

    def _interaction_message(self, ix: FakeInteraction, payload: JSON, flags: int) -> FakeMessage:
        command = ix.type == INTERACTION_APPLICATION_COMMAND
        return FakeMessage(
            id=self.snowflake(),
            channel_id=ix.channel.id,
            guild_id=ix.channel.guild_id,
            author=self.bot,
            content=payload.get("content") or "",
            embeds=list(payload.get("embeds") or []),
            components=list(payload.get("components") or []),
            flags=flags,
            type=20 if command else 0,
            webhook_id=self.application_id,
            application_id=self.application_id,
            interaction_metadata={
                "id": str(ix.id),
                "type": ix.type,
                "user": ix.user.to_payload(),
                "authorizing_integration_owners": {"0": str(ix.channel.guild_id or 0)},
                **({"name": ix.data.get("name")} if command else {}),
            },
        )

    async def _interaction_callback(
        self, rec: RecordedRequest, interaction_id: str, token: str
    ) -> _Reply:
        ix = self._interactions.get(_int(interaction_id))
        if ix is None or ix.token != token:
            raise _ApiError(404, 10062, "Unknown interaction")
        deadline = self.interaction_ack_deadline
        if deadline is not None and self.now() - ix.created_at > deadline:
            raise _ApiError(404, 10062, "Unknown interaction")
        if ix.acknowledged:
            raise _ApiError(400, 40060, "Interaction has already been acknowledged.")
        body = rec.json if isinstance(rec.json, dict) else {}
        kind = int(body.get("type", 0))
        data: JSON = body.get("data") or {}
        self._check_upload(rec.files, self._filesize_limit(ix.channel))
        self._check_content(data)
        message: FakeMessage | None = None
        if kind == 4:
            message = self._interaction_message(ix, data, int(data.get("flags") or 0))
            message.attachments = self._attachments_from(
                data, rec.files, ix.channel.id, [], editing=False
            )
            self._messages[message.id] = message
            ix.original = message
            await self._echo("MESSAGE_CREATE", message)
        elif kind == 5:
            flags = MESSAGE_FLAG_LOADING | (int(data.get("flags") or 0) & MESSAGE_FLAG_EPHEMERAL)
            message = self._interaction_message(ix, {}, flags)
            self._messages[message.id] = message
            ix.original = message
            await self._echo("MESSAGE_CREATE", message)
        elif kind in (6, 7):
            if ix.message is None:
                raise _ApiError(400, 40043, "Interaction response type not valid here")
            message = ix.original = ix.message
            if kind == 7:
                self._apply_edit(message, data, rec.files, self._filesize_limit(ix.channel))
                await self._echo("MESSAGE_UPDATE", message)
        elif kind not in (1, 8, 9, 12):
            raise _invalid_form("type", "BASE_TYPE_CHOICES", "Value must be one of valid types.")
        ix.responses.append(InteractionResponse(kind, data, list(rec.files)))
        if rec.query.get("with_response") not in ("1", "true", "True"):
            return _Reply(status=204)
        summary: JSON = {"id": str(ix.id), "type": ix.type}
        result: JSON = {"interaction": summary}
        if message is not None and kind in (4, 5, 7):
            summary.update(
                response_message_id=str(message.id),
                response_message_loading=message.loading,
                response_message_ephemeral=message.ephemeral,
            )
            result["resource"] = {"type": kind, "message": self._rest_message_payload(message)}
        return _Reply(body=result)

    async def _execute_webhook(self, rec: RecordedRequest, app_id: str, token: str) -> _Reply:
        ix = self._live_interaction(app_id, token)
        if not ix.acknowledged:
            raise _ApiError(404, 10015, "Unknown Webhook")
        payload = rec.json if isinstance(rec.json, dict) else {}
        self._check_upload(rec.files, self._filesize_limit(ix.channel))
        self._check_content(payload)
        original = ix.original
        if original is not None and original.loading:
            # The first followup after a deferred "thinking" response replaces it.
            self._apply_edit(original, payload, rec.files, self._filesize_limit(ix.channel))
            message = original
            await self._echo("MESSAGE_UPDATE", message)
        else:
            flags = int(payload.get("flags") or 0)
            message = self._interaction_message(ix, payload, flags)
            message.attachments = self._attachments_from(
                payload, rec.files, ix.channel.id, [], editing=False
            )
            if not (message.content or message.attachments or message.embeds or message.components):
                raise _ApiError(400, 50006, "Cannot send an empty message")
            self._messages[message.id] = message
            await self._echo("MESSAGE_CREATE", message)
        ix.followups.append(message)
        if rec.query.get("wait") in ("1", "true", "True"):
            return _Reply(body=self._rest_message_payload(message))
        return _Reply(status=204)

    def _webhook_target(self, ix: FakeInteraction, message_id: str) -> FakeMessage:
        if message_id == "@original":
            if ix.original is None or ix.original.deleted:
                raise _ApiError(404, 10008, "Unknown Message")
            return ix.original
        for message in ix.followups:
            if str(message.id) == message_id and not message.deleted:
                return message
        raise _ApiError(404, 10008, "Unknown Message")

    async def _get_webhook_message(
        self, rec: RecordedRequest, app_id: str, token: str, message_id: str
    ) -> _Reply:
        ix = self._live_interaction(app_id, token)
        return _Reply(body=self._rest_message_payload(self._webhook_target(ix, message_id)))

    async def _edit_webhook_message(
        self, rec: RecordedRequest, app_id: str, token: str, message_id: str
    ) -> _Reply:
        ix = self._live_interaction(app_id, token)
        message = self._webhook_target(ix, message_id)
        payload = rec.json if isinstance(rec.json, dict) else {}
        self._apply_edit(message, payload, rec.files, self._filesize_limit(ix.channel))
        await self._echo("MESSAGE_UPDATE", message)
        return _Reply(body=self._rest_message_payload(message))

    async def _delete_webhook_message(
        self, rec: RecordedRequest, app_id: str, token: str, message_id: str
    ) -> _Reply:
        ix = self._live_interaction(app_id, token)
        message = self._webhook_target(ix, message_id)
        message.deleted = True
        await self._echo("MESSAGE_DELETE", message)
        return _Reply(status=204)


# ---------------------------------------------------------------- module helpers


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _opt_int(value: Any) -> int | None:
    return None if value is None else _int(value)


def _infer_option_type(value: Any) -> int:
    if isinstance(value, bool):
        return 5
    if isinstance(value, int):
        return 4
    if isinstance(value, float):
        return 10
    if isinstance(value, FakeUser):
        return 6
    if isinstance(value, FakeChannel):
        return 7
    if isinstance(value, FakeAttachment):
        return 11
    return 3


def _guess_content_type(upload: RecordedFile) -> str | None:
    guessed, _ = mimetypes.guess_type(upload.filename)
    if guessed:
        return guessed
    if upload.content_type and upload.content_type != "application/octet-stream":
        return upload.content_type
    return None


def _make_startup_fast(client: discord.Client) -> None:
    async def before_identify_hook(shard_id: int | None, *, initial: bool = False) -> None:
        return None

    # discord.py sleeps 5 s before every non-initial IDENTIFY; the hook is documented
    # as overridable for exactly this reason.
    client.before_identify_hook = before_identify_hook  # type: ignore[method-assign]
    state = getattr(client, "_connection", None)
    if state is not None and hasattr(state, "guild_ready_timeout"):
        state.guild_ready_timeout = min(
            state.guild_ready_timeout, FAST_CLIENT_OPTIONS["guild_ready_timeout"]
        )
