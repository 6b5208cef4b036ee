"""The slash commands' descriptions in every language (other languages: `core/locales`).

Discord shows each user the descriptions of their client's language: they are
published as localizations through discord.py's `Translator` (`CommandTranslator`).
Command names stay as they are everywhere (they are the commands `/help` names).
"""

from __future__ import annotations

from discord import Locale, app_commands

from core.i18n import t, texts, ui_language, variant

texts({
    "discord.command.link": {
        "en": "Link your own NemoVideo account (in a DM with the bot)",
        "zh": "绑定你自己的 NemoVideo 账号（在与机器人的私信中）",
    },
    "discord.option.token": {
        "en": "Your NemoVideo token (nmv_usr_...)",
        "zh": "你的 NemoVideo 令牌（nmv_usr_...）",
    },
    "discord.command.admin": {
        "en": "Admins: usage, access lists, failures and the balance",
        "zh": "管理员：用量、访问列表、故障与余额",
    },
    "discord.option.entries": {
        "en": "e.g. discord:role:123 discord:user:456, or a mention",
        "zh": "例如 discord:role:123 discord:user:456，或一个提及",
    },
    "discord.command.quota": {
        "en": "Admins: a user's own limits",
        "zh": "管理员：设置用户的单独额度",
    },
    "discord.option.user": {
        "en": "discord:user:<id>, a mention, or a channel entry",
        "zh": "discord:user:<id>、一个提及或一个频道条目",
    },
    "discord.option.limits": {
        "en": "e.g. renders=5/day messages=30/hour credits=500/month",
        "zh": "例如 renders=5/day messages=30/hour credits=500/month",
    },
    "discord.command.language": {
        "en": "Choose the language I answer you in",
        "zh": "选择我回复你时使用的语言",
    },
    "discord.option.language": {
        "en": "The language (leave it out to see the choices)",
        "zh": "语言（不填则显示可选语言）",
    },
    "discord.command.format": {
        "en": "Choose the project's format and target length",
        "zh": "选择项目的画面比例和目标时长",
    },
    "discord.option.ratio": {"en": "The aspect ratio", "zh": "画面比例"},
    "discord.option.length": {"en": "The target length", "zh": "目标时长"},
    "discord.unknown_button": {
        "en": "This button no longer works. Send /help to see what I can do.",
        "zh": "这个按钮已失效。发送 /help 查看我能做什么。",
    },
    "discord.mention_me": {
        # a reply to the bot that does not ping it arrives without its text
        "en": "I can't read replies that don't mention me. Reply again with the @mention "
              "turned on, or start your message with my name.",
        "zh": "我无法读取没有提及我的回复。请在回复时开启 @提及，或在消息开头加上我的名字。",
    },
})


def described(key: str, **fields: object) -> app_commands.locale_str:
    """A command's or an option's description (or a choice's name): the text `key`
    formatted with `fields`, in English, translated into every language when the
    commands are synced."""
    return app_commands.locale_str(t("en", key, **fields), key=key, fields=fields)


class CommandTranslator(app_commands.Translator):
    """Translates descriptions and choice names made with `described` into Discord's
    locales."""

    async def translate(self, string: app_commands.locale_str, locale: Locale,
                        context: app_commands.TranslationContextTypes) -> str | None:
        """The text in the locale's language; None (Discord shows English) otherwise."""
        key = string.extras.get("key")
        language = ui_language(locale.value)
        if not isinstance(key, str) or language == "en":
            return None
        text = variant(key, language)
        fields = string.extras.get("fields") or {}
        return text.format(**fields) if text and fields else text
