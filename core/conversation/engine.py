"""The conversation engine: one chat's messages in order, under the chat's lock.

Adapters call `Conversation.handle(message)`. The message joins the chat's
queue in Redis; whoever holds the chat's lock (this process or another one)
works through the queue in order. A message that arrives while the chat is
busy is acknowledged ("after this: ..."). `/cancel` acts at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from core import i18n
from core.conversation import texts as _texts  # noqa: F401  (registers the texts)
from core.identity import AnonymousTokenRefused, Identities, LinkedTokenExpired
from core.intents import Intent, Step, route
from core.messages import ChatKey, IncomingMessage, User
from core.nemo import errors
from core.nemo.client import NemoClient
from core.nemo.models import Credentials
from core.outgoing import Action, Button, Outgoing, Replying, Sent
from core.settings import Settings
from core.store import ChatSession, SessionStore

if TYPE_CHECKING:
    from core.conversation.relay import Relay

log = logging.getLogger(__name__)
T = TypeVar("T")

Sleep = Callable[[float], Awaitable[None]]

RESULT_BUTTONS = (
    Button("Export", Action.EXPORT),
    Button("Status", Action.STATUS),
    Button("Credits", Action.CREDITS),
    Button("New project", Action.NEW),
)


class RenderService(Protocol):
    """What the engine needs of the export part (implemented in core.renders)."""

    async def export(self, turn: Turn) -> None:
        """Start rendering the chat's project and report progress to the chat."""

    async def cancel_chat(self, chat: ChatKey) -> int:
        """Cancel the chat's pending renders; returns how many."""

    async def active_count(self, chat: ChatKey) -> int:
        """How many renders of the chat are not finished."""


@dataclass
class Turn:
    """Everything a handler needs to answer one message."""

    engine: Conversation
    message: IncomingMessage
    session: ChatSession
    lang: str

    @property
    def chat(self) -> ChatKey:
        """The message's chat."""
        return self.message.chat

    @property
    def out(self) -> Outgoing:
        """The adapter's outgoing side, answering this turn's message."""
        return Replying(self.engine.out, self.message.message_id)

    @property
    def nemo(self) -> NemoClient:
        """The NemoVideo client."""
        return self.engine.nemo

    def text(self, key: str, **kwargs: object) -> str:
        """A user-facing text in the turn's language."""
        return i18n.t(self.lang, key, **kwargs)

    async def say(self, key: str, *, buttons: tuple[Button, ...] = (), **kwargs: object) -> Sent:
        """Send a user-facing text."""
        return await self.out.send_text(self.chat, self.text(key, **kwargs), buttons)

    async def call(self, fn: Callable[[Credentials], Awaitable[T]]) -> T:
        """Call NemoVideo with the chat's credentials (renewing an expired token once)."""
        return await self.engine.identities.call(self.chat, fn)

    async def project(self) -> str:
        """The chat's NemoVideo session id, creating the project when there is none."""
        if self.session.session_id:
            return self.session.session_id
        language = i18n.nemo_language(self.message.user.language or self.session.language)
        created = await self.call(lambda c: self.nemo.create_session(c, language))
        self.session.session_id = created.session_id
        self.session.task_id = created.task_id
        self.session.claim_token = None
        self.session.draft = {}
        await self.engine.store.save(self.chat, self.session)
        return created.session_id

    async def claim_url(self) -> str | None:
        """The browser link to the project (claim token), fetched once per project."""
        if not (self.session.session_id and self.session.task_id):
            return None
        if not self.session.claim_token:
            task_id, session_id = self.session.task_id, self.session.session_id
            claim = await self.call(lambda c: self.nemo.claim_token(c, task_id, session_id))
            self.session.claim_token = claim.claim_token
            await self.engine.store.save(self.chat, self.session)
        return self.nemo.claim_url(self.session.claim_token)


Handler = Callable[[Turn, Step], Awaitable[None]]


