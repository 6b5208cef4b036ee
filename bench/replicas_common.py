"""What the parts of `bench/replicas.py` share: Redis, the simulator in its own process,
the nemobot processes' environment, their health endpoints, and printed checks."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from core.embedded_redis import EmbeddedRedis
from tests.kits.replicas import Replica, clean_environment, listening_port

OPERATOR_TOKEN = "nmv_usr_bench_replicas_operator"
#: the simulator's settings for the run: small renders, three ffmpeg at a time
SIMULATOR = {"operator_tokens": [OPERATOR_TOKEN], "agent_delay": 0.0, "render_width": 160,
             "render_height": 90, "render_seconds": 1.0, "render_concurrency": 3}
#: a message cut from its agent stream is recovered from NemoVideo's state: read it
#: after 2 s, three times (shipped: 30 s, then every 60 s, five times)
RECOVERY = {"RECOVERY_FIRST_WAIT": "2", "RECOVERY_WAIT": "2", "RECOVERY_READS": "3"}


@dataclass
class Services:
    """Redis and the simulator, shared by every nemobot process of the run."""

    redis: EmbeddedRedis
    sim_url: str
    http: httpx.AsyncClient
    tmp: Path

    @classmethod
    @contextlib.asynccontextmanager
    async def started(cls, tmp: Path) -> AsyncIterator[Services]:
        """Start Redis and `nemobot simulator`; stop them at the end."""
        redis = EmbeddedRedis(tmp / "redis").start()
        port = listening_port()
        simulator = Replica("simulator", ["simulator", "--port", str(port)],
                            clean_environment({"LOG_LEVEL": "WARNING"}), tmp / "logs")
        http = httpx.AsyncClient(timeout=60)
        try:
            await simulator.start()
            services = cls(redis, f"http://127.0.0.1:{port}", http, tmp)
            await until(services._simulator_up, "the simulator", simulator)
            answer = await http.post(f"{services.sim_url}/_sim/config", json=SIMULATOR)
            answer.raise_for_status()
            yield services
        finally:
            await simulator.stop()
            await http.aclose()
            redis.stop()

    async def _simulator_up(self) -> bool:
        with contextlib.suppress(httpx.HTTPError):
            return (await self.http.get(f"{self.sim_url}/_sim/config")).status_code == 200
        return False

    def environment(self, log_level: str, **settings: str) -> dict[str, str]:
        """A nemobot process's whole environment: the shared services and `settings`."""
        return clean_environment({
            "REDIS_URL": self.redis.url, "NEMO_API_URL": self.sim_url,
            "NEMO_TOKEN": OPERATOR_TOKEN, "LOG_LEVEL": log_level,
            # one host, one data directory: each process its own render consumer slot
            "DATA_DIR": str(self.tmp / "data"), **RECOVERY, **settings})

    async def backend_requests(self) -> list[dict[str, Any]]:
        """The simulator's request log."""
        answer = await self.http.get(f"{self.sim_url}/_sim/requests")
        answer.raise_for_status()
        return list(answer.json())


async def until(check: Any, what: str, process: Replica | None = None,
                within: float = 90.0) -> float:
    """Wait until `check()` (async) is true; the seconds it took. Fails when `process`
    exits or the deadline passes (the poll interval of a deadline wait, not a sleep
    standing in for synchronisation)."""
    import asyncio

    started = time.monotonic()
    while not await check():
        if process is not None and not process.running:
            raise RuntimeError(f"{what}: the process exited:\n{process.log()[-3000:]}")
        if time.monotonic() - started > within:
            raise RuntimeError(f"{what}: not within {within:g} s")
        await asyncio.sleep(0.1)
    return time.monotonic() - started


async def ready(http: httpx.AsyncClient, process: Replica, health: str) -> float:
    """Wait until a nemobot process answers /readyz; the seconds it took."""
    async def up() -> bool:
        with contextlib.suppress(httpx.HTTPError):
            return (await http.get(f"{health}/readyz", timeout=2)).status_code == 200
        return False

    return await until(up, f"{process.name} ready", process)


async def counter(http: httpx.AsyncClient, health: str, name: str) -> float:
    """A Prometheus counter of a nemobot process, summed over its labels (0 if down)."""
    try:
        text = (await http.get(f"{health}/metrics", timeout=5)).text
    except httpx.HTTPError:
        return 0.0
    return sum(float(v) for v in re.findall(
        rf"^{re.escape(name)}(?:{{[^}}]*}})? ([0-9.e+-]+)$", text, re.M))


def check(label: str, ok: bool, detail: str = "") -> bool:
    """Print one check; returns `ok`."""
    print(f"  {'ok    ' if ok else 'FAILED'} {label}" + (f": {detail}" if detail and not ok
                                                          else ""))
    return ok


def row(label: str, value: object) -> None:
    """Print one figure."""
    print(f"  {label:<46} {value}")
