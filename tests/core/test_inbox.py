"""The chats' queues in Redis: a chat with a queued event is always found by the sweep."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

import pytest
import redis.asyncio as aioredis
from redis.asyncio.client import Pipeline
from redis.exceptions import ConnectionError as RedisConnectionError

from core.embedded_redis import EmbeddedRedis
from core.inbox import AlreadyTaken, ChatEvent, Inbox
from core.messages import ChatKey, IncomingMessage, User
from core.observed_redis import redis_client

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
    """A real client; once armed, the next pipeline that unmarks a chat lets a message
    arrive first (`arrive`), then unmarks, then the server stops: the holder settling
    the chat never learns that a message came meanwhile."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.server: EmbeddedRedis | None = None
        self.arrive: Awaitable[Any] | None = None

    def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> Pipeline:
        """A pipeline that goes away after unmarking, once armed."""
        return GoesAwayPipeline(self, transaction)


class GoesAwayPipeline(Pipeline):
    """See `GoesAwayAfterUnmarking`."""

    def __init__(self, client: GoesAwayAfterUnmarking, transaction: bool) -> None:
        super().__init__(client.connection_pool, client.response_callbacks, transaction, None)
        self.client = client

    async def execute(self, raise_on_error: bool = True) -> list[Any]:
        """Unmark, with the message arriving just before and Redis going just after."""
        client = self.client
        unmarks = [args for args, _ in self.command_stack if args[0] == "SREM"]
        if client.arrive is None or client.server is None or not unmarks:
            return await super().execute(raise_on_error)
        arrive, client.arrive = client.arrive, None
        await arrive
        for args in unmarks:
            await client.execute_command(*args)
        await asyncio.to_thread(client.server.stop)
        return await super().execute(raise_on_error)


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


async def test_a_message_is_queued_and_its_chat_marked_after_redis_forgot_the_scripts(
        redis_url: str) -> None:
    """The queueing script goes in one round trip with the mark, by its digest: a server
    that no longer knows it (restarted, SCRIPT FLUSH) is taught it again, and nothing
    is queued twice."""
    client = redis_client(redis_url)
    inbox = Inbox(client)
    try:
        first = ChatEvent.of(IncomingMessage(CHAT, User("u1", "Ada", "en"), "1", "hello"))
        assert await inbox.push(first) == 1
        await client.script_flush()
        await client.srem(inbox.keys.pending_chats(), str(CHAT))
        second = ChatEvent.of(IncomingMessage(CHAT, User("u1", "Ada", "en"), "2", "again"))
        assert await inbox.push(second) == 2
        assert await inbox.pending_chats() == [CHAT]
        with pytest.raises(AlreadyTaken):
            await inbox.push(second)
        assert await inbox.length(CHAT) == 2
    finally:
        await client.aclose()
