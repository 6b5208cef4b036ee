"""The Discord bot for creators, end to end against the fake Discord, the simulator and a
real Redis: replies that reference the message they answer without pinging, /cancel and
/help as slash commands, format buttons, the video's name and project button, and
/last sent again without a render."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.embedded_redis import EmbeddedRedis
from core.simulator import Simulator
from tests.fakes.discord_api import FakeMessage
from tests.kits.discord_bot import (
    WAIT,
    bot_message,
    bot_settings,
    chat_of,
    containing,
    give_exportable_draft,
    idle,
    kinds,
    running_bot,
)

if TYPE_CHECKING:
    from tests.fakes.discord_fixtures import DiscordWorld

pytest_plugins = ("tests.fakes.discord_fixtures",)


def buttons_of(message: FakeMessage) -> list[dict[str, object]]:
    return [c for row in message.components for c in row.get("components", [])]


def has_video(message: FakeMessage) -> bool:
    return any(name.endswith(".mp4") for name, _ in message.files)


async def test_answers_reference_the_message_without_pinging(
        discord_world: DiscordWorld, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake, channel, alice = discord_world.fake, discord_world.channel, discord_world.user
    async with running_bot(bot_settings(simulator, redis_server, fake)):
        asked = await fake.dispatch_message(channel, alice, "/status", mentions_bot=True)
        answer = await bot_message(fake, channel, containing("timeline"))
    assert answer.reference_id == asked.id
    [post] = [r for r in fake.requests
              if r.method == "POST" and r.path == f"/channels/{channel.id}/messages"
              and isinstance(r.json, dict) and "timeline" in r.json.get("content", "")]
    assert isinstance(post.json, dict)
    assert post.json["message_reference"]["fail_if_not_exists"] is False
    assert post.json["allowed_mentions"]["replied_user"] is False, "no ping"


async def test_cancel_and_help_are_slash_commands(
        discord_world: DiscordWorld, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake, channel, alice = discord_world.fake, discord_world.channel, discord_world.user
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        synced = {c["name"] for c in fake.synced_commands()}
        cancel = await fake.dispatch_slash_command("cancel", None, channel, alice)
        await fake.wait_for(lambda: fake.followups(cancel.token), WAIT)
        await idle(bot)
        help_ = await fake.dispatch_slash_command("help", None, channel, alice)
        await fake.wait_for(lambda: fake.followups(help_.token), WAIT)
    assert fake.followups(cancel.token)[0].content == "Nothing to cancel."
    text = fake.followups(help_.token)[0].content
    listed = {line.split(" ", 1)[0][1:] for line in text.splitlines() if line.startswith("/")}
    assert listed == synced, "/help lists exactly the slash commands"
    assert "start" not in listed


async def test_format_buttons_and_a_named_video_with_its_project_button(
        discord_world: DiscordWorld, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake, channel, alice = discord_world.fake, discord_world.channel, discord_world.user
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        await fake.dispatch_message(channel, alice, "/new confirm", mentions_bot=True)
        offer = await bot_message(fake, channel, containing("Pick a format"))
        assert [b.get("custom_id") for b in buttons_of(offer)][:2] == [
            "nemobot:format:9x16", "nemobot:format:16x9"]
        await idle(bot)
        await fake.dispatch_button("nemobot:format:1x1", offer, None, alice)
        await bot_message(fake, channel, containing("Format: 1:1 Square"))
        await give_exportable_draft(bot, simulator, chat_of(channel))
        asked = await fake.dispatch_message(channel, alice, "/export", mentions_bot=True)
        video = await bot_message(fake, channel, has_video)
        await idle(bot)
        count = len(kinds(simulator, "render_submit"))
        await fake.dispatch_message(channel, alice, "/last", mentions_bot=True)
        again = await bot_message(fake, channel, lambda m: m.id != video.id
                                  and "Video ready: Red" in m.content)
    [(name, _)] = video.files
    assert name == "red.mp4", "a readable name, from the project's"
    assert video.reference_id == asked.id, "the video answers the export"
    [project] = [b for b in buttons_of(video) if b.get("url")]
    assert project["label"] == "Open project" and "/workspace/claim?ct=" in str(project["url"])
    assert video.attachments[0].url is not None
    assert video.attachments[0].url.split("?")[0] in again.content, "the attachment's link"
    assert len(kinds(simulator, "render_submit")) == count == 1, "/last renders nothing"
    job = next(iter(simulator.store.renders.values()))
    assert job.output_size == (1080, 1080)


async def test_format_slash_command_with_its_choices(
        discord_world: DiscordWorld, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake, channel, alice = discord_world.fake, discord_world.channel, discord_world.user
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        [command] = [c for c in fake.synced_commands() if c["name"] == "format"]
        ix = await fake.dispatch_slash_command("format", {"ratio": "16:9", "length": 60},
                                               channel, alice)
        await fake.wait_for(lambda: fake.followups(ix.token), WAIT)
        await idle(bot)
        session = await bot.runtime.sessions.load(chat_of(channel))
    ratios = [c["value"] for c in command["options"][0]["choices"]]
    assert ratios == ["9:16", "16:9", "1:1", "4:5"]
    assert [c["value"] for c in command["options"][1]["choices"]] == [15, 30, 60]
    assert "Format: 16:9 YouTube. Target length: 60 s." in fake.followups(ix.token)[0].content
    assert (session.aspect, session.seconds) == ("16:9", 60)
