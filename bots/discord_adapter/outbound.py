"""The core's `Outgoing` on Discord: messages, edits, files, links, typing.

* Texts longer than Discord's 2,000 characters are split over several
  messages. A `Sent` then names all of them (`"<id>,<id>"`), so an edit that
  grows past the limit continues in a new message and one that shrinks
  deletes the surplus, even after a restart.
* Interactions: a slash command (or the Credits button) is acknowledged at
  once with a "thinking" placeholder. The handling of that command runs in a
  context that carries a `ReplySlot`; its first reply goes through the
  interaction (replacing the placeholder, privately when the command answers
  ephemerally), later replies and everything from other tasks (the render
  worker, queued messages) go to the channel. An interaction's token lasts 15
  minutes: after that, or when Discord says the token is gone, replies and
  edits go to the channel.
* Failures (missing permissions, a deleted channel, a refused file) are
  logged in one line and raised: the core's dispatcher reports them and
  carries on with other chats, and the render worker offers a refused file as
  a link or marks a job it cannot deliver. Rate limits never surface here:
  discord.py waits them out and retries.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import discord

from bots.discord_adapter.inbound import INTERACTION_PREFIX, channel_id
from bots.discord_adapter.views import build_view
from core.messages import ChatKey
from core.outgoing import Button, Outgoing, Sent
from core.textsplit import split_text as _split

log = logging.getLogger(__name__)

MESSAGE_LIMIT = 2000
#: Discord's upload cap for DMs and unboosted guilds (bots)
DEFAULT_FILE_LIMIT = discord.utils.DEFAULT_FILE_SIZE_LIMIT_BYTES
INTERACTION_TTL = 15 * 60.0
#: an interaction is not used this close to the end of its token's life
TTL_MARGIN = 30.0
#: how many sent messages' interaction and last content are remembered
REMEMBER = 2048

_NO_MENTIONS = discord.AllowedMentions.none()
_EMPTY = "\u200b"  # Discord refuses a message without content

_ERRORS = {
    50001: "missing access",
    50013: "missing permissions",
    10003: "unknown channel (deleted?)",
    10008: "unknown message",
    10015: "the interaction's token expired",
    40005: "file too large",
}


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """`text` in pieces of at most `limit` characters (see `core.textsplit`)."""
    if not text.strip():
        return [_EMPTY]
    return _split(text, limit)


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


_REPLYING: ContextVar[ReplySlot | None] = ContextVar("nemobot_discord_reply", default=None)


def _ids(message_id: str) -> list[int]:
    return [int(part) for part in message_id.split(",") if part]


def _signature(buttons: Sequence[Button]) -> str:
    return "|".join(f"{b.label}:{b.action or ''}:{b.url or ''}" for b in buttons)


def describe(exc: BaseException) -> str:
    """A one-line account of a failed Discord call."""
    if isinstance(exc, discord.HTTPException):
        meaning = _ERRORS.get(exc.code, exc.text or exc.response.reason or "")
        return f"HTTP {exc.status} (code {exc.code}: {meaning})"
    return f"{type(exc).__name__}: {exc}"


class DiscordOutput(Outgoing):
    """Sends what the core says to Discord channels, threads and DMs."""

    def __init__(self, client: discord.Client, *,
                 clock: Callable[[], float] = time.time) -> None:
        self.client = client
        self.clock = clock
        self._via: OrderedDict[int, ReplySlot] = OrderedDict()
        self._shown: OrderedDict[int, tuple[str, str]] = OrderedDict()

    # ------------------------------------------------------------ interactions

    @contextlib.contextmanager
    def replying_to(self, slot: ReplySlot | None) -> Iterator[None]:
        """Within the block (and tasks started in it), the first reply to the slot's
        chat goes through its interaction."""
        token = _REPLYING.set(slot)
        try:
            yield
        finally:
            _REPLYING.reset(token)

    def _live(self, slot: ReplySlot | None) -> bool:
        return slot is not None and self.clock() < slot.expires_at

    def _claim(self, chat: ChatKey) -> ReplySlot | None:
        slot = _REPLYING.get()
        if slot is None or slot.used or slot.chat != chat:
            return None
        slot.used = True
        return slot if self._live(slot) else None

    async def finish(self, slot: ReplySlot) -> None:
        """The command was handled without a reply: remove its "thinking" placeholder."""
        if slot.used:
            return
        slot.used = True
        if not self._live(slot):
            return
        try:
            await slot.interaction.delete_original_response()
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
            log.info("discord: could not remove the placeholder in %s: %s", slot.chat,
                     describe(exc))

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

    async def send_text(self, chat: ChatKey, text: str,
                        buttons: tuple[Button, ...] = (), *, reply_to: str | None = None) -> Sent:
        """Send a message (several when longer than 2,000 characters); buttons go under
        the last one."""
        return await self._send(chat, split_text(text), buttons)

    async def edit_text(self, chat: ChatKey, sent: Sent, text: str,
                        buttons: tuple[Button, ...] = ()) -> Sent:
        """Edit a sent message in place: unchanged pieces are left alone, a longer text
        continues in new messages, a shorter one deletes the surplus."""
        ids = _ids(sent.message_id)
        pieces = split_text(text)
        signature = _signature(buttons)
        view = build_view(buttons)
        result: list[int] = []
        for index, piece in enumerate(pieces):
            last = index == len(pieces) - 1
            if index < len(ids):
                mid = ids[index]
                shown = (piece, signature if last else "")
                if self._shown.get(mid) != shown:
                    await self._edit(chat, mid, piece, view if last else None)
                    self._note(self._shown, mid, shown)
                result.append(mid)
            else:
                # a continuation goes the way the message went (keeps private answers private)
                slot = self._via.get(ids[0]) if ids else None
                result.append(await self._post(chat, slot, piece, view if last else None,
                                               signature if last else ""))
        for mid in ids[len(pieces):]:
            with contextlib.suppress(discord.HTTPException):
                await self._delete(chat, mid)
        return Sent(",".join(str(mid) for mid in result))

    async def send_file(self, chat: ChatKey, path: Path, filename: str, caption: str = "",
                        buttons: tuple[Button, ...] = (), *, reply_to: str | None = None) -> Sent:
        """Upload a file with its caption. Errors propagate (a file over the guild's
        limit answers 413), so the caller can offer a link instead."""
        caption = split_text(caption)[0]
        return await self._send(chat, [caption], buttons,
                                file=lambda: discord.File(path, filename=filename))

    async def send_link(self, chat: ChatKey, text: str, url: str, label: str,
                        buttons: tuple[Button, ...] = (), *, reply_to: str | None = None) -> Sent:
        """Send a text with a link button (and the other buttons)."""
        return await self._send(chat, split_text(text), (Button(label, url=url), *buttons))

    async def working(self, chat: ChatKey) -> None:
        """Show "typing..." (skipped while a command's "thinking" placeholder shows)."""
        slot = _REPLYING.get()
        if slot is not None and not slot.used and slot.chat == chat and self._live(slot):
            return
        try:
            await self._channel(chat).typing()
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
            log.debug("discord: no typing indicator in %s: %s", chat, describe(exc))

    async def delete_message(self, chat: ChatKey, message_id: str) -> bool:
        """Delete a user's message. A slash command's options are never shown in the
        channel, so there is nothing to delete for those."""
        if message_id.startswith(INTERACTION_PREFIX):
            return True
        try:
            await self._channel(chat).get_partial_message(int(message_id)).delete()
        except (ValueError, discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
            log.info("discord: could not delete message %s in %s: %s", message_id, chat,
                     describe(exc))
            return False
        return True

    # ------------------------------------------------------------ plumbing

    def _channel(self, chat: ChatKey) -> discord.PartialMessageable:
        return self.client.get_partial_messageable(channel_id(chat))

    async def _send(self, chat: ChatKey, pieces: list[str], buttons: Sequence[Button],
                    file: Callable[[], discord.File] | None = None) -> Sent:
        view = build_view(buttons)
        signature = _signature(buttons)
        slot = self._claim(chat)
        ids: list[int] = []
        for index, piece in enumerate(pieces):
            last = index == len(pieces) - 1
            ids.append(await self._post(chat, slot, piece, view if last else None,
                                        signature if last else "",
                                        file if index == 0 else None))
        return Sent(",".join(str(mid) for mid in ids))

    async def _post(self, chat: ChatKey, slot: ReplySlot | None, content: str,
                    view: discord.ui.View | None, signature: str = "",
                    file: Callable[[], discord.File] | None = None) -> int:
        """Create one message: through the interaction while its token lives, else in
        the channel."""
        extra: dict[str, Any] = {}
        if view is not None:
            extra["view"] = view
        if slot is not None and self._live(slot):
            if file is not None:
                extra["file"] = file()
            try:
                message = await slot.interaction.followup.send(
                    content, ephemeral=slot.ephemeral, allowed_mentions=_NO_MENTIONS,
                    wait=True, **extra)
            except discord.NotFound as exc:  # token gone early (10015): the channel it is
                log.info("discord: interaction in %s no longer answers (%s); using the "
                         "channel", chat, describe(exc))
            except Exception as exc:
                log.warning("discord: could not answer in %s: %s", chat, describe(exc))
                raise
            else:
                self._note(self._via, message.id, slot)
                self._note(self._shown, message.id, (content, signature))
                return message.id
        if file is not None:
            extra["file"] = file()
        try:
            posted = await self._channel(chat).send(
                content, allowed_mentions=_NO_MENTIONS, **extra)
        except Exception as exc:
            log.warning("discord: could not send to %s: %s", chat, describe(exc))
            raise
        self._note(self._shown, posted.id, (content, signature))
        return posted.id

    async def _edit(self, chat: ChatKey, message_id: int, content: str,
                    view: discord.ui.View | None) -> None:
        slot = self._via.get(message_id)
        try:
            if slot is not None and self._live(slot):
                try:
                    await slot.interaction.followup.edit_message(
                        message_id, content=content, view=view, allowed_mentions=_NO_MENTIONS)
                    return
                except discord.NotFound:
                    self._via.pop(message_id, None)
            await self._channel(chat).get_partial_message(message_id).edit(
                content=content, view=view, allowed_mentions=_NO_MENTIONS)
        except Exception as exc:
            log.warning("discord: could not edit message %s in %s: %s", message_id, chat,
                        describe(exc))
            raise

    async def _delete(self, chat: ChatKey, message_id: int) -> None:
        slot = self._via.pop(message_id, None)
        self._shown.pop(message_id, None)
        if slot is not None and self._live(slot):
            with contextlib.suppress(discord.NotFound):
                await slot.interaction.followup.delete_message(message_id)
                return
        await self._channel(chat).get_partial_message(message_id).delete()

    @staticmethod
    def _note(memory: OrderedDict[int, Any], key: int, value: Any) -> None:
        memory[key] = value
        memory.move_to_end(key)
        while len(memory) > REMEMBER:
            memory.popitem(last=False)
