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

from core.conversation.formats import instruction
from core.conversation.gui import GuiAction
from core.conversation.projects import Projects
from core.conversation.streaming import Answer, Listener, LiveMessage, shown
from core.conversation.turn import Turn
from core.identity import Identities
from core.intents import Step
from core.nemo import errors
from core.nemo.api import NemoApi
from core.nemo.draft import Draft
from core.nemo.draft_diff import describe_change
from core.nemo.models import Credentials
from core.outgoing import Action, Button
from core.settings import Settings
from core.store import InFlight

log = logging.getLogger(__name__)

#: the buttons under an edit's answer (labelled per turn: `Turn.buttons`)
AFTER_EDIT = (Action.EXPORT, Action.STATUS)

Sleep = Callable[[float], Awaitable[None]]


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
        listener = Listener(turn, live, self.settings.still_working_interval)
        answer = listener.answer
        await turn.out.working(turn.chat)
        try:
            await self._stream(turn, session_id, instruction(turn.session, text), listener)
        except (errors.StreamInterrupted, errors.StreamTimedOut) as exc:
            if answer.text:
                await live.flush(shown(turn, answer.text)[0])
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
                      listener: Listener) -> None:
        async def run(creds: Credentials) -> None:
            async with self.nemo.run_sse(creds, session_id, text) as events:
                async for event in events:
                    await listener.on_event(event)

        async with listener.ticking():
            await self.identities.call(turn.chat, run)

    async def _finish(self, turn: Turn, session_id: str, before: Draft,
                      live: LiveMessage, answer: Answer) -> None:
        after = await self._draft(turn, session_id)
        if after is not None:
            turn.session.draft = after.raw
        change = describe_change(before, after, turn.lang) if after is not None else None
        text, actions = shown(turn, answer.text) if answer.text else ("", ())

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
            summary = after.summary(turn.lang)
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
            buttons = turn.buttons(*AFTER_EDIT)
        elif GuiAction.EXPORT in actions:
            buttons = turn.buttons(Action.EXPORT)
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
            change = describe_change(before, after, turn.lang)
            if change:
                turn.session.draft = after.raw
                text = turn.text("recovered", changes=change)
                if after.is_exportable:
                    text += "\n" + after.summary(turn.lang)
                await turn.send(text, turn.buttons(*AFTER_EDIT))
                return
        if interrupted:
            await turn.say("recovery_failed")
