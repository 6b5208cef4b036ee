"""Redis clients that report their failures to the process's probe (`core.observe`), and
the one place a process makes its Redis client (`redis_client`).

Only failures to talk to Redis count (connection lost, timeouts...): an error
answer to a command (`ResponseError`, such as the NOSCRIPT that makes a script
load itself, or BUSYGROUP) is part of normal work.

With `cluster`, the client is redis-py's `RedisCluster`: it learns the cluster's
slot map from the node it is given, sends each command to the node that serves
its key, and follows the cluster when slots move. Every script and transaction
of the service names keys of one hash slot (`core.keys`), as a cluster requires.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.client import Pipeline
from redis.asyncio.cluster import ClusterPipeline, RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.commands.core import AsyncScript
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, RedisError, ResponseError

from core import observe

#: Redis connections one process opens at most (per node of a cluster); a call waits
#: for a free one (up to REDIS_POOL_WAIT seconds on one Redis) rather than failing at
#: once when many chats are busy
REDIS_POOL_SIZE = 512
REDIS_POOL_WAIT = 20.0
#: times a command is sent again on a new connection when its connection was lost
RECONNECTS = 2


def _report(exc: RedisError) -> None:
    if not isinstance(exc, ResponseError):
        name = type(exc).__name__
        observe.report(lambda p: p.redis_error(name))


class ObservedPipeline(Pipeline):
    """A pipeline whose failures are reported."""

    async def execute(self, raise_on_error: bool = True) -> list[Any]:
        """Run the queued commands."""
        try:
            return await super().execute(raise_on_error)
        except RedisError as exc:
            _report(exc)
            raise


class ObservedRedis(Redis):
    """`redis.asyncio.Redis` whose failed commands and pipelines are reported."""

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        """Run one command."""
        try:
            return await super().execute_command(*args, **options)  # type: ignore[no-untyped-call]
        except RedisError as exc:
            _report(exc)
            raise

    def pipeline(self, transaction: bool = True,
                 shard_hint: str | None = None) -> ObservedPipeline:
        """A new pipeline (see `redis.asyncio.Redis.pipeline`)."""
        return ObservedPipeline(self.connection_pool, self.response_callbacks, transaction,
                                shard_hint)


class ObservedClusterPipeline(ClusterPipeline):
    """A cluster pipeline whose failures are reported."""

    async def execute(self, raise_on_error: bool = True,
                      allow_redirections: bool = True) -> list[Any]:
        """Run the queued commands (a transaction's must share one hash slot)."""
        try:
            if isinstance(self.cluster_client, ObservedRedisCluster):
                await self.cluster_client.ready()
            return await super().execute(raise_on_error, allow_redirections)
        except RedisError as exc:
            _report(exc)
            raise


class ObservedRedisCluster(RedisCluster):
    """`redis.asyncio.RedisCluster` whose failed commands and pipelines are reported, and
    whose commands wait for one of `REDIS_POOL_SIZE` places rather than fail when every
    connection to a node is busy (redis-py's cluster client refuses them outright)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._places = asyncio.Semaphore(REDIS_POOL_SIZE)

    async def ready(self) -> None:
        """Learn the cluster's nodes and slots before a command goes out, when the map is
        still to be read. (redis-py 7.1 to 8.1 read it while the first commands set out
        on their connections, and some of those failed, AttributeError included, when
        many commands came at once.)"""
        if self._initialize:
            await self.initialize()

    async def _determine_slot(self, command: str, *args: Any) -> int:
        """The hash slot of a command's keys. XREADGROUP's are read here: redis-py would
        ask a node for them (COMMAND GETKEYS, twice) before every read of a stream."""
        if command.upper() == "XREADGROUP" and b"STREAMS" in args:
            rest = args[args.index(b"STREAMS") + 1:]
            slots = {self.keyslot(key) for key in rest[:len(rest) // 2]}
            if len(slots) == 1:
                return slots.pop()
        slot: int = await super()._determine_slot(command, *args)
        return slot

    async def execute_command(self, *args: Any, **kwargs: Any) -> Any:
        """Run one command on the node that serves its keys."""
        try:
            await self.ready()
            async with self._places:
                return await super().execute_command(*args, **kwargs)
        except RedisError as exc:
            _report(exc)
            raise

    def pipeline(self, transaction: Any | None = None,
                 shard_hint: Any | None = None) -> ObservedClusterPipeline:
        """A new pipeline (see `redis.asyncio.RedisCluster.pipeline`): its commands may
        go to several nodes, unless it is a transaction (`transaction=True`), whose keys
        must share one hash slot."""
        if shard_hint:
            return super().pipeline(transaction, shard_hint)  # type: ignore[return-value]
        # redis-py declares an attribute abstract that its own pipelines never set
        return ObservedClusterPipeline(self, transaction)  # type: ignore[abstract]


#: the service's Redis client: one Redis, or a Redis Cluster
RedisClient = Redis | RedisCluster

#: URL schemes that name a node of a Redis Cluster (redis-py's own, plus "+cluster")
CLUSTER_SCHEMES = ("redis+cluster", "rediss+cluster")


def cluster_url(url: str) -> tuple[str, bool]:
    """A Redis URL as redis-py takes it, and whether it names a node of a Redis Cluster
    (`redis+cluster://host:6379` is `redis://host:6379`, of a cluster)."""
    scheme, sep, rest = url.strip().partition("://")
    if sep and scheme.lower() in CLUSTER_SCHEMES:
        return f"{scheme.lower().removesuffix('+cluster')}://{rest}", True
    return url.strip(), False


def redis_client(url: str, *, cluster: bool = False) -> RedisClient:
    """The process's Redis client for `url`: of a Redis Cluster with `cluster` or a
    `redis+cluster://` URL (naming any node of it), else of one Redis, with a bounded
    pool in which a call waits for a connection (the default pool refuses a call
    outright past 100 connections in use)."""
    url, named = cluster_url(url)
    if cluster or named:
        # A node's pool has room beyond the commands' places for the pipelines. No read
        # timeout, as on one Redis: the cluster client sends a command again after one,
        # and a stream read answered too late would leave its entries pending unseen.
        return ObservedRedisCluster.from_url(url, max_connections=2 * REDIS_POOL_SIZE,
                                             socket_timeout=None)
    pool = BlockingConnectionPool.from_url(url, max_connections=REDIS_POOL_SIZE,
                                           timeout=REDIS_POOL_WAIT, retry=reconnect())
    return ObservedRedis.from_pool(pool)


def reconnect() -> Retry:
    """A command whose connection turns out dead (Redis restarted since it was pooled, or
    a proxy dropped it while idle) connects again and is sent again, at once and then
    once more shortly after; with redis-py's default it failed, once for every dead
    connection the pool held. Only a lost connection is retried, not a timeout (a
    command that timed out may have run)."""
    return Retry(ExponentialBackoff(cap=0.25, base=0.05), RECONNECTS,
                 supported_errors=(RedisConnectionError,))


async def with_script(redis: RedisClient, script: AsyncScript, keys: Sequence[str],
                      args: Sequence[Any], more: Callable[[Any], None]) -> list[Any]:
    """Run `script` and the commands `more` queues on a pipeline, in one round trip; their
    answers in order (the script's first). A non-transactional pipeline: on one Redis
    the commands run in the order given, on a cluster each node runs its own part. The
    commands must bear being sent twice: a script the server does not know (after a
    restart or SCRIPT FLUSH) is loaded, and everything is sent again. (redis-py's own way,
    a script called on a pipeline, asks the server whether it knows the script first: a
    second round trip every time.) redis-py's cluster pipelines take no scripts: on a
    cluster the script goes first, then the commands (two round trips)."""
    if isinstance(redis, RedisCluster):
        first = await script(keys=keys, args=args)
        async with redis.pipeline(transaction=False) as pipe:
            more(pipe)
            return [first, *await pipe.execute()]
    for attempt in (1, 2):
        async with redis.pipeline(transaction=False) as pipe:
            pipe.evalsha(script.sha, len(keys), *keys, *args)
            more(pipe)
            answers: list[Any] = await pipe.execute(raise_on_error=False)
        if isinstance(answers[0], NoScriptError) and attempt == 1:
            script.sha = await redis.script_load(script.script)
            continue
        failed = next((a for a in answers if isinstance(a, Exception)), None)
        if failed is not None:
            if isinstance(failed, RedisError):
                _report(failed)
            raise failed
        return answers
    raise AssertionError("unreachable")
