"""Reasons a process cannot start, each told in one line: the cause and what to do.

The command line prints a `StartupError` as it is and exits with status 2 (with
the traceback too when LOG_LEVEL=DEBUG).
"""

from __future__ import annotations


class StartupError(Exception):
    """The process cannot start: the message is one line, the cause and what to do."""


def require_simulator() -> None:
    """Raise StartupError unless the simulator's extras (its ffmpeg) are installed."""
    try:
        from core.simulator.media import ffmpeg_exe

        ffmpeg_exe()
    except (ImportError, RuntimeError, OSError) as exc:
        raise StartupError(
            f"the NemoVideo simulator needs its extras ({type(exc).__name__}: {exc}): "
            "install them with pip install 'nemobot[sim]'") from exc
