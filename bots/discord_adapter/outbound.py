"""The core's `Outgoing` on Discord: messages, edits, files, links, typing.

* Texts longer than Discord's 2,000 characters are split over several
  messages. A `Sent` then names all of them (`"<id>,<id>"`), so an edit that
  grows past the limit continues in a new message and one that shrinks
  deletes the surplus, even after a restart.
* Interactions: a slash command (or the Credits button) is acknowledged at
  once with a "thinking" placeholder, and the adapter registers its
  `ReplySlot` under the incoming message's id (`expect_reply`). The first
  message sent with that id as `reply_to` goes through the interaction
  (replacing the placeholder, privately when the command answers
  ephemerally); later ones, and messages that answer something else (the
  render worker, other messages), go to the channel. An interaction's token
  lasts 15 minutes: after that, or when Discord says the token is gone,
  replies and edits go to the channel. Slots whose token expired are
  forgotten, and at most `REMEMBER` are kept.
* Other answers to a message in a guild channel or thread reply to it (a
  message reference that tolerates a deleted original, without pinging its
  author), so a busy channel sees whom the bot answers; DMs get plain messages.
* A sent file can be sent again by its attachment URL (`Sent.file_ref`).
* Failures (missing permissions, a deleted channel, a refused file) are
  logged in one line and raised: the core's dispatcher reports them and
  carries on with other chats, and the render worker offers a refused file as
  a link or marks a job it cannot deliver. Rate limits never surface here:
  discord.py waits them out and retries.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import discord

from bots.common.lru import LRU
from bots.common.paged import PagedOutput, paginate, signature
from bots.discord_adapter.inbound import INTERACTION_PREFIX, INTERACTION_TTL, channel_id
from bots.discord_adapter.presses import Presses
from bots.discord_adapter.views import build_view
from core.messages import ChatKey
from core.outgoing import Busy, Button, Sent, Unreachable

log = logging.getLogger(__name__)

MESSAGE_LIMIT = 2000
#: Discord's upload cap for DMs and unboosted guilds (bots)
DEFAULT_FILE_LIMIT = discord.utils.DEFAULT_FILE_SIZE_LIMIT_BYTES
#: an interaction is not used this close to the end of its token's life
TTL_MARGIN = 30.0
#: how many sent messages' interaction and last content are remembered
REMEMBER = 2048
#: seconds a message's creation or edit may take (discord.py's own limit is aiohttp's
#: five minutes, for which one stuck call would hold its channel's turn); a file upload
#: gets the same: Discord takes 25 MiB well within it
REQUEST_TIMEOUT = 60.0
#: Discord's error code for a message that does not exist (deleted)
UNKNOWN_MESSAGE = 10008
#: ... and for a channel that does not exist (deleted)
UNKNOWN_CHANNEL = 10003
#: ... and for a permission the bot lacks in the channel (Send Messages, Attach Files...)
MISSING_PERMISSIONS = 50013
#: an interaction's token past its 15 minutes (401), or not known (404)
INVALID_WEBHOOK_TOKEN = 50027
UNKNOWN_WEBHOOK = 10015

_NO_MENTIONS = discord.AllowedMentions.none()
_EMPTY = "\u200b"  # Discord refuses a message without content

_ERRORS = {
    50001: "missing access",
    50013: "missing permissions",
    10003: "unknown channel (deleted?)",
    10008: "unknown message",
    10015: "unknown webhook (the interaction's token?)",
    50027: "the interaction's token expired",
    40005: "file too large",
}


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """`text` in pieces of at most `limit` characters (see `core.textsplit`)."""
    return paginate(text, limit, blank=_EMPTY)


@dataclass(eq=False)
class ReplySlot:
    """An acknowledged interaction whose first reply is still owed."""

    chat: ChatKey
    interaction: discord.Interaction
    ephemeral: bool
    used: bool = False

    @property
    def expires_at(self) -> float:
        """When the interaction's token should no longer be used (Unix time)."""
        return self.interaction.created_at.timestamp() + INTERACTION_TTL - TTL_MARGIN


