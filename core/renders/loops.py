"""Retrying a step of the render worker until it succeeds or the worker stops."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from core.aio import rest

log = logging.getLogger(__name__)


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


