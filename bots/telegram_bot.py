"""`nemobot telegram`: the entry point the command line imports."""

from bots.telegram_adapter import run_telegram

__all__ = ["run_telegram"]
