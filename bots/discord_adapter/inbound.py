"""Discord messages and interactions as the core's `IncomingMessage`.

Which conversation a message belongs to: every channel is a project, and so is
every thread: `ChatKey("discord", <parent channel id>, <thread id>)` for a
thread, `ChatKey("discord", <channel id>)` for a channel or a DM. A thread is a
natural "side project" of its channel, with its own timeline and renders.

Attachments are not downloaded: NemoVideo fetches Discord's signed CDN links
itself. When it cannot, the core falls back to bytes, which the attachment's
fetcher relays through a temporary file.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import discord

from core.messages import (
    AttachmentCodec,
    ChatKey,
    IncomingMessage,
    Origin,
    UrlAttachment,
    User,
)

PLATFORM = "discord"
#: message ids of interactions: there is no user message to delete
INTERACTION_PREFIX = "interaction-"
#: seconds Discord lets an interaction's token answer (its follow-ups, edits, deletes)
INTERACTION_TTL = 15 * 60.0

#: streams the bytes behind a URL (the attachment fallback)
Fetch = Callable[[str], AsyncIterator[bytes]]

_ADDRESSABLE_TYPES = (discord.MessageType.default, discord.MessageType.reply)


class DiscordAttachment(UrlAttachment):
    """A Discord attachment: its signed CDN link, and a fetcher for the fallback."""

    kind = "discord"


def register_attachments(codec: AttachmentCodec, fetch: Fetch) -> None:
    """Teach the codec to rebuild queued Discord attachments (with their fetcher)."""
    codec.register(DiscordAttachment.kind, lambda d: DiscordAttachment(
        d["url"], d.get("filename"), d.get("content_type"), d.get("size"), fetch=fetch))


def attachment(item: discord.Attachment, fetch: Fetch) -> DiscordAttachment:
    """One Discord attachment, by URL."""
    return DiscordAttachment(item.url, item.filename, item.content_type, item.size, fetch=fetch)


def chat_key(channel: Any) -> ChatKey:
    """The conversation of a channel: a thread is its own project under its parent."""
    if isinstance(channel, discord.Thread):
        return ChatKey(PLATFORM, str(channel.parent_id), str(channel.id))
    return ChatKey(PLATFORM, str(channel.id))


def channel_id(chat: ChatKey) -> int:
    """The Discord channel (or thread) a conversation's messages go to."""
    return int(chat.thread_id or chat.chat_id)


def user(author: discord.abc.User, language: str | None = None) -> User:
    """The core's view of a Discord user."""
    return User(str(author.id), author.display_name, language)


def origin(guild_id: int | None, author: Any) -> Origin:
    """The guild a message or interaction came from and the sender's roles there (the
    member object of the payload carries them; no members intent needed)."""
    if guild_id is None:
        return Origin()
    roles = getattr(author, "roles", None) or ()
    return Origin(str(guild_id), tuple(str(role.id) for role in roles))


def is_from_bot(message: discord.Message) -> bool:
    """Messages of bots (this one included) and webhooks are never answered."""
    return message.author.bot or message.webhook_id is not None


def addressed_to(message: discord.Message, me: discord.abc.User) -> bool:
    """True for DMs, messages that mention the bot (or its role) and replies to the bot."""
    if message.type not in _ADDRESSABLE_TYPES:
        return False
    if message.guild is None:
        return True
    if any(u.id == me.id for u in message.mentions):
        return True
    role = message.guild.self_role
    if role is not None and role in message.role_mentions:
        return True
    return replies_to(message, me)


def replies_to(message: discord.Message, me: discord.abc.User) -> bool:
    """Whether the message answers one of the bot's messages."""
    reference = message.reference
    if reference is None:
        return False
    resolved = reference.resolved
    return isinstance(resolved, discord.Message) and resolved.author.id == me.id


def clean_text(message: discord.Message, me: discord.abc.User) -> str:
    """The message's text without the bot's mention (user or role)."""
    ids = [rf"<@!?{me.id}>"]
    role = message.guild.self_role if message.guild is not None else None
    if role is not None:
        ids.append(rf"<@&{role.id}>")
    return re.sub(rf"(?:{'|'.join(ids)})\s*", "", message.content).strip()


def from_message(message: discord.Message, chat: ChatKey, me: discord.abc.User,
                 fetch: Fetch) -> IncomingMessage:
    """A message addressed to the bot, as the core sees it."""
    return IncomingMessage(
        chat=chat,
        user=user(message.author, _guild_locale(message)),
        message_id=str(message.id),
        text=clean_text(message, me),
        attachments=tuple(attachment(a, fetch) for a in message.attachments),
        replies_to_bot=replies_to(message, me),
        is_private=message.guild is None,
        origin=origin(message.guild.id if message.guild is not None else None, message.author),
        raw=message,
    )


def _guild_locale(message: discord.Message) -> str | None:
    """A message carries no user locale: its server's main language is the best guess."""
    guild = message.guild
    return str(guild.preferred_locale) if guild is not None else None


def from_interaction(interaction: discord.Interaction, chat: ChatKey, text: str, *,
                     private: bool) -> IncomingMessage:
    """A slash command or a button press, as the command text it stands for.

    `private` says nobody else sees it (a DM, or a command answered ephemerally,
    whose options are never shown in the channel).
    """
    return IncomingMessage(
        chat=chat,
        user=user(interaction.user, str(interaction.locale)),
        message_id=f"{INTERACTION_PREFIX}{interaction.id}",
        text=text,
        replies_to_bot=True,
        is_private=private or interaction.guild_id is None,
        origin=origin(interaction.guild_id, interaction.user),
        raw=interaction,
    )
