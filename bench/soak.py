"""Soak: many chats talking and exporting while bot processes are killed and restarted
and Redis is restarted, then one line: accepted, answered, resumed, lost, duplicated,
stuck.

    .venv/bin/python bench/soak.py                 # 200 chats, 5 minutes
    .venv/bin/python bench/soak.py --short         # 20 chats, 40 seconds

Bot processes (`bench/soak_worker.py`, the whole runtime: dispatcher, sweep, render
worker) share a real redis-server and the NemoVideo simulator (in this process). Each
chat sends a message, waits for it to be handled, pauses, and goes on; every fourth
message is an export of a tiny project, whose draft changed since the last export
(rendered) or, one export in three, did not (the last video is sent again). A message
is "accepted" once it is in its chat's queue in Redis (what an adapter does on arrival).
Meanwhile a process is killed (SIGKILL) or stopped (SIGTERM) and restarted at once every
few seconds, and Redis is stopped for a few seconds and started again with its data now
and then.

At the end (chaos stopped, every process up), it waits for the chats to settle and
counts, over accepted messages:

* answered: reached the agent exactly once (an export: one video answered it, or, after
  a delivery whose outcome nobody could know, its progress message ended as "video
  ready, if it did not arrive use the link");
* resumed: a process stopped while it was with the agent, and the user was told
  ("I was restarted while working on ...");
* lost: never reached the agent and no notice names it (an export: no video);
* duplicated: reached the agent more than once (an export: more than one video);
* stuck: chats still holding queued or current events, or unfinished renders, after
  the settle time.

Videos are matched to exports by the message they answer (`reply_to`). With `--keep`,
the processes' logs, Redis's append-only file (every write, in order) and
`journal.log` (every message accepted, and when each process was killed, stopped or
started and Redis restarted) stay in the printed directory; chats still stuck at the
end make every process write the stacks of its asyncio tasks into its log.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import copy
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

from core import i18n
from core.embedded_redis import EmbeddedRedis
from core.inbox import ChatEvent, Inbox
from core.keys import Keys
from core.messages import ChatKey, IncomingMessage, User
from core.renders.jobs import JobStore
from core.simulator import SimConfig, Simulator
from core.store import SessionStore
from tests.kits.renders import OPERATOR_TOKEN, TINY_DRAFT

ROOT = Path(__file__).resolve().parent.parent
RESTARTED = "I was restarted while working on"
#: an export's progress message, as first said
STARTED = i18n.t("en", "render.started")
#: how an export's progress message ends after a delivery whose outcome is unknown
RECOVERED = i18n.t("en", "render.done_recovered")
#: how it ends when a render of the same draft, running, serves the export
SERVED_BY_ANOTHER = i18n.t("en", "render.reused_running")

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
    """What the chats sent and what came back. Exports are known by their message id."""

    agent_texts: set[str] = field(default_factory=set)
    exports: dict[str, str] = field(default_factory=dict)  # message id -> chat
    seen: collections.Counter[str] = field(default_factory=collections.Counter)
    notices: list[str] = field(default_factory=list)
    videos: collections.Counter[str] = field(default_factory=collections.Counter)
    progress: dict[str, str] = field(default_factory=dict)  # progress message -> export
    recovered: set[str] = field(default_factory=set)
    served: set[str] = field(default_factory=set)  # by a render of the same draft
    refused: int = 0

    def answered(self, export: str) -> bool:
        """One video answered the export, or its progress message says where it is."""
        return self.videos[export] == 1 or (
            not self.videos[export] and (export in self.recovered or export in self.served))


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
            kind, answers = record["kind"], record.get("reply_to") or ""
            if kind in ("file", "link"):
                self.tally.videos[answers] += 1
            elif kind == "text" and text == STARTED:
                self.tally.progress[record["message_id"]] = answers
            elif kind == "edit" and text in (RECOVERED, SERVED_BY_ANOTHER):
                export = self.tally.progress.get(record["message_id"], "")
                (self.tally.recovered if text == RECOVERED else self.tally.served).add(export)
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
        # one render consumer name per replica, as separate hosts would have
        env = {**self.env, "DATA_DIR": str(self.root / f"data-{self.name}"),
               "RENDER_CONSUMER": f"soak-{self.name}"}
        log = (self.root / f"worker-{self.name}.log").open("ab")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, str(ROOT / "bench" / "soak_worker.py"), "--out",
            str(self.root / "out"), env=env, cwd=str(self.root),
            stdout=asyncio.subprocess.PIPE, stderr=log)
        assert self.process.stdout is not None
        await asyncio.wait_for(self.process.stdout.readline(), 60)
        journal(self.root, f"{self.name} started, pid {self.process.pid}")

    def dump(self) -> None:
        """Have the process write its asyncio tasks' stacks into its log."""
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGUSR1)

    async def end(self, how: signal.Signals) -> None:
        """Stop (SIGTERM) or kill (SIGKILL) the process."""
        if self.process is None or self.process.returncode is not None:
            return
        journal(self.root, f"{self.name} pid {self.process.pid}: {how.name}")
        self.process.send_signal(how)
        try:
            await asyncio.wait_for(self.process.wait(), 60)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


