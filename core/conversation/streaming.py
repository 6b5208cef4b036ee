"""The agent's turn as the user watches it: one live message that tells the truth while
the agent works, then grows into its answer.

Before a generation or an edit the live message says it may take a few minutes; while
no text has come it names what the agent is doing (from its tool calls); then it shows
the answer so far (`live_text`), with a Cancel button until the answer is final. The
message is painted from a task of its own, at most once per interval: a slow or
refusing platform never holds up the agent's stream, and a failed paint is logged and
painted again at the next change. The first paint waits one interval too: an answer
complete by then is sent whole, in one message (no edit), and the "typing…" indicator is
shown only to a user who has waited that long with nothing to read. While the platform
would hold a paint back for longer than an interval (the bot is at its rate limit),
nothing is painted until the answer: a progress message then only costs the others
time. "Still working" is said after each long silence.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from core.conversation import answer_texts  # noqa: F401  (registers the texts)
from core.conversation.delivery import deliver
from core.conversation.gui import Translated
from core.conversation.live_text import AnswerText
from core.conversation.progress import stage_key
from core.conversation.turn import Turn
from core.nemo.events import (
    AgentEvent,
    FullText,
    Heartbeat,
    StateDelta,
    StreamError,
    TextFragment,
    ToolCall,
    ToolResult,
)
from core.outgoing import Action, Button, Sent, Unreachable

log = logging.getLogger(__name__)

WORKING_EVERY = 4.0  # seconds between "working" indicators (Telegram's lasts 5 s)

Sleep = Callable[[float], Awaitable[None]]
View = tuple[str, tuple[Button, ...]]


class LiveMessage:
    """One chat message that shows `view()` (text and buttons), painted in the background
    at most once per `interval` after each `changed()` (the first time one `interval`
    after `start`, and not while `settling()`: the answer is about to be whole), and
    finally `finish`ed."""

    def __init__(self, turn: Turn, interval: float, view: Callable[[], View], *,
                 patience: float, sleep: Sleep = asyncio.sleep,
                 settling: Callable[[], bool] = lambda: False) -> None:
        self.turn = turn
        self.interval = interval
        self.view = view
        self.settling = settling
        self.patience = patience
        self.sleep = sleep
        self.sent: Sent | None = None
        self.shown: View | None = None
        #: the platform refused a message for good: nothing more is sent to the chat
        self.gone = False
        self._last = -math.inf
        self._dirty = asyncio.Event()
        self._lock = asyncio.Lock()
        self._painter: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start painting changes, the first one `interval` from now."""
        if self._painter is None:
            self._last = time.monotonic()
            self._painter = asyncio.create_task(self._paint(), name=f"live {self.turn.chat}")

    @property
    def painting(self) -> bool:
        """Whether a paint is being sent now."""
        return self._lock.locked()

    async def quiet(self, within: float) -> Sent | None:
        """Let no new paint start, and return the message shown so far: a first send under
        way is waited for (at most `within` seconds) so that its message is known; an edit
        under way is not (it may hang: `finish` waits for it)."""
        if self.sent is None and self.painting:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(within), self._lock:
                    pass
        if not self.painting:
            await self.stop()
        return self.sent

    def changed(self) -> None:
        """Something the view shows changed: paint it when the interval allows."""
        self._dirty.set()

    def congested(self) -> bool:
        """Whether a paint would wait longer than an interval for the platform's limits
        (then it is not worth a message: the answer comes first)."""
        return self.turn.out.backlog(self.turn.chat) > self.interval

    async def _paint(self) -> None:
        while True:
            await self._dirty.wait()
            wait = self._last + self.interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if self.congested() or (self.sent is None and self.settling()):
                self._last = time.monotonic()
                continue
            self._dirty.clear()
            async with self._lock:
                await self._try()
            if self.gone:
                return

    async def _try(self) -> None:
        try:
            await self._show(*self.view())
        except Unreachable as exc:
            self.gone = True
            log.warning("chat %s: the live message was not sent, the chat takes no message: "
                        "%s", self.turn.chat, exc)
        except Exception as exc:  # painted again at the next change; the answer is retried
            self._last = time.monotonic()
            log.warning("chat %s: the live message was not updated: %r", self.turn.chat, exc)

    async def _show(self, text: str, buttons: tuple[Button, ...]) -> bool:
        if not text.strip() or (text, buttons) == self.shown:
            return True
        out, chat = self.turn.out, self.turn.chat
        if self.sent is None:
            self.sent = await out.send_text(chat, text, buttons)
        else:
            self.sent = await out.edit_text(chat, self.sent, text, buttons)
        self.shown = (text, buttons)
        self._last = time.monotonic()
        return True

    async def stop(self) -> None:
        """Stop painting (after the paint in progress, if any)."""
        painter, self._painter = self._painter, None
        if painter is None:
            return
        async with self._lock:
            painter.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await painter

    async def finish(self, text: str, buttons: tuple[Button, ...] = ()) -> bool:
        """Show the final text and buttons (without text: what is shown, without its
        buttons), retried while the platform refuses (`delivery`). False when it was
        given up."""
        await self.stop()
        if self.gone:
            return False
        if not text.strip():
            if self.shown is None or not self.shown[1]:
                return True
            text = self.shown[0]
        delivered = await deliver(self.turn.chat, "the answer", lambda: self._show(text, buttons),
                                  patience=self.patience, sleep=self.sleep, text=text)
        return bool(delivered)

    async def abandon(self, *, at_once: bool) -> None:
        """The turn stops: stop painting (`at_once`: without waiting for a paint in
        progress) and take the buttons off what is shown."""
        if at_once:
            painter, self._painter = self._painter, None
            if painter is not None:
                painter.cancel()
        else:
            await self.stop()
        if self.gone or self.sent is None or self.shown is None or not self.shown[1]:
            return
        try:
            self.sent = await self.turn.out.edit_text(self.turn.chat, self.sent, self.shown[0])
            self.shown = (self.shown[0], ())
        except Exception as exc:
            log.info("chat %s: the Cancel button could not be taken off: %r", self.turn.chat, exc)


