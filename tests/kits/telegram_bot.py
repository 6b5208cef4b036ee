"""Running the real Telegram bot against the fake Bot API server, the simulator and Redis."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from bots.telegram_adapter import TelegramBot, open_telegram_bot
from bots.telegram_adapter.flood import FloodControl
from bots.telegram_adapter.settings import TelegramSettings
from core.embedded_redis import EmbeddedRedis
from core.messages import ChatKey
from core.settings import Settings
from core.simulator import Simulator
from core.store import ChatSession
from tests.fakes.telegram_api import FakeChat, FakeTelegram, FakeUser, RecordedCall, free_port
from tests.kits.conversation import test_settings
from tests.kits.renders import OPERATOR_TOKEN, TINY_DRAFT
from tests.kits.simulator import samples
from tests.waiting import wait_until

JSONDict = dict[str, Any]

#: how long a test waits for something the bot does (it normally takes milliseconds)
WAIT = 20.0
WEBHOOK_SECRET = "webhook-secret_for-tests"

#: a real (tiny) MP4: NemoVideo refuses media it cannot read
CLIP = samples()["clip"].read_bytes()

RENDER_FAST: dict[str, Any] = {
    "render_first_poll": 0.05,
    "render_poll_factor": 1.5,
    "render_poll_max": 0.2,
    "render_poll_min": 0.05,
    "render_claim_idle": 1.0,
    "render_submit_grace": 1.0,
    "render_edit_interval": 0.5,
}


@dataclass(frozen=True)
class BotSettings:
    """The core's settings and the Telegram adapter's, as `nemobot telegram` loads them."""

    core: Settings
    telegram: TelegramSettings


def bot_settings(simulator: Simulator, redis: EmbeddedRedis | tuple[str, Path],
                 fake: FakeTelegram, *, webhook: bool = False,
                 **overrides: Any) -> BotSettings:
    """Settings for a bot on the fake Bot API server (polling, or a webhook on a free
    loopback port), the simulator (operator token) and Redis (a test server, or a URL and
    a data directory: redis+cluster:// for a cluster). Overrides go to the class that
    has them."""
    simulator.config.operator_tokens = [OPERATOR_TOKEN]
    url, data_dir = redis if isinstance(redis, tuple) else (redis.url, redis.data_dir.parent)
    values: dict[str, Any] = {
        **RENDER_FAST,
        "nemo_token": OPERATOR_TOKEN,
        "redis_url": SecretStr(url),
        "data_dir": data_dir / "bot-data",
        "telegram_token": SecretStr(fake.token),
        "telegram_base_url": fake.base_url,
        "telegram_base_file_url": fake.base_file_url,
        "telegram_local_mode": fake.local_mode,
        "telegram_poll_timeout": 1,
        "telegram_album_wait": 0.3,
    }
    if webhook:
        port = free_port()
        values.update(
            telegram_webhook_url=f"http://127.0.0.1:{port}/telegram",
            telegram_webhook_listen="127.0.0.1",
            telegram_webhook_port=port,
            telegram_webhook_secret=SecretStr(WEBHOOK_SECRET),
        )
    values.update(overrides)
    own = {name: values.pop(name) for name in list(values)
           if name in TelegramSettings.model_fields}
    return BotSettings(test_settings(simulator, **values),
                       TelegramSettings(_env_file=None, **own))  # type: ignore[call-arg]


@contextlib.asynccontextmanager
async def running_bot(settings: BotSettings, *,
                      flood: FloodControl | None = None) -> AsyncIterator[TelegramBot]:
    """The whole bot, stopped at the end of the block. The fake Bot API has no per-chat
    limit, so messages to one chat are not paced at Telegram's 1 a second here (the
    pacing itself is tested in test_telegram_flood.py); `flood` replaces that control."""
    flood = flood or FloodControl(chat_rate=100.0, chat_burst=20)
    async with open_telegram_bot(settings.core, settings.telegram, stop_grace=5.0,
                                 flood=flood) as bot:
        yield bot


def chat_of(chat: FakeChat, topic: int | None = None) -> ChatKey:
    """The bot's conversation key for a fake chat (or one of its forum topics)."""
    return ChatKey("telegram", str(chat.id), str(topic) if topic is not None else None)


def shown(message: JSONDict) -> str:
    """A message's text or caption."""
    return str(message.get("text", message.get("caption", "")))


def bot_messages(fake: FakeTelegram, chat: FakeChat) -> list[JSONDict]:
    """The bot's messages in a chat as they are now (after edits; deleted ones left out)."""
    current = (fake.message(chat.id, m["message_id"]) for m in fake.sent_messages(chat.id))
    return [m for m in current if m is not None]


async def bot_message(fake: FakeTelegram, chat: FakeChat, check: Callable[[JSONDict], bool],
                      within: float = WAIT) -> JSONDict:
    """The first bot message in `chat` (as it is now) that passes `check`, waiting for it."""
    return await wait_until(
        lambda: next((m for m in bot_messages(fake, chat) if check(m)), None), within=within,
        what=f"a bot message in chat {chat.id} passing the check", changes=fake.changes,
        show=lambda: [shown(m) for m in bot_messages(fake, chat)])


def containing(text: str) -> Callable[[JSONDict], bool]:
    """A check: the message's text or caption contains `text`."""
    return lambda m: text in shown(m)


def buttons_of(message: JSONDict) -> list[JSONDict]:
    """The inline buttons under a message, row after row."""
    markup = message.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


def calls(fake: FakeTelegram, method: str, chat: FakeChat | None = None) -> list[RecordedCall]:
    """Recorded calls of a method (to one chat)."""
    return [c for c in fake.calls_to(method) if chat is None or c.chat_id == chat.id]


async def give_exportable_draft(bot: TelegramBot, simulator: Simulator,
                                chat: ChatKey) -> ChatSession:
    """Put the tiny red clip on the chat's NemoVideo project (it must exist)."""
    session = await bot.runtime.sessions.load(chat)
    assert session.session_id, f"{chat} has no project yet"
    simulator.store.sessions[session.session_id].draft = dict(TINY_DRAFT)
    return session


async def exportable_project(bot: TelegramBot, fake: FakeTelegram, simulator: Simulator,
                             chat: FakeChat, user: FakeUser) -> ChatSession:
    """A new project in `chat`, started by `user` (/new, confirmed in a group), holding
    the tiny red clip."""
    fake.text(chat, user, "/new" if chat.type == "private" else "/new confirm")
    await bot_message(fake, chat, containing("New project"))
    return await give_exportable_draft(bot, simulator, chat_of(chat))


def kinds(simulator: Simulator, prefix: str = "") -> list[str]:
    """The simulator's request kinds (those starting with `prefix`)."""
    return [r["kind"] for r in simulator.requests if r["kind"].startswith(prefix)]


def uploaded_names(simulator: Simulator) -> list[str]:
    """Names of the files the simulator received, over every project."""
    return [m.filename for s in simulator.store.sessions.values() for m in s.media]
