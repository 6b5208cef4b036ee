"""The chats' queues in Redis: a chat with a queued event is always found by the sweep."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

import redis.asyncio as aioredis

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
