"""`nemobot migrate`: move the keys of an earlier version (or of another RENDER_SHARDS) to
the names `core.keys.Keys` builds now, so a deployment keeps its chats and renders.

Run it once with every bot stopped, after installing the new version and before
starting it. It is safe to run again (what was moved is not found again, and a
run cut short is finished by the next one) and `dry_run` only counts.

* A chat's own keys (session, identity, queue, current event, lock, projects,
  videos, album parts) are renamed to carry the chat's hash tag, keeping their
  expiry. A key whose new name is already taken by different data (a new
  version ran first) is left as it is and reported.
* A chat's set of live renders is merged into the set in the chat's render shard, and
  its export requests (what each export made: its progress message and render) move
  there.
* A render job (hash and delivery marker) moves to its chat's shard; a live one
  gets a new entry on its shard's stream (pending entries of the old stream are
  not kept: any worker picks the new entry up and goes on from the job's state).
  An old stream is deleted once no job is left on it.
"""

from __future__ import annotations

import functools
import logging
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from redis.exceptions import ResponseError

from core.keys import Keys, LegacyKeys
from core.messages import ChatKey
from core.observed_redis import RedisClient

log = logging.getLogger(__name__)

#: job states that are over (their jobs have no stream entry)
_FINISHED = {"delivered", "failed", "timed_out", "cancelled", "undeliverable"}


@dataclass
class Report:
    """What a migration moved (or would move, in a dry run), by kind of key."""

    dry_run: bool = False
    moved: Counter[str] = field(default_factory=Counter)
    #: old keys left in place: their new name holds other data
    kept: list[str] = field(default_factory=list)
    #: old render streams deleted
    streams: int = 0

    @property
    def nothing(self) -> bool:
        """True when there was nothing to move."""
        return not self.moved and not self.kept and not self.streams


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


@dataclass
class _JobAt:
    """A render job where it is now: its hash key, marker key and stream."""

    job_id: str
    key: str
    marker: str
    stream: str