class Conversation:
    """Routes each chat's messages to small handlers, one message at a time per chat."""

    def __init__(self, settings: Settings, store: SessionStore, nemo: NemoClient,
                 out: Outgoing, *, renders: RenderService | None = None,
                 sleep: Sleep = asyncio.sleep) -> None:
        from core.conversation.handlers import HANDLERS
        from core.conversation.relay import Relay

        self.settings = settings
        self.store = store
        self.nemo = nemo
        self.out = out
        self.renders = renders
        self.sleep = sleep
        self.identities = Identities(store, nemo, settings.nemo_token)
        self.handlers: dict[Intent, Handler] = dict(HANDLERS)
        self.relay: Relay = Relay(self)
        self._tasks: set[asyncio.Task[Any]] = set()

    # -- entry points ----------------------------------------------------
    async def handle(self, message: IncomingMessage) -> None:
        """Take one message: queue it, and work through the chat's queue if it is free."""
        steps = route(message.text, bool(message.attachments))
        if steps and steps[0].intent is Intent.CANCEL:
            await self._guarded(message, self.cancel_now)
            return
        await self.store.enqueue(message)
        if not await self.drain(message.chat):
            lang = self._lang(message)
            what = message.text.strip() or i18n.t(lang, "queued_files")
            with contextlib.suppress(Exception):
                await self.out.send_text(message.chat, i18n.t(lang, "queued", what=what))

    def submit(self, message: IncomingMessage) -> asyncio.Task[None]:
        """`handle` in the background (adapters that must return quickly use this)."""
        task = asyncio.create_task(self.handle(message), name=f"chat {message.chat}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def drain(self, chat: ChatKey) -> bool:
        """Work through the chat's queue under its lock. False when another holder has it."""
        while True:
            lock = self.store.lock(chat)
            if not await lock.acquire():
                return False
            try:
                await self._resume_inflight(chat)
                while not lock.lost.is_set():
                    message = await self.store.next_message(chat)
                    if message is None:
                        break
                    await self._process(message)
            finally:
                await lock.release()
            # a message queued between the last read and the release has nobody else
            if not await self.store.queue_length(chat):
                await self.store.done_pending(chat)
                return True

    async def resume_all(self) -> int:
        """After a restart: finish in-flight and queued work of every chat. Returns chats seen."""
        chats = await self.store.pending_chats()
        await asyncio.gather(*(self.drain(chat) for chat in chats))
        return len(chats)

    async def wait_idle(self) -> None:
        """Wait for background `submit` tasks to finish."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # -- one message -----------------------------------------------------
    def _lang(self, message: IncomingMessage, session: ChatSession | None = None) -> str:
        return i18n.ui_language(message.user.language or (session.language if session else None))

    async def _process(self, message: IncomingMessage) -> None:
        await self._guarded(message, self._run_steps)

    async def _guarded(self, message: IncomingMessage,
                       body: Callable[[Turn], Awaitable[None]]) -> None:
        """Run `body` for a message; every failure becomes a reply, never an exception."""
        session = await self.store.load(message.chat)
        if message.user.language:
            session.language = i18n.nemo_language(message.user.language)
        turn = Turn(self, message, session, self._lang(message, session))
        try:
            await body(turn)
        except Exception as exc:  # one chat's failure must not stop the others
            await self._report(turn, exc)
        finally:
            with contextlib.suppress(Exception):
                await self.store.save(message.chat, turn.session)

    async def _run_steps(self, turn: Turn) -> None:
        steps = route(turn.message.text, bool(turn.message.attachments))
        for step in steps:
            await self._run_step(turn, step)

    async def _run_step(self, turn: Turn, step: Step) -> None:
        handler = self.handlers[step.intent]
        try:
            await handler(turn, step)
        except errors.SessionNotFound:
            # the project is gone: start a new one, say so, and do the step there
            log.info("chat %s: session %s not found, starting a new one",
                     turn.chat, turn.session.session_id)
            turn.session = ChatSession(language=turn.session.language)
            await self.store.save(turn.chat, turn.session)
            await turn.say("project_lost")
            if step.intent not in (Intent.NEW, Intent.STATUS, Intent.EXPORT):
                await handler(turn, step)

    async def cancel_now(self, turn: Turn) -> None:
        """Drop the chat's queue and cancel its renders, without waiting for its lock."""
        dropped = await self.store.drop_queue(turn.chat)
        stopped = await self.renders.cancel_chat(turn.chat) if self.renders else 0
        if dropped or stopped:
            await turn.say("cancelled", messages=dropped, renders=stopped)
        else:
            await turn.say("nothing_to_cancel")

    async def _resume_inflight(self, chat: ChatKey) -> None:
        """A message was with the agent when a process stopped: find out what happened."""
        session = await self.store.load(chat)
        inflight = session.inflight
        if inflight is None:
            return
        message = IncomingMessage(chat, User("", "", session.language), "resume", "")
        turn = Turn(self, message, session, i18n.ui_language(session.language))
        try:
            await turn.say("resumed", text=inflight.text[:80])
            await self.relay.recover(turn, inflight, interrupted=True)
        except Exception as exc:
            await self._report(turn, exc)
        finally:
            turn.session.inflight = None
            with contextlib.suppress(Exception):
                await self.store.save(chat, turn.session)

    # -- errors ----------------------------------------------------------
    async def _report(self, turn: Turn, exc: BaseException) -> None:
        """Tell the user what went wrong, in their language; log the unexpected."""
        reply = self._error_reply(turn, exc)
        if reply is None:
            error_id = secrets.token_hex(4)
            log.error("chat %s: unexpected error %s", turn.chat, error_id, exc_info=exc)
            reply = turn.text("err_unexpected", error_id=error_id)
        else:
            log.info("chat %s: %s", turn.chat, type(exc).__name__)
        try:
            await turn.out.send_text(turn.chat, reply)
        except Exception:
            log.warning("chat %s: could not send the error reply", turn.chat, exc_info=True)

    def _error_reply(self, turn: Turn, exc: BaseException) -> str | None:
        from core.conversation.texts import ACCEPTED_FORMATS

        if isinstance(exc, errors.OutOfCredits):
            if exc.is_anonymous and exc.user_id:
                url = self.nemo.registration_url(exc.user_id)
                return turn.text("err_no_credits_anonymous", url=url)
            return turn.text("err_no_credits")
        if isinstance(exc, errors.UnsupportedFile):
            return turn.text("err_unsupported", formats=ACCEPTED_FORMATS)
        if isinstance(exc, errors.FileTooLarge):
            return turn.text("err_too_large")
        if isinstance(exc, errors.ExportBlocked):
            return turn.text("err_export_blocked")
        if isinstance(exc, AnonymousTokenRefused):
            return turn.text("err_token_limit")
        if isinstance(exc, errors.RateLimited):
            return turn.text("err_rate_limited")
        if isinstance(exc, LinkedTokenExpired):
            return turn.text("err_linked_expired")
        if isinstance(exc, errors.TokenExpired):
            return turn.text("err_auth")
        if isinstance(exc, errors.ServerError | errors.NemoConnectionError):
            return turn.text("err_unavailable")
        return None
