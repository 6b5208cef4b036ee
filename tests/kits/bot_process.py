"""A real `nemobot telegram` process against the fake Bot API, the simulator and Redis,
configured through its environment only, to be stopped (SIGTERM) or killed (SIGKILL)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.embedded_redis import EmbeddedRedis
from core.simulator import Simulator
from tests.fakes.telegram_api import FakeTelegram
from tests.kits.renders import OPERATOR_TOKEN
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]

#: settings of a bot process under test: fast schedules, a short lock expiry
FAST_ENV: dict[str, str] = {
    "TELEGRAM_POLL_TIMEOUT": "1",
    "TELEGRAM_ALBUM_WAIT": "0.3",
    "CHAT_LOCK_TTL": "6",
    "EDIT_INTERVAL": "0",
    "STILL_WORKING_INTERVAL": "60",
    "RECOVERY_FIRST_WAIT": "0.5",
    "RECOVERY_WAIT": "0.5",
    "RECOVERY_READS": "4",
    "NEMO_RETRY_BACKOFF": "0.05",
    "NEMO_RATE_LIMIT_WAIT": "0.1",
    "RENDER_FIRST_POLL": "0.1",
    "RENDER_POLL_FACTOR": "1.5",
    "RENDER_POLL_MAX": "0.3",
    "RENDER_POLL_MIN": "0.1",
    "RENDER_CLAIM_IDLE": "1.5",
    "RENDER_SUBMIT_GRACE": "1.5",
    "RENDER_EDIT_INTERVAL": "0.5",
    "LOG_LEVEL": "INFO",
}


@dataclass
class BotProcess:
    """One `nemobot telegram` process; its log is kept in `log_path`."""

    process: asyncio.subprocess.Process
    log_path: Path

    @property
    def running(self) -> bool:
        """Whether it has not exited yet."""
        return self.process.returncode is None

    def log(self) -> str:
        """What it logged so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    async def stop(self, *, within: float = 30.0) -> int:
        """SIGTERM, then wait for the exit; its status."""
        if self.running:
            self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), within)

    async def kill(self) -> None:
        """SIGKILL: no chance to clean up."""
        if self.running:
            self.process.kill()
        await self.process.wait()


@dataclass
class BotWorld:
    """What bot processes of a test share: the fake Bot API, the simulator and Redis."""

    fake: FakeTelegram
    simulator: Simulator
    redis: EmbeddedRedis
    root: Path
    env: dict[str, str] = field(default_factory=dict)
    processes: list[BotProcess] = field(default_factory=list)

    def environment(self, replica: str, **overrides: Any) -> dict[str, str]:
        """The environment of a bot process (its own data directory per replica)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("NEMO_", "REDIS_"))}
        env.update(FAST_ENV)
        env.update({
            "PYTHONPATH": str(ROOT),
            "TELEGRAM_TOKEN": self.fake.token,
            "TELEGRAM_BASE_URL": self.fake.base_url,
            "TELEGRAM_BASE_FILE_URL": self.fake.base_file_url,
            "NEMO_API_URL": self.simulator.base_url,
            "NEMO_WEB_URL": self.simulator.base_url,
            "NEMO_TOKEN": OPERATOR_TOKEN,
            "REDIS_URL": self.redis.url,
            "DATA_DIR": str(self.root / f"data-{replica}"),
        })
        env.update(self.env)
        env.update({key.upper(): str(value) for key, value in overrides.items()})
        return env

    async def start(self, replica: str = "a", **overrides: Any) -> BotProcess:
        """Start a bot process and wait until it takes updates."""
        polls = len(self.fake.calls_to("getUpdates"))
        log_path = self.root / f"bot-{replica}-{len(self.processes)}.log"
        with log_path.open("wb") as log_file:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bots.cli", "telegram", cwd=str(self.root),
                env=self.environment(replica, **overrides), stdin=asyncio.subprocess.DEVNULL,
                stdout=log_file, stderr=log_file)
        bot = BotProcess(process, log_path)
        self.processes.append(bot)
        await wait_until(lambda: len(self.fake.calls_to("getUpdates")) > polls or not bot.running,
                         within=30, what="the bot process to poll", changes=self.fake.changes)
        assert bot.running, bot.log()
        return bot

    def agent_calls(self) -> int:
        """How many messages reached the agent."""
        return sum(1 for r in self.simulator.requests if r["kind"] == "run_sse")


@contextlib.asynccontextmanager
async def bot_world(fake: FakeTelegram, simulator: Simulator, redis: EmbeddedRedis,
                    root: Path) -> AsyncIterator[BotWorld]:
    """Bot processes for a test; every one still running is killed at the end."""
    simulator.config.operator_tokens = [OPERATOR_TOKEN]
    world = BotWorld(fake, simulator, redis, root)
    try:
        yield world
    finally:
        for bot in world.processes:
            await bot.kill()
            # shown by pytest when the test failed
            print(f"--- {bot.log_path.name}\n" + "\n".join(
                line for line in bot.log().splitlines() if "getUpdates" not in line)[-6000:])
