"""The core's `Outgoing` on Telegram: messages, edits, videos, links, chat actions.

* Text is sent as plain text (no parse_mode), so nothing a user or the agent
  writes is ever read as markup, and link previews are off.
* Texts longer than Telegram's 4,096 characters are split over several
  messages, and edits grow, shrink, skip or resend them page by page
  (`bots.common.paged`). Telegram's "message is not modified" is not an
  error. Every edit passes its buttons again: an edit without them removes
  the keyboard.
* In groups and channels every answer replies to the message it answers
  (`reply_parameters` that tolerate a deleted original), so a busy group sees
  whom it answers; private chats get plain messages. Button presses have no
  message of their own to reply to.
* Buttons: actions are callback buttons (`nemo:<action>`), links are URL
  buttons, one per row.
* Videos go up with sendVideo (streamable, with their duration, size and a
  thumbnail when ffmpeg can read them: `bots.common.video`), up to 50 MB on the
  cloud Bot API (python-telegram-bot holds the file in memory while it uploads
  it) and 2,000 MB on a local one (which reads the file from disk by its path);
  "sending a video…" shows during the upload. A sent file can be sent again by
  its `file_id`, without uploading it (`resend_file`).
* Failures (the user blocked the bot, the chat is gone) are logged in one line and
  raised to the core, which carries on with other chats (a refused video becomes a
  link). Flood waits and network blips are handled below (`flood.FloodControl`).
* In a group in privacy mode, the greeting and /help say what the bot sees there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
)
from telegram.constants import ChatAction
from telegram.error import BadRequest, ChatMigrated, Forbidden, TelegramError

from bots.common import video
from bots.common.paged import REMEMBER, PagedOutput, paginate
from core.aio import alongside
from core.i18n import t
from core.messages import ChatKey
from core.outgoing import Button, Sent, parse_press
from core.textsplit import fit, utf16_units

from . import texts as _texts
from .errors import error_text, raise_as_core
from .flood import FloodControl
from .inbound import CALLBACK_PREFIX, MB, chat_id, thread_id
from .presses import Presses

if TYPE_CHECKING:
    from .menus import Menus

T = TypeVar("T")
log = logging.getLogger(__name__)

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
#: the cloud Bot API's upload limit, and a local Bot API server's
CLOUD_UPLOAD_LIMIT = 50 * MB
LOCAL_UPLOAD_LIMIT = 2000 * MB
#: seconds an upload may take (sending, then Telegram processing it)
UPLOAD_TIMEOUT = 600.0
#: a chat action shows for 5 s: renewed this often during an upload
ACTION_EVERY = 4.0
#: callback data of action buttons
BUTTON_PREFIX = "nemo:"

_VIDEO_SUFFIXES = frozenset({".mp4", ".m4v", ".mov"})
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
_EMPTY = "…"


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """`text` in pieces of at most `limit` UTF-16 units (see `core.textsplit`)."""
    return paginate(text, limit, blank=_EMPTY, utf16=True)


def caption_of(text: str) -> str:
    """A caption within Telegram's 1,024 units."""
    if utf16_units(text) <= CAPTION_LIMIT:
        return text
    return text[: fit(text, CAPTION_LIMIT - 1, utf16=True)].rstrip() + "…"


