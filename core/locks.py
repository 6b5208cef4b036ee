"""A per-chat lock in Redis: safe across processes, with expiry and renewal."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from types import TracebackType

from redis.asyncio import Redis

log = logging.getLogger(__name__)

_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


class ChatLock:
    """Holds one Redis key while a chat's messages are handled.

    The key expires after `ttl` seconds unless renewed, so a crashed process
    never blocks a chat for long; while held, a background task renews it
    every `ttl / 3`. Only the holder (by its random token) can renew or
    release it.
    """

    def __init__(self, redis: Redis, key: str, ttl: float = 30.0) -> None:
        self._redis = redis
        self.key = key
        self.ttl_ms = max(1000, int(ttl * 1000))
        self._token = secrets.token_hex(16)
        self._renewer: asyncio.Task[None] | None = None
        self.lost = asyncio.Event()

    @property
    def held(self) -> bool:
        """True between a successful acquire and release (and while not lost)."""
        return self._renewer is not None and not self.lost.is_set()

    async def acquire(self) -> bool:
        """Take the lock if it is free; never waits. True when taken."""
        if self._renewer is not None:
            return True
        ok = await self._redis.set(self.key, self._token, nx=True, px=self.ttl_ms)
        if not ok:
            return False
        self.lost.clear()
        self._renewer = asyncio.create_task(self._renew_loop(), name=f"renew {self.key}")
        return True

    async def _renew_loop(self) -> None:
        interval = self.ttl_ms / 3000
        while True:
            await asyncio.sleep(interval)
            try:
                renewed = await self._redis.eval(_RENEW, 1, self.key, self._token, self.ttl_ms)
            except Exception:  # a Redis blip: try again next round, the key has time left
                log.warning("could not renew %s", self.key, exc_info=True)
                continue
            if not renewed:
                log.error("lock %s was lost (expired or taken over)", self.key)
                self.lost.set()
                return

    async def release(self) -> None:
        """Stop renewing and delete the key if this holder still owns it."""
        renewer, self._renewer = self._renewer, None
        if renewer is not None:
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewer
        try:
            await self._redis.eval(_RELEASE, 1, self.key, self._token)
        except Exception:  # the key expires by itself
            log.warning("could not release %s", self.key, exc_info=True)

    async def __aenter__(self) -> ChatLock:
        if not await self.acquire():
            raise LockBusy(self.key)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.release()


class LockBusy(Exception):
    """Another holder has the lock."""
