"""Many replicas, proven: nemobot processes side by side on one Redis, one of them killed.

Telegram (on loopback, all started here):

* a Redis server (the bundled redis-server) and the NemoVideo simulator
  (`nemobot simulator`, its own process; small renders, its agent answering at once);
* the fake Bot API of the tests (`tests/fakes/telegram`) in this process: it posts
  updates to the bot's webhook as Telegram does (up to 40 at once, one chat's in
  order, retried while they fail), with the secret header; the public URL the bot
  registers is https on port 443, and the fake's posts for it go to
* a round-robin HTTP proxy in this process (`tests/kits/replicas.py`): each POST to
  the next replica; a replica that refuses connections is skipped, a request cut by a
  dying replica is answered 502 (Telegram sends it again);
* --replicas (3) `nemobot telegram` processes in webhook mode, configured by their
  environment only (TELEGRAM_WEBHOOK_URL/SECRET/LISTEN/PORT, TELEGRAM_TOKEN,
  TELEGRAM_BASE_URL, REDIS_URL, NEMO_API_URL, NEMO_TOKEN, DATA_DIR, METRICS_PORT,
  the RECOVERY_* waits; the rest as shipped, flood control included).

--chats (300) Telegram groups talk to the bot at once, each person waiting for each
answer before the next message (as people do): --messages (2) questions, then an
album (two clips and a photo, the request "combine these" as its caption; its parts
go through the proxy one by one, so they land on different replicas), then
"export", waiting for the video. When --kill-at (40 %) of the messages are answered,
one replica is SIGKILLed, and started again --down (2) seconds later.

Discord: --guilds (20) guilds over two `nemobot discord` processes with one shard each
(DISCORD_SHARDS=2, DISCORD_SHARD_IDS=0 or 1) on the fake Discord of the tests; each
guild asks --discord-messages (3) questions one after another.

Checked and printed: every message answered exactly once and in order (a message
whose agent stream the kill cut is answered "NemoVideo didn't finish that request",
counted apart), every album one upload notice with all its parts and one upload,
every export one render and one video, each guild's messages received by one
process; the figures (messages, answers, duplicates, out of order, lost, albums,
renders, wall time, ...). The exit status is 1 when a check fails.

    .venv/bin/python bench/replicas.py [--chats 300] [--messages 2] [--replicas 3]
        [--kill-at 0.4] [--down 2] [--guilds 20] [--only telegram|discord] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.replicas_common import Services
from bench.replicas_discord import discord_run, print_discord
from bench.replicas_telegram import TelegramRun, print_telegram


async def main_async(args: argparse.Namespace) -> int:
    """Run the chosen parts; 0 when every check passed."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-replicas-"))
    failed = False
    try:
        async with Services.started(tmp) as services:
            print(f"logs in {tmp}; simulator {services.sim_url}, redis {services.redis.url}",
                  flush=True)
            print(f"{machine()} at the start", flush=True)
            if args.only in (None, "telegram"):
                figures = await TelegramRun(args, services, tmp).run()
                failed |= not print_telegram(figures, args)
            if args.only in (None, "discord"):
                result = await discord_run(args, services, tmp)
                failed |= not print_discord(result, args)
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"{machine()} at the end (wall-clock figures suffer when the machine is busy)")
    print("all checks passed" if not failed else "SOME CHECKS FAILED")
    return 1 if failed else 0


def machine() -> str:
    """The CPU count and the load average, to judge the wall-clock figures by."""
    one, five, _ = os.getloadavg()
    return f"{os.cpu_count()} CPUs, load average {one:.1f} (1 min) {five:.1f} (5 min)"


def main() -> None:
    """Parse the options and run."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chats", type=int, default=300, help="Telegram groups talking")
    parser.add_argument("--messages", type=int, default=2, help="questions each group asks")
    parser.add_argument("--replicas", type=int, default=3, help="nemobot telegram processes")
    parser.add_argument("--kill-at", type=float, default=0.4,
                        help="kill a replica when this share of the messages is answered "
                             "(a negative value: no kill)")
    parser.add_argument("--down", type=float, default=2.0,
                        help="seconds the killed replica stays down")
    parser.add_argument("--ramp", type=float, default=5.0,
                        help="seconds over which the groups start talking")
    parser.add_argument("--timeout", type=float, default=300.0,
                        help="seconds a message waits for its outcome before it is lost")
    parser.add_argument("--guilds", type=int, default=20, help="Discord guilds (two shards)")
    parser.add_argument("--discord-messages", type=int, default=3,
                        help="questions each guild asks")
    parser.add_argument("--only", choices=("telegram", "discord"), default=None)
    parser.add_argument("--log-level", default="INFO", help="the processes' LOG_LEVEL")
    parser.add_argument("--quick", action="store_true",
                        help="30 groups x 1 question, 6 guilds x 2 questions")
    parser.add_argument("--keep", action="store_true", help="keep the logs")
    args = parser.parse_args()
    if args.quick:
        args.chats, args.messages, args.guilds, args.discord_messages = 30, 1, 6, 2
    started = time.monotonic()
    status = asyncio.run(main_async(args))
    print(f"whole run: {time.monotonic() - started:.0f} s")
    with contextlib.suppress(BrokenPipeError):
        sys.stdout.flush()
    sys.exit(status)


if __name__ == "__main__":
    main()
