"""The Discord adapter: mentions, DMs, replies, slash commands and buttons in;
streamed answers, files and links out.

Modules: `inbound` (Discord objects as core messages), `outbound` (the core's
`Outgoing` on Discord), `views` (buttons), `events` (event and interaction
handlers), `settings` (the DISCORD_* settings), `app` (start-up, shutdown and
`nemobot discord`).
"""

from bots.discord_adapter.app import DiscordBot, open_discord_bot, run_discord
from bots.discord_adapter.settings import DiscordSettings

__all__ = ["DiscordBot", "DiscordSettings", "open_discord_bot", "run_discord"]
