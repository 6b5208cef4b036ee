"""Export requests: an export is known by the message that asked for it, so running it
again finds what the first run made instead of rendering twice.

A message's export runs again when its holder stopped before the message was done (the
next holder resumes it) or lost the chat's lock unnoticed for a moment (two holders).
The request's hash (`Keys.export_request`) records its progress message as soon as it is
said, and its job in the same Redis step that creates the job (`JobStore.create`); a
request served by an earlier render (an unchanged draft) claims that render's job, once:
a second run finds it claimed and sends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.keys import Keys
from core.messages import ChatKey
from core.observed_redis import RedisClient
from core.renders.jobs import LIVE_TTL


@dataclass(frozen=True)
class ExportRequest:
    """What one export request made so far (empty strings for what it did not)."""

    job_id: str = ""
    message_id: str = ""


class ExportRequests:
    """Reads and records what export requests made; every key comes from `Keys`."""

    def __init__(self, redis: RedisClient, keys: Keys | None = None) -> None:
        self.redis = redis
        self.keys = keys or Keys()

    async def load(self, chat: ChatKey, request: str) -> ExportRequest:
        """What the chat's export `request` made so far."""
        job_id, message_id = await self.redis.hmget(
            self.keys.export_request(chat, request), ["job", "message"])
        return ExportRequest(_text(job_id), _text(message_id))

    async def note_message(self, chat: ChatKey, request: str, message_id: str) -> None:
        """Record the request's progress message (before its job exists), so running the
        request again goes on in that message."""
        key = self.keys.export_request(chat, request)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, "message", message_id)
            pipe.expire(key, LIVE_TTL)
            await pipe.execute()

    async def claim_job(self, chat: ChatKey, request: str, job_id: str) -> str:
        """Record `job_id` as the job serving the request when it is not the request's own
        (a render of the same draft, running or delivered), unless the request has a job
        already: "" when recorded, else the job it has."""
        key = self.keys.export_request(chat, request)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hsetnx(key, "job", job_id)
            pipe.expire(key, LIVE_TTL)
            pipe.hget(key, "job")
            recorded, _, holder = await pipe.execute()
        return "" if recorded else _text(holder)

    async def forget_job(self, chat: ChatKey, request: str) -> None:
        """The job claimed for the request did not serve it after all."""
        await self.redis.hdel(self.keys.export_request(chat, request), "job")


def _text(value: bytes | str | None) -> str:
    if value is None:
        return ""
    return value.decode() if isinstance(value, bytes) else value
