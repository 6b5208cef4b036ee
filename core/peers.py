"""The processes that send as one bot, counted in Redis, so that they share the platform's
bot-wide limits (Telegram's about 30 messages a second hold for the bot, however many
processes send them).

Each process beats every `BEAT` seconds: it puts its time in a sorted set and drops
the members not seen for `GONE` seconds (a process that was killed); the set's size is
how many send. A process that stops leaves at once, so the others take its share back
at their next beat. A process that joins others is told so (`first`): they keep their
larger shares until their next beat, so it should wait that long. While Redis cannot
be reached, a process keeps the count it last had.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from redis.exceptions import RedisError

from core.aio import alongside
from core.logs import Outage
from core.observed_redis import RedisClient

log = logging.getLogger(__name__)

#: seconds between two beats of a process
BEAT = 1.0
#: seconds without a beat after which a process no longer counts
GONE = 10.0


class Peers:
    """This process (`me`) among those sending as one bot (the sorted set `key`)."""

    def __init__(self, redis: RedisClient, key: str, me: str, *,
                 clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.redis = redis
        self.key = key
        self.me = me
        self.clock = clock
        self.sleep = sleep

    async def beat(self) -> int:
        """Say this process is alive; how many are (this one included)."""
        now = self.clock()
        async with self.redis.pipeline(transaction=True) as pipe:  # one key: one slot
            pipe.zadd(self.key, {self.me: now})
            pipe.zremrangebyscore(self.key, "-inf", now - GONE)
            pipe.zcard(self.key)
            pipe.expire(self.key, int(GONE * 3))
            _, _, count, _ = await pipe.execute()
        return max(1, int(count))

    async def leave(self) -> None:
        """This process stops sending: the others need not wait `GONE` seconds."""
        try:
            await self.redis.zrem(self.key, self.me)
        except RedisError as exc:
            log.info("could not leave %s: %r (the others drop it within %.0f s)",
                     self.key, exc, GONE)

    async def run(self, on_count: Callable[[int, bool], None]) -> None:
        """Beat until cancelled, calling `on_count(count, first)` with the first count
        (`first` True) and every change (`leave` is the caller's, once this is
        cancelled)."""
        last: int | None = None
        outage = Outage(log, "counting the processes sending as this bot (the last count "
                             "stands meanwhile)")
        while True:
            try:
                count = await self.beat()
            except RedisError as exc:
                outage.failed(exc)
            else:
                outage.worked()
                if count != last:
                    on_count(count, last is None)
                    last = count
            await self.sleep(BEAT)


@contextlib.asynccontextmanager
async def counted(peers: Peers,
                  on_count: Callable[[int, bool], None]) -> AsyncIterator[None]:
    """`peers.run(on_count)` for the block; this process leaves at its end."""
    try:
        async with alongside(peers.run(on_count), "senders"):
            yield
    finally:
        await peers.leave()
