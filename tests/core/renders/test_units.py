"""The poll schedule, and the job transitions that decide delivery and cancel."""

from __future__ import annotations

import asyncio
import itertools

import pytest
import redis.asyncio as aioredis

from core.collecting import CollectingOutput
from core.embedded_redis import free_port
from core.keys import Keys
from core.messages import ChatKey
from core.renders import Renders, RenderWorker
from core.renders.job_record import JobState, RenderJob, new_render_id
from core.renders.jobs import FINISHED_TTL, LIVE_TTL, JobStore
from core.renders.schedule import PollPlan
from core.settings import Settings
from tests.kits.renders import wait_for

KEYS = Keys()


def plan(**overrides: float) -> PollPlan:
    values = {"_env_file": None, **overrides}
    return PollPlan.from_settings(Settings(**values))  # type: ignore[arg-type]


def test_polls_back_off_to_the_ceiling_without_progress() -> None:
    p = plan()
    delays = [p.first_delay()] + [p.after_poll(float(i), 0) for i in range(10)]
    assert delays[0] == 2.5
    assert delays[1] == pytest.approx(4.0)
    assert all(b >= a for a, b in itertools.pairwise(delays))
    assert max(delays) == 30.0 and delays[-1] == 30.0


def test_progress_brings_the_poll_close_to_the_predicted_end() -> None:
    p = plan()
    p.first_delay()
    p.after_poll(0.0, 10)  # 10 % after 0 s
    for _ in range(6):
        p.after_error()  # the back-off is at its ceiling now
    delay = p.after_poll(10.0, 60)  # 5 %/s: 40 % left is 8 s
    assert 8.0 <= delay <= 9.5


def test_a_missed_prediction_grows_again_from_the_floor() -> None:
    p = plan()
    p.first_delay()
    p.after_poll(0.0, 50)
    for _ in range(6):
        p.after_error()
    overdue = [p.after_poll(10.0 + i, 99) for i in range(8)]  # 99 % is due at once
    assert overdue[0] == pytest.approx(1.0)
    assert all(b >= a for a, b in itertools.pairwise(overdue))
    assert overdue[-1] <= 30.0


def test_restart_forgets_the_old_render() -> None:
    p = plan()
    p.first_delay()
    p.after_poll(0.0, 50)
    p.after_poll(5.0, 90)
    p.restart()
    assert p.first_delay() == 2.5
    assert p.after_poll(6.0, 5) == pytest.approx(4.0)  # one point: no rate yet


def job(chat: ChatKey) -> RenderJob:
    rid = new_render_id()
    return RenderJob(id=rid, chat=chat, render_id=rid, session_id="1",
                     state=JobState.RENDERING)


async def test_cancelled_job_cannot_be_claimed_for_delivery(
        redis_client: aioredis.Redis) -> None:
    store = JobStore(redis_client)
    chat = ChatKey("test", "1")
    await store.ensure_group("test")
    j = job(chat)
    await store.create(j)
    assert await store.cancel(j.id, chat) == j.render_id
    assert await store.claim_delivery(j, "w/1") == ("state", "cancelled")
    assert await redis_client.xlen(KEYS.render_stream(chat)) == 0
    assert await redis_client.scard(KEYS.chat_renders(chat)) == 0


async def test_job_being_delivered_cannot_be_cancelled(redis_client: aioredis.Redis) -> None:
    store = JobStore(redis_client)
    chat = ChatKey("test", "2")
    await store.ensure_group("test")
    j = job(chat)
    await store.create(j)
    assert await store.claim_delivery(j, "w/1") == ("claimed", "w/1")
    assert await store.claim_delivery(j, "w/2") == ("taken", "w/1")
    assert await store.cancel(j.id, chat) is None
    loaded = await store.load(chat, j.id)
    assert loaded is not None and loaded.state is JobState.DELIVERING


async def test_finish_acknowledges_and_removes_the_entry(redis_client: aioredis.Redis) -> None:
    store = JobStore(redis_client)
    chat = ChatKey("test", "3")
    await store.ensure_group("test")
    j = job(chat)
    entry = await store.create(j)
    read = await redis_client.xreadgroup(KEYS.render_group("test"), "w",
                                         {KEYS.render_stream(chat): ">"})
    assert read
    wrong = await store.finish(j, JobState.DELIVERED, [JobState.DELIVERING])
    assert not wrong.ok and wrong.before is JobState.RENDERING
    done = await store.finish(j, JobState.FAILED, [JobState.RENDERING], error="x")
    assert done.ok
    pending = await redis_client.xpending(KEYS.render_stream(chat), KEYS.render_group("test"))
    assert pending["pending"] == 0
    assert await redis_client.xrange(KEYS.render_stream(chat)) == []
    assert entry
    assert 0 < await redis_client.ttl(KEYS.render_job(chat, j.id)) <= 24 * 3600
    again = await store.transition(j, [JobState.RENDERING], state=JobState.DELIVERING)
    assert not again.ok and again.before is JobState.FAILED


