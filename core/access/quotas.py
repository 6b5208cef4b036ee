"""Quotas: messages an hour, renders a day, credits a month, per user and per group chat.

Windows are calendar windows in UTC (the hour, the day, the month), so "when it
resets" is a clear time. Each subject's use of a window is one Redis counter
whose key names the window and which expires when the window is over. A
reservation (a message, a render) checks and counts the sender's and the
chat's counters in one script, so two processes can never both take the last
unit (the counters share one hash tag for that); credits are known only after a
turn, so they are added afterwards and checked before the next one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from core.fresh import Fresh
from core.keys import Keys
from core.observed_redis import RedisClient
from core.store import text_of

#: a counter outlives its window by this much (a reservation released just after the end)
TTL_MARGIN = 120
#: seconds the admins' overrides are kept before they are read again (a change made
#: through this process applies at once)
OVERRIDES_FRESH = 5.0

# KEYS: the subjects' counters.  ARGV: amount, ttl, then each counter's limit.  Counts
# `amount` on every counter unless that would pass one's limit; returns 0 (counted) or the
# 1-based index of the first counter that refused, then that counter's use.
_RESERVE = """
local amount = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  local used = tonumber(redis.call('get', key) or '0')
  if used + amount > tonumber(ARGV[i + 2]) then
    return {i, used}
  end
end
for _, key in ipairs(KEYS) do
  redis.call('incrby', key, amount)
  redis.call('expire', key, ARGV[2])
