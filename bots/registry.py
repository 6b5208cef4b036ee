"""The front ends `nemobot` can run: command name -> help, own settings, run function.

Each entry imports its adapter only when its command runs, so `nemobot chat`
does not load the Telegram and Discord libraries. A new platform adds one
entry here.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bots.settings import AdapterSettings
from core.settings import Settings

#: runs a front end: the core's settings, its own (None when it has none), the command
#: line; returns the exit status
Run = Callable[[Settings, Any, argparse.Namespace], int]


@dataclass(frozen=True)
class Adapter:
    """A loaded front end: its own settings class (None: none) and how it runs."""

    settings: type[AdapterSettings] | None
    run: Run


@dataclass(frozen=True)
class Entry:
    """One `nemobot` command that runs a front end."""

    help: str
    load: Callable[[], Adapter]
    arguments: Callable[[argparse.ArgumentParser], None] | None = None
    #: the terminal is the chat: routine logs stay out of it unless LOG_LEVEL says so
    quiet: bool = False


def _chat_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--simulate", action="store_true",
                        help="start the NemoVideo simulator in-process and use it")
    parser.add_argument("--downloads", type=_folder, default=Path("downloads"),
                        help="where delivered videos are saved (default: ./downloads)")


def _folder(value: str) -> Path:
    """A folder given on the command line (made when missing; not an existing file)."""
    path = Path(value)
    if path.expanduser().exists() and not path.expanduser().is_dir():
        raise argparse.ArgumentTypeError(f"{value} is a file, not a folder")
    return path


def _chat() -> Adapter:
    from bots.console import run_chat

    def run(settings: Settings, own: None, args: argparse.Namespace) -> int:
        return asyncio.run(run_chat(settings, simulate=args.simulate, downloads=args.downloads))

    return Adapter(None, run)


def _telegram() -> Adapter:
    from bots.telegram_adapter.app import run_telegram
    from bots.telegram_adapter.settings import TelegramSettings

    return Adapter(TelegramSettings, lambda settings, own, args: run_telegram(settings, own))


def _discord() -> Adapter:
    from bots.discord_adapter.app import run_discord
    from bots.discord_adapter.settings import DiscordSettings

    return Adapter(DiscordSettings, lambda settings, own, args: run_discord(settings, own))


#: command name -> front end, in the order `nemobot --help` lists them
ADAPTERS: dict[str, Entry] = {
    "chat": Entry("chat with the bot in this terminal", _chat, _chat_arguments, quiet=True),
    "telegram": Entry("run the Telegram bot (TELEGRAM_TOKEN)", _telegram),
    "discord": Entry("run the Discord bot (DISCORD_TOKEN)", _discord),
}
