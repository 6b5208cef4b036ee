"""The Discord bot end to end: real discord.py against the fake Discord, the NemoVideo
simulator and a real Redis. Who it listens to, slash commands, buttons, outputs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
import discord.guild
import pytest
from redis.asyncio import Redis

from bots.discord_adapter.inbound import DiscordAttachment
from core.embedded_redis import EmbeddedRedis
from core.inbox import ChatEvent, Inbox
from core.messages import IncomingMessage, User
from core.simulator import Fault, Simulator
from tests.fakes import discord_api
from tests.fakes.discord_api import (
    CHANNEL_PUBLIC_THREAD,
    MESSAGE_FLAG_EPHEMERAL,
    FakeDiscord,
    FakeMessage,
)
from tests.kits.discord_bot import (
    WAIT,
    bot_message,
    bot_settings,
    chat_of,
    containing,
    exportable_project,
    give_exportable_draft,
    idle,
    kinds,
    running_bot,
)
from tests.kits.simulator import samples

if TYPE_CHECKING:
    from tests.fakes.discord_fixtures import DiscordWorld

pytest_plugins = ("tests.fakes.discord_fixtures",)

# real (tiny) media: NemoVideo refuses files it cannot read
CLIP = samples()["clip"].read_bytes()
PHOTO = samples()["photo"].read_bytes()
HELP = "Send clips, photos or music"


def is_video(message: FakeMessage) -> bool:
    return any(name.endswith(".mp4") and data[4:8] == b"ftyp" for name, data in message.files)


def buttons_of(message: FakeMessage) -> list[dict[str, object]]:
    return [c for row in message.components for c in row.get("components", [])]


# ------------------------------------------------------------------ who it listens to


async def test_mention_with_two_attachments_is_one_url_upload(
        discord_world: DiscordWorld, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake, channel, alice = discord_world.fake, discord_world.channel, discord_world.user
    clip = fake.add_attachment(CLIP, "beach clip.mp4", "video/mp4")
    photo = fake.add_attachment(PHOTO, "sunset.png", "image/png")
    async with running_bot(bot_settings(simulator, redis_server, fake)):
        await fake.dispatch_message(channel, alice, "", mentions_bot=True,
                                    attachments=[clip, photo])
        reply = await bot_message(fake, channel, containing("Received"))
    assert kinds(simulator, "upload") == ["upload_urls"]
    assert "beach_clip.mp4" in reply.content and "sunset.png" in reply.content
    # NemoVideo fetched both signed links itself; the bot never downloaded them
    assert len([r for r in fake.requests if r.kind == "cdn"]) == 2


async def test_url_upload_failure_relays_the_bytes(
        discord_world: DiscordWorld, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake, channel, alice = discord_world.fake, discord_world.channel, discord_world.user
    clip = fake.add_attachment(CLIP, "clip.mp4", "video/mp4")
    async with running_bot(bot_settings(simulator, redis_server, fake)):
        simulator.inject(Fault("server_error", path="/api/upload-video"))
        await fake.dispatch_message(channel, alice, "", mentions_bot=True, attachments=[clip])
        reply = await bot_message(fake, channel, containing("Received"))
    assert kinds(simulator, "upload") == ["upload_urls", "upload_files"]
    assert "clip.mp4" in reply.content


async def test_an_attachment_gone_from_discord_is_said_plainly(
        discord_world: DiscordWorld, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    """The user deleted the message (its signed link answers 404) while NemoVideo could
    not fetch it either: the file was not uploaded, send it again; not "my side"."""
    fake, channel, alice = discord_world.fake, discord_world.channel, discord_world.user
    clip = fake.add_attachment(CLIP, "clip.mp4", "video/mp4")
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        simulator.inject(Fault("server_error", path="/api/upload-video"))
        del fake.world.attachments[clip.id]
        await fake.dispatch_message(channel, alice, "make it pop", mentions_bot=True,
                                    attachments=[clip])
        reply = await bot_message(fake, channel, containing("send it again"))
        await bot.runtime.dispatcher.wait_idle()
    assert "couldn't fetch the file" in reply.content
    assert not any("went wrong" in m.content for m in fake.bot_messages(channel))
    assert kinds(simulator, "run_sse") == []


async def test_queued_attachments_survive_a_restart(
        discord_world: DiscordWorld, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    """A message left in a chat's queue by a stopped bot is handled by the next start,
    its attachments rebuilt from Redis with their fetcher (used here: the URL upload fails)."""
    fake, channel = discord_world.fake, discord_world.channel
    clip = fake.add_attachment(CLIP, "left over.mp4", "video/mp4", channel=channel)
    queued = IncomingMessage(chat_of(channel), User("7", "alice"), "123", "", (
        DiscordAttachment(fake.sign_attachment_url(clip), clip.filename, "video/mp4", clip.size),))
    redis = Redis.from_url(redis_server.url)
    try:
        await Inbox(redis).push(ChatEvent.of(queued))
    finally:
        await redis.aclose()
    simulator.inject(Fault("server_error", path="/api/upload-video"))
    async with running_bot(bot_settings(simulator, redis_server, fake)):
        reply = await bot_message(fake, channel, containing("Received"))
    assert "left_over.mp4" in reply.content
    assert kinds(simulator, "upload") == ["upload_urls", "upload_files"]
    assert len([r for r in fake.requests if r.kind == "cdn"]) == 1, "the bot relayed the bytes"


async def test_channel_message_without_mention_is_ignored(
        discord_world: DiscordWorld, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake, channel, alice = discord_world.fake, discord_world.channel, discord_world.user
    clip = fake.add_attachment(CLIP, "clip.mp4", "video/mp4")
    async with running_bot(bot_settings(simulator, redis_server, fake)):
        await fake.dispatch_message(channel, alice, "make me a video of the sea",
                                    attachments=[clip])
        # a later message the bot does answer: the first one was seen and skipped
        await fake.dispatch_message(channel, alice, "/help", mentions_bot=True)
        await bot_message(fake, channel, containing(HELP))
    assert simulator.requests == []
    assert len(fake.bot_messages(channel)) == 1
    assert [r for r in fake.requests if r.kind == "cdn"] == []


async def test_dm_reply_and_thread(
        discord_world: DiscordWorld, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake, guild, channel, alice = (discord_world.fake, discord_world.guild,
                                   discord_world.channel, discord_world.user)
    thread = fake.add_channel(guild, "b-roll", type=CHANNEL_PUBLIC_THREAD, parent=channel)
    dm = fake.dm_channel(alice)
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        await fake.dispatch_message(dm, alice, "/help")
        await bot_message(fake, dm, containing(HELP))

        await fake.dispatch_message(channel, alice, "", mentions_bot=True)  # a bare mention
        await bot_message(fake, channel, containing(HELP))
        # in a channel /new asks first; the button confirms it
        await fake.dispatch_message(channel, alice, "/new", mentions_bot=True)
        ask = await bot_message(fake, channel, containing("Start a new project?"))
        [confirm] = buttons_of(ask)
        await fake.dispatch_button(str(confirm["custom_id"]), ask, None, alice)
        first = await bot_message(fake, channel, containing("New project"))
        await fake.dispatch_message(thread, alice, "/new confirm", mentions_bot=True)
        await bot_message(fake, thread, containing("New project"))

        # a reply to the bot's message is for the bot
        await fake.dispatch_message(channel, alice, "/status", reference=first)
        await bot_message(fake, channel, containing("timeline is empty"))
        # one that does not ping it arrives without its text: the user is told so
        await fake.dispatch_message(channel, alice, "/status", reference=first,
                                    ping_reply=False)
        await bot_message(fake, channel, containing("replies that don't mention me"))

        store = bot.runtime.sessions
        in_channel = await store.load(chat_of(channel))
        in_thread = await store.load(chat_of(thread))
    assert in_channel.session_id and in_thread.session_id
    assert in_channel.session_id != in_thread.session_id, "a thread is its own project"
    assert chat_of(thread).thread_id == str(thread.id)


async def test_messages_of_bots_are_ignored(
        discord_world: DiscordWorld, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake, channel, alice = discord_world.fake, discord_world.channel, discord_world.user
    other_bot = fake.add_user("helper", bot=True)
    async with running_bot(bot_settings(simulator, redis_server, fake)):
        await fake.dispatch_message(channel, other_bot, "/help", mentions_bot=True)
        await fake.dispatch_message(channel, alice, "/status", mentions_bot=True)
        await bot_message(fake, channel, containing("timeline is empty"))
    assert [m.content for m in fake.bot_messages(channel) if HELP in m.content] == []


# ------------------------------------------------------------------ slash commands


async def test_slash_command_is_deferred_then_answered_by_followup(
        discord_world: DiscordWorld, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake, channel, alice = discord_world.fake, discord_world.channel, discord_world.user
    async with running_bot(bot_settings(simulator, redis_server, fake)):
        commands = {c["name"] for c in fake.synced_commands()}
        assert commands == {"export", "credits", "status", "new", "help", "link", "stats",
                            "admin", "allow", "block", "unblock", "quota", "cancel",
                            "format", "projects", "last", "language"}
        ix = await fake.dispatch_slash_command("help", None, channel, alice)
        await fake.wait_for(lambda: ix.acknowledged)
        assert fake.now() - ix.created_at < 3.0
        await fake.wait_for(lambda: fake.followups(ix.token))
    [response] = fake.interaction_responses(ix.id)
    assert response.type == 5, "deferred with a thinking placeholder"
    assert not response.data.get("flags")
    [followup] = fake.followups(ix.token)
    assert HELP in followup.content and not followup.loading and not followup.ephemeral
    assert followup is fake.original_response(ix.token), "the placeholder became the answer"


async def test_credits_and_link_answer_privately(
        discord_world: DiscordWorld, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake, channel, alice = discord_world.fake, discord_world.channel, discord_world.user
    secret = "nmv_usr_not_a_real_token_123"
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        credits = await fake.dispatch_slash_command("credits", None, channel, alice)
        await fake.wait_for(lambda: fake.followups(credits.token))
        await idle(bot)
        link = await fake.dispatch_slash_command("link", {"token": secret}, channel, alice)
        await fake.wait_for(lambda: fake.followups(link.token))
    for ix in (credits, link):
        [response] = fake.interaction_responses(ix.id)
        assert response.type == 5 and response.data["flags"] & MESSAGE_FLAG_EPHEMERAL
        [answer] = fake.followups(ix.token)
        assert answer.ephemeral
    assert "Credits:" in fake.followups(credits.token)[0].content
    assert "token" in fake.followups(link.token)[0].content
    visible = " ".join(m.content for m in fake.messages(channel))
    assert "Credits:" not in visible and secret not in visible
    assert all(secret not in str(r.json) for r in fake.requests)


async def test_late_result_goes_to_the_channel(
        discord_world: DiscordWorld, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake, channel, alice = discord_world.fake, discord_world.channel, discord_world.user
    fake.interaction_token_ttl = 0.0  # the token is dead by the time the answer is ready
    async with running_bot(bot_settings(simulator, redis_server, fake)):
        ix = await fake.dispatch_slash_command("help", None, channel, alice)
        answer = await bot_message(fake, channel, containing(HELP))
    assert fake.followups(ix.token) == []
    assert answer.webhook_id is None, "posted by the bot in the channel"


# ------------------------------------------------------------------ buttons and renders


async def test_button_press_after_restart_still_exports(
        discord_world: DiscordWorld, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake, channel, alice = discord_world.fake, discord_world.channel, discord_world.user
    settings = bot_settings(simulator, redis_server, fake)
    async with running_bot(settings) as bot:
        await fake.dispatch_message(channel, alice, "/status", mentions_bot=True)
        status = await bot_message(fake, channel, containing("timeline"))
        await give_exportable_draft(bot, simulator, chat_of(channel))
        assert not bot.client.persistent_views, "no listener per message: one dynamic item"
    ids = [b.get("custom_id") for b in buttons_of(status)]
    assert ids == ["nemobot:export", "nemobot:status", "nemobot:credits", "nemobot:new"]

    async with running_bot(settings):  # a new client and process state, the same Redis
        ix = await fake.dispatch_button("nemobot:export", status, None, alice)
        video = await bot_message(fake, channel, is_video)
    assert [r.type for r in fake.interaction_responses(ix.id)] == [6], "a deferred update"
    assert kinds(simulator, "render_submit") and "Video ready" in video.content
    labels = [b.get("label") for b in buttons_of(video)]
    assert "Open project" in labels


async def test_buttons_answer_in_the_channel_credits_and_unknown_ones_privately(
        discord_world: DiscordWorld, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake, channel, alice = discord_world.fake, discord_world.channel, discord_world.user
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        await fake.dispatch_message(channel, alice, "/status", mentions_bot=True)
        shown = await bot_message(fake, channel, containing("timeline is empty"))
        await idle(bot)
        status = await fake.dispatch_button("nemobot:status", shown, None, alice)
        await fake.wait_for(lambda: sum("timeline is empty" in m.content
                                        for m in fake.bot_messages(channel)) == 2)
        await idle(bot)
        credits = await fake.dispatch_button("nemobot:credits", shown, None, alice)
        await fake.wait_for(lambda: fake.followups(credits.token))
        # a button of an older or newer version, left on a message: answered privately
        shown.components[0]["components"].append(
            {"type": 2, "style": 2, "label": "Español", "custom_id": "nemobot:lang:es"})
        unknown = await fake.dispatch_button("nemobot:lang:es", shown, None, alice)
        await fake.wait_for(lambda: fake.interaction_responses(unknown.id))
    assert [r.type for r in fake.interaction_responses(status.id)] == [6]
    [response] = fake.interaction_responses(credits.id)
    assert response.type == 5 and response.data["flags"] & MESSAGE_FLAG_EPHEMERAL
    [answer] = fake.followups(credits.token)
    assert answer.ephemeral and "Credits:" in answer.content
    [response] = fake.interaction_responses(unknown.id)
    assert response.type == 4 and response.data["flags"] & MESSAGE_FLAG_EPHEMERAL
    assert "no longer works" in response.data["content"]


async def test_slash_export_delivers_the_video_as_a_file(
        discord_world: DiscordWorld, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake, channel, alice = discord_world.fake, discord_world.channel, discord_world.user
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        await exportable_project(bot, fake, simulator, channel, alice)
        ix = await fake.dispatch_slash_command("export", None, channel, alice)
        video = await bot_message(fake, channel, is_video)
        progress = fake.followups(ix.token)[0]
        await fake.wait_for(lambda: "done" in progress.content)
    assert video.webhook_id is None, "the late result went to the channel"
    assert fake.followups(ix.token) == [progress], "only the first reply used the interaction"
    assert sum(map(is_video, fake.bot_messages(channel))) == 1


async def test_a_slash_export_outliving_its_token_still_ends_its_progress_message(
        discord_world: DiscordWorld, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    """Discord answers 401 Invalid Webhook Token once an interaction's token is past its
    15 minutes: the progress message it posted is edited through the channel instead,
    so it does not stay at "Rendering… 9%" with a live Cancel button."""
    fake, channel, alice = discord_world.fake, discord_world.channel, discord_world.user
    simulator.config.render_seconds = 3.0
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        await exportable_project(bot, fake, simulator, channel, alice)
        ix = await fake.dispatch_slash_command("export", None, channel, alice)
        await fake.wait_for(lambda: bool(fake.followups(ix.token)))
        fake.interaction_token_ttl = 0.0  # the render outlives the token
        progress = fake.followups(ix.token)[0]
        await bot_message(fake, channel, is_video)
        await fake.wait_for(lambda: "done" in progress.content)
    assert not buttons_of(progress), "no Cancel left on a finished render"
    refused = [r for r in fake.requests if r.status == 401]
    assert refused, "the token's refusal was met, and the channel used"


async def test_a_refused_cancel_press_is_said_to_its_presser_alone(
        discord_world: DiscordWorld, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    """Bob presses Cancel on Alice's render: the refusal is an ephemeral follow-up of his
    press, not a message to the whole channel."""
    fake, channel, alice = discord_world.fake, discord_world.channel, discord_world.user
    bob = fake.add_user("bob")
    fake.add_member(discord_world.guild, bob)
    simulator.config.render_seconds = 30
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        await exportable_project(bot, fake, simulator, channel, alice)
        await fake.dispatch_message(channel, alice, "/export", mentions_bot=True)
        progress = await bot_message(fake, channel, lambda m: any(
            str(b.get("custom_id", "")).startswith("nemobot:cancel") for b in buttons_of(m)))
        cancel = next(b["custom_id"] for b in buttons_of(progress)
                      if str(b.get("custom_id", "")).startswith("nemobot:cancel"))
        before = len(fake.messages(channel))
        ix = await fake.dispatch_button(cancel, progress, None, bob)
        await fake.wait_for(lambda: bool(fake.followups(ix.token)))
        [answer] = fake.followups(ix.token)
        assert len(fake.messages(channel)) == before, "nothing posted to the channel"
        await fake.dispatch_button(cancel, progress, None, alice)  # hers: it stops
        await fake.wait_for(lambda: "cancelled" in progress.content)
    assert answer.ephemeral
    assert answer.content == "Only the person who asked for this video, or an admin, can cancel it."


def _shrink_upload_limit(monkeypatch: pytest.MonkeyPatch, limit: int, *,
                         bot_knows: bool) -> None:
    monkeypatch.setitem(discord_api.FILESIZE_LIMITS, 0, limit)  # type: ignore[index]
    if bot_knows:
        tier = discord.Guild._PREMIUM_GUILD_LIMITS[0]
        monkeypatch.setitem(discord.Guild._PREMIUM_GUILD_LIMITS, 0,
                            tier._replace(filesize=limit))


@pytest.mark.parametrize("bot_knows", [True, False],
                         ids=["guild-limit-known", "upload-refused-413"])
async def test_video_over_the_guild_limit_is_a_link(
        discord_world: DiscordWorld, simulator: Simulator, redis_server: EmbeddedRedis,
        monkeypatch: pytest.MonkeyPatch, bot_knows: bool) -> None:
    fake, channel, alice = discord_world.fake, discord_world.channel, discord_world.user
    _shrink_upload_limit(monkeypatch, 512, bot_knows=bot_knows)
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        await exportable_project(bot, fake, simulator, channel, alice)
        await fake.dispatch_message(channel, alice, "/export", mentions_bot=True)
        link = await bot_message(fake, channel, lambda m: any(
            b.get("label") == "Download" for b in buttons_of(m)))
    [download] = [b for b in buttons_of(link) if b.get("label") == "Download"]
    assert str(download["url"]).startswith(simulator.base_url)
    assert download["style"] == discord.ButtonStyle.link.value
    assert link.files == []
    refused = [r for r in fake.requests if r.status == 413]
    assert bool(refused) is not bot_knows


async def test_long_agent_answer_is_split(
        discord_world: DiscordWorld, simulator: Simulator, redis_server: EmbeddedRedis,
        monkeypatch: pytest.MonkeyPatch) -> None:
    fake, channel, alice = discord_world.fake, discord_world.channel, discord_world.user
    words = " ".join(f"word{i:04d}" for i in range(300))
    answer = words[:2100]
    assert len(answer) == 2100
    monkeypatch.setattr("core.simulator.agent.chat_answer", lambda message, chinese: answer)
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        await fake.dispatch_message(channel, alice, "tell me a story", mentions_bot=True)
        await fake.wait_for(lambda: "".join(
            m.content for m in fake.bot_messages(channel)).endswith(answer[-20:]), WAIT)
        await idle(bot)
    greeting, first, second = fake.bot_messages(channel)
    assert "Ready when you are" in greeting.content, "a first contact is greeted at once"
    assert len(first.content) <= 2000 and len(second.content) <= 2000
    assert f"{first.content} {second.content}" == answer
    assert first.history, "the first message was streamed by editing it"


async def test_sharded_bot_answers_on_every_shard(
        fake_discord: FakeDiscord, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = fake_discord
    alice = fake.add_user("alice")
    channels = []
    for shard in (0, 1):
        guild = fake.add_guild(f"Studio {shard}", guild_id=fake.snowflake_for_shard(shard, 2),
                               members=[alice])
        channels.append(fake.add_channel(guild, "renders"))
    async with running_bot(bot_settings(simulator, redis_server, fake, discord_shards=2)) as bot:
        assert isinstance(bot.client, discord.AutoShardedClient)
        assert fake.connected_shards() == [(0, 2), (1, 2)]
        for channel in channels:
            await fake.dispatch_message(channel, alice, "/help", mentions_bot=True)
            await bot_message(fake, channel, containing(HELP))


async def test_the_agents_options_are_buttons_and_cancel_goes_when_final(
        discord_world: DiscordWorld, simulator: Simulator, redis_server: EmbeddedRedis,
        monkeypatch: pytest.MonkeyPatch) -> None:
    fake, channel, alice = discord_world.fake, discord_world.channel, discord_world.user
    monkeypatch.setattr("core.simulator.agent.chat_answer",
                        lambda message, chinese: "Do you want upbeat or calm music?")
    async with running_bot(bot_settings(simulator, redis_server, fake)):
        await fake.dispatch_message(channel, alice, "what music fits", mentions_bot=True)
        question = await bot_message(fake, channel, lambda m: "upbeat" in m.content
                                     and len(buttons_of(m)) == 2)
        ids = [str(b.get("custom_id")) for b in buttons_of(question)]
        assert [b.get("label") for b in buttons_of(question)] == ["Upbeat", "Calm music"]
        assert all(i.startswith("nemobot:choose:") for i in ids), "no Cancel once final"
        await fake.dispatch_button(ids[1], question, None, alice)
        await fake.wait_for(lambda: kinds(simulator, "run_sse") == ["run_sse", "run_sse"])
