"""A chat that moved (a group upgraded to a supergroup): its keys follow it, on one Redis
and on a cluster (the two chats' keys are in different hash slots)."""

from __future__ import annotations

from core.keys import Keys
from core.messages import ChatKey
from core.moved import follow
from core.observed_redis import redis_client

OLD, NEW = ChatKey("telegram", "-4001"), ChatKey("telegram", "-1004001")


async def test_the_project_account_and_lists_follow_a_moved_chat(redis_url: str) -> None:
    keys = Keys()
    redis = redis_client(redis_url)  # redis+cluster:// names a cluster
    try:
        await redis.hset(keys.session(OLD), mapping={"session_id": "s1"})
        await redis.expire(keys.session(OLD), 600)
        await redis.hset(keys.identity(OLD), mapping={"user_id": "anon_1"})
        await redis.hset(keys.identity(NEW), mapping={"user_id": "anon_2"})  # its own
        assert await follow(redis, keys, OLD, NEW) == 1
        assert await redis.hget(keys.session(NEW), "session_id") == b"s1"
        assert 0 < await redis.ttl(keys.session(NEW)) <= 600
        assert await redis.hget(keys.identity(NEW), "user_id") == b"anon_2", "not overwritten"
        assert await follow(redis, keys, OLD, NEW) == 0, "said twice: copied once"
    finally:
        await redis.aclose()
