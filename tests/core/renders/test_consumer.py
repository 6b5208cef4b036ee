"""A render worker's consumer name survives restarts, so a worker killed and started
again resumes its renders at once instead of after the claim idle time."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from core.embedded_redis import EmbeddedRedis
from core.messages import ChatKey
from core.renders import JobState, stable_consumer_name
from core.settings import Settings
from core.simulator import Fault, Simulator
from tests.kits.renders import (
    ROOT,
    USER,
    Kit,
    finished,
    make_kit,
    read_records,
    start_worker_process,
    wait_for,
)

CLAIM_IDLE = 6.0

_NAME_PROCESS = """
import sys
from core.renders import stable_consumer_name
from core.settings import Settings
print(stable_consumer_name("test", Settings(_env_file=None, data_dir=sys.argv[1])), flush=True)
sys.stdin.read()
"""


async def name_in_another_process(data_dir: Path) -> tuple[asyncio.subprocess.Process, str]:
    """A live process that took its consumer name under `data_dir` (it holds it until
    its stdin closes or it is killed)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _NAME_PROCESS, str(data_dir), cwd=str(ROOT),
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), 30)
    return process, line.decode().strip()


async def test_names_are_stable_per_replica_and_distinct_between_replicas(
        tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    mine = stable_consumer_name("test", settings)
    assert mine == stable_consumer_name("test", settings), "one name per process"
    assert mine.startswith("test-") and mine.rsplit("-", 1)[1] != str(os.getpid())
    first, theirs = await name_in_another_process(tmp_path)
    assert theirs != mine, "a replica running beside this one gets its own name"
    first.kill()
    await first.wait()
    again, restarted = await name_in_another_process(tmp_path)
    again.kill()
    await again.wait()
    assert restarted == theirs, "a replica restarted after a crash gets its name back"
    assert stable_consumer_name("discord", settings).startswith("discord-")
    chosen = Settings(_env_file=None, data_dir=tmp_path,  # type: ignore[call-arg]
                      render_consumer="tg-replica-2")
    assert stable_consumer_name("test", chosen) == "tg-replica-2"


@pytest.fixture
async def kit(simulator: Simulator, redis_client: aioredis.Redis) -> AsyncIterator[Kit]:
    made = await make_kit(simulator, redis_client, render_claim_idle=CLAIM_IDLE)
    try:
        yield made
    finally:
        await made.nemo.aclose()


async def kill_mid_render(kit: Kit, redis_url: str, out_dir: Path,
                          data_dir: Path) -> tuple[str, str, float]:
    """A worker process takes a render and is killed with SIGKILL while it runs;
    returns the job id, the dead worker's consumer name and when it died
    (monotonic), once the render has completed on NemoVideo."""
    kit.sim.inject(Fault("render_slow", seconds=1.5))
    victim, name = await start_worker_process(kit, redis_url, out_dir, data_dir=data_dir)
    try:
        result = await kit.renders.export(ChatKey("test", "260"), USER, await kit.project())
        job_id = result.job_id or ""
        render_id = (await kit.job(job_id)).render_id
        await wait_for(lambda: any(r["path"].endswith(render_id)
                                   for r in kit.requests("render_poll")),
                       15, "the worker to poll the render")
    finally:
        victim.send_signal(signal.SIGKILL)
        await victim.wait()
    killed = time.monotonic()
    render = kit.sim.store.renders[render_id]
    await wait_for(lambda: render.status == "completed", 15, "the render to complete")
    return job_id, name, killed


async def test_worker_killed_and_restarted_under_its_name_resumes_at_once(
        kit: Kit, redis_server: EmbeddedRedis, tmp_path: Path) -> None:
    out_dir, data_dir = tmp_path / "delivered", tmp_path / "data"
    job_id, name, _ = await kill_mid_render(kit, redis_server.url, out_dir, data_dir)
    restarted, again = await start_worker_process(kit, redis_server.url, out_dir,
                                                  data_dir=data_dir)
    try:
        ready = time.monotonic()
        job = await finished(kit, job_id)
        took = time.monotonic() - ready
    finally:
        restarted.terminate()
        await restarted.wait()
    assert again == name
    assert job.state is JobState.DELIVERED
    assert took < CLAIM_IDLE / 2, f"resumed after {took:.1f} s"
    files = [r for r in read_records(out_dir) if r["kind"] == "file"]
    assert [r["pid"] for r in files] == [restarted.pid]


async def test_worker_under_another_name_takes_over_only_after_the_claim_idle(
        kit: Kit, redis_server: EmbeddedRedis, tmp_path: Path) -> None:
    out_dir, data_dir = tmp_path / "delivered", tmp_path / "data"
    job_id, name, killed = await kill_mid_render(kit, redis_server.url, out_dir, data_dir)
    other, other_name = await start_worker_process(kit, redis_server.url, out_dir, "other")
    try:
        job = await finished(kit, job_id)
        took = time.monotonic() - killed
    finally:
        other.terminate()
        await other.wait()
    assert other_name != name
    assert job.state is JobState.DELIVERED
    # The entry was last renewed at most a heartbeat (claim idle / 3) before the kill.
    assert took >= CLAIM_IDLE * 2 / 3 - 0.5, f"taken over after {took:.1f} s"
    files = [r for r in read_records(out_dir) if r["kind"] == "file"]
    assert [r["pid"] for r in files] == [other.pid]
