"""A worker's lease on one of its platform's render streams (a shard), through the
platform's consumer group.

Every process that serves the platform runs a worker with its own consumer
name and one lease per shard, and each live job's entry is held by exactly one
of them.

* New entries come with XREADGROUP; a restarted worker with the same consumer
  name first re-reads its own pending entries.
* Entries idle longer than `render_claim_idle` (their worker died) are taken
  over with XAUTOCLAIM.
* A live worker keeps its entries from being taken over however long their
  renders last: every `render_claim_idle / 3` one script lists the worker's
  pending entries (XPENDING for its consumer) and XCLAIMs those it still holds
  to itself with JUSTID, which resets their idle time without counting a new
  delivery. Checking ownership inside the script means a worker never grabs
  back an entry another worker took over or a cancel acknowledged; the holder
  is told to let go of such entries instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from redis.commands.core import AsyncScript

from core.aio import rest
from core.keys import RenderShard
from core.logs import Outage
from core.observed_redis import RedisClient
from core.renders.jobs import JobStore
from core.settings import Settings
from core.store import text_of

log = logging.getLogger(__name__)

# KEYS: stream.  ARGV: group, consumer, how many pending entries to list, entry ids...
# Resets the idle time of the given entries that this consumer still owns and
# returns them.
_HEARTBEAT = """
local pel = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', tonumber(ARGV[3]), ARGV[2])
local mine = {}
for _, e in ipairs(pel) do mine[e[1]] = true end
local keep = {}
for i = 4, #ARGV do
  if mine[ARGV[i]] then keep[#keep + 1] = ARGV[i] end
end
local i = 1
while i <= #keep do
  local last = math.min(i + 499, #keep)
  local args = {KEYS[1], ARGV[1], ARGV[2], 0}
  for j = i, last do args[#args + 1] = keep[j] end
  args[#args + 1] = 'JUSTID'
  redis.call('XCLAIM', unpack(args))
  i = last + 1
end
return keep
"""

# KEYS: stream.  ARGV: group, this consumer, idle threshold (ms).  Deletes other
# consumers that hold no entries and were idle that long, atomically with the check
# (deleting a consumer drops its pending entries, so none may slip in between).
_PRUNE = """
local removed = {}
for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local info = {}
  for i = 1, #c, 2 do info[c[i]] = c[i + 1] end
  if info['name'] ~= ARGV[2] and tonumber(info['pending']) == 0
      and tonumber(info['idle']) > tonumber(ARGV[3]) then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], info['name'])
    removed[#removed + 1] = info['name']
  end
end
return removed
"""

READ_COUNT = 100
BLOCK_MS = 500
_HEARTBEAT_CHUNK = 2000

RawEntry = tuple[Any, dict[Any, Any] | None]


@dataclass(frozen=True)
class Entry:
    """A stream entry: the job it stands for."""

    id: str
    job_id: str


class Holder(Protocol):
    """What the lease needs from whoever works on the entries."""

    def room(self) -> int:
        """How many more entries it can take."""

    async def adopt(self, shard: RenderShard, entries: Sequence[Entry], *,
                    at_once: bool) -> None:
        """Take entries of a shard (new ones, or re-read or taken over ones with
        `at_once`)."""

    def held(self, shard: RenderShard) -> list[str]:
        """The ids of the entries of a shard it works on."""

    async def let_go(self, shard: RenderShard, owned: set[str], since: float) -> None:
        """Of the shard's entries held since before `since` (loop time), give up those
        not in `owned` (another worker took them over, or they were acknowledged)."""


class Lease:
    """Reads, renews, takes over and prunes for one consumer of one shard's stream.

    `ready` is set once the consumer's own pending entries of the shard are re-read.
    """

    def __init__(self, redis: RedisClient, store: JobStore, shard: RenderShard, consumer: str,
                 settings: Settings, holder: Holder, stopping: asyncio.Event) -> None:
        self.redis = redis
        self.store = store
        self.shard = shard
        self.consumer = consumer
        self.settings = settings
        self.holder = holder
        self.ready = asyncio.Event()
        self._stopping = stopping
        self._stream = store.stream(shard)
        self._group = store.group(shard.platform)
        self._heartbeat: AsyncScript = redis.register_script(_HEARTBEAT)
        self._prune: AsyncScript = redis.register_script(_PRUNE)

    # ----------------------------------------------------------------- reading

    async def read_loop(self) -> None:
        """Re-read this consumer's pending entries, then take new ones until stopped."""
        delay = 0.1
        last: str | None = "0"
        outage = Outage(log, f"{self.consumer}: reading {self._stream}")
        while not self._stopping.is_set():
            try:
                if last is not None:
                    last = await self._read_history(last)
                else:
                    await self._read_new()
                delay = 0.1
                outage.worked()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis restarting or unreachable: wait, then resume
                outage.failed(exc)
                if "NOGROUP" in str(exc):
                    with contextlib.suppress(Exception):
                        await self.store.ensure_shard_group(self.shard)
                await rest(self._stopping, delay)
                delay = min(delay * 2, 2.0)

    async def _read_history(self, last: str) -> str | None:
        """One batch of this consumer's pending entries; the id to read on from, or
        None (and the worker is ready) once they are all read."""
        raw = await self._read(last, block=None, count=READ_COUNT)
        if not raw:
            self.ready.set()
            return None
        await self.holder.adopt(self.shard, await self._entries(raw), at_once=True)
        return text_of(raw[-1][0])

    async def _read_new(self) -> None:
        room = self.holder.room()
        if room <= 0:
            await rest(self._stopping, BLOCK_MS / 1000)
            return
        raw = await self._read(">", block=BLOCK_MS, count=min(room, READ_COUNT))
        if raw:
            await self.holder.adopt(self.shard, await self._entries(raw), at_once=False)

    async def _read(self, last: str, *, block: int | None, count: int) -> list[RawEntry]:
        response = await self.redis.xreadgroup(
            self._group, self.consumer, {self._stream: last}, count=count, block=block)
        return _stream_entries(response)

    async def _entries(self, raw: Sequence[RawEntry]) -> list[Entry]:
        """The entries naming a job; the others are released at once."""
        entries: list[Entry] = []
        for entry_id, values in raw:
            entry = text_of(entry_id)
            job_id = _field(values, "job")
            if job_id:
                entries.append(Entry(entry, job_id))
            else:
                await self.store.release(self.shard, entry)
        return entries

    # --------------------------------------------------------------- taking over

    async def reclaim_loop(self) -> None:
        """Take over entries of dead workers, and forget dead workers, until stopped."""
        interval = self.settings.render_claim_idle / 2
        outage = Outage(log, f"{self.consumer}: reclaiming from {self._stream}")
        while not self._stopping.is_set():
            try:
                await self._reclaim()
                await self.prune()
                outage.worked()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis restarting or unreachable: next round
                outage.failed(exc)
            await rest(self._stopping, interval)

    async def _reclaim(self) -> None:
        idle_ms = max(1, int(self.settings.render_claim_idle * 1000))
        start: Any = "0-0"
        for _ in range(1000):
            room = self.holder.room()
            if room <= 0 or self._stopping.is_set():
                return
            response = await self.redis.xautoclaim(
                self._stream, self._group, self.consumer, idle_ms,
                start_id=start, count=min(room, READ_COUNT))
            start = response[0]
            raw = [e for e in (response[1] or []) if e is not None]
            if raw:
                log.info("%s: took over %d idle render job(s)", self.consumer, len(raw))
                await self.holder.adopt(self.shard, await self._entries(raw), at_once=True)
            if text_of(start) in ("0-0", "0"):
                return

    async def prune(self, idle_ms: int | None = None) -> list[str]:
        """Forget other consumers idle longer than `idle_ms` (by default the larger of
        an hour and ten claim idle times) that hold nothing, so names of dead
        processes do not pile up; returns their names."""
        if idle_ms is None:
            idle_ms = int(max(3600.0, 10 * self.settings.render_claim_idle) * 1000)
        removed = await self._prune(keys=[self._stream],
                                    args=[self._group, self.consumer, idle_ms])
        names = [text_of(name) for name in removed]
        for name in names:
            log.info("%s: removed the idle consumer %s", self.consumer, name)
        return names

    # ---------------------------------------------------------------- heartbeat

    async def heartbeat_loop(self) -> None:
        """Keep the held entries from being taken over, until stopped."""
        interval = self.settings.render_claim_idle / 3
        outage = Outage(log, f"{self.consumer}: the heartbeat of {self._stream}")
        while not self._stopping.is_set():
            await rest(self._stopping, interval)
            if self._stopping.is_set():
                return
            held = self.holder.held(self.shard)
            if not held:
                continue
            try:
                await self._beat(held)
                outage.worked()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the entries have claim_idle to spare
                outage.failed(exc)

    async def _beat(self, held: list[str]) -> None:
        started = asyncio.get_running_loop().time()
        owned: set[str] = set()
        listing = len(held) + 10 * READ_COUNT
        for at in range(0, len(held), _HEARTBEAT_CHUNK):
            chunk = held[at:at + _HEARTBEAT_CHUNK]
            kept = await self._heartbeat(
                keys=[self._stream], args=[self._group, self.consumer, listing, *chunk])
            owned.update(text_of(e) for e in kept)
        await self.holder.let_go(self.shard, owned, started)


def _stream_entries(response: Any) -> list[RawEntry]:
    """The entries of a one-stream XREADGROUP answer (RESP2 list or RESP3 dict)."""
    if not response:
        return []
    if isinstance(response, dict):
        streams = list(response.values())
        return list(streams[0][0]) if streams and streams[0] else []
    return list(response[0][1])


def _field(values: dict[Any, Any] | None, name: str) -> str:
    if not values:
        return ""
    raw = values.get(name.encode()) or values.get(name)
    return text_of(raw) if raw else ""
