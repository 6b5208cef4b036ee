"""Running a chat's events under its lock, step by step, and finishing what a stopped
holder left (`resume`).

Each step runs in a task of its own, so `/cancel` or a lost lock can stop it; the
chat's state is saved after each event (marking the event done in the same step). An
event being handled stays the chat's `current` event in Redis until it is done: a
typed message's step that was there when its process stopped may be with the agent,
and is recovered, never sent again; a message in flight with the agent is recovered
from its record; an interrupted upload is reported; anything else runs again (an
export finds the render it started, see `Renders.export`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from functools import partial

from redis.exceptions import RedisError

from core import i18n
from core.aio import end_tasks
from core.conversation.failures import FailureReplies
from core.conversation.middleware import StepCall
from core.conversation.turn import Turn, language_of, notify
from core.inbox import ChatEvent, Inbox
from core.intents import Intent, Step
from core.locks import ChatLock, LockLost
from core.messages import ChatKey, IncomingMessage, User
from core.outgoing import Outgoing, Replying
from core.store import ChatSession, InFlight, SessionStore

log = logging.getLogger(__name__)

#: how long the final save of an event is retried through a Redis outage
SAVE_PATIENCE = 30.0
#: steps that may leave a message in flight with the agent (an option chosen is one)
_WITH_THE_AGENT = frozenset({Intent.AGENT, Intent.CHOOSE})


class EventRunner:
    """Runs a chat's events under its lock (the dispatcher holds it).

    `on_step` is the middlewares' chain around the handlers; `running` and `turns` show
    the step each chat is running (for `/cancel` and the queue notices).
    """

    def __init__(self, *, inbox: Inbox, sessions: SessionStore, out: Outgoing,
                 on_step: StepCall, failures: FailureReplies,
                 running: dict[ChatKey, asyncio.Task[None]],
                 turns: dict[ChatKey, Turn]) -> None:
        self.inbox = inbox
        self.sessions = sessions
        self.out = out
        self.on_step = on_step
        self.failures = failures
        self.running = running
        self.turns = turns
        self.save_patience = SAVE_PATIENCE
        #: typed messages whose step failed on Redis before reaching the agent
        self._unsent: set[tuple[ChatKey, str]] = set()

    async def run_event(self, event: ChatEvent, session: ChatSession,
                         lock: ChatLock) -> ChatSession:
        message = event.message
        if message.user.language:
            session.language = i18n.nemo_language(message.user.language)
        turn = self.turn(message, session, lock)
        for index in range(event.done, len(event.steps)):
            if index > event.done:
                await self.inbox.advance(event.advanced(index))
                await turn.persist()  # a done step's in-flight record must not be resumed
            if not await self.run_step(turn, event.steps[index], lock) or turn.rest_moot:
                break
        await self.save_final(turn, lock, finish=True, release=True)
        await self._after_save(turn)
        return turn.session

    @staticmethod
    async def _after_save(turn: Turn) -> None:
        """Run what the event's steps left for after its save (the catalog's entry)."""
        work, turn.after_save = turn.after_save, []
        for run in work:
            try:
                await run()
            except Exception as exc:  # a listing missed is no reason to fail the event
                log.warning("chat %s: after the save: %r", turn.chat, exc)

    def turn(self, message: IncomingMessage, session: ChatSession, lock: ChatLock) -> Turn:
        saver = partial(self.sessions.save, message.chat, lock=lock)
        return Turn(message, session, language_of(message, session),
                    Replying(self.out, message.message_id), saver)

    async def run_step(self, turn: Turn, step: Step, lock: ChatLock) -> bool:
        """Run one step in its own task, so `/cancel` or a lost lock can stop it.
        True when it succeeded. If this process stops meanwhile, the step is stopped and
        the in-flight record stays for the next process."""
        turn.marked_by_event = step.intent is Intent.AGENT
        turn.with_the_agent = False
        task = asyncio.create_task(self._step(turn, step), name=f"{step.intent} {turn.chat}")
        lost = asyncio.create_task(lock.lost.wait())
        self.running[turn.chat], self.turns[turn.chat] = task, turn
        try:
            await asyncio.wait({task, lost}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            await end_tasks({task}, what="step")
            raise
        finally:
            lost.cancel()
            self.running.pop(turn.chat, None)
            self.turns.pop(turn.chat, None)
        if not task.done():
            await end_tasks({task}, what="step")
            raise LockLost(str(turn.chat))
        turn.session.inflight = None
        if task.cancelled():
            await notify(turn.out, turn.chat, turn.text("stopped"))
            return False
        exc = task.exception()
        if isinstance(exc, LockLost | RedisError):
            if turn.marked_by_event and not turn.with_the_agent:  # run again when resumed here
                self._unsent.add((turn.chat, turn.message.message_id))
            raise exc  # the event stays current: resumed once Redis (or the lock) is back
        if exc is not None:
            await self.failures.report(turn, exc)
            return False
        return True

    async def _step(self, turn: Turn, step: Step) -> None:
        await self.on_step(turn, step)

    async def save_final(self, turn: Turn, lock: ChatLock, *, finish: bool = False,
                          release: bool = False) -> None:
        """Save after an event (with `finish`: and mark the chat's current event done, in
        the same step; with `release` too: and release the lock when nothing waits),
        riding out a Redis outage of up to `save_patience` seconds (a lost save would
        bring back a stale in-flight record)."""
        await self.sessions.save_patiently(turn.chat, turn.session, lock=lock, finish=finish,
                                           release=release, patience=self.save_patience)

    async def resume(self, chat: ChatKey, interrupted: ChatEvent | None,
                      session: ChatSession, lock: ChatLock) -> ChatSession:
        """Finish what a stopped holder left: a message with the agent is recovered (never
        re-sent), an interrupted upload is reported, anything else is run again (an
        export finds the render it started, see `Renders.export`)."""
        message = (interrupted.message if interrupted is not None
                   else IncomingMessage(chat, User("", "", session.language), ""))
        turn = self.turn(message, session, lock)
        step = interrupted.remaining[0] if interrupted and interrupted.remaining else None
        skip = 0
        if session.inflight is None and step is not None and step.intent is Intent.AGENT:
            sent = (chat, message.message_id) not in self._unsent
            self._unsent.discard((chat, message.message_id))
            # the event records it: it may be with the agent, unless the chat has no
            # project (one is saved before the agent is called): then it is run again
            if sent and session.session_id:
                session.inflight = InFlight(step.text, time.time(), dict(session.draft))
        if session.inflight is not None:
            log.info("chat %s: resuming a message that was with the agent", chat)
            await self.run_step(turn, Step(Intent.RESUME), lock)
            # the record is the interrupted step's only when that step goes to the agent
            # (else it is the step before, stopped between being done and saved)
            skip = 1 if step is None or step.intent in _WITH_THE_AGENT else 0
        if not skip and step is not None:
            skip = await self._skip_interrupted(turn, step)
        if interrupted is None:
            await self.save_final(turn, lock)
            await self._after_save(turn)
            return turn.session
        rest = interrupted.advanced(min(len(interrupted.steps), interrupted.done + skip))
        if skip and step is not None and step.intent is Intent.UPLOAD:
            rest = rest.advanced(len(rest.steps))  # what followed was about those files
        if rest.done > interrupted.done:
            await self.inbox.advance(rest)
        await turn.persist()  # once its step is done in Redis: resumed, never re-sent
        return await self.run_event(rest, turn.session, lock)

    async def _skip_interrupted(self, turn: Turn, step: Step) -> int:
        """1 when the interrupted step must not run again (and the user was told), else 0."""
        if step.intent is Intent.UPLOAD:
            names = [a.filename for a in turn.message.attachments] + list(step.urls)
            log.info("chat %s: an upload was interrupted", turn.chat)
            await notify(turn.out, turn.chat, turn.text(
                "upload_interrupted", names=", ".join(names) or turn.text("queued_files")))
            return 1
        return 0
