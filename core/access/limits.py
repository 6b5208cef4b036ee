"""What is checked around a step, under the chat's lock: the renders and credits quotas,
`/link` without a SECRET_KEY, and `/new` in a group (which asks first).

Renders are reserved before the export step (atomically, so parallel exports in
any number of processes never pass the limit) and given back when the step did
not start a render. Credits are what NemoVideo counts: the chat's balance is
read before and after each step that may spend (only while a credits limit
applies to the sender or the chat), and the difference is counted.
"""

from __future__ import annotations

import asyncio
import logging
import math
from functools import partial

from core.access.commands import group_subjects
from core.access.quotas import Kind, Quotas, Refusal
from core.access.rules import AccessRules, group_of, user_entry
from core.access.texts import over_quota
from core.access.usage import Usage
from core.conversation.middleware import Middleware, StepCall
from core.conversation.turn import Turn
from core.identity import AnonymousTokenRefused, Identities, LinkedTokenExpired
from core.intents import Intent, Step
from core.nemo.api import NemoApi
from core.nemo.errors import NemoError
from core.nemo.models import amount_text
from core.outgoing import Action, Button

log = logging.getLogger(__name__)

#: steps that may spend credits
SPENDING = frozenset({Intent.AGENT, Intent.UPLOAD, Intent.RESUME})
#: the argument of `/new` that confirms it in a group
CONFIRM = "confirm"


async def _record(usage: Usage, kind: Kind, turn: Turn, amount: int) -> None:
    await usage.record(kind, user_entry(turn.message), group_of(turn.message), amount)


async def _refuse(turn: Turn, quotas: Quotas, refusal: Refusal) -> None:
    log.info("chat %s: %s is over the %s quota (%d/%d)", turn.chat, refusal.subject,
             refusal.kind.value, refusal.used, refusal.limit)
    await turn.send(over_quota(turn.lang, refusal, quotas.now()))


class RenderQuota(Middleware):
    """QUOTA_RENDERS_PER_DAY, checked and counted at the export step."""

    def __init__(self, rules: AccessRules, quotas: Quotas, usage: Usage) -> None:
        self.rules = rules
        self.quotas = quotas
        self.usage = usage

    async def on_step(self, turn: Turn, step: Step, call_next: StepCall) -> None:
        """Reserve a render, export, and give it back if no render started."""
        if step.intent is not Intent.EXPORT:
            await call_next(turn, step)
            return
        subjects = [] if self.rules.is_admin(turn.message) else group_subjects(turn)
        reserved = await self.quotas.reserve(Kind.RENDERS, subjects)
        if isinstance(reserved, Refusal):
            # the export goes on: an unchanged draft's render is sent again (no render is
            # started), anything else is refused with this text
            log.info("chat %s: %s is over the %s quota (%d/%d)", turn.chat, reserved.subject,
                     reserved.kind.value, reserved.used, reserved.limit)
            turn.render_refusal = over_quota(turn.lang, reserved, self.quotas.now())
            await call_next(turn, step)
            return
        before = turn.renders_started
        try:
            await call_next(turn, step)
        finally:
            if turn.renders_started > before:
                await _record(self.usage, Kind.RENDERS, turn, turn.renders_started - before)
            else:
                await self.quotas.release(reserved)


class CreditQuota(Middleware):
    """QUOTA_CREDITS_PER_MONTH: a step is refused once the limit is used up; what a step
    spends is the balance difference around it."""

    def __init__(self, rules: AccessRules, quotas: Quotas, usage: Usage, nemo: NemoApi,
                 identities: Identities) -> None:
        self.rules = rules
        self.quotas = quotas
        self.usage = usage
        self.nemo = nemo
        self.identities = identities

    async def on_step(self, turn: Turn, step: Step, call_next: StepCall) -> None:
        """Refuse over the limit; measure what the step spent."""
        subjects = group_subjects(turn)
        if (step.intent not in SPENDING or self.rules.is_admin(turn.message)
                or not await self.quotas.limited(Kind.CREDITS, subjects)):
            await call_next(turn, step)
            return
        if step.intent is not Intent.RESUME:  # a resumed turn was sent already
            refusal = await self.quotas.check(Kind.CREDITS, subjects)
            if refusal is not None:
                await _refuse(turn, self.quotas, refusal)
                return
        before = await self._available(turn)
        try:
            await call_next(turn, step)
        except asyncio.CancelledError:
            raise
        except Exception:
            await self._count(turn, subjects, before)
            raise
        # once the event is saved: a balance read must not delay the save after an answer
        turn.after_save.append(partial(self._count, turn, subjects, before))

    async def _available(self, turn: Turn) -> float | None:
        try:
            balance = await self.identities.call(turn.chat, self.nemo.credits)
        except (NemoError, LinkedTokenExpired, AnonymousTokenRefused) as exc:
            log.info("chat %s: balance not read, credits not counted: %r", turn.chat, exc)
            return None
        return balance.available

    async def _count(self, turn: Turn, subjects: list[str], before: float | None) -> None:
        if before is None:
            return
        after = await self._available(turn)
        if after is None or after >= before:
            return
        # quotas count whole credits: a part of one counts as one (rounding error forgiven)
        spent = math.ceil(round(before - after, 6))
        log.info("chat %s: %d credits spent (%s to %s)", turn.chat, spent,
                 amount_text(before), amount_text(after))
        await self.quotas.add(Kind.CREDITS, subjects, spent)
        await _record(self.usage, Kind.CREDITS, turn, spent)


class LinkNeedsKey(Middleware):
    """Without SECRET_KEY a linked token could only be stored in clear: `/link` is refused
    (in a private chat; in a group the link handler refuses it anyway)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    async def on_step(self, turn: Turn, step: Step, call_next: StepCall) -> None:
        """Refuse `/link` when there is no key."""
        if step.intent is not Intent.LINK or self.enabled or not turn.message.is_private:
            await call_next(turn, step)
            return
        if step.text.strip():
            try:
                await turn.out.delete_message(turn.chat, turn.message.message_id)
            except Exception as exc:
                log.info("chat %s: a message holding a token was not deleted: %r",
                         turn.chat, exc)
        log.info("chat %s: /link refused, SECRET_KEY is not set", turn.chat)
        await turn.say("access.link_no_key")


class ConfirmNew(Middleware):
    """`/new` in a group forgets the project of everyone there: it asks first, with a
    button that sends `/new confirm`."""

    async def on_step(self, turn: Turn, step: Step, call_next: StepCall) -> None:
        """Ask before a group's `/new`; pass everything else."""
        if (step.intent is not Intent.NEW or turn.message.is_private
                or step.text.strip().lower() == CONFIRM):
            await call_next(turn, step)
            return
        button = Button(turn.text("access.new_confirm_button"), Action.NEW, value=CONFIRM)
        await turn.say("access.new_confirm", buttons=(button,))
