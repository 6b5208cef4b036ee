"""When to poll a render next.

A render that reports no progress yet is polled with a geometric back-off
(`render_first_poll`, times `render_poll_factor` after every poll, up to
`render_poll_max`). Once it reports progress, the plan predicts when it ends
and polls then, so a render of minutes costs a handful of polls and a finished
video waits about a second to be noticed:

* Progress is taken to grow linearly. Its rate is measured from the submission
  (0 % then; a poll that still saw 0 % bounds how fast it can have grown since)
  to the latest poll, or between the first and the latest poll that saw
  progress when the render clearly started later (it waited in a queue); when
  the pace since the previous poll disagrees with that, the latest pace
  counts. A poll shows a whole percentage (rounded down or to the nearest), so
  every rate is a range.
* From that range come the earliest and the latest time the render can end.
  While they are far apart the next poll is at the earliest one: the render is
  not done before then, and a poll that late in the render narrows the range
  to about a second. Once they are close, the poll is a little after the
  earliest. When a prediction passes without completion, the gap grows again
  from `render_poll_min`.
* No gap is longer than `render_poll_max` until the progress has kept one pace
  over two stretches between polls; then no longer than twice the time the
  render has run, so a render whose progress speeds up is still seen in time.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.settings import Settings

#: the earliest a render can end: at 99 % (some backends never show 99 % while running)
_EARLIEST_END = 99.0
#: how far below and above the percentage a poll shows the true progress can be
_BELOW, _ABOVE = 0.5, 1.0
#: how close (seconds) the earliest and latest ends must be to aim between them
_CLOSE = 5.0

Point = tuple[float, int]


@dataclass
class PollPlan:
    """The polling schedule of one render (in loop time, seconds)."""

    first: float
    factor: float
    ceiling: float
    floor: float
    backoff: float = 0.0
    overdue: int = 0
    _start: float | None = None
    _zero: float | None = None
    _first: Point | None = None
    _previous: Point | None = None
    _last: Point | None = None

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

    def started(self, at: float) -> None:
        """The render was submitted at `at` (loop time): its progress counts from then,
        unless the polls show it started later."""
        self._start = self._zero = at

    def restart(self) -> None:
        """Forget the progress history (a new render replaced the old one)."""
        self.backoff = self.first
        self.overdue = 0
        self._start = self._zero = None
        self._first = self._previous = self._last = None

    def after_error(self) -> float:
        """Delay after a poll that failed: the plain back-off."""
        return self._grow()

    def after_poll(self, now: float, progress: int) -> float:
        """Delay after a poll that found the render still running at `progress` percent."""
        if progress <= 0:
            # less than a percent done by now (maybe not started at all)
            self._zero = now
            return self._grow()
        if self._first is None or progress < self._first[1]:
            self._first, self._last = (now, progress), None
        self._previous, self._last = self._last, (now, progress)
        ends = self.ends(now)
        if ends is None:
            return self._grow()
        earliest, latest = ends
        if earliest > now + self.floor / 2:
            self.overdue = 0
            aim = earliest + min(self.floor, latest - earliest) if latest - earliest <= _CLOSE \
                else earliest
            return max(self.floor, min(aim - now, self._longest(now)))
        delay = min(self.ceiling, self.floor * (self.factor ** self.overdue))
        self.overdue += 1
        return delay

    def ends(self, now: float) -> tuple[float, float] | None:
        """The earliest and the latest time (loop time) the render can end, from the
        progress seen so far; None until a rate can be told."""
        rates = self._rates()
        if rates is None or self._last is None:
            return None
        low, high = rates
        at, progress = self._last
        earliest = at + max(0.0, _EARLIEST_END - progress - _ABOVE) / high
        latest = at + (100 - progress + _BELOW) / low if low > 0 else float("inf")
        return max(now, earliest), max(now, latest)

    def remaining(self, now: float) -> float | None:
        """Seconds until the render ends (the middle of its range); None until a rate
        can be told."""
        ends = self.ends(now)
        if ends is None:
            return None
        earliest, latest = ends
        if latest == float("inf"):
            return None
        return max(0.0, (earliest + latest) / 2 - now)

    def _rates(self) -> tuple[float, float] | None:
        """The range of the progress rate (percent a second)."""
        if self._last is None:
            return None
        overall = self._overall(self._last)
        recent = _span(self._previous, self._last)
        if overall is None or recent is None:
            return overall or recent
        # progress that sped up or slowed down lately: the latest pace tells the end
        return overall if recent[0] <= overall[1] and overall[0] <= recent[1] else recent

    def _overall(self, last: Point) -> tuple[float, float] | None:
        """The rate since the submission, or since the first poll that saw progress when
        the render clearly started later."""
        span = _span(self._first, last)
        since = self._since(last)
        if since is None or span is None:
            return since or span
        low, high = max(since[0], span[0]), min(since[1], span[1])
        return (low, high) if low <= high else span

    def _since(self, last: Point) -> tuple[float, float] | None:
        """The rate since the submission: at least what the progress shows over the
        whole time (it cannot have started before), at most what it shows over the time
        since the last poll that saw 0 % (it was not past 1 % then)."""
        if self._start is None or self._zero is None or last[0] <= self._zero:
            return None
        at, progress = last
        return (max(0.0, progress - _BELOW) / (at - self._start),
                (progress + _ABOVE) / (at - self._zero))

    def _longest(self, now: float) -> float:
        """The longest gap allowed now: the ceiling until the progress has kept one pace
        over two stretches; then the render's own age sets how far ahead it may be
        trusted."""
        if not self._steady():
            return self.ceiling
        began = self._zero if self._zero is not None else (
            self._first[0] if self._first is not None else now)
        return max(self.ceiling, 2 * (now - began))

    def _steady(self) -> bool:
        """Whether the pace since the last poll agrees with the pace before it."""
        if self._previous is None or self._last is None:
            return False
        before = self._overall(self._previous)
        recent = _span(self._previous, self._last)
        if before is None or recent is None:
            return False
        return recent[0] <= before[1] and before[0] <= recent[1]

    def _grow(self) -> float:
        current = self.backoff or self.first
        self.backoff = min(self.ceiling, current * self.factor)
        return self.backoff


def _span(a: Point | None, b: Point) -> tuple[float, float] | None:
    """The range of the rate between two polls: each saw a whole percentage (the true
    value rounded down, or to the nearest: from half a percent less to one more)."""
    if a is None or b[0] <= a[0]:
        return None
    moved = b[1] - a[1]
    if moved <= 0:
        return None
    elapsed = b[0] - a[0]
    spread = _BELOW + _ABOVE
    return max(0.0, moved - spread) / elapsed, (moved + spread) / elapsed
