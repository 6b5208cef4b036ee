"""Operator alerts: the bot posts to ALERT_CHAT when the operator token is refused, the
operator's credits run out or run low, NemoVideo keeps failing, or the render backlog
keeps growing.

A process posts through its own adapter, so only processes of ALERT_CHAT's
platform post (a Discord process cannot write to a Telegram chat); the others
log the alert. Each kind is posted at most once per `COOLDOWN`, across
processes (a Redis key with an expiry). Step failures are reported at once
(`FailureWatch`); a `Monitor` loop also checks the operator's balance, the
failure count and the backlog every ALERT_CHECK_INTERVAL seconds.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable

from pydantic import SecretStr
from redis.exceptions import RedisError

from core.access import texts as _texts  # noqa: F401  (registers the texts)
from core.access.usage import Usage
from core.aio import rest
from core.conversation.middleware import Middleware, StepCall
from core.conversation.turn import Turn
from core.i18n import t
from core.identity import Identities
from core.intents import Step
from core.keys import Keys
from core.messages import ChatKey
from core.nemo import errors
from core.nemo.api import NemoApi
from core.nemo.models import Credentials, amount_text
from core.observed_redis import RedisClient
from core.outgoing import Outgoing

log = logging.getLogger(__name__)

#: an alert of one kind is posted at most this often (seconds)
COOLDOWN = 3600
#: "keeps failing": this many NemoVideo failures within FAILURE_MINUTES
FAILURE_COUNT = 5
FAILURE_MINUTES = 10
#: "keeps growing": the backlog grew at each of this many checks and is at least BACKLOG_MIN
BACKLOG_CHECKS = 3
BACKLOG_MIN = 5
#: what counts as NemoVideo failing (not the user's request being refused)
BACKEND_FAILURES = (errors.ServerError, errors.NemoConnectionError, errors.StreamTimedOut,
                    errors.ProtocolError)
#: the alerts' language (the operator's texts)
LANGUAGE = "en"


def alert_target(entry: str | None, platform: str) -> ChatKey | None:
    """The chat of ALERT_CHAT (`telegram:chat:<id>`, `discord:channel:<id>`) when this
    process's platform can post there."""
    if entry is None:
        return None
    target_platform, _, target_id = entry.split(":", 2)
    return ChatKey(target_platform, target_id) if target_platform == platform else None


class Alerts:
    """Posts alerts to the alert chat through this process's outgoing side."""

    def __init__(self, redis: RedisClient, keys: Keys, out: Outgoing, target: ChatKey | None, *,
                 cooldown: float = COOLDOWN) -> None:
        self.redis = redis
        self.keys = keys
        self.out = out
        self.target = target
        self.cooldown = cooldown
        #: when this process last logged each alert it has no chat to post to
        self._logged: dict[str, float] = {}

    @property
    def reaches_operator(self) -> bool:
        """Whether this process posts alerts (an alert chat on its platform)."""
        return self.target is not None

    async def post(self, kind: str, **details: object) -> bool:
        """Post the alert `kind` unless one was posted within the cooldown; True if sent."""
        text = t(LANGUAGE, f"alert.{kind}", **details)
        if self.target is None:  # said in the log, once a cooldown like a post
            now = time.monotonic()
            if now - self._logged.get(kind, -math.inf) >= self.cooldown:
                self._logged[kind] = now
                log.warning("operator alert (no alert chat on this platform): %s", text)
            return False
        key = self.keys.alert_sent(kind)
        try:
            if not await self.redis.set(key, "1", nx=True, ex=int(self.cooldown)):
                log.debug("operator alert %s not repeated (posted within %.0f s)", kind,
                          self.cooldown)
                return False
            await self.out.send_text(self.target, text)
        except Exception as exc:
            log.error("operator alert %s could not be posted to %s: %r", kind, self.target, exc)
            await self._forget(key)
            return False
        log.warning("operator alert posted to %s: %s", self.target, text)
        return True

    async def _forget(self, key: str) -> None:
        try:
            await self.redis.delete(key)
        except RedisError as exc:
            log.warning("the alert marker %s stays until it expires: %r", key, exc)


