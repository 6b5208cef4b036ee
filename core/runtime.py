"""Wiring one process: Redis, the NemoVideo client, the chats' state, the dispatcher
and the render jobs.

Every adapter (terminal, Telegram, Discord) starts the same pieces through
`open_runtime`, so start-up and shutdown are written once. Each piece is built
once, from what it uses, in dependency order.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import secrets
import signal
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import AnyHttpUrl

from core.access.setup import Access, build_access, token_cipher
from core.conversation.build import build_dispatcher
from core.conversation.dispatcher import Dispatcher
from core.embedded_redis import EmbeddedRedis, answers_ping, shut_down
from core.health import Health
from core.identity import Identities
from core.inbox import Inbox
from core.keys import Keys
from core.messages import AttachmentCodec
from core.nemo.client import NemoClient
from core.observed_redis import RedisClient, redis_client
from core.operations import operating
from core.outgoing import Outgoing
from core.renders import Renders, RenderWorker, stable_consumer_name
from core.screening import Screened
from core.settings import Settings
from core.signals import ChatSignals
from core.startup import require_simulator
from core.store import SessionStore

log = logging.getLogger(__name__)

#: the credits of a new account on the simulator the terminal chat starts (--simulate)
TRY_OUT_CREDITS = 1000


def stop_on_signals() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM (where the loop supports signal handlers)."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    return stop


def instance_name() -> str:
    """This process's name among the processes sharing Redis (locks, stop signals)."""
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(2)}"


@dataclass
class Runtime:
    """The started pieces of one process."""

    settings: Settings
    redis: RedisClient
    keys: Keys
    codec: AttachmentCodec
    sessions: SessionStore
    nemo: NemoClient
    renders: Renders
    worker: RenderWorker
    dispatcher: Dispatcher
    access: Access
    simulator_url: str | None = None
    _worker_task: asyncio.Task[None] | None = None
    #: readiness checks, and the health and metrics server when METRICS_PORT is set
    health: Health = field(default_factory=Health)

    @property
    def worker_running(self) -> bool:
        """True while the render worker runs."""
        return self._worker_task is not None and not self._worker_task.done()

    def start(self) -> None:
        """Start taking up chats left by earlier processes and polling and delivering this
        platform's renders (once the adapter can send)."""
        self.dispatcher.start()
        self.access.start()
        if self._worker_task is None:
            self._worker_task = asyncio.create_task(self.worker.run(),
                                                    name=f"{self.worker.platform} renders")

    async def stop(self, grace: float | None = None) -> None:
        """Let chat events being handled finish (up to `grace`, by default STOP_GRACE),
        then stop the render worker; what is unfinished stays in Redis for the next
        start."""
        if grace is None:
            grace = self.settings.stop_grace
        await self.dispatcher.stop(grace)
        await self.access.stop()
        task, self._worker_task = self._worker_task, None
        if task is None:
            return
        try:
            await asyncio.wait_for(self.worker.stop(), grace + 5.0)
        except TimeoutError:
            log.warning("the %s render worker did not stop in time; cancelling it",
                        self.worker.platform)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@contextlib.asynccontextmanager
