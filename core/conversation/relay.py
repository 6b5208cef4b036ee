"""Relaying a message to the NemoVideo agent and its answer back to the chat.

The turn shows in one live message (`streaming`): the warning that it may take a few
minutes (before a generation or an edit), the stage the agent is at, then the answer,
with a Cancel button until it is final. Silence is never the answer: an edit that
ends without text is read back from the state and described in words. A broken or
stalled stream is never re-sent (it would charge twice): the state is read on the
contract's schedule to find out what happened. Once the agent has answered, a
platform that refuses the answer never turns it into an error, nor into a second
agent call (`delivery`). The final answer offers its options as buttons
(`suggestions`): what the agent asked, the tracks a generation added by itself, or the
usual next steps.

The draft a turn starts from is the one the chat saw last (saved with its session),
read again only when that is older than `DRAFT_TRUSTED`; after the answer the state is
read only when the turn may have changed it (`_may_change`). A plain answer in words
to a chat that is talking costs one agent call.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from redis.exceptions import RedisError

from core.conversation.choices import offer
from core.conversation.delivery import deliver
from core.conversation.formats import instruction
from core.conversation.gui import GuiAction, Translated
from core.conversation.post_production import watch_post_production
from core.conversation.progress import takes_a_while
from core.conversation.projects import Projects
from core.conversation.streaming import Listener
from core.conversation.suggestions import (
    added_tracks,
    asked_options,
    generation_choices,
    next_steps,
)
from core.conversation.turn import Turn
from core.identity import Identities
from core.intents import Step
from core.locks import LockLost
from core.messages import ChatKey
from core.nemo import errors
from core.nemo.api import NemoApi
from core.nemo.draft import Draft
from core.nemo.draft_diff import describe_change
from core.nemo.events import StreamError
from core.nemo.models import Credentials
from core.outgoing import Action, Button, Sent
from core.settings import Settings
from core.store import InFlight

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]

#: seconds a draft the chat saw is taken as the project's, without reading it again
DRAFT_TRUSTED = 60.0
#: seconds the answer's record waits for a live message being sent, to name it
FIRST_SEND_WAIT = 5.0


class Relay:
    """Sends text to the agent for a turn and reports back.

    The message is recorded as in flight before it goes to the agent: by the chat's
    current event when it is a typed message (`Turn.marked_by_event`), else by a save;
    the answer is recorded (saved) before it is shown. The dispatcher clears the record
    once the step has ended, unless the process stopped in the middle: a restarted
    process then shows the recorded answer, or finds out from the state what became of
    the message (`resume`).
    """

    def __init__(self, nemo: NemoApi, identities: Identities, projects: Projects,
                 settings: Settings, *, sleep: Sleep = asyncio.sleep,
                 waiting: Callable[[ChatKey], Awaitable[bool]] | None = None) -> None:
        self.nemo = nemo
        self.identities = identities
        self.projects = projects
        self.settings = settings
        self.sleep = sleep
        #: whether a chat has messages waiting (the post-production watch gives way to them)
        self.waiting = waiting

    async def send(self, turn: Turn, step: Step) -> None:
        """One agent call, start to finish; never re-sent."""
        text = step.text
        had_project = turn.session.session_id is not None
        session_id = await self.projects.ensure(turn, persist=False)  # saved just below
        before = await self._draft_before(turn, session_id)
        turn.session.inflight = InFlight(text, time.time(), before.raw)
        if not had_project or not turn.marked_by_event:
            await turn.persist()  # a new project, or a message the event does not record
        turn.with_the_agent = True

        settings = self.settings
        listener = Listener(turn, edit_interval=settings.edit_interval,
                            still_working_every=settings.still_working_interval,
                            patience=settings.answer_delivery_patience,
                            notice=takes_a_while(text), sleep=self.sleep)
        try:
            async with listener.running():
                await self._stream(turn, session_id, instruction(turn.session, text), listener)
        except (errors.StreamInterrupted, errors.StreamTimedOut) as exc:
            if listener.answer.has_text:
                await listener.live.finish(listener.answer.shown().text)
            timed_out = isinstance(exc, errors.StreamTimedOut)
            log.info("chat %s: agent stream %s", turn.chat,
                     "timed out" if timed_out else "broke")
            await self.recover(turn, turn.session.inflight, interrupted=not timed_out,
                               answered=listener.answer.has_text)
            return
        await self._finish(turn, session_id, before, listener)
        if listener.generated and self.waiting is not None:
            await watch_post_production(
                turn, session_id, self.settings.post_production_watch, waiting=self.waiting,
                read=lambda creds: self.nemo.state(creds, session_id),
                identities=self.identities, notify=self._notify)

    async def _answered(self, turn: Turn, listener: Listener, text: str) -> None:
        """The answer is about to be shown as `text`: record it first, so a process that
        stops meanwhile leaves the answer to show, not a message to look for."""
        inflight, live = turn.session.inflight, listener.live
        if inflight is None or not text.strip():
            return
        inflight.answer = text
        recorded = await live.quiet(FIRST_SEND_WAIT)
        self._shown_in(turn, inflight, text, recorded)
        await self._record(turn)
        if recorded is None:
            await live.stop()  # a first send still under way ends here
            if live.sent is not None:  # the record names the message it made
                self._shown_in(turn, inflight, text, live.sent)
                await self._record(turn)

    @staticmethod
    def _shown_in(turn: Turn, inflight: InFlight, text: str, sent: Sent | None) -> None:
        """The answer's record: shown as `text` in the message `sent` (None: in a message
        still to come), as it reads there (a welcome above it, say)."""
        inflight.shown_in = sent.message_id if sent is not None else None
        inflight.answer = turn.out.as_shown(text, inflight.shown_in)

    async def _record(self, turn: Turn) -> None:
        """Save the answer's record; the answer is shown all the same when it fails."""
        try:
            await turn.persist()
        except (RedisError, LockLost) as exc:
            log.warning("chat %s: the agent's answer was not recorded before being shown: %r",
                        turn.chat, exc)

    async def resume(self, turn: Turn, step: Step) -> None:
        """A message was with the agent when a process stopped: show the answer it had
        given, or find out what happened."""
        inflight = turn.session.inflight
        if inflight is None:
            return
        if inflight.answer:
            await self._show_answer(turn, inflight.answer, inflight.shown_in)
            return
        await self._notify(turn, turn.text("resumed", text=inflight.text[:80]))
        await self.recover(turn, inflight, interrupted=True, told=True)

    async def _stream(self, turn: Turn, session_id: str, text: str,
                      listener: Listener) -> None:
        async def run(creds: Credentials) -> None:
            try:
                await once(creds)
            except errors.RateLimited as exc:  # refused before anything was processed
                if not exc.waitable or exc.retry_after is None:
                    raise
                log.warning("chat %s: NemoVideo is rate limiting the agent; retrying once "
                            "in %.0f s", turn.chat, exc.retry_after)
                if exc.retry_after >= 1:
                    await self._notify(turn, turn.text("busy_retrying",
                                                       seconds=f"{exc.retry_after:.0f}"))
                await self.sleep(exc.retry_after)
                await once(creds)

        async def once(creds: Credentials) -> None:
            async with self.nemo.run_sse(creds, session_id, text) as events:
                async for event in events:
                    await listener.on_event(event)

        await self.identities.call(turn.chat, run)

    async def _finish(self, turn: Turn, session_id: str, before: Draft,
                      listener: Listener) -> None:
        """The agent has answered (and charged): show the answer, whatever happens."""
        answer, live = listener.answer, listener.live
        after = await self._draft_after(turn, session_id) if _may_change(listener) else before
        if after is not None and after is not before:
            turn.session.draft, turn.session.draft_at = after.raw, time.time()
        change = describe_change(before, after, turn.lang) if after is not None else None
        shown = answer.shown() if answer.has_text else Translated("")
        text, actions = shown.text, shown.actions
        turn.answered = True  # all that is left is showing it

        problem = await self._problem(turn, answer.error, bool(text)) if answer.error else None
        if problem is not None and not text:
            # the request failed: a change seen since the last read is not its doing
            # (the backend may have finished an earlier generation by itself)
            shown_text = "\n\n".join(p for p in (problem, change) if p)
            await self._answered(turn, listener, shown_text)
            await live.finish(shown_text)
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
            parts.extend(await self._credits(turn))
        lines, buttons = self._options(turn, text, before, after, change, actions,
                                       listener.generated)
        parts.extend(lines)
        if problem is not None:
            parts.append(problem)
        final = "\n\n".join(p for p in parts if p)
        await self._answered(turn, listener, final)
        await live.finish(final, buttons)

    async def _problem(self, turn: Turn, error: StreamError, after_words: bool) -> str:
        """What to say of an error the agent reported in its stream: out of credits
        (the contract's 2001) as such, anything else as a problem with the request (after
        words of the agent's own: they may be cut short)."""
        log.warning("chat %s: agent error frame: %s", turn.chat, error.message[:200])
        if str(error.code) != str(errors.OutOfCredits.code):
            return turn.text("agent_error_partial" if after_words else "agent_error")
        try:
            creds = await self.identities.credentials(turn.chat)
        except Exception as exc:  # who the user is only shapes the advice
            log.info("chat %s: out of credits, user unknown: %r", turn.chat, exc)
            creds = None
        if creds is not None and self.identities.is_operators(creds):
            return turn.text("err_no_credits_operator")
        user_id = creds.user_id if creds is not None else None
        if user_id and user_id.startswith("anon_"):
            return turn.text("err_no_credits_anonymous", url=self.nemo.registration_url(user_id))
        return turn.text("err_no_credits")

    def _options(self, turn: Turn, text: str, before: Draft, after: Draft | None,
                 change: str | None, actions: tuple[GuiAction, ...],
                 generated: bool) -> tuple[list[str], tuple[Button, ...]]:
        """Lines to add to the answer and its buttons: what the agent asked, else what a
        generation added by itself, else the next steps after an edit. No Export button
        while the project has nothing to export (the agent may mention exporting)."""
        project = after if after is not None else before
        export = turn.buttons(Action.EXPORT) if project.is_exportable else ()
        asked = asked_options(turn, text) if text else []
        if asked:
            return [], offer(turn, asked) + (export if GuiAction.EXPORT in actions else ())
        added = added_tracks(before, after) if generated and after is not None else []
        if added:
            line, options = generation_choices(turn, added)
            return [line], offer(turn, options) + export
        if change and after is not None:
            line, options = next_steps(turn, after)
            return [line], offer(turn, options) + export
        return [], export if GuiAction.EXPORT in actions else ()

    async def _credits(self, turn: Turn) -> list[str]:
        """The balance line the agent's answer asked for; nothing when it is unavailable
        (the answer is shown all the same)."""
        try:
            balance = await self.identities.call(turn.chat, self.nemo.credits)
        except Exception as exc:
            log.info("chat %s: no balance to show with the answer: %r", turn.chat, exc)
            return []
        return [turn.text("credits", **balance.texts())]

    async def _draft_before(self, turn: Turn, session_id: str) -> Draft:
        """The draft the message starts from: the one the chat saw last, read again when
        it is older than `DRAFT_TRUSTED` (it may have been edited elsewhere since, in the
        web editor)."""
        session = turn.session
        if time.time() - session.draft_at <= DRAFT_TRUSTED:
            return session.last_draft
        draft = await self._draft(turn, session_id)
        if draft is None:
            return session.last_draft
        session.draft, session.draft_at = draft.raw, time.time()
        return draft

    async def _draft(self, turn: Turn, session_id: str) -> Draft | None:
        """The project's draft (None: unavailable for now; other failures are the
        caller's)."""
        try:
            state = await self.identities.call(turn.chat,
                                               lambda c: self.nemo.state(c, session_id))
        except (errors.ServerError, errors.NemoConnectionError, errors.RateLimited):
            log.info("chat %s: state unavailable", turn.chat)
            return None
        return state.draft

    async def _draft_after(self, turn: Turn, session_id: str) -> Draft | None:
        """The draft once the agent has the message: no failure may end the turn now (it
        would be reported as an error, or retried on a new project: a second call)."""
        try:
            return await self._draft(turn, session_id)
        except Exception as exc:
            log.warning("chat %s: state unreadable after the agent's answer: %r", turn.chat, exc)
            return None

    async def _show_answer(self, turn: Turn, answer: str, shown_in: str | None) -> None:
        """Show an answer a stopped process had (in its live message, which may show part
        of it already)."""
        log.info("chat %s: the agent had answered before the restart; showing the answer",
                 turn.chat)
        if shown_in is not None:
            try:
                await turn.out.edit_text(turn.chat, Sent(shown_in), answer)
                return
            except Exception as exc:  # gone or refused: the answer comes as a new message
                log.info("chat %s: the live message could not show the answer: %r",
                         turn.chat, exc)
        await self._notify(turn, answer)

    async def _notify(self, turn: Turn, text: str, buttons: tuple[Button, ...] = ()) -> None:
        """Send a notice about a message the agent already has, retried (`delivery`)."""
        await deliver(turn.chat, "a notice", lambda: turn.send(text, buttons),
                      patience=self.settings.answer_delivery_patience, sleep=self.sleep,
                      text=text)

    async def recover(self, turn: Turn, inflight: InFlight | None, *,
                      interrupted: bool, answered: bool = False, told: bool = False) -> None:
        """The stream broke or stalled: read the state on the contract's schedule.
        `answered`: the agent's words so far are shown (a project that stays as it was
        then says the answer may be cut short, not that the request failed). A stall
        (not `interrupted`) reads it once, before saying anything: a request that went
        through is not first called one to send again. `told`: the user already knows a
        check is under way (a restart said so), rather than a dropped connection."""
        settings = self.settings
        sleep = self.sleep
        before = Draft.from_raw(inflight.draft_before if inflight else turn.session.draft)
        session_id = turn.session.session_id
        if session_id is None:
            return
        reads, first = 1, 0.0
        if interrupted:
            if not told:
                await self._notify(turn, turn.text("recovering"))
            reads, first = settings.recovery_reads, settings.recovery_first_wait
        for attempt in range(reads):
            await sleep(first if attempt == 0 else settings.recovery_wait)
            after = await self._draft_after(turn, session_id)
            if after is None:
                continue
            change = describe_change(before, after, turn.lang)
            if change:
                turn.session.draft, turn.session.draft_at = after.raw, time.time()
                text = turn.text("recovered", changes=change)
                summary = after.summary(turn.lang)
                if after.is_exportable and summary not in change:  # a first timeline is
                    text += "\n" + summary  # described by its summary already
                await self._notify(turn, text, turn.buttons(Action.EXPORT, Action.STATUS))
                return
        if not interrupted:
            await self._notify(turn, turn.text("timed_out"))
        else:
            await self._notify(turn, turn.text("recovery_unchanged" if answered
                                               else "recovery_failed"))


def _may_change(listener: Listener) -> bool:
    """Whether the turn may have changed the timeline, so the state must be read: the
    agent used a tool, said nothing (a silent edit), failed, or asked to show the state.
    A plain answer in words changes nothing: the draft stays as it was."""
    answer = listener.answer
    return (listener.touched or not answer.has_text or answer.error is not None
            or GuiAction.SHOW_STATE in answer.shown().actions)
