"""The cost of a message: the real `nemobot telegram` beside a bare bridge, on the same fakes.

Starts, on loopback:

* a Redis server (the bundled redis-server) for nemobot;
* the NemoVideo simulator (`nemobot simulator`, its own process) with an operator
  token; its agent answers at once (no thinking delay), a plain question gets one
  text answer of about 40 words, streamed in fragments;
* a fast fake Bot API in this process (`bench/fake_bot_api.py`): long polling,
  no flood control, every request recorded with its arrival time;
* `nemobot telegram` as its own process, configured by environment settings only
  (TELEGRAM_TOKEN, TELEGRAM_BASE_URL, REDIS_URL, NEMO_API_URL, NEMO_TOKEN, DATA_DIR,
  LOG_LEVEL; no METRICS_PORT), run from an empty directory (no .env);
* then, on the same fakes, the bare bridge (`bench/bare_bridge.py`): one
  `/run_sse` and one `sendMessage` per message.

Each bot gets, in turn: 3 chats, then --chats chats (200), each sending --messages
messages one after another, the next as soon as the answer to the previous one
has arrived (as people do), the chats in parallel. A message is answered when
the bot shows (sends, or edits a message into) the agent's whole answer (answers
and other replies are matched to a chat's messages in order); latency
runs from the moment the fake Bot API has the update ready for the bot to that
request's arrival. Printed side by side:

* latency p50 / p99 under load and with 3 chats;
* answers per second under load (answers / time from the first message to the last answer);
* CPU per message (the bot process's user + system time during the load / messages);
* Bot API requests per answer, by method (getUpdates shown apart);
* backend calls per message, by kind (the simulator's request log);
* Redis commands per message (INFO commandstats before and after; nemobot only);
* peak memory: the bot process's peak RSS (VmHWM);
* answers lost: messages with no answer within --timeout (error replies counted apart);
* "next in line" notices (every message is sent after the previous answer arrived,
  so each one is a notice the user should not have seen);
* first-contact greetings (in a private chat without a project, nemobot welcomes the
  chat at the head of its first answer; a greeting sent as a message of its own is
  counted in the Bot API requests, and shown apart);
* latency p50 of each message of the few chats (the 1st, 2nd, ... a chat sends), which
  shows the per-chat pace of the platform's limits.

    .venv/bin/python bench/messages.py [--chats 200] [--messages 4] [--timeout 60]
        [--bots nemobot,bare] [--quick]

Linux only (CPU and memory are read from /proc).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
import redis.asyncio as aioredis

from bench.fake_bot_api import FakeBotApi, Shown
from bench.redis_monitor import RedisMonitor
from core import i18n
from core.conversation import notices as _notices  # noqa: F401  (registers the texts)
from core.conversation import queueing as _queueing  # noqa: F401
from core.conversation import texts as _texts  # noqa: F401
from core.embedded_redis import EmbeddedRedis

OPERATOR_TOKEN = "nmv_usr_bench_operator"
TOKENS = {"nemobot": "1000001:bench-nemobot-token", "bare": "1000002:bench-bare-bridge-token"}
TITLES = {"nemobot": "nemobot telegram", "bare": "bare bridge"}


def opening(key: str) -> str:
    """The English text `key` up to its first field, whitespace folded."""
    return " ".join((i18n.variant(key, "en") or "").split("{")[0].split())


#: the openings of nemobot's "your message waits" notices ("Got it, next in line: ...")
NOTICES = tuple(opening(key) for key in ("queued", "queued.next", "queued.place",
                                         "queued_many"))
#: the opening of nemobot's first-contact greeting (at the head of a new chat's first answer,
#: or, from older versions, a message of its own before it)
GREETING = opening("welcome")
QUESTION = "what can you do for me? (question {n})"
BENCH_DIR = Path(__file__).resolve().parent


# ------------------------------------------------------------------ what a chat sees


@dataclass
class Message:
    """One user message and what became of it."""

    chat_id: int
    message_id: int
    at: float
    #: its number among its chat's messages (1 is the first)
    n: int = 1
    answered_at: float | None = None
    error: str | None = None
    late: bool = False
    done: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def latency(self) -> float | None:
        """Seconds from the update being ready to the whole answer shown (in time)."""
        if self.answered_at is None or self.late:
            return None
        return self.answered_at - self.at


@dataclass
class Chat:
    """A user in a private chat with one bot, and the replies it got."""

    token: str
    chat_id: int
    messages: list[Message] = field(default_factory=list)
    waiting: collections.deque[Message] = field(default_factory=collections.deque)
    notices: int = 0
    greetings: int = 0
    #: greetings that headed an answer (no message of their own)
    headed: int = 0
    others: list[str] = field(default_factory=list)
    counted: set[int] = field(default_factory=set)


def normal(text: str) -> str:
    """Whitespace folded, for comparing texts."""
    return " ".join(text.split())


class Observer:
    """Reads every text the bots show and settles the chats' messages: the oldest waiting
    message of a chat takes the next whole answer (or the next other reply, an error)."""

    def __init__(self) -> None:
        self.answer = ""
        self.chats: dict[tuple[str, int], Chat] = {}

    def chat(self, token: str, chat_id: int) -> Chat:
        """A chat to watch."""
        return self.chats.setdefault((token, chat_id), Chat(token, chat_id))

    def seen(self, shown: Shown) -> None:
        """Called by the fake Bot API for each message sent or edited."""
        chat = self.chats.get((shown.token, shown.chat_id))
        if chat is None:
            return
        text = normal(shown.text)
        if text.startswith(NOTICES):
            chat.notices += 1
            return
        if text.startswith(GREETING):
            if self.answer in text:  # the whole answer under the welcome
                text = self.answer
                chat.headed += shown.message_id not in chat.counted
            elif self.answer[:24] in text:
                return  # the answer so far, under the welcome
            else:
                if shown.message_id not in chat.counted:
                    chat.counted.add(shown.message_id)
                    chat.greetings += 1
                return
        if self.answer.startswith(text) and text != self.answer:
            return  # the answer so far, shown while it streams
        if shown.message_id in chat.counted:
            return  # a later edit of a message that already settled one
        chat.counted.add(shown.message_id)
        if text != self.answer:
            chat.others.append(re.sub(r"\b[0-9a-f]*[0-9][0-9a-f]*\b", "N", text[:70]))
        if not chat.waiting:
            return
        message = chat.waiting.popleft()
        if text == self.answer:
            message.answered_at = shown.at
        else:
            message.error = text[:70]
        message.done.set()


async def talk(fake: FakeBotApi, chat: Chat, count: int, patience: float) -> None:
    """Send `count` messages, each once the previous one is settled or timed out."""
    for n in range(1, count + 1):
        message_id = fake.send_text(chat.token, chat.chat_id, QUESTION.format(n=n))
        message = Message(chat.chat_id, message_id, time.monotonic(), n)
        chat.messages.append(message)
        chat.waiting.append(message)
        try:
            async with asyncio.timeout(patience):
                await message.done.wait()
        except TimeoutError:
            message.late = True  # still waiting: a late answer settles it as late


# -------------------------------------------------------------------- the processes


def proc_cpu(pid: int) -> float:
    """User + system CPU seconds of a process (its children excluded)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_peak_rss_mb(pid: int) -> float:
    """The peak resident memory of a process so far (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def logged_problems(log: Path) -> collections.Counter[str]:
    """The warnings and errors of a log, by kind (time stamps dropped, numbers as N)."""
    kinds: collections.Counter[str] = collections.Counter()
    for line in log.read_text(errors="replace").splitlines():
        for level in (" WARNING ", " ERROR "):
            if level in line:
                text = level.strip() + " " + line.split(level, 1)[1]
                kinds[re.sub(r"\b[0-9a-f]*[0-9][0-9a-f]*\b", "N", text)] += 1
    return kinds


def machine() -> str:
    """The CPU count and load average, to judge the wall-clock figures by."""
    one, five, _ = os.getloadavg()
    return f"{os.cpu_count()} CPUs, load average {one:.1f} (1 min) {five:.1f} (5 min)"


def free_port() -> int:
    """A TCP port free right now on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def nemobot_command() -> list[str]:
    """The `nemobot` console script of this Python, or the module."""
    script = Path(sys.executable).parent / "nemobot"
    return [str(script)] if script.exists() else [sys.executable, "-m", "bots.cli"]


