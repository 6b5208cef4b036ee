"""What was used, for /stats and /admin: per user, per group chat and in total, by day
and by month; refused messages; NemoVideo failures by minute.

Only counters live here (Redis hashes that expire after their period); the
quotas' exact counters are in `core.access.quotas`. A subject's month is one hash:
the month's counts (`messages`, `renders`, `credits`) and each day's
(`d2026-12-01.messages`), so a message is counted with one command (a script on
one key). Every count (a user's, a group's, the totals) and the month's ranking of
users are gathered in each process and written at most every `TOTALS_EVERY`
seconds (with a later message, or at the latest when the process stops or reads
them): a message costs no Redis command of its own here. A process that dies
loses at most that second of counts; the quotas, which refuse, are counted
exactly (`core.access.quotas`).

Days counted before the month hash held them were kept in a hash of their own
(`usage:<subject>:d2026-12-01`): those are still read, and added, until they
expire (three days).
"""

from __future__ import annotations

import collections
import time
from dataclasses import dataclass
from datetime import datetime

from core.access.quotas import Kind, utc_now
from core.keys import Keys
from core.observed_redis import RedisClient
from core.store import text_of

#: the subject of the totals
ALL = "all"
MONTH_TTL = 40 * 24 * 3600
#: the failures kept (by minute)
ERROR_MINUTES_KEPT = 120
REFUSED = "refused"
#: seconds the totals' counts are gathered in a process before they are written
TOTALS_EVERY = 1.0

#: add to a hash's fields (ARGV: ttl, then field, amount pairs); a hash without an
#: expiry gets `ttl`
_ADD = """
for i = 2, #ARGV, 2 do
  redis.call('hincrby', KEYS[1], ARGV[i], ARGV[i + 1])
end
if redis.call('ttl', KEYS[1]) < 0 then
  redis.call('expire', KEYS[1], ARGV[1])
end
return 1
"""

#: add to a sorted set's members (ARGV: ttl, then member, amount pairs); the same expiry
_RANK = """
for i = 2, #ARGV, 2 do
  redis.call('zincrby', KEYS[1], ARGV[i + 1], ARGV[i])
end
if redis.call('ttl', KEYS[1]) < 0 then
  redis.call('expire', KEYS[1], ARGV[1])
end
return 1
"""

#: additions by key, then by field (or ranked member)
Additions = dict[str, collections.Counter[str]]


def day_of(now: datetime) -> str:
    """The period name of a day."""
    return now.strftime("d%Y-%m-%d")


def month_of(now: datetime) -> str:
    """The period name of a month."""
    return now.strftime("m%Y-%m")


def day_field(day: str, kind: str) -> str:
    """The field of a day's count in its month's hash."""
    return f"{day}.{kind}"


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
        self._add_script = redis.register_script(_ADD)
        self._rank_script = redis.register_script(_RANK)
        self._totals: Additions = {}
        self._ranks: Additions = {}
        self._totals_at = time.monotonic()

    async def record(self, kind: Kind, user: str, chat: str | None, amount: int = 1) -> None:
        """Count `amount` of `kind` for the user, the group chat (when given) and the
        totals, today and this month; messages also rank the month's top users."""
        if amount <= 0:
            return
        now = utc_now()
        month, fields = month_of(now), {kind.value: amount,
                                        day_field(day_of(now), kind.value): amount}
        for subject in (user, chat, ALL):
            if subject:
                _gather(self._totals, self.keys.usage(subject, month), fields)
        if kind is Kind.MESSAGES:
            _gather(self._ranks, self.keys.usage_top(month), {user: amount})
        if time.monotonic() - self._totals_at >= TOTALS_EVERY:
            await self.flush()

    async def flush(self) -> None:
        """Write the counts and rankings gathered so far."""
        totals, ranks = self._totals, self._ranks
        self._totals, self._ranks, self._totals_at = {}, {}, time.monotonic()
        for key, fields in totals.items():
            await self._add(key, fields)
        for key, members in ranks.items():
            await self._rank_script(keys=[key], args=[MONTH_TTL, *_pairs(members)])

    async def _add(self, key: str, fields: collections.Counter[str] | dict[str, int]) -> None:
        await self._add_script(keys=[key], args=[MONTH_TTL, *_pairs(fields)])

    async def refused(self) -> None:
        """Count a refused message (today's total)."""
        now = utc_now()
        await self._add(self.keys.usage(ALL, month_of(now)), {day_field(day_of(now), REFUSED): 1})

    async def read(self, subject: str) -> tuple[Used, Used]:
        """The subject's use today and this month."""
        await self.flush()
        now = utc_now()
        day = day_of(now)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(self.keys.usage(subject, month_of(now)))
            pipe.hgetall(self.keys.usage(subject, day))  # a day counted in its own hash
            month_raw, old_day_raw = await pipe.execute()
        month = _counts(month_raw)
        today = collections.Counter(_counts(old_day_raw))
        today.update({name[len(day) + 1:]: count for name, count in month.items()
                      if name.startswith(day + ".")})
        return _used(today), _used(month)

    async def top(self, count: int = 5) -> list[tuple[str, Used]]:
        """This month's users with the most messages, with their month's use."""
        await self.flush()
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


def _counts(raw: dict[bytes | str, bytes | str]) -> dict[str, int]:
    return {text_of(k): int(text_of(v)) for k, v in raw.items()}


def _used(values: dict[str, int] | collections.Counter[str]) -> Used:
    return Used(values.get("messages", 0), values.get("renders", 0), values.get("credits", 0),
                values.get(REFUSED, 0))


def _gather(into: Additions, key: str, amounts: dict[str, int]) -> None:
    into.setdefault(key, collections.Counter()).update(amounts)


def _pairs(amounts: collections.Counter[str] | dict[str, int]) -> list[str | int]:
    return [item for name, amount in amounts.items() for item in (name, amount)]
