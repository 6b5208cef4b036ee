"""The Telegram bot for creators, end to end against the fake Bot API server, the simulator
and a real Redis: replies that thread in groups, /help as the command menu, format
buttons that set the render's size, a render's Cancel button, /projects and /last
(sent again by file_id, without a render), streaming links and the queue position."""

from __future__ import annotations

from bots.telegram_adapter import texts as telegram_texts
from core.embedded_redis import EmbeddedRedis
from core.renders import JobState
from core.simulator import Simulator
from tests.fakes.telegram_api import FakeTelegram
from tests.kits.renders import job_states
from tests.kits.telegram_bot import (
    WAIT,
    bot_message,
    bot_settings,
    buttons_of,
    calls,
    chat_of,
    containing,
    exportable_project,
    give_exportable_draft,
    kinds,
    running_bot,
    shown,
)

pytest_plugins = ["tests.fakes.telegram_fixtures"]


def callback_data(message: dict[str, object]) -> list[str]:
    return [str(b.get("callback_data")) for b in buttons_of(message)]  # type: ignore[arg-type]


async def test_answers_in_a_group_reply_to_the_message_they_answer(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    alice, bob = fake.user("Alice"), fake.user("Bob")
    group, dm = fake.group("Editors"), fake.private_chat(bob)
    simulator.config.agent_delay = 1.0
    async with running_bot(bot_settings(simulator, redis_server, fake)):
        first = fake.text(group, alice, "/start")["message"]
        welcome = await bot_message(fake, group, containing("Ready when you are"))
        assert welcome["reply_to_message"]["message_id"] == first["message_id"]
        fake.text(group, alice, "@nemo_test_bot make it brighter")  # the agent, slowly
        await fake.wait_for(lambda c: c.method == "sendChatAction", WAIT)
        queued = fake.text(group, bob, "/status")["message"]
        notice = await bot_message(fake, group, containing("next in line: /status"))
        assert notice["reply_to_message"]["message_id"] == queued["message_id"]
        fake.chats.messages[(group.id, queued["message_id"])].deleted = True  # Bob deletes it
        status = await bot_message(fake, group, containing("timeline"))
        fake.text(dm, bob, "/help")
        await bot_message(fake, dm, containing("/last"))
    assert "reply_to_message" not in status, "a deleted original does not fail the answer"
    replies = [c.params.get("reply_parameters") for c in calls(fake, "sendMessage", group)]
    assert replies and all(r and r["allow_sending_without_reply"] is True for r in replies)
    assert all("reply_parameters" not in c.params for c in calls(fake, "sendMessage", dm)), \
        "a private chat gets plain messages"


async def test_help_lists_exactly_the_command_menu(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    dm = fake.private_chat(alice)
    async with running_bot(bot_settings(simulator, redis_server, fake)):
        fake.text(dm, alice, "/help")
        help_ = await bot_message(fake, dm, containing("Send clips, photos or music"))
    listed = [line.split(" ", 1)[0][1:] for line in shown(help_).splitlines()
              if line.startswith("/")]
    menu = [c["command"] for c in fake.commands("")]
    assert sorted(listed) == sorted(menu) == sorted(telegram_texts.COMMANDS)


async def test_format_buttons_set_the_render_size_and_the_video_replies(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    group = fake.group("Editors")
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        fake.text(group, alice, "/new confirm")
        offer = await bot_message(fake, group, containing("Pick a format"))
        assert callback_data(offer) == [
            "nemo:format:9x16", "nemo:format:16x9", "nemo:format:1x1", "nemo:format:4x5",
            "nemo:format:15s", "nemo:format:30s", "nemo:format:60s"]
        fake.callback(group, alice, offer["message_id"], "nemo:format:9x16")
        chosen = await bot_message(fake, group, containing("Format: 9:16"))
        fake.callback(group, alice, chosen["message_id"], "nemo:format:30s")
        await bot_message(fake, group, containing("Target length: 30 s"))
        await bot.runtime.dispatcher.wait_idle()
        await give_exportable_draft(bot, simulator, chat_of(group))
        export = fake.text(group, alice, "/export")["message"]
        call = await fake.wait_for(lambda c: c.method == "sendVideo" and c.ok, WAIT)
    assert (call.params["width"], call.params["height"]) == (180, 320), "rendered in 9:16"
    assert call.params["reply_parameters"]["message_id"] == export["message_id"]
    assert call.result["reply_to_message"]["message_id"] == export["message_id"]
    assert call.result["video"]["thumbnail"]["height"] == 320


async def test_a_renders_cancel_button_cancels_it(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    dm = fake.private_chat(alice)
    simulator.config.render_seconds = 30
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        await exportable_project(bot, fake, simulator, dm, alice)
        fake.text(dm, alice, "export")
        progress = await bot_message(fake, dm, lambda m: any(
            d.startswith("nemo:cancel:render_") for d in callback_data(m)))
        [cancel] = buttons_of(progress)
        assert cancel["text"] == "Cancel"
        press = fake.callback(dm, alice, progress["message_id"], str(cancel["callback_data"]))
        await bot_message(fake, dm, containing("Render cancelled."))
        await fake.wait_for(lambda c: c.method == "answerCallbackQuery", WAIT)
        assert (await job_states(bot.runtime.renders.store))[JobState.CANCELLED] == 1
    assert fake.callback_answer(press["callback_query"]["id"]) is not None
    assert "render_cancel" in kinds(simulator)
    assert not calls(fake, "sendVideo")
    cancelled = fake.message(dm.id, progress["message_id"])
    assert cancelled is not None and not buttons_of(cancelled), "no Cancel once it is over"


async def test_last_sends_the_video_again_by_file_id_and_projects_switch(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    dm = fake.private_chat(alice)
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        await exportable_project(bot, fake, simulator, dm, alice)
        fake.text(dm, alice, "export")
        first = await fake.wait_for(lambda c: c.method == "sendVideo" and c.ok, WAIT)
        await bot_message(fake, dm, containing("Rendering done"))
        fake.text(dm, alice, "/new")
        await fake.wait_for(lambda c: c.method == "sendMessage" and c.ok
                            and "New project" in c.params["text"], WAIT, count=2)
        fake.text(dm, alice, "/last")
        again = await fake.wait_for(lambda c: c.method == "sendVideo" and c.ok, WAIT, count=2)
        fake.text(dm, alice, "/projects")
        listing = await bot_message(fake, dm, containing("Recent projects"))
        [switch] = buttons_of(listing)
        fake.callback(dm, alice, listing["message_id"], str(switch["callback_data"]))
        await bot_message(fake, dm, containing("Switched to Red."))
        fake.text(dm, alice, "export")  # unchanged since its render: sent again, not rendered
        await fake.wait_for(lambda c: c.method == "sendVideo" and c.ok, WAIT, count=3)
    assert again.params["video"] == first.result["video"]["file_id"], "by file_id"
    assert again.files == {}, "nothing uploaded"
    assert kinds(simulator, "render_submit") == ["render_submit"], "one render in all"
    assert "Red: edited" in shown(listing) and switch["text"] == "Red"


async def test_a_streaming_link_is_answered_with_the_library(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    dm = fake.private_chat(alice)
    async with running_bot(bot_settings(simulator, redis_server, fake)):
        fake.text(dm, alice, "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC")
        reply = await bot_message(fake, dm, containing("built-in library"))
    assert [b["text"] for b in buttons_of(reply)] == ["Use built-in music"]
    assert not kinds(simulator, "upload")


async def test_format_buttons_in_chinese(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    li = fake.user("Li", language_code="zh-hans")
    dm = fake.private_chat(li)
    async with running_bot(bot_settings(simulator, redis_server, fake)):
        fake.text(dm, li, "/new")
        offer = await bot_message(fake, dm, containing("画面比例"))
    assert [b["text"] for b in buttons_of(offer)][:2] == ["9:16 抖音、Reels、Shorts",
                                                          "16:9 YouTube 横屏"]