def clean_env(**settings: str) -> dict[str, str]:
    """A minimal environment: no setting inherited from the caller's."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    return {**keep, "PYTHONUNBUFFERED": "1", **settings}


@contextlib.contextmanager
def process(args: list[str], env: dict[str, str], cwd: Path, log: Path) -> Iterator[
        subprocess.Popen[bytes]]:
    """A child process, stopped with SIGTERM (then SIGKILL) at the end of the block."""
    cwd.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        proc = subprocess.Popen(args, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)


async def stopped(proc: subprocess.Popen[bytes]) -> None:
    """Stop a bot with SIGTERM (then SIGKILL) while this loop goes on: the fake Bot API
    it serves must answer the bot's last getUpdates for the bot to stop in time."""
    proc.terminate()
    try:
        await asyncio.wait_for(asyncio.to_thread(proc.wait), 20)
    except TimeoutError:
        proc.kill()
        await asyncio.to_thread(proc.wait)


def tail(log: Path, lines: int = 15) -> str:
    """The last lines of a log file."""
    text = log.read_text(errors="replace") if log.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


async def wait_for(check: Any, what: str, proc: subprocess.Popen[bytes] | None = None,
                   log: Path | None = None, within: float = 60.0) -> None:
    """Until `check()` (async) is true; fails if `proc` exits or the deadline passes."""
    deadline = time.monotonic() + within
    while not await check():
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what}: the process exited ({proc.returncode}):\n"
                               + (tail(log) if log else ""))
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not within {within:g} s\n" + (tail(log) if log else ""))
        await asyncio.sleep(0.05)  # the poll interval of a deadline wait


