"""Putting the access rules, quotas, usage, alerts and their middlewares together for one
process (called by `core.runtime.open_runtime`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from redis.exceptions import RedisError

from core.access.alerts import Alerts, FailureWatch, Monitor, alert_target
from core.access.commands import AdminCommands
from core.access.crypto import TokenCipher
from core.access.gate import AccessGate, Commands, MessageQuota
from core.access.limits import ConfirmNew, CreditQuota, LinkNeedsKey, RenderQuota
from core.access.quotas import Kind, Quotas
from core.access.rules import AccessRules
from core.access.usage import Usage
from core.conversation.middleware import Middleware
from core.identity import Identities
from core.keys import Keys
from core.nemo.api import NemoApi
from core.observed_redis import RedisClient
from core.outgoing import Outgoing
from core.renders.jobs import render_backlog
from core.settings import Settings

log = logging.getLogger(__name__)


def token_cipher(settings: Settings) -> TokenCipher | None:
    """The cipher of SECRET_KEY; None (and one warning) without it."""
    if settings.secret_key is not None:
        return TokenCipher(settings.secret_key.get_secret_value())
    stored = ("" if settings.nemo_token is not None
              else ", and anonymous NemoVideo tokens are kept unencrypted in Redis")
    log.warning("SECRET_KEY is not set: /link is refused%s. Set SECRET_KEY to a Fernet key "
                "to store tokens encrypted.", stored)
    return None


@dataclass
class Access:
    """The started pieces: rules, quotas, usage, alerts, the monitor and the middlewares."""

    rules: AccessRules
    quotas: Quotas
    usage: Usage
    alerts: Alerts
    monitor: Monitor
    middlewares: list[Middleware]
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the monitor loop (only where alerts can be posted)."""
        if self._task is None and self.alerts.reaches_operator:
            self._stopping.clear()
            self._task = asyncio.create_task(self.monitor.run(self._stopping),
                                             name="operator alerts")

    async def stop(self) -> None:
        """Stop the monitor loop; write the usage totals gathered so far."""
        try:
            await self.usage.flush()
        except RedisError as exc:
            log.warning("the last usage totals were not written: %r", exc)
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), 5.0)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def build_access(settings: Settings, *, redis: RedisClient, keys: Keys, nemo: NemoApi,
                 identities: Identities, out: Outgoing, platform: str,
                 link_enabled: bool, trust_everyone: bool = False) -> Access:
    """Everything of the feature, from the settings; `link_enabled` when tokens can be
    stored encrypted; `trust_everyone` treats every sender as an admin (a terminal)."""
    rules = AccessRules(redis, keys, allow=settings.allow, block=settings.block,
                        admins=settings.admins, trust_everyone=trust_everyone)
    quotas = Quotas(redis, keys, {Kind.MESSAGES: settings.quota_messages_per_hour,
                                  Kind.RENDERS: settings.quota_renders_per_day,
                                  Kind.CREDITS: settings.quota_credits_per_month})
    usage = Usage(redis, keys)
    alerts = Alerts(redis, keys, out, alert_target(settings.alert_chat, platform))
    if settings.alert_chat is not None and not alerts.reaches_operator:
        log.info("ALERT_CHAT is on another platform: this %s process logs alerts only",
                 platform)

    async def backlog() -> int:
        return await render_backlog(redis, keys, platform)

    monitor = Monitor(alerts, usage, nemo, identities, platform=platform,
                      render_backlog=backlog, operator_token=settings.nemo_token,
                      credits_below=settings.alert_credits_below,
                      interval=settings.alert_check_interval)
    commands = AdminCommands(rules, quotas, usage, nemo, redis, keys,
                             operator_token=settings.nemo_token,
                             alert_chat=settings.alert_chat)
    middlewares: list[Middleware] = [
        AccessGate(rules, usage, redis, keys),
        Commands(commands),
        MessageQuota(rules, quotas, usage, redis, keys),
        FailureWatch(monitor),
        LinkNeedsKey(link_enabled),
        ConfirmNew(),
        RenderQuota(rules, quotas, usage),
        CreditQuota(rules, quotas, usage, nemo, identities),
    ]
    return Access(rules, quotas, usage, alerts, monitor, middlewares)
