"""What the core asks an adapter to do, with plain-text fallbacks.

A new platform only has to implement `send_text` to work; everything else
falls back to text. `core.collecting.CollectingOutput` records everything, for tests
and benchmarks.
"""

from __future__ import annotations

import asyncio
import logging
import re
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

from core.messages import ChatKey

log = logging.getLogger(__name__)

T = TypeVar("T")

#: waited beyond what a busy platform asks for, so the next attempt comes after its window
BUSY_MARGIN = 0.5


class Action(StrEnum):
    """What a button press does: the command it stands for."""

    EXPORT = "export"
    STATUS = "status"
    CREDITS = "credits"
    NEW = "new"
    CANCEL = "cancel"
    #: one of the options the bot offered (see `core.conversation.choices`)
    CHOOSE = "choose"
    #: a format preset or target length (`core.conversation.formats`)
    FORMAT = "format"

    @property
    def command(self) -> str:
        """The text command a button press stands for."""
        return f"/{self.value}"


#: what a button's `value` may hold: short, and safe in any platform's callback data
BUTTON_VALUE = re.compile(r"[A-Za-z0-9._-]{1,40}")


@dataclass(frozen=True)
class Button:
    """An action button (with an optional short `value`, the command's argument), or a
    link button when `url` is set."""

    label: str
    action: Action | None = None
    url: str | None = None
    value: str | None = None

    def __post_init__(self) -> None:
        if self.value is not None and not BUTTON_VALUE.fullmatch(self.value):
            raise ValueError(f"a button value must match {BUTTON_VALUE.pattern}")

    @property
    def press(self) -> str | None:
        """What an adapter puts in the button to recognise a press (`parse_press`)."""
        if self.action is None:
            return None
        return self.action.value if self.value is None else f"{self.action.value}:{self.value}"


def parse_press(data: str) -> str | None:
    """The command text a press stands for ("/choose 3.1"), from a button's `press`;
    None when it is not one of ours."""
    name, _, value = data.partition(":")
    try:
        action = Action(name)
    except ValueError:
        return None
    if not value:
        return action.command
    if not BUTTON_VALUE.fullmatch(value):
        return None
    return f"{action.command} {value}"


class Unreachable(Exception):
    """The platform refused a message for good: the bot can no longer write in the chat
    (the user blocked it, it was removed from the group, the chat moved or is gone).
    Sending again cannot help. Adapters raise it with the platform's error as cause."""