class Monitor:
    """Watches what the operator should hear about and posts alerts."""

    def __init__(self, alerts: Alerts, usage: Usage, nemo: NemoApi, identities: Identities, *,
                 platform: str, render_backlog: Callable[[], Awaitable[int]],
                 operator_token: SecretStr | None, credits_below: int | None,
                 interval: float) -> None:
        self.alerts = alerts
        self.usage = usage
        self.nemo = nemo
        self.identities = identities
        self.platform = platform
        self.render_backlog = render_backlog
        self.operator_token = operator_token
        self.credits_below = credits_below
        self.interval = interval
        self.last_error = ""
        self._backlog: deque[int] = deque(maxlen=BACKLOG_CHECKS + 1)

    async def run(self, stopping: asyncio.Event) -> None:
        """Check every `interval` seconds until `stopping` is set."""
        while not stopping.is_set():
            try:
                await self.check_once()
            except (RedisError, OSError) as exc:
                log.warning("the operator checks failed: %r", exc)
            await rest(stopping, self.interval)

    async def check_once(self) -> None:
        """The operator's balance, the failures and the backlog, once."""
        await self._balance()
        await self._failures()
        await self._growing_backlog()

    # -- what steps report -------------------------------------------------------
    async def failed(self, chat: ChatKey, exc: BaseException) -> None:
        """A step failed with `exc`: count NemoVideo failures, alert about the operator's
        token or credits."""
        if isinstance(exc, errors.TokenExpired) and await self._on_operator_token(chat):
            await self.alerts.post("token_refused")
        elif isinstance(exc, errors.OutOfCredits) and await self._on_operator_token(chat):
            await self.alerts.post("credits_out")
        elif isinstance(exc, BACKEND_FAILURES):
            await self._backend_failed(exc)

    async def _on_operator_token(self, chat: ChatKey) -> bool:
        """Whether the chat talks to NemoVideo with the operator's token (not a linked one)."""
        if self.operator_token is None:
            return False
        identity = await self.identities.sessions.load_identity(chat)
        return identity.kind != "linked"

    async def _backend_failed(self, exc: BaseException) -> None:
        self.last_error = f"{type(exc).__name__}: {getattr(exc, 'message', '') or exc}"[:200]
        await self.usage.backend_error()
        await self._failures()

    # -- the checks ----------------------------------------------------------------
    async def _balance(self) -> None:
        if self.operator_token is None:
            return
        try:
            balance = await self.nemo.credits(Credentials(self.operator_token))
        except errors.TokenExpired:
            await self.alerts.post("token_refused")
            return
        except errors.OutOfCredits:
            await self.alerts.post("credits_out")
            return
        except BACKEND_FAILURES as exc:
            await self._backend_failed(exc)
            return
        except errors.NemoError as exc:
            log.info("the operator's balance could not be read: %r", exc)
            return
        if self.credits_below is not None and balance.available < self.credits_below:
            await self.alerts.post("credits_low", available=amount_text(balance.available),
                                   threshold=self.credits_below)

    async def _failures(self) -> None:
        count = await self.usage.backend_errors(FAILURE_MINUTES)
        if count >= FAILURE_COUNT:
            await self.alerts.post("backend_failing", count=count, minutes=FAILURE_MINUTES,
                                   error=self.last_error or "see the logs")

    async def _growing_backlog(self) -> None:
        size = await self.render_backlog()
        self._backlog.append(size)
        samples = list(self._backlog)
        if len(samples) <= BACKLOG_CHECKS or size < BACKLOG_MIN:
            return
        if all(later > earlier for earlier, later in itertools.pairwise(samples)):
            await self.alerts.post("backlog", counts=" → ".join(map(str, samples)),
                                   platform=self.platform)


class FailureWatch(Middleware):
    """Reports every failed step to the monitor (the failure still reaches the user)."""

    def __init__(self, monitor: Monitor) -> None:
        self.monitor = monitor

    async def on_step(self, turn: Turn, step: Step, call_next: StepCall) -> None:
        """Pass the step; on failure, report it and re-raise."""
        try:
            await call_next(turn, step)
        except Exception as exc:
            try:
                await self.monitor.failed(turn.chat, exc)
            except Exception as report_error:
                log.warning("chat %s: a failure could not be reported: %r", turn.chat,
                            report_error)
            raise