def journal(root: Path, line: str) -> None:
    """What the soak did and when, for reading the logs afterwards."""
    now = time.time()
    with (root / "journal.log").open("a") as out:
        out.write(f"{time.strftime('%H:%M:%S', time.localtime(now))}."
                  f"{int(now * 1000) % 1000:03d} {line}\n")


async def chat_loop(index: int, inbox: Inbox, sessions: SessionStore, sim: Simulator,
                    tally: Tally, stopping: asyncio.Event, root: Path) -> None:
    """One chat: a message, wait until it is handled, pause, again."""
    chat = ChatKey("soak", str(index))
    user = User(f"u{index}", f"user {index}", "en")
    number = 0
    while not stopping.is_set():
        number += 1
        export = number % 4 == 0
        text = "/export" if export else f"c{index} m{number}: make it blue"
        # one export in three finds its draft unchanged (the draft of the one before)
        title = None if number % 12 == 8 else f"c{index} e{number}"
        if export and not await _give_draft(sessions, sim, chat, title):
            continue
        message_id = f"{index}-{number}"
        message = IncomingMessage(chat, user, message_id, text, is_private=True)
        try:
            await inbox.push(ChatEvent.of(message))
        except RedisError:
            tally.refused += 1  # an adapter says "I can't take messages right now"
            await asyncio.sleep(1.0)
            continue
        journal(root, f"accepted {chat} {message_id}: {text}")
        if export:
            tally.exports[message_id] = str(chat)
        else:
            tally.agent_texts.add(text)
        await _handled(tally, message_id, text, export, stopping)
        await asyncio.sleep(random.uniform(0.5, 3.0))


async def _give_draft(sessions: SessionStore, sim: Simulator, chat: ChatKey,
                      title: str | None) -> bool:
    """Give the chat's project an exportable draft named `title` (None: leave it)."""
    try:
        session = await sessions.load(chat)
    except RedisError:
        await asyncio.sleep(1.0)
        return False
    project = sim.store.sessions.get(session.session_id or "")
    if project is None:
        return False
    if title is not None or not project.draft.get("t"):
        draft = copy.deepcopy(TINY_DRAFT)
        draft["m"]["title"] = title or f"{chat} first"
        project.draft = draft
    return True


async def _handled(tally: Tally, message_id: str, text: str, export: bool,
                   stopping: asyncio.Event, within: float = 90.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline and not stopping.is_set():
        if export and (tally.videos[message_id] or tally.answered(message_id)):
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
            journal(worker.root, "Redis stopped")
            redis.stop()
            await asyncio.sleep(random.uniform(1.0, 5.0))
            redis.start()
            journal(worker.root, "Redis started")
            counts["redis restarts"] += 1
            next_redis = time.monotonic() + redis_every


async def settle(inbox: Inbox, redis: Redis, tally: Tally, records: Records,
                 within: float) -> list[ChatKey]:
    """Wait until no chat has queued or current events or unfinished renders (a render
    goes on after its /export was handled); the chats that still do."""
    keys, jobs = Keys(), JobStore(redis)
    exporting = sorted({ChatKey.parse(chat) for chat in tally.exports.values()}, key=str)
    deadline = time.monotonic() + within
    while True:
        records.scan()
        busy = []
        try:
            for chat in await inbox.pending_chats():
                if await redis.llen(keys.inbox(chat)) or await redis.exists(keys.current(chat)):
                    busy.append(chat)
            busy += [chat for chat in exporting if chat not in busy and await jobs.chat_jobs(chat)]
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
    delivered = {e for e in tally.exports if tally.answered(e)}
    twice = {e for e in tally.exports if tally.videos[e] > 1}
    missing = set(tally.exports) - delivered - twice
    for name, items in (("lost", sorted(lost)), ("resumed", sorted(resumed)[:5]),
                        ("duplicated", sorted(t for t in tally.agent_texts if tally.seen[t] > 1)),
                        ("exports with no video", sorted(missing)),
                        ("exports with more videos", sorted(twice)),
                        ("stuck", [str(c) for c in stuck])):
        if items:
            print(f"# {name}: {', '.join(items)}", file=sys.stderr)
    return {
        "accepted": len(tally.agent_texts) + len(tally.exports),
        "answered": len(once) + len(delivered),
        "resumed": len(resumed),
        "lost": len(lost) + len(missing),
        "duplicated": duplicated + len(twice),
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
    chats = [asyncio.create_task(chat_loop(i, inbox, sessions, sim, tally, stopping, root))
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
    if stuck:
        for worker in workers:
            worker.dump()
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
