"""Render fan-out benchmark: 1,000 renders in flight over one or more worker processes.

Starts the NemoVideo simulator in a separate process (renders of a tiny draft
that each take a random time, uniform between --min-seconds and --max-seconds),
an embedded Redis, and `RenderWorker`s with the default poll schedule: one in
this process (--workers 1, the default), or --workers N processes of their own
(the same consumer group, consumers bench-1 ... bench-N), this process only
submitting. It exports --renders renders over --chats chats, waits until every
video is delivered (downloaded and sent as a file), and prints:

* the delay from "render completed" (the simulator's completion time) to
  "delivered" (the adapter's send_file), p50 / p90 / p99 / max;
* polls per render (the simulator's request log);
* Redis commands per second while the renders were in flight
  (`total_commands_processed` delta, and the busiest commands);
* CPU time and peak resident memory of each process that runs a worker.

    .venv/bin/python bench/render_fanout.py [--renders 1000] [--chats 250]
        [--min-seconds 10] [--max-seconds 180] [--workers 1] [--patience SECONDS] [--cluster]

With --cluster, Redis is a three-master Redis Cluster on loopback (the tests' own,
`tests/kits/cluster.py`), and the commands are also counted per node.

Targets of the default run: p50 under 5 s, p99 under the 30 s poll ceiling, peak
RSS under 100 MB (per worker process). Targets of the 10x run (--renders 10000
--chats 2500 --workers 2, and any run of 10,000 renders or more): p50 under
2.5 s, p99 under 10 s, no render polled more than 8 times, peak RSS under 150 MB
per worker process.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import dataclasses
import logging
import multiprocessing as mp
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import redis.asyncio as aioredis
from pydantic import SecretStr
from redis.asyncio.cluster import RedisCluster

from core.embedded_redis import EmbeddedRedis
from core.identity import Identities
from core.keys import RenderShard
from core.messages import ChatKey, User
from core.nemo.client import NemoClient
from core.nemo.models import Credentials
from core.observed_redis import redis_client
from core.outgoing import Button, Outgoing, Sent
from core.renders import RenderJob, Renders, RenderWorker
from core.settings import Settings
from core.store import ChatSession, SessionStore
from tests.kits.cluster import RedisClusterServer

TOKEN = "nmv_usr_bench_operator"


@dataclass(frozen=True)
class Targets:
    """What a run must show: completed-to-delivered p50 and p99 under these seconds,
    no render polled more often than `polls` (None: not checked), and each worker
    process's peak RSS under `rss_mb`."""

    name: str
    p50: float
    p99: float
    polls: int | None
    rss_mb: float


#: the default run (1,000 renders): p99 under the 30 s poll ceiling
DEFAULT_TARGETS = Targets("default run", 5.0, 30.0, None, 100.0)
#: ten times the load (10,000 renders or more, two worker processes)
TENFOLD_TARGETS = Targets("10x run", 2.5, 10.0, 8, 150.0)

#: half a second of a colour: the smallest exportable project
TINY_DRAFT: dict[str, Any] = {
    "d": 500,
    "m": {"title": "Bench", "width": 64, "height": 64},
    "t": [
        {
            "tt": 0,
            "n": "colour",
            "sg": [
                {
                    "s": 0,
                    "d": 500,
                    "n": "c.mp4",
                    "kind": "video",
                    "gen": {"type": "video", "source": "color", "color": "blue", "duration": 0.5},
                },
            ],
        }
    ],
}


# --------------------------------------------------------------------- the simulator


class StampedLog(list[dict[str, Any]]):
    """The simulator's request log, each request stamped with its arrival time."""

    def append(self, record: dict[str, Any]) -> None:
        """Stamp and keep the record."""
        record["at"] = time.time()
        super().append(record)


def _render_report(sim: Any) -> dict[str, tuple[str, float | None, float | None]]:
    """Each render's status, completion time and the arrival of the first poll after
    its completion."""
    polls: dict[str, list[float]] = collections.defaultdict(list)
    for request in sim.requests:
        if request["kind"] == "render_poll":
            polls[request["path"].rsplit("/", 1)[-1]].append(request["at"])
    report: dict[str, tuple[str, float | None, float | None]] = {}
    for rid, job in sim.store.renders.items():
        done = job.completed_at
        seen = min((at for at in polls[rid] if done and at >= done), default=None)
        report[rid] = (job.status, done, seen)
    return report


