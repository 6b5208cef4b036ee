"""An adapter's life: open, serve until SIGINT/SIGTERM, stop with grace.

Both bots follow the same order. At start: the platform connection is up,
then the runtime starts (the render worker, and the dispatcher taking up the
chats a previous run left unfinished). At stop: the platform stops taking
updates, the adapter's running work gets a grace period
(`BackgroundTasks.drain`), and only then does the runtime stop, so a message
still being handled can queue its render.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable, Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar

from core.logs import json_lines
from core.runtime import Runtime, stop_on_signals

from .tasks import BackgroundTasks

log = logging.getLogger(__name__)

B = TypeVar("B")


class NotTheApi(Exception):
    """What answers at a platform's API address is not its API (a web page, a proxy's
    error page): a start-up refusal."""


#: seconds that messages being handled get to finish when a bot stops (the default of
#: the STOP_GRACE setting)
STOP_GRACE = 10.0


@contextlib.asynccontextmanager
async def serving(runtime: Runtime, tasks: BackgroundTasks, *,
                  grace: float | None = None,
                  stop_taking: Callable[[], Awaitable[None]] | None = None,
                  ) -> AsyncIterator[None]:
    """Start the runtime for the block; at its end, `stop_taking` (no new updates; it
    must not take long), then one grace period (`grace`, by default the STOP_GRACE
    setting) shared by the adapter's tasks and the runtime's running turns; what is
    unfinished then is stopped and stays in Redis for the next start."""
    if grace is None:
        grace = runtime.settings.stop_grace
    runtime.start()
    try:
        yield
    finally:
        loop = asyncio.get_running_loop()
        if stop_taking is not None:
            await stop_taking()
        deadline = loop.time() + grace
        log.info("stopping: running work gets %.1f s to finish", grace)
        await tasks.drain(max(0.0, deadline - loop.time()))
        await runtime.stop(max(0.0, deadline - loop.time()))


async def serve(bot: AbstractAsyncContextManager[B], platform: str, *,
                refusals: Mapping[type[BaseException], str],
                ended: Callable[[B], asyncio.Task[Any]] | None = None) -> int:
    """Run `bot` until SIGINT or SIGTERM (or until the task `ended` gives ends); the exit
    status.

    A start-up refusal (an exception type in `refusals`) is one log line, the
    mapped text with `{error}` replaced by the exception, and status 2; a
    connection that ends with an error is one line and status 1.
    """
    stop = stop_on_signals()
    try:
        async with bot as running:
            gc.freeze()  # what start-up made lives as long as the process: never collected
            status = await _until_stopped(stop, ended(running) if ended else None, platform,
                                          refusals)
    except tuple(refusals) as exc:
        reason = next(text for kind, text in refusals.items() if isinstance(exc, kind))
        log.debug("%s: start-up failed", platform, exc_info=exc)
        log.error("%s: %s", platform, reason.format(error=_one_line(exc)))
        return 2
    return status


def _one_line(exc: BaseException) -> str:
    while isinstance(exc.__cause__, type(exc)):  # a library's re-raise: what the server said
        exc = exc.__cause__
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."


async def _until_stopped(stop: asyncio.Event, connection: asyncio.Task[Any] | None,
                         platform: str, refusals: Mapping[type[BaseException], str]) -> int:
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({stopping} | ({connection} if connection else set()),
                           return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
    if connection is not None and connection.done() and not connection.cancelled():
        error = connection.exception()
        reason = next((text for kind, text in refusals.items() if isinstance(error, kind)), None)
        if error is not None and reason is not None:  # refused as at the start (a token)
            log.error("%s: %s", platform, reason.format(error=_one_line(error)))
            return 2
        if error is not None:
            log.error("%s: the connection ended: %r", platform, error)
            return 1
    log.info("%s: stopping", platform)
    return 0


def run(serve_bot: Callable[[], Coroutine[Any, Any, int]], problems: Iterable[str] = ()) -> int:
    """`nemobot <platform>`: each setting problem that prevents the start is one line on
    stderr (exit status 2); otherwise the bot serves until it is stopped."""
    found = [problem for problem in problems if problem]
    for problem in found:
        if json_lines():  # a log collector reads stderr: the line is JSON like the others
            log.error("%s", problem)
        else:
            print(problem, file=sys.stderr)
    if found:
        return 2
    return asyncio.run(serve_bot())
