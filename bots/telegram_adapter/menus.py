"""The command menu in every language: Telegram shows each user the list published for
their app's language, or the one set for them in a chat (after `/language`).

Telegram's menu languages are two-letter codes: Brazilian Portuguese is published
for "pt", the only Portuguese the bot speaks.
"""

from __future__ import annotations

import logging

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeChatMember,
)

from core.i18n import LANGUAGES
from core.messages import ChatKey

from .texts import menu

log = logging.getLogger(__name__)


def telegram_code(language: str) -> str:
    """Telegram's two-letter code for one of our languages ("pt-BR" -> "pt")."""
    return language.split("-", 1)[0]


def commands(language: str) -> list[BotCommand]:
    """The menu in `language`."""
    return [BotCommand(name, description) for name, description in menu(language)]


async def publish(bot: Bot) -> None:
    """The default menu (English) and one per language."""
    await bot.set_my_commands(commands("en"))
    for language in LANGUAGES[1:]:
        await bot.set_my_commands(commands(language), language_code=telegram_code(language))


async def show_to(bot: Bot, chat: ChatKey, user_id: str, language: str) -> None:
    """The menu in `language` for one user: in a private chat, the chat's own; in a group,
    that member's (Telegram has no per-user menu across chats)."""
    chat_id = int(chat.chat_id)
    if chat.chat_id == user_id:
        scope: BotCommandScopeChat | BotCommandScopeChatMember = BotCommandScopeChat(chat_id)
    else:
        scope = BotCommandScopeChatMember(chat_id, int(user_id))
    await bot.set_my_commands(commands(language), scope=scope)
