"""Several real `nemobot` processes side by side: a round-robin HTTP proxy in front of
Telegram webhook replicas, and the processes themselves, started with environment
settings only, killed (SIGKILL) and restarted. Used by the replica tests and by
`bench/replicas.py`."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import random
import signal
import socket
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import ClientConnectorError, ClientError, ClientSession, ClientTimeout, web

from core.embedded_redis import free_port
from tests.kits import cluster
from tests.waiting import Changes

ROOT = Path(__file__).resolve().parents[2]
#: the header Telegram sends with every webhook update
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
#: what a replica's environment keeps of the caller's
KEPT = ("PATH", "HOME", "LANG", "TMPDIR", "SYSTEMROOT")


def nemobot_command() -> list[str]:
    """The `nemobot` console script of this Python, or the module."""
    script = Path(sys.executable).with_name("nemobot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bots.cli"]


def clean_environment(settings: Mapping[str, str]) -> dict[str, str]:
    """An environment with no setting inherited from the caller's, and `settings`."""
    env = {k: v for k, v in os.environ.items() if k in KEPT}
    env.update(PYTHONUNBUFFERED="1", PYTHONPATH=str(ROOT))
    env.update(settings)
    return env


# ------------------------------------------------------------------ the proxy


@dataclass(frozen=True)
class Forwarded:
    """One request the proxy passed on: the update it carried, the replica that got it
    (its index) and that replica's answer (None: the connection broke after sending)."""

    update_id: int | None
    backend: int
    status: int | None


class RoundRobinProxy:
    """A load balancer on loopback: each POST goes to the next backend in turn.

    A backend that refuses the connection is skipped for the next one (nginx's
    `proxy_next_upstream error`); a request that reached a backend which then broke
    the connection is answered 502 and not sent again (a POST is not idempotent), as
    load balancers do: the sender (Telegram) retries it. `forwarded` records every
    request that reached a backend.
    """

    def __init__(self, backends: list[str]) -> None:
        self.backends = list(backends)
        self.forwarded: list[Forwarded] = []
        #: update_id -> the backend it was last sent to (recorded before its answer)
        self.sending: dict[int, int] = {}
        self.refused = 0
        self.changes = Changes()
        self._turn = itertools.count()
        self._runner: web.AppRunner | None = None
        self._session: ClientSession | None = None
        self.port = 0

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> RoundRobinProxy:
        """Listen on a free loopback port."""
        self._session = ClientSession(timeout=ClientTimeout(total=30))
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{path:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> RoundRobinProxy:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def routes(self) -> dict[int, list[int]]:
        """update_id -> the backends that accepted it (2xx), in order."""
        accepted: dict[int, list[int]] = {}
        for item in self.forwarded:
            if item.update_id is not None and item.status is not None and item.status < 300:
                accepted.setdefault(item.update_id, []).append(item.backend)
        return accepted

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        body = await request.read()
        headers = {k: v for k, v in request.headers.items()
                   if k.lower() in ("content-type", SECRET_HEADER.lower())}
        update_id = _update_id(body)
        for _ in range(len(self.backends)):
            backend = next(self._turn) % len(self.backends)
            url = self.backends[backend] + request.rel_url.path_qs
            if update_id is not None:
                self.sending[update_id] = backend
            try:
                async with self._session.request(request.method, url, data=body,
                                                 headers=headers) as answer:
                    payload = await answer.read()
                    self._record(Forwarded(update_id, backend, answer.status))
                    return web.Response(body=payload, status=answer.status,
                                        content_type=answer.content_type)
            except ClientConnectorError:
                self.refused += 1  # nothing was sent: the next backend gets it
            except (ClientError, TimeoutError):
                self._record(Forwarded(update_id, backend, None))
                return web.Response(status=502, text="bad gateway")
        return web.Response(status=502, text="no backend is up")

    def _record(self, item: Forwarded) -> None:
        self.forwarded.append(item)
        self.changes.notify()


def _update_id(body: bytes) -> int | None:
    with contextlib.suppress(ValueError, AttributeError, TypeError):
        value = json.loads(body).get("update_id")
        return int(value) if value is not None else None
    return None


# ------------------------------------------------------------------ the processes


@dataclass
class Replica:
    """One `nemobot` process (`args`, e.g. ``["telegram"]``), restartable with the same
    environment; each run's output goes to its own log file."""

    name: str
    args: list[str]
    env: dict[str, str]
    logs: Path
    process: asyncio.subprocess.Process | None = None
    runs: int = 0
    log_paths: list[Path] = field(default_factory=list)

    @property
    def running(self) -> bool:
        """Whether the current run has not exited."""
        return self.process is not None and self.process.returncode is None

    @property
    def pid(self) -> int:
        """The current run's process id."""
        assert self.process is not None
        return self.process.pid

    async def start(self) -> Replica:
        """Start a new run (the previous one must have ended)."""
        assert not self.running, f"{self.name} is running"
        self.runs += 1
        self.logs.mkdir(parents=True, exist_ok=True)
        path = self.logs / f"{self.name}-{self.runs}.log"
        self.log_paths.append(path)
        with path.open("wb") as out:
            self.process = await asyncio.create_subprocess_exec(
                *nemobot_command(), *self.args, env=self.env, cwd=str(self.logs),
                stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=out)
        return self

    async def kill(self) -> None:
        """SIGKILL: no chance to clean up."""
        if self.running:
            assert self.process is not None
            self.process.kill()
        if self.process is not None:
            await self.process.wait()

    async def stop(self, within: float = 30.0) -> int | None:
        """SIGTERM and wait for the exit (SIGKILL after `within` seconds); the status."""
        if self.process is None:
            return None
        if self.running:
            self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), within)
        except TimeoutError:
            await self.kill()
            return self.process.returncode

    def log(self) -> str:
        """Everything its runs logged, run after run."""
        return "\n".join(p.read_text(errors="replace") for p in self.log_paths if p.exists())


#: ports handed out by `listening_port` in this process (never handed out twice)
_HANDED: set[int] = set()


def listening_port() -> int:
    """A loopback port free right now for a child process to listen on, taken below the
    system's ephemeral range (a port from there, `free_port`, may meanwhile become the
    local end of some process's outgoing connection, and the child then cannot bind it)
    and below the test clusters' ports (`tests.kits.cluster.PORT_RANGE`: another test
    worker's cluster node may come back on its port at any time)."""
    low = min(32768, cluster.PORT_RANGE[0])
    with contextlib.suppress(OSError, ValueError):
        low = min(low, int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0]))
    if low <= 10_000:
        return free_port()
    for _ in range(200):
        port = random.randrange(10_000, low)
        if port in _HANDED:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _HANDED.add(port)
        return port
    return free_port()


def webhook_settings(public_url: str, secret: str) -> tuple[dict[str, str], str]:
    """A webhook replica's own TELEGRAM_WEBHOOK_* settings on a free loopback port, and the
    address its webhook server answers on."""
    port = listening_port()
    return {"TELEGRAM_WEBHOOK_URL": public_url, "TELEGRAM_WEBHOOK_SECRET": secret,
            "TELEGRAM_WEBHOOK_LISTEN": "127.0.0.1",
            "TELEGRAM_WEBHOOK_PORT": str(port)}, f"http://127.0.0.1:{port}"
