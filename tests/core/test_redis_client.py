"""The one Redis client factory: one Redis, or a Redis Cluster (REDIS_CLUSTER=true or a
redis+cluster:// URL), and settings that name a cluster the way it can be reached."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio.cluster import RedisCluster

from core.embedded_redis import EmbeddedRedis
from core.observed_redis import ObservedRedis, cluster_url, redis_client
from core.settings import SettingsError, load_settings
from tests.kits.cluster import RedisClusterServer


def test_a_cluster_url_names_the_cluster() -> None:
    assert cluster_url("redis+cluster://h:7000/0") == ("redis://h:7000/0", True)
    assert cluster_url("rediss+cluster://:pw@h:7000") == ("rediss://:pw@h:7000", True)
    assert cluster_url("redis://h:6379/0") == ("redis://h:6379/0", False)


@pytest.mark.parametrize(("env", "problem"), [
    ({"REDIS_URL": "redis+cluster://h:7000/2"}, "database 0 only"),
    ({"REDIS_URL": "unix:///run/redis.sock", "REDIS_CLUSTER": "true"}, "over TCP"),
])
def test_settings_refuse_what_a_cluster_cannot_be(monkeypatch: pytest.MonkeyPatch,
                                                  env: dict[str, str], problem: str) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=problem):
        load_settings(_env_file=None)


async def test_one_redis_gets_the_plain_client(redis_server: EmbeddedRedis) -> None:
    client = redis_client(redis_server.url)
    try:
        assert isinstance(client, ObservedRedis)
        assert await client.ping()
    finally:
        await client.aclose()


async def first_commands(client: RedisCluster, chats: int = 300) -> list[object]:
    """Each chat's first reads and writes, 16 chats at a time, on a new client."""
    gate = asyncio.Semaphore(16)

    async def one(n: int) -> bytes | None:
        async with gate:
            key = f"chat:{{test:{n}}}:session"
            await client.hgetall(key)
            await client.hset(key, "n", str(n))
            return await client.hget(key, "n")

    try:
        return await asyncio.gather(*(one(n) for n in range(chats)), return_exceptions=True)
    finally:
        await client.aclose()


async def test_many_first_commands_at_once_on_a_new_cluster_client(
        redis_cluster: RedisClusterServer) -> None:
    """A process's first commands come all at once (chats resumed at start): none fails
    while the client reads the cluster's slot map."""
    for _ in range(3):
        client = redis_client(redis_cluster.url.replace("redis://", "redis+cluster://"))
        assert isinstance(client, RedisCluster)
        answers = await first_commands(client)
        failed = [a for a in answers if isinstance(a, BaseException)]
        assert not failed, f"{len(failed)} failed, e.g. {failed[0]!r}"
        assert answers == [str(n).encode() for n in range(300)]


def command_calls(cluster: RedisClusterServer) -> int:
    """COMMAND calls (COMMAND GETKEYS included) every node has served."""
    total = 0
    for node in cluster.nodes:
        with node.connect() as conn:
            stats = conn.info("commandstats").get("cmdstat_command") or {}
            total += int(stats.get("calls", 0))
    return total


async def test_reading_a_stream_costs_one_command(redis_cluster: RedisClusterServer) -> None:
    client = redis_client(redis_cluster.url, cluster=True)
    stream = "{r:test:1}:renders"
    try:
        # no read timeout (redis-py's cluster default is 5 s): a read that blocks longer is
        # never sent again, so no entry it took is left pending unseen
        assert all(node.connection_kwargs.get("socket_timeout") is None
                   for node in client.get_nodes())
        await client.xgroup_create(stream, "workers", id="0", mkstream=True)
        await client.xadd(stream, {"job": "j"})
        await client.xreadgroup("workers", "w", {stream: ">"}, count=1)
        before = command_calls(redis_cluster)
        for _ in range(5):
            await client.xreadgroup("workers", "w", {stream: ">"}, count=1, block=1)
        assert command_calls(redis_cluster) == before, "no COMMAND GETKEYS per read"
    finally:
        await client.aclose()


async def test_commands_after_a_redis_restart_do_not_fail_on_old_connections(
        redis_server: EmbeddedRedis) -> None:
    """Redis restarted: the connections the pool kept are dead. A command handed one of
    them connects again and goes through, rather than failing once per pooled
    connection (each failure left a message waiting for the next sweep)."""
    client = redis_client(redis_server.url)
    try:
        await asyncio.gather(*(client.blpop([f"k{i}"], timeout=0.05) for i in range(6)))
        assert len(client.connection_pool._available_connections) >= 6  # kept, idle
        await asyncio.to_thread(redis_server.stop)
        await asyncio.to_thread(redis_server.start)
        for i in range(8):
            assert await client.set(f"after{i}", "1")
    finally:
        await client.aclose()
