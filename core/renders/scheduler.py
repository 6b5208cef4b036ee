"""The jobs a worker holds, and when each one is looked at next.

One worker handles thousands of renders with a few tasks: a heap of next-poll
times feeds a bounded number of concurrent steps (`render_polls_in_flight`; a
step polls, and downloads a finished video to disk), and uploads of videos to
the chats run under their own bound (`render_deliveries_in_flight`: an adapter
may hold the whole video in memory while it uploads).
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from core.aio import end_tasks
from core.keys import RenderShard
from core.renders.job_record import RenderJob
from core.renders.schedule import PollPlan
from core.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Tracked:
    """A job this worker holds: its last known state and what the worker knows of it."""

    job: RenderJob
    entry: str
    #: the shard whose stream the entry is in
    shard: RenderShard
    plan: PollPlan
    adopted: float
    due: float = 0.0
    busy: bool = False
    holder: str = ""
    sent: bool = False
    sent_message: str = ""
    project: str | None = field(default=None, repr=False)


class Slot:
    """A semaphore slot that can be given back early, once."""

    def __init__(self, semaphore: asyncio.Semaphore) -> None:
        self._semaphore = semaphore
        self._held = True

    def release(self) -> None:
        """Give the slot back (later calls do nothing)."""
        if self._held:
            self._held = False
            self._semaphore.release()


Step = Callable[[Tracked, Slot], Awaitable[None]]


class Scheduler:
    """Holds the tracked jobs and runs `step` for each one when it is due.

    A step runs with a poll slot; it may give it back early (`Slot.release`)
    and take a delivery slot instead (`delivering`, around an upload). A step that raises is
    logged and tried again after the job's error back-off.
    """

    def __init__(self, settings: Settings, name: str) -> None:
        self.name = name
        self.jobs: dict[str, Tracked] = {}
        self._step: Step | None = None
        self._heap: list[tuple[float, int, str]] = []
        self._seq = itertools.count()
        self._wake = asyncio.Event()
        self._polls = asyncio.Semaphore(settings.render_polls_in_flight)
        self._deliveries = asyncio.Semaphore(settings.render_deliveries_in_flight)
        self._tasks: set[asyncio.Task[None]] = set()

    def bind(self, step: Step) -> None:
        """Set the step to run for due jobs."""
        self._step = step

    def track(self, tr: Tracked, delay: float) -> None:
        """Hold a job and look at it after `delay` seconds."""
        self.jobs[tr.job.id] = tr
        self.schedule(tr, delay)

    def holds(self, tr: Tracked) -> bool:
        """Whether `tr` is (still) the tracked record of its job."""
        return self.jobs.get(tr.job.id) is tr

    def forget(self, tr: Tracked) -> bool:
        """Stop holding the job; False when it was not held (by this record)."""
        if not self.holds(tr):
            return False
        del self.jobs[tr.job.id]
        return True

    def schedule(self, tr: Tracked, delay: float) -> None:
        """Look at the job again after `delay` seconds (if it is still held)."""
        if not self.holds(tr):
            return
        tr.due = asyncio.get_running_loop().time() + max(0.0, delay)
        heapq.heappush(self._heap, (tr.due, next(self._seq), tr.job.id))
        self._wake.set()

    @contextlib.asynccontextmanager
    async def delivering(self, slot: Slot) -> AsyncIterator[None]:
        """Trade the step's poll slot for a delivery slot for the block."""
        slot.release()
        async with self._deliveries:
            yield

    async def loop(self, stopping: asyncio.Event) -> None:
        """Start the step of each job when it is due, until `stopping` is set."""
        while not stopping.is_set():
            tr = await self._next_due()
            if tr is None:
                continue
            await self._polls.acquire()
            if not self.holds(tr) or tr.busy or stopping.is_set():
                self._polls.release()
                continue
            tr.busy = True
            task = asyncio.create_task(self._run(tr), name=f"render job {tr.job.id}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def wake(self) -> None:
        """Have the loop look at its state again (e.g. to see that it must stop)."""
        self._wake.set()

    async def drain(self, grace: float) -> None:
        """Let the running steps end (cancelling them after `grace` seconds)."""
        await end_tasks(set(self._tasks), grace)

    async def _next_due(self) -> Tracked | None:
        """The job whose turn it is, after waiting for it; None when the wait ended
        early (a new job, or a stop) or the heap entry was stale."""
        if not self._heap:
            self._wake.clear()
            await self._wake.wait()
            return None
        due, _, job_id = self._heap[0]
        now = asyncio.get_running_loop().time()
        if due > now:
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(due - now):
                    await self._wake.wait()
            return None
        heapq.heappop(self._heap)
        tr = self.jobs.get(job_id)
        if tr is None or tr.busy or tr.due != due:
            return None
        return tr

    async def _run(self, tr: Tracked) -> None:
        assert self._step is not None
        slot = Slot(self._polls)
        try:
            await self._step(tr, slot)
        except asyncio.CancelledError:
            raise
        except Exception:  # one job's trouble must not stop the others
            log.exception("%s: job %s: step failed; retrying later", self.name, tr.job.id)
            self.schedule(tr, tr.plan.after_error())
        finally:
            slot.release()
            tr.busy = False
