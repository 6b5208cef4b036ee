"""The chain of small middlewares around every chat event and every handled step.

Two places, as in aiogram's outer and inner middlewares:

* `on_event` runs when an event arrives, before it is queued (no lock, no
  state): what may refuse a user outright (access rules) lives here. It
  returns whether the event was queued (to be handled under the chat's lock);
* `on_step` runs around each step's handler, under the chat's lock, with the
  chat's state (quotas, metrics, logging, recovering a lost project).

A middleware refuses by not calling `call_next` (and replying, if it wants).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from functools import partial

from core.aio import stopped_by_user
from core.conversation.turn import Turn
from core.inbox import ChatEvent
from core.intents import Intent, Step
from core.nemo.errors import SessionNotFound
from core.outgoing import Outgoing
from core.store import ChatSession

log = logging.getLogger(__name__)

EventCall = Callable[[ChatEvent, Outgoing], Awaitable[bool]]
StepCall = Callable[[Turn, Step], Awaitable[None]]


class Middleware:
    """A link of the chain; both hooks pass through unless overridden."""

    async def on_event(self, event: ChatEvent, out: Outgoing, call_next: EventCall) -> bool:
        """Around an arriving event; `out` answers it. True when it was queued."""
        return await call_next(event, out)

    async def on_step(self, turn: Turn, step: Step, call_next: StepCall) -> None:
        """Around one step's handler."""
        await call_next(turn, step)


def event_chain(middlewares: Sequence[Middleware], last: EventCall) -> EventCall:
    """`last` wrapped by every middleware's `on_event`, the first one outermost."""
    call = last
    for middleware in reversed(middlewares):
        call = partial(middleware.on_event, call_next=call)
    return call


def step_chain(middlewares: Sequence[Middleware], last: StepCall) -> StepCall:
    """`last` wrapped by every middleware's `on_step`, the first one outermost."""
    call = last
    for middleware in reversed(middlewares):
        call = partial(middleware.on_step, call_next=call)
    return call


class StepLog(Middleware):
    """One log line per handled step: chat, intent, outcome and duration."""

    async def on_step(self, turn: Turn, step: Step, call_next: StepCall) -> None:
        """Time the step and log it."""
        started = time.monotonic()
        outcome = "failed"
        try:
            await call_next(turn, step)
            outcome = "done"
        except asyncio.CancelledError as cancel:
            # a /cancel, or the process stopping: its message stays for the next one
            outcome = ("stopped by the user" if stopped_by_user(cancel)
                       else "interrupted")
            raise
        finally:
            log.info("chat %s: %s %s in %.0f ms (message %s)", turn.chat, step.intent.value,
                     outcome, (time.monotonic() - started) * 1000, turn.message.message_id)


class ProjectLost(Middleware):
    """The NemoVideo project is gone (1002): start a new one, say so, and do the step
    there (a new project has nothing to show or export)."""

    async def on_step(self, turn: Turn, step: Step, call_next: StepCall) -> None:
        """Retry the step once on a new project."""
        try:
            await call_next(turn, step)
        except SessionNotFound:
            log.info("chat %s: session %s not found, starting a new one", turn.chat,
                     turn.session.session_id)
            turn.session = ChatSession(language=turn.session.language)
            await turn.persist()
            await turn.say("project_lost")
            if step.intent not in (Intent.NEW, Intent.STATUS, Intent.EXPORT):
                await call_next(turn, step)
