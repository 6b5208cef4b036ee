"""Pacing primitives of the Telegram flood control (`flood.FloodControl`): a token
bucket, a gate that serves waiters by ticket, and a lane (one chat's messages, or the
whole bot's) that combines them with a sliding window and flood holds."""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import math
from collections import deque
from collections.abc import AsyncIterator

#: a time before any other
NEVER = -math.inf


class Pace:
    """`rate` per second after a burst of `burst` (a GCRA token bucket: sends are given
    times, so nobody polls). A rate of 0 paces nothing."""

    __slots__ = ("interval", "slack", "tat")

    def __init__(self, rate: float, burst: int = 1) -> None:
        self.interval = 1 / rate if rate > 0 else 0.0
        self.slack = (max(burst, 1) - 1) * self.interval
        self.tat = NEVER  # the theoretical arrival time of the next send

    def earliest(self) -> float:
        """The earliest time the next send may leave."""
        return self.tat - self.slack

    def take(self, at: float, weight: int = 1) -> None:
        """Count a send of `weight` messages leaving at `at`."""
        self.tat = max(self.tat, at) + weight * self.interval

    def restart(self, at: float) -> None:
        """No burst: the next send leaves at `at`, the following ones one interval apart."""
        self.tat = at + self.slack


class Gate:
    """A lock handed to the waiter with the lowest ticket, so a request that comes back
    after a 429 goes before the ones that arrived after it."""

    def __init__(self) -> None:
        self._busy = False
        self._waiting: list[tuple[int, asyncio.Future[None]]] = []

    @property
    def free(self) -> bool:
        """Nobody holds or waits for the gate."""
        return not self._busy and not self._waiting

    def outranked(self, ticket: int) -> bool:
        """Someone with a lower ticket than the holder's waits."""
        while self._waiting and self._waiting[0][1].done():
            heapq.heappop(self._waiting)
        return bool(self._waiting) and self._waiting[0][0] < ticket

    @contextlib.asynccontextmanager
    async def turn(self, ticket: int) -> AsyncIterator[None]:
        """Hold the gate for the block, after every waiter with a lower ticket."""
        if self._busy or self._waiting:
            handed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            heapq.heappush(self._waiting, (ticket, handed))
            try:
                await handed
            except asyncio.CancelledError:
                if handed.done() and not handed.cancelled():  # handed over as it was cancelled
                    self._hand_over()
                raise
        else:
            self._busy = True
        try:
            yield
        finally:
            self._hand_over()

    def _hand_over(self) -> None:
        while self._waiting:
            _, handed = heapq.heappop(self._waiting)
            if not handed.done():
                handed.set_result(None)
                return
        self._busy = False


class Lane:
    """One chat's messages (or the whole bot's): pace, sliding window, flood hold, gate."""

    def __init__(self, pace: Pace, window: int = 0, period: float = 0.0) -> None:
        self.pace = pace
        self.window = window
        self.period = period
        self.sent: deque[float] = deque(maxlen=window or None)
        #: when the last `window` messages actually left (a busy loop wakes senders late)
        self.left: deque[float] = deque(maxlen=window or None)
        self.held_until = NEVER  #: messages wait until then (a 429)
        self.quiet_until = NEVER  #: chat actions are dropped until then
        self.holds = 0  #: bumped by every hold, so admitted sends can see one began
        self.gate = Gate()

    def ready_at(self, weight: int) -> float:
        """The earliest time a send of `weight` messages may leave."""
        ready = max(self.pace.earliest(), self.held_until)
        if self.window:
            over = len(self.sent) + min(weight, self.window) - self.window
            if over > 0:
                ready = max(ready, self.sent[over - 1] + self.period)
        return ready

    def take(self, at: float, weight: int) -> None:
        """Count a send leaving at `at`."""
        self.pace.take(at, weight)
        if self.window:
            self.sent.extend([at] * min(weight, self.window))

    def retune(self, pace: Pace, window: int, period: float) -> None:
        """Take a new pace and window, keeping what was sent, held and queued (a send
        already given its time keeps it)."""
        pace.tat = self.pace.tat
        self.pace, self.window, self.period = pace, window, period
        self.sent = deque(self.sent, maxlen=window or None)
        self.left = deque(self.left, maxlen=window or None)

    def leave_at(self, now: float, weight: int) -> float:
        """When a send of `weight` messages given its time may really leave: its time,
        unless the loop woke it late among others, and the window's count of the
        messages that really left would pass."""
        if not self.window:
            return now
        over = len(self.left) + min(weight, self.window) - self.window
        return max(now, self.left[over - 1] + self.period) if over > 0 else now

    def leaves(self, at: float, weight: int) -> None:
        """Count a send really leaving at `at`."""
        if self.window:
            self.left.extend([at] * min(weight, self.window))

    def hold(self, until: float) -> None:
        """Hold messages until `until`, then let them go one at a time."""
        self.held_until = max(self.held_until, until)
        self.pace.restart(self.held_until)
        self.holds += 1

    def idle(self, now: float) -> bool:
        """Nothing would change if the lane were forgotten."""
        return (self.gate.free and self.pace.tat <= now and self.held_until <= now
                and self.quiet_until <= now
                and (not self.sent or self.sent[-1] + self.period <= now))