# ------------------------------------------------------------------------- a run


@dataclass
class Phase:
    """The figures of one load on one bot."""

    messages: list[Message]
    notices: int
    greetings: int
    headed: int
    others: collections.Counter[str]
    seconds: float = 0.0
    cpu: float = 0.0
    bot_api: dict[str, int] = field(default_factory=dict)
    backend: dict[str, int] = field(default_factory=dict)
    redis: dict[str, int] | None = None
    #: commands the bot sent (a script is one), from the server's MONITOR feed
    redis_sent: dict[str, int] = field(default_factory=dict)
    #: CPU seconds of the others meanwhile: the simulator, this process, redis-server
    others_cpu: dict[str, float] = field(default_factory=dict)

    @property
    def answered(self) -> list[Message]:
        """Messages whose whole answer arrived within the timeout."""
        return [m for m in self.messages if m.latency is not None]

    def latencies(self) -> list[float]:
        """Latencies of the answered messages, sorted."""
        return sorted(m.latency for m in self.messages if m.latency is not None)

    def by_number(self) -> list[list[float]]:
        """Latencies of the answered messages, sorted, of each chat's 1st, 2nd... message."""
        count = max((m.n for m in self.messages), default=0)
        return [sorted(m.latency for m in self.messages if m.n == n and m.latency is not None)
                for n in range(1, count + 1)]


@dataclass
class BotRun:
    """What one bot did in the run."""

    name: str
    few: Phase
    load: Phase
    peak_rss_mb: float


