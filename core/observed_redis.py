"""A Redis client that reports its failures to the process's probe (`core.observe`).

Only failures to talk to Redis count (connection lost, timeouts...): an error
answer to a command (`ResponseError`, such as the NOSCRIPT that makes a script
load itself, or BUSYGROUP) is part of normal work.
"""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import RedisError, ResponseError

from core import observe


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