def error_text(exc: BaseException) -> str:
    """A one-line account of a failed Discord call."""
    if isinstance(exc, discord.HTTPException):
        meaning = _ERRORS.get(exc.code, exc.text or exc.response.reason or "")
        return f"HTTP {exc.status} (code {exc.code}: {meaning})"
    return f"{type(exc).__name__}: {exc}"


def raise_as_core(exc: BaseException, *, file_only: bool = False) -> None:
    """Raise what the core knows of a refused message, from `exc`: `Busy` for a rate limit
    longer than discord.py waits out or a server error (nothing was posted: it may go
    through later); `Unreachable` when the bot may not write in the channel (Missing
    Access, or no channel). With `file_only` (a message with a file, where the bot may
    post text), Missing Permissions is neither: it lacks Attach Files, and a link can
    still be posted."""
    if isinstance(exc, discord.RateLimited):
        raise Busy(f"Discord rate limit of {exc.retry_after:.0f} s", exc.retry_after) from exc
    if isinstance(exc, discord.HTTPException) and (exc.status == 429 or exc.status >= 500):
        # a 429 discord.py does not wait out (one from Discord's edge, without `Via`)
        raise Busy(error_text(exc), _retry_after(exc) if exc.status == 429 else None) from exc
    if isinstance(exc, discord.Forbidden) and not (
            file_only and exc.code == MISSING_PERMISSIONS):
        raise Unreachable(error_text(exc)) from exc
    if isinstance(exc, discord.NotFound) and exc.code == UNKNOWN_CHANNEL:
        raise Unreachable(error_text(exc)) from exc


def _token_gone(exc: BaseException) -> bool:
    """The interaction's token no longer answers (expired: 401 Invalid Webhook Token;
    unknown: 404 Unknown Webhook): the channel is the way left."""
    return isinstance(exc, discord.HTTPException) and exc.code in (
        INVALID_WEBHOOK_TOKEN, UNKNOWN_WEBHOOK)


def _retry_after(exc: discord.HTTPException) -> float | None:
    """The seconds a 429 asks to wait (its `Retry-After`), if it names them."""
    try:
        wait = float(exc.response.headers.get("Retry-After", ""))
    except (AttributeError, TypeError, ValueError):
        return None
    return wait if wait >= 0 and math.isfinite(wait) else None


#: where a new message goes: through an interaction, as a reply to a message, or plainly
Route = ReplySlot | int | None


