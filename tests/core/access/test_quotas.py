"""Quotas against a real Redis: calendar windows, exact counting under concurrency across
processes (two runtimes sharing Redis and the simulator), and admins' overrides."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr
from redis.asyncio import Redis

from core.access.commands import _limit
from core.access.quotas import Kind, Quotas, Refusal, Reservation, window_of
from core.collecting import CollectingOutput
from core.embedded_redis import EmbeddedRedis
from core.keys import Keys
from core.messages import ChatKey, IncomingMessage, User
from core.runtime import open_runtime
from core.simulator import Simulator
from tests.kits import conversation
from tests.kits.renders import OPERATOR_TOKEN, new_project
from tests.waiting import wait_until


def test_windows_are_calendar_windows_in_utc() -> None:
    now = datetime(2024, 12, 31, 23, 59, 30, tzinfo=UTC)
    hour, day, month = (window_of(unit, now) for unit in ("hour", "day", "month"))
    assert (hour.name, hour.end) == ("2024-12-31T23", datetime(2025, 1, 1, tzinfo=UTC))
    assert (day.name, day.end) == ("2024-12-31", datetime(2025, 1, 1, tzinfo=UTC))
    assert (month.name, month.end) == ("2024-12", datetime(2025, 1, 1, tzinfo=UTC))
    assert hour.ttl(now) == 30 + 120, "the counter expires when its window is over"


def test_limits_admins_write() -> None:
    assert _limit("renders=5/day") == (Kind.RENDERS, 5)
    assert _limit("messages=30") == (Kind.MESSAGES, 30)
    assert _limit("credits=unlimited/month") == (Kind.CREDITS, None)
    assert _limit("credits=default") == (Kind.CREDITS, "default")
    with pytest.raises(ValueError, match="renders are counted per day"):
        _limit("renders=5/hour")
    with pytest.raises(ValueError, match="not a limit"):
        _limit("videos=5")


async def test_reservations_never_pass_the_limit_and_are_given_back(
        redis_client: Redis) -> None:
    quotas = Quotas(redis_client, Keys(), {Kind.RENDERS: 3})
    user, group = "test:user:1", "test:chat:-5"
    await quotas.set_limit(group, Kind.RENDERS, 2)
    results = await asyncio.gather(*(quotas.reserve(Kind.RENDERS, [user, group])
                                     for _ in range(20)))
    assert sum(isinstance(r, Reservation) for r in results) == 2, "the group's limit"
    refusal = next(r for r in results if isinstance(r, Refusal))
    assert (refusal.subject, refusal.used, refusal.limit) == (group, 2, 2)
    assert (await quotas.used(Kind.RENDERS, user))[0] == 2, "refusals gave theirs back"
    for reserved in results:
        if isinstance(reserved, Reservation):
            await quotas.release(reserved)
    assert (await quotas.used(Kind.RENDERS, user))[0] == 0
    key = Keys().quota("renders", user, window_of("day", quotas.now()).name)
    assert 0 < await redis_client.ttl(key) <= 24 * 3600 + 120
    await quotas.set_limit(user, Kind.RENDERS, None)
    assert await quotas.limit(Kind.RENDERS, user) is None, "unlimited for this user"
    await quotas.set_limit(user, Kind.RENDERS, "default")
    assert await quotas.limit(Kind.RENDERS, user) == 3


async def test_fifty_parallel_exports_on_two_processes_start_exactly_the_quota(
        simulator: Simulator, redis_server: EmbeddedRedis, tmp_path: Path) -> None:
    """One user exports 50 projects at once through two processes sharing Redis, with
    QUOTA_RENDERS_PER_DAY=5: exactly 5 renders are submitted."""
    simulator.config.operator_tokens = [OPERATOR_TOKEN]
    settings = conversation.test_settings(
        simulator, nemo_token=OPERATOR_TOKEN, quota_renders_per_day=5,
        redis_url=SecretStr(redis_server.url), data_dir=tmp_path)
    outs = [CollectingOutput(), CollectingOutput()]
    async with (open_runtime(settings, outs[0], platform="test", consumer="one") as one,
                open_runtime(settings, outs[1], platform="test", consumer="two") as two):
        chats = [ChatKey("test", f"project-{n}") for n in range(50)]
        for chat in chats:
            await one.sessions.save(chat, await new_project(one.nemo, simulator.store.sessions))
        runtimes = itertools.cycle([one, two])
        await asyncio.gather(*(
            next(runtimes).dispatcher.handle(
                IncomingMessage(chat, User("ada", "Ada"), f"m{n}", "/export"))
            for n, chat in enumerate(chats)))

        def answers() -> list[str]:
            return [t for out in outs for t in out.texts()
                    if "Rendering" in t or "renders today" in t]

        await wait_until(lambda: len(answers()) == 50, within=20.0, what="50 answers",
                         show=lambda: len(answers()))
        used, _ = await one.access.quotas.used(Kind.RENDERS, "test:user:ada")
    submitted = [r for r in simulator.requests if r["kind"] == "render_submit"]
    assert len(submitted) == 5
    assert used == 5
    assert sum("You've used 5 of your 5 renders today" in t for t in answers()) == 45
