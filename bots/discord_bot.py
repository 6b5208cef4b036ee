"""`nemobot discord`: the entry point the command line imports."""

from bots.discord_adapter import run_discord

__all__ = ["run_discord"]
