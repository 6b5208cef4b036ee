"""Health and metrics on METRICS_PORT: /metrics moves with a conversation and an export,
/readyz follows Redis, and nothing is served when METRICS_PORT is unset."""

from __future__ import annotations

import asyncio
import os
import re
import sys

import httpx
import pytest

from core import observe
from core.embedded_redis import EmbeddedRedis
from core.simulator import Fault, Simulator
from tests.fakes.discord_fixtures import DiscordWorld
from tests.fakes.telegram_api import FakeTelegram, free_port
from tests.kits.discord_bot import bot_message as discord_message
from tests.kits.discord_bot import bot_settings as discord_settings
from tests.kits.discord_bot import running_bot as running_discord
from tests.kits.telegram_bot import (
    WAIT,
    bot_message,
    bot_settings,
    chat_of,
    containing,
    give_exportable_draft,
    running_bot,
)
from tests.waiting import wait_until

pytest_plugins = ["tests.fakes.telegram_fixtures", "tests.fakes.discord_fixtures"]


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in a Prometheus exposition (0 when absent)."""
    for line in text.splitlines():
        match = re.fullmatch(r"([a-z_]+)(?:\{(.*)\})? (\S+)", line)
        if match is None or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(match.group(3))
    return 0.0


async def test_metrics_move_with_a_conversation_and_an_export(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    dm = fake.private_chat(alice)
    port = free_port()
    settings = bot_settings(simulator, redis_server, fake, metrics_port=port,
                            metrics_listen="127.0.0.1")
    base = f"http://127.0.0.1:{port}"
    async with running_bot(settings) as bot, httpx.AsyncClient(base_url=base) as http:
        assert (await http.get("/healthz")).status_code == 200
        fake.text(dm, alice, "make me a video of the sea")
        await bot_message(fake, dm, containing("Your raw video is ready"))
        await give_exportable_draft(bot, simulator, chat_of(dm))
        fake.text(dm, alice, "/export")
        await bot_message(fake, dm, containing("Rendering done"))
        simulator.inject(Fault("server_error", count=10, path="/api/credits"))
        fake.text(dm, alice, "/credits")
        await bot_message(fake, dm, containing("isn't answering"))
        response = await http.get("/metrics")
        # what a scraper asks for, it gets: OpenMetrics for Prometheus's usual Accept
        scraped = await http.get("/metrics", headers={"Accept": (
            "application/openmetrics-text;version=1.0.0;q=0.9,"
            "text/plain;version=0.0.4;q=0.5,*/*;q=0.1")})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert scraped.headers["content-type"].startswith("application/openmetrics-text")
    assert scraped.text.rstrip().endswith("# EOF")
    text = response.text
    telegram = {"platform": "telegram"}
    assert sample(text, "nemobot_messages_received_total", intent="agent", **telegram) == 1
    assert sample(text, "nemobot_messages_received_total", intent="export", **telegram) == 1
    assert sample(text, "nemobot_messages_answered_total", intent="agent", outcome="done",
                  **telegram) == 1
    assert sample(text, "nemobot_turn_seconds_count", intent="export", **telegram) == 1
    assert sample(text, "nemobot_agent_stream_seconds_count", outcome="ok") == 1
    for event in ("submitted", "completed", "delivered"):
        assert sample(text, "nemobot_renders_total", event=event, **telegram) == 1, event
    assert sample(text, "nemobot_render_delivery_seconds_count", **telegram) == 1
    assert sample(text, "nemobot_backend_errors_total", call="credits", code="http_503") == 1
    assert sample(text, "nemobot_renders_live", **telegram) == 0
    assert "nemobot_chats_waiting" in text and "nemobot_lock_waits_total" in text
    assert type(observe.probe()) is observe.Probe, "the metrics probe left with the bot"


async def test_readyz_follows_redis(fake_telegram: FakeTelegram, simulator: Simulator,
                                    redis_server: EmbeddedRedis) -> None:
    port = free_port()
    settings = bot_settings(simulator, redis_server, fake_telegram, metrics_port=port,
                            metrics_listen="127.0.0.1")
    async with running_bot(settings), \
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
        ready = await http.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"] == {"redis": "ok", "renders": "ok", "telegram": "ok"}
        assert await image_health_check(port) == 0

        redis_server.stop(kill=True)
        down = await wait_until(lambda: _status(http, 503), within=WAIT, what="/readyz 503")
        assert down.json()["checks"]["redis"] != "ok"
        assert (await http.get("/healthz")).status_code == 200, "alive all the same"
        assert await image_health_check(port) == 1

        redis_server.start()
        await wait_until(lambda: _status(http, 200), within=WAIT, what="/readyz 200")
        metrics = (await http.get("/metrics")).text
    assert sample(metrics, "nemobot_redis_errors_total", error="ConnectionError") >= 1


async def test_readyz_says_when_long_polling_gets_no_updates(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The process runs, but every getUpdates fails (the Bot API down, a 409 while another
    process polls the bot): not ready, until an answer comes again."""
    monkeypatch.setattr("bots.telegram_adapter.polling.FAILING_FOR", 0.3)
    port = free_port()
    settings = bot_settings(simulator, redis_server, fake_telegram, metrics_port=port,
                            metrics_listen="127.0.0.1")
    async with running_bot(settings), \
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
        await wait_until(lambda: _status(http, 200), within=WAIT, what="/readyz 200")
        fake_telegram.fail_next("getUpdates", 409, "Conflict: terminated by other getUpdates "
                                "request; make sure that only one bot instance is running",
                                count=None)
        down = await wait_until(lambda: _status(http, 503), within=WAIT, what="/readyz 503")
        assert down.json()["checks"]["telegram"] != "ok"
        fake_telegram.clear_faults()
        await wait_until(lambda: _status(http, 200), within=WAIT, what="/readyz 200 again")


