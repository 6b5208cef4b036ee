"""The fake Discord server, proven with the real discord.py client against it."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp
import discord
import discord.gateway
import discord.http
import pytest
from discord import app_commands
from discord.ext import commands

from tests.fakes.discord import CHANNEL_PUBLIC_THREAD, MIB, FakeDiscord, FakeMessage

if TYPE_CHECKING:
    from tests.fakes.discord_fixtures import DiscordWorld

pytest_plugins = ("tests.fakes.discord_fixtures",)

T = TypeVar("T")
WAIT = 5.0


async def within(awaitable: Awaitable[T], seconds: float = WAIT) -> T:
    """Await with a deadline so a broken fake fails the test instead of hanging it."""
    return await asyncio.wait_for(awaitable, seconds)


def minimal_intents() -> discord.Intents:
    """What the product asks for: the defaults, without privileged message content."""
    intents = discord.Intents.default()
    intents.message_content = False
    return intents


def from_user(user_id: int) -> Any:
    """A ``wait_for('message')`` check that skips the bot's own echoed messages."""
    return lambda message: message.author.id == user_id


class CancelRenderView(discord.ui.View):
    """A persistent view: no timeout and a fixed custom_id, so it survives restarts."""

    def __init__(self, pressed: asyncio.Future[int] | None = None) -> None:
        super().__init__(timeout=None)
        self.pressed = pressed

    @discord.ui.button(
        label="Cancel render", style=discord.ButtonStyle.danger, custom_id="render:cancel"
    )
    async def cancel(
        self, interaction: discord.Interaction, button: discord.ui.Button[Any]
    ) -> None:
        await interaction.response.edit_message(content="Render cancelled", view=None)
        if self.pressed is not None and not self.pressed.done():
            self.pressed.set_result(interaction.user.id)


# ------------------------------------------------------------------ plumbing


async def test_patch_discord_points_discord_py_at_the_fake_and_restores_it() -> None:
    original = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    async with FakeDiscord() as fake:
        with fake.patch_discord():
            assert fake.api_base == discord.http.Route.BASE
            assert str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY).startswith(
                "ws://127.0.0.1"
            )
            headers = {"Authorization": f"Bot {fake.token}"}
            async with (
                aiohttp.ClientSession() as session,
                session.get(fake.api_base + "/users/@me", headers=headers) as response,
            ):
                # discord.py parses a body as JSON only with exactly this content type
                assert response.headers["Content-Type"] == "application/json"
                assert (await response.json())["id"] == str(fake.bot.id)
        assert original == (
            discord.http.Route.BASE,
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY,
        )


