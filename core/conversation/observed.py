"""Middlewares that let the process be watched: log fields and metrics for every event.

`LogContext` gives every log line written while an event arrives or a step runs
the chat, platform and message id (`core.logs`); `Metered` reports arrivals,
refusals and handled steps to the process's probe (`core.observe`), which
counts them when metrics are on.
"""

from __future__ import annotations

import asyncio
import time

from core import observe
from core.conversation.middleware import EventCall, Middleware, StepCall
from core.conversation.turn import Turn
from core.inbox import ChatEvent
from core.intents import Intent, Step
from core.logs import log_fields
from core.outgoing import Outgoing


class LogContext(Middleware):
    """Log lines about an event carry its chat, platform and message id."""

    async def on_event(self, event: ChatEvent, out: Outgoing, call_next: EventCall) -> bool:
        """Arrival, with the event's fields."""
        with log_fields(chat=event.chat, message_id=event.message.message_id):
            return await call_next(event, out)

    async def on_step(self, turn: Turn, step: Step, call_next: StepCall) -> None:
        """A step, with its message's fields."""
        with log_fields(chat=turn.chat, message_id=turn.message.message_id):
            await call_next(turn, step)


def _handled_at_once(event: ChatEvent) -> bool:
    intents = [step.intent for step in event.steps]
    return not intents or intents[0] is Intent.CANCEL or Intent.LINK in intents


class Metered(Middleware):
    """Counts events received and refused, and steps answered with their duration, by
    platform and intent."""

    async def on_event(self, event: ChatEvent, out: Outgoing, call_next: EventCall) -> bool:
        """Count the arrival; an event neither queued nor handled at once was refused."""
        platform = event.chat.platform
        intent = event.steps[0].intent.value if event.steps else "none"
        observe.report(lambda p: p.received(platform, intent))
        queued = await call_next(event, out)
        if not queued and not _handled_at_once(event):
            observe.report(lambda p: p.refused(platform, intent))
        return queued

    async def on_step(self, turn: Turn, step: Step, call_next: StepCall) -> None:
        """Time the step; its outcome is done, failed or cancelled."""
        started = time.monotonic()
        outcome = "failed"
        try:
            await call_next(turn, step)
            outcome = "done"
        except asyncio.CancelledError:
            outcome = "cancelled"
            raise
        finally:
            seconds = time.monotonic() - started
            platform, intent = turn.chat.platform, step.intent.value
            observe.report(lambda p: p.answered(platform, intent, outcome, seconds))
