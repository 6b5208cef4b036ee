"""Values read from Redis and kept in this process for a few seconds: what every message
reads and people rarely change (the access lists, the quota overrides, users' language
choices).

A change made through this process is seen at once (`Fresh.forget`, `FreshMap.put`);
one made through another process sharing the Redis is seen within `ttl` seconds. Callers
waiting for the same value share one read.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

K = TypeVar("K")
T = TypeVar("T")


class Fresh(Generic[T]):
    """One value, read with `read` and kept for `ttl` seconds."""

    def __init__(self, read: Callable[[], Awaitable[T]], ttl: float) -> None:
        self._read = read
        self.ttl = ttl
        self._value: T | None = None
        self._until = -math.inf
        self._reading: asyncio.Task[T] | None = None
        self._generation = 0

    async def get(self) -> T:
        """The value: kept, or read now (errors of the read propagate)."""
        if self._until > time.monotonic():
            return self._value  # type: ignore[return-value]
        if self._reading is None:
            self._reading = asyncio.ensure_future(self._refresh())
        return await asyncio.shield(self._reading)

    def forget(self) -> None:
        """The value changed: read it again next time (a read under way is not kept)."""
        self._until = -math.inf
        self._generation += 1
        self._reading = None

    async def _refresh(self) -> T:
        generation = self._generation
        try:
            value = await self._read()
        finally:
            if generation == self._generation:
                self._reading = None
        if generation == self._generation:
            self._value, self._until = value, time.monotonic() + self.ttl
        return value


class FreshMap(Generic[K, T]):
    """Values by key, each read with `read(key)` and kept for `ttl` seconds; at most `size`
    are kept (the least recently read go first)."""

    def __init__(self, read: Callable[[K], Awaitable[T]], ttl: float,
                 size: int = 10_000) -> None:
        self._read = read
        self.ttl = ttl
        self.size = size
        self._kept: OrderedDict[K, tuple[float, T]] = OrderedDict()

    async def get(self, key: K) -> T:
        """The value of `key`: kept, or read now (errors of the read propagate)."""
        found = self._kept.get(key)
        if found is not None and found[0] > time.monotonic():
            return found[1]
        value = await self._read(key)
        self.put(key, value)
        return value

    def put(self, key: K, value: T) -> None:
        """Keep `value` as `key`'s (it was just written)."""
        self._kept[key] = (time.monotonic() + self.ttl, value)
        self._kept.move_to_end(key)
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)
