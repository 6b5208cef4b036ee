"""Export requests: an export is known by the message that asked for it, so running it
again finds what the first run made instead of rendering twice.

A message's export runs again when its holder stopped before the message was done (the
next holder resumes it) or lost the chat's lock unnoticed for a moment (two holders).
The request's hash (`Keys.export_request`) records its progress message as soon as it is
said, and its job in the same Redis step that creates the job (`JobStore.create`); a
request served by an earlier render (an unchanged draft) claims that render's job, once:
a second run finds it claimed and sends nothing (see `core.renders.reuse`).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.keys import Keys
from core.messages import ChatKey
from core.observed_redis import RedisClient
from core.renders.jobs import LIVE_TTL

# KEYS: export request.  ARGV: job id, ttl, ending, url.  The job the request has
# already, else false once `job id` is recorded as serving it (with how its message ends
# when nobody knows whether the video went, and the video's link).
_CLAIM = """
local earlier = redis.call('HGET', KEYS[1], 'job')
if earlier then return earlier end
redis.call('HSET', KEYS[1], 'job', ARGV[1], 'ending', ARGV[3], 'url', ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return false
"""

_FIELDS = ("job", "message", "ending", "url", "served")


@dataclass(frozen=True)
class ExportRequest:
    """What one export request made so far (empty strings for what it did not)."""

    job_id: str = ""
    message_id: str = ""
    #: served by an earlier render: the text key its message ends with when nobody knows
    #: whether the video went, the video's link, and whether it is known to have gone
    ending: str = ""
    url: str = ""
    served: bool = False

    @property
    def unsure(self) -> bool:
        """Served by an earlier render, and not known to be done."""
        return bool(self.ending and self.message_id) and not self.served


class ExportRequests:
    """Reads and records what export requests made; every key comes from `Keys`."""

    def __init__(self, redis: RedisClient, keys: Keys | None = None) -> None:
        self.redis = redis
        self.keys = keys or Keys()
        self._claim = redis.register_script(_CLAIM)

    async def load(self, chat: ChatKey, request: str) -> ExportRequest:
        """What the chat's export `request` made so far."""
        job, message, ending, url, served = (_text(v) for v in await self.redis.hmget(
            self.keys.export_request(chat, request), list(_FIELDS)))
        return ExportRequest(job, message, ending, url, bool(served))

    async def note_message(self, chat: ChatKey, request: str, message_id: str) -> None:
        """Record the request's progress message (before its job exists), so running the
        request again goes on in that message."""
        key = self.keys.export_request(chat, request)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, "message", message_id)
            pipe.expire(key, LIVE_TTL)
            await pipe.execute()

    async def claim_job(self, chat: ChatKey, request: str, job_id: str, *, ending: str,
                        url: str = "") -> str:
        """Record `job_id` as the job serving the request when it is not the request's own
        (a render of the same draft, running or delivered), unless the request has a job
        already: "" when recorded, else the job it has. `ending` (a text key) and `url`
        say how its message ends if the run stops before `served`."""
        earlier = await self._claim(keys=[self.keys.export_request(chat, request)],
                                    args=[job_id, LIVE_TTL, ending, url])
        return _text(earlier)

    async def served(self, chat: ChatKey, request: str) -> None:
        """The request's claimed job is known to have served it."""
        await self.redis.hset(self.keys.export_request(chat, request), "served", "1")

    async def forget_job(self, chat: ChatKey, request: str) -> None:
        """The job claimed for the request did not serve it after all."""
        await self.redis.hdel(self.keys.export_request(chat, request), "job", "ending", "url")


def _text(value: bytes | str | None) -> str:
    if not value:
        return ""
    return value.decode() if isinstance(value, bytes) else value
