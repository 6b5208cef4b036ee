"""The agent's answer as it streams in: collected, shown in one growing message, and the
"working" and "still working" signs while the agent is busy."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from core.conversation.gui import GuiAction, strip_trailing_glitch, translate
from core.conversation.turn import Turn
from core.nemo.events import (
    AgentEvent,
    FullText,
    Heartbeat,
    StreamError,
    TextFragment,
    ToolCall,
    ToolResult,
)
from core.outgoing import Button, Sent

log = logging.getLogger(__name__)

WORKING_EVERY = 4.0  # seconds between "working" indicators (Telegram's lasts 5 s)


class LiveMessage:
    """One chat message that grows as text arrives, edited at most once per interval."""

    def __init__(self, turn: Turn, interval: float) -> None:
        self.turn = turn
        self.interval = interval
        self.sent: Sent | None = None
        self.shown = ""
        self.pending = ""
        self._last_edit = 0.0

    async def update(self, text: str) -> None:
        """Show `text` now if the interval allows, else remember it for `flush`."""
        self.pending = text
        if not text.strip() or text == self.shown:
            return
        now = time.monotonic()
        if self.sent is not None and now - self._last_edit < self.interval:
            return
        await self._show(text)

    async def flush(self, text: str | None = None, buttons: tuple[Button, ...] = ()) -> None:
        """Show the final text (and buttons), whatever the interval."""
        final = self.pending if text is None else text
        if final.strip() and (final != self.shown or buttons):
            await self._show(final, buttons)

    async def _show(self, text: str, buttons: tuple[Button, ...] = ()) -> None:
        out, chat = self.turn.out, self.turn.chat
        if self.sent is None:
            self.sent = await out.send_text(chat, text, buttons)
        else:
            self.sent = await out.edit_text(chat, self.sent, text, buttons)
        self.shown = text
        self._last_edit = time.monotonic()


@dataclass
class Answer:
    """The agent's text so far: full texts, then the fragments of the one in progress."""

    fragments: list[str] = field(default_factory=list)
    full: list[str] = field(default_factory=list)
    error: StreamError | None = None

    @property
    def text(self) -> str:
        """Everything said so far."""
        return "\n\n".join([*self.full, "".join(self.fragments)]).strip()

    def add_fragment(self, text: str) -> None:
        """A fragment of the message in progress."""
        self.fragments.append(text)

    def add_full(self, text: str) -> None:
        """A whole message; it replaces the fragments that led up to it."""
        self.fragments.clear()
        self.full.append(text)


def shown(turn: Turn, text: str) -> tuple[str, tuple[GuiAction, ...]]:
    """What the user sees of the agent's text, and the GUI actions it asked for."""
    translated = translate(strip_trailing_glitch(text), turn.lang)
    return translated.text, translated.actions


class Listener:
    """Takes an agent stream's events for one turn: text into the live message, tool
    activity as the "working" indicator, and "still working" after a long silence."""

    def __init__(self, turn: Turn, live: LiveMessage, still_working_every: float) -> None:
        self.turn = turn
        self.live = live
        self.answer = Answer()
        self.still_working_every = still_working_every
        self._last_said = time.monotonic()
        self._last_working = 0.0

    async def on_event(self, event: AgentEvent) -> None:
        """Take one event."""
        if isinstance(event, StreamError):
            self.answer.error = event
        elif isinstance(event, TextFragment | FullText):
            if isinstance(event, TextFragment):
                self.answer.add_fragment(event.text)
            else:
                self.answer.add_full(event.text)
            self._last_said = time.monotonic()
            await self.live.update(shown(self.turn, self.answer.text)[0])
        elif isinstance(event, ToolCall | ToolResult | Heartbeat):
            await self._working()

    async def _working(self) -> None:
        now = time.monotonic()
        if now - self._last_working < WORKING_EVERY:
            return
        self._last_working = now
        try:
            await self.turn.out.working(self.turn.chat)
        except Exception as exc:  # decoration: the answer matters, not the indicator
            log.debug("chat %s: no working indicator: %r", self.turn.chat, exc)

    async def still_working(self) -> None:
        """Say "still working" after each long silence, until cancelled."""
        while True:
            wait = self.still_working_every - (time.monotonic() - self._last_said)
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            try:
                await self.turn.say("still_working")
            except Exception as exc:
                log.warning("chat %s: could not say still working: %r", self.turn.chat, exc)
            self._last_said = time.monotonic()

    @contextlib.asynccontextmanager
    async def ticking(self) -> AsyncIterator[None]:
        """Run `still_working` for the block."""
        ticker = asyncio.create_task(self.still_working())
        try:
            yield
        finally:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
