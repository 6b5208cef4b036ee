"""The simulator server: lifecycle, test hooks, and `run` for the command line."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import signal
import tempfile
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import IO, Any
from urllib.parse import unquote, urlsplit

import httpx
from aiohttp import web

from core.simulator import persist
from core.simulator.agent import Agent
from core.simulator.app import Api
from core.simulator.config import SimConfig
from core.simulator.control import Control
from core.simulator.faults import Fault, FaultQueue
from core.simulator.render import FileSource, GeneratedSource, Renderer, detect_capabilities
from core.simulator.state import OPERATOR_USER, Store, User

logger = logging.getLogger(__name__)

_MAX_JSON_BODY = 32 * 1024 * 1024


class Simulator:
    """A NemoVideo backend on a local port, with in-memory state and real ffmpeg renders.

    `await start()` returns the base URL; `await stop()` ends every job and frees the
    port. Tests use `base_url`, `config` (change it at will), `inject(Fault(...))`
    and `requests` (the request log, Authorization redacted).
    """

    def __init__(self, config: SimConfig | None = None, *, data_dir: Path | None = None,
                 persist: bool = False):
        self._config = config if config is not None else SimConfig()
        self.store = Store()
        self.faults = FaultQueue()
        self.requests: list[dict[str, Any]] = []
        self.agent = Agent(self.store, self._config, self.url_for)
        self._own_dir = data_dir is None
        self._data_dir = data_dir
        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._gen_locks: dict[str, asyncio.Lock] = {}
        self._renderer: Renderer | None = None
        self._http: httpx.AsyncClient | None = None
        # keeping the state across runs (see persist.py)
        self._persist = persist and data_dir is not None
        self._lock: IO[str] | None = None
        self._dirty = False
        self._saver: asyncio.Task[None] | None = None

    # -- lifecycle ------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen on host:port (0 picks a free port) and return the base URL."""
        if self._runner is not None:
            raise RuntimeError("the simulator is already running")
        if self._persist and self._data_dir is not None:
            self._lock = persist.lock(self._data_dir)
            if self._lock is None:
                logger.warning("another simulator keeps its state in %s; this one starts "
                               "afresh in a temporary folder", self._data_dir)
                self._persist, self._own_dir, self._data_dir = False, True, None
        if self._data_dir is None:
            self._data_dir = Path(tempfile.mkdtemp(prefix="nemo-sim-"))
        for folder in (self.media_dir, self.output_dir, self.generated_dir):
            folder.mkdir(parents=True, exist_ok=True)
        self._renderer = Renderer(
            self.output_dir,
            self.resolve,
            lambda: (self.config.render_width, self.config.render_height),
            lambda: self.config.render_concurrency,
        )
        self._renderer.caps = await detect_capabilities()
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(self.config.fetch_timeout), follow_redirects=True
        )
        api = Api(self)
        app = web.Application(middlewares=[api.middleware], client_max_size=_MAX_JSON_BODY)
        api.routes(app)
        Control(self).routes(app)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, read_bufsize=1 << 20)
        await runner.setup()
        await self._listen(runner, host, port)
        self._runner = runner
        bound = runner.addresses[0][1]
        shown = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(host, host)  # noqa: S104
        self._base_url = f"http://{shown}:{bound}"
        logger.info("NemoVideo simulator listening on %s", self._base_url)
        if self._persist:
            self._resume()
        return self._base_url

    async def _listen(self, runner: web.AppRunner, host: str, port: int) -> None:
        """Listen on `port`; a simulator keeping its state takes its last port again when
        it is free (the links it gave stay valid), else any."""
        saved = self.data_dir / "port"
        if self._persist and port == 0 and saved.is_file():
            with contextlib.suppress(OSError, ValueError):
                await web.TCPSite(runner, host, int(saved.read_text().strip())).start()
                return
        await web.TCPSite(runner, host, port).start()

    def _resume(self) -> None:
        """Load the last run's state, restart its unfinished renders, save from now on."""
        (self.data_dir / "port").write_text(self.base_url.rsplit(":", 1)[1])
        again = persist.load(self.state_path, self.store, self.base_url)
        for job in again:
            job.task = self.spawn(self.renderer.run(job))
        if self.store.sessions:
            logger.info("simulator state loaded from %s: %d session(s), %d render(s) resumed",
                        self.state_path, len(self.store.sessions), len(again))
        self._saver = asyncio.create_task(self._save_loop(), name="simulator state")

    @property
    def state_path(self) -> Path:
        """Where the state is kept across runs."""
        return self.data_dir / "state.json"

    def touch(self) -> None:
        """Something changed: save the state soon (when it is kept across runs)."""
        self._dirty = True

    async def _save_loop(self) -> None:
        while True:
            await asyncio.sleep(0.5)
            if self._dirty:
                await self._save()

    async def _save(self) -> None:
        self._dirty = False
        try:
            await asyncio.to_thread(persist.save, self.state_path, self.store, self.base_url)
        except OSError as exc:
            logger.warning("could not save the simulator state to %s: %s", self.state_path, exc)

    async def stop(self) -> None:
        """Cancel every agent turn and render, close the server, delete temporary files
        (or, keeping the state across runs, save it first: running renders start again
        next time)."""
        if self._saver is not None:
            self._saver.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._saver
            self._saver = None
            await self._save()
        await self._cancel_tasks()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._http is not None:
            await self._http.aclose()
            self._http = None
        if self._own_dir and self._data_dir is not None:
            await asyncio.to_thread(shutil.rmtree, self._data_dir, True)
            self._data_dir = None
        persist.close(self._lock)
        self._lock = None
        self._base_url = None

    async def __aenter__(self) -> Simulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _cancel_tasks(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    # -- what tests use -------------------------------------------------------------

    @property
    def config(self) -> SimConfig:
        """The live configuration; change its fields (or replace it) at any time."""
        return self._config

    @config.setter
    def config(self, value: SimConfig) -> None:
        self._config = value
        self.agent.config = value

    @property
    def base_url(self) -> str:
        """`http://host:port` of the running simulator."""
        if self._base_url is None:
            raise RuntimeError("the simulator is not running")
        return self._base_url

    def inject(self, fault: Fault) -> None:
        """Queue a fault for the next matching request(s)."""
        self.faults.add(fault)

    def clear_faults(self) -> None:
        """Drop every queued fault."""
        self.faults.clear()

    def set_credits(self, user_id: str, available: int) -> User:
        """Set a user's available credits. Raises KeyError for an unknown user."""
        store = self.store
        user = store.operator_user() if user_id == OPERATOR_USER else store.users[user_id]
        user.available = available
        return user

    def reset(self) -> None:
        """Forget tokens, sessions, files, renders, faults and the request log."""
        for task in list(self._tasks):
            task.cancel()
        self.store.reset()
        self.faults.clear()
        self.requests.clear()
        self._gen_locks.clear()
        if self._renderer is not None:
            self._renderer.outputs.clear()
        if self._data_dir is not None:
            for folder in (self.media_dir, self.output_dir, self.generated_dir):
                shutil.rmtree(folder, ignore_errors=True)
                folder.mkdir(parents=True, exist_ok=True)

    # -- what handlers use ----------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        """Where files are kept while the simulator runs."""
        if self._data_dir is None:
            raise RuntimeError("the simulator is not running")
        return self._data_dir

    @property
    def media_dir(self) -> Path:
        """Uploaded files."""
        return self.data_dir / "media"

    @property
    def output_dir(self) -> Path:
        """Finished renders."""
        return self.data_dir / "outputs"

    @property
    def generated_dir(self) -> Path:
        """Generated clips and tones, written on first download."""
        return self.data_dir / "generated"

    @property
    def renderer(self) -> Renderer:
        """The render queue."""
        if self._renderer is None:
            raise RuntimeError("the simulator is not running")
        return self._renderer

    @property
    def http(self) -> httpx.AsyncClient:
        """The client that fetches URL uploads."""
        if self._http is None:
            raise RuntimeError("the simulator is not running")
        return self._http

    def url_for(self, path: str) -> str:
        """An absolute URL of this server (`public_url` when set)."""
        return (self.config.public_url or self.base_url) + path

    def spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run a background job that `stop` and `reset` cancel."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(_log_failure)
        task.add_done_callback(lambda _: self.touch())
        return task

    def generation_lock(self, gen_id: str) -> asyncio.Lock:
        """One lock per generated file, so it is written once."""
        return self._gen_locks.setdefault(gen_id, asyncio.Lock())

    def resolve(self, segment: dict[str, Any]) -> FileSource | GeneratedSource | None:
        """What a draft segment plays: a stored file, a generated source, or nothing."""
        gen = segment.get("gen")
        if isinstance(gen, dict) and gen.get("type") in ("video", "tone"):
            return GeneratedSource(gen)
        src = segment.get("src") or segment.get("url")
        if not isinstance(src, str):
            return None
        parts = unquote(urlsplit(src).path).split("/")
        if len(parts) >= 3 and parts[1] == "cdn":
            if parts[2] == "gen" and len(parts) == 4:
                generated = self.store.generated.get(parts[3].rsplit(".", 1)[0])
                return GeneratedSource(generated.spec) if generated else None
            media = self.store.media.get(parts[2])
            if media is not None:
                return FileSource(
                    media.path, media.file_type, media.has_video, media.has_audio, media.duration
                )
        return None


def _log_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("simulator job failed", exc_info=task.exception())


async def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    config: SimConfig | None = None,
    *,
    data_dir: Path | None = None,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Run a simulator until SIGINT or SIGTERM (or until cancelled)."""
    sim = Simulator(config, data_dir=data_dir)
    url = await sim.start(host, port)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stopping.set)
    if on_ready is not None:
        on_ready(url)
    try:
        await stopping.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
        await sim.stop()


def run(
    host: str = "127.0.0.1",
    port: int = 8765,
    config: SimConfig | None = None,
    *,
    data_dir: Path | None = None,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve the simulator in the foreground, blocking until Ctrl-C or SIGTERM.

    `on_ready(base_url)` is called once it listens (e.g. to print the URL).
    """
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(host, port, config, data_dir=data_dir, on_ready=on_ready))
