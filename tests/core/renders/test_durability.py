"""Render jobs survive stopped and killed workers and a Redis restart, and each video
is delivered exactly once however the work moves between workers; the tests that do
not stop Redis itself run on one Redis and on a Redis Cluster."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import shutil
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis
from pydantic import SecretStr

from core.embedded_redis import EmbeddedRedis
from core.i18n import t
from core.keys import Keys
from core.messages import ChatKey
from core.nemo.models import Credentials
from core.observed_redis import redis_client
from core.outgoing import Action, Button, Sent
from core.renders import JobState
from core.renders.schedule import PollPlan
from core.renders.scheduler import Tracked
from core.simulator import Fault, Simulator
from tests.kits.renders import (
    OPERATOR_TOKEN,
    USER,
    KeepingOutput,
    Kit,
    Tap,
    assert_queue_empty,
    finished,
    is_mp4,
    make_kit,
    read_records,
    running,
    start_worker_process,
    wait_for,
)

KEYS = Keys()


@pytest.fixture
async def kit(simulator: Simulator, redis_url: str) -> AsyncIterator[Kit]:
    """A render kit on one Redis, then on a Redis Cluster."""
    client = redis_client(redis_url)
    made = await make_kit(simulator, client, url=redis_url)
    try:
        yield made
    finally:
        await made.nemo.aclose()
        await client.aclose()


@pytest.fixture
async def server_kit(simulator: Simulator, redis_client: aioredis.Redis) -> AsyncIterator[Kit]:
    """A render kit on the test's own redis-server (`redis_server`), which it may stop."""
    made = await make_kit(simulator, redis_client)
    try:
        yield made
    finally:
        await made.nemo.aclose()


async def pending_of(kit: Kit, platform: str = "test") -> dict[str, int]:
    """How many entries each consumer of the platform's group holds (over its shards)."""
    held: dict[str, int] = {}
    for shard in KEYS.render_shards_of(platform):
        summary = await kit.redis.xpending(KEYS.render_stream(shard),
                                           KEYS.render_group(platform))
        for c in summary["consumers"] or []:
            held[_text(c["name"])] = held.get(_text(c["name"]), 0) + int(c["pending"])
    return held


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


async def test_worker_stopped_mid_poll_is_replaced_and_delivers_once(kit: Kit) -> None:
    kit.sim.inject(Fault("render_slow", seconds=1.5))
    chat = ChatKey("test", "200")
    first_out, second_out = Tap(kit.out), Tap(kit.out)
    first = kit.worker("first", first_out)
    async with running(first):
        result = await kit.renders.export(chat, USER, await kit.project())
        await wait_for(lambda: kit.requests("render_poll"), 10, "a first poll")
    assert "file" not in first_out.kinds
    assert await pending_of(kit) == {"first": 1}, "the stopped worker's entry stays pending"
    second = kit.worker("second", second_out)
    async with running(second):
        job = await finished(kit, result.job_id or "")
    assert job.state is JobState.DELIVERED
    assert second_out.kinds.count("file") == 1, "the second worker took the job over"
    assert len(kit.out.of_kind("file")) == 1
    await assert_queue_empty(kit, chat)


async def test_restarted_worker_with_its_name_resumes_at_once(kit: Kit) -> None:
    kit.settings = kit.settings.model_copy(update={"render_claim_idle": 120.0})
    kit.sim.inject(Fault("render_slow", seconds=1.0))
    chat = ChatKey("test", "201")
    before = kit.worker("host-1")
    async with running(before):
        result = await kit.renders.export(chat, USER, await kit.project())
        await wait_for(lambda: kit.requests("render_poll"), 10, "a first poll")
    after = kit.worker("host-1")
    async with running(after):
        job = await finished(kit, result.job_id or "")  # well before claim_idle (120 s)
    assert job.state is JobState.DELIVERED
    assert len(kit.out.of_kind("file")) == 1


async def test_two_workers_on_one_stream_deliver_each_job_once(kit: Kit) -> None:
    kit.sim.config.render_concurrency = 4
    chats = [ChatKey("test", f"21{i}") for i in range(8)]
    for i in range(len(chats)):
        kit.sim.inject(Fault("render_slow", seconds=0.3 + 0.15 * i))
    one_out, two_out = Tap(kit.out), Tap(kit.out)
    one, two = kit.worker("one", one_out), kit.worker("two", two_out)
    async with running(one), running(two):
        results = [await kit.renders.export(c, USER, await kit.project()) for c in chats]
        jobs = [await finished(kit, r.job_id or "") for r in results]
    assert all(j.state is JobState.DELIVERED for j in jobs)
    assert one_out.kinds.count("file") + two_out.kinds.count("file") == len(chats)
    for chat in chats:
        assert len(kit.out.of_kind("file", chat)) == 1
        await assert_queue_empty(kit, chat)


