"""The `nemobot` command: the simulator, the terminal chat and the platform bots."""

from __future__ import annotations

import argparse
import logging
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from bots.registry import ADAPTERS
from bots.settings import load_settings, unknown_settings
from core.embedded_redis import EmbeddedRedisError
from core.logs import configure_logging, json_lines
from core.settings import Settings as CoreSettings
from core.settings import SettingsError
from core.settings import load_settings as load_core_settings
from core.startup import StartupError, require_simulator

log = logging.getLogger(__name__)


def _version() -> str:
    try:
        return version("nemobot")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nemobot", description=__doc__)
    parser.add_argument("--version", action="version", version=f"nemobot {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)

    sim = sub.add_parser("simulator", help="run the NemoVideo simulator (HTTP server)")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=_port, default=8765)
    sim.add_argument("--render-seconds", type=float, default=None,
                     help="minimum wall time of a render")
    sim.add_argument("--public-url", default=None,
                     help="base URL clients reach it at, for the links it hands out "
                          "(default: http://HOST:PORT; e.g. http://simulator:8765 in compose)")

    samples = sub.add_parser("samples", help="write a few short clips, a photo and a music "
                             "file to try the chat with")
    samples.add_argument("folder", type=Path, nargs="?", default=Path("."),
                         help="where to write them (default: this folder)")

    for name, entry in ADAPTERS.items():
        command = sub.add_parser(name, help=entry.help)
        if entry.arguments is not None:
            entry.arguments(command)
    sub.add_parser("check", help="check the settings, Redis, NemoVideo and the platform APIs")
    migrate = sub.add_parser(
        "migrate", help="move the Redis keys of an earlier version (or another "
        "RENDER_SHARDS) to this version's names; run it once with the bots stopped")
    migrate.add_argument("--dry-run", action="store_true",
                         help="only count what would be moved; change nothing")
    return parser


def _simulator(args: argparse.Namespace) -> int:
    require_simulator()
    from core.simulator import SimConfig, run

    config = SimConfig()
    if args.render_seconds is not None:
        config.render_seconds = args.render_seconds
    if args.public_url:
        config.public_url = args.public_url.rstrip("/")
    try:
        run(args.host, args.port, config)
    except socket.gaierror as exc:  # the host name, not the port
        raise StartupError(f"the simulator cannot listen on {args.host} ({exc.strerror or exc})"
                           ": choose another --host") from exc
    except OSError as exc:
        raise StartupError(f"the simulator cannot listen on {args.host}:{args.port} "
                           f"({exc.strerror or exc}): choose another --port") from exc
    return 0


def _simulator_despite(problem: SettingsError, args: argparse.Namespace) -> int:
    """The simulator reads no setting but the log's: invalid bot settings (the `.env` it
    shares with the bots in compose) are named in a warning, not a refusal to start."""
    level = (os.environ.get("LOG_LEVEL") or "INFO").strip().upper()
    configure_logging(level if isinstance(logging.getLevelName(level), int) else "INFO")
    log.warning("settings: the simulator uses none of them, but they are invalid: %s",
                " ".join(str(problem).split()))
    return _started(lambda: _simulator(args))


def _port(value: str) -> int:
    """A TCP port from the command line (0: any free one)."""
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port (0 to 65535)")
    return port


def _check(args: argparse.Namespace) -> int:
    from bots.check import run_check

    return run_check()


def _migrate(args: argparse.Namespace) -> int:
    from bots.migrate import run_migrate

    try:
        settings = load_core_settings()
    except SettingsError as exc:
        return _refused(exc)
    configure_logging(settings.log_level, settings.log_format)
    return _started(lambda: run_migrate(settings, dry_run=args.dry_run))


def _refused(exc: SettingsError) -> int:
    """Invalid settings: said on stderr (one JSON line when LOG_FORMAT=json, read from the
    environment as the settings could not be), status 2."""
    if os.environ.get("LOG_FORMAT", "").strip().lower() == "json":
        configure_logging("INFO", "json")
        log.error("nemobot: %s", "; ".join(line.strip() for line in str(exc).splitlines()))
    else:
        print(exc, file=sys.stderr)
    return 2


def _started(run: Callable[[], int]) -> int:
    """Run a command; a reason it cannot start is one line on stderr and status 2 (with
    the traceback too when LOG_LEVEL=DEBUG)."""
    try:
        return run()
    except (StartupError, EmbeddedRedisError) as exc:
        log.debug("start-up failed", exc_info=exc)
        if json_lines():  # a log collector reads stderr: the line is JSON like the others
            log.error("nemobot: %s", exc)
        else:
            print(f"nemobot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


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
    if args.command == "check":
        return _check(args)
    if args.command == "migrate":
        return _migrate(args)
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
        if adapter is not None:
            return _refused(exc)
        return _simulator_despite(exc, args)
    level = settings.log_level
    if entry is not None and entry.quiet and not os.environ.get("LOG_LEVEL"):
        level = "WARNING"
    configure_logging(level, settings.log_format)
    if adapter is not None:
        classes = [CoreSettings] + ([adapter.settings] if adapter.settings else [])
        for line in unknown_settings(classes):
            log.warning("settings: %s", line)
        return _started(lambda: adapter.run(settings, own, args))
    return _started(lambda: _simulator(args))


if __name__ == "__main__":
    raise SystemExit(main())
