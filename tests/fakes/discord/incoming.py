"""What users do, delivered to the bot over the gateway: messages (with Discord's
message-content rule), slash commands and button presses."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from tests.fakes.discord.gateway import Gateway
from tests.fakes.discord.model import (
    FakeAttachment,
    FakeChannel,
    FakeGuild,
    FakeInteraction,
    FakeMessage,
    FakeUser,
)
from tests.fakes.discord.payloads import Payloads
from tests.fakes.discord.records import DispatchedEvent
from tests.fakes.discord.wire import INTERACTION_APPLICATION_COMMAND, INTERACTION_COMPONENT, JSON
from tests.fakes.discord.world import World


class Dispatching:
    """The user side of `FakeDiscord` (a mixin over its world, payloads and gateway)."""

    world: World
    payloads: Payloads
    gateway: Gateway

    async def dispatch(self, event: str, data: JSON, *,
                       guild: FakeGuild | int | None = None) -> DispatchedEvent:
        """Send any DISPATCH event to the shard that owns ``guild`` (shard 0 if none)."""
        gid = None if guild is None else self.world.guild(guild).id
        sent = await self.gateway.dispatch(event, data, gid, required=True)
        assert sent is not None
        return sent

    def _mentions(self, content: str, mentions: Iterable[FakeUser], mentions_bot: bool,
                  replied: FakeMessage | None, ping_reply: bool) -> tuple[str, list[FakeUser]]:
        listed = list(mentions)
        bot = self.world.bot
        if mentions_bot:
            if bot.mention not in content:
                content = f"{bot.mention} {content}".rstrip()
            listed.insert(0, bot)
        if replied is not None and ping_reply and replied.author not in listed:
            listed.append(replied.author)
        return content, listed

    async def dispatch_message(
        self, channel: FakeChannel | int, author: FakeUser | int, content: str,
        mentions_bot: bool = False, attachments: Iterable[FakeAttachment] = (),
        reference: FakeMessage | int | None = None, *, mentions: Iterable[FakeUser] = (),
        embeds: Iterable[JSON] = (), ping_reply: bool = True,
    ) -> FakeMessage:
        """A user posts a message; the bot receives MESSAGE_CREATE.

        ``mentions_bot`` prefixes the content with the bot's ``<@id>`` and lists the bot in
        ``mentions``; a reply (``reference``) to one of the bot's messages lists it too unless
        ``ping_reply`` is false, as Discord clients do. Like Discord, the event carries empty
        content, attachments, embeds and components unless the bot identified with
        MESSAGE_CONTENT, is mentioned, wrote the message, or the message is a DM. Guild
        messages need the GUILD_MESSAGES intent and DMs DIRECT_MESSAGES, or nothing is sent.
        """
        ch, user = self.world.channel(channel), self.world.user(author)
        if ch.deleted:
            raise ValueError(f"channel {ch.id} is deleted")
        if ch.guild_id is not None:
            self.world.add_member(ch.guild_id, user)
        replied = None if reference is None else self.world.message(reference)
        content, listed = self._mentions(content, mentions, mentions_bot, replied, ping_reply)
        attachment_list = list(attachments)
        for attachment in attachment_list:
            self.world.bind_attachment(attachment, ch.id)
        message = FakeMessage(
            id=self.world.snowflake(), channel_id=ch.id, guild_id=ch.guild_id, author=user,
            content=content, attachments=attachment_list, embeds=list(embeds), mentions=listed,
            type=19 if replied is not None else 0,
            reference_id=None if replied is None else replied.id)
        self.world.messages[message.id] = message
        await self.gateway.dispatch_message("MESSAGE_CREATE", message, required=True)
        return message

    async def dispatch_slash_command(self, name: str, options: Mapping[str, Any] | None,
                                     channel: FakeChannel | int,
                                     user: FakeUser | int) -> FakeInteraction:
        """A user runs ``/name``; INTERACTION_CREATE. Option values take the wire types of
        the command the bot synced."""
        ch = self.world.channel(channel)
        command = self.world.find_command(name, ch.guild_id)
        declared: list[JSON] = [] if command is None else list(command.get("options", []))
        data: JSON = {
            "id": str(int(command["id"])) if command else str(self.world.snowflake()),
            "name": name, "type": 1, "options": self.payloads.options(options or {}, declared),
        }
        if command is not None and command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        return await self._interaction(INTERACTION_APPLICATION_COMMAND, data, ch,
                                       self.world.user(user), None)

    async def dispatch_button(self, custom_id: str, message: FakeMessage | int,
                              channel: FakeChannel | int | None,
                              user: FakeUser | int) -> FakeInteraction:
        """A user presses the button ``custom_id`` on ``message``; INTERACTION_CREATE.
        ``channel`` defaults to the message's channel."""
        msg = self.world.message(message)
        ch = self.world.channel(channel if channel is not None else msg.channel_id)
        data = {"custom_id": custom_id, "component_type": 2}
        return await self._interaction(INTERACTION_COMPONENT, data, ch, self.world.user(user),
                                       msg)

    async def _interaction(self, kind: int, data: JSON, channel: FakeChannel, user: FakeUser,
                           message: FakeMessage | None) -> FakeInteraction:
        ix = FakeInteraction(id=self.world.snowflake(),
                             token="aW50ZXJhY3Rpb246" + secrets.token_urlsafe(48), type=kind,
                             channel=channel, user=user, data=data, created_at=self.world.now(),
                             message=message)
        self.world.interactions[ix.id] = ix
        await self.gateway.dispatch("INTERACTION_CREATE", self.payloads.interaction(ix),
                                    channel.guild_id, required=True)
        return ix