def _serve(conn: Connection, concurrency: int) -> None:
    """Child process: the simulator, driven by commands from the parent."""
    from core.simulator import Fault, SimConfig, Simulator

    async def main() -> None:
        config = SimConfig(
            render_width=64,
            render_height=64,
            render_seconds=1.0,
            render_concurrency=concurrency,
            operator_tokens=[TOKEN],
        )
        sim = Simulator(config)
        sim.requests = StampedLog()
        conn.send(await sim.start("127.0.0.1", 0))
        loop = asyncio.get_running_loop()
        while True:
            kind, payload = await loop.run_in_executor(None, conn.recv)
            if kind == "stop":
                break
            if kind == "drafts":
                for session_id in payload:
                    sim.store.sessions[session_id].draft = dict(TINY_DRAFT)
                conn.send(len(payload))
            elif kind == "durations":
                for seconds in payload:
                    sim.inject(Fault("render_slow", seconds=seconds))
                conn.send(len(payload))
            elif kind == "report":
                conn.send(_render_report(sim))
            elif kind == "requests":
                counts: dict[str, int] = {}
                for request in sim.requests:
                    counts[request["kind"]] = counts.get(request["kind"], 0) + 1
                conn.send(counts)
            elif kind == "polls":
                per_render = collections.Counter(
                    r["path"] for r in sim.requests if r["kind"] == "render_poll"
                )
                conn.send(sorted(per_render.values()))
            elif kind == "cost":
                conn.send((cpu_seconds(), peak_rss_mb(), sim.renderer.outputs.encoded))
        await sim.stop()

    asyncio.run(main())


@contextmanager
def simulator_process(concurrency: int) -> Iterator[tuple[str, Connection]]:
    """The simulator in its own process; yields its base URL and the command pipe."""
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    process = ctx.Process(target=_serve, args=(child, concurrency), daemon=True)
    process.start()
    try:
        if not parent.poll(60):
            raise RuntimeError("the simulator did not start within 60 s")
        yield str(parent.recv()), parent
    finally:
        parent.send(("stop", None))
        process.join(15)
        if process.is_alive():
            process.terminate()
            process.join(5)


def ask(conn: Connection, kind: str, payload: Any = None) -> Any:
    """Send the simulator process a command and return its answer."""
    conn.send((kind, payload))
    if not conn.poll(120):
        raise RuntimeError(f"the simulator did not answer {kind!r}")
    return conn.recv()


# ------------------------------------------------------------------------ the adapter


class TimingOutput(Outgoing):
    """An adapter that sends nothing anywhere and notes when each video arrived."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix  # message ids stay distinct across worker processes
        self.delivered_at: dict[str, float] = {}
        self.file_bytes = 0
        self.edits = 0
        self.texts = 0
        self._next = 0

    def max_file_size(self, chat: ChatKey) -> int | None:
        """Like a Telegram bot on the cloud Bot API."""
        return 50 * 1024 * 1024

    def _id(self) -> str:
        self._next += 1
        return f"{self.prefix}{self._next}"

    async def send_text(self, chat: ChatKey, text: str, buttons: tuple[Button, ...] = (), *,
                        reply_to: str | None = None) -> Sent:
        """Count it."""
        self.texts += 1
        return Sent(self._id())

    async def edit_text(
        self, chat: ChatKey, sent: Sent, text: str, buttons: tuple[Button, ...] = ()
    ) -> Sent:
        """Count it."""
        self.edits += 1
        return sent

    async def send_file(
        self,
        chat: ChatKey,
        path: Path,
        filename: str,
        caption: str = "",
        buttons: tuple[Button, ...] = (),
        *,
        reply_to: str | None = None,
    ) -> Sent:
        """Note the time; the file is read once, as an upload would."""
        message_id = self._id()
        self.delivered_at[message_id] = time.time()
        self.file_bytes += len(await asyncio.to_thread(path.read_bytes))
        return Sent(message_id)

    async def send_link(
        self, chat: ChatKey, text: str, url: str, label: str, buttons: tuple[Button, ...] = (),
        *, reply_to: str | None = None,
    ) -> Sent:
        """Note the time."""
        message_id = self._id()
        self.delivered_at[message_id] = time.time()
        return Sent(message_id)


class LogCounter(logging.Handler):
    """Counts the warnings and errors the render worker logs (rate limits, failed steps)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.warnings = 0
        self.errors = 0

    def emit(self, record: logging.LogRecord) -> None:
        """Count the record."""
        if record.levelno >= logging.ERROR:
            self.errors += 1
        else:
            self.warnings += 1


