"""Shared fixtures: a private Redis server and the NemoVideo simulator, each on loopback."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from core.embedded_redis import EmbeddedRedis, EmbeddedRedisError
from core.simulator import SimConfig, Simulator
from tests.kits.cluster import RedisClusterServer, shared_cluster

log = logging.getLogger(__name__)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    """A private redis-server on a free port, with its data in the test's temp dir.

    It is killed afterwards: its data dies with the test, and a graceful stop costs a
    tenth of a second (redis acts on SIGTERM at its next 100 ms tick).
    """
    server = _start_redis(tmp_path / "redis")
    try:
        yield server
    finally:
        server.stop(kill=True)


def _start_redis(data_dir: Path, attempts: int = 3) -> EmbeddedRedis:
    """Start a redis-server on a free port; another test process may take the port between
    the probe and redis binding it, so a failed start is retried on a new port."""
    for _ in range(attempts - 1):
        try:
            return EmbeddedRedis(data_dir).start()
        except EmbeddedRedisError as exc:
            log.warning("redis-server did not start (%s); retrying on another port", exc)
    return EmbeddedRedis(data_dir).start()


@pytest.fixture
async def redis_client(redis_server: EmbeddedRedis) -> AsyncIterator[aioredis.Redis]:
    """An asyncio Redis client connected to the private server."""
    client = aioredis.Redis.from_url(redis_server.url)
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
def redis_cluster(request: pytest.FixtureRequest,
                  tmp_path_factory: pytest.TempPathFactory) -> RedisClusterServer:
    """A three-master Redis Cluster on free loopback ports (`tests/kits/cluster.py`), empty.

    One cluster serves the tests of a process (a cluster takes two seconds to form); it is
    flushed before each test and replaced if a test stopped one of its nodes. Connect with
    `redis_cluster.client()` (`redis.asyncio.RedisCluster`) or `redis_cluster.url`.
    """
    return shared_cluster(request.config, lambda: tmp_path_factory.mktemp("redis-cluster"))


@pytest.fixture(params=["redis", "cluster"])
def redis_url(request: pytest.FixtureRequest, tmp_path: Path,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Redis URL, for tests that must pass both on one Redis and on a Redis Cluster: a
    private redis-server's, then the shared three-master cluster's (`redis_cluster`,
    emptied), written ``redis+cluster://`` so `core.observed_redis.redis_client` makes
    the cluster client for it."""
    if request.param == "cluster":
        cluster = shared_cluster(request.config,
                                 lambda: tmp_path_factory.mktemp("redis-cluster"))
        yield cluster.url.replace("redis://", "redis+cluster://", 1)
        return
    server = _start_redis(tmp_path / "redis")
    try:
        yield server.url
    finally:
        server.stop(kill=True)


@pytest.fixture
async def simulator(tmp_path: Path) -> AsyncIterator[Simulator]:
    """A NemoVideo simulator on a free loopback port, tuned for fast tests.

    Small renders (320x180) of at least 0.3 s, heartbeats every 0.05 s. Change
    `simulator.config` freely; it is stopped (jobs cancelled, port freed) afterwards.
    """
    config = SimConfig(
        render_width=320,
        render_height=180,
        render_seconds=0.3,
        heartbeat_interval=0.05,
    )
    sim = Simulator(config, data_dir=tmp_path / "nemo-sim")
    await sim.start("127.0.0.1", 0)
    try:
        yield sim
    finally:
        await sim.stop()
