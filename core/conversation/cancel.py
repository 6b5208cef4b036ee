"""`/cancel`, on arrival: drop the chat's queue, stop its running turn (here, or through
`core.signals` in the process that holds the chat) and cancel its renders, without
loading or saving the chat's state (its holder saves that)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Protocol

from redis.exceptions import RedisError

from core import i18n
from core.aio import STOPPED_BY_USER
from core.conversation.turn import language_of, notify
from core.inbox import ChatEvent, Inbox
from core.locks import owner_of
from core.messages import ChatKey, IncomingMessage
from core.outgoing import Outgoing
from core.renders.progress import cancel_notice
from core.signals import ChatSignals
from core.store import SessionStore

log = logging.getLogger(__name__)


class ChatCount(Protocol):
    """Cancels a chat's renders (`by`: those a user asked for; "": all); how many."""

    async def __call__(self, chat: ChatKey, *, by: str = "") -> int: ...


class CancelOne(Protocol):
    """Cancels a chat's render by job id (`by` as above): "cancelled", "finished",
    "unknown" or "not_yours"."""

    async def __call__(self, chat: ChatKey, job_id: str, *, by: str = "") -> str: ...


#: whether a message's sender is one of the bot's admins
IsAdmin = Callable[[IncomingMessage], bool]
#: how a render job's id starts (`core.renders.job_record.new_render_id`)
JOB_PREFIX = "render_"


class Cancel:
    """Carries out `/cancel` for the dispatcher. `running` is the dispatcher's map of the
    turns running in this process; `cancel_renders` and `cancel_render` (one:
    `/cancel <job id>`) reach the chat's render jobs; `signals` the other processes.

    In a group, a render is cancelled only by the member who asked for it, or by one of
    the bot's admins (`is_admin`): a press of someone else's Cancel button is refused
    with a word, and `/cancel` leaves the others' renders alone."""

    def __init__(self, inbox: Inbox, sessions: SessionStore,
                 running: dict[ChatKey, asyncio.Task[None]], *,
                 cancel_renders: ChatCount | None = None,
                 cancel_render: CancelOne | None = None,
                 signals: ChatSignals | None = None, is_admin: IsAdmin | None = None) -> None:
        self.inbox = inbox
        self.sessions = sessions
        self.cancel_renders = cancel_renders
        self.cancel_render = cancel_render
        self.signals = signals
        self.is_admin = is_admin
        self._running = running

    def _by(self, message: IncomingMessage) -> str:
        """Whose renders the sender may cancel: "" for every one (a private chat, an
        admin), else the sender's id."""
        if message.is_private or (self.is_admin is not None and self.is_admin(message)):
            return ""
        return message.user.id

    async def __call__(self, event: ChatEvent, out: Outgoing) -> None:
        """Drop the chat's queue, stop its running turn and cancel its renders, without
        touching its state (the turn's holder saves that). `/cancel <job id>` (a render's
        Cancel button) cancels that render only."""
        chat, lang = event.chat, language_of(event.message)
        target = event.steps[0].text.strip()
        if target.startswith(JOB_PREFIX) and self.cancel_render is not None:
            await self._cancel_one(event, out, target)
            return
        stopped = self.stop_local(chat)  # works while Redis is away too
        try:
            dropped = await self.inbox.drop(chat)
            stopped = stopped or await self._stop_remote(chat)
            renders = (await self.cancel_renders(chat, by=self._by(event.message))
                       if self.cancel_renders else 0)
        except RedisError as exc:
            log.warning("chat %s: cancel failed, Redis unavailable: %r", chat, exc)
            if not stopped:
                await notify(out, chat, i18n.t(lang, "unavailable"))
            return
        if dropped or renders:
            await notify(out, chat, i18n.t(lang, "cancelled", messages=dropped, renders=renders))
        elif not stopped:
            await notify(out, chat, i18n.t(lang, "nothing_to_cancel"))

    async def _cancel_one(self, event: ChatEvent, out: Outgoing, job_id: str) -> None:
        """Cancel one render (its progress message then says so)."""
        assert self.cancel_render is not None
        lang = language_of(event.message)
        try:
            outcome = await self.cancel_render(event.chat, job_id, by=self._by(event.message))
            notice = cancel_notice(lang, outcome)
        except RedisError as exc:
            log.warning("chat %s: cancel failed, Redis unavailable: %r", event.chat, exc)
            notice = i18n.t(lang, "unavailable")
        if notice and not await out.answer_press(event.chat, event.message.message_id, notice):
            await notify(out, event.chat, notice)

    def stop_local(self, chat: ChatKey) -> bool:
        """Stop the chat's turn running in this process; True when there was one."""
        task = self._running.get(chat)
        if task is None or task.done():
            return False
        log.info("chat %s: stopping the running turn", chat)
        task.cancel(STOPPED_BY_USER)
        return True

    async def _stop_remote(self, chat: ChatKey) -> bool:
        owner = owner_of(await self.sessions.lock_owner(chat))
        if self.signals is None or owner is None or owner == self.sessions.owner:
            return False
        await self.signals.send(owner, chat)
        return True

