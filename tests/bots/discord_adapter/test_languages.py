"""Languages on Discord: the client's locale, `/language`, answers in one language, and
the slash commands' descriptions in every language, through the fake Discord."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.embedded_redis import EmbeddedRedis
from core.i18n import LANGUAGES, t, ui_language
from core.simulator import Simulator
from tests.fakes.discord_api import FakeMessage
from tests.kits.discord_bot import bot_message, bot_settings, containing, idle, running_bot

if TYPE_CHECKING:
    from tests.fakes.discord_fixtures import DiscordWorld

pytest_plugins = ("tests.fakes.discord_fixtures",)

#: Discord's locales for each of the bot's languages
LOCALES = {"zh": ["zh-CN", "zh-TW"], "es": ["es-ES", "es-419"], "ja": ["ja"],
           "pt-BR": ["pt-BR"]}


def labels(message: FakeMessage) -> list[object]:
    return [c.get("label") for row in message.components for c in row.get("components", [])]


async def test_descriptions_are_published_in_every_language(
        discord_world: DiscordWorld, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = discord_world.fake
    async with running_bot(bot_settings(simulator, redis_server, fake)):
        commands = {c["name"]: c for c in fake.synced_commands()}
    assert set(commands) >= {"export", "status", "credits", "new", "help", "link", "language"}
    for name, command in commands.items():
        items = [command, *command.get("options", [])]
        for item in items:
            localized = item.get("description_localizations") or {}
            for language in LANGUAGES[1:]:
                for locale in LOCALES[language]:
                    text = localized.get(locale)
                    assert text and 1 <= len(text) <= 100, (name, item["name"], locale)
                    assert text != item["description"], (name, item["name"], locale)
    assert commands["export"]["description_localizations"]["es-419"] == (
        "Renderizar el video y enviarlo aquí")
    ratio, length = commands["format"]["options"]
    square = next(c for c in ratio["choices"] if c["value"] == "1:1")
    assert (square["name"], square["name_localizations"]["es-ES"]) == ("1:1 Square", "1:1 Cuadrado")
    assert length["choices"][0]["name_localizations"]["ja"] == "15 秒"
    language = commands["language"]["options"][0]
    assert [c["value"] for c in language["choices"]] == list(LANGUAGES)
    assert all(ui_language(locale) == language for language, locales in LOCALES.items()
               for locale in locales)


async def test_language_switches_every_text_of_the_conversation(
        discord_world: DiscordWorld, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake, channel, alice = discord_world.fake, discord_world.channel, discord_world.user
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        await fake.dispatch_message(channel, alice, "/status", mentions_bot=True)
        status = await bot_message(fake, channel, containing("The timeline is empty"))
        assert labels(status) == ["Export", "Status", "Credits", "New project"]
        await idle(bot)

        ix = await fake.dispatch_slash_command("language", {"code": "es"}, channel, alice)
        await fake.wait_for(lambda: fake.followups(ix.token))
        assert fake.followups(ix.token)[0].content.startswith(
            "A partir de ahora te respondo en español")
        await idle(bot)

        await fake.dispatch_message(channel, alice, "status", mentions_bot=True)
        spanish = await bot_message(fake, channel, containing("La línea de tiempo está vacía"))
        assert labels(spanish) == ["Exportar", "Estado", "Créditos", "Nuevo proyecto"]
        await idle(bot)
        credits = await fake.dispatch_button("nemobot:credits", spanish, None, alice)
        await fake.wait_for(lambda: fake.followups(credits.token))
        assert fake.followups(credits.token)[0].content.startswith("Créditos:")
        await idle(bot)
        help_ = await fake.dispatch_slash_command("help", None, channel, alice)
        await fake.wait_for(lambda: fake.followups(help_.token))
        assert "/language [código] - elegir el idioma" in fake.followups(help_.token)[0].content


async def test_language_without_a_code_offers_the_five_as_buttons(
        discord_world: DiscordWorld, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake, channel, alice = discord_world.fake, discord_world.channel, discord_world.user
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        ix = await fake.dispatch_slash_command("language", None, channel, alice)
        await fake.wait_for(lambda: fake.followups(ix.token))
        [choose] = fake.followups(ix.token)
        assert labels(choose) == [
            "English", "简体中文", "Español", "日本語", "Português (Brasil)"]
        await idle(bot)
        japanese = [c for row in choose.components for c in row["components"]][3]
        await fake.dispatch_button(str(japanese["custom_id"]), choose, None, alice)
        await bot_message(fake, channel, containing("これからは日本語で返答します"))


async def test_the_clients_locale_and_the_messages_own(
        discord_world: DiscordWorld, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake, channel = discord_world.fake, discord_world.channel
    lucia = fake.add_user("lucia")
    lucia.locale = "es-419"
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        ix = await fake.dispatch_slash_command("status", None, channel, lucia)
        await fake.wait_for(lambda: fake.followups(ix.token))
        assert fake.followups(ix.token)[0].content == t("es", "status_empty")
        await idle(bot)
        await fake.dispatch_message(channel, discord_world.user, "余额", mentions_bot=True)
        await bot_message(fake, channel, containing("积分：可用"))


async def test_a_servers_language_answers_its_mentions(
        discord_world: DiscordWorld, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake, guild, channel = discord_world.fake, discord_world.guild, discord_world.channel
    guild.locale = "ja"
    async with running_bot(bot_settings(simulator, redis_server, fake)):
        await fake.dispatch_message(channel, discord_world.user, "status", mentions_bot=True)
        await bot_message(fake, channel, containing("タイムラインは空です"))