async def test_client_logs_in_and_gets_ready(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    alice = fake.add_user("alice")
    guild = fake.add_guild("Studio", members=[alice])
    channel = fake.add_channel(guild, "renders")
    client = discord.Client(intents=minimal_intents())
    ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    @client.event
    async def on_ready() -> None:
        if not ready.done():
            ready.set_result(None)

    async with fake.running(client):
        await within(ready)
        assert client.user is not None and client.user.id == fake.bot.id and client.user.bot
        assert client.application_id == fake.application_id
        cached = client.get_guild(guild.id)
        assert cached is not None and cached.name == "Studio"
        assert cached.me is not None
        assert cached.filesize_limit == 10 * MIB
        assert client.get_channel(channel.id) is not None
        identify = fake.identifies[0]
        assert identify["intents"] == minimal_intents().value
        assert "shard" not in identify
        [connect] = fake.gateway_connects
        assert connect.query == {"v": "10", "encoding": "json", "compress": "zlib-stream"}
        assert connect.compressed
        await fake.wait_for(lambda: fake.heartbeats >= 1)
    assert fake.unknown_requests == []
    assert [r.path for r in fake.requests] == ["/users/@me", "/oauth2/applications/@me"]


async def test_wrong_token_fails_login(discord_world: DiscordWorld) -> None:
    client = discord.Client(intents=minimal_intents())
    with pytest.raises(discord.LoginFailure):
        await client.login("not-the-token")
    await client.close()


async def test_unapproved_privileged_intent_closes_the_gateway(discord_world: DiscordWorld) -> None:
    fake = discord_world.fake
    fake.approved_intents = 0
    intents = minimal_intents()
    intents.message_content = True
    with pytest.raises(discord.PrivilegedIntentsRequired):
        async with fake.running(discord.Client(intents=intents)):
            pass


async def test_unknown_routes_are_recorded(discord_world: DiscordWorld) -> None:
    fake = discord_world.fake
    async with fake.running(discord.Client(intents=minimal_intents())) as client:
        with pytest.raises(discord.NotFound):
            await client.fetch_invite("nemobot")
    assert [(r.method, r.path) for r in fake.unknown_requests] == [("GET", "/invites/nemobot")]


# ------------------------------------------------------------------ incoming messages


async def test_mention_carries_content_and_signed_attachments(discord_world: DiscordWorld) -> None:
    fake, channel, alice = discord_world.fake, discord_world.channel, discord_world.user
    clip = fake.add_attachment(b"\x00\x00\x00\x18ftypmp42", "my clip.mp4", "video/mp4")
    async with fake.running(discord.Client(intents=minimal_intents())) as client:
        received = client.wait_for("message", check=from_user(alice.id))
        await fake.dispatch_message(
            channel, alice, "cut the intro", mentions_bot=True, attachments=[clip]
        )
        message = await within(received)

        assert message.content == f"<@{fake.bot.id}> cut the intro"
        assert client.user in message.mentions
        assert isinstance(message.author, discord.Member)
        [attachment] = message.attachments
        assert attachment.filename == "my_clip.mp4"
        assert attachment.content_type == "video/mp4"
        assert attachment.size == len(clip.data or b"")
        assert "hm=" in attachment.url and "ex=" in attachment.url
        assert await attachment.read() == clip.data

    async with aiohttp.ClientSession() as session:
        unsigned = attachment.url.split("?", 1)[0]
        async with session.get(unsigned) as response:
            assert response.status == 403
        async with session.get(attachment.url.replace("hm=", "hm=0")) as response:
            assert response.status == 403
        async with session.get(attachment.url) as response:
            assert response.status == 200
        fake.advance_clock(2 * 24 * 3600)
        async with session.get(attachment.url) as response:
            assert response.status == 404
        async with session.get(fake.sign_attachment_url(clip)) as response:
            assert await response.read() == clip.data


async def test_guild_message_without_mention_has_no_content(discord_world: DiscordWorld) -> None:
    fake, channel, alice = discord_world.fake, discord_world.channel, discord_world.user
    clip = fake.add_attachment(1024, "clip.mp4", "video/mp4")
    async with fake.running(discord.Client(intents=minimal_intents())) as client:
        received = client.wait_for("message", check=from_user(alice.id))
        await fake.dispatch_message(channel, alice, "chatting with friends", attachments=[clip])
        message = await within(received)
        assert message.content == ""
        assert message.attachments == []
        assert message.mentions == []

        # A reply to the bot pings it, which makes the content visible again.
        text_channel = client.get_channel(channel.id)
        assert isinstance(text_channel, discord.TextChannel)
        prompt = await text_channel.send("Which style?")
        received = client.wait_for("message", check=from_user(alice.id))
        await fake.dispatch_message(channel, alice, "noir please", reference=prompt.id)
        reply = await within(received)
        assert reply.content == "noir please"
        assert reply.reference is not None and reply.reference.message_id == prompt.id
        assert reply.type is discord.MessageType.reply


async def test_message_content_intent_reveals_every_message(discord_world: DiscordWorld) -> None:
    fake, channel, alice = discord_world.fake, discord_world.channel, discord_world.user
    intents = minimal_intents()
    intents.message_content = True
    async with fake.running(discord.Client(intents=intents)) as client:
        received = client.wait_for("message", check=from_user(alice.id))
        await fake.dispatch_message(channel, alice, "no mention here")
        assert (await within(received)).content == "no mention here"


async def test_dm_carries_content_and_the_bot_can_answer(discord_world: DiscordWorld) -> None:
    fake, alice = discord_world.fake, discord_world.user
    dm = fake.dm_channel(alice)
    async with fake.running(discord.Client(intents=minimal_intents())) as client:
        received = client.wait_for("message", check=from_user(alice.id))
        await fake.dispatch_message(dm, alice, "make it shorter")
        message = await within(received)
        assert message.guild is None
        assert isinstance(message.channel, discord.DMChannel)
        assert message.content == "make it shorter"
        await message.channel.send("On it")
    assert [m.content for m in fake.bot_messages(dm)] == ["On it"]


async def test_thread_message_arrives_in_a_thread(discord_world: DiscordWorld) -> None:
    fake, alice = discord_world.fake, discord_world.user
    thread = fake.add_channel(
        discord_world.guild, "job-42", type=CHANNEL_PUBLIC_THREAD, parent=discord_world.channel
    )
    async with fake.running(discord.Client(intents=minimal_intents())) as client:
        received = client.wait_for("message", check=from_user(alice.id))
        await fake.dispatch_message(thread, alice, "status?", mentions_bot=True)
        message = await within(received)
        assert isinstance(message.channel, discord.Thread)
        assert message.channel.parent_id == discord_world.channel.id
        await message.channel.send("42% rendered")
    assert [m.content for m in fake.bot_messages(thread)] == ["42% rendered"]


# ------------------------------------------------------------------ outgoing messages


async def test_sent_file_is_delivered_byte_for_byte(discord_world: DiscordWorld) -> None:
    fake, channel = discord_world.fake, discord_world.channel
    video = bytes(range(256)) * 4096  # 1 MiB
    async with fake.running(discord.Client(intents=minimal_intents())) as client:
        text_channel = client.get_channel(channel.id)
        assert isinstance(text_channel, discord.TextChannel)
        sent = await text_channel.send(
            "Your video", file=discord.File(io.BytesIO(video), "final.mp4")
        )
        assert await sent.attachments[0].read() == video

    [stored] = fake.bot_messages(channel)
    assert stored.content == "Your video"
    assert stored.files == [("final.mp4", video)]
    assert stored.attachments[0].content_type == "video/mp4"
    upload = next(r for r in fake.requests if r.method == "POST")
    assert upload.files[0].field == "files[0]"
    assert upload.json["attachments"] == [{"id": 0, "filename": "final.mp4"}]


async def test_file_over_the_guild_limit_is_rejected_with_413(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    plain = fake.add_guild("Plain")
    boosted = fake.add_guild("Boosted", premium_tier=2)
    plain_channel = fake.add_channel(plain, "renders")
    boosted_channel = fake.add_channel(boosted, "renders")
    too_big = bytes(10 * MIB + 1)
    async with fake.running(discord.Client(intents=minimal_intents())) as client:
        assert client.get_guild(plain.id).filesize_limit == 10 * MIB  # type: ignore[union-attr]
        assert client.get_guild(boosted.id).filesize_limit == 50 * MIB  # type: ignore[union-attr]
        target = client.get_channel(plain_channel.id)
        assert isinstance(target, discord.TextChannel)
        with pytest.raises(discord.HTTPException) as error:
            await target.send(file=discord.File(io.BytesIO(too_big), "big.mp4"))
        assert error.value.status == 413
        assert error.value.code == 40005
        assert error.value.text == "Request entity too large"

        boosted_target = client.get_channel(boosted_channel.id)
        assert isinstance(boosted_target, discord.TextChannel)
        await boosted_target.send(file=discord.File(io.BytesIO(too_big), "big.mp4"))
    assert fake.bot_messages(plain_channel) == []
    assert fake.bot_messages(boosted_channel)[0].attachments[0].size == 10 * MIB + 1


async def test_progress_message_is_edited_then_deleted(discord_world: DiscordWorld) -> None:
    fake, channel = discord_world.fake, discord_world.channel
    async with fake.running(discord.Client(intents=minimal_intents())) as client:
        text_channel = client.get_channel(channel.id)
        assert isinstance(text_channel, discord.TextChannel)
        async with text_channel.typing():
            await fake.wait_for_request("POST", rf"/channels/{channel.id}/typing")
        progress = await text_channel.send("Rendering 10%")
        edited = await progress.edit(content="Rendering 90%")
        assert edited.edited_at is not None
        stored = fake.message(progress.id)
        assert stored.content == "Rendering 90%"
        assert [h["content"] for h in stored.history] == ["Rendering 10%"]
        await progress.delete()
        assert stored.deleted
        assert fake.bot_messages(channel) == []


# ------------------------------------------------------------------ faults


async def test_missing_permissions_raise_forbidden(discord_world: DiscordWorld) -> None:
    fake, channel = discord_world.fake, discord_world.channel
    fake.deny_channel(channel)
    async with fake.running(discord.Client(intents=minimal_intents())) as client:
        text_channel = client.get_channel(channel.id)
        assert isinstance(text_channel, discord.TextChannel)
        assert not text_channel.permissions_for(text_channel.guild.me).send_messages
        with pytest.raises(discord.Forbidden) as error:
            await text_channel.send("hello")
        assert (error.value.status, error.value.code) == (403, 50013)
        fake.allow_channel(channel)
        await text_channel.send("hello again")


async def test_deleted_channel_raises_not_found(discord_world: DiscordWorld) -> None:
    fake, channel = discord_world.fake, discord_world.channel
    async with fake.running(discord.Client(intents=minimal_intents())) as client:
        deleted = client.wait_for("guild_channel_delete")
        await fake.delete_channel(channel)
        assert (await within(deleted)).id == channel.id
        assert client.get_channel(channel.id) is None
        with pytest.raises(discord.NotFound) as error:
            await client.get_partial_messageable(channel.id).send("anyone?")
        assert error.value.code == 10003


async def test_rate_limited_send_is_retried(discord_world: DiscordWorld) -> None:
    fake, channel = discord_world.fake, discord_world.channel
    path = rf"/channels/{channel.id}/messages"
    fake.rate_limit(path, method="POST", retry_after=0.05)
    async with fake.running(discord.Client(intents=minimal_intents())) as client:
        text_channel = client.get_channel(channel.id)
        assert isinstance(text_channel, discord.TextChannel)
        await text_channel.send("after the limit")
    attempts = [r for r in fake.requests if r.path == path]
    assert [r.status for r in attempts] == [429, 200]
    assert attempts[0].response["retry_after"] == 0.05
    assert [m.content for m in fake.bot_messages(channel)] == ["after the limit"]


async def test_long_rate_limit_raises_rate_limited(discord_world: DiscordWorld) -> None:
    fake, channel = discord_world.fake, discord_world.channel
    fake.rate_limit(rf"/channels/{channel.id}/messages", retry_after=60.0)
    client = discord.Client(intents=minimal_intents(), max_ratelimit_timeout=30.0)
    async with fake.running(client):
        text_channel = client.get_channel(channel.id)
        assert isinstance(text_channel, discord.TextChannel)
        with pytest.raises(discord.RateLimited) as error:
            await text_channel.send("too soon")
        assert error.value.retry_after == 60.0


async def test_rate_limit_for_one_channel_hits_the_next_sends_there(
    discord_world: DiscordWorld,
) -> None:
    fake, channel = discord_world.fake, discord_world.channel
    other = fake.add_channel(discord_world.guild, "drafts")
    fake.rate_limit(channel=channel, method="POST", retry_after=0.05, count=2)
    async with fake.running(discord.Client(intents=minimal_intents())) as client:
        for target in (other, channel):
            text_channel = client.get_channel(target.id)
            assert isinstance(text_channel, discord.TextChannel)
            await text_channel.send("hello")
    limited = [r for r in fake.requests if r.status == 429]
    assert [(r.path, r.retry_after) for r in limited] == [
        (f"/channels/{channel.id}/messages", 0.05)] * 2
    sends = [r for r in fake.requests if r.path == f"/channels/{channel.id}/messages"]
    assert sends[-1].status == 200
    assert sends[-1].at - sends[0].at >= 0.1, "discord.py waited retry_after each time"


async def test_server_errors_reach_the_client(discord_world: DiscordWorld) -> None:
    fake, channel = discord_world.fake, discord_world.channel
    fake.fail_next(rf"/channels/{channel.id}/messages", status=503,
                   message="503: Service Unavailable")
    async with fake.running(discord.Client(intents=minimal_intents())) as client:
        text_channel = client.get_channel(channel.id)
        assert isinstance(text_channel, discord.TextChannel)
        with pytest.raises(discord.DiscordServerError):
            await text_channel.send("hello")
        await text_channel.send("hello again")
    assert [m.content for m in fake.bot_messages(channel)] == ["hello again"]


@pytest.mark.parametrize("takes_effect", [False, True], ids=["lost", "done-but-unanswered"])
async def test_a_hung_request_outlasts_the_client(
    discord_world: DiscordWorld, takes_effect: bool
) -> None:
    fake, channel = discord_world.fake, discord_world.channel
    fake.hang(channel=channel, method="POST", takes_effect=takes_effect)
    async with fake.running(discord.Client(intents=minimal_intents())) as client:
        text_channel = client.get_channel(channel.id)
        assert isinstance(text_channel, discord.TextChannel)
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.3):
                await text_channel.send("into the void")
        await text_channel.send("next")
    hung, ok = (r for r in fake.requests if r.path == f"/channels/{channel.id}/messages")
    assert hung.hung and not ok.hung and ok.status == 200
    expected = ["into the void", "next"] if takes_effect else ["next"]
    assert [m.content for m in fake.bot_messages(channel)] == expected


# ------------------------------------------------------------------ interactions


def make_bot() -> commands.Bot:
    """A commands.Bot with minimal intents (slash commands only)."""
    return commands.Bot(command_prefix=commands.when_mentioned, intents=minimal_intents())


async def test_slash_command_defers_then_answers_with_a_followup(
    discord_world: DiscordWorld,
) -> None:
    fake, channel, alice = discord_world.fake, discord_world.channel, discord_world.user
    bot = make_bot()
    seen: asyncio.Future[tuple[str, str]] = asyncio.get_running_loop().create_future()

    @bot.tree.command(name="render", description="Render a video from a prompt")
    @app_commands.describe(prompt="What to make", style="How it looks")
    async def render(interaction: discord.Interaction, prompt: str, style: str) -> None:
        await interaction.response.defer(thinking=True)
        seen.set_result((prompt, style))
        video = discord.File(io.BytesIO(b"egatoof-war"), "result.mp4")
        await interaction.followup.send(f"Done: {prompt}", file=video)

    async with fake.running(bot):
        synced = await bot.tree.sync()
        assert [c.name for c in synced] == ["render"]
        [command] = fake.synced_commands()
        assert [o["name"] for o in command["options"]] == ["prompt", "style"]

        ix = await fake.dispatch_slash_command(
            "render", {"prompt": "a trailer", "style": "noir"}, channel, alice
        )
        assert await within(seen) == ("a trailer", "noir")
        await fake.wait_for(lambda: fake.followups(ix.token))

    [response] = fake.interaction_responses(ix.id)
    assert response.type == 5
    [followup] = fake.followups(ix.token)
    assert followup is fake.original_response(ix.token)  # it replaced the "thinking" message
    assert not followup.loading
    assert followup.content == "Done: a trailer"
    assert followup.files == [("result.mp4", b"egatoof-war")]
    assert fake.bot_messages(channel) == [followup]


async def test_immediate_reply_edit_and_ephemeral_followup(discord_world: DiscordWorld) -> None:
    fake, channel, alice = discord_world.fake, discord_world.channel, discord_world.user
    bot = make_bot()
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    @bot.tree.command(name="status", description="Show the render status")
    async def status(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("Queued")
        await interaction.edit_original_response(content="Rendering 40%")
        await interaction.followup.send("Only you can see this", ephemeral=True)
        done.set_result(None)

    async with fake.running(bot):
        ix = await fake.dispatch_slash_command("status", None, channel, alice)
        await within(done)

    assert [r.type for r in fake.interaction_responses(ix.id)] == [4]
    original = fake.original_response(ix.token)
    assert original is not None and original.content == "Rendering 40%"
    [private] = fake.followups(ix.token)
    assert private.ephemeral and private.content == "Only you can see this"
    assert fake.bot_messages(channel) == [original]


async def test_component_deferred_update_edits_the_message(discord_world: DiscordWorld) -> None:
    fake, channel, alice = discord_world.fake, discord_world.channel, discord_world.user
    client = discord.Client(intents=minimal_intents())
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    @client.event
    async def on_interaction(interaction: discord.Interaction) -> None:
        await interaction.response.defer()
        await interaction.edit_original_response(content="Retrying...")
        done.set_result(None)

    async with fake.running(client):
        text_channel = client.get_channel(channel.id)
        assert isinstance(text_channel, discord.TextChannel)
        view = discord.ui.View(timeout=None)
        view.add_item(discord.ui.Button(label="Retry", custom_id="retry"))
        sent = await text_channel.send("Render failed", view=view)
        progress = fake.message(sent.id)
        ix = await fake.dispatch_button("retry", progress, None, alice)
        await within(done)
    assert [r.type for r in fake.interaction_responses(ix.id)] == [6]
    assert progress.content == "Retrying..."


async def test_interaction_deadlines(discord_world: DiscordWorld) -> None:
    fake, channel, alice = discord_world.fake, discord_world.channel, discord_world.user
    bot = make_bot()
    loop = asyncio.get_running_loop()
    late_ack: asyncio.Future[discord.NotFound] = loop.create_future()
    deferred: asyncio.Future[discord.Interaction] = loop.create_future()

    @bot.tree.command(name="slow", description="Acknowledges too late")
    async def slow(interaction: discord.Interaction) -> None:
        fake.advance_clock(3.5)
        try:
            await interaction.response.defer()
        except discord.NotFound as error:
            late_ack.set_result(error)

    @bot.tree.command(name="long", description="Finishes after the token expired")
    async def long(interaction: discord.Interaction) -> None:
        await interaction.response.defer()
        deferred.set_result(interaction)

    async with fake.running(bot):
        await bot.tree.sync()
        await fake.dispatch_slash_command("slow", {}, channel, alice)
        assert (await within(late_ack)).code == 10062

        await fake.dispatch_slash_command("long", {}, channel, alice)
        interaction = await within(deferred)
        fake.advance_clock(15 * 60 + 1)
        with pytest.raises(discord.HTTPException) as error:  # as Discord answers it
            await interaction.followup.send("too late")
        assert (error.value.status, error.value.code) == (401, 50027)
        # Late results go to the channel instead.
        assert interaction.channel is not None
        await interaction.channel.send("Your video is ready")  # type: ignore[union-attr]
    assert fake.bot_messages(channel)[-1].content == "Your video is ready"


async def test_persistent_view_handles_a_press_after_restart(discord_world: DiscordWorld) -> None:
    fake, channel, alice = discord_world.fake, discord_world.channel, discord_world.user

    first = discord.Client(intents=minimal_intents())
    async with fake.running(first):
        text_channel = first.get_channel(channel.id)
        assert isinstance(text_channel, discord.TextChannel)
        sent = await text_channel.send("Rendering...", view=CancelRenderView())
    progress: FakeMessage = fake.message(sent.id)
    assert progress.components[0]["components"][0]["custom_id"] == "render:cancel"

    pressed: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    class RestartedClient(discord.Client):
        async def setup_hook(self) -> None:
            self.add_view(CancelRenderView(pressed))

    async with fake.running(RestartedClient(intents=minimal_intents())):
        ix = await fake.dispatch_button("render:cancel", progress, channel, alice)
        assert await within(pressed) == alice.id

    assert [r.type for r in fake.interaction_responses(ix.id)] == [7]
    assert progress.content == "Render cancelled"
    assert progress.components == []
    assert len(fake.identifies) == 2


# ------------------------------------------------------------------ gateway


async def test_autosharded_client_identifies_every_shard(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    alice = fake.add_user("alice")
    guilds = [
        fake.add_guild(f"Studio {i}", guild_id=fake.snowflake_for_shard(i, 2), members=[alice])
        for i in (0, 1)
    ]
    channels = [fake.add_channel(g, "renders") for g in guilds]
    client = discord.AutoShardedClient(intents=minimal_intents(), shard_count=2)
    async with fake.running(client):
        assert sorted(i["shard"] for i in fake.identifies) == [[0, 2], [1, 2]]
        assert fake.connected_shards() == [(0, 2), (1, 2)]
        assert sorted(client.shards) == [0, 1]
        for guild in guilds:
            cached = client.get_guild(guild.id)
            assert cached is not None and cached.shard_id == guild.shard_id(2)

        received = client.wait_for("message", check=from_user(alice.id))
        event = await fake.dispatch_message(channels[1], alice, "hi", mentions_bot=True)
        assert (await within(received)).id == event.id
        assert fake.dispatched[-1].shard == (1, 2)


async def test_dropped_gateway_resumes_and_replays_missed_events(
    discord_world: DiscordWorld,
) -> None:
    fake, channel, alice = discord_world.fake, discord_world.channel, discord_world.user
    async with fake.running(discord.Client(intents=minimal_intents())) as client:
        resumed = client.wait_for("resumed")
        received = client.wait_for("message", check=from_user(alice.id))
        await fake.disconnect_gateway()
        await fake.dispatch_message(channel, alice, "are you there?", mentions_bot=True)
        await within(resumed)
        assert (await within(received)).content.endswith("are you there?")
    assert [c.path for c in fake.gateway_connects] == ["/", "/resume"]
    [resume] = fake.resumes
    assert resume["seq"] == 2  # READY and GUILD_CREATE; the message came after
    assert resume["session_id"] == fake.dispatched[0].d["session_id"]  # from READY
    assert len(fake.identifies) == 1


async def test_invalidated_session_identifies_again(discord_world: DiscordWorld) -> None:
    fake = discord_world.fake
    async with fake.running(discord.Client(intents=minimal_intents())) as client:
        ready_again = client.wait_for("ready")
        await fake.disconnect_gateway(invalidate_session=True)
        await within(ready_again)
        assert len(fake.resumes) == 1
        assert len(fake.identifies) == 2
        assert client.get_guild(discord_world.guild.id) is not None
