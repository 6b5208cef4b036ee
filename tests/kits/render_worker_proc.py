"""A render worker in its own process, delivering into a directory.

    python -m tests.kits.render_worker_proc --redis URL --api URL --out DIR [--consumer NAME]

(URL redis+cluster://host:port for a Redis Cluster.)

Used by the tests that kill a worker hard. Without --consumer it takes the name the
runtime would (`stable_consumer_name`, under --data-dir). It prints "ready <name>"
once it has re-read its pending entries, and runs until SIGTERM (or SIGKILL).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
from pathlib import Path

from core.identity import Identities
from core.nemo.client import NemoClient
from core.observed_redis import redis_client
from core.renders import RenderWorker, stable_consumer_name
from core.store import SessionStore
from tests.kits.renders import DirOutgoing, render_settings


async def main(args: argparse.Namespace) -> None:
    """Run one worker until SIGTERM."""
    overrides = json.loads(args.settings) if args.settings else {}
    if args.data_dir:
        overrides["data_dir"] = args.data_dir
    settings = render_settings(args.api, **overrides)
    consumer = args.consumer or stable_consumer_name(args.platform, settings)
    redis = redis_client(args.redis)
    nemo = NemoClient(settings)
    identities = Identities(SessionStore(redis), nemo, settings.nemo_token)
    worker = RenderWorker(args.platform, consumer, DirOutgoing(Path(args.out)),
                          redis=redis, nemo=nemo, identities=identities, settings=settings)
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, lambda: asyncio.ensure_future(worker.stop()))
    task = asyncio.create_task(worker.run())
    await worker.ready.wait()
    print("ready", consumer, flush=True)
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await nemo.aclose()
    await redis.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--redis", required=True)
    parser.add_argument("--api", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--consumer", default="")
    parser.add_argument("--data-dir", default="")
    parser.add_argument("--platform", default="test")
    parser.add_argument("--settings", default="", help="JSON of setting overrides")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(message)s")
    asyncio.run(main(parser.parse_args()))