end
return {0, 0}
"""
# KEYS: counter.  ARGV: amount.  Gives back a reservation (never below 0, never revives
# an expired window).
_RELEASE = """
local used = tonumber(redis.call('get', KEYS[1]) or '0')
if used <= 0 then return 0 end
return redis.call('decrby', KEYS[1], math.min(used, tonumber(ARGV[1])))
"""


class Kind(StrEnum):
    """What a quota counts."""

    MESSAGES = "messages"
    RENDERS = "renders"
    CREDITS = "credits"

    @property
    def window(self) -> str:
        """The window the quota counts over: hour, day or month."""
        return _WINDOWS[self]


_WINDOWS = {Kind.MESSAGES: "hour", Kind.RENDERS: "day", Kind.CREDITS: "month"}


@dataclass(frozen=True)
class Window:
    """One calendar window in UTC."""

    name: str
    start: datetime
    end: datetime

    def ttl(self, now: datetime) -> int:
        """Seconds a counter of this window is kept from `now`."""
        return max(1, int((self.end - now).total_seconds())) + TTL_MARGIN


def utc_now() -> datetime:
    """The current time, in UTC."""
    return datetime.now(UTC)


def window_of(unit: str, now: datetime) -> Window:
    """The hour, day or month that holds `now` (UTC)."""
    now = now.astimezone(UTC)
    if unit == "hour":
        start = now.replace(minute=0, second=0, microsecond=0)
        return Window(start.strftime("%Y-%m-%dT%H"), start, start + timedelta(hours=1))
    if unit == "day":
        start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        return Window(start.strftime("%Y-%m-%d"), start, start + timedelta(days=1))
    if unit == "month":
        start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        end = (start + timedelta(days=32)).replace(day=1)
        return Window(start.strftime("%Y-%m"), start, end)
    raise ValueError(f"unknown window {unit!r}")


@dataclass(frozen=True)
class Refusal:
    """A subject is over a quota: what it used, its limit, and when that resets."""

    kind: Kind
    subject: str
    used: int
    limit: int
    resets_at: datetime


@dataclass
class Reservation:
    """Units counted by `Quotas.reserve`, to give back if the work did not happen."""

    kind: Kind
    amount: int
    keys: list[str]


class Quotas:
    """The limits (settings, and admins' per-subject overrides) and the counters."""

    def __init__(self, redis: RedisClient, keys: Keys, defaults: dict[Kind, int | None],
                 clock: Callable[[], datetime] | None = None) -> None:
        self.redis = redis
        self.keys = keys
        self.defaults = dict(defaults)
        self.clock = clock or utc_now
        self._reserve = redis.register_script(_RESERVE)
        self._release = redis.register_script(_RELEASE)
        self._overrides: Fresh[dict[str, str]] = Fresh(self._read_overrides, OVERRIDES_FRESH)

    def now(self) -> datetime:
        """The current time in UTC."""
        return self.clock()

    # -- limits ---------------------------------------------------------------
    async def limit(self, kind: Kind, subject: str) -> int | None:
        """The subject's limit: an admin's override, else the setting; None: unlimited.
        The overrides are read again at most every `OVERRIDES_FRESH` seconds."""
        value = (await self._overrides.get()).get(_field(subject, kind))
        if value is None:
            return self.defaults.get(kind)
        return int(value) if value.isdigit() else None

    async def _read_overrides(self) -> dict[str, str]:
        raw = await self.redis.hgetall(self.keys.quota_overrides())
        return {text_of(k): text_of(v) for k, v in raw.items()}

    async def set_limit(self, subject: str, kind: Kind, limit: int | str | None) -> None:
        """Override a subject's limit (an int, None for unlimited); "default" removes it."""
        key, field = self.keys.quota_overrides(), _field(subject, kind)
        if limit == "default":
            await self.redis.hdel(key, field)
        else:
            await self.redis.hset(key, field, "unlimited" if limit is None else str(limit))
        self._overrides.forget()

    async def overrides(self) -> dict[str, dict[Kind, int | None]]:
        """Every override, by subject."""
        found: dict[str, dict[Kind, int | None]] = {}
        for raw_field, raw_value in (await self.redis.hgetall(self.keys.quota_overrides())).items():
            subject, _, kind = text_of(raw_field).rpartition("|")
            value = text_of(raw_value)
            if kind in Kind.__members__.values():
                found.setdefault(subject, {})[Kind(kind)] = int(value) if value.isdigit() else None
        return found

    # -- counters -------------------------------------------------------------
    def _key(self, kind: Kind, subject: str, window: Window) -> str:
        return self.keys.quota(kind.value, subject, window.name)

    async def used(self, kind: Kind, subject: str) -> tuple[int, Window]:
        """What the subject used of the current window, and the window."""
        window = window_of(kind.window, self.now())
        raw = await self.redis.get(self._key(kind, subject, window))
        return (int(text_of(raw)) if raw is not None else 0), window

    async def reserve(self, kind: Kind, subjects: Sequence[str],
                      amount: int = 1) -> Reservation | Refusal:
        """Count `amount` for every subject with a limit, or for none (atomically, in one
        script): a subject that would pass its limit is returned as a Refusal."""
        now = self.now()
        window = window_of(kind.window, now)
        limited: list[tuple[str, int]] = []
        for subject in subjects:
            limit = await self.limit(kind, subject)
            if limit is not None:
                limited.append((subject, limit))
        keys = [self._key(kind, subject, window) for subject, _ in limited]
        if not keys:
            return Reservation(kind, amount, [])
        refused, used = await self._reserve(
            keys=keys, args=[amount, window.ttl(now), *(limit for _, limit in limited)])
        if int(refused):
            subject, limit = limited[int(refused) - 1]
            return Refusal(kind, subject, int(used), limit, window.end)
        return Reservation(kind, amount, keys)

    async def release(self, reservation: Reservation) -> None:
        """Give back what a reservation counted."""
        for key in reservation.keys:
            await self._release(keys=[key], args=[reservation.amount])
        reservation.keys.clear()

    async def check(self, kind: Kind, subjects: Sequence[str]) -> Refusal | None:
        """The first subject that has used all of its limit, if any (nothing counted)."""
        for subject in subjects:
            limit = await self.limit(kind, subject)
            if limit is None:
                continue
            used, window = await self.used(kind, subject)
            if used >= limit:
                return Refusal(kind, subject, used, limit, window.end)
        return None

    async def limited(self, kind: Kind, subjects: Sequence[str]) -> bool:
        """Whether any of the subjects has a limit of this kind."""
        for subject in subjects:
            if await self.limit(kind, subject) is not None:
                return True
        return False

    async def add(self, kind: Kind, subjects: Sequence[str], amount: int) -> None:
        """Count `amount` that was already spent (credits), for every subject."""
        if amount <= 0:
            return
        now = self.now()
        window = window_of(kind.window, now)
        async with self.redis.pipeline(transaction=False) as pipe:
            for subject in subjects:
                key = self._key(kind, subject, window)
                pipe.incrby(key, amount)
                pipe.expire(key, window.ttl(now))
            await pipe.execute()


def _field(subject: str, kind: Kind) -> str:
    return f"{subject}|{kind.value}"
