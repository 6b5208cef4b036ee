"""Telling the process that holds a chat to stop that chat's running turn.

Each process listens on its own Redis list (`Keys.signals(instance)`, a
blocking pop on one connection); a chat's lock names the process that holds
it (`locks.owner_of`), so `/cancel` handled anywhere reaches the right one.
One key per process keeps it working on Redis Cluster.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from core.keys import Keys
from core.logs import Outage
from core.messages import ChatKey
from core.observed_redis import RedisClient
from core.store import text_of

log = logging.getLogger(__name__)

#: a signal nobody picked up is dropped after this long (its process is gone)
SIGNAL_TTL = 60


class ChatSignals:
    """Sends stop signals to other processes and delivers this process's own."""

    def __init__(self, redis: RedisClient, instance: str, *, keys: Keys | None = None,
                 poll: float = 1.0) -> None:
        self.redis = redis
        self.instance = instance
        self.keys = keys or Keys()
        self.poll = poll

    async def send(self, instance: str, chat: ChatKey) -> None:
        """Ask process `instance` to stop the turn it runs for `chat`."""
        key = self.keys.signals(instance)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.rpush(key, str(chat))
            pipe.expire(key, SIGNAL_TTL)
            await pipe.execute()

    async def listen(self, on_stop: Callable[[ChatKey], object],
                     stopping: asyncio.Event) -> None:
        """Call `on_stop(chat)` for every signal to this process, until `stopping` is set.

        (The loop checks the event rather than relying on cancellation: a cancel that
        lands in a blocking Redis call can be swallowed by the client.)
        """
        key = self.keys.signals(self.instance)
        delay = 0.1
        outage = Outage(log, f"reading the stop signals for {self.instance}")
        while not stopping.is_set():
            try:
                popped = await self.redis.blpop([key], timeout=self.poll)
                outage.worked()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis unreachable: signals wait in the list
                if stopping.is_set():
                    return
                outage.failed(exc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), delay)
                delay = min(delay * 2, 5.0)
                continue
            delay = 0.1
            if popped:
                try:
                    on_stop(ChatKey.parse(text_of(popped[1])))
                except ValueError:
                    log.warning("ignored a malformed stop signal %r", popped[1])
