"""When to poll a render next.

Polls back off geometrically (`render_first_poll`, times `render_poll_factor`
after every poll, up to `render_poll_max`), so a render that takes minutes costs
a handful of requests. Backing off alone would leave a finished video waiting
up to the ceiling, so once the render reports progress the plan also estimates
its completion time from the progress rate and polls shortly after it; when a
prediction passes without completion the gap grows again from `render_poll_min`.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.settings import Settings


@dataclass
class PollPlan:
    """The polling schedule of one render (in loop time, seconds)."""

    first: float
    factor: float
    ceiling: float
    floor: float
    backoff: float = 0.0
    overdue: int = 0
    _start: tuple[float, int] | None = None
    _last: tuple[float, int] | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> PollPlan:
        """The plan the settings describe."""
        floor = min(settings.render_poll_min, settings.render_first_poll)
        return cls(settings.render_first_poll, settings.render_poll_factor,
                   settings.render_poll_max, floor)

    def first_delay(self) -> float:
        """Delay before the first poll of a render just submitted."""
        self.backoff = self.first
        return self.first

    def restart(self) -> None:
        """Forget the progress history (a new render replaced the old one)."""
        self.backoff = self.first
        self.overdue = 0
        self._start = self._last = None

    def after_error(self) -> float:
        """Delay after a poll that failed: the plain back-off."""
        return self._grow()

    def after_poll(self, now: float, progress: int) -> float:
        """Delay after a poll that found the render still running at `progress` percent."""
        backoff = self._grow()
        eta = self._eta(now, progress)
        if eta is None:
            return backoff
        if eta > self.floor:
            self.overdue = 0
            # a little past the prediction, so the render is likely done by then
            return max(self.floor, min(backoff, eta * 1.05 + self.floor / 2))
        delay = min(backoff, self.floor * (self.factor ** self.overdue))
        self.overdue += 1
        return max(self.floor, delay)

    def _grow(self) -> float:
        current = self.backoff or self.first
        self.backoff = min(self.ceiling, current * self.factor)
        return min(self.ceiling, current * self.factor)

    def _eta(self, now: float, progress: int) -> float | None:
        """Seconds until 100 %, from the progress rate since it first moved."""
        if progress <= 0:
            return None
        if self._start is None or progress < self._start[1]:
            self._start = (now, progress)
            self._last = (now, progress)
            return None
        assert self._last is not None
        if progress > self._last[1]:
            self._last = (now, progress)
        left = self.remaining(now)
        if left is None:
            # progress has not moved since it was first seen: assume it is near
            return 0.0 if progress >= 100 else None
        return left

    def remaining(self, now: float) -> float | None:
        """Seconds until 100 %, from the progress rate seen by the polls so far; None
        until progress has moved between two polls."""
        if self._start is None or self._last is None:
            return None
        start_t, start_p = self._start
        last_t, last_p = self._last
        if last_p <= start_p or last_t <= start_t:
            return None
        rate = (last_p - start_p) / (last_t - start_t)
        return max(0.0, (100 - last_p) / rate - (now - last_t))