class DiscordOutput(PagedOutput[discord.ui.View, Route]):
    """Sends what the core says to Discord channels, threads and DMs."""

    platform = "discord"
    page_limit = MESSAGE_LIMIT
    blank = _EMPTY

    def __init__(self, client: discord.Client, *,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__(REMEMBER)
        self.client = client
        self.clock = clock
        self._via: LRU[int, ReplySlot] = LRU(REMEMBER)
        #: interactions owed a first reply, by the id of the message they brought
        self._owed: LRU[str, ReplySlot] = LRU(REMEMBER)
        #: the slash commands the adapter registered (for /help)
        self.commands: tuple[str, ...] = ()
        #: recent button presses, for a reply to the presser alone
        self.presses = Presses()

    # ------------------------------------------------------------ interactions

    def expect_reply(self, message_id: str, slot: ReplySlot) -> None:
        """The first message answering `message_id` goes through the slot's interaction."""
        self._owed.forget_oldest(lambda owed: not self._live(owed))
        self._owed.put(message_id, slot)

    def owes_reply(self, message_id: str) -> bool:
        """Whether the interaction of `message_id` still waits for its first reply."""
        slot = self._owed.peek(message_id)
        return slot is not None and not slot.used

    def _live(self, slot: ReplySlot | None) -> bool:
        return slot is not None and self.clock() < slot.expires_at

    def _claim(self, chat: ChatKey, reply_to: str | None) -> ReplySlot | None:
        slot = self._owed.peek(reply_to) if reply_to else None
        if slot is None or slot.chat != chat:
            return None
        self._owed.pop(reply_to or "")
        if slot.used:
            return None
        slot.used = True
        return slot if self._live(slot) else None

    async def finish(self, message_id: str) -> None:
        """`message_id` was handled without a reply: remove its "thinking" placeholder."""
        slot = self._owed.pop(message_id)
        if slot is None or slot.used:
            return
        slot.used = True
        if not self._live(slot):
            return
        try:
            await slot.interaction.delete_original_response()
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
            log.info("discord: could not remove the placeholder in %s: %s", slot.chat,
                     error_text(exc))

    # ------------------------------------------------------------ pages

    def markup(self, buttons: Sequence[Button]) -> discord.ui.View | None:
        """The buttons as a view (see `views.build_view`)."""
        return build_view(buttons)

    def route(self, chat: ChatKey, reply_to: str | None) -> Route:
        """The interaction a new message answering `reply_to` goes through, while that
        interaction still waits for its first reply; else the message it replies to."""
        slot = self._claim(chat, reply_to)
        if slot is not None or not reply_to or not reply_to.isdigit():
            return slot
        return int(reply_to)

    def route_of(self, chat: ChatKey, page: int) -> ReplySlot | None:
        """A continuation goes the way the message went (keeps private answers private)."""
        return self._via.get(page)

    async def answer_press(self, chat: ChatKey, press_id: str, text: str) -> bool:
        """An ephemeral follow-up of the press: only its presser sees it."""
        return await self.presses.answer(press_id, text)

    def chat_commands(self, chat: ChatKey) -> tuple[str, ...] | None:
        """The slash commands (None before the adapter registered them: every command)."""
        return self.commands or None

    async def post_page(self, chat: ChatKey, route: Route, text: str,
                        markup: discord.ui.View | None) -> int:
        """Create one message: through the interaction while its token lives, else in
        the channel (as a reply when `route` names a message)."""
        return (await self._create(chat, route, text, markup)).id

    async def edit_page(self, chat: ChatKey, page: int, text: str,
                        markup: discord.ui.View | None) -> bool:
        """Edit one message (through its interaction while the token lives); False when
        the message is gone. A private answer that is gone is not sent again: the
        channel would show it to everyone."""
        slot = self._via.get(page)
        try:
            if slot is not None and self._live(slot):
                try:
                    async with asyncio.timeout(REQUEST_TIMEOUT):
                        await slot.interaction.followup.edit_message(
                            page, content=text, view=markup, allowed_mentions=_NO_MENTIONS)
                    return True
                except discord.HTTPException as exc:
                    if not _token_gone(exc):
                        raise
                    self._via.pop(page)
            async with asyncio.timeout(REQUEST_TIMEOUT):
                await self._channel(chat).get_partial_message(page).edit(
                    content=text, view=markup, allowed_mentions=_NO_MENTIONS)
        except Exception as exc:
            private = slot is not None and slot.ephemeral
            if isinstance(exc, discord.NotFound) and exc.code == UNKNOWN_MESSAGE and not private:
                return False
            log.warning("discord: could not edit message %s in %s: %s", page, chat,
                        error_text(exc))
            raise_as_core(exc)
            raise
        return True

    async def delete_page(self, chat: ChatKey, page: int) -> None:
        """Delete one message; a failure is logged."""
        slot = self._via.pop(page)
        try:
            if slot is not None and self._live(slot):
                try:
                    await slot.interaction.followup.delete_message(page)
                    return
                except discord.HTTPException as exc:
                    if not (_token_gone(exc) or isinstance(exc, discord.NotFound)):
                        raise
            await self._channel(chat).get_partial_message(page).delete()
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
            log.info("discord: could not delete message %s in %s: %s", page, chat,
                     error_text(exc))

    # ------------------------------------------------------------ Outgoing

    def max_file_size(self, chat: ChatKey) -> int | None:
        """The guild's upload cap (boosts raise it); 10 MiB in DMs or when unknown."""
        channel = self.client.get_channel(channel_id(chat))
        if channel is None and chat.thread_id is not None:
            channel = self.client.get_channel(int(chat.chat_id))
        guild = getattr(channel, "guild", None)
        if isinstance(guild, discord.Guild):
            return guild.filesize_limit
        return DEFAULT_FILE_LIMIT

    async def send_file(self, chat: ChatKey, path: Path, filename: str, caption: str = "",
                        buttons: tuple[Button, ...] = (), *, reply_to: str | None = None) -> Sent:
        """Upload a file with its caption. Errors propagate (a file over the guild's
        limit answers 413), so the caller can offer a link instead."""
        caption = split_text(caption)[0]
        message = await self._create(chat, self.route(chat, reply_to), caption,
                                     build_view(buttons),
                                     lambda: discord.File(path, filename=filename))
        self.remember(chat, message.id, (caption, signature(buttons)))
        attachments = message.attachments
        return Sent(str(message.id), attachments[0].url if attachments else None)

    async def working(self, chat: ChatKey) -> None:
        """Show "typing..." (skipped while a command's "thinking" placeholder shows)."""
        if any(slot.chat == chat and not slot.used and self._live(slot)
               for slot in self._owed.values()):
            return
        try:
            await self._channel(chat).typing()
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
            log.debug("discord: no typing indicator in %s: %s", chat, error_text(exc))

    async def delete_message(self, chat: ChatKey, message_id: str) -> bool:
        """Delete a user's message. A slash command's options are never shown in the
        channel, so there is nothing to delete for those."""
        if message_id.startswith(INTERACTION_PREFIX):
            return True
        try:
            await self._channel(chat).get_partial_message(int(message_id)).delete()
        except (ValueError, discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
            log.info("discord: could not delete message %s in %s: %s", message_id, chat,
                     error_text(exc))
            return False
        return True

    # ------------------------------------------------------------ plumbing

    def _may_post(self, chat: ChatKey) -> bool:
        """Whether the bot may post text in the chat's channel, as far as the cache knows
        (True when it does not know)."""
        channel = self.client.get_channel(channel_id(chat))
        guild = getattr(channel, "guild", None)
        if channel is None or not isinstance(guild, discord.Guild) or guild.me is None:
            return True
        allowed = channel.permissions_for(guild.me)  # type: ignore[union-attr]
        return bool(allowed.send_messages_in_threads if isinstance(channel, discord.Thread)
                    else allowed.send_messages)

    def _channel(self, chat: ChatKey) -> discord.PartialMessageable:
        return self.client.get_partial_messageable(channel_id(chat))

    async def _create(self, chat: ChatKey, route: Route, content: str,
                      view: discord.ui.View | None,
                      file: Callable[[], discord.File] | None = None) -> discord.Message:
        extra: dict[str, Any] = {}
        if view is not None:
            extra["view"] = view
        slot = route if isinstance(route, ReplySlot) else None
        if slot is not None and self._live(slot):
            if file is not None:
                extra["file"] = file()
            try:
                async with asyncio.timeout(REQUEST_TIMEOUT):
                    message = await slot.interaction.followup.send(
                        content, ephemeral=slot.ephemeral, allowed_mentions=_NO_MENTIONS,
                        wait=True, **extra)
            except Exception as exc:
                if not _token_gone(exc):
                    log.warning("discord: could not answer in %s: %s", chat, error_text(exc))
                    raise_as_core(exc, file_only=file is not None and self._may_post(chat))
                    raise
                log.info("discord: interaction in %s no longer answers (%s); using the "
                         "channel", chat, error_text(exc))
            else:
                self._via.put(message.id, slot)
                return message
        if file is not None:
            extra["file"] = file()
        if isinstance(route, int):
            extra["reference"] = discord.MessageReference(
                message_id=route, channel_id=channel_id(chat), fail_if_not_exists=False)
            extra["mention_author"] = False
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT):
                posted = await self._channel(chat).send(
                    content, allowed_mentions=_NO_MENTIONS, **extra)
        except Exception as exc:
            log.warning("discord: could not send to %s: %s", chat, error_text(exc))
            raise_as_core(exc, file_only=file is not None and self._may_post(chat))
            raise
        return posted
