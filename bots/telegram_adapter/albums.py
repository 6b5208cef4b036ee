"""Gathering a Telegram album into one message, in Redis, so webhook replicas agree.

Telegram sends an album as separate messages sharing a `media_group_id`, with
the caption on one of them and no end marker; behind a load balancer the
parts may reach different processes. So the parts are gathered in one Redis
list per album (`Keys.album`), never in process memory:

* Each part is appended by a script that stamps it with Redis's own clock
  (`TIME`), so the processes' clocks never have to agree, and renews the list's
  expiry.
* Every process that appended a part then waits `wait` seconds and runs the
  take script: if the newest part is younger than `wait`, it answers how much
  longer to wait; otherwise it returns every part and deletes the list, in
  one step. Exactly one caller gets the parts; the others find the list gone
  and stop.
* Every adder waits, not only the first: if the process holding the first part
  dies, another one still delivers the album. If all of them die the list
  expires (after a few times `wait`) and nothing is left behind.

A part arriving more than `wait` after the previous one (a very slow upload)
starts a new album of its own: that is the price of having no end marker.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from redis.commands.core import AsyncScript

from core.keys import Keys
from core.messages import AttachmentCodec, ChatKey
from core.observed_redis import RedisClient

from .inbound import Part, merge

log = logging.getLogger(__name__)

# KEYS: album list.  ARGV: part (JSON), expiry (ms).  Appends "<redis ms>|<part>".
_ADD = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = redis.call('RPUSH', KEYS[1], string.format('%.0f', now) .. '|' .. ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return n
"""

# KEYS: album list.  ARGV: quiet time (ms).  {0}: gone (taken by someone else);
# {1, ms}: the newest part is younger than the quiet time, wait ms more;
# {2, part, part...}: every part, and the list is deleted.
_TAKE = """
local last = redis.call('LINDEX', KEYS[1], -1)
if not last then return {0} end
local at = tonumber(string.match(last, '^(%d+)|')) or 0
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local wait = at + tonumber(ARGV[1]) - now
if wait > 0 then return {1, wait} end
local parts = redis.call('LRANGE', KEYS[1], 0, -1)
redis.call('DEL', KEYS[1])
local answer = {2}
for i = 1, #parts do answer[#answer + 1] = parts[i] end
return answer
"""


class AlbumGatherer:
    """Collects an album's parts in Redis until no part arrived for `wait` seconds."""

    def __init__(self, redis: RedisClient, codec: AttachmentCodec, *, wait: float,
                 keys: Keys | None = None) -> None:
        self.codec = codec
        self.wait = wait
        self.keys = keys or Keys()
        self._add: AsyncScript = redis.register_script(_ADD)
        self._take: AsyncScript = redis.register_script(_TAKE)

    @property
    def expiry_ms(self) -> int:
        """How long an album's list outlives its last part."""
        return int(self.wait * 4000) + 10_000

    async def add(self, chat: ChatKey, group_id: str, part: Part) -> None:
        """Append a part to its album (a quick Redis call)."""
        key = self.keys.album(chat, group_id)
        await self._add(keys=[key], args=[json.dumps(part.to_dict()), self.expiry_ms])

    async def gather(self, chat: ChatKey, group_id: str) -> Part | None:
        """Wait until the album is complete; its parts merged into one when this caller
        took them, None when another caller (here or in another process) did."""
        key = self.keys.album(chat, group_id)
        quiet_ms = max(1, int(self.wait * 1000))
        delay = self.wait
        while True:
            await asyncio.sleep(delay)
            answer: list[Any] = await self._take(keys=[key], args=[quiet_ms])
            status = int(answer[0])
            if status == 0:
                return None
            if status == 1:
                delay = max(int(answer[1]), 1) / 1000
                continue
            parts = [self._part(raw) for raw in answer[1:]]
            found = [p for p in parts if p is not None]
            if not found:
                return None
            log.info("telegram: album %s in %s gathered: %d part(s)", group_id, chat, len(found))
            return merge(found)

    def _part(self, raw: bytes | str) -> Part | None:
        text = raw.decode() if isinstance(raw, bytes) else raw
        _, _, body = text.partition("|")
        try:
            return Part.from_dict(json.loads(body), self.codec)
        except (ValueError, KeyError) as exc:
            log.warning("telegram: an album part could not be read: %r", exc)
            return None