async def image_health_check(port: int) -> int:
    """The exit status of the image's HEALTHCHECK command for a process on `port`."""
    env = {**os.environ, "METRICS_PORT": str(port)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bots.healthcheck", env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    return await proc.wait()


async def _status(http: httpx.AsyncClient, status: int) -> httpx.Response | None:
    response = await http.get("/readyz")
    return response if response.status_code == status else None


async def test_no_server_without_metrics_port(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    async with running_bot(bot_settings(simulator, redis_server, fake_telegram)) as bot:
        assert bot.runtime.health.port is None
        assert type(observe.probe()) is observe.Probe
        assert set(bot.runtime.health.checks) == {"redis", "renders", "telegram"}


async def test_platform_429s_are_counted(
        fake_telegram: FakeTelegram, discord_world: DiscordWorld, simulator: Simulator,
        redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    dm = fake.private_chat(alice)
    port = free_port()
    fake.flood(retry_after=1, chat_id=dm.id, method="sendMessage", count=1)
    settings = bot_settings(simulator, redis_server, fake, metrics_port=port,
                            metrics_listen="127.0.0.1")
    async with running_bot(settings), httpx.AsyncClient() as http:
        fake.text(dm, alice, "/help")
        await bot_message(fake, dm, containing("Send clips"))
        telegram = (await http.get(f"http://127.0.0.1:{port}/metrics")).text

    discord, channel = discord_world.fake, discord_world.channel
    discord.rate_limit(rf"/channels/{channel.id}/messages", method="POST", retry_after=0.05,
                       count=2)
    port = free_port()
    settings_d = discord_settings(simulator, redis_server, discord, metrics_port=port,
                                  metrics_listen="127.0.0.1")
    async with running_discord(settings_d), httpx.AsyncClient() as http:
        await discord.dispatch_message(channel, discord_world.user, "/help", mentions_bot=True)
        await discord_message(discord, channel, lambda m: "Send clips" in m.content)
        metrics = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
    assert sample(telegram, "nemobot_platform_rate_limited_total", platform="telegram") == 1
    assert sample(metrics, "nemobot_platform_rate_limited_total", platform="discord") == 2
