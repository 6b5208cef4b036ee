"""The Telegram adapter: messages, albums, commands and buttons in; streamed answers,
videos and links out.

Modules: `inbound` (Telegram messages as core messages, files opened lazily),
`albums` (gathering albums in Redis), `outbound` (the core's `Outgoing` on
Telegram), `flood` (flood limits and network blips), `handlers` (update and
button handlers), `texts` (what the adapter itself says), `settings` (the
TELEGRAM_* settings), `app` (start-up, shutdown, polling or webhook, and
`nemobot telegram`).
"""

from bots.telegram_adapter.app import TelegramBot, open_telegram_bot, run_telegram
from bots.telegram_adapter.settings import TelegramSettings

__all__ = ["TelegramBot", "TelegramSettings", "open_telegram_bot", "run_telegram"]
