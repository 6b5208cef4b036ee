"""The Redis Cluster test fixture, and the checks that multi-key work stays in one hash slot."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis
import redis.asyncio as aioredis
from redis.exceptions import MovedError, RedisClusterException, ResponseError

from core.embedded_redis import EmbeddedRedis
from tests.kits.cluster import (
    RedisClusterServer,
    assert_one_slot,
    shared_cluster,
    slots_of,
    watch_multi_key,
)

SPANNING_SCRIPT = "return redis.call('get', KEYS[1]) or redis.call('get', KEYS[2])"


def keys_on_every_node(cluster: RedisClusterServer, per_node: int = 5) -> dict[int, list[str]]:
    """Plain keys (no hash tag), `per_node` of them served by each node: port -> keys."""
    found: dict[int, list[str]] = {node.port: [] for node in cluster.nodes}
    index = 0
    while any(len(keys) < per_node for keys in found.values()):
        key = f"chat:{index}"
        index += 1
        owner = cluster.node_of(key).port
        if len(found[owner]) < per_node:
            found[owner].append(key)
    return found


def test_three_masters_share_every_slot(redis_cluster: RedisClusterServer) -> None:
    assert len(redis_cluster.addresses) == 3
    assert len({port for _, port in redis_cluster.addresses}) == 3
    for node in redis_cluster.nodes:
        with node.connect() as conn:
            info = conn.cluster("INFO")
            assert info["cluster_state"] == "ok"
            assert int(info["cluster_slots_assigned"]) == 16384
            assert int(info["cluster_known_nodes"]) == 3
            assert conn.info("replication")["role"] == "master"


async def test_keys_in_several_slots_land_on_their_nodes(
        redis_cluster: RedisClusterServer) -> None:
    by_node = keys_on_every_node(redis_cluster)
    client = redis_cluster.client()
    try:
        for keys in by_node.values():
            for key in keys:
                await client.set(key, f"value of {key}")
        for keys in by_node.values():
            for key in keys:
                assert await client.get(key) == f"value of {key}".encode()
        # a hash tag keeps a chat's keys together, so one MSET may write them all
        await client.mset({"chat:{42}:session": "s", "chat:{42}:inbox": "i"})
        assert await client.mget("chat:{42}:session", "chat:{42}:inbox") == [b"s", b"i"]
        with pytest.raises(RedisClusterException):
            await client.mset({key: "x" for keys in by_node.values() for key in keys[:1]})
    finally:
        await client.aclose()
    for port, keys in by_node.items():
        node = next(n for n in redis_cluster.nodes if n.port == port)
        with node.connect() as conn:
            assert conn.dbsize() == len(keys) + (
                2 if node is redis_cluster.node_of("chat:{42}:session") else 0)
            assert all(conn.exists(key) for key in keys)


def test_the_cluster_refuses_a_script_whose_keys_span_slots(
        redis_cluster: RedisClusterServer) -> None:
    node = redis_cluster.node_of("{chat:1}:a")
    with node.connect() as conn:
        conn.eval(SPANNING_SCRIPT, 2, "{chat:1}:a", "{chat:1}:b")
        with pytest.raises(ResponseError, match="hash to the same slot"):  # CROSSSLOT
            conn.eval(SPANNING_SCRIPT, 2, "{chat:1}:a", "{chat:2}:b")


async def test_the_next_test_gets_the_cluster_empty(
        redis_cluster: RedisClusterServer, request: pytest.FixtureRequest,
        tmp_path_factory: pytest.TempPathFactory) -> None:
    client = redis_cluster.client()
    try:
        for index in range(30):
            await client.set(f"left behind {index}", "x")
    finally:
        await client.aclose()
    again = shared_cluster(request.config, lambda: tmp_path_factory.mktemp("unused"))
    assert again is redis_cluster
    for node in again.nodes:
        with node.connect() as conn:
            assert conn.dbsize() == 0


def test_a_cluster_of_its_own(tmp_path: Path) -> None:
    with RedisClusterServer(tmp_path, masters=3) as cluster:
        key = "a key"
        owner = cluster.node_of(key)
        with owner.connect() as conn:
            conn.set(key, "here")
        others = [n for n in cluster.nodes if n is not owner]
        with others[0].connect() as conn, pytest.raises(MovedError):
            conn.get(key)
    assert not any(node.running() for node in cluster.nodes)


def test_key_slots_agree_with_the_server(redis_cluster: RedisClusterServer) -> None:
    keys = ["nemobot:chat:telegram:1:session", "{telegram:1}:inbox", "x{telegram:1}y",
            "{}empty-tag", "renders:{3}:stream", "中文"]
    computed = slots_of(keys)
    with redis_cluster.nodes[0].connect() as conn:
        for key in keys:
            slot = int(conn.cluster("KEYSLOT", key))
            assert key in computed[slot]


def test_assert_one_slot() -> None:
    assert_one_slot(["{telegram:1}:inbox", "{telegram:1}:session", "x{telegram:1}"])
    assert_one_slot(["only one"])
    with pytest.raises(AssertionError, match="span 2 hash slots") as failure:
        assert_one_slot(["{telegram:1}:inbox", "{telegram:2}:inbox"], what="the inbox script")
    assert "the inbox script" in str(failure.value)
    assert "{telegram:2}:inbox" in str(failure.value)


async def test_watch_finds_scripts_and_transactions_that_span_slots(
        redis_server: EmbeddedRedis) -> None:
    client = aioredis.Redis.from_url(redis_server.url)
    try:
        async with watch_multi_key(redis_server.url) as watch:
            await client.eval(SPANNING_SCRIPT, 2, "{c1}:a", "{c1}:b")
            await client.eval(SPANNING_SCRIPT, 2, "{c1}:a", "{c2}:b")
            script = client.register_script(SPANNING_SCRIPT)
            await script(keys=["{c3}:a", "{c3}:b"])
            async with client.pipeline(transaction=True) as tx:
                tx.set("{c1}:a", 1)
                tx.incr("{c1}:b")
                await tx.execute()
            async with client.pipeline(transaction=True) as tx:
                tx.set("{c1}:a", 1)
                tx.hset("{c2}:h", "f", "v")
                tx.expire("{c3}:c", 10)
                await tx.execute()
            async with client.pipeline(transaction=False) as plain:
                plain.set("{c1}:a", 2)  # no MULTI: not an atomic unit
                plain.set("{c2}:a", 2)
                await plain.execute()
    finally:
        await client.aclose()
    scripts = [call for call in watch.calls if call.kind == "script"]
    transactions = [call for call in watch.calls if call.kind == "transaction"]
    assert {call.keys for call in scripts} == {
        ("{c1}:a", "{c1}:b"), ("{c1}:a", "{c2}:b"), ("{c3}:a", "{c3}:b")}
    assert [call.keys for call in transactions] == [
        ("{c1}:a", "{c1}:b"), ("{c1}:a", "{c2}:h", "{c3}:c")]
    assert [call.keys for call in watch.spanning()] == [
        ("{c1}:a", "{c2}:b"), ("{c1}:a", "{c2}:h", "{c3}:c")]
    with pytest.raises(AssertionError, match="2 multi-key operation"):
        watch.assert_one_slot_each()


async def test_watch_passes_work_kept_in_one_slot(redis_server: EmbeddedRedis) -> None:
    client = aioredis.Redis.from_url(redis_server.url)
    try:
        async with watch_multi_key(redis_server.url) as watch:
            await client.eval(SPANNING_SCRIPT, 2, "{c1}:a", "{c1}:b")
            async with client.pipeline(transaction=True) as tx:
                tx.set("{c1}:a", 1)
                tx.delete("{c1}:b")
                await tx.execute()
    finally:
        await client.aclose()
    assert len(watch.calls) == 2
    watch.assert_one_slot_each()


def test_cluster_nodes_refuse_plain_clients_on_foreign_slots(
        redis_cluster: RedisClusterServer) -> None:
    key = "somewhere"
    owner = redis_cluster.node_of(key)
    stranger = next(n for n in redis_cluster.nodes if n is not owner)
    with redis.Redis(host=stranger.host, port=stranger.port) as conn, \
            pytest.raises(MovedError):
        conn.set(key, "x")
