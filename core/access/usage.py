"""What was used, for /stats and /admin: per user, per group chat and in total, by day
and by month; refused messages; NemoVideo failures by minute.

Only counters live here (Redis hashes that expire after their period); the
quotas' exact counters are in `core.access.quotas`. The totals, which every message
counts, are gathered in each process and written at most every `TOTALS_EVERY`
seconds (with a later message, or at the latest when the process stops or reads
them).
"""

from __future__ import annotations

import collections
import time
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from core.access.quotas import Kind, utc_now
from core.keys import Keys
from core.observed_redis import RedisClient
from core.store import text_of

#: the subject of the totals
ALL = "all"
DAY_TTL = 3 * 24 * 3600
MONTH_TTL = 40 * 24 * 3600
#: the failures kept (by minute)
ERROR_MINUTES_KEPT = 120
REFUSED = "refused"
#: seconds the totals' counts are gathered in a process before they are written
TOTALS_EVERY = 1.0



class Counter(NamedTuple):
    """A counter to add to: a hash's field, or (`ranked`) a sorted set's member; `ttl` is
    the expiry its key gets when an addition makes it."""

    key: str
    field: str
    ttl: int
    ranked: bool = False


def day_of(now: datetime) -> str:
    """The period name of a day."""
    return now.strftime("d%Y-%m-%d")


def month_of(now: datetime) -> str:
    """The period name of a month."""
    return now.strftime("m%Y-%m")


@dataclass(frozen=True)
class Used:
    """Messages, renders and credits of one subject in one period."""

    messages: int = 0
    renders: int = 0
    credits: int = 0
    refused: int = 0

    def of(self, kind: Kind) -> int:
        """The count of one kind."""
        value: int = getattr(self, kind.value)
        return value


class Usage:
    """Reads and writes the usage counters."""

    def __init__(self, redis: RedisClient, keys: Keys) -> None:
        self.redis = redis
        self.keys = keys
        self._totals: collections.Counter[Counter] = collections.Counter()
        self._totals_at = time.monotonic()

    async def record(self, kind: Kind, user: str, chat: str | None, amount: int = 1) -> None:
        """Count `amount` of `kind` for the user, the group chat (when given) and the
        totals, today and this month; messages also rank the month's top users."""
        if amount <= 0:
            return
        now = utc_now()
        periods = ((day_of(now), DAY_TTL), (month_of(now), MONTH_TTL))
        adding: collections.Counter[Counter] = collections.Counter({
            Counter(self.keys.usage(subject, period), kind.value, ttl): amount
            for subject in (user, chat) if subject for period, ttl in periods})
        if kind is Kind.MESSAGES:
            adding[Counter(self.keys.usage_top(month_of(now)), user, MONTH_TTL, True)] = amount
        self._totals.update({Counter(self.keys.usage(ALL, period), kind.value, ttl): amount
                             for period, ttl in periods})
        if time.monotonic() - self._totals_at >= TOTALS_EVERY:
            adding.update(self._take_totals())
        await self._add(adding)

    async def flush(self) -> None:
        """Write the totals gathered so far."""
        await self._add(self._take_totals())

    def _take_totals(self) -> collections.Counter[Counter]:
        totals, self._totals = self._totals, collections.Counter()
        self._totals_at = time.monotonic()
        return totals

    async def _add(self, adding: collections.Counter[Counter]) -> None:
        """Add to the counters; those the additions made get their expiry (the others
        have one)."""
        if not adding:
            return
        counters = list(adding.items())
        async with self.redis.pipeline(transaction=False) as pipe:
            for counter, amount in counters:
                if counter.ranked:
                    pipe.zincrby(counter.key, amount, counter.field)
                else:
                    pipe.hincrby(counter.key, counter.field, amount)
            counts = await pipe.execute()
        new = [(counter.key, counter.ttl) for (counter, amount), count
               in zip(counters, counts, strict=True) if float(count) <= amount]
        if not new:
            return
        async with self.redis.pipeline(transaction=False) as pipe:
            for key, ttl in new:
                pipe.expire(key, ttl)
            await pipe.execute()

    async def refused(self) -> None:
        """Count a refused message (today's total)."""
        key = self.keys.usage(ALL, day_of(utc_now()))
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hincrby(key, REFUSED, 1)
            pipe.expire(key, DAY_TTL)
            await pipe.execute()

    async def read(self, subject: str) -> tuple[Used, Used]:
        """The subject's use today and this month."""
        if subject == ALL:
            await self.flush()
        now = utc_now()
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(self.keys.usage(subject, day_of(now)))
            pipe.hgetall(self.keys.usage(subject, month_of(now)))
            day, month = await pipe.execute()
        return _used(day), _used(month)

    async def top(self, count: int = 5) -> list[tuple[str, Used]]:
        """This month's users with the most messages, with their month's use."""
        ranked = await self.redis.zrevrange(self.keys.usage_top(month_of(utc_now())), 0,
                                            count - 1)
        users = [text_of(u) for u in ranked if isinstance(u, bytes | str)]
        return [(user, (await self.read(user))[1]) for user in users]

    # -- NemoVideo failures ----------------------------------------------------
    async def backend_error(self) -> None:
        """Count one NemoVideo failure (this minute)."""
        key = self.keys.backend_errors(int(time.time() // 60))
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.incr(key)
            pipe.expire(key, ERROR_MINUTES_KEPT * 60)
            await pipe.execute()

    async def backend_errors(self, minutes: int = 60) -> int:
        """NemoVideo failures in the last `minutes` minutes."""
        now = int(time.time() // 60)
        async with self.redis.pipeline(transaction=False) as pipe:
            for minute in range(minutes):  # GETs, not MGET: the keys are in many slots
                pipe.get(self.keys.backend_errors(now - minute))
            found = await pipe.execute()
        return sum(int(text_of(v)) for v in found if v is not None)


def _used(raw: dict[bytes | str, bytes | str]) -> Used:
    values = {text_of(k): int(text_of(v)) for k, v in raw.items()}
    return Used(values.get("messages", 0), values.get("renders", 0), values.get("credits", 0),
                values.get(REFUSED, 0))
