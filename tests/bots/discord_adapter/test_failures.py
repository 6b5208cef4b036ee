"""The Discord bot when Discord says no: missing permissions, deleted channels, rate
limits. Real discord.py against the fake Discord, the simulator and a real Redis."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
import pytest

from bots.discord_adapter import DiscordBot
from core.embedded_redis import EmbeddedRedis
from core.renders import JobState, RenderJob
from core.simulator import Simulator
from tests.fakes.discord_api import FakeMessage
from tests.kits.discord_bot import (
    bot_message,
    bot_settings,
    chat_of,
    containing,
    exportable_project,
    idle,
    running_bot,
)
from tests.kits.renders import all_jobs, wait_for

if TYPE_CHECKING:
    from tests.fakes.discord_fixtures import DiscordWorld

pytest_plugins = ("tests.fakes.discord_fixtures",)

HELP = "Send clips, photos or music"


def is_video(message: FakeMessage) -> bool:
    return any(name.endswith(".mp4") for name, _ in message.files)


async def test_a_forbidden_channel_does_not_stop_the_bot(
        discord_world: DiscordWorld, simulator: Simulator, redis_server: EmbeddedRedis,
        caplog: pytest.LogCaptureFixture) -> None:
    fake, guild, channel, alice = (discord_world.fake, discord_world.guild,
                                   discord_world.channel, discord_world.user)
    other = fake.add_channel(guild, "other")
    caplog.set_level(logging.INFO)
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        fake.deny_channel(channel)  # the bot's cached permissions still say yes
        start = len(fake.requests)
        await fake.dispatch_message(channel, alice, "/help", mentions_bot=True)
        refused = await fake.wait_for_request("POST", rf"/channels/{channel.id}/messages",
                                              since=start)
        await idle(bot)
        await fake.dispatch_message(other, alice, "/help", mentions_bot=True)
        await bot_message(fake, other, containing(HELP))
        assert not bot.connection.done()
    assert refused.status == 403 and refused.response["code"] == 50013
    assert fake.bot_messages(channel) == []
    assert "HTTP 403 (code 50013: missing permissions)" in caplog.text


async def test_an_answer_to_a_forbidden_channel_is_no_unexpected_error(
        discord_world: DiscordWorld, simulator: Simulator, redis_server: EmbeddedRedis,
        caplog: pytest.LogCaptureFixture) -> None:
    """The answer is refused for good (403): one line in the log, and no "something went
    wrong" sent after it to the channel that refused the answer."""
    fake, channel, alice = discord_world.fake, discord_world.channel, discord_world.user
    caplog.set_level(logging.INFO)
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        fake.deny_channel(channel)  # the bot's cached permissions still say yes
        start = len(fake.requests)
        await fake.dispatch_message(channel, alice, "status", mentions_bot=True)
        await fake.wait_for_request("POST", rf"/channels/{channel.id}/messages", since=start)
        await idle(bot)
        await bot.runtime.dispatcher.wait_idle()
    posts = [r for r in fake.requests[start:]
             if r.method == "POST" and r.path == f"/channels/{channel.id}/messages"]
    assert len(posts) == 1, [r.body for r in posts]
    assert "unexpected error" not in caplog.text


async def test_a_channel_denied_from_the_start_is_not_answered(
        discord_world: DiscordWorld, simulator: Simulator, redis_server: EmbeddedRedis,
        caplog: pytest.LogCaptureFixture) -> None:
    fake, guild, channel, alice = (discord_world.fake, discord_world.guild,
                                   discord_world.channel, discord_world.user)
    other = fake.add_channel(guild, "other")
    fake.deny_channel(channel)
    caplog.set_level(logging.INFO)
    async with running_bot(bot_settings(simulator, redis_server, fake)):
        await fake.dispatch_message(channel, alice, "make a video of the sea",
                                    mentions_bot=True)
        await fake.dispatch_message(other, alice, "/help", mentions_bot=True)
        await bot_message(fake, other, containing(HELP))
    assert simulator.requests == [], "nothing was sent to NemoVideo for it"
    assert not [r for r in fake.requests if r.path == f"/channels/{channel.id}/messages"]
    assert "may not send messages; ignored" in caplog.text


