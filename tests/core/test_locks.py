"""The chats' locks in Redis: released when their holder is done, whatever the client does
with a cancel."""

from __future__ import annotations

import asyncio
from typing import Any

import redis.asyncio as aioredis

from core.embedded_redis import EmbeddedRedis
from core.locks import ChatLock
from tests.waiting import wait_until


class CancelSwallowing(aioredis.Redis):
    """A real client whose script calls, once cancelled, still finish and answer, as the
    asyncio client does when a cancel lands in a call while the server goes away (seen
    in the soak, see `core.aio`). `entered` is set when a call starts; it goes to the
    server once `go` is set."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.entered = asyncio.Event()
        self.go = asyncio.Event()

    async def eval(self, *args: Any) -> Any:  # type: ignore[override]
        """The call, finished even when the caller is cancelled meanwhile."""
        self.entered.set()
        call = asyncio.ensure_future(self._gated(*args))
        try:
            return await asyncio.shield(call)
        except asyncio.CancelledError:
            return await call

    async def _gated(self, *args: Any) -> Any:
        await self.go.wait()
        return await super().eval(*args)


async def test_a_lock_whose_renewal_swallowed_the_cancel_is_still_released(
        redis_server: EmbeddedRedis) -> None:
    """Otherwise the renewal goes on for ever: the lock never expires, the release never
    returns, and the chat is never served again (the soak's "stuck" chats)."""
    client = CancelSwallowing.from_url(redis_server.url)
    other = aioredis.Redis.from_url(redis_server.url)
    try:
        lock = ChatLock(client, "lock:1", ttl=1.0, owner="holder")
        client.go.set()
        assert await lock.acquire()
        client.go.clear()
        client.entered.clear()
        await asyncio.wait_for(client.entered.wait(), 10)  # a renewal is under way
        (renewal,) = [t for t in asyncio.all_tasks() if t.get_name() == "renew lock:1"]
        releasing = asyncio.create_task(lock.release())
        await wait_until(lambda: renewal.cancelling(),
                         what="the release to cancel the renewal inside its call")
        client.go.set()
        await asyncio.wait({releasing}, timeout=10)
        assert releasing.done(), "the release returned"
        assert not await other.exists("lock:1"), "released, not renewed"
        assert renewal.done(), "the renewal ended"
    finally:
        for task in asyncio.all_tasks():
            if task.get_name() == "renew lock:1":
                task.cancel()  # (the old renewal, if the test failed)
        await client.aclose()
        await other.aclose()
