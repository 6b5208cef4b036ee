"""The one entry for every event of a chat: messages, commands, button presses, `/cancel`,
and the resumption of work a stopped process left behind.

An event is routed once, on arrival, and passes the middlewares' `on_event`
(which may refuse it). `/cancel` and `/link` act at once, outside the queue;
every other event joins its chat's queue in Redis, and whoever holds the
chat's lock (this process or another one) works through the queue in order:
the chat's state is loaded only after the lock is taken, each step runs
inside the middlewares' `on_step`, and the state is saved (while the lock is
still held) after each event. An event being handled stays recorded in Redis
until it is done, so a process that stops or dies mid-event leaves exactly
what was interrupted for the next holder: any live process picks the chat up
once the lock is free (a periodic sweep), without waiting for a new message.
Running an event's steps, and finishing what a stopped holder left, is
`core.conversation.events`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Coroutine, Mapping, Sequence
from typing import Any

from redis.exceptions import RedisError

from core import i18n
from core.aio import KeyedTurns, end_tasks, rest
from core.conversation.cancel import Cancel, CancelOne, ChatCount, IsAdmin
from core.conversation.events import EventRunner
from core.conversation.failures import FailureReplies
from core.conversation.handlers import Handler
from core.conversation.languages import LanguageChoices
from core.conversation.middleware import Middleware, ProjectLost, event_chain, step_chain
from core.conversation.notices import QueueNotices
from core.conversation.turn import Turn, language_of, notify
from core.inbox import AlreadyTaken, ChatEvent, Inbox, InboxFull
from core.intents import Intent, Step
from core.locks import ChatLock, LockLost, owner_of
from core.logs import Outage
from core.messages import ChatKey, IncomingMessage
from core.outgoing import Outgoing, Replying
from core.signals import ChatSignals
from core.store import ChatSession, Opened, SessionStore

log = logging.getLogger(__name__)

#: an event just queued, and where its replies go
Arrived = tuple[ChatEvent, Outgoing]


class Dispatcher:
    """Takes every chat event and runs its handlers under the chat's lock.

    `handlers` run under the lock; `link` runs on arrival. `cancel_renders` and
    `cancel_render` (one: `/cancel <job id>`) reach the chat's render jobs; `signals`
    reaches the process that holds a chat (to stop its turn); `languages` gives each
    message its sender's chosen language on arrival; `is_admin` says who may cancel any
    render of a group (see `Cancel`).
    """

    def __init__(self, *, inbox: Inbox, sessions: SessionStore, out: Outgoing,
                 handlers: Mapping[Intent, Handler], link: Handler, failures: FailureReplies,
                 cancel_renders: ChatCount | None = None,
                 cancel_render: CancelOne | None = None,
                 signals: ChatSignals | None = None,
                 middlewares: Sequence[Middleware] = (), sweep_interval: float = 10.0,
                 languages: LanguageChoices | None = None,
                 is_admin: IsAdmin | None = None) -> None:
        self.inbox = inbox
        self.sessions = sessions
        self.out = out
        self.handlers = dict(handlers)
        self.failures = failures
        self.signals = signals
        self.languages = languages
        self.sweep_interval = sweep_interval
        self._link = link
        self._on_event = event_chain(middlewares, self._accept)
        self._on_step = step_chain([*middlewares, ProjectLost()], self._handle_step)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._held: set[ChatKey] = set()
        #: chats whose queue got an event while this process worked them between two
        #: events: the working loop looks again instead of the arrival taking the lock
        self._again: set[ChatKey] = set()
        #: those events, to be told they wait should that loop find the chat held elsewhere
        self._behind: dict[ChatKey, list[Arrived]] = {}
        #: the chats whose queue this process works, each with the task working it
        self._working: dict[ChatKey, asyncio.Task[Any] | None] = {}
        self._running: dict[ChatKey, asyncio.Task[None]] = {}
        self._cancel = Cancel(inbox, sessions, self._running, cancel_renders=cancel_renders,
                              cancel_render=cancel_render, signals=signals,
                              is_admin=is_admin)
        self._turns: dict[ChatKey, Turn] = {}
        self._loops: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()
        self._arrivals = KeyedTurns()
        #: the work on each arriving event, started as soon as it is queued (while the
        #: rest of the arrival chain, such as counting the message, goes on)
        self._started: dict[tuple[ChatKey, str], asyncio.Task[None]] = {}
        self.notices = QueueNotices(inbox)
        self.events = EventRunner(inbox=inbox, sessions=sessions, out=out,
                                  on_step=self._on_step, failures=failures,
                                  running=self._running, turns=self._turns)
        self.closing = False

    # -- entry -------------------------------------------------------------
    async def handle(self, message: IncomingMessage) -> None:
        """Take one event; returns once it is handled, queued, or refused.

        Events of one chat reach the queue in the order `handle` was called for them
        in this process (across processes, the platform gives no order to keep).
        """
        work = await self.accept(message)
        if work is not None:
            await work
            worker = self._working.get(message.chat)
            if worker is not None:  # the loop working the chat took it over (see `_work`)
                await asyncio.shield(worker)

    async def accept(self, message: IncomingMessage) -> asyncio.Task[None] | None:
        """The arrival half of `handle`: returns once the event is safe, that is queued in
        Redis (a process that dies later leaves it to the next one), refused, or handled
        on arrival; the chat's queue is then worked in the background (the task
        returned, None when there is nothing to work).

        An adapter whose platform sends an event again until it is acknowledged (a
        webhook) acknowledges it once this returns.
        """
        out = Replying(self.out, message.message_id)
        async with self._arrivals.turn_of(message.chat):
            if self.languages is not None:  # in turn: nothing may overtake the message
                message = await self.languages.stamp(message)
            event = ChatEvent.of(message)
            try:
                await self._on_event(event, out)
            finally:  # None: refused, handled on arrival, or left for the next process
                work = self._started.pop((message.chat, message.message_id), None)
        return work

    async def _work_queued(self, event: ChatEvent, out: Outgoing) -> None:
        if not await self._work_logged(event.chat, (event, out)) and self._may_wait(event):
            await self.notices.queued(event, out)

    def _may_wait(self, event: ChatEvent) -> bool:
        """Whether an event queued behind its chat's holder may wait long enough to tell
        its sender: not when this process works the chat and no step of an earlier event
        is answering (the event goes next, or is being handled; should the working loop
        find the chat held elsewhere, it tells those events' senders: `_behind`)."""
        turn = self._turns.get(event.chat)
        if turn is not None:
            return not turn.answered and turn.message.message_id != event.message.message_id
        return event.chat not in self._held and event.chat not in self._working

    def submit(self, message: IncomingMessage) -> asyncio.Task[None]:
        """`handle` in the background (adapters that must return quickly use this)."""
        return self._spawn(self.handle(message), f"chat {message.chat}")

    async def resume(self) -> int:
        """Work through every chat with queued or interrupted events whose lock is free;
        returns how many chats were looked at, once their work is done."""
        works = await self._take_up_pending()
        await asyncio.gather(*works, return_exceptions=True)
        return len(works)

    async def _take_up_pending(self) -> list[asyncio.Task[None]]:
        """Start working every pending chat this process is not working yet (without
        waiting: one busy chat must not hold up the others)."""
        chats = [c for c in await self.inbox.pending_chats() if c not in self._working]
        return [self._spawn(self._resume_chat(chat), f"resume {chat}") for chat in chats]

    async def _resume_chat(self, chat: ChatKey) -> None:
        await self._work_logged(chat)

    async def wait_idle(self) -> None:
        """Wait until no event is being handled by this process."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # -- lifecycle -----------------------------------------------------------
    def start(self) -> None:
        """Resume what earlier processes left, keep sweeping for chats whose holder died,
        and listen for stop signals from other processes."""
        if self._loops:
            return
        self._stopping.clear()
        self._loops.append(asyncio.create_task(self._sweep_loop(), name="chat sweep"))
        if self.signals is not None:
            self._loops.append(asyncio.create_task(
                self.signals.listen(self._cancel.stop_local, self._stopping), name="stop signals"))

    async def stop(self, grace: float) -> None:
        """Take no new work; let events being handled finish for up to `grace` seconds,
        then stop them. What is left stays in Redis for the next process to resume."""
        self.closing = True
        self._stopping.set()
        loops, self._loops = set(self._loops), []
        if loops:
            _, late = await asyncio.wait(loops, timeout=2.0)
            await end_tasks(late, what="dispatcher loop")
        pending = set(self._tasks)
        if pending and grace > 0:
            _, pending = await asyncio.wait(pending, timeout=grace)
        if pending:
            log.info("stopping %d unfinished chat event(s); they resume after a restart",
                     len(pending))
        await end_tasks(pending, what="chat event")

    # -- arrival -------------------------------------------------------------
    async def _accept(self, event: ChatEvent, out: Outgoing) -> bool:
        """The end of the arrival chain: act at once, or queue. True when queued."""
        intents = [step.intent for step in event.steps]
        if not intents:
            return False
        if intents[0] is Intent.CANCEL:
            await self._cancel(event, out)
            return False
        if Intent.LINK in intents:
            event = await self._link_now(event, out)
            if not event.steps:
                return False
        try:
            await self.inbox.push(event)
        except AlreadyTaken:
            log.info("chat %s: message %s came again; it was taken before", event.chat,
                     event.message.message_id)
            if not self.closing:  # its first arrival may wait still, unworked
                self._spawn(self._resume_chat(event.chat), f"chat {event.chat}")
            return False
        except InboxFull:
            log.info("chat %s: its queue is full; a message was refused", event.chat)
            await self.notices.refused(event, out)
            return False
        except RedisError as exc:
            log.warning("chat %s: message not queued, Redis unavailable: %r", event.chat, exc)
            await notify(out, event.chat, i18n.t(language_of(event.message), "unavailable"))
            return False
        if not self.closing:  # worked at once: it is safe in Redis
            self._started[(event.chat, event.message.message_id)] = self._spawn(
                self._work_queued(event, out), f"chat {event.chat}")
        return True

    async def _link_now(self, event: ChatEvent, out: Outgoing) -> ChatEvent:
        """Handle `/link` at once (its token never waits in Redis); returns the rest of
        the event, without the token."""
        step = next(s for s in event.steps if s.intent is Intent.LINK)
        turn = Turn(event.message, ChatSession(), language_of(event.message), out, _no_state)
        await self._arrival_step(turn, step)
        rest = tuple(s for s in event.steps if s.intent is not Intent.LINK)
        return ChatEvent(dataclasses.replace(event.message, text=""), rest)

    # -- the chat's queue, under its lock ---------------------------------------
    async def _work_logged(self, chat: ChatKey, arrived: Arrived | None = None) -> bool:
        """`_work`, with failures logged: the chat's events wait in Redis meanwhile."""
        try:
            return await self._work(chat, arrived)
        except RedisError as exc:
            log.warning("chat %s: Redis unavailable (%r); its events wait for the next sweep",
                        chat, exc)
            return True

    async def _work(self, chat: ChatKey, arrived: Arrived | None = None) -> bool:
        """Work through the chat's queue under its lock. False when another holder had it
        before this call took it once (what was queued waits for that holder). `arrived`:
        the event this call is for, queued just now."""
        if chat in self._held:
            return False  # this process holds it: the holder takes what was queued
        if chat in self._working:  # between two events (saving one, looking for more)
            self._again.add(chat)  # that loop takes this one too: no second lock try
            if arrived is not None:  # told it waits if that loop finds the chat held
                self._behind.setdefault(chat, []).append(arrived)
            return False
        self._working[chat] = asyncio.current_task()
        served = False
        try:
            while True:
                self._again.discard(chat)
                lock = self.sessions.lock(chat)
                opened = await self.sessions.open(chat, lock, event_ttl=self.inbox.idle_ttl)
                if opened is None and not await self._take_back(chat, lock):
                    for event, out in self._behind.pop(chat, []):  # they wait for that holder
                        self._spawn(self.notices.queued(event, out), f"chat {chat}")
                    return served
                self._behind.pop(chat, None)  # this loop takes them
                served = True
                self._held.add(chat)
                try:
                    await self._serve(chat, lock, opened)
                except LockLost:
                    await self._lost(chat)
                    return True
                finally:
                    self._held.discard(chat)
                    await lock.release()
                if self.closing or (await self.inbox.settle(chat) and chat not in self._again):
                    return True
        finally:
            del self._working[chat]  # this loop's: a second one for the chat never starts
            self._behind.pop(chat, None)  # stopping: what waits is the next process's

    async def _lost(self, chat: ChatKey) -> None:
        """Say why the chat's lock is no longer this process's: taken over, or gone (Redis
        lost it: restarted without its data, or away longer than the lock lives)."""
        try:
            holder = await self.sessions.lock_owner(chat)
        except RedisError:
            holder = b""
        if holder is None:
            log.error("chat %s: lost its lock: Redis no longer has it (restarted without its "
                      "data, or away longer than the lock lives); what was queued there is "
                      "gone", chat)
        else:
            log.error("chat %s: lost its lock to %s, who goes on", chat,
                      owner_of(holder) or "another process")

    async def _take_back(self, chat: ChatKey, lock: ChatLock) -> bool:
        """Take a lock this process left behind (its release failed during a Redis outage)
        rather than wait for it to expire; True when taken."""
        value = await self.sessions.lock_owner(chat)
        if chat in self._held or owner_of(value) != self.sessions.owner or value is None:
            return False
        log.info("chat %s: taking back a lock this process could not release", chat)
        await self.sessions.break_lock(chat, value)
        return await lock.acquire()

    async def _serve(self, chat: ChatKey, lock: ChatLock, opened: Opened | None) -> None:
        """Work through the chat's events while its lock is held: what a stopped holder
        left first, then the queue (the last save of an event releases the lock when
        nothing waits)."""
        taken: ChatEvent | None = None
        if opened is None:  # taken back: read what `open` would have
            session, interrupted = await self.sessions.load(chat), await self.inbox.current(chat)
        else:
            session, interrupted = opened.session, self._event(opened)
            if opened.taken:
                interrupted, taken = None, interrupted
        if interrupted is not None or session.inflight is not None:
            session = await self.events.resume(chat, interrupted, session, lock)
        while lock.held and not self.closing:
            event, taken = taken or await self.inbox.take(chat), None
            if event is None:
                return
            session = await self.events.run_event(event, session, lock)
            self.sessions.forget_identity(chat)  # read again for the next event

    def _event(self, opened: Opened) -> ChatEvent | None:
        if opened.event is None:
            return None
        return ChatEvent.from_json(opened.event, self.inbox.codec)

    async def _arrival_step(self, turn: Turn, step: Step) -> None:
        try:
            await self._on_step(turn, step)
        except RedisError as exc:
            log.warning("chat %s: %s failed, Redis unavailable: %r", turn.chat, step.intent, exc)
            await notify(turn.out, turn.chat, turn.text("unavailable"))
        except Exception as exc:  # every failure becomes a reply
            await self.failures.report(turn, exc)

    async def _handle_step(self, turn: Turn, step: Step) -> None:
        handler = self._link if step.intent is Intent.LINK else self.handlers[step.intent]
        await handler(turn, step)

    @property
    def save_patience(self) -> float:
        """How long the final save of an event is retried through a Redis outage."""
        return self.events.save_patience

    @save_patience.setter
    def save_patience(self, seconds: float) -> None:
        self.events.save_patience = seconds

    # -- background ------------------------------------------------------------
    async def _sweep_loop(self) -> None:
        outage = Outage(log, "sweeping chats")
        while not self._stopping.is_set():
            try:
                await self._take_up_pending()
                outage.worked()
            except RedisError as exc:
                outage.failed(exc)
            await rest(self._stopping, self.sweep_interval)

    def _spawn(self, work: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        task = asyncio.create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("%s failed: %r", task.get_name(), exc, exc_info=exc)


async def _no_state(session: ChatSession) -> None:
    raise RuntimeError("an event handled on arrival has no chat state to save")