async def embedded_redis(settings: Settings) -> AsyncIterator[str]:
    """The Redis URL to use: REDIS_URL, or an embedded server under the data directory.

    An embedded server already running for the same directory (another
    terminal) is shared rather than started twice. Every process using it holds a
    shared lock on `users.lock` beside it (released by the system when a process
    dies); the last one to leave, whichever started it, stops it.
    """
    if settings.redis_url is not None:
        yield settings.redis_url.get_secret_value()
        return
    directory = settings.data_home / "redis"
    directory.mkdir(parents=True, exist_ok=True)
    port_file = directory / "port"
    with (directory / "users.lock").open("a") as users:
        fcntl.flock(users, fcntl.LOCK_SH)  # waits while a last user stops the server
        port = int(port_file.read_text().strip() or 0) if port_file.exists() else 0
        if port and answers_ping("127.0.0.1", port):
            log.info("using the embedded Redis already running on port %d", port)
        else:
            port = EmbeddedRedis(directory).start().port
            port_file.write_text(str(port))
            log.info("started the embedded Redis on port %d (data in %s)", port, directory)
        try:
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            try:
                fcntl.flock(users, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                log.info("the embedded Redis stays up for the other processes using it")
            else:
                shut_down("127.0.0.1", port)
                port_file.unlink(missing_ok=True)


async def _start_simulator(stack: contextlib.AsyncExitStack,
                           settings: Settings) -> tuple[Settings, str]:
    """Start the simulator (stopped with `stack`): the settings pointed at it, and its URL."""
    require_simulator()
    from core.simulator import SimConfig, Simulator

    # kept beside the embedded Redis, so a second run continues the same project
    # a try-out, not a trial account: enough credits for a few projects (NemoVideo's
    # anonymous accounts start with 100, two first edits)
    simulator = Simulator(SimConfig(initial_credits=TRY_OUT_CREDITS),
                          data_dir=settings.data_home / "simulator", persist=True)
    simulator_url = await simulator.start("127.0.0.1", 0)
    stack.push_async_callback(simulator.stop)
    # the simulator also serves the web pages (project and registration links)
    url = AnyHttpUrl(simulator_url)
    return settings.model_copy(update={"nemo_api_url": url, "nemo_web_url": url}), simulator_url


@contextlib.asynccontextmanager
async def open_runtime(settings: Settings, out: Outgoing, *, platform: str,
                       simulate: bool = False, consumer: str | None = None,
                       tmp_dir: Path | None = None,
                       trust_everyone: bool = False,
                       probe_backend: bool = False) -> AsyncIterator[Runtime]:
    """Start Redis (or connect), the simulator when asked, the client, the dispatcher and
    the platform's render jobs. `Runtime.start()` starts the background work; it is
    stopped when the block ends. With `trust_everyone` (a terminal, used by whoever
    runs the bot) no access rule or quota applies. With `probe_backend` (the `nemobot`
    commands), an unreachable NemoVideo is reported once at start."""
    out = Screened(out)  # no token, nor a character no platform takes, reaches a chat
    async with contextlib.AsyncExitStack() as stack:
        simulator_url = None
        if simulate:
            settings, simulator_url = await _start_simulator(stack, settings)
        redis_url = await stack.enter_async_context(embedded_redis(settings))
        redis = redis_client(redis_url, cluster=settings.redis_cluster)
        stack.push_async_callback(redis.aclose)
        keys = Keys(render_shards=settings.render_shards)
        codec, instance = AttachmentCodec(), instance_name()
        cipher = token_cipher(settings)
        sessions = SessionStore(redis, keys=keys, idle_ttl=settings.session_idle_ttl,
                                lock_ttl=settings.chat_lock_ttl, owner=instance, cipher=cipher)
        inbox = Inbox(redis, keys=keys, idle_ttl=settings.session_idle_ttl, codec=codec,
                      most=settings.chat_queue_max)
        nemo = NemoClient(settings)
        stack.push_async_callback(nemo.aclose)
        identities = Identities(sessions, nemo, settings.nemo_token)
        renders = Renders(redis, nemo, identities, out, keys=keys)
        worker = RenderWorker(platform, consumer or stable_consumer_name(platform, settings), out,
                              redis=redis, nemo=nemo, identities=identities,
                              settings=settings, keys=keys, tmp_dir=tmp_dir)
        access = build_access(settings, redis=redis, keys=keys, nemo=nemo,
                              identities=identities, out=out, platform=platform,
                              link_enabled=cipher is not None,
                              trust_everyone=trust_everyone)
        dispatcher = build_dispatcher(settings, sessions=sessions, inbox=inbox, nemo=nemo,
                                      identities=identities, out=out, renders=renders,
                                      signals=ChatSignals(redis, instance, keys=keys),
                                      middlewares=access.middlewares,
                                      operator_told=access.alerts.reaches_operator,
                                      link_enabled=cipher is not None,
                                      is_admin=access.rules.is_admin)
        runtime = Runtime(settings, redis, keys, codec, sessions, nemo, renders, worker,
                          dispatcher, access, simulator_url)
        await stack.enter_async_context(
            operating(runtime, platform, probe_backend=probe_backend))
        stack.push_async_callback(runtime.stop)
        yield runtime
