"""asyncio helpers shared by the core's long-running loops.

A cancel that lands inside a Redis call can be swallowed by the asyncio client
(it drops the connection and carries on), so loops check a stop event rather
than rely on cancellation, and ending tasks repeats the cancel until they are
done.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Collection, Coroutine
from typing import Any

log = logging.getLogger(__name__)

#: the message of a cancel that a user asked for (`/cancel`), as opposed to a process
#: stopping: work cancelled with it tells the user it stopped, where a stopping process
#: leaves the work to be resumed
STOPPED_BY_USER = "stopped by the user"


def stopped_by_user(cancel: asyncio.CancelledError) -> bool:
    """Whether a cancel is a user's `/cancel` (see `STOPPED_BY_USER`)."""
    return cancel.args[:1] == (STOPPED_BY_USER,)


async def rest(stopping: asyncio.Event, seconds: float) -> None:
    """Sleep `seconds`, but wake up as soon as `stopping` is set."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await stopping.wait()


@contextlib.asynccontextmanager
async def alongside(work: Coroutine[Any, Any, Any], name: str) -> AsyncIterator[None]:
    """Run `work` as a task while the block runs; then cancel it (again, should a Redis
    call swallow the cancel: see the module) and wait for its end."""
    task = asyncio.create_task(work, name=name)
    try:
        yield
    finally:
        await end_tasks([task], what=name)


async def end_tasks(tasks: Collection[asyncio.Task[Any]], grace: float = 0.0, *,
                    what: str = "task") -> None:
    """Give tasks `grace` seconds to finish, then cancel them (repeatedly, see the
    module) and wait until they are done; failures are logged."""
    pending = {task for task in tasks if not task.done()}
    if pending and grace > 0:
        _, pending = await asyncio.wait(pending, timeout=grace)
    for _ in range(40):
        if not pending:
            break
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=0.25)
    if pending:
        log.error("%d %s(s) did not stop", len(pending), what)
    for task in tasks:
        if task.done() and not task.cancelled() and task.exception() is not None:
            log.error("a %s failed", what, exc_info=task.exception())


class KeyedTurns:
    """One holder at a time per key, in the order they asked (asyncio locks are FIFO)."""

    def __init__(self) -> None:
        self._locks: dict[object, tuple[asyncio.Lock, list[int]]] = {}

    @contextlib.asynccontextmanager
    async def turn_of(self, key: object) -> AsyncIterator[None]:
        """Hold `key`'s turn for the block."""
        lock, users = self._locks.setdefault(key, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                yield
        finally:
            users[0] -= 1
            if not users[0]:
                del self._locks[key]
