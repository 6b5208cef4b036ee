"""Helpers of the render tests: settings, a tiny project, waiting, and outputs that
keep what they were sent (in memory, or in a directory another process can fill)."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import os
import shutil
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis
import redis.exceptions

from core.collecting import CollectingOutput, Record
from core.identity import Identities
from core.keys import Keys
from core.messages import ChatKey, User
from core.nemo.client import NemoClient
from core.nemo.models import Credentials
from core.outgoing import Button, Outgoing, Sent
from core.renders import JobState, JobStore, Renders, RenderWorker
from core.renders.job_record import RenderJob
from core.renders.service import ExportResult
from core.settings import Settings
from core.simulator import Simulator
from core.store import ChatSession, SessionStore
from tests.waiting import wait_until

OPERATOR_TOKEN = "nmv_usr_operator_for_tests"

#: half a second of red: the smallest exportable project
TINY_DRAFT: dict[str, Any] = {
    "d": 500,
    "m": {"title": "Red", "width": 320, "height": 180},
    "t": [{"tt": 0, "n": "red", "sg": [
        {"s": 0, "d": 500, "n": "red.mp4", "kind": "video",
         "gen": {"type": "video", "source": "color", "color": "red", "duration": 0.5}},
    ]}],
}

FAST: dict[str, Any] = {
    "render_first_poll": 0.05,
    "render_poll_factor": 1.5,
    "render_poll_max": 0.2,
    "render_poll_min": 0.05,
    "render_claim_idle": 1.0,
    "render_submit_grace": 1.0,
    "edit_interval": 0.0,
    "render_edit_interval": 0.5,
    "nemo_retry_backoff": 0.01,
    "nemo_retry_backoff_max": 0.02,
}


def render_settings(api_url: str, **overrides: Any) -> Settings:
    """Settings for the simulator at `api_url` with fast render schedules (no `.env`)."""
    values: dict[str, Any] = {"_env_file": None, "nemo_api_url": api_url,
                              "nemo_token": OPERATOR_TOKEN, **FAST, **overrides}
    return Settings(**values)


async def new_project(nemo: NemoClient, sessions: dict[str, Any],
                      draft: dict[str, Any] | None = None) -> ChatSession:
    """A NemoVideo project whose draft is `draft` (the tiny one by default);
    `sessions` is the simulator's session table (`simulator.store.sessions`)."""
    creds = Credentials(_secret(OPERATOR_TOKEN))
    created = await nemo.create_session(creds, "en")
    sessions[created.session_id].draft = dict(TINY_DRAFT if draft is None else draft)
    return ChatSession(session_id=created.session_id, task_id=created.task_id)


def _secret(value: str) -> Any:
    from pydantic import SecretStr

    return SecretStr(value)


async def wait_for(predicate: Callable[[], Any], within: float = 20.0,
                   what: str = "condition") -> Any:
    """Wait until `predicate()` (sync or async) is truthy; fail after `within` seconds."""
    return await wait_until(predicate, within=within, what=what)


class KeepingOutput(CollectingOutput):
    """A `CollectingOutput` that also keeps the bytes of every file it is sent."""

    def __init__(self, file_limit: int | None = 50 * 1024 * 1024) -> None:
        super().__init__(file_limit=file_limit)
        self.files: dict[str, bytes] = {}

    async def send_file(self, chat: ChatKey, path: Path, filename: str, caption: str = "",
                        buttons: tuple[Button, ...] = (), *, reply_to: str | None = None) -> Sent:
        """Record the file and keep its bytes."""
        sent = await super().send_file(chat, path, filename, caption, buttons,
                                       reply_to=reply_to)
        self.files[sent.message_id] = path.read_bytes()
        return sent

    def of_kind(self, kind: str, chat: ChatKey | None = None) -> list[Record]:
        """The records of one kind (text, edit, file, link)."""
        return [r for r in self.records if r.kind == kind and (chat is None or r.chat == chat)]


