"""Small helpers of the render worker's long-running loops: resting until told to
stop, retrying until stopped, and ending tasks within a grace period."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Collection
from typing import Any

log = logging.getLogger(__name__)


async def rest(stopping: asyncio.Event, seconds: float) -> None:
    """Sleep `seconds`, but wake up as soon as `stopping` is set."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await stopping.wait()


async def until_stopped(stopping: asyncio.Event, who: str, what: str,
                        fn: Callable[[], Awaitable[None]]) -> bool:
    """Retry `fn` until it succeeds (True) or `stopping` is set (False)."""
    delay = 0.1
    while not stopping.is_set():
        try:
            await fn()
            return True
        except Exception as exc:  # Redis unreachable: keep trying, it may come back
            log.warning("%s: could not %s (%s); retrying", who, what, exc)
            await rest(stopping, delay)
            delay = min(delay * 2, 2.0)
    return False


async def end(tasks: Collection[asyncio.Task[Any]], grace: float) -> None:
    """Give tasks `grace` seconds to finish, then cancel them. A cancel can be lost
    when it lands inside a Redis call (the asyncio client may swallow it while it
    drops the connection), so it is repeated until the tasks are done."""
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
        log.error("%d render worker task(s) did not stop", len(pending))
    for task in tasks:
        if task.done() and not task.cancelled() and task.exception() is not None:
            log.error("a render worker task failed", exc_info=task.exception())


def text(value: Any) -> str:
    """A Redis reply (bytes or str) as str."""
    return value.decode() if isinstance(value, bytes) else str(value)
