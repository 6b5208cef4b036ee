"""The `nemobot` command: the simulator, the terminal chat and the platform bots."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from core.settings import SettingsError, load_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nemobot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    sim = sub.add_parser("simulator", help="run the NemoVideo simulator (HTTP server)")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=8765)
    sim.add_argument("--render-seconds", type=float, default=None,
                     help="minimum wall time of a render")

    chat = sub.add_parser("chat", help="chat with the bot in this terminal")
    chat.add_argument("--simulate", action="store_true",
                      help="start the NemoVideo simulator in-process and use it")
    chat.add_argument("--downloads", type=Path, default=Path("downloads"),
                      help="where delivered videos are saved (default: ./downloads)")

    sub.add_parser("telegram", help="run the Telegram bot (TELEGRAM_TOKEN)")
    sub.add_parser("discord", help="run the Discord bot (DISCORD_TOKEN)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `nemobot` console script."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    level = settings.log_level
    if args.command == "chat" and "LOG_LEVEL" not in os.environ:
        level = "WARNING"  # the terminal is the chat: keep routine logs out of it
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # httpx logs every request line at INFO; keep that for DEBUG runs
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLogger().level))

    if args.command == "simulator":
        from core.simulator import SimConfig, run

        config = SimConfig()
        if args.render_seconds is not None:
            config.render_seconds = args.render_seconds
        run(args.host, args.port, config)
        return 0
    if args.command == "chat":
        from bots.console import run_chat

        return asyncio.run(run_chat(settings, simulate=args.simulate, downloads=args.downloads))
    if args.command == "telegram":
        from bots.telegram_adapter import run_telegram

        return run_telegram(settings)
    if args.command == "discord":
        from bots.discord_adapter import run_discord

        return run_discord(settings)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