async def test_a_job_round_trips_through_its_hash(redis_client: aioredis.Redis) -> None:
    store = JobStore(redis_client)
    chat = ChatKey("discord", "9", "77")
    await store.ensure_group("discord")
    j = job(chat)
    j.user_name, j.language, j.render_ids = "Zoë 张", "zh", [j.render_id, new_render_id()]
    await store.create(j)
    loaded = await store.load(chat, j.id)
    assert loaded == j
    assert await store.load(chat, "render_missing") is None


async def test_idle_consumers_holding_nothing_are_pruned(redis_client: aioredis.Redis) -> None:

    store = JobStore(redis_client)
    chat = ChatKey("test", "4")
    await store.ensure_group("test")
    stream, group = KEYS.render_stream(chat), KEYS.render_group("test")
    await store.create(job(chat))
    await redis_client.xreadgroup(group, "busy", {stream: ">"}, count=1)
    done = await store.create(job(chat))
    await redis_client.xreadgroup(group, "ghost", {stream: ">"}, count=1)
    await store.release(KEYS.render_shard(chat), done)  # the ghost finished, then died
    worker = RenderWorker("test", "me", CollectingOutput(), redis=redis_client,
                          nemo=None, identities=None,  # type: ignore[arg-type]
                          settings=Settings(_env_file=None))  # type: ignore[call-arg]
    [lease] = [lease for lease in worker.leases if lease.shard == KEYS.render_shard(chat)]
    assert await lease.prune(idle_ms=-1) == ["ghost"]
    names = {c["name"].decode() for c in await redis_client.xinfo_consumers(stream, group)}
    assert names == {"busy"}, "the worker itself and consumers holding entries stay"


async def test_a_worker_stops_even_while_redis_is_unreachable() -> None:

    nowhere = aioredis.Redis.from_url(f"redis://127.0.0.1:{free_port()}/0")
    worker = RenderWorker("test", "me", CollectingOutput(), redis=nowhere,
                          nemo=None, identities=None,  # type: ignore[arg-type]
                          settings=Settings(_env_file=None))  # type: ignore[call-arg]
    task = asyncio.create_task(worker.run())
    await asyncio.sleep(0)  # let it start trying
    async with asyncio.timeout(5):
        await worker.stop()
        await task
    assert not worker.ready.is_set()
    await nowhere.aclose()


async def test_a_chat_forgets_jobs_whose_hash_expired(redis_client: aioredis.Redis) -> None:
    store = JobStore(redis_client)
    chat = ChatKey("test", "5")
    await store.ensure_group("test")
    lost, live = job(chat), job(chat)
    await store.create(lost)
    await store.create(live)
    await redis_client.pexpire(KEYS.render_job(chat, lost.id), 1)

    async def expired() -> bool:
        return not await redis_client.exists(KEYS.render_job(chat, lost.id))

    await wait_for(expired, 5, "the job's hash to expire")
    renders = Renders(redis_client, None, None, CollectingOutput())  # type: ignore[arg-type]
    assert await renders.active_count(chat) == 1
    assert await store.chat_jobs(chat) == [live.id]
    assert await redis_client.smembers(KEYS.chat_renders(chat)) == {live.id.encode()}


async def test_every_render_key_expires_or_goes(redis_client: aioredis.Redis) -> None:
    store = JobStore(redis_client)
    chat = ChatKey("test", "6")
    await store.ensure_group("test")
    delivered, cancelled = job(chat), job(chat)
    for j in (delivered, cancelled):
        await store.create(j)
    chat_set = KEYS.chat_renders(chat)
    assert 0 < await redis_client.ttl(chat_set) <= LIVE_TTL
    assert 0 < await redis_client.ttl(KEYS.render_job(chat, delivered.id)) <= LIVE_TTL
    assert await store.claim_delivery(delivered, "w/1") == ("claimed", "w/1")
    assert 0 < await redis_client.ttl(KEYS.render_delivered(chat, delivered.id)) <= LIVE_TTL
    assert (await store.finish(delivered, JobState.DELIVERED, [JobState.DELIVERING])).ok
    assert await store.cancel(cancelled.id, chat) == cancelled.render_id
    for key in (KEYS.render_job(chat, delivered.id), KEYS.render_delivered(chat, delivered.id),
                KEYS.render_job(chat, cancelled.id)):
        assert 0 < await redis_client.ttl(key) <= FINISHED_TTL, key
    assert not await redis_client.exists(chat_set)
    assert await redis_client.xlen(KEYS.render_stream(chat)) == 0
