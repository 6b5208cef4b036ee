"""The terminal chat: the third adapter, and the product's embedded default.

Each line is a message; `/attach PATH [PATH ...]` sends files; `/quit` leaves. Paths and
the downloads folder are relative to the folder the user started in (NEMOBOT_START_DIR,
set by `./dev`, else the current folder). With piped input every line is handled in order,
then it waits for pending renders, saves delivered files to the downloads folder, and
exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import locale
import os
import signal
import sys
from pathlib import Path

from prompt_toolkit.patch_stdout import patch_stdout

import bots.console.texts  # noqa: F401  (registers the terminal's texts)
from bots.console.chat import CHAT, ConsoleChat, write_out
from bots.console.display import Display
from bots.console.logs import chat_logs
from bots.console.output import ConsoleOutput
from core.conversation.languages import LanguageChoices
from core.i18n import ui_language
from core.messages import User
from core.runtime import open_runtime
from core.settings import Settings

__all__ = ["CHAT", "ConsoleChat", "ConsoleOutput", "Display", "run_chat", "start_dir"]

START_DIR_VARIABLE = "NEMOBOT_START_DIR"


def start_dir() -> Path:
    """The folder the user started in: paths they type are relative to it."""
    given = os.environ.get(START_DIR_VARIABLE)
    return Path(given) if given and Path(given).is_dir() else Path.cwd()


def _language() -> str | None:
    code = os.environ.get("LC_ALL") or os.environ.get("LANG") or locale.getlocale()[0]
    return code.split(".", 1)[0] if code else None


def tuned(settings: Settings, simulate: bool) -> Settings:
    """Faster progress for a terminal (no platform limits edits), and, against the
    simulator, faster render polls; settings the user gave are kept."""
    local: dict[str, float] = {"edit_interval": 0.25, "render_edit_step": 1,
                               "render_edit_interval": 0.0}
    if simulate:
        local |= {"render_first_poll": 0.5, "render_poll_factor": 1.0, "render_poll_max": 1.0,
                  "render_poll_min": 0.5}
    update = {key: value for key, value in local.items() if key not in settings.model_fields_set}
    return settings.model_copy(update=update)


async def run_chat(settings: Settings, *, simulate: bool, downloads: Path) -> int:
    """`nemobot chat`; SIGTERM or SIGHUP (the terminal closed) ends it as /quit does, its
    embedded Redis and simulator stopped (status 128 + the signal's number)."""
    signalled = _stop_on_signals()
    try:
        return await _run_chat(settings, simulate=simulate, downloads=downloads)
    except asyncio.CancelledError:
        if not signalled:
            raise
        return 128 + signalled[0]


def _stop_on_signals() -> list[int]:
    """The signals that ended the chat (SIGTERM, SIGHUP): each cancels this task."""
    task, loop = asyncio.current_task(), asyncio.get_running_loop()
    received: list[int] = []

    def stop(signum: int) -> None:
        received.append(signum)
        if task is not None:
            task.cancel()

    for signum in (signal.SIGTERM, signal.SIGHUP):
        with contextlib.suppress(NotImplementedError, ValueError):
            loop.add_signal_handler(signum, stop, signum)
    return received


async def _run_chat(settings: Settings, *, simulate: bool, downloads: Path) -> int:
    start = start_dir()
    downloads = downloads.expanduser()
    downloads = downloads if downloads.is_absolute() else start / downloads
    live = sys.stdin.isatty() and sys.stdout.isatty()
    name = getpass.getuser()
    user = User(name, name, _language())
    lang = ui_language(user.language)
    chat: ConsoleChat | None = None
    display = Display(write_out, live=live, width=lambda: chat.width() if chat else 80,
                      lang=lang)
    out = ConsoleOutput(display, downloads, start)
    settings = tuned(settings, simulate)
    with chat_logs(settings.data_home, display.notice, lang):
        async with open_runtime(settings, out, simulate=simulate, platform="console",
                                trust_everyone=True, probe_backend=True) as runtime:
            runtime.start()
            chosen = await LanguageChoices(runtime.redis, keys=runtime.keys).of_user(
                "console", user.id)
            display.lang = chosen or display.lang  # an earlier /language wins over LANG
            chat = ConsoleChat(runtime, display, user, start=start, downloads=downloads)
            if live:
                with patch_stdout(raw=True):
                    await chat.resume()
                    await chat.interactive()
            else:
                await chat.resume()
                await chat.piped(sys.stdin.read().splitlines())
    if not live:
        write_out("\n")
    return 0