def keyboard(buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
    """Inline buttons: actions two to a row, each link on a row of its own."""
    rows: list[list[InlineKeyboardButton]] = []
    pending: list[InlineKeyboardButton] = []
    for button in buttons:
        if button.url:
            if pending:
                rows.append(pending)
                pending = []
            rows.append([InlineKeyboardButton(button.label, url=button.url)])
        elif button.press is not None:
            pending.append(InlineKeyboardButton(
                button.label, callback_data=f"{BUTTON_PREFIX}{button.press}"))
            if len(pending) == 2:
                rows.append(pending)
                pending = []
    if pending:
        rows.append(pending)
    return InlineKeyboardMarkup(rows) if rows else None


def button_command(data: str | None) -> str | None:
    """The command a button's callback data stands for, if it is one of ours."""
    if not data or not data.startswith(BUTTON_PREFIX):
        return None
    return parse_press(data.removeprefix(BUTTON_PREFIX))


def reply_target(chat: ChatKey, reply_to: str | None) -> int | None:
    """The message an answer replies to: the one it answers, in groups and channels
    (their ids are negative); none in private chats, or for a button press."""
    if not reply_to or not reply_to.isdigit() or not chat.chat_id.startswith("-"):
        return None
    return int(reply_to)


def _replying(target: int | None) -> ReplyParameters | None:
    return None if target is None else ReplyParameters(target, allow_sending_without_reply=True)


def file_ref_of(message: Message) -> str | None:
    """How a sent video (or document) can be sent again: `<kind>:<file_id>`."""
    if message.video is not None:
        return f"video:{message.video.file_id}"
    if message.document is not None:
        return f"document:{message.document.file_id}"
    return None


def _gone(exc: BadRequest) -> bool:
    text = exc.message.lower()
    return "message to edit not found" in text or "message can't be edited" in text


class TelegramOutput(PagedOutput[InlineKeyboardMarkup, int | None]):
    """Sends what the core says to Telegram chats and forum topics."""

    platform = "telegram"
    page_limit = MESSAGE_LIMIT
    utf16 = True
    blank = _EMPTY

    def __init__(self, bot: Bot, *, local_mode: bool = False,
                 menus: Menus | None = None, presses: Presses | None = None) -> None:
        super().__init__(REMEMBER)
        self.bot = bot
        self.local_mode = local_mode
        #: the command menus, switched when a user chooses a language
        self.menus = menus
        #: button presses not answered yet (a reply to the presser alone goes there)
        self.presses = presses or Presses()
        #: the largest video sent as a file; bigger ones become a link
        self.upload_limit = LOCAL_UPLOAD_LIMIT if local_mode else CLOUD_UPLOAD_LIMIT
        #: groups that became supergroups (old chat id -> new), as this process learned
        self.moved: dict[str, int] = {}
        #: told of a group that became a supergroup when a send finds out (old id, new id)
        self.on_moved: Callable[[str, int], None] | None = None

    def target(self, chat: ChatKey) -> int:
        """The Telegram chat a conversation's messages go to: its group's new id once the
        group became a supergroup."""
        return self.moved.get(chat.chat_id) or chat_id(chat)

    async def _following(self, chat: ChatKey, send: Callable[[], Awaitable[T]]) -> T:
        """`send()`, once more to the supergroup its group became if Telegram says so."""
        try:
            return await send()
        except ChatMigrated as exc:
            log.info("telegram: %s is now the supergroup %s; sending there", chat,
                     exc.new_chat_id)
            first = chat.chat_id not in self.moved
            self.moved[chat.chat_id] = exc.new_chat_id
            if first and self.on_moved is not None:
                self.on_moved(chat.chat_id, exc.new_chat_id)
            return await send()

    # ------------------------------------------------------------ pages

    def markup(self, buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
        """Inline buttons (see `keyboard`)."""
        return keyboard(buttons)

    def route(self, chat: ChatKey, reply_to: str | None) -> int | None:
        """Messages go to the chat (or its forum topic); in groups, as a reply to the
        message they answer (`reply_target`)."""
        return reply_target(chat, reply_to)

    def route_of(self, chat: ChatKey, page: int) -> None:
        """Continuations go to the chat, after the first page (no reply of their own)."""
        return None

    async def post_page(self, chat: ChatKey, route: int | None, text: str,
                        markup: InlineKeyboardMarkup | None) -> int:
        """sendMessage: plain text, no link preview, replying to `route` if set."""
        try:
            message = await self._following(chat, lambda: self.bot.send_message(
                self.target(chat), text, reply_markup=markup, message_thread_id=thread_id(chat),
                link_preview_options=_NO_PREVIEW, reply_parameters=_replying(route)))
        except Exception as exc:
            log.warning("telegram: could not send to %s: %s", chat, error_text(exc))
            raise_as_core(exc)
            raise
        return message.message_id

    async def edit_page(self, chat: ChatKey, page: int, text: str,
                        markup: InlineKeyboardMarkup | None) -> bool:
        """editMessageText (the caption of a media message); "not modified" is fine."""
        try:
            await self.bot.edit_message_text(text, self.target(chat), page,
                                             reply_markup=markup, link_preview_options=_NO_PREVIEW)
        except BadRequest as exc:
            lowered = exc.message.lower()
            if _gone(exc):
                return False
            if "there is no text in the message" in lowered:
                await self._edit_caption(chat, page, text, markup)
            elif "message is not modified" not in lowered:
                log.warning("telegram: could not edit message %s in %s: %s", page, chat,
                            error_text(exc))
                raise
        except Exception as exc:
            log.warning("telegram: could not edit message %s in %s: %s", page, chat,
                        error_text(exc))
            raise_as_core(exc)
            raise
        return True

    async def delete_page(self, chat: ChatKey, page: int) -> None:
        """deleteMessage; a failure is logged."""
        try:
            await self.bot.delete_message(self.target(chat), page)
        except TelegramError as exc:
            log.info("telegram: could not delete message %s in %s: %s", page, chat,
                     error_text(exc))

    # ------------------------------------------------------------ Outgoing

    def max_file_size(self, chat: ChatKey) -> int | None:
        """50 MB on the cloud Bot API, 2,000 MB on a local one."""
        return self.upload_limit

    def chat_commands(self, chat: ChatKey) -> tuple[str, ...]:
        """The command menu (`publish_commands`)."""
        return tuple(_texts.COMMANDS)

    def opens_with_start(self, chat: ChatKey) -> bool:
        """A private chat (a user's id, positive) opens with /start; a group does not."""
        return chat.chat_id.isdigit()

    async def answer_press(self, chat: ChatKey, press_id: str, text: str) -> bool:
        """The press's own answer (answerCallbackQuery), shown to its presser alone."""
        return await self.presses.answer(press_id, text)

    def addressing(self, chat: ChatKey, language: str) -> str | None:
        """In a group, unless privacy mode is off: what the bot sees there."""
        if chat.chat_id.isdigit() or self.bot.can_read_all_group_messages:
            return None
        return t(language, "telegram.addressing", bot=f"@{self.bot.username}")

    async def send_file(self, chat: ChatKey, path: Path, filename: str, caption: str = "",
                        buttons: tuple[Button, ...] = (), *, reply_to: str | None = None) -> Sent:
        """Upload a video (sendVideo, streamable, with its duration, size and thumbnail)
        or another file (sendDocument); the `Sent` carries the file's `file_id`.

        Errors propagate (Telegram answers 413 past its limit), so the caller can offer
        a link instead.
        """
        is_video = Path(filename).suffix.lower() in _VIDEO_SUFFIXES
        if self.local_mode:
            # the local Bot API server reads the file itself, maybe as another user
            with contextlib.suppress(OSError):
                os.chmod(path, 0o644)
        extra: dict[str, Any] = {
            "filename": filename, "caption": caption_of(caption),
            "reply_markup": keyboard(buttons), "message_thread_id": thread_id(chat),
            "reply_parameters": _replying(reply_target(chat, reply_to)),
            "read_timeout": UPLOAD_TIMEOUT, "write_timeout": UPLOAD_TIMEOUT}
        action = ChatAction.UPLOAD_VIDEO if is_video else ChatAction.UPLOAD_DOCUMENT
        try:
            async with self._showing(chat, action):
                if is_video:
                    extra.update(await video.upload_details(path))
                    message = await self._following(chat, lambda: self.bot.send_video(
                        self.target(chat), path, supports_streaming=True, **extra))
                else:
                    message = await self._following(chat, lambda: self.bot.send_document(
                        self.target(chat), path, **extra))
        except Exception as exc:
            log.warning("telegram: could not send %s to %s: %s", filename, chat, error_text(exc))
            raise_as_core(exc)
            raise
        return Sent(str(message.message_id), file_ref_of(message))

    async def resend_file(self, chat: ChatKey, file_ref: str, caption: str = "",
                          buttons: tuple[Button, ...] = (), *,
                          reply_to: str | None = None) -> Sent:
        """Send a video (or document) again by its `file_id`: nothing is uploaded."""
        kind, _, file_id = file_ref.partition(":")
        if kind not in ("video", "document") or not file_id:
            return await super().resend_file(chat, file_ref, caption, buttons,
                                             reply_to=reply_to)
        extra: dict[str, Any] = {
            "caption": caption_of(caption), "reply_markup": keyboard(buttons),
            "message_thread_id": thread_id(chat),
            "reply_parameters": _replying(reply_target(chat, reply_to))}
        try:
            if kind == "video":
                message = await self.bot.send_video(self.target(chat), file_id,
                                                    supports_streaming=True, **extra)
            else:
                message = await self.bot.send_document(self.target(chat), file_id, **extra)
        except Exception as exc:
            log.warning("telegram: could not send a file again to %s: %s", chat,
                        error_text(exc))
            raise_as_core(exc)
            raise
        return Sent(str(message.message_id), file_ref_of(message) or file_ref)

    async def working(self, chat: ChatKey) -> None:
        """Show "typing…" (for about 5 s, or until the next message)."""
        await self._action(chat, ChatAction.TYPING)

    def backlog(self, chat: ChatKey) -> float:
        """How long a message to `chat` would wait for the flood control now."""
        limiter = getattr(self.bot, "rate_limiter", None)  # an ExtBot's
        return limiter.backlog(chat_id(chat)) if isinstance(limiter, FloodControl) else 0.0

    async def delete_message(self, chat: ChatKey, message_id: str) -> bool:
        """Delete a user's message (the bot needs the right to in groups). A button
        press has no message of its own: nothing to delete."""
        if message_id.startswith(CALLBACK_PREFIX):
            return True
        try:
            return await self.bot.delete_message(self.target(chat), int(message_id))
        except (ValueError, TelegramError) as exc:
            log.info("telegram: could not delete message %s in %s: %s", message_id, chat,
                     error_text(exc))
            return False

    # ------------------------------------------------------------ plumbing

    async def _edit_caption(self, chat: ChatKey, message_id: int, text: str,
                            markup: InlineKeyboardMarkup | None) -> None:
        try:
            await self.bot.edit_message_caption(self.target(chat), message_id,
                                                caption=caption_of(text), reply_markup=markup)
        except BadRequest as exc:
            if "message is not modified" not in exc.message.lower():
                log.warning("telegram: could not edit the caption of %s in %s: %s", message_id,
                            chat, error_text(exc))
                raise

    async def language_chosen(self, chat: ChatKey, user_id: str, language: str) -> None:
        """Show the user the command menu in the language they chose."""
        if self.menus is not None:
            await self.menus.show_to(chat, user_id, language)

    async def _action(self, chat: ChatKey, action: str) -> None:
        try:
            await self.bot.send_chat_action(self.target(chat), action,
                                            message_thread_id=thread_id(chat))
        except Forbidden as exc:
            log.info("telegram: no chat action in %s: %s", chat, error_text(exc))
        except TelegramError as exc:
            log.debug("telegram: no chat action in %s: %s", chat, error_text(exc))

    @contextlib.asynccontextmanager
    async def _showing(self, chat: ChatKey, action: str) -> AsyncIterator[None]:
        """Keep a chat action showing while the block runs (an upload can take minutes)."""
        async def keep() -> None:
            while True:
                await self._action(chat, action)
                await asyncio.sleep(ACTION_EVERY)

        async with alongside(keep(), f"telegram {action} in {chat}"):
            yield
