"""Soak: many chats talking and exporting while bot processes are killed and restarted
and Redis is restarted, then one line: accepted, answered, resumed, lost, duplicated,
stuck.

    .venv/bin/python bench/soak.py                 # 200 chats, 5 minutes
    .venv/bin/python bench/soak.py --short         # 20 chats, 40 seconds

Bot processes (`bench/soak_worker.py`, the whole runtime: dispatcher, sweep, render
worker) share a real redis-server and the NemoVideo simulator (in this process). Each
chat sends a message, waits for it to be handled, pauses, and goes on; every fourth
message is an export of a tiny project. A message is "accepted" once it is in its
chat's queue in Redis (what an adapter does on arrival). Meanwhile a process is killed
(SIGKILL) or stopped (SIGTERM) and restarted at once every few seconds, and Redis is
stopped for a few seconds and started again with its data now and then.

At the end (chaos stopped, every process up), it waits for the chats to settle and
counts, over accepted messages:

* answered: reached the agent exactly once (or, for an export, its video was delivered);
* resumed: a process stopped while it was with the agent, and the user was told
  ("I was restarted while working on ...");
* lost: never reached the agent and no notice names it (an export: no video);
* duplicated: reached the agent more than once (an export: more videos than exports);
* stuck: chats still holding queued or current events after the settle time.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import random
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from redis.asyncio import Redis
from redis.exceptions import RedisError

from core.embedded_redis import EmbeddedRedis
from core.inbox import ChatEvent, Inbox
from core.keys import Keys
from core.messages import ChatKey, IncomingMessage, User
from core.simulator import SimConfig, Simulator
from core.store import SessionStore
from tests.kits.renders import OPERATOR_TOKEN, TINY_DRAFT

ROOT = Path(__file__).resolve().parent.parent
RESTARTED = "I was restarted while working on"

WORKER_ENV = {
    "CHAT_LOCK_TTL": "6",
    "STOP_GRACE": "3",
    "EDIT_INTERVAL": "0.5",
    "RECOVERY_FIRST_WAIT": "1",
    "RECOVERY_WAIT": "2",
    "RECOVERY_READS": "3",
    "NEMO_FIRST_EVENT_TIMEOUT": "30",
    "RENDER_FIRST_POLL": "0.5",
    "RENDER_POLL_MAX": "2",
    "RENDER_POLL_MIN": "0.3",
    "RENDER_CLAIM_IDLE": "5",
    "RENDER_SUBMIT_GRACE": "5",
    "RENDER_EDIT_INTERVAL": "2",
    "LOG_LEVEL": "WARNING",
}


@dataclass
class Tally:
    """What the chats sent and what came back."""

    agent_texts: set[str] = field(default_factory=set)
    exports: collections.Counter[str] = field(default_factory=collections.Counter)
    seen: collections.Counter[str] = field(default_factory=collections.Counter)
    notices: list[str] = field(default_factory=list)
    files: collections.Counter[str] = field(default_factory=collections.Counter)
    refused: int = 0


class Records:
    """Reads what the processes sent (one JSON file per message or edit) as it comes."""

    def __init__(self, directory: Path, tally: Tally) -> None:
        self.directory = directory
        self.tally = tally
        self._read: set[str] = set()

    def scan(self) -> None:
        """Take in the records written since the last scan."""
        for path in sorted(self.directory.glob("*.json")):
            if path.name in self._read:
                continue
            self._read.add(path.name)
            record: dict[str, Any] = json.loads(path.read_text())
            text = str(record.get("text") or record.get("caption") or "")
            if record["kind"] in ("file", "link"):
                self.tally.files[record["chat"]] += 1
            elif RESTARTED in text:
                self.tally.notices.append(text)


class Worker:
    """One bot process, restarted under the same replica name (its data directory)."""

    def __init__(self, name: str, root: Path, env: dict[str, str]) -> None:
        self.name = name
        self.root = root
        self.env = env
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        """Start the process and wait until it serves."""
        env = {**self.env, "DATA_DIR": str(self.root / f"data-{self.name}")}
        log = (self.root / f"worker-{self.name}.log").open("ab")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, str(ROOT / "bench" / "soak_worker.py"), "--out",
            str(self.root / "out"), env=env, cwd=str(self.root),
            stdout=asyncio.subprocess.PIPE, stderr=log)
        assert self.process.stdout is not None
        await asyncio.wait_for(self.process.stdout.readline(), 60)

    async def end(self, how: signal.Signals) -> None:
        """Stop (SIGTERM) or kill (SIGKILL) the process."""
        if self.process is None or self.process.returncode is not None:
            return
        self.process.send_signal(how)
        try:
            await asyncio.wait_for(self.process.wait(), 60)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


async def chat_loop(index: int, inbox: Inbox, sessions: SessionStore, sim: Simulator,
                    tally: Tally, stopping: asyncio.Event) -> None:
    """One chat: a message, wait until it is handled, pause, again."""
    chat = ChatKey("soak", str(index))
    user = User(f"u{index}", f"user {index}", "en")
    number = 0
    while not stopping.is_set():
        number += 1
        export = number % 4 == 0
        text = "/export" if export else f"c{index} m{number}: make it blue"
        if export and not await _give_draft(sessions, sim, chat):
            continue
        message = IncomingMessage(chat, user, f"{index}-{number}", text, is_private=True)
        try:
            await inbox.push(ChatEvent.of(message))
        except RedisError:
            tally.refused += 1  # an adapter says "I can't take messages right now"
            await asyncio.sleep(1.0)
            continue
        if export:
            tally.exports[str(chat)] += 1
        else:
            tally.agent_texts.add(text)
        await _handled(tally, chat, text, export, stopping)
        await asyncio.sleep(random.uniform(0.5, 3.0))


async def _give_draft(sessions: SessionStore, sim: Simulator, chat: ChatKey) -> bool:
    try:
        session = await sessions.load(chat)
    except RedisError:
        await asyncio.sleep(1.0)
        return False
    project = sim.store.sessions.get(session.session_id or "")
    if project is None:
        return False
    project.draft = dict(TINY_DRAFT)
    return True


async def _handled(tally: Tally, chat: ChatKey, text: str, export: bool,
                   stopping: asyncio.Event, within: float = 90.0) -> None:
    deadline = time.monotonic() + within
    wanted = tally.exports[str(chat)]
    while time.monotonic() < deadline and not stopping.is_set():
        if export and tally.files[str(chat)] >= wanted:
            return
        if not export and (tally.seen[text] or any(text[:60] in n for n in tally.notices)):
            return
        await asyncio.sleep(0.5)


async def chaos(workers: list[Worker], redis: EmbeddedRedis, stopping: asyncio.Event,
                kill_every: float, redis_every: float, counts: collections.Counter[str]) -> None:
    """Kill or stop a random process and restart it at once; now and then restart Redis."""
    next_redis = time.monotonic() + redis_every
    while not stopping.is_set():
        await asyncio.sleep(random.uniform(0.5, 1.5) * kill_every)
        if stopping.is_set():
            break
        worker = random.choice(workers)
        how = random.choice((signal.SIGKILL, signal.SIGTERM))
        await worker.end(how)
        counts["kills" if how is signal.SIGKILL else "stops"] += 1
        await worker.start()
        if time.monotonic() > next_redis:
            redis.stop()
            await asyncio.sleep(random.uniform(1.0, 5.0))
            redis.start()
            counts["redis restarts"] += 1
            next_redis = time.monotonic() + redis_every


async def settle(inbox: Inbox, redis: Redis, tally: Tally, records: Records,
                 within: float) -> list[ChatKey]:
    """Wait until no chat has queued or current events; the chats that still do."""
    keys = Keys()
    deadline = time.monotonic() + within
    while True:
        records.scan()
        busy = []
        try:
            for chat in await inbox.pending_chats():
                if await redis.llen(keys.inbox(chat)) or await redis.exists(keys.current(chat)):
                    busy.append(chat)
        except RedisError:  # a connection from before the last Redis restart
            busy = [ChatKey("soak", "unknown")]
        if not busy or time.monotonic() > deadline:
            return busy
        await asyncio.sleep(1.0)


def count(tally: Tally, stuck: list[ChatKey]) -> dict[str, int]:
    """The closing figures."""
    resumed = {t for t in tally.agent_texts if any(t[:60] in n for n in tally.notices)}
    once = {t for t in tally.agent_texts if tally.seen[t] == 1} - resumed
    lost = {t for t in tally.agent_texts if not tally.seen[t]} - resumed
    duplicated = sum(1 for t in tally.agent_texts if tally.seen[t] > 1)
    delivered = sum(min(tally.files[c], n) for c, n in tally.exports.items())
    missing = sum(max(0, n - tally.files[c]) for c, n in tally.exports.items())
    extra = sum(max(0, tally.files[c] - n) for c, n in tally.exports.items())
    for name, items in (("lost", sorted(lost)), ("resumed", sorted(resumed)[:5]),
                        ("duplicated", sorted(t for t in tally.agent_texts if tally.seen[t] > 1)),
                        ("stuck", [str(c) for c in stuck])):
        if items:
            print(f"# {name}: {', '.join(items)}", file=sys.stderr)
    for chat, n in sorted(tally.exports.items()):
        if tally.files[chat] != n:
            print(f"# {chat}: {n} export(s), {tally.files[chat]} video(s)", file=sys.stderr)
    return {
        "accepted": len(tally.agent_texts) + sum(tally.exports.values()),
        "answered": len(once) + delivered,
        "resumed": len(resumed),
        "lost": len(lost) + missing,
        "duplicated": duplicated + extra,
        "stuck": len(stuck),
    }


async def soak(args: argparse.Namespace) -> dict[str, int]:
    """Run the soak; the closing figures."""
    root = Path(tempfile.mkdtemp(prefix="nemobot-soak-"))
    (root / "out").mkdir()
    redis = EmbeddedRedis(root / "redis").start()
    sim = Simulator(SimConfig(render_width=320, render_height=180, render_seconds=1.0,
                              heartbeat_interval=1.0, agent_delay=args.agent_delay),
                    data_dir=root / "sim")
    url = await sim.start("127.0.0.1", 0)
    sim.config.operator_tokens = [OPERATOR_TOKEN]
    tally = Tally()
    plan = sim.agent.plan

    def counted_plan(session: Any, text: str) -> Any:
        tally.seen[text] += 1
        return plan(session, text)

    sim.agent.plan = counted_plan  # type: ignore[method-assign]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEMO_", "REDIS_"))}
    env.update(WORKER_ENV, NEMO_API_URL=url, NEMO_WEB_URL=url, NEMO_TOKEN=OPERATOR_TOKEN,
               REDIS_URL=redis.url, PYTHONPATH=str(ROOT))
    workers = [Worker(f"r{i}", root, env) for i in range(args.processes)]
    await asyncio.gather(*(w.start() for w in workers))
    client = Redis.from_url(redis.url)
    inbox, sessions = Inbox(client, most=1000), SessionStore(client)
    records = Records(root / "out", tally)
    stopping, counts = asyncio.Event(), collections.Counter[str]()
    chats = [asyncio.create_task(chat_loop(i, inbox, sessions, sim, tally, stopping))
             for i in range(args.chats)]
    trouble = asyncio.create_task(chaos(workers, redis, stopping, args.kill_every,
                                        args.redis_every, counts))
    started = time.monotonic()
    while time.monotonic() - started < args.seconds:
        records.scan()
        await asyncio.sleep(1.0)
    stopping.set()
    await trouble
    await asyncio.gather(*chats)
    stuck = await settle(inbox, client, tally, records, args.settle)
    await asyncio.sleep(5.0)  # answers and videos of the last events
    records.scan()
    for worker in workers:
        await worker.end(signal.SIGTERM)
    await client.aclose()
    await sim.stop()
    redis.stop()
    print(f"# {args.chats} chats, {args.processes} processes, {args.seconds:.0f} s; "
          f"{counts['kills']} kills, {counts['stops']} stops, "
          f"{counts['redis restarts']} Redis restarts; {tally.refused} messages refused "
          f"while Redis was down; logs in {root}", file=sys.stderr)
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    return count(tally, stuck)


def main() -> None:
    """Parse the options, run, print the line."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--kill-every", type=float, default=15.0,
                        help="seconds between process kills or stops (on average)")
    parser.add_argument("--redis-every", type=float, default=60.0,
                        help="seconds between Redis restarts (at least)")
    parser.add_argument("--agent-delay", type=float, default=1.0,
                        help="seconds the simulated agent thinks before answering")
    parser.add_argument("--settle", type=float, default=120.0,
                        help="seconds the chats get to settle at the end")
    parser.add_argument("--short", action="store_true", help="20 chats for 40 seconds")
    parser.add_argument("--keep", action="store_true", help="keep the logs and data")
    args = parser.parse_args()
    if args.short:
        args.chats, args.seconds, args.kill_every, args.redis_every = 20, 40.0, 8.0, 20.0
    figures = asyncio.run(soak(args))
    print(", ".join(f"{name} {value}" for name, value in figures.items()))


if __name__ == "__main__":
    main()
