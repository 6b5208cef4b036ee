"""The agent's answers through the real Telegram bot and the fake Bot API: an answer the
platform refuses is sent again, never turned into an error nor a second agent call; the
live message's Cancel button; options offered as buttons and pressed."""

from __future__ import annotations

import logging

import pytest

from bots.telegram_adapter.flood import FloodControl
from core.embedded_redis import EmbeddedRedis
from core.simulator import Simulator
from tests.fakes.telegram_api import FakeChat, FakeTelegram
from tests.kits.telegram_bot import (
    WAIT,
    bot_message,
    bot_settings,
    buttons_of,
    calls,
    chat_of,
    containing,
    exportable_project,
    kinds,
    running_bot,
    shown,
)
from tests.kits.transcripts import WELCOME_END
from tests.waiting import wait_until

pytest_plugins = ["tests.fakes.telegram_fixtures"]

ANSWER = "I'm your NemoVideo editor"


def logged(caplog: pytest.LogCaptureFixture, text: str) -> bool:
    return any(text in r.getMessage() for r in caplog.records
               if r.name == "core.conversation.delivery")


def everything_sent(fake: FakeTelegram, chat: FakeChat) -> list[str]:
    """Every text the bot tried to show in the chat, refused or not."""
    return [str(c.params.get("text", "")) for c in
            calls(fake, "sendMessage", chat) + calls(fake, "editMessageText", chat)]


