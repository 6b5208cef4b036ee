"""A job adopted during a heartbeat stays held."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from core.keys import Keys
from core.messages import ChatKey
from core.renders.jobs import JobState, RenderJob, new_render_id
from core.renders.lease import Entry
from core.simulator import Simulator
from tests.kits.renders import Kit, make_kit

KEYS = Keys()


@pytest.fixture
async def kit(simulator: Simulator, redis_client: aioredis.Redis) -> AsyncIterator[Kit]:
    made = await make_kit(simulator, redis_client)
    try:
        yield made
    finally:
        await made.nemo.aclose()




async def test_a_job_adopted_while_a_heartbeat_runs_stays_held(kit: Kit) -> None:
    """A heartbeat lists the entries held when it starts; an entry whose adoption was
    under way then (its job being loaded) is not one the worker lost."""
    store = kit.renders.store
    await store.ensure_group("test")
    render_id = new_render_id()
    job = RenderJob(id=render_id, chat=ChatKey("test", "170"), render_id=render_id,
                    session_id="1", state=JobState.RENDERING, submitted_at=time.time())
    await store.create(job)
    read = await kit.redis.xreadgroup(KEYS.render_group("test"), "w1",
                                      {KEYS.render_stream("test"): ">"}, count=1)
    entry_id = read[0][1][0][0].decode()
    worker = kit.worker("w1")
    adopting = asyncio.create_task(worker.adopt([Entry(entry_id, job.id)], at_once=False))
    await asyncio.sleep(0)  # one turn of the loop: adopt now waits for the job's hash
    held, since = worker.held(), asyncio.get_running_loop().time()
    assert entry_id not in held
    await adopting
    await worker.let_go(set(), since)  # what the heartbeat does with what it listed
    assert worker.in_flight == 1, "the job was dropped although its entry is this worker's"
