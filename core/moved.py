"""A chat that moved: a Telegram group upgraded to a supergroup gets a new chat id, and
its project, its NemoVideo account, its project list and its last videos follow it."""

from __future__ import annotations

import logging

from redis.exceptions import ResponseError

from core.keys import Keys
from core.messages import ChatKey
from core.observed_redis import RedisClient

log = logging.getLogger(__name__)

#: the chat's keys that follow it (renders in flight go on under the old chat; the
#: adapter sends their videos to the new one)
FOLLOWING = ("session", "identity", "projects", "videos")


async def follow(redis: RedisClient, keys: Keys, old: ChatKey, new: ChatKey) -> int:
    """Copy what `old` has to `new`, each key with its expiry, never over a key `new` has
    already (both chats may say that they moved); how many keys were copied. Copies, not
    renames: the two chats' keys are in different hash slots of a cluster."""
    copied = 0
    for name in FOLLOWING:
        source, target = getattr(keys, name)(old), getattr(keys, name)(new)
        dumped = await redis.dump(source)
        if dumped is None:
            continue
        expiry = await redis.pttl(source)
        try:
            await redis.restore(target, max(0, expiry), dumped)
        except ResponseError as exc:
            if "BUSYKEY" not in str(exc):
                raise
            continue
        copied += 1
    if copied:
        log.info("chat %s moved to %s: its project and account follow it", old, new)
    return copied
