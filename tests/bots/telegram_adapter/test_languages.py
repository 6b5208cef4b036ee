"""Languages on Telegram: the app's language and answers in one language, through the
fake Bot API server."""

from __future__ import annotations

from typing import Any

from core.embedded_redis import EmbeddedRedis
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


def labels(message: dict[str, Any]) -> list[str]:
    return [b["text"] for b in buttons_of(message)]


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
