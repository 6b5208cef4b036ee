"""Counting Discord's 429s: discord.py handles them inside its HTTP client and says so
only in its log ("We are being rate limited..."), so that log line is what is counted."""

from __future__ import annotations

import logging

from core import observe

#: how discord.py's HTTP client starts the warning it logs for every 429
RATE_LIMITED = "We are being rate limited"


class RateLimitCounter(logging.Filter):
    """Reports each 429 discord.py logs to the process's probe; drops no record that the
    root logger's level lets through."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Count the record if it reports a 429."""
        if isinstance(record.msg, str) and record.msg.startswith(RATE_LIMITED):
            observe.report(lambda p: p.rate_limited("discord"))
        return record.levelno >= logging.getLogger().getEffectiveLevel()


def count_rate_limits(logger: logging.Logger | None = None) -> None:
    """Count the 429s discord.py's HTTP client logs (once per process), whatever LOG_LEVEL
    is: its logger lets warnings through to the filter, which passes on only what the
    root logger's level allows."""
    target = logger or logging.getLogger("discord.http")
    if any(isinstance(f, RateLimitCounter) for f in target.filters):
        return
    target.addFilter(RateLimitCounter())
    if target.getEffectiveLevel() > logging.WARNING:
        target.setLevel(logging.WARNING)
