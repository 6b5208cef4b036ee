"""Languages on Telegram: the app's language, `/language`, answers in one language, and
the command menu in every language, through the fake Bot API server."""

from __future__ import annotations

from typing import Any

from bots.telegram_adapter.texts import COMMANDS
from core.embedded_redis import EmbeddedRedis
from core.i18n import t
from core.simulator import Simulator
from tests.fakes.telegram_api import FakeTelegram
from tests.kits.telegram_bot import (
    bot_message,
    bot_settings,
    buttons_of,
    containing,
    running_bot,
    shown,
)

pytest_plugins = ["tests.fakes.telegram_fixtures"]

MENU = list(COMMANDS)


def menu_texts(language: str) -> list[str]:
    return [t(language, f"telegram.command.{name}") for name in MENU]


def labels(message: dict[str, Any]) -> list[str]:
    return [b["text"] for b in buttons_of(message)]


async def test_language_switches_every_text_of_the_conversation(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    alice = fake.user("Alice", language_code="en")
    dm = fake.private_chat(alice)
    async with running_bot(bot_settings(simulator, redis_server, fake)):
        fake.text(dm, alice, "/start")
        welcome = await bot_message(fake, dm, containing("Ready when you are"))
        assert labels(welcome) == [
            "Generate a 30s promo clip", "Generate a 10-second video of the sea at sunset",
            "What can you do?"]

        fake.text(dm, alice, "/language es")
        await bot_message(fake, dm, containing("A partir de ahora te respondo en español"))
        chat_menu = await fake.wait_until(
            lambda: fake.commands("", scope={"type": "chat", "chat_id": dm.id}), 20.0)
        assert [c["command"] for c in chat_menu] == MENU
        assert [c["description"] for c in chat_menu] == menu_texts("es")

        fake.text(dm, alice, "/status")
        status = await bot_message(fake, dm, containing("La línea de tiempo está vacía"))
        assert labels(status) == ["Exportar", "Estado", "Créditos", "Nuevo proyecto"]
        fake.callback(dm, alice, status["message_id"], "nemo:credits")
        await bot_message(fake, dm, containing("Créditos: 100000 disponibles"))
        fake.text(dm, alice, "/help")
        await bot_message(fake, dm,
                          containing("/language [código] - elegir el idioma de mis respuestas"))


async def test_language_without_a_code_offers_the_five_as_buttons(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    bruno = fake.user("Bruno", language_code="en")
    dm = fake.private_chat(bruno)
    async with running_bot(bot_settings(simulator, redis_server, fake)):
        fake.text(dm, bruno, "/language")
        choose = await bot_message(fake, dm, containing("Choose a language"))
        buttons = buttons_of(choose)
        assert [b["text"] for b in buttons] == [
            "English", "简体中文", "Español", "日本語", "Português (Brasil)"]
        fake.callback(dm, bruno, choose["message_id"], buttons[4]["callback_data"])
        await bot_message(fake, dm, containing("A partir de agora respondo em português"))
        fake.text(dm, bruno, "credits")
        await bot_message(fake, dm, containing("Créditos: 100000 disponíveis"))


async def test_the_apps_language_and_the_messages_own(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    kenji = fake.user("Kenji", language_code="ja")
    carla = fake.user("Carla", language_code="pt-br")
    ada = fake.user("Ada", language_code="en")
    async with running_bot(bot_settings(simulator, redis_server, fake)):
        fake.text(fake.private_chat(kenji), kenji, "/status")
        status = await bot_message(fake, fake.private_chat(kenji), containing("タイムライン"))
        assert labels(status) == ["書き出し", "ステータス", "クレジット", "新規プロジェクト"]
        carla_dm = fake.private_chat(carla)
        fake.text(carla_dm, carla, "/credits")
        await bot_message(fake, carla_dm, containing("Créditos: 100000 disponíveis"))
        fake.text(fake.private_chat(ada), ada, "余额")
        credits = await bot_message(fake, fake.private_chat(ada), containing("积分"))
        assert shown(credits).startswith("积分：可用 100000")
        assert "Credits" not in shown(credits) and "Register" not in shown(credits)


async def test_language_in_a_group_sets_that_members_menu(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    alice, bob = fake.user("Alice"), fake.user("Bob")
    group = fake.group("Editors")
    async with running_bot(bot_settings(simulator, redis_server, fake)):
        fake.text(group, alice, "/language ja")
        await bot_message(fake, group, containing("これからは日本語で返答します"))
        scope = {"type": "chat_member", "chat_id": group.id, "user_id": alice.id}
        menu = await fake.wait_until(lambda: fake.commands("", scope=scope), 20.0)
        assert [c["description"] for c in menu] == menu_texts("ja")
        fake.text(group, bob, "/credits")
        await bot_message(fake, group, containing("Credits: 100000 available"))


async def test_an_admins_menu_keeps_the_admin_commands_in_their_language(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    admin = fake.user("Root", language_code="ja")
    dm = fake.private_chat(admin)
    scope = {"type": "chat", "chat_id": dm.id}
    settings = bot_settings(simulator, redis_server, fake, admins=f"telegram:user:{admin.id}")
    async with running_bot(settings):
        published = {code: fake.commands(code, scope=scope) for code in ("", "ja", "pt")}
        admin_menu = [*MENU, "admin", "allow", "block", "unblock", "quota"]
        assert all([c["command"] for c in menu] == admin_menu for menu in published.values())
        assert published["ja"][-1]["description"] == t("ja", "telegram.command.quota")

        fake.text(dm, admin, "/language pt")
        await bot_message(fake, dm, containing("A partir de agora respondo em português"))
        chosen = fake.commands("ja", scope=scope)  # what the admin's Japanese app shows
        assert [c["command"] for c in chosen] == admin_menu
        assert [c["description"] for c in chosen] == [
            t("pt-BR", f"telegram.command.{name}") for name in admin_menu]
