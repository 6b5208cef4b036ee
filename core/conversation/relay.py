"""Relaying a message to the NemoVideo agent and its answer back to the chat.

Text streams into one message, edited at most once per `edit_interval`. Tool
activity shows only as the "working" indicator. Silence is never the answer:
an edit that ends without text is read back from the state and described in
words. A broken or stalled stream is never re-sent (it would charge twice):
the state is read on the contract's schedule to find out what happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from core.conversation.gui import GuiAction, strip_trailing_glitch, translate
from core.conversation.projects import Projects
from core.conversation.turn import Turn
from core.identity import Identities
from core.intents import Step
from core.nemo import errors
from core.nemo.api import NemoApi
from core.nemo.draft import Draft, describe_change
from core.nemo.events import FullText, Heartbeat, StreamError, TextFragment, ToolCall, ToolResult
from core.nemo.models import Credentials
from core.outgoing import Action, Button, Sent
from core.settings import Settings
from core.store import InFlight

log = logging.getLogger(__name__)

WORKING_EVERY = 4.0  # seconds between "working" indicators (Telegram's lasts 5 s)
AFTER_EDIT = (Button("Export", Action.EXPORT), Button("Status", Action.STATUS))

Sleep = Callable[[float], Awaitable[None]]


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
class _Answer:
    fragments: list[str] = field(default_factory=list)
    full: list[str] = field(default_factory=list)
    error: StreamError | None = None

    @property
    def text(self) -> str:
        return "\n\n".join([*self.full, "".join(self.fragments)]).strip()

    def add_fragment(self, text: str) -> None:
        self.fragments.append(text)

    def add_full(self, text: str) -> None:
        # a full text replaces the fragments that led up to it
        self.fragments.clear()
        self.full.append(text)


class Relay:
    """Sends text to the agent for a turn and reports back.

    The message is recorded as in flight (and saved) before it goes to the agent;
    the dispatcher clears the record once the step has ended, unless the process
    stopped in the middle: a restarted process then finds out from the state what
    became of the message (`resume`).
    """

    def __init__(self, nemo: NemoApi, identities: Identities, projects: Projects,
                 settings: Settings, *, sleep: Sleep = asyncio.sleep) -> None:
        self.nemo = nemo
        self.identities = identities
        self.projects = projects
        self.settings = settings
        self.sleep = sleep

    async def send(self, turn: Turn, step: Step) -> None:
        """One agent call, start to finish; never re-sent."""
        text = step.text
        session_id = await self.projects.ensure(turn)
        before = await self._draft(turn, session_id) or turn.session.last_draft
        turn.session.draft = before.raw
        turn.session.inflight = InFlight(text, time.time(), before.raw)
        await turn.persist()

        live = LiveMessage(turn, self.settings.edit_interval)
        answer = _Answer()
        await turn.out.working(turn.chat)
        try:
            await self._stream(turn, session_id, text, live, answer)
        except (errors.StreamInterrupted, errors.StreamTimedOut) as exc:
            if answer.text:
                await live.flush(self._shown(turn, answer.text)[0])
            timed_out = isinstance(exc, errors.StreamTimedOut)
            log.info("chat %s: agent stream %s", turn.chat,
                     "timed out" if timed_out else "broke")
            await self.recover(turn, turn.session.inflight, interrupted=not timed_out)
            return
        await self._finish(turn, session_id, before, live, answer)

    async def resume(self, turn: Turn, step: Step) -> None:
        """A message was with the agent when a process stopped: find out what happened."""
        inflight = turn.session.inflight
        if inflight is None:
            return
        await turn.say("resumed", text=inflight.text[:80])
        await self.recover(turn, inflight, interrupted=True)

    async def _stream(self, turn: Turn, session_id: str, text: str,
                      live: LiveMessage, answer: _Answer) -> None:
        settings = self.settings
        last_said = time.monotonic()
        last_working = 0.0

        async def still_working() -> None:
            nonlocal last_said
            while True:
                wait = settings.still_working_interval - (time.monotonic() - last_said)
                if wait > 0:
                    await asyncio.sleep(wait)
                    continue
                with contextlib.suppress(Exception):
                    await turn.say("still_working")
                last_said = time.monotonic()

        async def run(creds: Credentials) -> None:
            nonlocal last_said, last_working
            async with self.nemo.run_sse(creds, session_id, text) as events:
                async for event in events:
                    if isinstance(event, TextFragment):
                        answer.add_fragment(event.text)
                    elif isinstance(event, FullText):
                        answer.add_full(event.text)
                    elif isinstance(event, StreamError):
                        answer.error = event
                        continue
                    if isinstance(event, TextFragment | FullText):
                        last_said = time.monotonic()
                        await live.update(self._shown(turn, answer.text)[0])
                    elif isinstance(event, ToolCall | ToolResult | Heartbeat):
                        now = time.monotonic()
                        if now - last_working >= WORKING_EVERY:
                            last_working = now
                            with contextlib.suppress(Exception):
                                await turn.out.working(turn.chat)

        ticker = asyncio.create_task(still_working())
        try:
            await self.identities.call(turn.chat, run)
        finally:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker

    def _shown(self, turn: Turn, text: str) -> tuple[str, tuple[GuiAction, ...]]:
        translated = translate(strip_trailing_glitch(text), turn.lang)
        return translated.text, translated.actions

    async def _finish(self, turn: Turn, session_id: str, before: Draft,
                      live: LiveMessage, answer: _Answer) -> None:
        after = await self._draft(turn, session_id)
        if after is not None:
            turn.session.draft = after.raw
        change = describe_change(before, after) if after is not None else None
        text, actions = self._shown(turn, answer.text) if answer.text else ("", ())

        if answer.error is not None and not text:
            log.warning("chat %s: agent error frame: %s", turn.chat, answer.error.message[:200])
            if change:
                await turn.send(turn.text("edit_done", changes=change))
            else:
                await turn.say("agent_error")
            return

        parts = [text] if text else []
        if not text:
            # a silent edit: say what changed, in words, with the timeline
            parts.append(turn.text("edit_done", changes=change) if change
                         else turn.text("edit_nothing_changed"))
        if after is not None and after.is_exportable and (
                change or GuiAction.SHOW_STATE in actions):
            summary = after.summary()
            if summary not in "\n".join(parts):
                parts.append(summary)
        if GuiAction.SHOW_CREDITS in actions:
            with contextlib.suppress(errors.NemoError):
                balance = await self.identities.call(turn.chat, self.nemo.credits)
                parts.append(turn.text("credits", available=balance.available,
                                       frozen=balance.frozen, total=balance.total))
        buttons: tuple[Button, ...] = ()
        if change and after is not None:
            parts.append(self._next_steps(turn, after))
            buttons = AFTER_EDIT
        elif GuiAction.EXPORT in actions:
            buttons = (Button("Export", Action.EXPORT),)
        await live.flush("\n\n".join(p for p in parts if p), buttons)

    def _next_steps(self, turn: Turn, draft: Draft) -> str:
        kinds = {track.kind for track in draft.tracks}
        steps = []
        if "text" not in kinds:
            steps.append(turn.text("step_title"))
        if "audio" not in kinds:
            steps.append(turn.text("step_music"))
        if len(steps) < 2 and draft.duration_ms > 15_000:
            steps.append(turn.text("step_trim"))
        steps.append(turn.text("step_export"))
        return turn.text("next_steps", steps=" · ".join(steps[:3]))

    async def _draft(self, turn: Turn, session_id: str) -> Draft | None:
        try:
            state = await self.identities.call(turn.chat,
                                               lambda c: self.nemo.state(c, session_id))
        except (errors.ServerError, errors.NemoConnectionError, errors.RateLimited):
            log.info("chat %s: state unavailable", turn.chat)
            return None
        return state.draft

    async def recover(self, turn: Turn, inflight: InFlight | None, *,
                      interrupted: bool) -> None:
        """The stream broke or stalled: read the state on the contract's schedule."""
        settings = self.settings
        sleep = self.sleep
        before = Draft.from_raw(inflight.draft_before if inflight else turn.session.draft)
        session_id = turn.session.session_id
        if session_id is None:
            return
        if not interrupted:
            await turn.say("timed_out")
            reads, first = 1, 0.0
        else:
            await turn.say("recovering")
            reads, first = settings.recovery_reads, settings.recovery_first_wait
        for attempt in range(reads):
            await sleep(first if attempt == 0 else settings.recovery_wait)
            after = await self._draft(turn, session_id)
            if after is None:
                continue
            change = describe_change(before, after)
            if change:
                turn.session.draft = after.raw
                text = turn.text("recovered", changes=change)
                if after.is_exportable:
                    text += "\n" + after.summary()
                await turn.send(text, AFTER_EDIT)
                return
        if interrupted:
            await turn.say("recovery_failed")
