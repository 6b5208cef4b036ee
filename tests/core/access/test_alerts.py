"""The operator's alerts from the periodic checks: a growing render backlog (a real
render stream in Redis), rate-limited per kind across processes."""

from __future__ import annotations

import logging

import pytest
from redis.asyncio import Redis

from core.access.alerts import BACKLOG_CHECKS, Alerts, Monitor
from core.access.usage import Usage
from core.collecting import CollectingOutput
from core.identity import Identities
from core.keys import Keys
from core.messages import ChatKey
from core.nemo.client import NemoClient
from core.simulator import Simulator
from core.store import SessionStore
from tests.kits import conversation

OPS = ChatKey("test", "ops")


async def test_a_growing_backlog_is_posted_once(redis_client: Redis,
                                                simulator: Simulator) -> None:
    keys, out = Keys(), CollectingOutput()
    stream = keys.render_stream(ChatKey("test", "1"))
    settings = conversation.test_settings(simulator)

    async def backlog() -> int:
        return int(await redis_client.xlen(stream))

    async with NemoClient(settings) as nemo:
        monitors = [Monitor(Alerts(redis_client, keys, out, OPS), Usage(redis_client, keys),
                            nemo, Identities(SessionStore(redis_client), nemo), platform="test",
                            render_backlog=backlog, operator_token=None, credits_below=None,
                            interval=60) for _ in range(2)]
        for _ in range(4):
            await redis_client.xadd(stream, {"job": "x"})
        for monitor in monitors:
            await monitor.check_once()
        for _ in range(BACKLOG_CHECKS):  # more unfinished renders at every check
            await redis_client.xadd(stream, {"job": "x"})
            for monitor in monitors:  # two processes watching the same backlog
                await monitor.check_once()
        await redis_client.xadd(stream, {"job": "x"})
        for monitor in monitors:
            await monitor.check_once()
    [alert] = out.texts(OPS)
    assert "render backlog keeps growing: 4 → 5 → 6 → 7" in alert
    assert await redis_client.ttl(keys.alert_sent("backlog")) > 3000


async def test_a_steady_backlog_is_not_posted(redis_client: Redis, simulator: Simulator) -> None:
    keys, out = Keys(), CollectingOutput()
    stream = keys.render_stream(ChatKey("test", "1"))

    async def backlog() -> int:
        return int(await redis_client.xlen(stream))

    async with NemoClient(conversation.test_settings(simulator)) as nemo:
        monitor = Monitor(Alerts(redis_client, keys, out, OPS), Usage(redis_client, keys), nemo,
                          Identities(SessionStore(redis_client), nemo), platform="test",
                          render_backlog=backlog, operator_token=None, credits_below=None,
                          interval=60)
        for added in (9, 0, 1, 1, 0, 1):  # growing, but not at every check
            for _ in range(added):
                await redis_client.xadd(stream, {"job": "x"})
            await monitor.check_once()
    assert out.texts(OPS) == []


async def test_without_an_alert_chat_an_alert_is_logged_once_a_cooldown(
        redis_client: Redis, caplog: pytest.LogCaptureFixture) -> None:
    """No alert chat on this platform: the alert is a warning in the log, said again only
    after the cooldown (a revoked token fails every chat's calls: not a line each)."""
    caplog.set_level(logging.DEBUG, logger="core.access.alerts")
    alerts = Alerts(redis_client, Keys(), CollectingOutput(), None, cooldown=3600)
    for _ in range(3):
        assert not await alerts.post("credits_out")
    await alerts.post("credits_low", available="5", threshold=10)
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(said) == 2, said
    assert not await redis_client.exists(Keys().alert_sent("credits_out")), \
        "the marker of a post is left to the process that has the alert chat"
