"""Waiting in tests: one helper that re-checks a condition until it holds or a deadline passes.

Tests never sleep to let something happen; they wait for the thing itself::

    job = await wait_until(lambda: store.job(job_id), within=10, what=f"job {job_id}")

A source of state that can say when it changed (the platform fakes do) passes its
`Changes` as ``changes``, and the waiter is woken at once instead of at the next poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import Awaitable, Callable
from typing import TypeVar, cast

T = TypeVar("T")

#: How long a test waits by default for something that normally takes milliseconds.
WITHIN = 10.0
#: How often a condition is re-checked when nothing signals a change sooner.
INTERVAL = 0.02


class WaitTimeout(AssertionError, TimeoutError):
    """A condition a test waited for did not hold in time (fails the test like an assert)."""


class Changes:
    """A broadcast "something changed" signal for waiters that would rather be woken than poll.

    A waiter takes `event` before it looks at the state and then waits on that event, so a
    change between the look and the wait is never missed; `notify` wakes every such waiter.
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def event(self) -> asyncio.Event:
        """The event the next `notify` sets."""
        return self._event

    def notify(self) -> None:
        """Wake every waiter that took `event` before this call."""
        event, self._event = self._event, asyncio.Event()
        event.set()


async def wait_until(
    predicate: Callable[[], T | None] | Callable[[], Awaitable[T | None]],
    *,
    within: float = WITHIN,
    what: str = "the condition",
    interval: float = INTERVAL,
    changes: Changes | None = None,
    show: Callable[[], object] | None = None,
) -> T:
    """Wait until ``predicate()`` (sync or async) returns something truthy, and return it.

    It is checked at once, then every ``interval`` seconds and whenever ``changes`` (if
    given) is notified. After ``within`` seconds it raises `WaitTimeout` naming ``what``
    and the last value seen: ``show()`` if given (say, the texts a bot sent), otherwise the
    predicate's last result.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        wake = changes.event() if changes is not None else None
        value: object = predicate()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return cast(T, value)
        remaining = deadline - loop.time()
        if remaining <= 0:
            seen = show() if show is not None else value
            raise WaitTimeout(f"timed out after {within} s waiting for {what}; last seen: {seen!r}")
        pause = min(interval, remaining)
        if wake is None:
            await asyncio.sleep(pause)  # the poll interval, not a stand-in for a condition
        else:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(pause):
                    await wake.wait()