async def test_long_render_held_by_a_live_worker_is_not_taken_over(kit: Kit) -> None:
    # Three times the claim idle time: only the heartbeat keeps the entry ours.
    kit.sim.inject(Fault("render_slow", seconds=3.5))
    chat = ChatKey("test", "220")
    holder_out, other_out = Tap(kit.out), Tap(kit.out)
    holder = kit.worker("holder", holder_out)
    async with running(holder):
        result = await kit.renders.export(chat, USER, await kit.project())
        await wait_for(lambda: holder.in_flight == 1, 5, "the holder to take the job")
        other = kit.worker("other", other_out)
        async with running(other):
            job = await finished(kit, result.job_id or "")
            assert other.in_flight == 0
    assert job.state is JobState.DELIVERED
    assert holder_out.kinds.count("file") == 1
    assert other_out.kinds == [], "the other worker never touched the job"
    assert len(kit.out.of_kind("file")) == 1


class SentThenCrashed(KeepingOutput):
    """The platform accepts the file, then the worker dies before recording it."""

    def __init__(self, shared: KeepingOutput) -> None:
        super().__init__()
        self.shared = shared
        self.accepted = asyncio.Event()

    async def send_file(self, chat: ChatKey, path: Path, filename: str, caption: str = "",
                        buttons: tuple[Button, ...] = (), *, reply_to: str | None = None) -> Sent:
        await self.shared.send_file(chat, path, filename, caption, buttons)
        self.accepted.set()
        await asyncio.Event().wait()  # never returns: the worker is stopped here
        raise AssertionError("unreachable")

    async def edit_text(self, chat: ChatKey, sent: Sent, text: str,
                        buttons: tuple[Button, ...] = ()) -> Sent:
        return await self.shared.edit_text(chat, sent, text, buttons)


async def test_reclaimed_after_delivery_before_the_ack_is_not_sent_twice(kit: Kit) -> None:
    chat = ChatKey("test", "230")
    crashing = SentThenCrashed(kit.out)
    first = kit.worker("first", crashing, stop_grace=0.1)
    async with running(first):
        result = await kit.renders.export(chat, USER, await kit.project())
        await asyncio.wait_for(crashing.accepted.wait(), 15)
    job = await kit.job(result.job_id or "")
    assert job.state is JobState.DELIVERING
    assert await pending_of(kit) == {"first": 1}
    second_out = Tap(kit.out)
    second = kit.worker("second", second_out)
    async with running(second):
        job = await finished(kit, job.id)
    assert job.state is JobState.DELIVERED
    assert second_out.kinds == ["edit"], "the second worker only added the links"
    (record,) = kit.out.of_kind("file")
    assert is_mp4(kit.out.files[record.message_id])
    assert not kit.out.of_kind("link")
    assert result.message is not None
    assert kit.out.messages[result.message.message_id] == t("en", "render.done_recovered")
    last = [r for r in kit.out.records if r.message_id == result.message.message_id][-1]
    assert [b.label for b in last.buttons] == [t("en", "render.download"),
                                               t("en", "render.open_project")]
    await assert_queue_empty(kit, chat)


async def test_redis_restart_during_polling_loses_no_job(
        server_kit: Kit, redis_server: EmbeddedRedis, caplog: pytest.LogCaptureFixture) -> None:
    kit = server_kit
    caplog.set_level(logging.INFO, logger="core.renders")
    kit.sim.inject(Fault("render_slow", seconds=1.0))
    chat = ChatKey("test", "240")
    worker = kit.worker()
    async with running(worker):
        result = await kit.renders.export(chat, USER, await kit.project())
        await wait_for(lambda: kit.requests("render_poll"), 10, "a first poll")
        port = redis_server.port
        await asyncio.to_thread(redis_server.stop)
        (render,) = kit.sim.store.renders.values()
        await wait_for(lambda: render.status == "completed", 10, "the render to complete")
        seen = len(caplog.records)

        def missed_redis() -> bool:
            return any(r.name == "core.renders.scheduler" and "step failed" in r.getMessage()
                       for r in caplog.records[seen:])

        await wait_for(missed_redis, 10, "the worker to miss Redis")
        assert not kit.out.of_kind("file")
        await asyncio.to_thread(redis_server.start)
        assert redis_server.port == port
        job = await finished(kit, result.job_id or "")
    assert job.state is JobState.DELIVERED and job.session_id
    assert len(kit.out.of_kind("file")) == 1
    await assert_queue_empty(kit, chat)


# ----------------------------------------------------------- a worker killed with SIGKILL