async def test_an_answer_the_platform_refuses_is_sent_again_not_turned_into_an_error(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    fake = fake_telegram
    alice = fake.user("Alice")
    dm = fake.private_chat(alice)
    settings = bot_settings(simulator, redis_server, fake, answer_delivery_patience=10.0)
    async with running_bot(settings):
        fake.server_error("sendMessage", chat_id=dm.id, count=None)  # 502, again and again
        fake.text(dm, alice, "hello")
        await wait_until(lambda: logged(caplog, "the answer not delivered"), within=WAIT,
                         what="a refused answer")
        fake.clear_faults()
        answer = await bot_message(fake, dm, containing(ANSWER))
    assert kinds(simulator, "run_sse") == ["run_sse"], "the agent was asked once"
    assert not any("went wrong" in text for text in everything_sent(fake, dm))
    assert "Cancel" not in [b["text"] for b in buttons_of(answer)], "no Cancel once final"


async def test_an_answer_refused_for_good_is_given_up_quietly(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    fake = fake_telegram
    alice = fake.user("Alice")
    dm = fake.private_chat(alice)
    settings = bot_settings(simulator, redis_server, fake, answer_delivery_patience=1.0)
    async with running_bot(settings) as bot:
        await exportable_project(bot, fake, simulator, dm, alice)
        fake.server_error(chat_id=dm.id, count=None)  # sends, edits, chat actions
        fake.text(dm, alice, "add the title Paradise")
        await wait_until(lambda: logged(caplog, "gave up delivering the answer"), within=WAIT,
                         what="the answer given up")
        session = await wait_until(
            lambda: _saved(bot.runtime.sessions, dm), within=WAIT, what="the session saved")
        assert "Paradise" in str(session.draft), "the edit is kept in the session"
        fake.clear_faults()
        fake.text(dm, alice, "status")
        await bot_message(fake, dm, containing('Title: "Paradise"'))
    assert kinds(simulator, "run_sse") == ["run_sse"], "the agent was asked once"
    assert not any("went wrong" in text for text in everything_sent(fake, dm))
    [gave_up] = [r for r in caplog.records if "gave up" in r.getMessage()]
    assert gave_up.levelno == logging.ERROR and "Paradise" in gave_up.getMessage()


async def _saved(sessions: object, chat: FakeChat) -> object:
    from core.store import SessionStore

    assert isinstance(sessions, SessionStore)
    session = await sessions.load(chat_of(chat))
    return session if session.inflight is None and session.draft else None


async def test_an_answer_held_back_by_flood_control_arrives_later(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    fake = fake_telegram
    alice = fake.user("Alice")
    dm = fake.private_chat(alice)
    # Telegram asks for waits longer than the adapter's own deadline: it gives up each send
    flood = FloodControl(chat_rate=100.0, chat_burst=20, deadline=0.5)
    settings = bot_settings(simulator, redis_server, fake, answer_delivery_patience=10.0)
    async with running_bot(settings, flood=flood):
        fake.flood(retry_after=1, chat_id=dm.id, method="sendMessage", count=None)
        fake.text(dm, alice, "hello")
        await wait_until(lambda: logged(caplog, "the answer not delivered"), within=WAIT,
                         what="a refused answer")
        fake.clear_faults()
        await bot_message(fake, dm, containing(ANSWER))
    refused = [c for c in calls(fake, "sendMessage", dm) if c.error_code == 429]
    assert refused, "Telegram refused it first"
    assert kinds(simulator, "run_sse") == ["run_sse"]
    assert not any("went wrong" in text for text in everything_sent(fake, dm))


async def test_the_cancel_button_on_the_progress_stops_the_turn(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    simulator.config.generation_delay = 30.0
    fake = fake_telegram
    alice = fake.user("Alice")
    dm = fake.private_chat(alice)
    async with running_bot(bot_settings(simulator, redis_server, fake)):
        fake.text(dm, alice, "generate a video of a city at night")
        progress = await bot_message(fake, dm, containing("Generating video…"))
        welcome, _, notice = progress["text"].partition(WELCOME_END)
        assert welcome.startswith("Ready when you are"), "a first contact: under the welcome"
        assert notice.startswith("This may take a few minutes.")
        [cancel] = buttons_of(progress)
        assert cancel["text"] == "Cancel" and cancel["callback_data"] == "nemo:cancel"
        fake.callback(dm, alice, progress["message_id"], "nemo:cancel")
        await bot_message(fake, dm, containing("Stopped"))
        await wait_until(lambda: not buttons_of(fake.message(dm.id, progress["message_id"])
                                                or {}), within=WAIT, what="Cancel taken off")
    assert kinds(simulator, "run_sse") == ["run_sse"]


async def test_next_steps_are_buttons_that_send_their_text(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    simulator.config.silent_edits = "never"
    fake = fake_telegram
    alice = fake.user("Alice")
    dm = fake.private_chat(alice)
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        await exportable_project(bot, fake, simulator, dm, alice)
        fake.text(dm, alice, "add the title Paradise")
        answer = await bot_message(fake, dm, lambda m: "Next:" in shown(m)
                                   and bool(buttons_of(m)))
        labels = {b["text"]: b["callback_data"] for b in buttons_of(answer)}
        assert labels["Export"] == "nemo:export"
        assert labels["Add background music"].startswith("nemo:choose:")
        assert "Cancel" not in labels
        fake.callback(dm, alice, answer["message_id"], labels["Add background music"])
        await bot_message(fake, dm, containing("Added background music"))
    assert kinds(simulator, "run_sse") == ["run_sse", "run_sse"]


async def test_a_groups_first_mention_is_greeted_and_a_private_chats_request_is_welcomed(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    # a group has no /start: its first mention is a first contact, greeted at once with
    # the examples. A private chat opened with /start; a request there in a chat without
    # a project gets the welcome at the head of its answer, one message
    fake = fake_telegram
    alice = fake.user("Alice")
    group, dm = fake.group("Editors"), fake.private_chat(alice)
    async with running_bot(bot_settings(simulator, redis_server, fake)):
        fake.text(group, alice, f"@{fake.bot_username} what can you do?")
        greeting = await bot_message(fake, group, containing("Ready when you are"))
        assert len(buttons_of(greeting)) == 3, "the examples"
        await bot_message(fake, group, containing("It can combine your clips"))
        fake.text(dm, alice, "what can you do?")
        answer = await bot_message(fake, dm, containing("It can combine your clips"))
        assert answer["text"].startswith("Ready when you are")
    assert [m["text"][:18] for m in fake.sent_messages(dm.id)] == ["Ready when you are"]
    assert len(fake.sent_messages(group.id)) == 2
