"""What watching a process costs: the metrics probe per chat step, and a /metrics scrape.

* per step: `Metered.on_step` around an empty step, with the no-op probe (METRICS_PORT
  unset) and with the Prometheus one; the difference is what a handled step pays;
* per scrape: `Metrics.exposition()` (which reads the queue gauges from Redis first)
  with --chats chats waiting, each with a few queued events, in an embedded Redis.

    .venv/bin/python bench/ops_overhead.py [--steps 20000] [--chats 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core import observe
from core.collecting import CollectingOutput
from core.conversation.observed import Metered
from core.conversation.turn import Turn
from core.embedded_redis import EmbeddedRedis
from core.intents import Intent, Step
from core.keys import Keys
from core.messages import ChatKey, IncomingMessage, User
from core.metrics import Metrics
from core.operations import read_queues
from core.store import ChatSession


async def _nothing(session: ChatSession) -> None:
    return None


async def per_step(steps: int) -> float:
    """Microseconds one step spends in the metrics middleware."""
    chat = ChatKey("telegram", "1")
    turn = Turn(IncomingMessage(chat, User("1", "a"), "1", "hi"), ChatSession(), "en",
                CollectingOutput(), _nothing)
    step = Step(Intent.AGENT, "hi")
    metered = Metered()

    async def handler(turn: Turn, step: Step) -> None:
        return None

    started = time.perf_counter()
    for _ in range(steps):
        await metered.on_step(turn, step, handler)
    return (time.perf_counter() - started) / steps * 1e6


async def per_scrape(chats: int, scrapes: int = 20) -> tuple[float, float, int]:
    """Median and worst milliseconds of one scrape, and its size in bytes."""
    with tempfile.TemporaryDirectory() as tmp, EmbeddedRedis(Path(tmp)) as server:
        from redis.asyncio import Redis

        redis = Redis.from_url(server.url)
        keys = Keys()
        async with redis.pipeline(transaction=False) as pipe:
            for n in range(chats):
                chat = ChatKey("telegram", str(n))
                pipe.sadd(keys.pending_chats(), str(chat))
                pipe.rpush(keys.inbox(chat), "a", "b", "c")
            await pipe.execute()

        async def refresh(metrics: Metrics) -> None:
            await read_queues(metrics, redis, keys, "telegram")

        metrics = Metrics(refresh)
        times, size = [], 0
        for _ in range(scrapes):
            started = time.perf_counter()
            size = len(await metrics.exposition())
            times.append((time.perf_counter() - started) * 1000)
        await redis.aclose()
        return statistics.median(times), max(times), size


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=20000)
    parser.add_argument("--chats", type=int, default=1000)
    args = parser.parse_args()
    off = await per_step(args.steps)
    previous = observe.install(Metrics())
    try:
        on = await per_step(args.steps)
    finally:
        observe.install(previous)
    print(f"metrics middleware per step: {off:.1f} us with metrics off, {on:.1f} us on")
    median, worst, size = await per_scrape(args.chats)
    print(f"/metrics with {args.chats} chats waiting: {median:.1f} ms median, "
          f"{worst:.1f} ms worst, {size} bytes")


if __name__ == "__main__":
    asyncio.run(main())