async def test_a_request_that_never_answers_does_not_hold_the_channel(
        discord_world: DiscordWorld, simulator: Simulator, redis_server: EmbeddedRedis,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Discord holds one message's creation without an answer: the channel's next
    message is answered once the request's deadline passes, not minutes later."""
    monkeypatch.setattr("bots.discord_adapter.outbound.REQUEST_TIMEOUT", 0.5)
    fake, channel, alice = discord_world.fake, discord_world.channel, discord_world.user
    async with running_bot(bot_settings(simulator, redis_server, fake)):
        fake.hang(rf"/channels/{channel.id}/messages", method="POST", channel=channel)
        await fake.dispatch_message(channel, alice, "/help", mentions_bot=True)
        await fake.dispatch_message(channel, alice, "credits", mentions_bot=True)
        await bot_message(fake, channel, containing("Credits:"))


async def test_a_token_revoked_while_running_ends_the_connection_as_refused(
        discord_world: DiscordWorld, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    """Close code 4004 (authentication failed) while the bot runs: the connection ends as
    a refused token (`nemobot discord` then says to check DISCORD_TOKEN, status 2)."""
    fake = discord_world.fake
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        await fake.disconnect_gateway(code=4004)
        with pytest.raises(discord.LoginFailure, match="4004"):
            await asyncio.wait_for(asyncio.shield(bot.connection), 10)


async def test_rate_limits_are_waited_out(
        discord_world: DiscordWorld, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake, channel, alice = discord_world.fake, discord_world.channel, discord_world.user
    fake.rate_limit(rf"/channels/{channel.id}/messages", method="POST", retry_after=0.05,
                    count=2)
    async with running_bot(bot_settings(simulator, redis_server, fake)):
        await fake.dispatch_message(channel, alice, "/help", mentions_bot=True)
        await bot_message(fake, channel, containing(HELP))
    posts = [r.status for r in fake.requests if r.path == f"/channels/{channel.id}/messages"]
    assert posts == [429, 429, 200]


@pytest.mark.parametrize("failure", ["deleted", "forbidden"])
async def test_a_render_for_a_lost_channel_is_dropped_and_others_delivered(
        discord_world: DiscordWorld, simulator: Simulator, redis_server: EmbeddedRedis,
        caplog: pytest.LogCaptureFixture, failure: str) -> None:
    fake, guild, lost, alice = (discord_world.fake, discord_world.guild,
                                discord_world.channel, discord_world.user)
    kept = fake.add_channel(guild, "kept")
    simulator.config.render_seconds = 1.0
    caplog.set_level(logging.INFO)
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        for channel in (lost, kept):
            await exportable_project(bot, fake, simulator, channel, alice)

        await fake.dispatch_message(lost, alice, "/export", mentions_bot=True)
        await bot_message(fake, lost, containing("Rendering"))
        if failure == "deleted":
            await fake.delete_channel(lost)
        else:
            fake.deny_channel(lost)
        await fake.dispatch_message(kept, alice, "/export", mentions_bot=True)
        await bot_message(fake, kept, is_video)

        jobs = await wait_for(lambda: _finished_jobs(bot), 10, "both jobs to finish")
        assert not bot.connection.done()
    states = {job.chat: job.state for job in jobs}
    # where the bot may no longer post, its own progress message still takes an edit:
    # "Video ready" with the links; a deleted channel takes nothing
    ended = JobState.UNDELIVERABLE if failure == "deleted" else JobState.DELIVERED
    assert states == {chat_of(lost): ended, chat_of(kept): JobState.DELIVERED}
    if failure == "forbidden":
        assert any("If it did not arrive" in m.content for m in fake.bot_messages(lost))
    assert sum(map(is_video, fake.bot_messages(kept))) == 1
    refused = [r for r in fake.requests
               if r.method == "POST" and r.path == f"/channels/{lost.id}/messages"
               and r.status >= 400]
    # the video was refused; a deleted channel is not offered a link, a forbidden one at
    # most once (Missing Permissions may concern only the file: the cache may lag)
    assert len(refused) == (1 if failure == "deleted" else 2), refused
    code = "10003: unknown channel" if failure == "deleted" else "50013: missing permissions"
    assert f"could not send to {chat_of(lost)}: HTTP" in caplog.text and code in caplog.text


async def test_a_channel_that_takes_no_files_gets_the_video_as_a_link(
        discord_world: DiscordWorld, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    """The bot may post but not attach files (Discord answers 403 Missing Permissions to
    the upload): the video comes as a link, not nothing."""
    fake, channel, alice = discord_world.fake, discord_world.channel, discord_world.user
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        await exportable_project(bot, fake, simulator, channel, alice)
        fake.deny_files(channel)
        await fake.dispatch_message(channel, alice, "/export", mentions_bot=True)
        link = await bot_message(fake, channel, containing("download link"))
        jobs = await wait_for(lambda: _finished_jobs(bot, 1), 10, "the job to finish")
    assert [job.state for job in jobs] == [JobState.DELIVERED]
    assert not any(map(is_video, fake.bot_messages(channel)))
    assert link is not None


async def test_a_server_error_on_the_video_is_waited_out_not_the_video_lost(
        discord_world: DiscordWorld, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    """A 503 (which discord.py does not retry) as the video goes out: it is sent again."""
    fake, channel, alice = discord_world.fake, discord_world.channel, discord_world.user
    simulator.config.render_seconds = 1.0
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        await exportable_project(bot, fake, simulator, channel, alice)
        await fake.dispatch_message(channel, alice, "/export", mentions_bot=True)
        await bot_message(fake, channel, containing("Rendering"))
        # the next message posted is the video (the render takes a second)
        fake.fail_next(rf"/channels/{channel.id}/messages", method="POST", status=503,
                       message="503: Service Unavailable", count=1)
        await bot_message(fake, channel, is_video, within=30)
        jobs = await wait_for(lambda: _finished_jobs(bot, 1), 10, "the job to finish")
    assert [job.state for job in jobs] == [JobState.DELIVERED]
    assert sum(map(is_video, fake.bot_messages(channel))) == 1


async def _finished_jobs(bot: DiscordBot, count: int = 2) -> list[RenderJob] | None:
    """Every render job in Redis, once there are `count` and all are finished."""
    jobs = await all_jobs(bot.worker.store)
    if len(jobs) == count and all(job.state.finished for job in jobs):
        return jobs
    return None
