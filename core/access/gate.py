"""What happens when a message arrives, before it is queued: the access rules, the
usage and admin commands, and the messages quota.

A refused message is answered at most once a day per user and goes no further:
nothing of it is queued or reaches NemoVideo. Commands of `core.access.commands`
are answered at once. A message over its quota is answered (at most every
`QUOTA_NOTICE_EVERY` seconds per chat) and dropped.
"""

from __future__ import annotations

import logging
import secrets

from redis.exceptions import RedisError

from core.access.commands import INTENTS, AdminCommands
from core.access.quotas import Kind, Quotas, Refusal
from core.access.rules import AccessRules, group_of, user_entry
from core.access.texts import over_quota
from core.access.usage import Usage
from core.conversation.middleware import EventCall, Middleware, StepCall
from core.conversation.turn import Turn, language_of, notify
from core.i18n import t
from core.inbox import ChatEvent
from core.intents import Intent, Step
from core.keys import Keys
from core.observed_redis import RedisClient
from core.outgoing import Outgoing
from core.store import ChatSession

log = logging.getLogger(__name__)

#: a refused user is told once in this many seconds
REFUSAL_NOTICE_EVERY = 24 * 3600
#: a chat is told that a sender is over the messages quota at most this often
QUOTA_NOTICE_EVERY = 600
#: what counts as a message for QUOTA_MESSAGES_PER_HOUR (help, /cancel, /stats... do not)
METERED = frozenset({Intent.AGENT, Intent.UPLOAD, Intent.CHOOSE, Intent.EXPORT, Intent.NEW,
                     Intent.START, Intent.STATUS, Intent.CREDITS})


class AccessGate(Middleware):
    """Refuses messages the access rules refuse; tells the sender once a day."""

    def __init__(self, rules: AccessRules, usage: Usage, redis: RedisClient, keys: Keys) -> None:
        self.rules = rules
        self.usage = usage
        self.redis = redis
        self.keys = keys

    async def on_event(self, event: ChatEvent, out: Outgoing, call_next: EventCall) -> bool:
        """Pass allowed messages; drop refused ones."""
        message = event.message
        try:
            verdict = await self.rules.verdict(message)
        except RedisError as exc:
            log.warning("chat %s: access rules unreadable, Redis unavailable: %r",
                        event.chat, exc)
            await notify(out, event.chat, t(language_of(message), "unavailable"))
            return False
        if not verdict.refused:
            return await call_next(event, out)
        user = user_entry(message)
        log.info("chat %s: message of %s refused (%s)", event.chat, user, verdict.value)
        try:
            await self.usage.refused()
            first = await self.redis.set(self.keys.access_told(user), "1", nx=True,
                                         ex=REFUSAL_NOTICE_EVERY)
        except RedisError as exc:
            log.warning("chat %s: refusal not recorded: %r", event.chat, exc)
            return False
        if first:
            await notify(out, event.chat, t(language_of(message), "access.refused"))
        return False

    async def on_step(self, turn: Turn, step: Step, call_next: StepCall) -> None:
        """Skip queued steps of a sender refused since they arrived (blocked meanwhile);
        work interrupted by a restart is always finished."""
        if step.intent is not Intent.RESUME:
            verdict = await self.rules.verdict(turn.message)
            if verdict.refused:
                log.info("chat %s: step %s of %s skipped (%s since it was queued)", turn.chat,
                         step.intent.value, user_entry(turn.message), verdict.value)
                return
        await call_next(turn, step)


class Commands(Middleware):
    """Answers /stats and the admin commands on arrival (and under the chat's lock, should
    one reach the queue)."""

    def __init__(self, commands: AdminCommands) -> None:
        self.commands = commands

    async def on_event(self, event: ChatEvent, out: Outgoing, call_next: EventCall) -> bool:
        """Answer the event's commands now; queue the rest."""
        mine = [s for s in event.steps if s.intent in INTENTS]
        if not mine:
            return await call_next(event, out)
        turn = Turn(event.message, ChatSession(), language_of(event.message), out, _no_state)
        for step in mine:
            await self._answer(turn, step)
        rest = tuple(s for s in event.steps if s.intent not in INTENTS)
        if not rest:
            return False
        return await call_next(ChatEvent(event.message, rest), out)

    async def on_step(self, turn: Turn, step: Step, call_next: StepCall) -> None:
        """Answer a command step; pass the others."""
        if step.intent in INTENTS:
            await self.commands.run(turn, step)
        else:
            await call_next(turn, step)

    async def _answer(self, turn: Turn, step: Step) -> None:
        try:
            await self.commands.run(turn, step)
        except RedisError as exc:
            log.warning("chat %s: /%s failed, Redis unavailable: %r", turn.chat,
                        step.intent.value, exc)
            await notify(turn.out, turn.chat, turn.text("unavailable"))
        except Exception as exc:  # every failure becomes a reply
            error_id = secrets.token_hex(4)
            log.error("chat %s: /%s failed: error %s", turn.chat, step.intent.value, error_id,
                      exc_info=exc)
            await notify(turn.out, turn.chat, turn.text("err_unexpected", error_id=error_id))


class MessageQuota(Middleware):
    """QUOTA_MESSAGES_PER_HOUR: counts each message that may reach NemoVideo when it
    arrives; one over the limit is answered and dropped."""

    def __init__(self, rules: AccessRules, quotas: Quotas, usage: Usage, redis: RedisClient,
                 keys: Keys) -> None:
        self.rules = rules
        self.quotas = quotas
        self.usage = usage
        self.redis = redis
        self.keys = keys

    async def on_event(self, event: ChatEvent, out: Outgoing, call_next: EventCall) -> bool:
        """Count the message or refuse it."""
        message = event.message
        if not any(step.intent in METERED for step in event.steps):
            return await call_next(event, out)
        user = user_entry(message)
        group = group_of(message)
        admin = self.rules.is_admin(message)
        subjects = [] if admin else [s for s in (user, group) if s]
        try:
            reserved = await self.quotas.reserve(Kind.MESSAGES, subjects)
        except RedisError as exc:
            log.warning("chat %s: messages quota unreadable: %r", event.chat, exc)
            await notify(out, event.chat, t(language_of(message), "unavailable"))
            return False
        if isinstance(reserved, Refusal):
            await self._refuse(event, out, reserved)
            return False
        queued = await call_next(event, out)
        try:
            if queued:
                await self.usage.record(Kind.MESSAGES, user, group)
            else:
                await self.quotas.release(reserved)
        except RedisError as exc:
            log.warning("chat %s: message use not recorded: %r", event.chat, exc)
        return queued

    async def _refuse(self, event: ChatEvent, out: Outgoing, refusal: Refusal) -> None:
        log.info("chat %s: %s is over the messages quota (%d/%d)", event.chat,
                 refusal.subject, refusal.used, refusal.limit)
        key = self.keys.quota_told(Kind.MESSAGES.value, refusal.subject, event.chat)
        try:
            first = await self.redis.set(key, "1", nx=True, ex=QUOTA_NOTICE_EVERY)
        except RedisError as exc:
            log.warning("chat %s: quota notice not recorded: %r", event.chat, exc)
            first = True
        if first:
            lang = language_of(event.message)
            await notify(out, event.chat, over_quota(lang, refusal, self.quotas.now()))


async def _no_state(session: ChatSession) -> None:
    raise RuntimeError("a command answered on arrival has no chat state to save")
