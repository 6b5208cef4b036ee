"""Telegram updates in, core messages out: messages, albums and button presses.

The adapter only translates. It decides which messages are for the bot and
which conversation they belong to, refuses files Telegram will not hand over,
gathers albums, answers button presses at once, and hands everything to the
conversation engine in the background, so PTB's update processing never
waits for an agent or an upload.

Order: update handlers never wait, so they run in the order PTB received the
updates; what takes time runs in a per-chat lane, so a chat's messages reach
the dispatcher in the order they were sent even when one of them is an album that
needs a moment to gather ("combine these" sent right after the clips comes
after the clips). Across webhook replicas Telegram gives no order to keep.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Coroutine, Sequence
from dataclasses import replace
from typing import Any

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bots.common.tasks import BackgroundTasks
from core import i18n
from core.conversation.dispatcher import Dispatcher
from core.conversation.turn import language_of
from core.logs import Outage
from core.messages import Attachment, ChatKey, IncomingMessage
from core.moved import follow

from .albums import AlbumGatherer
from .arrivals import Arrivals, Release, nothing_held
from .errors import error_text
from .inbound import (
    MB,
    PLATFORM,
    FileTooBig,
    Part,
    TelegramAttachment,
    TelegramFiles,
    chat_key,
    read_message,
    user,
)
from .menus import Menus
from .outbound import TelegramOutput, button_command

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

#: the update kinds the bot asks Telegram for
ALLOWED_UPDATES = ["message", "callback_query"]


class TelegramAdapter:
    """Wires a python-telegram-bot Application to the core's dispatcher."""

    def __init__(self, app: AnyApplication, dispatcher: Dispatcher, out: TelegramOutput,
                 files: TelegramFiles, albums: AlbumGatherer, *,
                 download_limit: int | None, arrivals: Arrivals | None = None) -> None:
        self.app = app
        #: the updates a webhook answer waits for (`webhook`)
        self.arrivals = arrivals or Arrivals()
        self.dispatcher = dispatcher
        self.out = out
        self.files = files
        self.albums = albums
        self.download_limit = download_limit
        #: messages being handled, albums being gathered, replies being sent
        self.tasks = BackgroundTasks(PLATFORM, error_text)
        self._lanes: dict[ChatKey, asyncio.Task[None]] = {}
        self._gathering: set[tuple[ChatKey, str]] = set()
        #: albums being gathered with a part for the bot: the sender's language
        self._addressed: dict[tuple[ChatKey, str], str | None] = {}
        #: albums some of whose parts could not be stored (Redis unreachable)
        self._broken: set[tuple[ChatKey, str]] = set()
        self._sweeper: asyncio.Task[None] | None = None
        out.on_moved = self._follow

    def install(self) -> None:
        """Register the update handlers and the error handler."""
        self.app.add_handler(MessageHandler(filters.UpdateType.MESSAGE, self.on_message))
        self.app.add_handler(CallbackQueryHandler(self.on_button))
        self.app.add_error_handler(self.on_error)

    async def publish_commands(self, admins: Sequence[int] = ()) -> None:
        """The command menu in every language; the admins' private chats also list the
        admin commands (nobody else sees them)."""
        await Menus(self.app.bot, admins).publish()

    # ------------------------------------------------------------ messages

    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A message for the bot (or an album part) becomes a message for the core.

        Nothing here waits: what takes time (measuring a file, gathering an album)
        runs in the chat's lane, so PTB goes on with other updates and a chat's
        messages reach the core in the order they were sent (a text sent right after
        an album waits for the album). That work holds the update (`arrivals`) until
        its message is queued in Redis, or its album part stored.
        """
        message = update.message
        if self.tasks.closing or message is None:
            return
        if message.migrate_to_chat_id or message.migrate_from_chat_id:
            self._moved(message)
            return
        part = read_message(message, self.app.bot.bot, self.files,
                            download_limit=self.download_limit)
        if part is None:
            return
        chat, group_id = part.message.chat, message.media_group_id
        held = self.arrivals.hold(update.update_id)
        if group_id is None:
            if part.addressed and not part.empty:
                self._in_lane(chat, self._deliver_sized(part), f"message in {chat}", held)
            else:
                held()
                if part.empty and message.chat.type == ChatType.PRIVATE and (
                        message.effective_attachment is not None):  # a sticker, a place...
                    self.tasks.start(self.out.send_text(chat, i18n.t(
                        part.message.user.language, "telegram.unusable")), f"reply in {chat}")
            return
        # every part is stored (the caption that makes an album "for the bot" may be on
        # any of them); this process gathers the album once, however many parts it saw
        if part.addressed:
            self._addressed[(chat, group_id)] = part.message.user.language
        self.tasks.start(self._add_part(chat, group_id, part, held, update.update_id),
                         f"album part in {chat}")
        if (chat, group_id) not in self._gathering:
            self._gathering.add((chat, group_id))
            self._in_lane(chat, self._gather(chat, group_id), f"album {group_id} in {chat}")

    def _moved(self, message: Message) -> None:
        """The group became a supergroup (Telegram says so in both): messages go to the
        new chat, and the group's project and account follow it."""
        if message.migrate_to_chat_id:
            old, new = message.chat_id, message.migrate_to_chat_id
        else:
            old, new = message.migrate_from_chat_id or 0, message.chat_id
        self.out.moved[str(old)] = new
        self._follow(str(old), new)

    def _follow(self, old: str, new: int) -> None:
        """The group's project and account follow it to the supergroup (from its service
        messages, or from a message Telegram refused with the new chat id)."""
        sessions = self.dispatcher.sessions
        self.tasks.start(follow(sessions.redis, sessions.keys, ChatKey(PLATFORM, old),
                                ChatKey(PLATFORM, str(new))), f"chat {old} moving to {new}")

    async def _deliver_sized(self, part: Part) -> None:
        await self.deliver(await self._sized(part))

    async def _add_part(self, chat: ChatKey, group_id: str, part: Part, held: Release,
                        update_id: int) -> None:
        stored = False
        webhook = self.arrivals.expected(update_id)
        try:
            part = await self._sized(part)
            await self.albums.add(chat, group_id, part, unanswered=webhook)
            stored = True
            if webhook:  # the album's next part comes once this one is answered
                self.arrivals.after_answer(update_id, functools.partial(
                    self._answered, chat, group_id, part.message.message_id))
        except Exception as exc:  # Redis unreachable: the user is told once, by _gather
            log.warning("telegram: a part of album %s in %s was not stored: %r",
                        group_id, chat, exc)
            self._broken.add((chat, group_id))
        finally:
            held(stored)

    def _answered(self, chat: ChatKey, group_id: str, message_id: str) -> None:
        self.tasks.start(self.albums.answered(chat, group_id, message_id),
                         f"album part answered in {chat}")

    async def _gather(self, chat: ChatKey, group_id: str) -> None:
        try:
            album = await self.albums.gather(chat, group_id)
        except Exception as exc:  # Redis unreachable: the parts are not lost silently
            log.warning("telegram: album %s in %s could not be gathered: %r", group_id, chat, exc)
            self._broken.add((chat, group_id))
            album = None
        finally:
            self._gathering.discard((chat, group_id))
        language = self._addressed.pop((chat, group_id), "")
        if (chat, group_id) in self._broken:
            self._broken.discard((chat, group_id))
            if language != "":
                await self._unavailable(chat, language)
        if album is None:
            return  # another process took it (or Redis is away: the user was told)
        if album.part.addressed:
            await self.deliver(album.part)
        else:
            log.debug("telegram: album %s in %s is not for the bot", group_id, chat)
        await album.done()

    def start_sweeping(self, every: float = 2.0) -> None:
        """Every `every` seconds, deliver the albums whose gatherers died (`albums`)."""
        if self._sweeper is None:
            self._sweeper = asyncio.create_task(self._sweep_albums(every),
                                                name="telegram album sweep")

    async def stop_sweeping(self) -> None:
        """Stop looking for albums left behind."""
        if self._sweeper is not None:
            sweeper, self._sweeper = self._sweeper, None
            sweeper.cancel()
            await asyncio.gather(sweeper, return_exceptions=True)

    async def _sweep_albums(self, every: float) -> None:
        # a live gatherer has taken and queued an album `wait` after its last part, or
        # another has taken over within the taker's lease
        quiet = self.albums.wait + self.albums.lease + every
        outage = Outage(log, "telegram: looking for albums left behind")
        while True:
            await asyncio.sleep(every)
            try:
                found = await self.albums.left_behind(PLATFORM, quiet)
            except Exception as exc:  # Redis unreachable: looked at again next time
                outage.failed(exc)
                continue
            outage.worked()
            for chat, group_id in found:
                if (chat, group_id) in self._gathering or self.tasks.closing:
                    continue
                log.info("telegram: album %s in %s was left behind; gathering it",
                         group_id, chat)
                self._gathering.add((chat, group_id))
                self._in_lane(chat, self._gather(chat, group_id), f"album {group_id} in {chat}")

    async def _sized(self, part: Part) -> Part:
        """Files whose size the update did not say are measured with getFile, so one that
        Telegram will not hand over is refused now, with a clear reply."""
        if self.download_limit is None:
            return part
        kept: list[Attachment] = []
        too_big = list(part.too_big)
        for item in part.message.attachments:
            if isinstance(item, TelegramAttachment) and item.size is None:
                try:
                    item.size = (await self.files.get(item.file_id)).file_size
                except FileTooBig:
                    too_big.append(item.filename)
                    continue
                except TelegramError as exc:
                    log.info("telegram: size of %s unknown: %s", item.filename, error_text(exc))
            if item.size is not None and item.size > self.download_limit:
                too_big.append(item.filename)
                continue
            kept.append(item)
        if len(kept) == len(part.message.attachments):
            return part
        return Part(replace(part.message, attachments=tuple(kept)), part.addressed,
                    tuple(too_big))

    async def deliver(self, part: Part) -> None:
        """Hand a message to the core (returns once it is queued); explain files Telegram
        would not hand over.

        When every file of a message was refused, its text goes too: it was about them.
        """
        message = part.message
        if part.too_big:
            self.tasks.start(self._refuse(message, part.too_big), f"reply in {message.chat}")
            if not message.attachments:
                return
        if message.text or message.attachments:
            await self._submit(message)

    async def _unavailable(self, chat: ChatKey, language: str | None) -> None:
        """Tell the chat that (part of) an album could not be taken; resending it works."""
        try:
            await self.out.send_text(chat, i18n.t(language, "unavailable"))
        except Exception as exc:
            log.warning("telegram: could not tell %s its album was not taken: %r", chat, exc)

    async def _refuse(self, message: IncomingMessage, names: tuple[str, ...]) -> None:
        log.info("telegram: %d file(s) over the download limit in %s", len(names), message.chat)
        limit = (self.download_limit or 0) // MB
        text = i18n.t(language_of(message), "telegram.too_big", names=", ".join(names),
                      limit=limit)
        with contextlib.suppress(Exception):  # logged by the output
            await self.out.send_text(message.chat, text, reply_to=message.message_id)

    # ------------------------------------------------------------ buttons

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button press: handled as the command it stands for, and answered (the
        spinner stops) once handed over, or with a text for its presser (`presses`)."""
        query = update.callback_query
        if query is None:
            return
        held = self.arrivals.hold(update.update_id)
        shown = query.message
        # a message too old for Telegram to show again: its chat is still known, but in a
        # forum not its topic (each topic is a project of its own), so it is not acted on
        # (python-telegram-bot reads it as a Message dated 0: `is_accessible` tells)
        lost_topic = shown is not None and not shown.is_accessible and bool(
            shown.chat.is_forum)
        command = button_command(query.data)
        if command is None or shown is None or lost_topic or self.tasks.closing:
            try:
                if lost_topic:
                    language = i18n.ui_language(query.from_user.language_code)
                    await query.answer(i18n.t(language, "telegram.old_button"),
                                       show_alert=True)
                else:
                    await query.answer()
            except TelegramError as exc:
                log.info("telegram: could not answer a button press: %s", error_text(exc))
            held(not self.tasks.closing)
            return
        if isinstance(shown, Message) and shown.is_accessible:
            chat = chat_key(shown)
        else:
            chat = ChatKey(PLATFORM, str(shown.chat.id))
        press = self.out.presses.hold(query)  # answered once handed over, or by the core
        self._in_lane(chat, self._press(press, IncomingMessage(
            chat=chat,
            user=user(query.from_user),
            message_id=press,
            text=command,
            replies_to_bot=True,
            is_private=shown.chat.type == ChatType.PRIVATE,
            raw=query,
        )), f"button in {chat}", held)

    async def _press(self, press: str, message: IncomingMessage) -> None:
        try:
            await self._submit(message)
        finally:
            await self.out.presses.release(press)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A handler failed: one log line, the bot carries on."""
        error = context.error
        log.error("telegram: an update could not be handled: %s",
                  error_text(error) if error is not None else "unknown error", exc_info=error)

    # ------------------------------------------------------------ background work

    def _in_lane(self, chat: ChatKey, work: Coroutine[Any, Any, None], name: str,
                 held: Release = nothing_held) -> None:
        """Run `work` after the chat's earlier work (in this process) is done; `held` is
        released when it has ended (made safe when it ended without an error)."""
        previous = self._lanes.get(chat)

        async def in_turn() -> None:
            try:
                if previous is not None:
                    await asyncio.wait({previous})
            except BaseException:
                work.close()  # cancelled while waiting: the work never starts
                held(False)
                raise
            try:
                await work
            except BaseException:
                held(False)
                raise
            held()

        task = self.tasks.start(in_turn(), name)
        self._lanes[chat] = task

        def leave(done: asyncio.Task[Any]) -> None:
            if self._lanes.get(chat) is done:
                del self._lanes[chat]

        task.add_done_callback(leave)

    async def _submit(self, message: IncomingMessage) -> None:
        """The message is queued (or refused, or handled on arrival) when this returns; the
        chat's queue is worked in the background."""
        work = await self.dispatcher.accept(message)
        if work is not None:
            self.tasks.track(work)
