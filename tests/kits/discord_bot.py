"""Running the real Discord bot against the fake Discord, the simulator and real Redis."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import discord
from pydantic import SecretStr

from bots.discord_adapter import DiscordBot, open_discord_bot
from bots.discord_adapter.settings import DiscordSettings
from core.embedded_redis import EmbeddedRedis
from core.messages import ChatKey
from core.settings import Settings
from core.simulator import Simulator
from core.store import ChatSession
from tests.fakes.discord_api import FAST_CLIENT_OPTIONS, FakeChannel, FakeDiscord, FakeMessage
from tests.kits.conversation import test_settings
from tests.kits.renders import OPERATOR_TOKEN, TINY_DRAFT
from tests.waiting import wait_until

T = TypeVar("T")

#: how long a test waits for something the bot does (it normally takes milliseconds)
WAIT = 20.0

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
    """The core's settings and the Discord adapter's, as `nemobot discord` loads them."""

    core: Settings
    discord: DiscordSettings


def bot_settings(simulator: Simulator, redis: EmbeddedRedis, fake: FakeDiscord,
                 **overrides: Any) -> BotSettings:
    """Settings for a bot on the fake Discord, the simulator (operator token) and Redis.
    Overrides go to the class that has them."""
    simulator.config.operator_tokens = [OPERATOR_TOKEN]
    values: dict[str, Any] = {
        **RENDER_FAST,
        "nemo_token": OPERATOR_TOKEN,
        "redis_url": SecretStr(redis.url),
        "data_dir": redis.data_dir.parent / "bot-data",
        "discord_token": SecretStr(fake.token),
        "discord_api_base": fake.api_base,
        "discord_gateway_url": fake.gateway_url,
        **overrides,
    }
    own = {name: values.pop(name) for name in list(values)
           if name in DiscordSettings.model_fields}
    return BotSettings(test_settings(simulator, **values),
                       DiscordSettings(_env_file=None, **own))  # type: ignore[call-arg]


def _fast_identify(client: discord.Client) -> None:
    async def before_identify_hook(shard_id: int | None, *, initial: bool = False) -> None:
        return None

    # discord.py waits 5 s before every IDENTIFY but the first (Discord's pacing)
    client.before_identify_hook = before_identify_hook  # type: ignore[method-assign]


@contextlib.asynccontextmanager
async def running_bot(settings: BotSettings) -> AsyncIterator[DiscordBot]:
    """The whole bot, started quickly, stopped at the end of the block."""
    async with open_discord_bot(settings.core, settings.discord, client_options=FAST_CLIENT_OPTIONS,
                                prepare=_fast_identify, ready_timeout=WAIT,
                                stop_grace=5.0) as bot:
        yield bot


async def bot_message(fake: FakeDiscord, channel: FakeChannel,
                      check: Callable[[FakeMessage], bool],
                      within: float = WAIT) -> FakeMessage:
    """The first visible bot message in `channel` that passes `check` (waiting for it)."""
    return await wait_until(
        lambda: next((m for m in fake.bot_messages(channel) if check(m)), None), within=within,
        what=f"a bot message in #{channel.name} passing the check", changes=fake.changes,
        show=lambda: [m.content for m in fake.bot_messages(channel)])


def containing(text: str) -> Callable[[FakeMessage], bool]:
    """A check: the message's content contains `text`."""
    return lambda m: text in m.content


def chat_of(channel: FakeChannel) -> ChatKey:
    """The bot's conversation key for a fake channel."""
    if channel.is_thread:
        return ChatKey("discord", str(channel.parent_id), str(channel.id))
    return ChatKey("discord", str(channel.id))


async def give_exportable_draft(bot: DiscordBot, simulator: Simulator,
                                chat: ChatKey) -> ChatSession:
    """Once the bot is idle, put the tiny red clip on the chat's NemoVideo project (the
    project must exist)."""
    await idle(bot)
    store = bot.runtime.sessions
    session = await store.load(chat)
    assert session.session_id, f"{chat} has no project yet"
    simulator.store.sessions[session.session_id].draft = dict(TINY_DRAFT)
    return session


async def exportable_project(bot: DiscordBot, fake: FakeDiscord, simulator: Simulator,
                             channel: FakeChannel, user: Any) -> ChatSession:
    """A new project in `channel`, started by `user` (/new, confirmed), holding the tiny
    red clip."""
    await fake.dispatch_message(channel, user, "/new confirm", mentions_bot=True)
    await bot_message(fake, channel, containing("New project"))
    return await give_exportable_draft(bot, simulator, chat_of(channel))


async def idle(bot: DiscordBot) -> None:
    """Wait until the bot has finished handling every message it received."""
    await bot.runtime.dispatcher.wait_idle()


def kinds(simulator: Simulator, prefix: str = "") -> list[str]:
    """The simulator's request kinds (those starting with `prefix`)."""
    return [r["kind"] for r in simulator.requests if r["kind"].startswith(prefix)]