class Bench:
    """The fakes, Redis and the simulator, shared by the bots of one run."""

    def __init__(self, args: argparse.Namespace, tmp: Path) -> None:
        self.args = args
        self.tmp = tmp
        self.observer = Observer()
        self.fake = FakeBotApi(self.observer.seen)
        self.redis_server = EmbeddedRedis(tmp / "redis")
        self.monitor = RedisMonitor(self.redis_server.host, self.redis_server.port)
        self.sim_url = ""
        self.sim_pid = self.redis_pid = 0
        self.http = httpx.AsyncClient(timeout=30)
        self.next_chat = 10_000

    # -- the simulator ----------------------------------------------------------------
    async def start_simulator(self, stack: contextlib.ExitStack) -> None:
        port = free_port()
        log = self.tmp / "simulator.log"
        proc = stack.enter_context(process(
            [*nemobot_command(), "simulator", "--port", str(port)],
            clean_env(LOG_LEVEL="WARNING"), self.tmp / "sim", log))
        self.sim_url = f"http://127.0.0.1:{port}"
        self.sim_pid = proc.pid

        async def up() -> bool:
            with contextlib.suppress(httpx.HTTPError):
                return (await self.http.get(f"{self.sim_url}/_sim/config")).status_code == 200
            return False

        await wait_for(up, "the simulator", proc, log)
        response = await self.http.post(f"{self.sim_url}/_sim/config", json={
            "operator_tokens": [OPERATOR_TOKEN], "agent_delay": 0.0})
        response.raise_for_status()
        self.observer.answer = await self._answer_text()

    async def _answer_text(self) -> str:
        """What the agent answers the benchmark's question (asked once, directly)."""
        headers = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}
        created = await self.http.post(
            f"{self.sim_url}/api/tasks/me/with-session/nemo_agent", headers=headers,
            json={"task_name": "project", "language": "en"})
        session = created.json()["data"]["session_id"]
        body = {"app_name": "nemo_agent", "user_id": "me", "session_id": session,
                "new_message": {"parts": [{"text": QUESTION.format(n=0)}]}}
        full = ""
        async with self.http.stream("POST", f"{self.sim_url}/run_sse", json=body,
                                    headers=headers) as response:
            async for line in response.aiter_lines():
                if line.startswith("data:") and '"turnComplete"' in line:
                    parts = json.loads(line[5:])["content"]["parts"]
                    full = "".join(p.get("text", "") for p in parts)
        if not full:
            raise RuntimeError("the simulator gave no answer to the benchmark's question")
        return normal(full)

    async def find_redis_pid(self) -> None:
        redis = aioredis.Redis.from_url(self.redis_server.url)
        try:
            self.redis_pid = int((await redis.info("server"))["process_id"])
        finally:
            await redis.aclose()

    async def backend_calls(self) -> dict[str, int]:
        response = await self.http.get(f"{self.sim_url}/_sim/requests")
        return dict(collections.Counter(r["kind"] for r in response.json()))

    async def clear_backend_calls(self) -> None:
        (await self.http.delete(f"{self.sim_url}/_sim/requests")).raise_for_status()

    def others_cpu(self) -> dict[str, float]:
        """CPU seconds so far of the simulator, this process, and redis-server."""
        return {"simulator": proc_cpu(self.sim_pid), "benchmark": proc_cpu(os.getpid()),
                "redis-server": proc_cpu(self.redis_pid)}

    # -- the bots ---------------------------------------------------------------------
    def bot_process(self, name: str, stack: contextlib.ExitStack) -> tuple[
            subprocess.Popen[bytes], Path]:
        env = clean_env(TELEGRAM_TOKEN=TOKENS[name], TELEGRAM_BASE_URL=self.fake.base_url,
                        NEMO_API_URL=self.sim_url, NEMO_TOKEN=OPERATOR_TOKEN,
                        LOG_LEVEL=self.args.log_level)
        if name == "nemobot":
            env.update(REDIS_URL=self.redis_server.url, DATA_DIR=str(self.tmp / "nemobot-data"))
            args = [*nemobot_command(), "telegram"]
        else:
            args = [sys.executable, str(BENCH_DIR / "bare_bridge.py")]
        log = self.tmp / f"{name}.log"
        return stack.enter_context(process(args, env, self.tmp / f"{name}-cwd", log)), log

    async def run_bot(self, name: str) -> BotRun:
        with contextlib.ExitStack() as stack:
            proc, log = self.bot_process(name, stack)
            state = self.fake.bot(TOKENS[name])

            async def polling() -> bool:
                return bool(state.counts().get("getUpdates"))

            await wait_for(polling, f"{TITLES[name]} taking updates", proc, log)
            print(f"{TITLES[name]}: {self.args.few} chats x {self.args.messages} messages ...",
                  flush=True)
            few = await self.phase(name, proc, self.args.few)
            print(f"{TITLES[name]}: {self.args.chats} chats x {self.args.messages} "
                  f"messages ...", flush=True)
            load = await self.phase(name, proc, self.args.chats, watch_redis=True)
            if proc.poll() is not None:
                raise RuntimeError(f"{TITLES[name]} exited during the run:\n{tail(log)}")
            peak = proc_peak_rss_mb(proc.pid)
            await stopped(proc)
        warnings = logged_problems(log)
        if warnings:
            print(f"{TITLES[name]} logged {sum(warnings.values())} warnings and errors:")
            for line, count in warnings.most_common(6):
                print(f"  {count:5d} x {line[:150]}")
        return BotRun(name, few, load, peak)

    async def phase(self, name: str, proc: subprocess.Popen[bytes], chats: int, *,
                    watch_redis: bool = False) -> Phase:
        """`chats` new chats talk to the bot at once; what it cost. `watch_redis`: count
        the commands the bot sends (MONITOR burdens the server and this process, so the
        phase whose latency compares the bots runs without it)."""
        token = TOKENS[name]
        group = [self.observer.chat(token, self.next_chat + i) for i in range(chats)]
        self.next_chat += chats
        redis = aioredis.Redis.from_url(self.redis_server.url) if name == "nemobot" else None
        watching = watch_redis and redis is not None
        try:
            if watching:
                await self.monitor.start()
            await self.clear_backend_calls()
            redis_before = await command_counts(redis) if redis is not None else None
            cpu_before = proc_cpu(proc.pid)
            others_before = self.others_cpu()
            started = time.monotonic()
            await asyncio.gather(*(talk(self.fake, chat, self.args.messages,
                                        self.args.timeout) for chat in group))
            ended = time.monotonic()
            messages = [m for chat in group for m in chat.messages]
            phase = Phase(messages, sum(c.notices for c in group),
                          sum(c.greetings for c in group), sum(c.headed for c in group),
                          collections.Counter(t for c in group for t in c.others))
            answered = [m.answered_at for m in phase.answered if m.answered_at is not None]
            phase.seconds = (max(answered) if answered else ended) - started
            phase.cpu = proc_cpu(proc.pid) - cpu_before
            phase.others_cpu = {k: v - others_before[k] for k, v in self.others_cpu().items()}
            phase.bot_api = self.fake.bot(token).counts(started, ended)
            phase.backend = await self.backend_calls()
            if redis is not None and redis_before is not None:
                after = await command_counts(redis)
                phase.redis = {k: v - redis_before.get(k, 0) for k, v in after.items()
                               if v - redis_before.get(k, 0) > 0}
            if watching:
                await self.monitor.settle()
                phase.redis_sent = dict(self.monitor.sent)
            return phase
        finally:
            if watching:
                await self.monitor.stop()
            if redis is not None:
                await redis.aclose()


