"""When a render is polled: a handful of polls whatever its length, and a finished video
noticed about a second after it is done; a job adopted during a heartbeat stays held."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from core.keys import Keys
from core.messages import ChatKey
from core.outgoing import Button, Sent
from core.renders.job_record import JobState, RenderJob, new_render_id
from core.renders.lease import Entry
from core.renders.schedule import PollPlan
from core.simulator import Fault, Simulator
from tests.kits.renders import USER, KeepingOutput, Kit, finished, make_kit, running, wait_for

KEYS = Keys()


def evenly(done: float) -> int:
    """Progress as the simulator shows it: 0-99 % over the render's time."""
    return int(99 * done)


def rounded(done: float) -> int:
    """Progress rounded to the nearest percent, 100 % only at the end."""
    return min(99, round(100 * done))


def polls_of(seconds: float, *, start_late: float = 0.0,
             shown: Callable[[float], int] = evenly) -> tuple[int, float]:
    """Polls of a render of `seconds` whose progress `shown(fraction done)` grows after
    `start_late` seconds of waiting at 0 %, polled exactly when the plan says; and how
    long after its end the poll that saw it done came."""
    plan = PollPlan(first=2.5, factor=1.6, ceiling=30.0, floor=1.0)
    plan.started(0.0)
    now, polls = plan.first_delay(), 0
    end = start_late + seconds
    while True:
        polls += 1
        if now >= end:
            return polls, now - end
        now += plan.after_poll(now, shown(max(0.0, now - start_late) / seconds))


@pytest.mark.parametrize("shown", [evenly, rounded])
@pytest.mark.parametrize("seconds", [10.0, 13.3, 27.0, 45.5, 60.0, 91.0, 120.0, 150.7, 180.0])
def test_a_render_of_ten_seconds_to_three_minutes_costs_at_most_eight_polls(
        seconds: float, shown: Callable[[float], int]) -> None:
    polls, late = polls_of(seconds, shown=shown)
    assert polls <= 8
    assert late <= 3.0, "seen done within a second or two"


def test_a_render_that_waited_in_a_queue_is_still_seen_in_time() -> None:
    polls, late = polls_of(60.0, start_late=20.0)
    assert polls <= 10 and late <= 2.0


@pytest.mark.parametrize("seconds", [30.0, 100.0, 180.0])
def test_progress_that_speeds_up_is_still_seen_within_the_ceiling(seconds: float) -> None:
    """A render whose progress is slow at first and fast at the end finishes long before
    its early pace predicts: no gap beyond the ceiling until the pace held twice."""
    _, late = polls_of(seconds, shown=lambda done: int(100 * done * done))
    assert late <= 30.0


def test_the_time_left_narrows_as_the_render_runs() -> None:
    plan = PollPlan(first=2.5, factor=1.6, ceiling=30.0, floor=1.0)
    plan.started(0.0)
    plan.first_delay()
    plan.after_poll(3.0, 3)  # 3 % after 3 s: about 100 s in all
    early = plan.ends(3.0)
    assert early is not None and early[0] <= 100.0 <= early[1]
    plan.after_poll(60.0, 59)
    late = plan.ends(60.0)
    assert late is not None and late[0] <= 100.0 <= late[1]
    assert late[1] - late[0] < (early[1] - early[0]) / 5
    left = plan.remaining(60.0)
    assert left is not None and 38.0 <= left <= 44.0


# ------------------------------------------------------------- with the simulator


