"""The Discord adapter: mentions, DMs, replies, slash commands and buttons in;
streamed answers, files and links out.

Modules: `inbound` (Discord objects as core messages), `outbound` (the core's
`Outgoing` on Discord), `views` (buttons), `events` (event and interaction
handlers), `app` (start-up, shutdown and `nemobot discord`).
"""

from bots.discord_adapter.app import DiscordBot, open_discord_bot, run_discord

__all__ = ["DiscordBot", "open_discord_bot", "run_discord"]
