"""The JSON shapes of Discord objects as discord.py parses them: channels, guilds (as
GUILD_CREATE), messages (with the message-content rule), interactions and the bot user."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.fakes.discord.model import (
    FakeChannel,
    FakeGuild,
    FakeInteraction,
    FakeMessage,
    FakeUser,
)
from tests.fakes.discord.wire import (
    APP_FLAG_FOR_INTENT,
    CHANNEL_DM,
    DENIED_FILES,
    DENIED_SEND,
    EVERYONE_PERMISSIONS,
    JSON,
    Intent,
    iso,
    snowflake_time,
)
from tests.fakes.discord.world import World


class Payloads:
    """Renders one fake's objects as the API and the gateway send them."""

    def __init__(self, world: World) -> None:
        self.world = world

    def channel(self, channel: FakeChannel) -> JSON:
        """A channel object (DM, guild channel or thread)."""
        if channel.is_dm:
            return {"id": str(channel.id), "type": CHANNEL_DM, "last_message_id": None,
                    "flags": 0, "recipients": [u.to_payload() for u in channel.recipients]}
        payload: JSON = {
            "id": str(channel.id), "type": channel.type, "guild_id": str(channel.guild_id),
            "name": channel.name, "position": channel.position,
            "parent_id": None if channel.parent_id is None else str(channel.parent_id),
            "topic": channel.topic, "nsfw": False, "rate_limit_per_user": 0,
            "last_message_id": None, "flags": 0, "permission_overwrites": [],
        }
        if channel.denied or channel.no_files:
            denied = DENIED_SEND if channel.denied else DENIED_FILES
            payload["permission_overwrites"] = [{"id": str(self.world.bot.id), "type": 1,
                                                 "allow": "0", "deny": str(denied)}]
        if channel.is_thread:
            del payload["position"], payload["permission_overwrites"]
            created = iso(snowflake_time(channel.id))
            payload.update(owner_id=str(channel.owner_id), message_count=0, member_count=1,
                           total_message_sent=0,
                           thread_metadata={"archived": False, "auto_archive_duration": 1440,
                                            "archive_timestamp": created, "locked": False,
                                            "create_timestamp": created})
        return payload

    def permissions(self, channel: FakeChannel) -> int:
        """The bot's permissions in a channel."""
        if channel.guild_id is None:
            return EVERYONE_PERMISSIONS
        guild = self.world.guilds[channel.guild_id]
        perms = guild.roles[guild.id].permissions
        if channel.denied:
            return perms & ~DENIED_SEND
        return perms & ~DENIED_FILES if channel.no_files else perms

    def guild_base(self, guild: FakeGuild) -> JSON:
        """A guild object without its members and channels."""
        return {
            "id": str(guild.id), "name": guild.name, "icon": None, "splash": None,
            "discovery_splash": None, "banner": None, "description": None,
            "owner_id": str(guild.owner_id), "afk_channel_id": None, "afk_timeout": 300,
            "verification_level": 0, "default_message_notifications": 0,
            "explicit_content_filter": 0, "mfa_level": 0, "nsfw_level": 0,
            "features": list(guild.features),
            "roles": [r.to_payload() for r in guild.roles.values()],
            "emojis": [], "stickers": [], "application_id": None, "system_channel_id": None,
            "system_channel_flags": 0, "rules_channel_id": None,
            "public_updates_channel_id": None, "vanity_url_code": None,
            "premium_tier": guild.premium_tier,
            "premium_subscription_count": {0: 0, 1: 2, 2: 7, 3: 14}.get(guild.premium_tier, 0),
            "preferred_locale": guild.locale, "max_members": 500000,
            "premium_progress_bar_enabled": False,
        }

    def guild_create(self, guild: FakeGuild, intents: int) -> JSON:
        """GUILD_CREATE for a session that identified with ``intents``."""
        if intents & Intent.GUILD_MEMBERS:
            members = list(guild.members.values())
        else:  # without the members intent Discord sends only the bot's own member
            members = [guild.members[self.world.bot.id]]
        live = [c for c in guild.channels if not c.deleted]
        return {**self.guild_base(guild), "joined_at": guild.joined_at, "large": False,
                "unavailable": False, "member_count": len(guild.members),
                "members": [m.to_payload() for m in members],
                "channels": [self.channel(c) for c in live if not c.is_thread],
                "threads": [self.channel(c) for c in live if c.is_thread],
                "voice_states": [], "presences": [], "stage_instances": [],
                "guild_scheduled_events": [], "soundboard_sounds": []}

    def _user_with_member(self, user: FakeUser, guild_id: int | None) -> JSON:
        payload = user.to_payload()
        if guild_id is not None:
            member = self.world.guilds[guild_id].members.get(user.id)
            if member is not None:
                payload["member"] = member.to_payload(with_user=False)
        return payload

    def content_visible(self, message: FakeMessage, intents: int) -> bool:
        """Whether a bot with ``intents`` sees a message's content: with MESSAGE_CONTENT, in
        DMs, for its own messages, and when it is mentioned."""
        bot_id = self.world.bot.id
        return bool(intents & Intent.MESSAGE_CONTENT or message.guild_id is None
                    or message.author.id == bot_id
                    or any(u.id == bot_id for u in message.mentions))

    def message(self, message: FakeMessage, *, intents: int, gateway: bool = False,
                depth: int = 0) -> JSON:
        """A message object; content, embeds, attachments and components are blanked for a
        bot that may not see them."""
        payload: JSON = {
            "id": str(message.id), "type": message.type, "channel_id": str(message.channel_id),
            "author": message.author.to_payload(), "content": message.content,
            "timestamp": iso(snowflake_time(message.id)),
            "edited_timestamp": message.edited_timestamp, "tts": False,
            "mention_everyone": False,
            "mentions": [self._user_with_member(u, message.guild_id if gateway else None)
                         for u in message.mentions],
            "mention_roles": [], "attachments": [a.to_payload() for a in message.attachments],
            "embeds": list(message.embeds), "components": list(message.components),
            "pinned": False, "flags": message.flags,
        }
        if message.guild_id is not None:
            payload["guild_id"] = str(message.guild_id)
            member = self.world.guilds[message.guild_id].members.get(message.author.id)
            if gateway and member is not None and message.webhook_id is None:
                payload["member"] = member.to_payload(with_user=False)
        for key in ("webhook_id", "application_id"):
            if getattr(message, key) is not None:
                payload[key] = str(getattr(message, key))
        if message.interaction_metadata is not None:
            payload["interaction_metadata"] = message.interaction_metadata
        if message.reference_id is not None:
            self._add_reference(payload, message, intents, gateway, depth)
        if not self.content_visible(message, intents):
            payload.update(content="", embeds=[], attachments=[], components=[])
        return payload

    def _add_reference(self, payload: JSON, message: FakeMessage, intents: int, gateway: bool,
                       depth: int) -> None:
        reference: JSON = {"type": 0, "message_id": str(message.reference_id),
                           "channel_id": str(message.channel_id)}
        if message.guild_id is not None:
            reference["guild_id"] = str(message.guild_id)
        payload["message_reference"] = reference
        if depth == 0:
            ref = self.world.messages.get(message.reference_id or 0)
            payload["referenced_message"] = (
                None if ref is None or ref.deleted
                else self.message(ref, intents=intents, gateway=gateway, depth=1))

    def rest_message(self, message: FakeMessage) -> JSON:
        """A message as a REST answer carries it."""
        return self.message(message, intents=self.world.approved_intents)

    def interaction(self, ix: FakeInteraction) -> JSON:
        """An INTERACTION_CREATE payload; ``attachment_size_limit`` is the channel's real
        upload cap."""
        ch = ix.channel
        payload: JSON = {
            "id": str(ix.id), "application_id": str(self.world.application_id),
            "type": ix.type, "data": ix.data, "channel_id": str(ch.id),
            "channel": self.channel(ch), "token": ix.token, "version": 1,
            "locale": ix.user.locale,
            "app_permissions": str(self.permissions(ch)), "entitlements": [],
            "attachment_size_limit": self.world.filesize_limit(ch),
        }
        if ch.guild_id is not None:
            guild = self.world.guilds[ch.guild_id]
            member = self.world.add_member(guild, ix.user).to_payload()
            member["permissions"] = str(self.permissions(ch))
            payload.update(guild_id=str(guild.id), guild_locale=guild.locale, member=member,
                           guild={"id": str(guild.id), "locale": guild.locale,
                                  "features": list(guild.features)},
                           context=0, authorizing_integration_owners={"0": str(guild.id)})
        else:
            payload.update(user=ix.user.to_payload(), context=1,
                           authorizing_integration_owners={"0": "0"})
        if ix.message is not None:
            payload["message"] = self.message(ix.message, intents=int(Intent.MESSAGE_CONTENT))
        return payload

    def options(self, options: Mapping[str, Any], declared: list[JSON]) -> list[JSON]:
        """Slash-command option values with the wire types of the command the bot synced
        (a string for an option it did not declare)."""
        types = {o["name"]: int(o["type"]) for o in declared if "name" in o and "type" in o}
        return [{"name": key, "type": types.get(key, 3), "value": value}
                for key, value in options.items()]

    def client_user(self) -> JSON:
        """The bot user as READY and ``/users/@me`` carry it."""
        payload = self.world.bot.to_payload()
        payload.update(verified=True, mfa_enabled=False, email=None, locale="en-US")
        return payload

    def application_flags(self) -> int:
        """The application flags telling the bot which privileged intents it was granted."""
        flags = 0
        for intent, flag in APP_FLAG_FOR_INTENT.items():
            if self.world.approved_intents & intent:
                flags |= flag
        return flags
