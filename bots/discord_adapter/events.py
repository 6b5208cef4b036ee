"""Discord events in, core messages out: mentions, DMs, replies, slash commands, buttons.

The adapter only translates. It decides which messages are for the bot and
which conversation they belong to, acknowledges interactions within Discord's
3 seconds, and hands everything to the core's dispatcher in the background.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import aiohttp
import discord
from discord import app_commands

from bots.common.tasks import BackgroundTasks
from bots.discord_adapter.commands import PRIVATE_COMMANDS, build_commands
from bots.discord_adapter.inbound import (
    PLATFORM,
    Fetch,
    addressed_to,
    chat_key,
    from_interaction,
    from_message,
    is_from_bot,
)
from bots.discord_adapter.outbound import DiscordOutput, ReplySlot, error_text
from bots.discord_adapter.texts import CommandTranslator
from bots.discord_adapter.views import press_item
from core import i18n
from core.conversation.dispatcher import Dispatcher
from core.messages import ChatKey, IncomingMessage

log = logging.getLogger(__name__)

class DiscordAdapter:
    """Wires a discord.py client to the core's dispatcher."""

    def __init__(self, client: discord.Client, dispatcher: Dispatcher, out: DiscordOutput,
                 fetch: Fetch, *, new_permission: discord.Permissions | None = None) -> None:
        self.client = client
        self.dispatcher = dispatcher
        self.out = out
        self.fetch = fetch
        self.tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(client)
        #: messages being handled, placeholders being removed
        self.tasks = BackgroundTasks(PLATFORM, error_text)
        for command in build_commands(self.on_command, new_permission=new_permission):
            self.tree.add_command(command)
        out.commands = tuple(command.name for command in self.tree.get_commands())
        client.event(self.on_message)

    async def setup(self) -> None:
        """After login: answer action buttons of any message (also from before a
        restart) and publish the slash commands."""
        self.client.add_dynamic_items(press_item(self.on_button))
        try:
            await self.tree.set_translator(CommandTranslator())
            synced = await self.tree.sync()
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
            log.warning("discord: could not sync slash commands: %s", error_text(exc))
        else:
            log.info("discord: %d slash commands synced", len(synced))

    # ------------------------------------------------------------ messages

    async def on_message(self, message: discord.Message) -> None:
        """A mention, a DM or a reply to the bot becomes a message for the core."""
        me = self.client.user
        if self.tasks.closing or me is None or is_from_bot(message):
            return
        if not addressed_to(message, me):
            return
        channel = await self._resolve(message.channel)
        if not _can_speak(channel):
            log.info("discord: mentioned in %s where it may not send messages; ignored",
                     chat_key(channel))
            return
        incoming = from_message(message, chat_key(channel), me, self.fetch)
        if not incoming.text and not incoming.attachments:
            if not message.content:
                if incoming.replies_to_bot and not message.stickers and not message.embeds:
                    # without the Message Content intent, a reply that does not ping the
                    # bot arrives without its text
                    self.tasks.start(self.out.send_text(
                        incoming.chat, i18n.t(incoming.user.language, "discord.mention_me"),
                        reply_to=incoming.message_id), f"reply in {incoming.chat}")
                return  # a sticker, an embed: nothing to act on
            # a bare mention is how Discord users call a bot: show what it does
            incoming = dataclasses.replace(incoming, text="/help")
        self._submit(incoming, None)

    async def _resolve(self, channel: Any) -> Any:
        """The full channel when discord.py only knows its id (a thread it has not
        seen yet), so threads get their parent."""
        if not isinstance(channel, discord.PartialMessageable):
            return channel
        try:
            return await self.client.fetch_channel(channel.id)
        except discord.HTTPException as exc:
            log.info("discord: channel %s not fetched: %s", channel.id, error_text(exc))
            return channel

    # ------------------------------------------------------------ interactions

    async def on_command(self, interaction: discord.Interaction, name: str, text: str) -> None:
        """A slash command: acknowledged at once ("thinking"), then handled as its text."""
        if self.tasks.closing:
            return  # not acknowledged: Discord tells the user it failed, nothing hangs
        private = name in PRIVATE_COMMANDS
        slot = await self._acknowledge(interaction, thinking=True, private=private)
        chat = self._chat_of(interaction)
        if chat is None:
            return
        self._submit(from_interaction(interaction, chat, text, private=private), slot)

    async def on_button(self, interaction: discord.Interaction, command: str) -> None:
        """An action button: acknowledged as a deferred update (Credits privately, with a
        placeholder), then handled as the command it stands for."""
        if self.tasks.closing:
            return
        if not command:
            await self._unknown_button(interaction)
            return
        private = command.removeprefix("/").split(" ", 1)[0] in PRIVATE_COMMANDS
        slot = await self._acknowledge(interaction, thinking=private, private=private)
        chat = self._chat_of(interaction)
        if chat is None:
            return
        message = from_interaction(interaction, chat, command, private=private)
        if slot is None:  # a deferred update: a reply to the presser alone is a follow-up
            self.out.presses.pressed(message.message_id, interaction)
        self._submit(message, slot)

    async def _unknown_button(self, interaction: discord.Interaction) -> None:
        """A button of ours this version does not know: said privately to its presser."""
        log.info("discord: a press of an unknown button in %s", self._chat_of(interaction))
        language = i18n.ui_language(str(interaction.locale))
        try:
            await interaction.response.send_message(
                i18n.t(language, "discord.unknown_button"), ephemeral=True)
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
            log.warning("discord: could not answer a button press: %s", error_text(exc))

    async def _acknowledge(self, interaction: discord.Interaction, *, thinking: bool,
                           private: bool) -> ReplySlot | None:
        chat = self._chat_of(interaction)
        try:
            await interaction.response.defer(thinking=thinking, ephemeral=private)
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
            log.warning("discord: could not acknowledge an interaction in %s: %s", chat,
                        error_text(exc))
            return None
        if not thinking or chat is None:
            return None
        return ReplySlot(chat, interaction, ephemeral=private)

    @staticmethod
    def _chat_of(interaction: discord.Interaction) -> ChatKey | None:
        channel = interaction.channel
        if channel is None:
            return None
        return chat_key(channel)

    # ------------------------------------------------------------ background work

    def _submit(self, message: IncomingMessage, slot: ReplySlot | None) -> None:
        if self.tasks.closing:
            return
        if slot is not None:
            self.out.expect_reply(message.message_id, slot)
        task = self.tasks.track(self.dispatcher.submit(message))
        if slot is not None:
            task.add_done_callback(lambda _: self._unanswered(message))

    def _unanswered(self, message: IncomingMessage) -> None:
        """The message was handled: a command that got no reply loses its placeholder."""
        if self.out.owes_reply(message.message_id):
            self.tasks.start(self.out.finish(message.message_id),
                             f"placeholder in {message.chat}")


def _can_speak(channel: Any) -> bool:
    """Whether the bot may post where it was addressed (as far as the cache knows)."""
    if not isinstance(channel, discord.abc.GuildChannel | discord.Thread):
        return True
    me = channel.guild.me
    if me is None:
        return True
    try:
        permissions = channel.permissions_for(me)
    except discord.ClientException:  # a thread whose parent is not cached
        return True
    if isinstance(channel, discord.Thread):
        return permissions.send_messages_in_threads
    return permissions.send_messages