class Tap(Outgoing):
    """Forwards to a shared output and notes the kinds of what went through it, so a
    test can tell which worker edited or delivered what."""

    def __init__(self, shared: KeepingOutput) -> None:
        self.shared = shared
        self.kinds: list[str] = []

    def max_file_size(self, chat: ChatKey) -> int | None:
        """The shared output's limit."""
        return self.shared.max_file_size(chat)

    async def send_text(self, chat: ChatKey, text: str,
                        buttons: tuple[Button, ...] = (), *, reply_to: str | None = None) -> Sent:
        """Forward a message."""
        self.kinds.append("text")
        return await self.shared.send_text(chat, text, buttons, reply_to=reply_to)

    async def edit_text(self, chat: ChatKey, sent: Sent, text: str,
                        buttons: tuple[Button, ...] = ()) -> Sent:
        """Forward an edit."""
        self.kinds.append("edit")
        return await self.shared.edit_text(chat, sent, text, buttons)

    async def send_file(self, chat: ChatKey, path: Path, filename: str, caption: str = "",
                        buttons: tuple[Button, ...] = (), *, reply_to: str | None = None) -> Sent:
        """Forward a file."""
        self.kinds.append("file")
        return await self.shared.send_file(chat, path, filename, caption, buttons,
                                           reply_to=reply_to)

    async def send_link(self, chat: ChatKey, text: str, url: str, label: str,
                        buttons: tuple[Button, ...] = (), *, reply_to: str | None = None) -> Sent:
        """Forward a link."""
        self.kinds.append("link")
        return await self.shared.send_link(chat, text, url, label, buttons, reply_to=reply_to)


class DirOutgoing(Outgoing):
    """Writes every call as a JSON file into a directory (atomically), so a test can
    count what a worker in another process delivered (and which message it answered:
    `reply_to`); files are copied along."""

    def __init__(self, directory: Path, file_limit: int | None = 50 * 1024 * 1024) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.file_limit = file_limit

    def max_file_size(self, chat: ChatKey) -> int | None:
        """The configured limit."""
        return self.file_limit

    def _write(self, kind: str, chat: ChatKey, **values: Any) -> Sent:
        mid = values.pop("message_id", None) or uuid.uuid4().hex
        record = {"kind": kind, "chat": str(chat), "message_id": mid, "pid": os.getpid(),
                  "at": time.time(), **values}
        name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}-{kind}.json"
        partial = self.directory / f".{name}.part"
        partial.write_text(json.dumps(record))
        partial.replace(self.directory / name)
        return Sent(mid)

    async def send_text(self, chat: ChatKey, text: str,
                        buttons: tuple[Button, ...] = (), *, reply_to: str | None = None) -> Sent:
        """Record a message."""
        return self._write("text", chat, text=text, buttons=_buttons(buttons),
                           reply_to=reply_to)

    async def edit_text(self, chat: ChatKey, sent: Sent, text: str,
                        buttons: tuple[Button, ...] = ()) -> Sent:
        """Record an edit."""
        return self._write("edit", chat, message_id=sent.message_id, text=text,
                           buttons=_buttons(buttons))

    async def send_file(self, chat: ChatKey, path: Path, filename: str, caption: str = "",
                        buttons: tuple[Button, ...] = (), *, reply_to: str | None = None) -> Sent:
        """Copy the file, then record it."""
        kept = self.directory / "files" / f"{uuid.uuid4().hex}-{filename}"
        kept.parent.mkdir(exist_ok=True)
        shutil.copyfile(path, kept)
        return self._write("file", chat, text=caption, path=str(kept), buttons=_buttons(buttons),
                           reply_to=reply_to)

    async def send_link(self, chat: ChatKey, text: str, url: str, label: str,
                        buttons: tuple[Button, ...] = (), *, reply_to: str | None = None) -> Sent:
        """Record a link."""
        return self._write("link", chat, text=text, url=url, buttons=_buttons(buttons),
                           reply_to=reply_to)


def read_records(directory: Path) -> list[dict[str, Any]]:
    """Every record a `DirOutgoing` wrote, oldest first."""
    return [json.loads(p.read_text()) for p in sorted(directory.glob("*.json"))]


def _buttons(buttons: tuple[Button, ...]) -> list[dict[str, Any]]:
    return [{"label": b.label, "action": b.action.value if b.action else None, "url": b.url}
            for b in buttons]


@contextlib.asynccontextmanager
async def running(worker: RenderWorker) -> AsyncIterator[RenderWorker]:
    """Run a worker for the duration of the block; it is stopped afterwards."""
    task = asyncio.create_task(worker.run())
    try:
        await wait_for(lambda: worker.ready.is_set() or task.done(), 10, "the worker to start")
        if task.done():
            task.result()
        yield worker
    finally:
        await worker.stop()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def all_jobs(store: JobStore) -> list[RenderJob]:
    """Every render job in Redis (finished ones included), in every shard."""
    found = [(shard, job_id) async for shard, job_id in store.every_job()]
    jobs = [await store.load(shard, job_id) for shard, job_id in found]
    return [job for job in jobs if job is not None]


async def job_states(store: JobStore) -> collections.Counter[JobState]:
    """How many render jobs in Redis are in each state (finished ones included)."""
    return collections.Counter(job.state for job in await all_jobs(store))


async def load_job(store: JobStore, job_id: str) -> RenderJob | None:
    """A job known by its id only, wherever its shard is; None when it is gone."""
    async for shard, found in store.every_job():
        if found == job_id:
            return await store.load(shard, job_id)
    return None