# -------------------------------------------------------------------------- the run


def percentile(values: list[float], fraction: float) -> float:
    """The value below which `fraction` of `values` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def cpu_seconds() -> float:
    """User plus system CPU time of this process (children excluded)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def redis_counters(redis: Any) -> tuple[int, dict[str, int]]:
    """Commands processed so far, in total and per command (over every node of a
    cluster; per node as "node <port>")."""
    if not isinstance(redis, RedisCluster):
        return await _node_counters(redis)
    total, per = 0, collections.Counter[str]()
    for node in redis.get_primaries():
        client = aioredis.Redis(host=node.host, port=node.port)
        try:
            commands, calls = await _node_counters(client)
        finally:
            await client.aclose()
        total += commands
        per.update(calls)
        per[f"node {node.port}"] += commands
    return total, dict(per)


async def _node_counters(redis: aioredis.Redis) -> tuple[int, dict[str, int]]:
    stats = await redis.info("stats")
    commands = await redis.info("commandstats")
    per = {
        name.removeprefix("cmdstat_"): int(value["calls"])
        for name, value in commands.items()
        if isinstance(value, dict)
    }
    return int(stats["total_commands_processed"]), per


# ------------------------------------------------------------------------ the workers


@dataclass
class WorkerReport:
    """What one worker did: its deliveries (message id -> time), and what it cost."""

    name: str
    delivered_at: dict[str, float]
    file_bytes: int
    edits: int
    warnings: int
    errors: int
    #: CPU seconds from the worker's start to its stop
    cpu: float
    rss_mb: float
    #: wall-clock seconds from the worker's start to its stop
    seconds: float
    #: peak RSS when the worker was ready (before any job), and the most jobs it held
    rss_ready_mb: float = 0.0
    held_most: int = 0


