"""The `nemobot` command: the simulator, the terminal chat and the platform bots."""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bots.registry import ADAPTERS
from bots.settings import load_settings
from core.settings import SettingsError
from core.settings import load_settings as load_core_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nemobot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    sim = sub.add_parser("simulator", help="run the NemoVideo simulator (HTTP server)")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=8765)
    sim.add_argument("--render-seconds", type=float, default=None,
                     help="minimum wall time of a render")

    samples = sub.add_parser("samples", help="write a few short clips, a photo and a music "
                             "file to try the chat with")
    samples.add_argument("folder", type=Path, nargs="?", default=Path("."),
                         help="where to write them (default: this folder)")

    for name, entry in ADAPTERS.items():
        command = sub.add_parser(name, help=entry.help)
        if entry.arguments is not None:
            entry.arguments(command)
    return parser


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # httpx logs every request line at INFO; keep that for DEBUG runs
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLogger().level))


def _simulator(args: argparse.Namespace) -> int:
    from core.simulator import SimConfig, run

    config = SimConfig()
    if args.render_seconds is not None:
        config.render_seconds = args.render_seconds
    run(args.host, args.port, config)
    return 0


def _samples(folder: Path) -> int:
    from core.simulator.samples import write_samples

    start = Path(os.environ.get("NEMOBOT_START_DIR") or ".")
    folder = folder.expanduser() if folder.expanduser().is_absolute() else start / folder
    try:
        written = write_samples(folder)
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"Could not write the samples to {folder}: {exc}", file=sys.stderr)
        return 1
    print(f"Wrote {', '.join(p.name for p in written)} to {folder}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `nemobot` console script."""
    args = _parser().parse_args(argv)
    if args.command == "samples":
        return _samples(args.folder)
    entry = ADAPTERS.get(args.command)
    adapter = entry.load() if entry is not None else None
    own: Any = None
    try:
        if adapter is not None and adapter.settings is not None:
            settings, own = load_settings(adapter.settings)
        else:
            settings = load_core_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    level = settings.log_level
    if entry is not None and entry.quiet and "LOG_LEVEL" not in os.environ:
        level = "WARNING"
    _configure_logging(level)
    if adapter is not None:
        return adapter.run(settings, own, args)
    return _simulator(args)


if __name__ == "__main__":
    raise SystemExit(main())