def make_worker(consumer: str, outgoing: Outgoing, *, redis: Any, nemo: NemoClient,
                identities: Identities, settings: Settings, platform: str = "test",
                **kwargs: Any) -> RenderWorker:
    """A worker for the test platform."""
    return RenderWorker(platform, consumer, outgoing, redis=redis, nemo=nemo,
                        identities=identities, settings=settings, **kwargs)


USER = User("u1", "Ann")
KEYS = Keys()


@dataclass
class Kit:
    """Everything a render test needs, wired to one Redis and one simulator."""

    sim: Simulator
    redis: aioredis.Redis
    settings: Settings
    nemo: NemoClient
    identities: Identities
    out: KeepingOutput
    renders: Renders
    #: the Redis URL (redis+cluster:// for a cluster), for worker processes
    url: str = ""

    def worker(self, consumer: str = "w1", outgoing: Outgoing | None = None,
               **kwargs: Any) -> RenderWorker:
        return make_worker(consumer, outgoing or self.out, redis=self.redis, nemo=self.nemo,
                           identities=self.identities, settings=self.settings, **kwargs)

    async def project(self, draft: dict[str, Any] | None = None) -> ChatSession:
        return await new_project(self.nemo, self.sim.store.sessions, draft)

    async def job(self, job_id: str) -> RenderJob:
        job = await load_job(self.renders.store, job_id)
        assert job is not None
        return job

    def requests(self, kind: str) -> list[dict[str, Any]]:
        return [r for r in self.sim.requests if r["kind"] == kind]

    def submitted_ids(self) -> list[str]:
        return [r["path"] for r in self.requests("render_submit")]


async def make_kit(sim: Simulator, redis: Any, out: KeepingOutput | None = None, *,
                   url: str = "", **overrides: Any) -> Kit:
    sim.config.operator_tokens = [OPERATOR_TOKEN]
    settings = render_settings(sim.base_url, **overrides)
    nemo = NemoClient(settings)
    identities = Identities(SessionStore(redis), nemo, settings.nemo_token)
    out = out or KeepingOutput()
    return Kit(sim, redis, settings, nemo, identities, out,
               Renders(redis, nemo, identities, out), url)


async def finished(kit: Kit, job_id: str) -> RenderJob:
    """Wait until the job reached a final state, and return it."""
    async def done() -> RenderJob | None:
        try:
            job = await load_job(kit.renders.store, job_id)
        except redis.exceptions.ConnectionError:
            return None  # the test's own connection died with a Redis restart: ask again
        return job if job is not None and job.state.finished else None
    result: RenderJob = await wait_for(done, 30, f"job {job_id} to finish")
    return result


async def exported(kit: Kit, chat: ChatKey) -> tuple[ExportResult, RenderJob]:
    """Export the kit's project in `chat` with a worker running, until the job ends."""
    async with running(kit.worker()):
        result = await kit.renders.export(chat, USER, await kit.project())
        return result, await finished(kit, result.job_id or "")


async def assert_queue_empty(kit: Kit, chat: ChatKey) -> None:
    """No entry is left in any of the chat's platform's streams, none pending, and the
    chat has no live render."""
    for shard in KEYS.render_shards_of(chat.platform):
        stream = KEYS.render_stream(shard)
        assert await kit.redis.xlen(stream) == 0, stream
        pending = await kit.redis.xpending(stream, KEYS.render_group(chat.platform))
        assert pending["pending"] == 0, stream
    assert await kit.redis.scard(KEYS.chat_renders(chat)) == 0


def is_mp4(data: bytes) -> bool:
    return len(data) > 1000 and data[4:8] == b"ftyp"


# --------------------------------------------------------------------------- happy path


#: the repository (worker processes run from it)
ROOT = Path(__file__).resolve().parents[2]


async def start_worker_process(
        kit: Kit, redis_url: str, out_dir: Path, consumer: str = "", *,
        data_dir: Path | None = None) -> tuple[asyncio.subprocess.Process, str]:
    """`python -m tests.kits.render_worker_proc` against the same Redis and simulator, once
    it is ready; returns the process and its consumer name (without `consumer`, the
    name the runtime would give it under `data_dir`)."""
    overrides = {"render_claim_idle": kit.settings.render_claim_idle}
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    naming = ["--consumer", consumer] if consumer else ["--data-dir", str(data_dir)]
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.kits.render_worker_proc", "--redis", redis_url,
        "--api", kit.sim.base_url, "--out", str(out_dir), *naming,
        "--settings", json.dumps(overrides),
        cwd=str(ROOT), env=env, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL)
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), 30)
    ready, _, name = line.decode().strip().partition(" ")
    assert ready == "ready" and name, line
    return process, name