def peak_rss_mb() -> float:
    """This process's peak resident memory so far: VmHWM where /proc has it (getrusage's
    ru_maxrss would count the parent's memory at the fork before a spawned child's exec)."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_parts(
    name: str, redis_url: str, api_url: str
) -> tuple[aioredis.Redis, NemoClient, TimingOutput, LogCounter, RenderWorker]:
    """A render worker named `name` with the default settings, delivering to a
    `TimingOutput`, its warnings counted."""
    values: dict[str, Any] = {"_env_file": None, "nemo_api_url": api_url, "nemo_token": TOKEN}
    settings = Settings(**values)
    redis = redis_client(redis_url)
    nemo = NemoClient(settings)
    identities = Identities(SessionStore(redis), nemo, settings.nemo_token)
    out = TimingOutput(prefix=f"{name}:")
    logged = LogCounter()
    logging.getLogger("core.renders").addHandler(logged)
    worker = RenderWorker(
        "bench", name, out, redis=redis, nemo=nemo, identities=identities, settings=settings
    )
    return redis, nemo, out, logged, worker


class LocalWorker:
    """One render worker in this process (the default, --workers 1)."""

    def __init__(self, redis_url: str, api_url: str) -> None:
        self.redis, self.nemo, self.out, self.logged, self.worker = worker_parts(
            "bench-1", redis_url, api_url
        )
        self._task: asyncio.Task[None] | None = None
        self._cpu = 0.0
        self._started = 0.0

    async def start(self) -> None:
        """Run the worker until `stop`."""
        self._task = asyncio.create_task(self.worker.run())
        await self.worker.ready.wait()
        self._cpu = cpu_seconds()
        self._started = time.monotonic()

    async def status(self) -> tuple[int, int]:
        """Videos delivered so far, renders in flight."""
        return len(self.out.delivered_at), self.worker.in_flight

    async def stop(self) -> list[WorkerReport]:
        """Stop the worker; its report."""
        await self.worker.stop()
        if self._task is not None:
            await self._task
        await self.nemo.aclose()
        await self.redis.aclose()
        out, logged = self.out, self.logged
        return [
            WorkerReport(
                "bench-1", out.delivered_at, out.file_bytes, out.edits, logged.warnings,
                logged.errors, cpu_seconds() - self._cpu, peak_rss_mb(),
                time.monotonic() - self._started,
            )
        ]


def _work(conn: Connection, name: str, redis_url: str, api_url: str, log_level: str) -> None:
    """Child process: one render worker, driven by commands from the parent."""
    logging.basicConfig(level=log_level, format="%(asctime)s %(levelname)s %(message)s")

    async def main() -> None:
        redis, nemo, out, logged, worker = worker_parts(name, redis_url, api_url)
        task = asyncio.create_task(worker.run())
        await worker.ready.wait()
        cpu_start = cpu_seconds()
        rss_ready = peak_rss_mb()
        started = time.monotonic()
        conn.send("ready")
        loop = asyncio.get_running_loop()
        held_most = 0
        while (await loop.run_in_executor(None, conn.recv)) == "status":
            held_most = max(held_most, worker.in_flight)
            conn.send((len(out.delivered_at), worker.in_flight))
        await worker.stop()
        await task
        await nemo.aclose()
        await redis.aclose()
        report = WorkerReport(
            name, out.delivered_at, out.file_bytes, out.edits, logged.warnings,
            logged.errors, cpu_seconds() - cpu_start, peak_rss_mb(), time.monotonic() - started,
            rss_ready, held_most,
        )
        conn.send(dataclasses.asdict(report))

    asyncio.run(main())


class ProcessWorkers:
    """`count` render workers, each in a process of its own (--workers 2 and more)."""

    def __init__(self, count: int, redis_url: str, api_url: str, log_level: str) -> None:
        ctx = mp.get_context("spawn")
        self.conns: list[Connection] = []
        self.processes: list[Any] = []
        for index in range(1, count + 1):
            parent, child = ctx.Pipe()
            process = ctx.Process(
                target=_work, args=(child, f"bench-{index}", redis_url, api_url, log_level),
                daemon=True,
            )
            self.conns.append(parent)
            self.processes.append(process)

    async def start(self) -> None:
        """Start the processes and wait until each worker is ready."""
        for process in self.processes:
            process.start()
        for conn in self.conns:
            if not await asyncio.to_thread(conn.poll, 60) or conn.recv() != "ready":
                raise RuntimeError("a worker process did not start within 60 s")

    async def status(self) -> tuple[int, int]:
        """Videos delivered so far, renders in flight, over every worker."""
        delivered = in_flight = 0
        for conn in self.conns:
            conn.send("status")
            if not await asyncio.to_thread(conn.poll, 60):
                raise RuntimeError("a worker process did not answer")
            done, flying = conn.recv()
            delivered += done
            in_flight += flying
        return delivered, in_flight

    async def stop(self) -> list[WorkerReport]:
        """Stop every worker; their reports."""
        reports = []
        for conn in self.conns:
            conn.send("stop")
        for conn, process in zip(self.conns, self.processes, strict=True):
            if not await asyncio.to_thread(conn.poll, 120):
                raise RuntimeError("a worker process did not stop")
            reports.append(WorkerReport(**conn.recv()))
            process.join(15)
        return reports


# -------------------------------------------------------------------------- the run


async def bench(args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    with (
        simulator_process(args.sim_concurrency) as (api_url, conn),
        tempfile.TemporaryDirectory(prefix="render-fanout-") as tmp,
    ):
        server: EmbeddedRedis | RedisClusterServer
        if args.cluster:
            server = RedisClusterServer(Path(tmp) / "cluster").start()
            url = server.url.replace("redis://", "redis+cluster://", 1)
        else:
            server = EmbeddedRedis(Path(tmp) / "redis").start()
            url = server.url
        try:
            return await _run(args, rng, api_url, conn, url)
        finally:
            server.stop()


async def _run(
    args: argparse.Namespace,
    rng: random.Random,
    api_url: str,
    conn: Connection,
    redis_url: str,
) -> int:
    values: dict[str, Any] = {"_env_file": None, "nemo_api_url": api_url, "nemo_token": TOKEN}
    settings = Settings(**values)
    redis = redis_client(redis_url)
    nemo = NemoClient(settings)
    identities = Identities(SessionStore(redis), nemo, settings.nemo_token)
    out = TimingOutput(prefix="export:")
    renders = Renders(redis, nemo, identities, out)
    creds = Credentials(SecretStr(TOKEN))

    print(f"simulator {api_url}, redis {redis_url}")
    print(
        f"{args.renders} renders over {args.chats} chats, each taking "
        f"{args.min_seconds:g}-{args.max_seconds:g} s; {args.workers} worker "
        f"process(es){' (this one)' if args.workers == 1 else ''}; poll schedule "
        f"{settings.render_first_poll:g} s x{settings.render_poll_factor:g} "
        f"up to {settings.render_poll_max:g} s"
    )
    chats = [ChatKey("bench", str(10_000 + i)) for i in range(args.chats)]
    # Every export has a project of its own: a chat exporting an unchanged draft again
    # gets the earlier video sent again, not a new render.
    opening = asyncio.Semaphore(16)

    async def project() -> ChatSession:
        async with opening:
            created = await nemo.create_session(creds, "en")
        return ChatSession(session_id=created.session_id, task_id=created.task_id)

    sessions = await asyncio.gather(*(project() for _ in range(args.renders)))
    ask(conn, "drafts", [s.session_id for s in sessions])
    ask(
        conn,
        "durations",
        [rng.uniform(args.min_seconds, args.max_seconds) for _ in range(args.renders)],
    )

    workers: LocalWorker | ProcessWorkers = (
        LocalWorker(redis_url, api_url)
        if args.workers == 1
        else ProcessWorkers(args.workers, redis_url, api_url, args.log_level)
    )
    await workers.start()

    started = time.monotonic()
    cpu_start = cpu_seconds()
    sim_cpu_start = ask(conn, "cost")[0]
    user = User("bench", "Bench")
    gate = asyncio.Semaphore(16)

    async def export(i: int) -> None:
        async with gate:
            chat = chats[i % len(chats)]
            result = await renders.export(chat, user, sessions[i], "en")
            if not result.started:
                raise RuntimeError(f"export {i} did not start: {result}")

    await asyncio.gather(*(export(i) for i in range(args.renders)))
    submitted = time.monotonic()
    commands_start, per_start = await redis_counters(redis)
    cpu_submitted = cpu_seconds()
    print(f"submitted {args.renders} renders in {submitted - started:.1f} s")

    patience = args.patience if args.patience is not None else args.max_seconds + 300
    deadline = submitted + patience
    next_report = time.monotonic() + 15
    delivered, in_flight = await workers.status()
    while delivered < args.renders:
        if time.monotonic() > deadline:
            print(f"gave up: {delivered} of {args.renders} delivered")
            break
        if time.monotonic() >= next_report:
            polls = ask(conn, "requests").get("render_poll", 0)
            print(
                f"  t+{time.monotonic() - submitted:5.0f} s: {delivered} "
                f"delivered, {in_flight} in flight, {polls} polls"
            )
            next_report += 15
            if in_flight == 0 and sum((await _job_states(redis, renders)).values()) >= (
                args.renders
            ):
                print("every job has ended; not all were delivered")
                break
        await asyncio.sleep(0.5)
        delivered, in_flight = await workers.status()
    finished = time.monotonic()
    commands_end, per_end = await redis_counters(redis)
    cpu_end = cpu_seconds()

    reports = await workers.stop()
    report = ask(conn, "report")
    requests = ask(conn, "requests")
    delivered_at = {mid: at for r in reports for mid, at in r.delivered_at.items()}

    jobs = await _jobs(renders)
    delays: list[float] = []
    late: list[float] = []  # of renders that completed after the last export
    seen: list[float] = []  # completed -> the first poll after it
    handed: list[float] = []  # that poll -> delivered
    worst: list[tuple[float, float, float, float, str]] = []
    submitted_wall = time.time() - (time.monotonic() - submitted)
    for job in jobs.values():
        if job is None or job.delivered_message not in delivered_at:
            continue
        status, completed_at, seen_at = report.get(job.render_id, (None, None, None))
        if status == "completed" and completed_at:
            delay = delivered_at[job.delivered_message] - completed_at
            delays.append(delay)
            if completed_at >= submitted_wall:
                late.append(delay)
            if seen_at is not None:
                seen.append(seen_at - completed_at)
                handed.append(delivered_at[job.delivered_message] - seen_at)
            worst.append((
                delay, completed_at - submitted_wall, completed_at - job.created_at,
                (seen_at or completed_at) - completed_at, job.id,
            ))
    await nemo.aclose()
    await redis.aclose()

    window = finished - submitted
    used = {k: per_end.get(k, 0) - per_start.get(k, 0) for k in per_end}
    busiest = sorted(((n, k) for k, n in used.items() if not k.startswith("node ")),
                     reverse=True)[:8]
    per_node = sorted((k, n) for k, n in used.items() if k.startswith("node "))
    print()
    print(
        f"delivered {len(delivered_at)} of {args.renders} in {window:.1f} s after "
        f"submission ({sum(r.file_bytes for r in reports) / 1e6:.1f} MB of files)"
    )
    if delays:
        print(
            "completed -> delivered: "
            f"p50 {percentile(delays, 0.50):.2f} s, p90 {percentile(delays, 0.90):.2f} s, "
            f"p99 {percentile(delays, 0.99):.2f} s, max {max(delays):.2f} s, "
            f"mean {statistics.fmean(delays):.2f} s"
        )
    if late:
        print(
            f"  of the {len(late)} completed after the last export: "
            f"p50 {percentile(late, 0.50):.2f} s, p99 {percentile(late, 0.99):.2f} s, "
            f"max {max(late):.2f} s"
        )
    if seen:
        print(
            f"  completed -> first poll after it: p50 {percentile(seen, 0.50):.2f} s, "
            f"p99 {percentile(seen, 0.99):.2f} s, max {max(seen):.2f} s; that poll -> "
            f"delivered: p50 {percentile(handed, 0.50):.2f} s, p99 "
            f"{percentile(handed, 0.99):.2f} s, max {max(handed):.2f} s"
        )
    for delay, at, took, polled, job_id in sorted(worst, reverse=True)[:3]:
        print(
            f"  slowest: {delay:.1f} s (completed {at:+.0f} s after the last export, "
            f"{took:.0f} s after its export, polled {polled:.1f} s after; job {job_id})"
        )
    undelivered = collections.Counter(
        str(job.state) for job in jobs.values() if job is not None and job.delivered_message
        not in delivered_at
    )
    if undelivered:
        print(f"jobs not delivered, by state: {dict(undelivered)}")
    polls = requests.get("render_poll", 0)
    per_render = ask(conn, "polls") or [0]
    print(
        f"polls: {polls} ({polls / args.renders:.1f} per render; p50 "
        f"{percentile([float(n) for n in per_render], 0.5):.0f}, p99 "
        f"{percentile([float(n) for n in per_render], 0.99):.0f}, max {per_render[-1]}), "
        f"progress edits {sum(r.edits for r in reports) + out.edits}, worker warnings "
        f"{sum(r.warnings for r in reports)}, errors {sum(r.errors for r in reports)}; "
        f"simulator saw {requests}"
    )
    print(
        f"redis: {(commands_end - commands_start) / window:.1f} commands/s while in flight "
        f"({commands_end - commands_start} in {window:.0f} s); busiest: "
        + ", ".join(f"{name} {count}" for count, name in busiest)
    )
    if per_node:
        print("  per cluster node: " + ", ".join(f"{k} {n}" for k, n in per_node))
    rss_values = _print_costs(args, reports, window, cpu_start, cpu_submitted, cpu_end)
    sim_cpu, sim_rss, encoded = ask(conn, "cost")
    print(
        f"simulator process: cpu {sim_cpu - sim_cpu_start:.1f} s from the first export "
        f"({100 * (sim_cpu - sim_cpu_start) / (finished - started):.1f}% of one core), "
        f"peak memory (RSS) {sim_rss:.1f} MB, ffmpeg renders {encoded}"
    )
    return _judge(args, len(delivered_at), delays, per_render[-1], rss_values)


def _judge(
    args: argparse.Namespace, delivered: int, delays: list[float], most_polls: int,
    rss_values: list[float],
) -> int:
    """Print whether the run met its targets; the exit status."""
    targets = TENFOLD_TARGETS if args.renders >= 10_000 else DEFAULT_TARGETS
    ok = (
        delivered == args.renders
        and bool(delays)
        and percentile(delays, 0.5) < targets.p50
        and percentile(delays, 0.99) < targets.p99
        and (targets.polls is None or most_polls <= targets.polls)
        and max(rss_values) < targets.rss_mb
    )
    polls = f", at most {targets.polls} polls a render" if targets.polls else ""
    print(
        f"targets ({targets.name}: every render delivered, p50 under {targets.p50:g} s, "
        f"p99 under {targets.p99:g} s{polls}, peak RSS under {targets.rss_mb:g} MB a "
        f"worker process) {'met' if ok else 'NOT met'}"
    )
    return 0 if ok else 1


def _print_costs(
    args: argparse.Namespace,
    reports: list[WorkerReport],
    window: float,
    cpu_start: float,
    cpu_submitted: float,
    cpu_end: float,
) -> list[float]:
    """Print CPU and memory, per process; returns the peak RSS of each."""
    if args.workers == 1:
        print(
            f"cpu: {cpu_end - cpu_start:.1f} s in total ({cpu_submitted - cpu_start:.1f} s "
            f"submitting, {cpu_end - cpu_submitted:.1f} s polling and delivering, "
            f"{100 * (cpu_end - cpu_submitted) / window:.1f}% of one core)"
        )
        rss = peak_rss_mb()
        print(f"peak memory (RSS): {rss:.1f} MB")
        return [rss]
    print(
        f"this process (submitting, no worker): cpu {cpu_end - cpu_start:.1f} s "
        f"({cpu_submitted - cpu_start:.1f} s submitting), peak memory (RSS) "
        f"{peak_rss_mb():.1f} MB"
    )
    for r in reports:
        print(
            f"worker process {r.name}: delivered {len(r.delivered_at)}, cpu {r.cpu:.1f} s "
            f"in {r.seconds:.0f} s ({100 * r.cpu / r.seconds:.1f}% of one core), "
            f"peak memory (RSS) {r.rss_mb:.1f} MB ({r.rss_ready_mb:.1f} MB when ready; "
            f"{r.held_most} jobs held at most, "
            f"{1024 * (r.rss_mb - r.rss_ready_mb) / max(1, r.held_most):.1f} KB a job)"
        )
    return [r.rss_mb for r in reports]


async def _job_states(redis: aioredis.Redis, renders: Renders) -> dict[str, int]:
    """How many jobs have ended, by final state."""
    jobs = await _jobs(renders)
    ended = [job.state for job in jobs.values() if job is not None and job.state.finished]
    return {str(state): ended.count(state) for state in set(ended)}


async def _jobs(renders: Renders) -> dict[str, RenderJob | None]:
    """Every job, from the render hashes (finished jobs left their chats' sets)."""
    by_shard: dict[RenderShard, list[str]] = {}
    async for shard, job_id in renders.store.every_job():
        by_shard.setdefault(shard, []).append(job_id)
    jobs: dict[str, RenderJob | None] = {}
    for shard, ids in by_shard.items():
        jobs.update(await renders.store.load_many(shard, ids))
    return jobs


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--renders", type=int, default=1000)
    parser.add_argument("--chats", type=int, default=250)
    parser.add_argument("--min-seconds", type=float, default=10.0)
    parser.add_argument("--max-seconds", type=float, default=180.0)
    parser.add_argument(
        "--sim-concurrency", type=int, default=2, help="ffmpeg processes the simulator runs at once"
    )
    parser.add_argument(
        "--workers", type=int, default=1,
        help="render worker processes: 1 runs the worker in this process; more run each "
        "in a process of its own (this one only submits)",
    )
    parser.add_argument(
        "--patience", type=float, default=None,
        help="seconds to wait for the deliveries after the last export "
        "(default: --max-seconds + 300)",
    )
    parser.add_argument(
        "--cluster", action="store_true",
        help="a three-master Redis Cluster on loopback instead of one Redis",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--log-level", default="WARNING")
    args = parser.parse_args()
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(message)s")
    sys.exit(asyncio.run(bench(args)))


if __name__ == "__main__":
    main()
