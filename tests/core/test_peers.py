"""The processes sending as one bot count each other in Redis (`core.peers`), on one
Redis and on a cluster."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from core.keys import Keys
from core.observed_redis import RedisClient, redis_client
from core.peers import BEAT, GONE, Peers, counted
from tests.waiting import wait_until

KEY = Keys().senders("telegram")


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


class Beats:
    """The sleep between two beats, ended by the test (`next`) rather than by time."""

    def __init__(self) -> None:
        self._go = asyncio.Event()
        self.waits = 0  #: how many times the process has slept after a beat

    async def __call__(self, seconds: float) -> None:
        assert seconds == BEAT
        self.waits += 1
        await self._go.wait()
        self._go.clear()

    def next(self) -> None:
        """Let the next beat happen."""
        self._go.set()


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[RedisClient]:
    client = redis_client(redis_url, cluster=redis_url.startswith("redis+cluster://"))
    try:
        yield client
    finally:
        await client.aclose()


async def test_processes_count_each_other_and_a_silent_one_drops_out(
        redis: RedisClient) -> None:
    clock = Clock()
    a, b, c = (Peers(redis, KEY, name, clock=clock) for name in ("a", "b", "c"))
    assert await a.beat() == 1
    assert await b.beat() == 2
    assert await c.beat() == 3
    clock.now += GONE - 1
    assert await a.beat() == 3, "within GONE seconds, a process counts"
    assert await b.beat() == 3
    clock.now += 2  # c was last seen more than GONE seconds ago: killed, say
    assert await a.beat() == 2
    await b.leave()
    assert await a.beat() == 1, "a process that stops leaves at once"
    assert 0 < await redis.ttl(KEY) <= GONE * 3, "the set expires with its processes"


async def test_the_count_is_given_at_first_and_on_every_change(redis: RedisClient) -> None:
    counts: list[int] = []
    firsts: list[bool] = []

    def on_count(count: int, first: bool) -> None:
        counts.append(count)
        firsts.append(first)

    beats, other = Beats(), Peers(redis, KEY, "other")
    async with counted(Peers(redis, KEY, "me", sleep=beats), on_count):
        await wait_until(lambda: counts == [1], what="the first count")
        await other.beat()
        beats.next()
        await wait_until(lambda: counts == [1, 2], what="the other process counted")
        beats.next()
        await wait_until(lambda: beats.waits == 3, what="a beat without a change")
        assert counts == [1, 2], "no change: nothing said"
        await other.leave()
        beats.next()
        await wait_until(lambda: counts == [1, 2, 1], what="the other process gone")
    assert firsts == [True, False, False]
    assert await redis.zrange(KEY, 0, -1) == [], "it left at the block's end"


async def test_a_redis_failure_keeps_the_last_count(
        redis: RedisClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="core.peers")
    counts: list[int] = []
    beats = Beats()
    peers = Peers(redis, KEY, "me", sleep=beats)
    failing = False
    beat = peers.beat

    async def flaky() -> int:
        if failing:
            raise RedisConnectionError("Redis went away")
        return await beat()

    peers.beat = flaky  # type: ignore[method-assign]
    task = asyncio.create_task(peers.run(lambda count, _: counts.append(count)))
    try:
        await wait_until(lambda: counts == [1], what="the first count")
        failing = True
        await Peers(redis, KEY, "other").beat()
        beats.next()
        await wait_until(lambda: beats.waits == 2, what="the failed beat")
        beats.next()
        await wait_until(lambda: beats.waits == 3, what="a second failed beat")
        assert counts == [1], "no count while Redis fails, and no failure either"
        warned = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warned) == 1, "one warning for the outage, not one a beat"
        failing = False
        beats.next()
        await wait_until(lambda: counts == [1, 2], what="the count once Redis is back")
        assert any("again" in r.getMessage() for r in caplog.records)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
