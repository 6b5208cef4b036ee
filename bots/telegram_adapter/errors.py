"""How a failed Bot API call is told in the logs."""

from __future__ import annotations

from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError

from core.outgoing import Busy, Unreachable

from .flood import retry_after_seconds

#: how the Bot API refuses a message to a chat the bot cannot write in (besides
#: Forbidden: blocked, kicked; and a group upgraded to a supergroup): the chat is gone,
#: the bot is muted or lacks the right, the forum topic was closed or deleted
_NO_CHAT = ("chat not found", "group chat was deactivated", "not enough rights",
            "have no rights to send", "need administrator rights", "chat_write_forbidden",
            "chat_restricted", "message thread not found", "topic_closed", "topic_deleted")


def error_text(exc: BaseException) -> str:
    """A one-line account of a failed Bot API call (never a URL)."""
    name = type(exc).__name__
    if isinstance(exc, TelegramError):
        # Forbidden's message already starts with "Forbidden:"
        return exc.message if exc.message.lower().startswith(name.lower()) else (
            f"{name}: {exc.message}")
    return name


def raise_as_core(exc: BaseException) -> None:
    """Raise what the core knows of a refused message, from `exc`: `Unreachable` when it
    was refused for good (the user blocked the bot, it was removed, the group moved to a
    supergroup or is gone); `Busy` for a flood wait longer than the flood control waits
    out (nothing was posted: it may go through after `retry_after`)."""
    if isinstance(exc, RetryAfter):
        raise Busy(error_text(exc), retry_after_seconds(exc)) from exc
    if isinstance(exc, Forbidden | ChatMigrated) or (
            isinstance(exc, BadRequest) and any(p in exc.message.lower() for p in _NO_CHAT)):
        raise Unreachable(error_text(exc)) from exc