class Migration:
    """One run of the migration over one Redis (or cluster)."""

    def __init__(self, redis: RedisClient, keys: Keys, *, dry_run: bool = False) -> None:
        self.redis = redis
        self.keys = keys
        self.legacy = LegacyKeys(keys.prefix)
        self.report = Report(dry_run=dry_run)

    async def run(self) -> Report:
        """Move every key that is not where the current names put it."""
        await self._chat_keys()
        await self._render_jobs()
        await self._chat_render_sets()
        await self._export_requests()
        await self._old_streams()
        return self.report

    def _scan(self, match: str) -> AsyncIterator[str]:
        return _scan(self.redis, match)

    # ------------------------------------------------------------- chat keys

    async def _chat_keys(self) -> None:
        async for key in self._scan(self.legacy.chat_match()):
            found = self.legacy.chat_key_of(key)
            if found is None:
                continue
            chat, kind, extra = found
            if kind == "renders":
                await self._merge_set(key, self.keys.chat_renders(chat), "chat render sets")
            else:
                await self._move(key, self._new_chat_key(chat, kind, extra), f"{kind} keys")

    def _new_chat_key(self, chat: ChatKey, kind: str, extra: str) -> str:
        if kind == "album":
            return self.keys.album(chat, extra)
        built: str = getattr(self.keys, kind)(chat)
        return built

    async def _move(self, old: str, new: str, what: str) -> bool:
        """Rename `old` to `new` with its expiry (across hash slots: DUMP and RESTORE);
        False when `new` holds other data (then `old` stays)."""
        payload = await self.redis.dump(old)
        if payload is None:
            return True
        if self.report.dry_run:
            self.report.moved[what] += 1
            return True
        ttl = int(await self.redis.pttl(old))
        try:
            await self.redis.restore(new, max(ttl, 0), payload)
        except ResponseError as exc:
            if "BUSYKEY" not in str(exc):
                raise
            if await self.redis.dump(new) != payload:
                log.warning("kept %s: %s already holds other data", old, new)
                self.report.kept.append(old)
                return False
        await self.redis.delete(old)
        self.report.moved[what] += 1
        return True

    async def _merge_set(self, old: str, new: str, what: str) -> None:
        members = await self.redis.smembers(old)
        if old == new or not members:
            return
        self.report.moved[what] += 1
        if self.report.dry_run:
            return
        ttl = int(await self.redis.pttl(old))
        await self.redis.sadd(new, *members)
        if ttl > 0 and int(await self.redis.pttl(new)) < ttl:
            await self.redis.pexpire(new, ttl)
        await self.redis.delete(old)

    # ------------------------------------------------------------ render jobs

    async def _render_jobs(self) -> None:
        async for key in self._scan(self.legacy.render_match()):
            job_id = self.legacy.render_job_of(key)
            if job_id is not None:
                await self._render_job(_JobAt(job_id, key, self.legacy.render_delivered(job_id),
                                              ""))
        async for key in self._scan(self.keys.render_job_match()):
            found = self.keys.render_job_of(key)
            if found is not None:
                shard, job_id = found
                await self._render_job(_JobAt(job_id, key,
                                              self.keys.render_delivered(shard, job_id),
                                              self.keys.render_stream(shard)))

    async def _render_job(self, at: _JobAt) -> None:
        fields = {_text(k): _text(v) for k, v in (await self.redis.hgetall(at.key)).items()}
        try:
            chat = ChatKey.parse(fields.get("chat", ""))
        except ValueError:
            log.warning("left %s: not a render job this version knows", at.key)
            return
        new_key = self.keys.render_job(chat, at.job_id)
        if new_key == at.key:
            return
        self.report.moved["render jobs"] += 1
        if self.report.dry_run:  # counted as the run moves it
            await self._move(at.marker, self.keys.render_delivered(chat, at.job_id),
                             "delivery markers")
            return
        stream = at.stream or self.legacy.render_stream(chat.platform)
        old_entry = fields.get("entry", "")
        live = fields.get("state") not in _FINISHED and bool(old_entry)
        if live:
            fields["entry"] = await self._new_entry(chat, at.job_id, new_key)
        ttl = int(await self.redis.pttl(at.key))
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(new_key)
            pipe.hset(new_key, mapping=fields)  # type: ignore[arg-type]
            if ttl > 0:
                pipe.pexpire(new_key, ttl)
            await pipe.execute()
        await self._move(at.marker, self.keys.render_delivered(chat, at.job_id),
                         "delivery markers")
        if live:
            await self.redis.sadd(self.keys.chat_renders(chat), at.job_id)
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.xack(stream, self.keys.render_group(chat.platform), old_entry)
                pipe.xdel(stream, old_entry)
                await pipe.execute()
        await self.redis.delete(at.key)

    async def _new_entry(self, chat: ChatKey, job_id: str, new_key: str) -> str:
        """The job's entry on its shard's stream: the one an interrupted run added, or a
        new one."""
        stream = self.keys.render_stream(chat)
        earlier = await self.redis.hget(new_key, "entry")
        if earlier is not None and await self.redis.xrange(stream, _text(earlier),
                                                           _text(earlier)):
            return _text(earlier)
        return _text(await self.redis.xadd(stream, {"job": job_id}))

    async def _chat_render_sets(self) -> None:
        """Chats' render sets of another shard count, merged into their chat's shard."""
        async for key in self._scan(self.keys.chat_renders_match()):
            found = self.keys.chat_renders_of(key)
            if found is not None:
                await self._merge_set(key, self.keys.chat_renders(found[1]), "chat render sets")

    async def _export_requests(self) -> None:
        """Chats' export requests of another shard count, moved into their chat's shard
        (an export run again there finds the render it made)."""
        async for key in self._scan(self.keys.export_requests_match()):
            found = self.keys.export_request_of(key)
            if found is not None and key != (new := self.keys.export_request(*found)):
                await self._move(key, new, "export requests")

    async def _old_streams(self) -> None:
        """Delete old render streams (one per platform, or shards beyond RENDER_SHARDS)
        once no job is left on them."""
        for key, job_key in await _unread_streams(self.redis, self.keys):
            if not self.report.dry_run and await self._jobs_left(key, job_key):
                log.warning("kept %s: jobs still wait on it", key)
                self.report.kept.append(key)
                continue
            self.report.streams += 1
            if not self.report.dry_run:
                await self.redis.delete(key)

    async def _jobs_left(self, stream: str, job_key: Callable[[str], str]) -> bool:
        """Whether an entry of `stream` names a job still stored where it was."""
        for _, values in await self.redis.xrange(stream) or []:
            job_id = _text((values or {}).get(b"job") or (values or {}).get("job") or "")
            if job_id and await self.redis.exists(job_key(job_id)):
                return True
        return False


async def migrate(redis: RedisClient, keys: Keys, *, dry_run: bool = False) -> Report:
    """Move every key to the name `keys` builds (see the module); returns what moved."""
    return await Migration(redis, keys, dry_run=dry_run).run()


async def stranded_renders(redis: RedisClient, keys: Keys) -> int:
    """How many renders wait on streams no worker of this version reads (an earlier
    version's, or shards beyond RENDER_SHARDS): they are not delivered until `nemobot
    migrate` moves them. A SCAN of the keys and one XLEN per such stream."""
    return sum([int(await redis.xlen(key)) for key, _ in await _unread_streams(redis, keys)])


async def _unread_streams(redis: RedisClient,
                          keys: Keys) -> list[tuple[str, Callable[[str], str]]]:
    """The render streams no worker of this version reads (one per platform of an earlier
    version, shards beyond RENDER_SHARDS), each with how its jobs' keys are named."""
    legacy = LegacyKeys(keys.prefix)
    unread: list[tuple[str, Callable[[str], str]]] = []
    async for key in _scan(redis, legacy.render_stream_match()):
        unread.append((key, legacy.render_job))
    async for key in _scan(redis, keys.render_stream_match()):
        shard = keys.render_stream_of(key)
        if shard is not None and shard.index >= keys.render_shards:
            unread.append((key, functools.partial(keys.render_job, shard)))
    return unread


async def _scan(redis: RedisClient, match: str) -> AsyncIterator[str]:
    """The keys matching `match`, each once (SCAN may return a key twice)."""
    seen: set[str] = set()
    async for raw in redis.scan_iter(match=match, count=1000):
        key = _text(raw)
        if key not in seen:
            seen.add(key)
            yield key
