"""Wiring one process: Redis, the NemoVideo client, the session store and the engine.

Every adapter (terminal, Telegram, Discord) starts the same pieces through
`open_runtime`, so start-up and shutdown are written once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import platformdirs
from pydantic import AnyHttpUrl

from core.conversation.engine import Conversation
from core.embedded_redis import EmbeddedRedis, answers_ping
from core.messages import ChatKey
from core.nemo.client import NemoClient
from core.outgoing import Outgoing
from core.renders import Renders, RenderWorker
from core.renders.service import RenderActions
from core.settings import Settings
from core.store import SessionStore

log = logging.getLogger(__name__)


def data_dir(settings: Settings) -> Path:
    """Where the embedded Redis keeps its data (DATA_DIR, else the user's data directory)."""
    return settings.data_dir or Path(platformdirs.user_data_dir("nemobot"))


def stop_on_signals() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM (where the loop supports signal handlers)."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    return stop


def consumer_name(platform: str) -> str:
    """This process's name in its platform's render group: stable across restarts of a
    container (same host name, same pid), so a restarted worker resumes its own jobs
    at once; distinct between processes."""
    return f"{platform}-{socket.gethostname()}-{os.getpid()}"


@dataclass
class Runtime:
    """The started pieces of one process."""

    settings: Settings
    store: SessionStore
    nemo: NemoClient
    engine: Conversation
    renders: Renders
    worker: RenderWorker
    simulator_url: str | None = None
    _worker_task: asyncio.Task[None] | None = None

    def start_worker(self) -> None:
        """Start polling and delivering this platform's renders (once the adapter can send)."""
        if self._worker_task is None:
            self._worker_task = asyncio.create_task(self.worker.run(),
                                                    name=f"{self.worker.platform} renders")

    async def stop_worker(self, grace: float = 10.0) -> None:
        """Stop the render worker; its jobs stay queued for the next start.

        The stop is bounded, and the task is cancelled afterwards.
        """
        task, self._worker_task = self._worker_task, None
        if task is None:
            return
        try:
            await asyncio.wait_for(self.worker.stop(), grace + 5.0)
        except TimeoutError:
            log.warning("the %s render worker did not stop in time; cancelling it",
                        self.worker.platform)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task

    async def resume(self, chats: list[ChatKey]) -> None:
        """Finish the queued and in-flight work a previous run left in these chats."""
        if chats:
            log.info("resuming %d conversation(s)", len(chats))
            await asyncio.gather(*(self.engine.drain(chat) for chat in chats))


@contextlib.asynccontextmanager
async def embedded_redis(settings: Settings) -> AsyncIterator[str]:
    """The Redis URL to use: REDIS_URL, or an embedded server under the data directory.

    An embedded server already running for the same directory (another
    terminal) is shared rather than started twice.
    """
    if settings.redis_url is not None:
        yield settings.redis_url.get_secret_value()
        return
    directory = data_dir(settings) / "redis"
    port_file = directory / "port"
    if port_file.exists():
        port = int(port_file.read_text().strip() or 0)
        if port and answers_ping("127.0.0.1", port):
            log.info("using the embedded Redis already running on port %d", port)
            yield f"redis://127.0.0.1:{port}/0"
            return
    server = EmbeddedRedis(directory).start()
    port_file.write_text(str(server.port))
    log.info("started the embedded Redis on port %d (data in %s)", server.port, directory)
    try:
        yield server.url
    finally:
        server.stop()
        port_file.unlink(missing_ok=True)


@contextlib.asynccontextmanager
async def open_runtime(settings: Settings, out: Outgoing, *, platform: str,
                       simulate: bool = False, consumer: str | None = None,
                       tmp_dir: Path | None = None) -> AsyncIterator[Runtime]:
    """Start Redis (or connect), the simulator when asked, the client, the engine and
    the platform's render service. The render worker starts with `start_worker()`
    and is stopped when the block ends."""
    async with contextlib.AsyncExitStack() as stack:
        simulator_url = None
        if simulate:
            from core.simulator import Simulator

            simulator = Simulator()
            simulator_url = await simulator.start("127.0.0.1", 0)
            stack.push_async_callback(simulator.stop)
            # the simulator also serves the web pages (project and registration links)
            url = AnyHttpUrl(simulator_url)
            settings = settings.model_copy(update={"nemo_api_url": url, "nemo_web_url": url})
        redis_url = await stack.enter_async_context(embedded_redis(settings))
        store = SessionStore.from_url(redis_url, idle_ttl=settings.session_idle_ttl,
                                      lock_ttl=settings.chat_lock_ttl)
        stack.push_async_callback(store.close)
        nemo = NemoClient(settings)
        stack.push_async_callback(nemo.aclose)
        engine = Conversation(settings, store, nemo, out)
        renders = Renders(store.redis, nemo, engine.identities, out, keys=store.keys)
        engine.renders = RenderActions(renders)
        worker = RenderWorker(platform, consumer or consumer_name(platform), out,
                              redis=store.redis, nemo=nemo, identities=engine.identities,
                              settings=settings, keys=store.keys, tmp_dir=tmp_dir)
        runtime = Runtime(settings, store, nemo, engine, renders, worker, simulator_url)
        stack.push_async_callback(runtime.stop_worker)
        yield runtime
