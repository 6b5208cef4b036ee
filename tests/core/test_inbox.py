"""The chats' queues in Redis: a chat with a queued event is always found by the sweep."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

import pytest
import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError

from core.embedded_redis import EmbeddedRedis
from core.inbox import ChatEvent, Inbox
from core.messages import ChatKey, IncomingMessage, User

CHAT = ChatKey("test", "1")
T = TypeVar("T")


async def _after(turns: int, work: Awaitable[T]) -> T:
    for _ in range(turns):
        await asyncio.sleep(0)  # lets the other side's Redis calls go first, by a few steps
    return await work


async def test_a_message_queued_while_its_holder_settles_the_chat_stays_pending(
        redis_server: EmbeddedRedis) -> None:
    """The holder unmarks the chat (nothing queued) while a message arrives: either the
    holder sees the message, or the chat is marked again; never a queued message in an
    unmarked chat (which no sweep would ever find)."""
    inbox = Inbox(aioredis.Redis.from_url(redis_server.url))
    pusher = Inbox(aioredis.Redis.from_url(redis_server.url))
    try:
        user = User("u1", "Ada", "en")
        for n in range(300):
            event = ChatEvent.of(IncomingMessage(CHAT, user, str(n), f"message {n}"))
            await asyncio.gather(inbox.settle(CHAT), _after(n % 12, pusher.push(event)))
            assert CHAT in await inbox.pending_chats(), f"message {n} queued, chat unmarked"
            assert await inbox.take(CHAT) is not None
            await inbox.finish(CHAT)
    finally:
        await inbox.redis.aclose()
        await pusher.redis.aclose()


class GoesAwayAfterUnmarking(aioredis.Redis):
    """A real client; once armed, its next SREM lets a message arrive first (`arrive`),
    then unmarks, then the server stops: the holder settling the chat never learns
    that a message came meanwhile."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.server: EmbeddedRedis | None = None
        self.arrive: Awaitable[Any] | None = None

    async def srem(self, *args: Any) -> Any:  # type: ignore[override]
        """Unmark, with the message arriving just before and Redis going just after."""
        if self.arrive is None or self.server is None:
            return await super().srem(*args)
        arrive, self.arrive = self.arrive, None
        await arrive
        removed = await super().srem(*args)
        await asyncio.to_thread(self.server.stop)
        return removed


async def test_a_chat_unmarked_as_redis_went_away_is_marked_again_once_it_is_back(
        redis_server: EmbeddedRedis) -> None:
    """Its holder settled the chat, a message arrived, and Redis went away before the
    holder could look again: once Redis is back the chat is marked again (the sweep
    would never find it otherwise)."""
    client = GoesAwayAfterUnmarking.from_url(redis_server.url)
    sender = Inbox(aioredis.Redis.from_url(redis_server.url))
    inbox = Inbox(client)
    try:
        event = ChatEvent.of(IncomingMessage(CHAT, User("u1", "Ada", "en"), "1", "hello"))
        client.server, client.arrive = redis_server, sender.push(event)
        with pytest.raises(RedisConnectionError):
            await inbox.settle(CHAT)
        await asyncio.to_thread(redis_server.start)

        async def pending() -> list[ChatKey]:
            try:
                return await inbox.pending_chats()
            except RedisConnectionError:  # a connection from before the restart
                return await inbox.pending_chats()

        assert CHAT in await pending(), "the queued message's chat is marked"
    finally:
        await client.aclose()
        await sender.redis.aclose()
