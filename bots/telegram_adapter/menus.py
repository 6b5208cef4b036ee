"""The command menu in every language.

Telegram shows each user the most specific list it has: one set for them in a chat
(after `/language`), then the chat's (an admin's private chat, with the admin
commands), then the default; within a scope, the list for the user's app
language before the one without a language. So the default menu and the admins'
are published in each language, and a user's choice replaces every language of
their scope. Telegram's menu languages are two-letter codes: Brazilian Portuguese
is published for "pt", the only Portuguese the bot speaks.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeChatMember
from telegram.error import TelegramError

from core.i18n import LANGUAGES
from core.messages import ChatKey

from .errors import error_text
from .texts import menu

log = logging.getLogger(__name__)

Scope = BotCommandScopeChat | BotCommandScopeChatMember


def telegram_code(language: str) -> str:
    """Telegram's two-letter code for one of our languages ("pt-BR" -> "pt")."""
    return language.split("-", 1)[0]


def commands(language: str, *, admin: bool = False) -> list[BotCommand]:
    """The menu in `language` (with the admin commands for an admin)."""
    return [BotCommand(name, text) for name, text in menu(language, admin=admin)]


class Menus:
    """Publishes the menus; `admins` are the Telegram user ids among ADMINS."""

    def __init__(self, bot: Bot, admins: Iterable[int] = ()) -> None:
        self.bot = bot
        self.admins = frozenset(admins)

    async def publish(self) -> None:
        """The default menu and each admin's private menu, in every language (a failure
        is logged: the bot works without a menu)."""
        scopes: list[tuple[Scope | None, bool]] = [(None, False)]
        scopes += [(BotCommandScopeChat(admin), True) for admin in sorted(self.admins)]
        for scope, admin in scopes:
            try:
                await self.bot.set_my_commands(commands("en", admin=admin), scope=scope)
                for language in LANGUAGES[1:]:
                    await self.bot.set_my_commands(commands(language, admin=admin), scope=scope,
                                                   language_code=telegram_code(language))
            except TelegramError as exc:
                where = f" of chat {scope.chat_id}" if scope is not None else ""
                log.warning("telegram: could not set the command menu%s: %s", where,
                            error_text(exc))

    async def show_to(self, chat: ChatKey, user_id: str, language: str) -> None:
        """The menu in `language` for one user, whatever their app's language: in a
        private chat, the chat's own; in a group, that member's (Telegram has no menu
        per user across chats)."""
        chat_id, user = int(chat.chat_id), int(user_id)
        scope: Scope
        if chat_id == user:
            scope = BotCommandScopeChat(chat_id)
        else:
            scope = BotCommandScopeChatMember(chat_id, user)
        chosen = commands(language, admin=chat_id == user and user in self.admins)
        await self.bot.set_my_commands(chosen, scope=scope)
        for other in LANGUAGES[1:]:
            await self.bot.set_my_commands(chosen, scope=scope,
                                           language_code=telegram_code(other))
