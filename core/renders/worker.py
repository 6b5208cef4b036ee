"""The render worker: polls a platform's render jobs and delivers the videos.

It is put together from three parts:

* `core.renders.lease`: this worker's share of each of the platform's render
  streams, one lease per shard (reading new entries, taking over those of dead
  workers, heartbeats);
* `core.renders.scheduler`: the jobs it holds and when each is looked at next;
* `core.renders.steps`: what is done with a job when its turn comes.

An entry is acknowledged (and deleted) in the same script that moves its job
to a final state, so a job is never finished without its entry going.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path

from core.aio import end_tasks
from core.identity import Identities
from core.keys import Keys, RenderShard
from core.nemo.api import NemoApi
from core.observed_redis import RedisClient
from core.outgoing import Outgoing
from core.renders.delivery import Courier
from core.renders.jobs import JobStore
from core.renders.lease import BLOCK_MS, Entry, Lease
from core.renders.loops import until_stopped
from core.renders.schedule import PollPlan
from core.renders.scheduler import Scheduler, Tracked
from core.renders.steps import Steps
from core.renders.submit import Submitter
from core.settings import Settings

log = logging.getLogger(__name__)


class RenderWorker:
    """Polls and delivers one platform's render jobs until `stop()`.

    `consumer` names this worker in the platform's consumer group; give each
    process its own, and keep it across restarts where possible so a restarted
    worker resumes its entries at once instead of after `render_claim_idle`.
    `outgoing` is the platform adapter the videos go through.
    """

    def __init__(self, platform: str, consumer: str, outgoing: Outgoing, *, redis: RedisClient,
                 nemo: NemoApi, identities: Identities, settings: Settings,
                 keys: Keys | None = None, tmp_dir: Path | None = None,
                 stop_grace: float = 10.0) -> None:
        self.platform = platform
        self.consumer = consumer
        self.outgoing = outgoing
        self.settings = settings
        self.stop_grace = stop_grace
        self.store = JobStore(redis, keys)
        self.submitter = Submitter(self.store, nemo, identities)
        self.courier = Courier(outgoing, nemo, identities, tmp_dir, store=self.store)
        self.ready = asyncio.Event()
        self._stopping = asyncio.Event()
        self._stopped = asyncio.Event()
        self._running = False
        self.scheduler = Scheduler(settings, consumer)
        self.steps = Steps(consumer, platform, settings=settings, store=self.store, nemo=nemo,
                           identities=identities, submitter=self.submitter,
                           courier=self.courier, scheduler=self.scheduler)
        self.scheduler.bind(self.steps.step)
        self.leases = [Lease(redis, self.store, shard, consumer, settings, self, self._stopping)
                       for shard in self.store.shards(platform)]

    def __repr__(self) -> str:
        return f"RenderWorker({self.platform!r}, {self.consumer!r}, jobs={self.in_flight})"

    @property
    def in_flight(self) -> int:
        """How many jobs this worker holds."""
        return len(self.scheduler.jobs)

    # ---------------------------------------------------------------- lifecycle

    async def run(self) -> None:
        """Serve until `stop()` (or until cancelled)."""
        if self._running:
            raise RuntimeError("this worker is already running")
        self._running = True
        self._stopping.clear()
        self._stopped.clear()
        loops: list[asyncio.Task[None]] = []
        try:
            if not await until_stopped(self._stopping, self.consumer,
                                       "create the consumer group",
                                       lambda: self.store.ensure_group(self.platform)):
                return
            loops = [asyncio.create_task(self.scheduler.loop(self._stopping),
                                         name=f"{self.consumer} schedule"),
                     asyncio.create_task(self._ready_when_read(), name=f"{self.consumer} ready")]
            for lease in self.leases:
                name = f"{self.consumer} {lease.shard}"
                loops += [
                    asyncio.create_task(lease.read_loop(), name=f"{name} read"),
                    asyncio.create_task(lease.reclaim_loop(), name=f"{name} reclaim"),
                    asyncio.create_task(lease.heartbeat_loop(), name=f"{name} heartbeat"),
                ]
            await self._stopping.wait()
        finally:
            self._stopping.set()
            self.scheduler.wake()
            # The loops see `_stopping` within one blocking read; cancelling them in
            # the middle of a Redis call is only the fallback (see `end`).
            await end_tasks(loops, BLOCK_MS / 1000 + 1.0)
            await self.scheduler.drain(self.stop_grace)
            self._running = False
            self._stopped.set()

    async def _ready_when_read(self) -> None:
        """Set `ready` once every lease has re-read this consumer's pending entries."""
        for lease in self.leases:
            await lease.ready.wait()
        self.ready.set()

    async def stop(self) -> None:
        """Stop taking work, let running polls and deliveries end (up to `stop_grace`
        seconds), and return. Unfinished jobs stay pending in the group: this
        consumer (restarted) or another one resumes them."""
        self._stopping.set()
        if self._running:
            await self._stopped.wait()

    # ------------------------------------------- the lease's holder (see `Holder`)

    def room(self) -> int:
        """How many more jobs this worker may take."""
        return self.settings.render_jobs_per_worker - self.in_flight

    def held(self, shard: RenderShard) -> list[str]:
        """The stream entries of the jobs of a shard this worker holds."""
        return [tr.entry for tr in self.scheduler.jobs.values() if tr.shard == shard]

    async def adopt(self, shard: RenderShard, entries: Sequence[Entry], *,
                    at_once: bool) -> None:
        """Track the jobs of new (or taken over) entries of a shard's stream."""
        loop = asyncio.get_running_loop()
        jobs = await self.store.load_many(shard, (e.job_id for e in entries))
        for entry in entries:
            # Adopted "now", not before an await: a heartbeat that began meanwhile did not
            # list this entry, so it must not take the entry for one it lost.
            tracked = self.scheduler.jobs.get(entry.job_id)
            if tracked is not None:
                tracked.entry, tracked.shard, tracked.adopted = entry.id, shard, loop.time()
                continue
            job = jobs.get(entry.job_id)
            if job is None or job.state.finished:
                await self.store.release(shard, entry.id)
                continue
            tracked = Tracked(job, entry.id, shard, PollPlan.from_settings(self.settings),
                              adopted=loop.time())
            self.steps.anchor(job, tracked)
            self.scheduler.track(tracked, 0.0 if at_once else self.steps.first_delay(job, tracked))

    async def let_go(self, shard: RenderShard, owned: set[str], since: float) -> None:
        """Forget the shard's jobs whose entries this worker no longer owns; tell the
        users of those that are gone altogether."""
        def idle_and_not_ours(tr: Tracked) -> bool:
            return (tr.shard == shard and self.scheduler.holds(tr) and tr.entry not in owned
                    and tr.adopted < since and not tr.busy)

        lost = [tr for tr in self.scheduler.jobs.values() if idle_and_not_ours(tr)]
        if not lost:
            return
        existing = await self.store.existing(shard, (tr.job.id for tr in lost))
        for tr in lost:
            if not idle_and_not_ours(tr):
                continue  # a step started meanwhile: it sees for itself
            if tr.job.id not in existing:
                await self.steps.vanished(tr)
                continue
            log.info("%s: job %s is no longer ours (finished elsewhere or taken over)",
                     self.consumer, tr.job.id)
            self.scheduler.forget(tr)
