"""A render worker in its own process, delivering into a directory.

    python -m tests.render_worker_proc --redis URL --api URL --out DIR --consumer NAME

Used by the tests that kill a worker hard. It runs until SIGTERM (or SIGKILL).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
from pathlib import Path

import redis.asyncio as aioredis

from core.identity import Identities
from core.nemo.client import NemoClient
from core.renders import RenderWorker
from core.store import SessionStore
from tests.renders_kit import DirOutgoing, render_settings


async def main(args: argparse.Namespace) -> None:
    """Run one worker until SIGTERM."""
    overrides = json.loads(args.settings) if args.settings else {}
    settings = render_settings(args.api, **overrides)
    redis = aioredis.Redis.from_url(args.redis)
    nemo = NemoClient(settings)
    identities = Identities(SessionStore(redis), nemo, settings.nemo_token)
    worker = RenderWorker(args.platform, args.consumer, DirOutgoing(Path(args.out)),
                          redis=redis, nemo=nemo, identities=identities, settings=settings)
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, lambda: asyncio.ensure_future(worker.stop()))
    task = asyncio.create_task(worker.run())
    await worker.ready.wait()
    print("ready", flush=True)
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await nemo.aclose()
    await redis.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--redis", required=True)
    parser.add_argument("--api", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--consumer", required=True)
    parser.add_argument("--platform", default="test")
    parser.add_argument("--settings", default="", help="JSON of setting overrides")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(message)s")
    asyncio.run(main(parser.parse_args()))