class TimedOutput(KeepingOutput):
    """Notes when each chat's video arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived: dict[ChatKey, float] = {}

    async def send_file(self, chat: ChatKey, path: Path, filename: str, caption: str = "",
                        buttons: tuple[Button, ...] = (), *,
                        reply_to: str | None = None) -> Sent:
        self.arrived[chat] = time.time()
        return await super().send_file(chat, path, filename, caption, buttons,
                                       reply_to=reply_to)


@pytest.fixture
async def kit(simulator: Simulator, redis_client: aioredis.Redis) -> AsyncIterator[Kit]:
    # The default schedule a tenth as long: first poll after 0.25 s, the closest gap 0.1 s.
    made = await make_kit(simulator, redis_client, TimedOutput(), render_first_poll=0.25,
                          render_poll_min=0.1, render_poll_factor=1.6, render_poll_max=3.0)
    try:
        yield made
    finally:
        await made.nemo.aclose()


async def test_renders_are_polled_a_few_times_and_delivered_soon_after_they_end(
        kit: Kit) -> None:
    seconds = [0.8, 2.0, 3.5]
    chats = [ChatKey("test", str(160 + i)) for i in range(len(seconds))]
    async with running(kit.worker()):
        results = []
        for chat, length in zip(chats, seconds, strict=True):
            kit.sim.inject(Fault("render_slow", seconds=length))
            results.append(await kit.renders.export(chat, USER, await kit.project()))
        jobs = [await finished(kit, r.job_id or "") for r in results]
    out = kit.out
    assert isinstance(out, TimedOutput)
    for job, chat in zip(jobs, chats, strict=True):
        assert job.state is JobState.DELIVERED
        render = kit.sim.store.renders[job.render_id]
        assert render.completed_at is not None
        polls = [r for r in kit.requests("render_poll") if r["path"].endswith(job.render_id)]
        assert len(polls) <= 8, (render.min_seconds, len(polls))
        # a tenth of the default schedule: about 0.1 s late, a second on a busy machine
        assert out.arrived[chat] - render.completed_at < 1.5, render.min_seconds


# ------------------------------------------------------------------ holding jobs


async def test_a_job_adopted_while_a_heartbeat_runs_stays_held(kit: Kit) -> None:
    """A heartbeat lists the entries held when it starts; an entry whose adoption was
    under way then (its job being loaded) is not one the worker lost."""
    store = kit.renders.store
    await store.ensure_group("test")
    render_id = new_render_id()
    job = RenderJob(id=render_id, chat=ChatKey("test", "170"), render_id=render_id,
                    session_id="1", state=JobState.RENDERING, submitted_at=time.time())
    await store.create(job)
    shard = store.keys.render_shard(job.chat)
    read = await kit.redis.xreadgroup(KEYS.render_group("test"), "w1",
                                      {store.keys.render_stream(shard): ">"}, count=1)
    entry_id = read[0][1][0][0].decode()
    worker = kit.worker("w1")
    adopting = asyncio.create_task(worker.adopt(shard, [Entry(entry_id, job.id)],
                                                 at_once=False))
    await asyncio.sleep(0)  # one turn of the loop: adopt now waits for the job's hash
    held, since = worker.held(shard), asyncio.get_running_loop().time()
    assert entry_id not in held
    await adopting
    await worker.let_go(shard, set(), since)  # what the heartbeat does with what it listed
    assert worker.in_flight == 1, "the job was dropped although its entry is this worker's"


# ------------------------------------------------------------------ uploads


class HeldOutput(KeepingOutput):
    """Uploads wait until `go` is set; notes how many were under way at once."""

    def __init__(self) -> None:
        super().__init__()
        self.go = asyncio.Event()
        self.uploading = 0
        self.most = 0

    async def send_file(self, chat: ChatKey, path: Path, filename: str, caption: str = "",
                        buttons: tuple[Button, ...] = (), *,
                        reply_to: str | None = None) -> Sent:
        self.uploading += 1
        self.most = max(self.most, self.uploading)
        try:
            await self.go.wait()
            return await super().send_file(chat, path, filename, caption, buttons,
                                            reply_to=reply_to)
        finally:
            self.uploading -= 1


async def test_downloads_go_on_while_uploads_wait_for_their_slot(
        simulator: Simulator, redis_client: aioredis.Redis) -> None:
    out = HeldOutput()
    kit = await make_kit(simulator, redis_client, out, render_deliveries_in_flight=1)
    chats = [ChatKey("test", str(180 + i)) for i in range(3)]
    try:
        async with running(kit.worker()):
            results = [await kit.renders.export(chat, USER, await kit.project())
                       for chat in chats]
            # one upload holds the only delivery slot; the other videos are downloaded
            # meanwhile, ready to go
            await wait_for(lambda: len(kit.requests("output")) == 3 and out.uploading == 1,
                           10, "every video to be downloaded while one upload waits")
            out.go.set()
            jobs = [await finished(kit, r.job_id or "") for r in results]
    finally:
        await kit.nemo.aclose()
    assert [job.state for job in jobs] == [JobState.DELIVERED] * 3
    assert len(out.of_kind("file")) == 3
    assert out.most == 1, "never more uploads at once than RENDER_DELIVERIES_IN_FLIGHT"