class Busy(Exception):
    """The platform refused a message for now (a rate limit longer than the adapter waits
    out, a server error): nothing was posted, and the same message may go through after
    `retry_after` seconds (None when the platform did not say). Adapters raise it with the
    platform's error as cause."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


async def when_allowed(send: Callable[[], Awaitable[T]], *, patience: float,
                       pause: float, growth: float = 2.0, what: str = "a message") -> T:
    """`send()`, sent again while the platform is `Busy`: after the wait it asks for, or
    `pause` (times `growth` after each refusal) when it names none. The last `Busy` is
    raised once the waits would pass `patience` seconds (at once with a patience of 0)."""
    waited = 0.0
    while True:
        try:
            return await send()
        except Busy as exc:
            wait = (exc.retry_after if exc.retry_after is not None else pause) + BUSY_MARGIN
            if waited + wait > patience:
                raise
            log.info("%s: the platform is busy (%s); sending again in %.0f s", what, exc, wait)
            await asyncio.sleep(wait)
            waited, pause = waited + wait, pause * growth


@dataclass(frozen=True)
class ProgressReport:
    """How far an upload or a render is: `done` of `total` (bytes for an upload, percent for
    a render; `total` None when unknown), and the same in words for platforms that show
    text."""

    kind: str  # "upload" or "render"
    done: float
    total: float | None
    text: str
    #: buttons shown with the progress (a Cancel button)
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True)
class Sent:
    """A message the adapter sent; `message_id` lets the core edit it later.

    `file_ref` names a file the message carries in a form the same adapter can send
    again without uploading it (`Outgoing.resend_file`): Telegram's `file_id`, a
    Discord attachment URL. None when there is no file, or no such form.
    """

    message_id: str
    file_ref: str | None = None


class Outgoing(ABC):
    """The adapter's side of the conversation. Only `send_text` is required."""

    #: largest file this adapter may send to `chat`, in bytes; None: no files
    def max_file_size(self, chat: ChatKey) -> int | None:
        """Largest file the adapter can send to this chat; None when it sends no files."""
        return None

    @abstractmethod
    async def send_text(self, chat: ChatKey, text: str,
                        buttons: tuple[Button, ...] = (), *, reply_to: str | None = None) -> Sent:
        """Send a message; buttons are optional decoration.

        `reply_to` is the `message_id` of the incoming message this answers: the
        adapter may show the answer as a reply to it (or, on Discord, through the
        interaction it came with). Adapters that cannot reply ignore it.
        """

    async def edit_text(self, chat: ChatKey, sent: Sent, text: str,
                        buttons: tuple[Button, ...] = ()) -> Sent:
        """Replace a sent message's text (progress, streamed answers).

        Platforms that cannot edit send a new message instead.
        """
        return await self.send_text(chat, text, buttons)

    async def send_file(self, chat: ChatKey, path: Path, filename: str, caption: str = "",
                        buttons: tuple[Button, ...] = (), *, reply_to: str | None = None) -> Sent:
        """Send a file. The default sends its name only: adapters that can, override."""
        return await self.send_text(chat, f"{caption}\n{filename}".strip(), buttons,
                                    reply_to=reply_to)

    async def send_link(self, chat: ChatKey, text: str, url: str, label: str,
                        buttons: tuple[Button, ...] = (), *, reply_to: str | None = None) -> Sent:
        """Send a link, as a link button where the platform has them."""
        return await self.send_text(chat, f"{text}\n{label}: {url}", buttons, reply_to=reply_to)

    async def progress(self, chat: ChatKey, sent: Sent, report: ProgressReport) -> Sent:
        """Show how far an upload or a render is in message `sent`. The default edits the
        message to `report.text`; an adapter that can draw a bar overrides this."""
        return await self.edit_text(chat, sent, report.text, report.buttons)
    async def resend_file(self, chat: ChatKey, file_ref: str, caption: str = "",
                          buttons: tuple[Button, ...] = (), *,
                          reply_to: str | None = None) -> Sent:
        """Send again a file this adapter sent before (its `Sent.file_ref`), without
        uploading it. The default shows the reference (a URL) under the caption."""
        return await self.send_text(chat, f"{caption}\n{file_ref}".strip(), buttons,
                                    reply_to=reply_to)

    async def working(self, chat: ChatKey) -> None:
        """Show a "working" indicator (typing, upload_video...). Optional."""
        return None

    def backlog(self, chat: ChatKey) -> float:
        """Seconds a message to `chat` would wait now for the platform's rate limits
        (0: it would leave at once, or the adapter cannot tell)."""
        return 0.0

    async def delete_message(self, chat: ChatKey, message_id: str) -> bool:
        """Delete a user's message (one holding a token). False when not possible."""
        return False

    def chat_commands(self, chat: ChatKey) -> tuple[str, ...] | None:
        """The commands this platform offers in `chat` (its command menu, its slash
        commands), in menu order, so /help lists exactly those; None when every
        command is simply typed (the terminal)."""
        return None

    async def language_chosen(self, chat: ChatKey, user_id: str, language: str) -> None:
        """A user chose their language (`/language`): platforms with per-user command
        menus show theirs in it. Optional."""
        return None

    def opens_with_start(self, chat: ChatKey) -> bool:
        """Whether the platform opens every conversation in `chat` with /start (Telegram's
        private chats: the app sends it when the user first taps Start), which the bot
        answers with its greeting. False: a chat's first words may be anything."""
        return False

    async def answer_press(self, chat: ChatKey, press_id: str, text: str) -> bool:
        """Show `text` to the member who pressed a button (the press `press_id`, its
        message id) and to nobody else; False where the platform cannot (the text then
        goes to the chat)."""
        return False

    def addressing(self, chat: ChatKey, language: str) -> str | None:
        """How members reach the bot in `chat` when it does not see all their messages
        (a Telegram group in privacy mode), for the greeting and /help; None when it
        does, or when the platform's own way is plain (the terminal)."""
        return None

    def as_shown(self, text: str, message_id: str | None) -> str:
        """What `text` reads as once sent (`message_id` None) or edited into the message
        `message_id` through this side: what a record of the message must keep to show
        it again the same. The text itself unless a wrapper adds to it."""
        return text


