"""Running the real Discord bot against the fake Discord, the simulator and real Redis."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import discord
from pydantic import SecretStr

from bots.discord_adapter import DiscordBot, open_discord_bot
from core.embedded_redis import EmbeddedRedis
from core.messages import ChatKey
from core.settings import Settings
from core.simulator import Simulator
from core.store import ChatSession, SessionStore
from tests.conversation_kit import test_settings
from tests.fakes.discord_api import FAST_CLIENT_OPTIONS, FakeChannel, FakeDiscord, FakeMessage
from tests.renders_kit import OPERATOR_TOKEN, TINY_DRAFT
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


def bot_settings(simulator: Simulator, redis: EmbeddedRedis, fake: FakeDiscord,
                 **overrides: Any) -> Settings:
    """Settings for a bot on the fake Discord, the simulator (operator token) and Redis."""
    simulator.config.operator_tokens = [OPERATOR_TOKEN]
    values: dict[str, Any] = {
        **RENDER_FAST,
        "nemo_token": OPERATOR_TOKEN,
        "redis_url": SecretStr(redis.url),
        "discord_token": SecretStr(fake.token),
        "discord_api_base": fake.api_base,
        "discord_gateway_url": fake.gateway_url,
        **overrides,
    }
    return test_settings(simulator, **values)


def _fast_identify(client: discord.Client) -> None:
    async def before_identify_hook(shard_id: int | None, *, initial: bool = False) -> None:
        return None

    # discord.py waits 5 s before every IDENTIFY but the first (Discord's pacing)
    client.before_identify_hook = before_identify_hook  # type: ignore[method-assign]


@contextlib.asynccontextmanager
async def running_bot(settings: Settings) -> AsyncIterator[DiscordBot]:
    """The whole bot, started quickly, stopped at the end of the block."""
    async with open_discord_bot(settings, client_options=FAST_CLIENT_OPTIONS,
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
    store: SessionStore = bot.runtime.store
    session = await store.load(chat)
    assert session.session_id, f"{chat} has no project yet"
    simulator.store.sessions[session.session_id].draft = dict(TINY_DRAFT)
    return session


async def idle(bot: DiscordBot) -> None:
    """Wait until the bot has finished handling every message it received."""
    await bot.runtime.engine.wait_idle()


def kinds(simulator: Simulator, prefix: str = "") -> list[str]:
    """The simulator's request kinds (those starting with `prefix`)."""
    return [r["kind"] for r in simulator.requests if r["kind"].startswith(prefix)]
