"""The slash commands' descriptions in every language (other languages: `core/locales`).

Discord shows each user the descriptions of their client's language: they are
published as localizations through discord.py's `Translator` (`CommandTranslator`).
Command names stay as they are everywhere (they are the commands `/help` names).
"""

from __future__ import annotations

from discord import Locale, app_commands

from core.i18n import texts, ui_language, variant

texts({
    "discord.command.link": {
        "en": "Link your own NemoVideo account (your token stays private)",
        "zh": "绑定你自己的 NemoVideo 账号（令牌不会公开）",
    },
    "discord.option.token": {
        "en": "Your NemoVideo token (nmv_usr_...)",
        "zh": "你的 NemoVideo 令牌（nmv_usr_...）",
    },
    "discord.command.language": {
        "en": "Choose the language I answer you in",
        "zh": "选择我回复你时使用的语言",
    },
    "discord.option.language": {
        "en": "The language (leave it out to see the choices)",
        "zh": "语言（不填则显示可选语言）",
    },
})


def described(key: str, english: str) -> app_commands.locale_str:
    """A command or option description, translated from the text `key`."""
    return app_commands.locale_str(english, key=key)


class CommandTranslator(app_commands.Translator):
    """Translates descriptions made with `described` into Discord's locales."""

    async def translate(self, string: app_commands.locale_str, locale: Locale,
                        context: app_commands.TranslationContextTypes) -> str | None:
        """The text in the locale's language; None (Discord shows English) otherwise."""
        key = string.extras.get("key")
        language = ui_language(locale.value)
        if not isinstance(key, str) or language == "en":
            return None
        return variant(key, language)
