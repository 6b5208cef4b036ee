"""How a failed Bot API call is told in the logs."""

from __future__ import annotations

from telegram.error import TelegramError


def error_text(exc: BaseException) -> str:
    """A one-line account of a failed Bot API call (never a URL)."""
    name = type(exc).__name__
    if isinstance(exc, TelegramError):
        # Forbidden's message already starts with "Forbidden:"
        return exc.message if exc.message.lower().startswith(name.lower()) else (
            f"{name}: {exc.message}")
    return name
