"""What the fake Discord knows: its clock and snowflakes, users, guilds, channels, messages,
signed attachment links, interactions and the bot's slash commands."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Iterable

from tests.fakes.discord.model import (
    FakeAttachment,
    FakeChannel,
    FakeGuild,
    FakeInteraction,
    FakeMember,
    FakeMessage,
    FakeRole,
    FakeUser,
)
from tests.fakes.discord.wire import (
    CHANNEL_DM,
    CHANNEL_TEXT,
    DISCORD_EPOCH_MS,
    DM_FILESIZE_LIMIT,
    EVERYONE_PERMISSIONS,
    JSON,
    THREAD_TYPES,
    iso,
    sanitize_filename,
)


class World:
    """The state of one fake Discord and the rules that only depend on it."""

    def __init__(self, *, bot_name: str, approved_intents: int,
                 interaction_ack_deadline: float | None, interaction_token_ttl: float,
                 attachment_url_ttl: float) -> None:
        #: Privileged intents enabled for the application (others close the gateway, 4014).
        self.approved_intents = int(approved_intents)
        #: Seconds (on the fake's clock) to acknowledge an interaction; None: no limit.
        self.interaction_ack_deadline = interaction_ack_deadline
        #: Seconds (on the fake's clock) an interaction token stays valid.
        self.interaction_token_ttl = interaction_token_ttl
        #: Seconds a signed CDN link stays valid.
        self.attachment_url_ttl = attachment_url_ttl
        #: ``http://127.0.0.1:<port>``, set when the server starts (for CDN links).
        self.base_url = ""
        self._clock_offset = 0.0
        self._last_snowflake = 0
        self._cdn_secret = secrets.token_bytes(32)
        self.application_id = self.snowflake()
        self.bot = FakeUser(self.application_id, bot_name, bot=True)
        self.users: dict[int, FakeUser] = {self.bot.id: self.bot}
        self.guilds: dict[int, FakeGuild] = {}
        self.channels: dict[int, FakeChannel] = {}
        self.dm_channels: dict[int, FakeChannel] = {}
        self.messages: dict[int, FakeMessage] = {}
        self.attachments: dict[int, FakeAttachment] = {}
        self.interactions: dict[int, FakeInteraction] = {}
        self.commands: dict[int | None, list[JSON]] = {}

    # ------------------------------------------------------------ clock and ids

    def now(self) -> float:
        """The fake's clock (Unix time plus `advance_clock` offsets)."""
        return time.time() + self._clock_offset

    def advance_clock(self, seconds: float) -> None:
        """Move the fake's clock forward (interaction deadlines, CDN link expiry)."""
        self._clock_offset += seconds

    def snowflake(self) -> int:
        """A fresh, increasing snowflake timestamped on the fake's clock."""
        candidate = (int(self.now() * 1000) - DISCORD_EPOCH_MS) << 22
        self._last_snowflake = max(candidate, self._last_snowflake + 1)
        return self._last_snowflake

    def snowflake_for_shard(self, shard_id: int, shard_count: int) -> int:
        """A fresh snowflake that, as a guild id, lands on ``shard_id`` of ``shard_count``."""
        ms = self.snowflake() >> 22
        ms += (shard_id - ms) % shard_count
        value = ms << 22
        self._last_snowflake = max(self._last_snowflake, value)
        return value

    # ------------------------------------------------------------ setup

    def add_user(self, username: str, *, bot: bool = False,
                 user_id: int | None = None) -> FakeUser:
        """Create a user (a human by default)."""
        user = FakeUser(user_id or self.snowflake(), username, bot=bot, global_name=username)
        self.users[user.id] = user
        return user

    def add_guild(self, name: str, *, guild_id: int | None = None, premium_tier: int = 0,
                  members: Iterable[FakeUser] = (), owner: FakeUser | None = None,
                  features: Iterable[str] = ()) -> FakeGuild:
        """Create a guild the bot is in, with an @everyone role and the bot as member.
        ``premium_tier`` (0-3) sets the upload cap: 10 MiB, 10, 50, 100 MiB."""
        gid = guild_id or self.snowflake()
        member_list = list(members)
        owner_user = owner or (member_list[0] if member_list else self.bot)
        guild = FakeGuild(id=gid, name=name, owner_id=owner_user.id, joined_at=iso(self.now()),
                          premium_tier=premium_tier, features=list(features))
        guild.roles[gid] = FakeRole(gid, "@everyone", EVERYONE_PERMISSIONS)
        self.guilds[gid] = guild
        for user in [self.bot, owner_user, *member_list]:
            self.add_member(guild, user)
        return guild

    def add_member(self, guild: FakeGuild | int, user: FakeUser | int, *,
                   nick: str | None = None) -> FakeMember:
        """Make ``user`` a member of ``guild`` (idempotent)."""
        g, u = self.guild(guild), self.user(user)
        if u.id not in g.members:
            g.members[u.id] = FakeMember(u, joined_at=iso(self.now()), nick=nick)
        return g.members[u.id]

    def add_channel(self, guild: FakeGuild | int, name: str, *, type: int = CHANNEL_TEXT,
                    parent: FakeChannel | int | None = None, topic: str | None = None,
                    channel_id: int | None = None,
                    owner: FakeUser | None = None) -> FakeChannel:
        """Create a guild channel; threads (type 11/12) need a ``parent`` channel."""
        g = self.guild(guild)
        parent_id = None if parent is None else self.channel(parent).id
        if type in THREAD_TYPES and parent_id is None:
            raise ValueError("a thread needs a parent channel")
        channel = FakeChannel(id=channel_id or self.snowflake(), type=type, name=name,
                              guild_id=g.id, position=len(g.channels), parent_id=parent_id,
                              topic=topic,
                              owner_id=(owner or self.bot).id if type in THREAD_TYPES else None)
        g.channels.append(channel)
        self.channels[channel.id] = channel
        return channel

    def dm_channel(self, user: FakeUser | int) -> FakeChannel:
        """The bot's DM channel with ``user`` (created on first use)."""
        u = self.user(user)
        channel = self.dm_channels.get(u.id)
        if channel is None:
            channel = FakeChannel(id=self.snowflake(), type=CHANNEL_DM, name=None, recipients=[u])
            self.dm_channels[u.id] = channel
            self.channels[channel.id] = channel
        return channel

    def add_attachment(self, data: bytes | int, filename: str, content_type: str | None = None,
                       *, channel: FakeChannel | int | None = None,
                       description: str | None = None) -> FakeAttachment:
        """Register a file for the CDN: real ``bytes``, or an ``int`` declared size. Its signed
        URL is minted when it is bound to a channel (here, or when it is posted)."""
        attachment = FakeAttachment(
            id=self.snowflake(), filename=sanitize_filename(filename),
            size=len(data) if isinstance(data, bytes) else int(data), content_type=content_type,
            data=data if isinstance(data, bytes) else None, description=description)
        self.attachments[attachment.id] = attachment
        if channel is not None:
            self.bind_attachment(attachment, self.channel(channel).id)
        return attachment

    # ------------------------------------------------------------ CDN links

    def sign_attachment_url(self, attachment: FakeAttachment, *,
                            expires_in: float | None = None) -> str:
        """A freshly signed CDN URL for ``attachment`` (like Discord's refresh-urls)."""
        if attachment.channel_id is None:
            raise ValueError("attachment is not bound to a channel")
        issued = int(self.now())
        expires = issued + int(self.attachment_url_ttl if expires_in is None else expires_in)
        path = f"/attachments/{attachment.channel_id}/{attachment.id}/{attachment.filename}"
        ex, is_ = f"{expires:08x}", f"{issued:08x}"
        return f"{self.base_url}{path}?ex={ex}&is={is_}&hm={self.cdn_signature(path, ex, is_)}&"

    def cdn_signature(self, path: str, ex: str, is_: str) -> str:
        """The ``hm`` of a CDN link."""
        message = f"{path}|{ex}|{is_}".encode()
        return hmac.new(self._cdn_secret, message, hashlib.sha256).hexdigest()

    def bind_attachment(self, attachment: FakeAttachment, channel_id: int) -> None:
        """Post an attachment in a channel: it gets its signed URL there."""
        if attachment.channel_id is not None and attachment.url is not None:
            return
        attachment.channel_id = channel_id
        attachment.url = attachment.proxy_url = self.sign_attachment_url(attachment)

    # ------------------------------------------------------------ lookups

    def guild(self, guild: FakeGuild | int) -> FakeGuild:
        """A guild, by itself or its id."""
        return guild if isinstance(guild, FakeGuild) else self.guilds[guild]

    def channel(self, channel: FakeChannel | int) -> FakeChannel:
        """A channel (guild, thread or DM), by itself or its id."""
        return channel if isinstance(channel, FakeChannel) else self.channels[channel]

    def user(self, user: FakeUser | int) -> FakeUser:
        """A user, by itself or its id."""
        return user if isinstance(user, FakeUser) else self.users[user]

    def message(self, message: FakeMessage | int) -> FakeMessage:
        """A stored message, by itself or its id."""
        return message if isinstance(message, FakeMessage) else self.messages[message]

    def interaction_by_token(self, token: str) -> FakeInteraction:
        """A dispatched interaction by its token (KeyError if none)."""
        for ix in self.interactions.values():
            if ix.token == token:
                return ix
        raise KeyError(token)

    def filesize_limit(self, channel: FakeChannel) -> int:
        """The upload cap where ``channel`` is."""
        if channel.guild_id is None:
            return DM_FILESIZE_LIMIT
        return self.guilds[channel.guild_id].filesize_limit

    def visible_messages(self, channel: FakeChannel | int, *,
                         author: FakeUser | int | None = None,
                         include_deleted: bool = False) -> list[FakeMessage]:
        """Messages visible in a channel, oldest first (ephemeral ones excluded)."""
        cid = channel.id if isinstance(channel, FakeChannel) else channel
        author_id = author.id if isinstance(author, FakeUser) else author
        return [m for m in sorted(self.messages.values(), key=lambda m: m.id)
                if m.channel_id == cid and not m.ephemeral
                and (include_deleted or not m.deleted)
                and (author_id is None or m.author.id == author_id)]

    def find_command(self, name: str, guild_id: int | None) -> JSON | None:
        """The chat-input command ``name`` the bot synced for the guild, or globally."""
        scopes: list[int | None] = [guild_id, None] if guild_id is not None else [None]
        for scope in scopes:
            for command in self.commands.get(scope, []):
                if command["name"] == name and command.get("type", 1) == 1:
                    return command
        return None
