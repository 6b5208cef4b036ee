"""A bounded memory that forgets what was used least recently."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class LRU(Generic[K, V]):
    """At most `size` entries; storing one more forgets the one stored or read longest ago."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("an LRU holds at least one entry")
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def get(self, key: K) -> V | None:
        """The value stored under `key` (now the most recently used), or None."""
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def peek(self, key: K) -> V | None:
        """The value stored under `key`, leaving the order alone; or None."""
        return self._items.get(key)

    def put(self, key: K, value: V) -> None:
        """Store `value` under `key`, forgetting the oldest entries past `size`."""
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def pop(self, key: K) -> V | None:
        """Forget `key`; its value, or None."""
        return self._items.pop(key, None)

    def values(self) -> Iterator[V]:
        """The values, least recently used first."""
        return iter(list(self._items.values()))

    def forget_oldest(self, stale: Callable[[V], bool]) -> int:
        """Forget entries from the oldest on while `stale` says so; how many were forgotten."""
        dropped = 0
        while self._items:
            key, value = next(iter(self._items.items()))
            if not stale(value):
                break
            del self._items[key]
            dropped += 1
        return dropped
