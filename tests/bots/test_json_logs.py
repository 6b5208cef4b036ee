"""LOG_FORMAT=json: one JSON object per line, with the chat, platform, message id, render
id and error id as fields; the error id a user is shown finds its log line; the bot's
token never appears."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from core.embedded_redis import EmbeddedRedis
from core.logs import JsonFormatter, log_fields
from core.messages import ChatKey
from core.simulator import Simulator
from tests.fakes.telegram_api import FakeTelegram, free_port
from tests.kits import process
from tests.kits.telegram_bot import (
    bot_message,
    bot_settings,
    chat_of,
    containing,
    running_bot,
)
from tests.kits.web import answering

pytest_plugins = ["tests.fakes.telegram_fixtures"]


@contextlib.contextmanager
def json_log() -> Iterator[io.StringIO]:
    """The root logger's INFO records, as LOG_FORMAT=json writes them, in a buffer."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def lines_of(stream: io.StringIO) -> list[dict[str, Any]]:
    """Every line parsed (each one must be a JSON object)."""
    return [json.loads(line) for line in stream.getvalue().splitlines()]


async def nonsense(request: web.Request) -> web.Response:
    """A NemoVideo that answers every request with a JSON list: the client cannot make
    sense of it, so the user gets the apology with an error id."""
    return web.json_response([1, 2, 3])


async def test_the_error_id_a_user_sees_finds_the_log_line(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    dm = fake.private_chat(alice)
    async with answering(nonsense) as url:
        settings = bot_settings(simulator, redis_server, fake)
        settings = type(settings)(settings.core.model_copy(update={"nemo_api_url": url}),
                                  settings.telegram)
        with json_log() as stream:
            async with running_bot(settings):
                update = fake.text(dm, alice, "/new")
                reply = await bot_message(fake, dm, containing("an answer I can't read"))
    match = re.search(r"error ([0-9a-f]{8})", reply["text"])
    assert match, reply["text"]
    error_id = match.group(1)
    [line] = [line for line in lines_of(stream) if line.get("error_id") == error_id]
    assert line["level"] == "ERROR" and "ProtocolError" in line["exc"]
    assert line["chat"] == str(chat_of(dm)) and line["platform"] == "telegram"
    assert line["message_id"] == str(update["message"]["message_id"])
    step = [entry for entry in lines_of(stream) if entry["logger"] == "core.conversation"
            ".middleware" and entry.get("chat") == str(chat_of(dm))]
    assert step and all(entry["platform"] == "telegram" for entry in step)


def test_fields_come_from_the_context_and_the_arguments() -> None:
    chat = ChatKey("discord", "42", "7")
    with json_log() as stream:
        log = logging.getLogger("tests.json")
        with log_fields(chat=chat, render_id="render_abc"):
            log.info("polling")
        log.warning("chat %s: no context here", ChatKey("telegram", "5"))
        log.info("plain")
    polling, named, plain = lines_of(stream)
    assert polling["chat"] == "discord:42:7" and polling["platform"] == "discord"
    assert polling["render_id"] == "render_abc" and polling["message"] == "polling"
    assert named["chat"] == "telegram:5" and named["platform"] == "telegram"
    assert named["level"] == "WARNING"
    assert set(plain) == {"time", "level", "logger", "message"}


async def test_the_bot_writes_json_lines_without_its_token(
        tmp_path: Path, fake_telegram: FakeTelegram, simulator: Simulator,
        redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    dm = fake.private_chat(alice)
    env = process.environment(
        tmp_path, LOG_FORMAT="json", LOG_LEVEL="DEBUG", REDIS_URL=redis_server.url,
        NEMO_API_URL=simulator.base_url, TELEGRAM_TOKEN=fake.token,
        TELEGRAM_BASE_URL=fake.base_url, TELEGRAM_POLL_TIMEOUT="1")
    bot = await process.start(["telegram"], env, tmp_path)
    try:
        fake.text(dm, alice, "/help")
        await bot_message(fake, dm, containing("Send clips"), within=process.PROCESS_WAIT)
    finally:
        finished = await process.stop(bot)
    assert finished.code == 0, finished.stderr[-2000:]
    lines = [json.loads(line) for line in finished.lines]
    assert fake.token not in finished.stderr
    assert any(line.get("chat") == str(chat_of(dm)) and line.get("message_id")
               for line in lines)


async def test_a_failed_start_is_a_json_line_too(tmp_path: Path) -> None:
    """A log collector reading stderr gets the one line a failed start writes as JSON."""
    env = process.environment(tmp_path, LOG_FORMAT="json", TELEGRAM_TOKEN="1:x",
                              REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
                              REDIS_START_WAIT="0.3", LOG_LEVEL="WARNING")
    finished = await process.run(["telegram"], env, tmp_path)
    assert finished.code == 2
    [line] = [json.loads(text) for text in finished.lines if "Redis is not answering" in text]
    assert line["level"] == "ERROR" and line["message"].startswith("nemobot: Redis is not")


@pytest.mark.parametrize(("command", "env", "said"), [
    ("telegram", {}, "TELEGRAM_TOKEN is not set"),
    ("discord", {}, "DISCORD_TOKEN is not set"),
    ("telegram", {"TELEGRAM_TOKEN": "1:x", "TELEGRAM_WEBHOOK_URL": "https://bot.example/h"},
     "TELEGRAM_WEBHOOK_URL needs TELEGRAM_WEBHOOK_SECRET"),
])
async def test_a_setting_that_keeps_a_bot_from_starting_is_a_json_line_too(
        tmp_path: Path, command: str, env: dict[str, str], said: str) -> None:
    settings = process.environment(tmp_path, LOG_FORMAT="json", LOG_LEVEL="WARNING", **env)
    finished = await process.run([command], settings, tmp_path)
    assert finished.code == 2
    [line] = [json.loads(text) for text in finished.lines]
    assert line["level"] == "ERROR" and line["message"].startswith(said), line


@pytest.mark.parametrize("command", ["telegram", "migrate"])
async def test_invalid_settings_are_a_json_line_too(tmp_path: Path, command: str) -> None:
    """The settings could not be read, LOG_FORMAT among them: it is taken from the
    environment, and the problems are one JSON line."""
    settings = process.environment(tmp_path, LOG_FORMAT="json", REDIS_CLUSTER="maybe",
                                   RENDER_SHARDS="0", TELEGRAM_TOKEN="1:x")
    finished = await process.run([command], settings, tmp_path)
    assert finished.code == 2
    [line] = [json.loads(text) for text in finished.lines]
    assert line["level"] == "ERROR" and line["message"].startswith("nemobot: Invalid settings")
    assert "REDIS_CLUSTER" in line["message"] and "RENDER_SHARDS" in line["message"]