class Answer:
    """The agent's answer so far, and the error frame that ended it, if any."""

    def __init__(self, language: str) -> None:
        self.text = AnswerText(language)
        self.error: StreamError | None = None
        self._shown: Translated | None = None
        #: when the last whole message came (None: text came since, or none yet)
        self.whole_at: float | None = None

    @property
    def has_text(self) -> bool:
        """Whether the agent said anything."""
        return self.text.has_text

    def add(self, event: TextFragment | FullText) -> None:
        """A fragment or a whole message."""
        if isinstance(event, TextFragment):
            self.text.add_fragment(event.text)
            self.whole_at = None
        else:
            self.text.add_full(event.text)
            self.whole_at = time.monotonic()
        self._shown = None

    def shown(self) -> Translated:
        """What the user sees of it (see `live_text`), and the GUI actions it asks for."""
        if self._shown is None:
            self._shown = self.text.shown()
        return self._shown


class Listener:
    """Takes an agent stream's events for one turn into its live message: the answer,
    the stage from tool calls, the "working" indicator, "still working" after a long
    silence. `notice`: say first that it may take a few minutes."""

    def __init__(self, turn: Turn, *, edit_interval: float, still_working_every: float,
                 patience: float, notice: bool = False, sleep: Sleep = asyncio.sleep) -> None:
        self.turn = turn
        self.answer = Answer(turn.lang)
        self.notice = notice
        self.stage: str | None = None
        self.tools: list[str] = []
        self.still_working_every = still_working_every
        self.live = LiveMessage(turn, edit_interval, self.view, patience=patience, sleep=sleep,
                                settling=self.settling)
        [self.cancel] = turn.buttons(Action.CANCEL)
        self._last_said = time.monotonic()
        #: no indicator before the first paint is due: a quick answer needs none
        self._last_working = time.monotonic() + edit_interval - WORKING_EVERY
        self._first_wait = edit_interval
        #: the agent used a tool (or said its state changed): the timeline may have changed
        self.touched = False

    def view(self) -> View:
        """What the live message shows now: the answer, else the notice and the stage."""
        if self.answer.has_text:
            return self.answer.shown().text, (self.cancel,)
        lines = [self.turn.text("takes_minutes")] if self.notice else []
        if self.stage is not None:
            lines.append(self.turn.text(self.stage))
        return "\n".join(lines), (self.cancel,)

    def settling(self) -> bool:
        """Whether a whole message came within the last interval: the stream is likely
        about to end, and the answer is better shown once, whole."""
        came = self.answer.whole_at
        return came is not None and time.monotonic() - came < self.live.interval

    @property
    def generated(self) -> bool:
        """Whether the agent generated a video in this turn."""
        return any(stage_key(name) == "stage_generating" for name in self.tools)

    async def on_event(self, event: AgentEvent) -> None:
        """Take one event."""
        if isinstance(event, StreamError):
            self.answer.error = event
        elif isinstance(event, TextFragment | FullText):
            self.answer.add(event)
            self._last_said = time.monotonic()
            self.live.changed()
        elif isinstance(event, StateDelta):
            self.touched = True
        elif isinstance(event, ToolCall | ToolResult | Heartbeat):
            await self._on_work(event)

    async def _on_work(self, event: ToolCall | ToolResult | Heartbeat) -> None:
        """A tool called or finished, or the backend's heartbeat: the agent is working."""
        self.touched = self.touched or not isinstance(event, Heartbeat)
        if isinstance(event, ToolCall):
            self.tools.append(event.name)
            if not self.answer.has_text:  # what it is doing, until there are words to show
                self.stage = stage_key(event.name)
                self.live.changed()
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

    async def first_working(self) -> None:
        """Show the "working" indicator once the first paint is due, when there is still
        nothing to read (a quick answer gets none)."""
        await asyncio.sleep(self._first_wait)
        if self.live.sent is None and (not self.view()[0].strip() or self.live.congested()):
            await self._working()

    async def _tick(self) -> None:
        await self.first_working()
        await self.still_working()

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
    async def running(self) -> AsyncIterator[None]:
        """Paint the live message (the notice once the first paint is due: it never holds
        up the agent's call), show the indicator when nothing is painted by then, and say
        "still working" for the block; a block that fails or is cancelled leaves the
        message without buttons."""
        if self.notice:
            self.live.changed()
        self.live.start()
        ticker = asyncio.create_task(self._tick())
        try:
            yield
        except asyncio.CancelledError:
            await self.live.abandon(at_once=True)
            raise
        except Exception:
            await self.live.abandon(at_once=False)
            raise
        finally:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
