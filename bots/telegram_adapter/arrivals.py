"""Which updates a webhook answer waits for, and the work that makes each one safe
(`webhook`): the adapter's handlers hold an update while they queue its message."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Arrivals:
    """Which updates a webhook answer is waiting for, and the work that makes each safe.

    The webhook `expect`s an update before handing it to the application; a handler
    that starts work making it safe `hold`s it and calls the returned release when
    that work has ended (`ok`: it did make it safe); the webhook waits until it is
    `safe`, answers, and `close`s it, which runs what was to be done once it was
    answered (`after_answer`). Without a webhook waiting (long polling) holding costs
    nothing. Telegram may post an update again while the first post still waits (it
    gave up on it): both posts wait for the same work, and the update is forgotten when
    the last of them is closed.
    """

    _expected: Counter[int] = field(default_factory=Counter)
    _held: Counter[int] = field(default_factory=Counter)
    _touched: set[int] = field(default_factory=set)
    _failed: set[int] = field(default_factory=set)
    _done: dict[int, asyncio.Event] = field(default_factory=dict)
    _after: dict[int, list[Callable[[], None]]] = field(default_factory=dict)

    def expect(self, update_id: int) -> None:
        """A webhook answer will wait for this update."""
        self._expected[update_id] += 1
        self._done.setdefault(update_id, asyncio.Event())

    def expected(self, update_id: int | None) -> bool:
        """Whether a webhook answer waits for this update (it comes by webhook)."""
        return update_id is not None and update_id in self._expected

    def after_answer(self, update_id: int | None, action: Callable[[], None]) -> None:
        """Run `action` once the webhook has answered the update (not if it did not)."""
        if self.expected(update_id):
            assert update_id is not None
            self._after.setdefault(update_id, []).append(action)

    def hold(self, update_id: int | None) -> Release:
        """Work making the update safe starts; call the result when it has ended."""
        if update_id is None or update_id not in self._expected:
            return nothing_held
        self._held[update_id] += 1
        self._touched.add(update_id)
        if self._done[update_id].is_set():  # work again (the update posted again)
            self._done[update_id] = asyncio.Event()
        return Release(self, update_id)

    def _release(self, update_id: int, ok: bool) -> None:
        if not ok:
            self._failed.add(update_id)
        self._held[update_id] -= 1
        if self._held[update_id] <= 0:
            del self._held[update_id]
            if (done := self._done.get(update_id)) is not None:
                done.set()

    async def safe(self, update_id: int, within: float) -> bool | None:
        """Wait until the work holding the update has ended: True when it made the update
        safe, None when no work held it (nothing needed doing), False when the work failed
        or took longer than `within`."""
        done = self._done.get(update_id)
        try:
            if self._held.get(update_id) and done is not None:
                async with asyncio.timeout(within):
                    await done.wait()
        except TimeoutError:
            return False
        if update_id not in self._touched:
            return None
        return update_id not in self._failed

    def close(self, update_id: int, *, answered: bool) -> None:
        """The webhook is done with the update; `answered`: it said it was taken."""
        for action in self._after.pop(update_id, []) if answered else ():
            action()
        self._expected[update_id] -= 1
        if self._expected[update_id] > 0:
            return  # another post of the update still waits
        del self._expected[update_id]
        self._touched.discard(update_id)
        self._failed.discard(update_id)
        self._done.pop(update_id, None)


@dataclass(frozen=True)
class Release:
    """Ends one piece of work holding an update."""

    arrivals: Arrivals | None
    update_id: int

    def __call__(self, ok: bool = True) -> None:
        """The work has ended; `ok`: it made the update safe."""
        if self.arrivals is not None:
            self.arrivals._release(self.update_id, ok)


#: the release of nothing held
nothing_held = Release(None, 0)
