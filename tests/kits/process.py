"""Running the real `nemobot` command as a child process, with settings from its
environment only, without blocking the test's event loop (which serves the fakes)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bots.discord_adapter.settings import DiscordSettings
from bots.telegram_adapter.settings import TelegramSettings
from core.settings import Settings

#: the console script of the virtualenv running the tests
NEMOBOT = str(Path(sys.executable).with_name("nemobot"))
#: how long a test waits for a `nemobot` process to do something: it starts in about a
#: second, but much later on a machine loaded with parallel tests
PROCESS_WAIT = 60.0
SETTING_NAMES = {name.upper() for kind in (Settings, TelegramSettings, DiscordSettings)
                 for name in kind.model_fields}


@dataclass(frozen=True)
class Finished:
    """How a `nemobot` process ended."""

    code: int
    stdout: str
    stderr: str

    @property
    def lines(self) -> list[str]:
        """The non-empty lines it wrote to stderr."""
        return [line for line in self.stderr.splitlines() if line.strip()]


def environment(home: Path, **settings: str) -> dict[str, str]:
    """This process's environment without any nemobot setting, a private data home under
    `home`, and `settings`."""
    env = {k: v for k, v in os.environ.items()
           if k.upper() not in SETTING_NAMES and k not in ("PYTHONPATH", "HOME")}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"), PYTHONUNBUFFERED="1")
    env.update(settings)
    return env


async def run(args: list[str], env: Mapping[str, str], cwd: Path, *, stdin: str | None = None,
              within: float = PROCESS_WAIT) -> Finished:
    """Run `nemobot ARGS` to its end (killed after `within` seconds: a test failure)."""
    proc = await asyncio.create_subprocess_exec(
        NEMOBOT, *args, env=dict(env), cwd=cwd,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(
            proc.communicate(stdin.encode() if stdin is not None else None), within)
    except TimeoutError:
        proc.kill()
        out, err = await proc.communicate()
        raise AssertionError(f"nemobot {' '.join(args)} still ran after {within:g} s; "
                             f"stderr: {err.decode()[-2000:]}") from None
    return Finished(proc.returncode or 0, out.decode(), err.decode())


async def stop(proc: asyncio.subprocess.Process, within: float = PROCESS_WAIT) -> Finished:
    """SIGTERM a process started with `start`, and wait for its end."""
    proc.send_signal(signal.SIGTERM)
    try:
        out, err = await asyncio.wait_for(proc.communicate(), within)
    except TimeoutError:
        proc.kill()
        out, err = await proc.communicate()
    return Finished(proc.returncode or 0, out.decode(), err.decode())


async def start(args: list[str], env: Mapping[str, str], cwd: Path) -> asyncio.subprocess.Process:
    """Start `nemobot ARGS` in the background (stop it with `stop`)."""
    return await asyncio.create_subprocess_exec(
        NEMOBOT, *args, env=dict(env), cwd=cwd, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