async def command_counts(redis: aioredis.Redis) -> dict[str, int]:
    """Calls per command so far (INFO commandstats), the benchmark's own INFO left out."""
    stats = await redis.info("commandstats")
    return {name.removeprefix("cmdstat_"): int(value["calls"])
            for name, value in stats.items()
            if isinstance(value, dict) and name != "cmdstat_info"}


# ------------------------------------------------------------------------- report


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of sorted values."""
    if not values:
        return float("nan")
    return values[min(len(values) - 1, max(0, round(fraction * len(values)) - 1))]


def seconds(value: float) -> str:
    """A duration, in ms below one second."""
    if value != value:  # NaN
        return "-"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def per(count: float, total: int) -> str:
    """`count` per one of `total`, or "-"."""
    return f"{count / total:.2f}" if total else "-"


def rows(run: BotRun, few_chats: int) -> dict[str, str]:
    """One column of the table."""
    load, few = run.load, run.few
    sent = len(load.messages)
    answered = len(load.answered)
    lat, lat_few = load.latencies(), few.latencies()
    api = {k: v for k, v in load.bot_api.items() if k != "getUpdates"}
    column = {
        "answers per second": f"{answered / load.seconds:.1f}" if load.seconds else "-",
        "latency p50 / p99 under load":
            f"{seconds(percentile(lat, .5))} / {seconds(percentile(lat, .99))}",
        f"latency p50 / p99, {few_chats} chats":
            f"{seconds(percentile(lat_few, .5))} / {seconds(percentile(lat_few, .99))}",
        f"  p50 of the 1st, 2nd... message, {few_chats} chats": " / ".join(
            seconds(percentile(by_n, .5)) if by_n else "-" for by_n in few.by_number()),
        "CPU per message": f"{load.cpu / sent * 1000:.1f} ms" if sent else "-",
        f"  with {few_chats} chats": (f"{few.cpu / len(few.messages) * 1000:.1f} ms"
                                      if few.messages else "-"),
    }
    for other, cpu in load.others_cpu.items():
        column[f"  meanwhile, {other}"] = f"{cpu / sent * 1000:.1f} ms" if sent else "-"
    column["Bot API requests per answer"] = per(sum(api.values()), answered)
    if load.greetings:
        column["  without the greetings"] = per(sum(api.values()) - load.greetings, answered)
    for method in sorted(load.bot_api, key=lambda m: -load.bot_api[m]):
        label = "  getUpdates (not per answer)" if method == "getUpdates" else f"  {method}"
        column[label] = per(load.bot_api[method], answered)
    if load.greetings:
        column["  of sendMessage: first-contact greetings"] = per(load.greetings, answered)
    if load.headed:
        column["  answers headed by the greeting"] = per(load.headed, answered)
    column["backend calls per message"] = per(sum(load.backend.values()), sent)
    for kind in sorted(load.backend, key=lambda k: -load.backend[k]):
        column[f"  {kind}"] = per(load.backend[kind], sent)
    if load.redis is not None:
        column["Redis commands per message"] = per(sum(load.redis.values()), sent)
        for command in sorted(load.redis, key=lambda c: -load.redis[c])[:10]:  # type: ignore[index]
            column[f"  {command}"] = per(load.redis[command], sent)
        sent_by_bot = load.redis_sent
        column["  sent by the bot (a script counts once)"] = per(sum(sent_by_bot.values()),
                                                                 sent)
        for command in sorted(sent_by_bot, key=lambda c: -sent_by_bot[c])[:8]:
            column[f"    {command}"] = per(sent_by_bot[command], sent)
    column["peak memory (RSS)"] = f"{run.peak_rss_mb:.0f} MB"
    errors = sum(1 for m in load.messages if m.error is not None)
    column["answers lost"] = f"{sent - answered} of {sent}"
    column["  error replies"] = str(errors)
    column["  no answer in time"] = str(sent - answered - errors)
    column["    of which answered later"] = str(
        sum(1 for m in load.messages if m.late and m.answered_at is not None))
    column[f"answers lost, {few_chats} chats"] = (
        f"{len(few.messages) - len(few.answered)} of {len(few.messages)}")
    column['"next in line" notices'] = f"{load.notices} ({few.notices} with {few_chats} chats)"
    return column


def report(runs: list[BotRun], args: argparse.Namespace) -> None:
    """Print the bots side by side."""
    columns = [rows(run, args.few) for run in runs]
    labels: list[str] = []
    for column in columns:  # a label one column lacks goes after its predecessor
        at = 0
        for label in column:
            if label in labels:
                at = labels.index(label) + 1
            else:
                labels.insert(at, label)
                at += 1
    width = max(len(label) for label in labels) + 2
    cell = max(24, *(len(value) + 2 for column in columns for value in column.values()))
    print()
    print(f"{args.chats} chats x {args.messages} messages under load; "
          f"{args.few} chats x {args.messages} without; timeout {args.timeout:g} s")
    print("".ljust(width) + "".join(TITLES[run.name].ljust(cell) for run in runs))
    for label in labels:
        print(label.ljust(width) + "".join(c.get(label, "").ljust(cell) for c in columns))
    for run in runs:
        if run.load.others:
            print(f"{TITLES[run.name]}: other replies under load:")
            for text, count in run.load.others.most_common(5):
                print(f"  {count:5d} x {text!r}")


async def main_async(args: argparse.Namespace) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="bench-messages-"))
    bench = Bench(args, tmp)
    runs: list[BotRun] = []
    try:
        with contextlib.ExitStack() as stack:
            bench.redis_server.start()
            stack.callback(bench.redis_server.stop)
            await bench.find_redis_pid()
            await bench.fake.start()
            await bench.start_simulator(stack)
            print(f"fake Bot API {bench.fake.base_url}, simulator {bench.sim_url}, "
                  f"redis {bench.redis_server.url}; logs in {tmp}")
            print(f"{machine()} at the start")
            for name in args.bots.split(","):
                runs.append(await bench.run_bot(name.strip()))
            await bench.fake.stop()
        report(runs, args)
        print(f"{machine()} at the end (wall-clock figures suffer when the machine is busy; "
              "CPU times and counts do not)")
        unknown = {m for state in bench.fake.bots.values() for m in state.unknown}
        if unknown:
            print(f"methods the fake does not know (answered true): {sorted(unknown)}")
    finally:
        await bench.http.aclose()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chats", type=int, default=200, help="chats under load")
    parser.add_argument("--messages", type=int, default=4, help="messages each chat sends")
    parser.add_argument("--few", type=int, default=3, help="chats of the unloaded run")
    parser.add_argument("--timeout", type=float, default=60.0,
                        help="seconds a message waits for its answer before it counts as lost")
    parser.add_argument("--bots", default="nemobot,bare",
                        help="which bots, in order: nemobot, bare or both")
    parser.add_argument("--quick", action="store_true",
                        help="a short run: 20 chats x 2 messages, timeout 20 s")
    parser.add_argument("--keep", action="store_true", help="keep the logs and data")
    parser.add_argument("--log-level", default="WARNING",
                        help="the bots' LOG_LEVEL (DEBUG, with --keep, to follow a message)")
    args = parser.parse_args()
    if args.quick:
        args.chats, args.messages, args.timeout = 20, 2, 20.0
    sys.exit(asyncio.run(main_async(args)))


if __name__ == "__main__":
    main()
