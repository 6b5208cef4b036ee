"""What the process reports about its work, for whoever measures it.

The places where things happen (the dispatcher's middlewares, the NemoVideo
client, the render jobs, the platforms' flood control, Redis calls) tell the
process's `Probe`; they never import a metrics library. The default probe
does nothing; `core.metrics` installs one that counts for Prometheus when
METRICS_PORT is set. A probe must never raise into the caller: `report`
logs and swallows what a broken probe raises.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from core.nemo.errors import CODE_ERRORS, NemoError

log = logging.getLogger(__name__)


class Probe:
    """The events a process reports; every method does nothing here."""

    def received(self, platform: str, intent: str) -> None:
        """A chat event arrived (before any middleware could refuse it)."""

    def refused(self, platform: str, intent: str) -> None:
        """An arriving event was refused (not queued, not handled at once)."""

    def answered(self, platform: str, intent: str, outcome: str, seconds: float) -> None:
        """A step was handled: `outcome` is done, failed or cancelled."""

    def agent_stream(self, outcome: str, seconds: float) -> None:
        """An agent stream closed after `seconds`: outcome ok or the error's code."""

    def backend_error(self, call: str, code: str) -> None:
        """A NemoVideo call failed (`code`: see `error_code`)."""

    def render(self, platform: str, event: str, job_id: str) -> None:
        """A render job moved: submitted, completed, delivered, failed, timed_out,
        undeliverable or cancelled."""

    def rate_limited(self, platform: str) -> None:
        """A platform answered 429 (a flood wait)."""

    def redis_error(self, error: str) -> None:
        """Talking to Redis failed (`error`: the exception's type name)."""

    def senders(self, platform: str, processes: int) -> None:
        """`processes` send as the platform's bot (this one included): they share its
        bot-wide limits."""

    def lock_busy(self) -> None:
        """A chat's lock was held by someone else when this process wanted it."""


_probe = Probe()


def probe() -> Probe:
    """The process's probe."""
    return _probe


def install(new: Probe | None) -> Probe:
    """Make `new` the process's probe (None: the no-op one); returns the previous one."""
    global _probe
    previous, _probe = _probe, new or Probe()
    return previous


def report(call: Callable[[Probe], Any]) -> None:
    """Call the probe; a failure of the probe is logged, never raised."""
    try:
        call(_probe)
    except Exception as exc:
        log.warning("metrics: the probe failed: %r", exc)


def backend_failed(call: str, exc: BaseException) -> None:
    """Report a failed NemoVideo call."""
    code = error_code(exc)
    report(lambda p: p.backend_error(call, code))


def error_code(exc: BaseException) -> str:
    """A bounded label for a NemoVideo failure: a documented code, else `http_<status>`,
    else the error's type name (a hostile backend cannot invent new labels)."""
    if isinstance(exc, NemoError):
        if exc.code is not None:
            return str(exc.code) if exc.code in CODE_ERRORS else "other"
        if exc.status is not None and 100 <= exc.status <= 599:
            return f"http_{exc.status}"
    return type(exc).__name__
