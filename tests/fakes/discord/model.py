"""The things a fake Discord is made of: users, guild members and roles, guilds, channels
and threads, attachments, messages, and the interactions the bot is asked to answer."""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.fakes.discord.records import RecordedFile
from tests.fakes.discord.wire import (
    CHANNEL_DM,
    FILESIZE_LIMITS,
    JSON,
    MESSAGE_FLAG_EPHEMERAL,
    MESSAGE_FLAG_LOADING,
    THREAD_TYPES,
)


@dataclass(eq=False)
class FakeUser:
    """A Discord user (or the bot itself) known to the fake."""

    id: int
    username: str
    bot: bool = False
    global_name: str | None = None
    #: the language of the user's Discord client (interactions carry it as ``locale``)
    locale: str = "en-US"

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
    #: Set by ``FakeDiscord.deny_channel``: sending answers 403 Missing Permissions.
    denied: bool = False
    #: Set by ``FakeDiscord.deny_files``: a message with files answers 403 Missing
    #: Permissions (the bot lacks Attach Files; it may still post text).
    no_files: bool = False
    #: Set by ``FakeDiscord.delete_channel``: every route answers 404 Unknown Channel.
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
    #: the server's main language (``preferred_locale``; ``guild_locale`` of interactions)
    locale: str = "en-US"

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
