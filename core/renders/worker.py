"""The render worker: polls a platform's render jobs and delivers the videos.

Work is shared through one Redis stream per platform and one consumer group:
every process that serves the platform runs a `RenderWorker` with its own
consumer name, and each live job's entry is held by exactly one of them.

* New entries come with XREADGROUP; a restarted worker with the same consumer
  name first re-reads its own pending entries.
* Entries idle longer than `render_claim_idle` (their worker died) are taken
  over with XAUTOCLAIM.
* A live worker keeps its entries from being taken over however long their
  renders last: every `render_claim_idle / 3` one script lists the worker's
  pending entries (XPENDING for its consumer) and XCLAIMs those it still tracks
  to itself with JUSTID, which resets their idle time without counting a new
  delivery. Checking ownership inside the script means a worker never grabs
  back an entry another worker took over or a cancel acknowledged; such
  entries are dropped locally instead.
* An entry is acknowledged (and deleted) in the same script that moves its
  job to a final state, so a job is never finished without its entry going.

One worker handles thousands of renders with a few tasks: a heap of next-poll
times feeds a bounded number of concurrent polls (`render_polls_in_flight`),
and deliveries run under their own bound (`render_deliveries_in_flight`). A
poll costs no Redis command unless it changes something (a progress edit, a
retry, the end); see `core.renders.delivery` for how delivery stays
exactly-once.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from redis.asyncio import Redis
from redis.commands.core import AsyncScript

from core.i18n import t
from core.identity import AnonymousTokenRefused, Identities, LinkedTokenExpired
from core.keys import Keys
from core.nemo.client import NemoClient
from core.nemo.errors import NemoError, RateLimited, RenderNotFound
from core.nemo.models import RenderPhase, RenderStatus
from core.outgoing import Outgoing
from core.renders.delivery import Courier, Sending
from core.renders.jobs import JobState, JobStore, RenderJob, Transition, new_render_id
from core.renders.schedule import PollPlan
from core.renders.submit import Submission, Submitted, Submitter, explain
from core.renders.texts import export_button
from core.settings import Settings

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

_READ_COUNT = 100
_NOT_FOUND = "render not found"
_BLOCK_MS = 500
_HEARTBEAT_CHUNK = 2000


@dataclass
class WorkerStats:
    """Counters of what a worker did since it started."""

    polls: int = 0
    rate_limited: int = 0
    edits: int = 0
    delivered: int = 0
    files: int = 0
    links: int = 0
    recovered: int = 0
    retried: int = 0
    failed: int = 0
    timed_out: int = 0
    undeliverable: int = 0
    adopted: int = 0
    reclaimed: int = 0
    errors: int = 0


@dataclass
class _Tracked:
    job: RenderJob
    entry: str
    plan: PollPlan
    adopted: float
    due: float = 0.0
    busy: bool = False
    holder: str = ""
    sent: bool = False
    sent_message: str = ""
    project: str | None = field(default=None, repr=False)


class _Slot:
    """A semaphore slot that can be given back early, once."""

    def __init__(self, semaphore: asyncio.Semaphore) -> None:
        self._semaphore = semaphore
        self._held = True

    def release(self) -> None:
        if self._held:
            self._held = False
            self._semaphore.release()


class RenderWorker:
    """Polls and delivers one platform's render jobs until `stop()`.

    `consumer` names this worker in the platform's consumer group; give each
    process its own (e.g. host and pid), and keep it across restarts where
    possible so a restarted worker resumes its entries at once instead of after
    `render_claim_idle`. `outgoing` is the platform adapter the videos go
    through.
    """

    def __init__(self, platform: str, consumer: str, outgoing: Outgoing, *, redis: Redis,
                 nemo: NemoClient, identities: Identities, settings: Settings,
                 keys: Keys | None = None, tmp_dir: Path | None = None,
                 stop_grace: float = 10.0) -> None:
        self.platform = platform
        self.consumer = consumer
        self.outgoing = outgoing
        self.redis = redis
        self.nemo = nemo
        self.identities = identities
        self.settings = settings
        self.keys = keys or Keys()
        self.stop_grace = stop_grace
        self.store = JobStore(redis, self.keys)
        self.submitter = Submitter(self.store, nemo, identities)
        self.courier = Courier(outgoing, nemo, identities, tmp_dir)
        self.stats = WorkerStats()
        self.ready = asyncio.Event()
        self._stream = self.keys.render_stream(platform)
        self._group = self.keys.render_group(platform)
        self._heartbeat: AsyncScript = redis.register_script(_HEARTBEAT)
        self._prune: AsyncScript = redis.register_script(_PRUNE)
        self._jobs: dict[str, _Tracked] = {}
        self._heap: list[tuple[float, int, str]] = []
        self._seq = itertools.count()
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._stopped = asyncio.Event()
        self._running = False
        self._polls = asyncio.Semaphore(settings.render_polls_in_flight)
        self._deliveries = asyncio.Semaphore(settings.render_deliveries_in_flight)
        self._tasks: set[asyncio.Task[None]] = set()
        self._pause_until = 0.0

    def __repr__(self) -> str:
        return f"RenderWorker({self.platform!r}, {self.consumer!r}, jobs={len(self._jobs)})"

    @property
    def in_flight(self) -> int:
        """How many jobs this worker holds."""
        return len(self._jobs)

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
            if not await self._until_stopped("create the consumer group",
                                             lambda: self.store.ensure_group(self.platform)):
                return
            loops = [
                asyncio.create_task(self._read_loop(), name=f"{self.consumer} read"),
                asyncio.create_task(self._reclaim_loop(), name=f"{self.consumer} reclaim"),
                asyncio.create_task(self._heartbeat_loop(), name=f"{self.consumer} heartbeat"),
                asyncio.create_task(self._schedule_loop(), name=f"{self.consumer} schedule"),
            ]
            await self._stopping.wait()
        finally:
            self._stopping.set()
            self._wake.set()
            # The loops see `_stopping` within one blocking read; cancelling them in
            # the middle of a Redis call is only the fallback (see `_end`).
            await _end(loops, _BLOCK_MS / 1000 + 1.0)
            await _end(set(self._tasks), self.stop_grace)
            self._running = False
            self._stopped.set()

    async def stop(self) -> None:
        """Stop taking work, let running polls and deliveries end (up to `stop_grace`
        seconds), and return. Unfinished jobs stay pending in the group: this
        consumer (restarted) or another one resumes them."""
        self._stopping.set()
        if self._running:
            await self._stopped.wait()

    async def _rest(self, seconds: float) -> None:
        """Sleep, but wake up when the worker is told to stop."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._stopping.wait()

    async def _until_stopped(self, what: str,
                             fn: Callable[[], Awaitable[None]]) -> bool:
        """Retry `fn` until it succeeds (True) or the worker is told to stop (False)."""
        delay = 0.1
        while not self._stopping.is_set():
            try:
                await fn()
                return True
            except Exception as exc:  # Redis unreachable: keep trying, it may come back
                log.warning("%s: could not %s (%s); retrying", self.consumer, what, exc)
                await self._rest(delay)
                delay = min(delay * 2, 2.0)
        return False

    # ------------------------------------------------------------- stream loops

    async def _read_loop(self) -> None:
        delay = 0.1
        history = True
        last = "0"
        while not self._stopping.is_set():
            try:
                if history:
                    entries = await self._read(last, block=None, count=_READ_COUNT)
                    if not entries:
                        history = False
                        self.ready.set()
                        continue
                    await self._adopt(entries, at_once=True)
                    last = _text(entries[-1][0])
                    continue
                room = self.settings.render_jobs_per_worker - len(self._jobs)
                if room <= 0:
                    await self._rest(_BLOCK_MS / 1000)
                    continue
                entries = await self._read(">", block=_BLOCK_MS, count=min(room, _READ_COUNT))
                if entries:
                    await self._adopt(entries, at_once=False)
                delay = 0.1
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis restarting or unreachable: wait, then resume
                log.warning("%s: reading %s failed: %s", self.consumer, self._stream, exc)
                if "NOGROUP" in str(exc):
                    with contextlib.suppress(Exception):
                        await self.store.ensure_group(self.platform)
                await self._rest(delay)
                delay = min(delay * 2, 2.0)

    async def _read(self, last: str, *, block: int | None,
                    count: int) -> list[tuple[Any, dict[Any, Any] | None]]:
        response = await self.redis.xreadgroup(
            self._group, self.consumer, {self._stream: last}, count=count, block=block)
        return _stream_entries(response)

    async def _reclaim_loop(self) -> None:
        interval = self.settings.render_claim_idle / 2
        idle_ms = max(1, int(self.settings.render_claim_idle * 1000))
        while not self._stopping.is_set():
            try:
                start: Any = "0-0"
                for _ in range(1000):
                    room = self.settings.render_jobs_per_worker - len(self._jobs)
                    if room <= 0 or self._stopping.is_set():
                        break
                    response = await self.redis.xautoclaim(
                        self._stream, self._group, self.consumer, idle_ms,
                        start_id=start, count=min(room, _READ_COUNT))
                    start = response[0]
                    entries = [e for e in (response[1] or []) if e is not None]
                    if entries:
                        log.info("%s: took over %d idle render job(s)", self.consumer,
                                 len(entries))
                        self.stats.reclaimed += len(entries)
                        await self._adopt(entries, at_once=True)
                    if _text(start) in ("0-0", "0"):
                        break
                await self._prune_consumers()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis restarting or unreachable: next round
                log.warning("%s: reclaiming failed: %s", self.consumer, exc)
            await self._rest(interval)

    async def _prune_consumers(self) -> None:
        """Forget consumers of dead processes once they hold nothing (their names would
        pile up otherwise: a process's consumer name usually includes its pid)."""
        threshold_ms = int(max(3600.0, 10 * self.settings.render_claim_idle) * 1000)
        removed = await self._prune(keys=[self._stream],
                                    args=[self._group, self.consumer, threshold_ms])
        for name in removed:
            log.info("%s: removed the idle consumer %s", self.consumer, _text(name))

    async def _heartbeat_loop(self) -> None:
        interval = self.settings.render_claim_idle / 3
        while not self._stopping.is_set():
            await self._rest(interval)
            if not self._jobs or self._stopping.is_set():
                continue
            try:
                await self._beat()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the entries have claim_idle to spare
                log.warning("%s: heartbeat failed: %s", self.consumer, exc)

    async def _beat(self) -> None:
        started = asyncio.get_running_loop().time()
        entries = [tr.entry for tr in self._jobs.values()]
        owned: set[str] = set()
        listing = len(entries) + 10 * _READ_COUNT
        for at in range(0, len(entries), _HEARTBEAT_CHUNK):
            chunk = entries[at:at + _HEARTBEAT_CHUNK]
            kept = await self._heartbeat(
                keys=[self._stream], args=[self._group, self.consumer, listing, *chunk])
            owned.update(_text(e) for e in kept)
        for job_id, tr in list(self._jobs.items()):
            if tr.entry not in owned and tr.adopted < started and not tr.busy:
                log.info("%s: job %s is no longer ours (finished elsewhere or taken over)",
                         self.consumer, job_id)
                self._jobs.pop(job_id, None)

    async def _adopt(self, entries: Sequence[tuple[Any, dict[Any, Any] | None]], *,
                     at_once: bool) -> None:
        """Track the jobs of new (or taken over) stream entries."""
        now = asyncio.get_running_loop().time()
        pairs: list[tuple[str, str]] = []
        for entry_id, values in entries:
            entry = _text(entry_id)
            job_id = _field(values, "job")
            if not job_id:
                await self.store.release(self.platform, entry)
                continue
            pairs.append((entry, job_id))
        jobs = await self.store.load_many(job_id for _, job_id in pairs)
        for entry, job_id in pairs:
            tracked = self._jobs.get(job_id)
            if tracked is not None:
                tracked.entry, tracked.adopted = entry, now
                continue
            job = jobs.get(job_id)
            if job is None or job.state.finished:
                await self.store.release(self.platform, entry)
                continue
            plan = PollPlan.from_settings(self.settings)
            tracked = _Tracked(job, entry, plan, adopted=now)
            self._jobs[job_id] = tracked
            self.stats.adopted += 1
            self._schedule(tracked, 0.0 if at_once else self._first_delay(job, plan))

    def _first_delay(self, job: RenderJob, plan: PollPlan) -> float:
        since = time.time() - (job.submitted_at or job.submit_started_at or job.created_at)
        return max(0.0, plan.first_delay() - since)

    # ---------------------------------------------------------------- scheduler

    def _schedule(self, tr: _Tracked, delay: float) -> None:
        if self._jobs.get(tr.job.id) is not tr:
            return
        tr.due = asyncio.get_running_loop().time() + max(0.0, delay)
        heapq.heappush(self._heap, (tr.due, next(self._seq), tr.job.id))
        self._wake.set()

    async def _schedule_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while not self._stopping.is_set():
            now = loop.time()
            if self._pause_until > now:
                await self._rest(self._pause_until - now)
                continue
            if not self._heap:
                self._wake.clear()
                await self._wake.wait()
                continue
            due, _, job_id = self._heap[0]
            if due > now:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(due - now):
                        await self._wake.wait()
                continue
            heapq.heappop(self._heap)
            tr = self._jobs.get(job_id)
            if tr is None or tr.busy or tr.due != due:
                continue
            await self._polls.acquire()
            if self._jobs.get(job_id) is not tr or tr.busy or self._stopping.is_set():
                self._polls.release()
                continue
            tr.busy = True
            task = asyncio.create_task(self._run_step(tr), name=f"render job {job_id}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _run_step(self, tr: _Tracked) -> None:
        slot = _Slot(self._polls)
        try:
            await self._step(tr, slot)
        except asyncio.CancelledError:
            raise
        except Exception:  # one job's trouble must not stop the others
            self.stats.errors += 1
            log.exception("%s: job %s: step failed; retrying later", self.consumer, tr.job.id)
            self._schedule(tr, tr.plan.after_error())
        finally:
            slot.release()
            tr.busy = False

    # ------------------------------------------------------------------- a step

    async def _step(self, tr: _Tracked, slot: _Slot) -> None:
        job = tr.job
        if job.state is JobState.SUBMITTING:
            await self._check_submitting(tr)
            return
        if job.state.finished:
            await self._drop(tr, release=True)
            return
        status = await self._poll(tr)
        if status is None:
            return
        if job.state is JobState.DELIVERING or status.status is RenderPhase.COMPLETED:
            slot.release()
            async with self._deliveries:
                await self._deliver(tr, status)
        elif status.status is RenderPhase.FAILED:
            await self._render_failed(tr, status.error or "render failed")
        elif status.status is RenderPhase.CANCELLED:
            await self._remote_cancelled(tr)
        else:
            remaining = job.submitted_at + self.settings.render_timeout - time.time()
            if job.submitted_at and remaining <= 0:
                await self._time_out(tr)
                return
            if not await self._progress(tr, status.progress):
                return
            now = asyncio.get_running_loop().time()
            delay = tr.plan.after_poll(now, status.progress)
            if job.submitted_at:
                delay = min(delay, remaining + 0.01)
            self._schedule(tr, delay)

    async def _poll(self, tr: _Tracked) -> RenderStatus | None:
        """The render's status; None when the poll failed and the job was rescheduled."""
        job = tr.job
        render_id = job.render_id
        try:
            status = await self.identities.call(
                job.chat, lambda creds: self.nemo.poll_render(creds, render_id))
        except RateLimited as exc:
            self.stats.rate_limited += 1
            wait = exc.retry_after
            if wait is None:
                wait = self.settings.nemo_rate_limit_wait
            loop = asyncio.get_running_loop()
            self._pause_until = max(self._pause_until, loop.time() + wait)
            log.warning("%s: NemoVideo rate limits polls; pausing %.1f s", self.consumer, wait)
            self._schedule(tr, wait)
            return None
        except RenderNotFound:
            return RenderStatus(render_id, RenderPhase.FAILED, error=_NOT_FOUND)
        except NemoError as exc:
            log.info("%s: poll of %s failed: %r", self.consumer, render_id, exc)
            self._schedule(tr, tr.plan.after_error())
            return None
        except (LinkedTokenExpired, AnonymousTokenRefused) as exc:
            log.warning("%s: job %s: no credentials (%s)", self.consumer, job.id,
                        type(exc).__name__)
            self._schedule(tr, tr.plan.after_error())
            return None
        self.stats.polls += 1
        return status

    async def _progress(self, tr: _Tracked, progress: int) -> bool:
        """Edit the progress message when it moved enough; False when the job is no
        longer rendering (and was dropped or resynced)."""
        job, settings = tr.job, self.settings
        now = time.time()
        since = now - job.edited_at
        moved = progress - job.edited_progress
        if moved <= 0 or since < settings.edit_interval:
            return True
        if moved < settings.render_edit_step and since < settings.render_edit_interval:
            return True
        # One read keeps a cancelled job's message from being edited back to progress;
        # the progress itself stays in memory (a worker taking over starts afresh).
        state, render_id = await self.store.peek(job.id)
        if state is not JobState.RENDERING or render_id != job.render_id:
            await self._resync(tr, Transition(False, state))
            return False
        job.progress = job.edited_progress = progress
        job.edited_at = now
        self.stats.edits += 1
        await self.courier.edit(job, t(job.language, "render.progress", progress=progress))
        return True

    async def _check_submitting(self, tr: _Tracked) -> None:
        """A job still `submitting`: wait for its submitter, or finish its work."""
        job = await self.store.load(tr.job.id)
        if job is None or job.state.finished:
            await self._drop(tr, release=True)
            return
        tr.job = job
        if job.state is not JobState.SUBMITTING:
            self._schedule(tr, self._first_delay(job, tr.plan))
            return
        age = time.time() - job.submit_started_at
        grace = self.settings.render_submit_grace
        if age < grace:
            self._schedule(tr, min(grace - age, tr.plan.after_error()))
            return
        # Its submitter went quiet (it crashed, most likely): whether NemoVideo
        # accepted the persisted render id decides what is left to do.
        log.info("%s: job %s stayed submitting for %.0f s; checking render %s",
                 self.consumer, job.id, age, job.render_id)
        status = await self._poll(tr)
        if status is None:
            return
        if status.error == _NOT_FOUND:
            now = time.time()
            moved = await self.store.transition(
                job.id, [JobState.SUBMITTING], expect_render=job.render_id,
                submit_started_at=now, updated_at=now)
            if not moved.ok:
                await self._resync(tr, moved)
                return
            job.submit_started_at = now
            await self._submit(tr)
            return
        await self._after_submission(tr, await self.submitter.started(job, job.render_id))

    async def _submit(self, tr: _Tracked) -> None:
        job = tr.job
        draft, refusal = await self.submitter.read_draft(job.chat, job.session_id)
        if refusal is None and draft is not None:
            submission = await self.submitter.submit(job, draft)
        else:
            submission = refusal or Submission(Submitted.NO_DRAFT)
        await self._after_submission(tr, submission)

    async def _after_submission(self, tr: _Tracked, submission: Submission) -> None:
        job = tr.job
        if submission.outcome is Submitted.STARTED:
            tr.plan.restart()
            self._schedule(tr, tr.plan.first_delay())
            return
        if submission.outcome is Submitted.SUPERSEDED:
            current = await self.store.load(job.id)
            if current is None or current.state.finished:
                await self._drop(tr, release=True)
                return
            tr.job = current
            self._schedule(tr, tr.plan.after_error())
            return
        text, buttons = explain(submission, job.language, self.nemo)
        check = await self.store.transition(job.id, [JobState.SUBMITTING],
                                            expect_render=job.render_id)
        if check.ok:
            await self.courier.edit(job, text, buttons)
            await self.store.finish(job, JobState.FAILED, [JobState.SUBMITTING],
                                    error=submission.outcome.value, updated_at=time.time())
            self.stats.failed += 1
        await self._drop(tr, release=True)

    async def _render_failed(self, tr: _Tracked, error: str) -> None:
        job, lang = tr.job, tr.job.language
        log.info("%s: job %s: render %s failed (attempt %d): %s", self.consumer, job.id,
                 job.render_id, job.attempts, error)
        now = time.time()
        if job.attempts < self.settings.render_attempts:
            fresh = new_render_id()
            ids = [*job.render_ids, fresh]
            moved = await self.store.transition(
                job.id, [JobState.RENDERING], expect_render=job.render_id,
                state=JobState.SUBMITTING, render_id=fresh, render_ids=ids,
                submit_started_at=now, error=error[:200], edited_progress=0, updated_at=now)
            if not moved.ok:
                await self._resync(tr, moved)
                return
            job.state, job.render_id, job.render_ids = JobState.SUBMITTING, fresh, ids
            job.submit_started_at, job.error, job.edited_progress = now, error[:200], 0
            self.stats.retried += 1
            await self.courier.edit(job, t(lang, "render.retrying"))
            await self._submit(tr)
            return
        check = await self.store.transition(job.id, [JobState.RENDERING],
                                            expect_render=job.render_id)
        if not check.ok:
            await self._resync(tr, check)
            return
        await self.courier.edit(job, t(lang, "render.failed", error=error[:200]),
                                (export_button(lang),))
        await self.store.finish(job, JobState.FAILED, [JobState.RENDERING],
                                error=error[:200], updated_at=now)
        self.stats.failed += 1
        await self._drop(tr)

    async def _time_out(self, tr: _Tracked) -> None:
        job, lang = tr.job, tr.job.language
        check = await self.store.transition(job.id, [JobState.RENDERING],
                                            expect_render=job.render_id)
        if not check.ok:
            await self._resync(tr, check)
            return
        minutes = max(1, round(self.settings.render_timeout / 60))
        log.info("%s: job %s: render %s timed out", self.consumer, job.id, job.render_id)
        await self.courier.edit(job, t(lang, "render.timed_out", minutes=minutes),
                                (export_button(lang),))
        await self.store.finish(job, JobState.TIMED_OUT, [JobState.RENDERING],
                                error="timed out", updated_at=time.time())
        self.stats.timed_out += 1
        await self._drop(tr)
        await self.submitter.cancel_remote(job, job.render_id)

    async def _remote_cancelled(self, tr: _Tracked) -> None:
        job = tr.job
        current = await self.store.load(job.id)
        if current is None or current.state.finished:
            await self._drop(tr, release=True)
            return
        await self.courier.edit(job, t(job.language, "render.cancelled_remote"),
                                (export_button(job.language),))
        await self.store.finish(job, JobState.CANCELLED,
                                [JobState.RENDERING, JobState.SUBMITTING],
                                error="cancelled by NemoVideo", updated_at=time.time())
        await self._drop(tr)

    # ----------------------------------------------------------------- delivery

    async def _deliver(self, tr: _Tracked, status: RenderStatus) -> None:
        """Send the finished render once (see `core.renders.delivery`)."""
        job = tr.job
        if not tr.holder:
            tr.holder = f"{self.consumer}/{uuid.uuid4().hex[:12]}"
        if tr.project is None:
            tr.project = await self.courier.project_url(job) or ""
        project = tr.project or None
        earlier = await self.redis.get(self.keys.render_delivered(job.id))
        if earlier is None:
            async with self.courier.prepare(job, status) as prepared:
                verdict, holder = await self.store.claim_delivery(job, tr.holder)
                if verdict == "claimed":
                    try:
                        kind, sent = await self.courier.send(job, prepared, project)
                    except Exception as exc:  # chat deleted, bot blocked...: not ours to fix
                        log.warning("%s: job %s could not be delivered to %s: %r",
                                    self.consumer, job.id, job.chat, exc)
                        await self.store.finish(
                            job, JobState.UNDELIVERABLE, [JobState.DELIVERING],
                            error=f"adapter: {type(exc).__name__}", updated_at=time.time())
                        self.stats.undeliverable += 1
                        await self._drop(tr)
                        return
                    tr.sent, tr.sent_message = True, sent.message_id
                    self.stats.delivered += 1
                    if kind is Sending.FILE:
                        self.stats.files += 1
                    elif kind is Sending.LINK:
                        self.stats.links += 1
                    await self._delivered(tr)
                    return
        else:
            verdict, holder = "taken", _text(earlier)
        if verdict == "taken":
            if holder == tr.holder and tr.sent:
                await self._delivered(tr)
                return
            # Someone took the marker and never recorded the outcome: the video may
            # or may not have arrived. Never send it twice; make sure the links are there.
            log.warning("%s: job %s: delivery by %s has no outcome; finishing with links",
                        self.consumer, job.id, holder)
            await self.courier.recovered(job, status.output_url, project)
            await self.store.finish(job, JobState.DELIVERED, [JobState.DELIVERING],
                                    updated_at=time.time())
            self.stats.recovered += 1
            await self._drop(tr)
            return
        # cancelled meanwhile, or finished or gone: nothing to send
        await self._drop(tr, release=True)

    async def _delivered(self, tr: _Tracked) -> None:
        job = tr.job
        await self.courier.edit(job, t(job.language, "render.done"))
        await self.store.finish(job, JobState.DELIVERED, [JobState.DELIVERING],
                                delivered_message=tr.sent_message, updated_at=time.time())
        await self._drop(tr)

    # ------------------------------------------------------------------ helpers

    async def _resync(self, tr: _Tracked, outcome: Transition) -> None:
        """The job changed under this worker (cancelled, finished, taken over)."""
        if outcome.gone or (outcome.before is not None and outcome.before.finished):
            await self._drop(tr, release=True)
            return
        current = await self.store.load(tr.job.id)
        if current is None or current.state.finished:
            await self._drop(tr, release=True)
            return
        tr.job = current
        self._schedule(tr, tr.plan.after_error())

    async def _drop(self, tr: _Tracked, *, release: bool = False) -> None:
        if self._jobs.get(tr.job.id) is tr:
            del self._jobs[tr.job.id]
        if release:
            await self.store.release(self.platform, tr.entry)


async def _end(tasks: Collection[asyncio.Task[Any]], grace: float) -> None:
    """Give tasks `grace` seconds to finish, then cancel them. A cancel can be lost
    when it lands inside a Redis call (the asyncio client may swallow it while it
    drops the connection), so it is repeated until the tasks are done."""
    pending = {task for task in tasks if not task.done()}
    if pending and grace > 0:
        _, pending = await asyncio.wait(pending, timeout=grace)
    for _ in range(40):
        if not pending:
            break
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=0.25)
    if pending:
        log.error("%d render worker task(s) did not stop", len(pending))
    for task in tasks:
        if task.done() and not task.cancelled() and task.exception() is not None:
            log.error("a render worker task failed", exc_info=task.exception())


def _stream_entries(response: Any) -> list[tuple[Any, dict[Any, Any] | None]]:
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
    return _text(raw) if raw else ""


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
