"""A per-chat lock in Redis: safe across processes, with expiry and renewal."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Iterator

from core import observe
from core.aio import end_tasks, rest
from core.observed_redis import RedisClient

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


class LockLost(Exception):
    """The chat's lock expired or was taken over: this holder must stop writing."""


class ChatLock:
    """Holds one Redis key while a chat's events are handled.

    The key expires after `ttl` seconds unless renewed, so a crashed process
    never blocks a chat for long; while held, a background task renews it
    every `ttl / 3` until stopped (it ends on a flag, not on cancellation alone: see
    `core.aio`). Only the holder (by its token) can renew or release it.
    The token starts with the holder's `owner` (its process), so others can
    tell which process holds a chat (to ask it to stop a turn); writes that
    must not outlive the lock check the token (`SessionStore.save`).
    """

    def __init__(self, redis: RedisClient, key: str, ttl: float = 30.0, *, owner: str = "") -> None:
        self._redis = redis
        self.key = key
        self.ttl_ms = max(1000, int(ttl * 1000))
        self.token = f"{owner}/{secrets.token_hex(8)}"
        self._renewer: asyncio.Task[None] | None = None
        self._released = False
        #: set when renewing must stop (a renewal that swallowed its cancel ends on it)
        self._stopping = asyncio.Event()
        #: a script of this holder's may be deleting the key right now (`releasing`)
        self._releasing = False
        self.lost = asyncio.Event()

    @property
    def held(self) -> bool:
        """True between a successful acquire and release (and while not lost)."""
        return self._renewer is not None and not self.lost.is_set()

    async def acquire(self) -> bool:
        """Take the lock if it is free; never waits. True when taken."""
        if self._renewer is not None:
            return True
        return self.taken(bool(await self._redis.set(self.key, self.token, nx=True,
                                                     px=self.ttl_ms)))

    def taken(self, ok: bool) -> bool:
        """Record whether the key was taken for this holder (`acquire`, or a script that
        sets it to `token` for `ttl_ms` when it is free); returns `ok`."""
        if not ok:
            observe.report(lambda p: p.lock_busy())
            return False
        self.lost.clear()
        self._released = False
        self._stopping.clear()
        self._renewer = asyncio.create_task(self._renew_loop(), name=f"renew {self.key}")
        return True

    async def _renew_loop(self) -> None:
        interval = self.ttl_ms / 3000
        me = asyncio.current_task()
        while True:
            await rest(self._stopping, interval)
            if self._stopping.is_set():
                return
            try:
                renewed = await self._redis.eval(_RENEW, 1, self.key, self.token, self.ttl_ms)
            except Exception as exc:  # a Redis blip: try again next round, the key has time left
                if not self._stopping.is_set():
                    log.warning("could not renew %s: %r", self.key, exc)
                continue
            if self._renewer is not me or self._stopping.is_set():
                return  # stopped meanwhile (redis-py may finish a command it was cancelled in)
            if not renewed:
                if self._releasing:
                    return  # released by this holder's script: not lost
                log.error("lock %s was lost (expired or taken over)", self.key)
                self.lost.set()
                return

    async def _stop_renewing(self) -> None:
        renewer, self._renewer = self._renewer, None
        self._stopping.set()
        if renewer is not None:
            # a renewal that swallowed the cancel still ends, on the flag
            await end_tasks({renewer}, what="lock renewal")

    @contextlib.contextmanager
    def releasing(self) -> Iterator[None]:
        """A script of this holder's may delete the key during the block (then call
        `released`): a renewal that finds it gone meanwhile is not a lost lock."""
        self._releasing = True
        try:
            yield
        finally:
            self._releasing = False

    async def released(self) -> None:
        """The key was deleted by this holder's own script: stop renewing it."""
        self._released = True
        await self._stop_renewing()

    async def release(self) -> None:
        """Stop renewing and delete the key if this holder still owns it."""
        await self._stop_renewing()
        if self._released:
            return
        try:
            await self._redis.eval(_RELEASE, 1, self.key, self.token)
        except Exception as exc:  # the key expires by itself
            log.warning("could not release %s (it expires by itself): %r", self.key, exc)


async def release_value(redis: RedisClient, key: str, value: bytes | str) -> bool:
    """Delete a lock key if it still holds `value`; True when deleted."""
    return bool(await redis.eval(_RELEASE, 1, key, value))


def owner_of(token: bytes | str | None) -> str | None:
    """The process that holds a lock, from the lock key's value."""
    if token is None:
        return None
    text = token.decode() if isinstance(token, bytes) else token
    owner, _, _ = text.rpartition("/")
    return owner or None
