"""Export requests: an export is known by the message that asked for it, so running it
again finds what the first run made instead of rendering twice.

A message's export runs again when its holder stopped before the message was done (the
next holder resumes it) or lost the chat's lock unnoticed for a moment (two holders).
The request's hash (`Keys.export_request`) records its progress message as soon as it is
said, and its job in the same Redis step that creates the job (`JobStore.create`); a
request served by an earlier render (an unchanged draft) records that render's job.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from core.keys import Keys
from core.messages import ChatKey
from core.renders.jobs import LIVE_TTL


@dataclass(frozen=True)
class ExportRequest:
    """What one export request made so far (empty strings for what it did not)."""

    job_id: str = ""
    message_id: str = ""


class ExportRequests:
    """Reads and records what export requests made; every key comes from `Keys`."""

    def __init__(self, redis: Redis, keys: Keys | None = None) -> None:
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
        await self._note(chat, request, "message", message_id)

    async def note_job(self, chat: ChatKey, request: str, job_id: str) -> None:
        """Record the job that serves the request when it is not its own (a render of
        the same draft, running or delivered)."""
        await self._note(chat, request, "job", job_id)

    async def forget_job(self, chat: ChatKey, request: str) -> None:
        """The job noted for the request did not serve it after all."""
        await self.redis.hdel(self.keys.export_request(chat, request), "job")

    async def _note(self, chat: ChatKey, request: str, field: str, value: str) -> None:
        key = self.keys.export_request(chat, request)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, field, value)
            pipe.expire(key, LIVE_TTL)
            await pipe.execute()


def _text(value: bytes | str | None) -> str:
    if value is None:
        return ""
    return value.decode() if isinstance(value, bytes) else value
