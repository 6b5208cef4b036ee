"""Background work of an adapter: tracked, its failures logged, drained at stop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class BackgroundTasks:
    """The tasks an adapter runs besides the platform library's own (handling a message,
    gathering an album, sending a reply), so that event handlers return at once.

    Every task is kept until it ends, and a failure is logged with its cause (nothing
    is lost as "exception never retrieved"). `drain` is how an adapter stops: no new
    work (`closing`), a grace period for the running tasks, then cancellation.
    """

    def __init__(self, platform: str,
                 error_text: Callable[[BaseException], str] = repr) -> None:
        self.platform = platform
        self.error_text = error_text
        #: set by `drain`: the adapter takes no new work
        self.closing = False
        self._tasks: set[asyncio.Task[Any]] = set()

    def __len__(self) -> int:
        return len(self._tasks)

    def start(self, work: Coroutine[Any, Any, T], name: str) -> asyncio.Task[T]:
        """Run `work` in a tracked task named "<platform> <name>"."""
        return self.track(asyncio.create_task(work, name=f"{self.platform} {name}"))

    def track(self, task: asyncio.Task[T]) -> asyncio.Task[T]:
        """Track a task started elsewhere (the dispatcher's `submit`)."""
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("%s: %s failed: %s", self.platform, task.get_name(), self.error_text(exc),
                      exc_info=exc)

    async def idle(self) -> None:
        """Wait until no task is running (tests use this)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def drain(self, grace: float) -> None:
        """Take no new work; let the running tasks (and those they start) finish for up
        to `grace` seconds, then cancel the rest (their chats resume after a restart)."""
        self.closing = True
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        while self._tasks:
            pending = set(self._tasks)
            remaining = deadline - loop.time()
            if remaining > 0:
                await asyncio.wait(pending, timeout=remaining)
                continue
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            self._tasks -= pending
