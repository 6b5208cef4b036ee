"""Render jobs in Redis: one hash per job (`core.renders.job_record`), one stream entry
per live job, and the transitions between states as atomic scripts
(`core.renders.job_scripts`).

The live job's stream entry is added in the same script that creates the hash,
before the first submit, so a crash at any point leaves a job some worker will
pick up: nothing is orphaned.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from redis.commands.core import AsyncScript

from core import observe
from core.keys import Keys, RenderShard
from core.messages import ChatKey
from core.observed_redis import RedisClient
from core.renders import job_scripts as scripts
from core.renders.job_record import JobState, RenderJob

log = logging.getLogger(__name__)

#: how long a finished job's hash (and the delivery marker) is kept for inspection
FINISHED_TTL = 24 * 3600
#: how long a live job's hash (and its chat's set) is kept at most (far beyond any render
#: timeout)
LIVE_TTL = 7 * 24 * 3600


class ExportExists(Exception):
    """The export request already has a job (`job_id`): no second one is made."""

    def __init__(self, job_id: str) -> None:
        super().__init__(f"the export request has job {job_id} already")
        self.job_id = job_id


@dataclass(frozen=True)
class Transition:
    """The outcome of a conditional state change: whether it was made, and the state before."""

    ok: bool
    before: JobState | None

    @property
    def gone(self) -> bool:
        """The job no longer exists."""
        return self.before is None


class JobStore:
    """Reads and changes render jobs; every key comes from `Keys`."""

    def __init__(self, redis: RedisClient, keys: Keys | None = None) -> None:
        self.redis = redis
        self.keys = keys or Keys()
        self._create: AsyncScript = redis.register_script(scripts.CREATE)
        self._transition: AsyncScript = redis.register_script(scripts.TRANSITION)
        self._finish: AsyncScript = redis.register_script(scripts.FINISH)
        self._claim: AsyncScript = redis.register_script(scripts.CLAIM_DELIVERY)
        self._cancel: AsyncScript = redis.register_script(scripts.CANCEL)

    def stream(self, where: ChatKey | RenderShard) -> str:
        """The render stream of a shard (or of a chat's shard)."""
        return self.keys.render_stream(where)

    def group(self, platform: str) -> str:
        """The platform's consumer group (the same name on each of its streams)."""
        return self.keys.render_group(platform)

    def shards(self, platform: str) -> list[RenderShard]:
        """The platform's render shards."""
        return self.keys.render_shards_of(platform)

    async def ensure_group(self, platform: str) -> None:
        """Create the platform's streams and consumer group if missing (from the start)."""
        for shard in self.shards(platform):
            await self.ensure_shard_group(shard)

    async def ensure_shard_group(self, shard: RenderShard) -> None:
        """Create one shard's stream and consumer group if missing (from the start)."""
        try:
            await self.redis.xgroup_create(
                self.stream(shard), self.group(shard.platform), id="0", mkstream=True)
        except Exception as exc:  # BUSYGROUP: it exists already
            if "BUSYGROUP" not in str(exc):
                raise

    async def create(self, job: RenderJob) -> str:
        """Store a new job and queue it on its chat's render stream; returns the entry id.

        A job with a `request` is recorded as that request's job in the same step;
        ExportExists (and nothing stored) when the request has a job already.
        """
        now = time.time()
        job.created_at = job.updated_at = job.created_at or now
        job.render_ids = job.render_ids or [job.render_id]
        values = job.to_fields()
        values.pop("entry", None)
        args: list[str] = [job.id, str(LIVE_TTL)]
        for name, value in values.items():
            args += [name, value]
        keys = [self.keys.render_job(job.chat, job.id), self.keys.chat_renders(job.chat),
                self.stream(job.chat)]
        if job.request:
            keys.append(self.keys.export_request(job.chat, job.request))
        verdict, value = await self._create(keys=keys, args=args)
        if _text(verdict) == "earlier":
            raise ExportExists(_text(value))
        job.entry = _text(value)
        return job.entry

    async def load(self, where: ChatKey | RenderShard, job_id: str) -> RenderJob | None:
        """The job (of a chat, or in a shard), or None when it is gone."""
        return RenderJob.from_fields(
            await self.redis.hgetall(self.keys.render_job(where, job_id)))

    async def load_many(self, where: ChatKey | RenderShard,
                        job_ids: Iterable[str]) -> dict[str, RenderJob | None]:
        """Several jobs of one chat or shard in one round trip."""
        ids = list(job_ids)
        if not ids:
            return {}
        async with self.redis.pipeline(transaction=False) as pipe:
            for job_id in ids:
                pipe.hgetall(self.keys.render_job(where, job_id))
            raws = await pipe.execute()
        return {job_id: RenderJob.from_fields(raw) for job_id, raw in zip(ids, raws, strict=True)}

    async def peek(self, job: RenderJob) -> tuple[JobState | None, str]:
        """The job's state (None when it is gone) and the render it waits for, in one read."""
        raw_state, raw_render = await self.redis.hmget(
            self.keys.render_job(job.chat, job.id), ["state", "render_id"])
        if raw_state is None:
            return None, ""
        return JobState(_text(raw_state)), _text(raw_render) if raw_render is not None else ""

    async def delivery_holder(self, job: RenderJob) -> str | None:
        """Who took the job's delivery marker (see `claim_delivery`), or None."""
        raw = await self.redis.get(self.keys.render_delivered(job.chat, job.id))
        return None if raw is None else _text(raw)

    async def chat_jobs(self, chat: ChatKey) -> list[str]:
        """Ids of the chat's jobs that are not finished. Jobs that are gone (their hash
        expired, or was lost with a Redis restarted empty) are dropped on the way."""
        key = self.keys.chat_renders(chat)
        ids = sorted(_text(m) for m in await self.redis.smembers(key))
        found = await self.existing(chat, ids)
        gone = [job_id for job_id in ids if job_id not in found]
        if gone:
            log.info("%s: forgetting %d render job(s) that are gone", chat, len(gone))
            await self.redis.srem(key, *gone)
        return [job_id for job_id in ids if job_id in found]

    async def existing(self, where: ChatKey | RenderShard, job_ids: Iterable[str]) -> set[str]:
        """Which of these jobs (of one chat or shard) still exist, in one round trip."""
        ids = list(job_ids)
        if not ids:
            return set()
        async with self.redis.pipeline(transaction=False) as pipe:
            for job_id in ids:
                pipe.exists(self.keys.render_job(where, job_id))
            found = await pipe.execute()
        return {job_id for job_id, n in zip(ids, found, strict=True) if n}

    async def every_job(self, platform: str = "*") -> AsyncIterator[tuple[RenderShard, str]]:
        """The shard and id of every job in Redis (finished ones too), in no order: a
        SCAN of every node, for tools and tests."""
        async for raw in self.redis.scan_iter(match=self.keys.render_job_match(platform),
                                              count=1000):
            found = self.keys.render_job_of(_text(raw))
            if found is not None:
                yield found

    async def transition(self, job: RenderJob, allowed: Iterable[JobState], *,
                         expect_render: str = "", **changes: object) -> Transition:
        """Change fields (e.g. `state=`) of the stored job only if it is in one of
        `allowed` states (and, with `expect_render`, still waits for that render). With
        no changes it only checks. `job` itself is left as it is."""
        raw = await self._transition(
            keys=[self.keys.render_job(job.chat, job.id)],
            args=[_states(allowed), expect_render, *_pairs(changes)],
        )
        return _outcome(raw)

    async def finish(self, job: RenderJob, state: JobState, allowed: Iterable[JobState],
                     **changes: object) -> Transition:
        """Move the job to a final state, drop it from its chat's live set, and
        acknowledge and delete its stream entry, all at once."""
        assert state.finished
        raw = await self._finish(
            keys=[self.keys.render_job(job.chat, job.id), self.keys.chat_renders(job.chat),
                  self.stream(job.chat), self.keys.render_delivered(job.chat, job.id)],
            args=[self.group(job.chat.platform), _states(allowed), job.id, str(FINISHED_TTL),
                  *_pairs({"state": state.value, **changes})],
        )
        outcome = _outcome(raw)
        if outcome.ok:
            _report(job.chat, state.value, job.id)
        return outcome

    async def claim_delivery(self, job: RenderJob, holder: str) -> tuple[str, str]:
        """Take the job's delivery marker: ("claimed", holder), ("taken", earlier holder),
        ("state", the job's state) when it is not rendering, or ("missing", "")."""
        raw = await self._claim(
            keys=[self.keys.render_job(job.chat, job.id),
                  self.keys.render_delivered(job.chat, job.id)],
            args=[holder, str(LIVE_TTL), repr(time.time())],
        )
        verdict = _text(raw[0])
        if verdict == "claimed":
            _report(job.chat, "completed", job.id)
        return verdict, _text(raw[1])

    async def cancel(self, job_id: str, chat: ChatKey) -> str | None:
        """Cancel a job nobody started delivering; returns its render id, or None."""
        raw = await self._cancel(
            keys=[self.keys.render_job(chat, job_id), self.keys.render_delivered(chat, job_id),
                  self.keys.chat_renders(chat), self.stream(chat)],
            args=[self.group(chat.platform), job_id, repr(time.time()), str(FINISHED_TTL)],
        )
        if not raw:
            return None
        _report(chat, JobState.CANCELLED.value, job_id)
        return _text(raw)

    async def release(self, shard: RenderShard, entry: str) -> None:
        """Acknowledge and delete a stream entry whose job needs nothing more."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.xack(self.stream(shard), self.group(shard.platform), entry)
            pipe.xdel(self.stream(shard), entry)
            await pipe.execute()


async def render_backlog(redis: RedisClient, keys: Keys, platform: str) -> int:
    """How many entries a platform's render streams hold (its live jobs), in one round
    trip (one per node of a cluster)."""
    async with redis.pipeline(transaction=False) as pipe:
        for shard in keys.render_shards_of(platform):
            pipe.xlen(keys.render_stream(shard))
        return sum(int(n) for n in await pipe.execute())


def _report(chat: ChatKey, event: str, job_id: str) -> None:
    observe.report(lambda p: p.render(chat.platform, event, job_id))


def _states(states: Iterable[JobState]) -> str:
    return ",".join(s.value for s in states)


def _pairs(changes: Mapping[str, object]) -> list[str]:
    out: list[str] = []
    for name, value in changes.items():
        if isinstance(value, list):
            text = " ".join(str(v) for v in value)
        elif isinstance(value, float):
            text = repr(value)
        else:
            text = str(value)
        out += [name, text]
    return out


def _outcome(raw: Any) -> Transition:
    if not raw:
        return Transition(False, None)
    return Transition(_text(raw[0]) == "ok", JobState(_text(raw[1])))


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
