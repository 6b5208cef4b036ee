"""Gathering a Telegram album into one message, in Redis, so webhook replicas agree.

Telegram sends an album as separate messages sharing a `media_group_id`, with
the caption on one of them and no end marker; behind a load balancer the
parts may reach different processes. So the parts are gathered in one Redis
list per album (`Keys.album`), never in process memory:

* Each part is appended by a script that stamps it with Redis's own clock
  (`TIME`), so the processes' clocks never have to agree, and renews the list's
  expiry. A part of an album already delivered (Telegram sent it again) is not
  appended.
* Behind a webhook, Telegram sends a chat's next update only once the previous
  one was answered, and the bot answers an update only once it is stored
  (`webhook`): a busy process spaces an album's parts by its own answer time.
  So a part stored for a webhook is listed as unanswered until its answer has
  gone out (`answered`), which appends a marker stamped like a part: the album
  waits while a part is unanswered (but not for one whose process died before
  answering: `STALE`), and its quiet time runs from the last answer.
* Every process that appended a part then waits `wait` seconds and runs the
  take script: if the newest part (or answer) is younger than `wait`, it answers
  how much longer to wait; otherwise it hands every part to this caller and marks
  it the album's taker for a short lease (`LEASE`). The taker queues the merged
  message, then confirms (`Gathered.done`): the list goes, and the parts' ids are
  remembered for a while. Until then the others wait; if the taker dies, its
  lease runs out and the next one takes the album over (the chat's queue takes
  a message once, should both have queued it).
* Every adder waits, not only the first: if the process holding the first part
  dies, another one still delivers the album. Open albums are also listed by
  the time of their last part (`Keys.open_albums`): one whose every gatherer died
  (all its parts had reached one process) is found by any live process
  (`left_behind`) and delivered. An album nobody delivers expires (after a few
  times `wait`) and nothing is left behind.

A part arriving more than `wait` after the previous one (a very slow upload)
starts a new album of its own: that is the price of having no end marker.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast

from redis.commands.core import AsyncScript

from core.keys import Keys
from core.messages import AttachmentCodec, ChatKey
from core.observed_redis import RedisClient
from core.store import text_of

from .inbound import Part, merge

log = logging.getLogger(__name__)

#: seconds a taker has to queue the album before another process takes it over
LEASE = 5.0
#: how often the other processes look whether the taker is done
TAKER_CHECK = 0.1
#: seconds after which an unanswered part no longer holds its album up (its process died
#: before answering; Telegram sends the update again, which stores the part afresh)
STALE = 40.0

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""

# KEYS: album list, done ids, unanswered.  ARGV: part (JSON), expiry (ms), part's
# message id, "1" when the part waits for a webhook answer.  Appends "<redis ms>|<part>";
# 0 when the part belongs to an album already delivered.
_ADD = _NOW + """
if redis.call('SISMEMBER', KEYS[2], ARGV[3]) == 1 then return 0 end
local n = redis.call('RPUSH', KEYS[1], string.format('%.0f', now) .. '|' .. ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if ARGV[4] == '1' then
  redis.call('ZADD', KEYS[3], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[3], ARGV[2])
end
return n
"""

# KEYS: album list, unanswered.  ARGV: part's message id, expiry (ms).  The part was
# answered: appends the marker "<redis ms>|" (the next part comes after it).
_ANSWERED = _NOW + """
redis.call('ZREM', KEYS[2], ARGV[1])
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('RPUSH', KEYS[1], string.format('%.0f', now) .. '|')
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1
"""

# KEYS: album list, taker, unanswered.  ARGV: quiet time (ms), lease (ms), this taker,
# staleness (ms), expiry (ms).  {0}: gone (delivered by someone else); {1, ms}: the
# newest part is younger than the quiet time, or a part is not answered yet, wait ms
# more; {3, ms}: another taker is delivering it, look again in ms; {2, part, part...}:
# every part (and marker), this caller is the taker.
_TAKE = _NOW + """
local last = redis.call('LINDEX', KEYS[1], -1)
if not last then return {0} end
local taker = redis.call('GET', KEYS[2])
if taker and taker ~= ARGV[3] then return {3, redis.call('PTTL', KEYS[2])} end
if redis.call('ZCOUNT', KEYS[3], string.format('(%.0f', now - tonumber(ARGV[4])), '+inf') > 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
  return {1, tonumber(ARGV[1])}
end
local at = tonumber(string.match(last, '^(%d+)|')) or 0
local wait = at + tonumber(ARGV[1]) - now
if wait > 0 then return {1, wait} end
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[2])
local parts = redis.call('LRANGE', KEYS[1], 0, -1)
local answer = {2}
for i = 1, #parts do answer[#answer + 1] = parts[i] end
return answer
"""

# KEYS: album list, taker, done ids, unanswered.  ARGV: this taker, expiry (ms), part
# ids...  1: the album is gone, its ids remembered; 0: this caller's lease ran out.
_DONE = """
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[4])
for i = 3, #ARGV do redis.call('SADD', KEYS[3], ARGV[i]) end
redis.call('PEXPIRE', KEYS[3], ARGV[2])
return 1
"""


@dataclass(frozen=True)
class Gathered:
    """An album this process took: its parts merged into one, to queue, then `done`."""

    part: Part
    ids: tuple[str, ...]
    confirm: Callable[[tuple[str, ...]], Awaitable[None]]

    async def done(self) -> None:
        """The merged message is queued (or not for the bot): the album is gone."""
        await self.confirm(self.ids)


class AlbumGatherer:
    """Collects an album's parts in Redis until no part arrived for `wait` seconds."""

    def __init__(self, redis: RedisClient, codec: AttachmentCodec, *, wait: float,
                 keys: Keys | None = None, lease: float = LEASE) -> None:
        self.redis = redis
        self.codec = codec
        self.wait = wait
        self.keys = keys or Keys()
        self.lease = lease
        self.taker = uuid.uuid4().hex
        self._add: AsyncScript = redis.register_script(_ADD)
        self._take: AsyncScript = redis.register_script(_TAKE)
        self._done: AsyncScript = redis.register_script(_DONE)
        self._answered: AsyncScript = redis.register_script(_ANSWERED)

    @property
    def expiry_ms(self) -> int:
        """How long an album's list outlives its last part."""
        return int((self.wait * 4 + self.lease) * 1000) + 10_000

    async def add(self, chat: ChatKey, group_id: str, part: Part, *,
                  unanswered: bool = False) -> None:
        """Append a part to its album (a quick Redis call); `unanswered`: a webhook answer
        for it is yet to go out (call `answered` once it has)."""
        keys = [self.keys.album(chat, group_id), self.keys.album_done(chat, group_id),
                self.keys.album_unanswered(chat, group_id)]
        if await self._add(keys=keys, args=[json.dumps(part.to_dict()), self.expiry_ms,
                                            part.message.message_id,
                                            "1" if unanswered else "0"]):
            await self.redis.zadd(self.keys.open_albums(chat.platform),
                                  {_member(chat, group_id): time.time()})

    async def answered(self, chat: ChatKey, group_id: str, message_id: str) -> None:
        """The webhook answer for a part stored `unanswered` has gone out."""
        await self._answered(keys=[self.keys.album(chat, group_id),
                                   self.keys.album_unanswered(chat, group_id)],
                             args=[message_id, self.expiry_ms])

    async def left_behind(self, platform: str, quiet: float) -> list[tuple[ChatKey, str]]:
        """Open albums whose last part came more than `quiet` seconds ago (by this
        process's clock): their gatherers, if any, are gone."""
        members = await self.redis.zrangebyscore(
            self.keys.open_albums(platform), "-inf", time.time() - quiet, start=0, num=100)
        found = []
        for member in members:
            chat, _, group_id = text_of(cast(bytes, member)).rpartition("|")
            try:
                found.append((ChatKey.parse(chat), group_id))
            except ValueError:
                log.warning("telegram: an open album entry could not be read: %r", member)
        return found

    async def _closed(self, chat: ChatKey, group_id: str) -> None:
        await self.redis.zrem(self.keys.open_albums(chat.platform), _member(chat, group_id))

    async def gather(self, chat: ChatKey, group_id: str) -> Gathered | None:
        """Wait until the album is complete: its parts when this caller took them (queue
        the merged message, then call `done`), None when another caller (here or in
        another process) delivered it."""
        keys = [self.keys.album(chat, group_id), self.keys.album_taker(chat, group_id),
                self.keys.album_unanswered(chat, group_id)]
        args: list[str | int] = [max(1, int(self.wait * 1000)), max(1, int(self.lease * 1000)),
                                 self.taker, int(STALE * 1000), self.expiry_ms]
        delay = self.wait
        while True:
            await asyncio.sleep(delay)
            answer: list[Any] = await self._take(keys=keys, args=args)
            status = int(answer[0])
            if status == 0:
                await self._closed(chat, group_id)
                return None
            if status == 1:
                delay = max(int(answer[1]), 1) / 1000
                continue
            if status == 3:  # the taker confirms within moments, unless it died
                delay = min(max(int(answer[1]), 1) / 1000, TAKER_CHECK)
                continue
            found = self._parts(answer[1:])
            if not found:
                return None
            log.info("telegram: album %s in %s gathered: %d part(s)", group_id, chat, len(found))
            ids = tuple(p.message.message_id for p in found)
            return Gathered(merge(found), ids, functools.partial(self._confirm, chat, group_id))

    async def _confirm(self, chat: ChatKey, group_id: str, ids: tuple[str, ...]) -> None:
        keys = [self.keys.album(chat, group_id), self.keys.album_taker(chat, group_id),
                self.keys.album_done(chat, group_id),
                self.keys.album_unanswered(chat, group_id)]
        if not await self._done(keys=keys, args=[self.taker, self.expiry_ms, *ids]):
            log.warning("telegram: album %s in %s was queued after this process's turn to "
                        "deliver it ran out; its chat's queue takes it once", group_id, chat)
            return
        await self._closed(chat, group_id)

    def _parts(self, raws: list[Any]) -> list[Part]:
        """The parts, each once (Telegram may have sent one again)."""
        found: dict[str, Part] = {}
        for raw in raws:
            part = self._part(raw)
            if part is not None:
                found.setdefault(part.message.message_id, part)
        return list(found.values())

    def _part(self, raw: bytes | str) -> Part | None:
        text = raw.decode() if isinstance(raw, bytes) else raw
        _, _, body = text.partition("|")
        if not body:
            return None  # the marker of an answer
        try:
            return Part.from_dict(json.loads(body), self.codec)
        except (ValueError, KeyError) as exc:
            log.warning("telegram: an album part could not be read: %r", exc)
            return None


def _member(chat: ChatKey, group_id: str) -> str:
    return f"{chat}|{group_id}"