class Replying(Outgoing):
    """An adapter's outgoing side for the answers to one incoming message: every new
    message carries `reply_to` (the adapter decides what a reply looks like)."""

    def __init__(self, out: Outgoing, reply_to: str | None) -> None:
        self.out = out
        self.reply_to = reply_to or None

    def max_file_size(self, chat: ChatKey) -> int | None:
        """The adapter's limit."""
        return self.out.max_file_size(chat)

    async def send_text(self, chat: ChatKey, text: str,
                        buttons: tuple[Button, ...] = (), *, reply_to: str | None = None) -> Sent:
        """Send through the adapter, as a reply."""
        return await self.out.send_text(chat, text, buttons, reply_to=reply_to or self.reply_to)

    async def edit_text(self, chat: ChatKey, sent: Sent, text: str,
                        buttons: tuple[Button, ...] = ()) -> Sent:
        """Edit through the adapter."""
        return await self.out.edit_text(chat, sent, text, buttons)

    async def send_file(self, chat: ChatKey, path: Path, filename: str, caption: str = "",
                        buttons: tuple[Button, ...] = (), *, reply_to: str | None = None) -> Sent:
        """Send a file through the adapter, as a reply."""
        return await self.out.send_file(chat, path, filename, caption, buttons,
                                        reply_to=reply_to or self.reply_to)

    async def send_link(self, chat: ChatKey, text: str, url: str, label: str,
                        buttons: tuple[Button, ...] = (), *, reply_to: str | None = None) -> Sent:
        """Send a link through the adapter, as a reply."""
        return await self.out.send_link(chat, text, url, label, buttons,
                                        reply_to=reply_to or self.reply_to)

    async def progress(self, chat: ChatKey, sent: Sent, report: ProgressReport) -> Sent:
        """Progress through the adapter."""
        return await self.out.progress(chat, sent, report)
    async def resend_file(self, chat: ChatKey, file_ref: str, caption: str = "",
                          buttons: tuple[Button, ...] = (), *,
                          reply_to: str | None = None) -> Sent:
        """Send a file again through the adapter, as a reply."""
        return await self.out.resend_file(chat, file_ref, caption, buttons,
                                          reply_to=reply_to or self.reply_to)

    async def working(self, chat: ChatKey) -> None:
        """The adapter's indicator."""
        await self.out.working(chat)

    def backlog(self, chat: ChatKey) -> float:
        """The adapter's backlog."""
        return self.out.backlog(chat)

    async def delete_message(self, chat: ChatKey, message_id: str) -> bool:
        """Delete through the adapter."""
        return await self.out.delete_message(chat, message_id)

    def chat_commands(self, chat: ChatKey) -> tuple[str, ...] | None:
        """The adapter's commands."""
        return self.out.chat_commands(chat)

    async def language_chosen(self, chat: ChatKey, user_id: str, language: str) -> None:
        """Tell the adapter."""
        await self.out.language_chosen(chat, user_id, language)

    def opens_with_start(self, chat: ChatKey) -> bool:
        """The adapter's answer."""
        return self.out.opens_with_start(chat)

    async def answer_press(self, chat: ChatKey, press_id: str, text: str) -> bool:
        return await self.out.answer_press(chat, press_id, text)

    def addressing(self, chat: ChatKey, language: str) -> str | None:
        return self.out.addressing(chat, language)

    def as_shown(self, text: str, message_id: str | None) -> str:
        """As the adapter shows it."""
        return self.out.as_shown(text, message_id)