async def test_worker_killed_hard_its_renders_are_delivered_once_by_another(
        kit: Kit, tmp_path: Path) -> None:
    count = 4
    kit.sim.config.render_concurrency = count
    for _ in range(count):
        kit.sim.inject(Fault("render_slow", seconds=4.0))
    out_dir = tmp_path / "delivered"
    victim, _ = await start_worker_process(kit, kit.url, out_dir, "victim")
    successor: asyncio.subprocess.Process | None = None
    try:
        chats = [ChatKey("test", f"25{i}") for i in range(count)]
        results = [await kit.renders.export(c, USER, await kit.project()) for c in chats]
        job_ids = [r.job_id or "" for r in results]
        render_ids = {(await kit.job(j)).render_id for j in job_ids}

        def all_polled() -> bool:
            polled = {r["path"].rsplit("/", 1)[-1] for r in kit.requests("render_poll")}
            return render_ids <= polled

        await wait_for(all_polled, 15, "the victim to poll every render")
        assert await pending_of(kit) == {"victim": count}
        assert all(r.status != "completed" for r in kit.sim.store.renders.values())
        victim.send_signal(signal.SIGKILL)
        assert await victim.wait() == -signal.SIGKILL

        successor, _ = await start_worker_process(kit, kit.url, out_dir, "successor")
        jobs = [await finished(kit, j) for j in job_ids]
        assert all(j.state is JobState.DELIVERED for j in jobs)
    finally:
        for process in (victim, successor):
            if process is not None and process.returncode is None:
                process.terminate()
                await process.wait()
    records = read_records(out_dir)
    files = [r for r in records if r["kind"] == "file"]
    assert collections.Counter(r["chat"] for r in files) == {str(c): 1 for c in chats}
    assert {r["pid"] for r in files} == {successor.pid}
    assert all(is_mp4(Path(r["path"]).read_bytes()) for r in files)
    for chat in chats:
        await assert_queue_empty(kit, chat)


@pytest.mark.parametrize("how", ["restarted empty", "flushed", "job expired"])
async def test_render_lost_with_redis_is_reported_to_the_user(
        server_kit: Kit, redis_server: EmbeddedRedis, how: str) -> None:
    """The job is gone from Redis: the user is told. When the chat's project went with it
    (Redis lost its data), Export would find nothing: the user is told to start again."""
    kit = server_kit
    kit.sim.inject(Fault("render_slow", seconds=3.0))
    chat = ChatKey("test", "270")
    await kit.redis.hset(Keys().session(chat), mapping={"session_id": "kept"})
    async with running(kit.worker()):
        result = await kit.renders.export(chat, USER, await kit.project())
        assert result.message is not None and result.job_id is not None
        message = result.message.message_id
        await wait_for(lambda: kit.requests("render_poll"), 10, "a first poll")
        if how == "flushed":
            await kit.redis.flushall()
        elif how == "job expired":
            await kit.redis.delete(kit.renders.store.keys.render_job(chat, result.job_id))
        else:
            port = redis_server.port
            await asyncio.to_thread(redis_server.stop)
            shutil.rmtree(redis_server.data_dir)
            await asyncio.to_thread(redis_server.start)
            assert redis_server.port == port
        lost = t("en", "render.lost" if how == "job expired" else "render.lost_project")
        await wait_for(lambda: kit.out.messages[message] == lost, 15, "the user to be told")
    last = [r for r in kit.out.records if r.message_id == message][-1]
    export = (Button("Export", action=Action.EXPORT),)
    assert last.buttons == (export if how == "job expired" else ()), last.buttons
    assert not kit.out.of_kind("file") and not kit.out.of_kind("link")
    assert await kit.renders.active_count(chat) == 0


async def test_a_late_worker_holding_a_delivered_job_leaves_its_message_alone(
        kit: Kit) -> None:
    """A worker that read the job before another delivered it (a reclaim racing a slow
    worker) finds the outcome recorded: the video arrived, nothing to recover."""
    chat = ChatKey("test", "232")
    result = await kit.renders.export(chat, USER, await kit.project())
    stale = await kit.job(result.job_id or "")
    assert stale.state is JobState.RENDERING
    async with running(kit.worker("first")):
        await finished(kit, stale.id)
    late_out = Tap(kit.out)
    late = kit.worker("late", late_out)
    status = await kit.nemo.poll_render(Credentials(SecretStr(OPERATOR_TOKEN)),
                                        stale.render_id)
    tracked = Tracked(stale, stale.entry, kit.renders.store.keys.render_shard(chat),
                      PollPlan.from_settings(kit.settings), adopted=0.0)
    await late.steps.handover.deliver(tracked, status, contextlib.nullcontext)
    assert late_out.kinds == [], "no second video, and no 'if it did not arrive' edit"
    assert result.message is not None
    assert kit.out.messages[result.message.message_id] == t("en", "render.done")
    assert len(kit.out.of_kind("file", chat)) == 1
