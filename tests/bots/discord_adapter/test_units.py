"""The Discord adapter's parts: text splitting, settings, the client, the outgoing side
against the fake Discord with the real discord.py."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, cast

import discord
import discord.gateway
import discord.http
import pytest
from pydantic import SecretStr

from bots.cli import main
from bots.discord_adapter.app import configure_endpoints, make_client, run_discord, serve
from bots.discord_adapter.inbound import INTERACTION_PREFIX, clean_text
from bots.discord_adapter.outbound import (
    MESSAGE_LIMIT,
    DiscordOutput,
    ReplySlot,
    raise_as_core,
    split_text,
)
from bots.discord_adapter.settings import DiscordSettings
from bots.discord_adapter.views import build_view
from bots.settings import load_settings
from core.embedded_redis import EmbeddedRedis
from core.messages import ChatKey
from core.outgoing import Action, Busy, Button
from core.settings import Settings, SettingsError
from core.simulator import Simulator
from tests.fakes.discord_api import FAST_CLIENT_OPTIONS, MIB, FakeDiscord, FakeInteraction
from tests.kits.discord_bot import WAIT, bot_settings

if TYPE_CHECKING:
    from tests.fakes.discord_fixtures import DiscordWorld

pytest_plugins = ("tests.fakes.discord_fixtures",)


# ------------------------------------------------------------------ splitting


def test_short_text_is_one_piece() -> None:
    assert split_text("hello") == ["hello"]
    assert split_text("x" * MESSAGE_LIMIT) == ["x" * MESSAGE_LIMIT]
    assert split_text("   ") == ["\u200b"], "Discord refuses empty messages"


def test_long_text_is_cut_at_a_line_break_or_a_space() -> None:
    paragraph = "word " * 300  # 1,500 characters
    text = paragraph.strip() + "\n" + paragraph.strip()
    first, second = split_text(text)
    assert first == paragraph.strip() and second == paragraph.strip()
    words = " ".join(f"w{i:05d}" for i in range(700))
    pieces = split_text(words)
    assert all(len(p) <= MESSAGE_LIMIT for p in pieces)
    assert " ".join(pieces) == words
    assert all(not p.startswith(" ") and not p.endswith(" ") for p in pieces)


def test_text_without_spaces_is_cut_hard() -> None:
    pieces = split_text("y" * 4500)
    assert [len(p) for p in pieces] == [2000, 2000, 500]


def test_a_growing_text_keeps_its_first_pieces() -> None:
    words = " ".join(f"w{i:05d}" for i in range(1000))
    previous = split_text(words[:2500])
    for end in range(2600, len(words), 97):
        pieces = split_text(words[:end])
        assert pieces[: len(previous) - 1] == previous[:-1]
        previous = pieces


# ------------------------------------------------------------------ settings and client


def test_shard_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for value, expected in (("", None), ("auto", "auto"), ("AUTO", "auto"), ("4", 4)):
        monkeypatch.setenv("DISCORD_SHARDS", value)
        assert load_settings(DiscordSettings)[1].discord_shards == expected
    for bad in ("0", "many", "-2"):
        monkeypatch.setenv("DISCORD_SHARDS", bad)
        with pytest.raises(SettingsError, match="DISCORD_SHARDS"):
            load_settings(DiscordSettings)


def test_shard_ids_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISCORD_SHARDS", "4")
    for value, expected in (("", ()), ("1", (1,)), (" 3, 0,0 ", (0, 3))):
        monkeypatch.setenv("DISCORD_SHARD_IDS", value)
        assert load_settings(DiscordSettings)[1].discord_shard_ids == expected
    for bad in ("one", "-1", "4"):
        monkeypatch.setenv("DISCORD_SHARD_IDS", bad)
        with pytest.raises(SettingsError, match="DISCORD_SHARD_IDS"):
            load_settings(DiscordSettings)
    monkeypatch.setenv("DISCORD_SHARD_IDS", "0")
    for shards in ("", "auto"):
        monkeypatch.setenv("DISCORD_SHARDS", shards)
        with pytest.raises(SettingsError, match="needs DISCORD_SHARDS"):
            load_settings(DiscordSettings)


async def test_client_kind_and_intents() -> None:
    # nothing connects: no HTTP session exists before login
    plain = make_client(DiscordSettings(_env_file=None))  # type: ignore[call-arg]
    sharded = make_client(DiscordSettings(  # type: ignore[call-arg]
        _env_file=None, discord_shards="auto"))
    fixed = make_client(DiscordSettings(_env_file=None, discord_shards=3))  # type: ignore[call-arg]
    assert type(plain) is discord.Client
    assert isinstance(sharded, discord.AutoShardedClient) and sharded.shard_count is None
    assert isinstance(fixed, discord.AutoShardedClient) and fixed.shard_count == 3
    assert fixed.shard_ids is None, "every shard"
    some = make_client(DiscordSettings(  # type: ignore[call-arg]
        _env_file=None, discord_shards=3, discord_shard_ids=(1,)))
    assert isinstance(some, discord.AutoShardedClient) and some.shard_ids == [1]
    intents = plain.intents
    assert not intents.message_content and not intents.members and not intents.presences
    assert intents.guild_messages and intents.dm_messages and intents.guilds


def test_endpoints_come_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY",
                        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    configure_endpoints(DiscordSettings(  # type: ignore[call-arg]
        _env_file=None, discord_api_base="http://127.0.0.1:9/api/v10/",
        discord_gateway_url="ws://127.0.0.1:9"))
    assert discord.http.Route.BASE == "http://127.0.0.1:9/api/v10"
    assert str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY) == "ws://127.0.0.1:9/"


def test_discord_command_needs_a_token(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    assert main(["discord"]) == 2
    assert "DISCORD_TOKEN" in capsys.readouterr().err
    assert run_discord(Settings(_env_file=None),  # type: ignore[call-arg]
                       DiscordSettings(_env_file=None)) == 2  # type: ignore[call-arg]


async def test_a_refused_token_ends_with_status_2(
        fake_discord: FakeDiscord, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    settings = bot_settings(simulator, redis_server, fake_discord,
                            discord_token=SecretStr("not-the-token"))
    assert await serve(settings.core, settings.discord) == 2


def test_mentions_are_stripped() -> None:
    class Author:
        id = 42

    class Message:
        guild = None
        content = "<@42> cut the intro and <@!42>add music  "

    assert clean_text(Message(), Author()) == "cut the intro and add music"  # type: ignore[arg-type]


async def test_buttons() -> None:
    view = build_view((Button("Export", Action.EXPORT), Button("Open project", url="https://x.y/z")))
    assert view is not None and view.is_finished(), "described, not listened to"
    export, project = view.children
    assert isinstance(export, discord.ui.Button) and export.custom_id == "nemobot:export"
    assert isinstance(project, discord.ui.Button) and project.url == "https://x.y/z"
    assert build_view(()) is None
    chosen = build_view((Button("Add a title", Action.CHOOSE, value="3.1"),))
    assert chosen is not None
    (choice,) = chosen.children
    assert isinstance(choice, discord.ui.Button) and choice.custom_id == "nemobot:choose:3.1"


# ------------------------------------------------------------------ outgoing on the fake


async def test_outgoing_splits_edits_and_trims(discord_world: DiscordWorld) -> None:
    fake, channel = discord_world.fake, discord_world.channel
    chat = ChatKey("discord", str(channel.id))
    words = " ".join(f"w{i:05d}" for i in range(700))  # 4,899 characters: three messages
    client = discord.Client(intents=discord.Intents.default(), **FAST_CLIENT_OPTIONS)
    async with fake.running(client):
        out = DiscordOutput(client)
        sent = await out.send_text(chat, words[:1500], (Button("Export", Action.EXPORT),))
        assert "," not in sent.message_id
        grown = await out.edit_text(chat, sent, words, (Button("Export", Action.EXPORT),))
        first, second, third = grown.message_id.split(",")
        assert first == sent.message_id
        messages = fake.bot_messages(channel)
        assert " ".join(m.content for m in messages) == words
        assert [bool(m.components) for m in messages] == [False, False, True], \
            "buttons under the last piece only"
        before = len(fake.requests)
        again = await out.edit_text(chat, grown, words, (Button("Export", Action.EXPORT),))
        assert again == grown and len(fake.requests) == before, "nothing changed, no request"

        shrunk = await out.edit_text(chat, grown, "short now")
        assert shrunk.message_id == first
        assert [m.content for m in fake.bot_messages(channel)] == ["short now"]
        assert fake.message(int(third)).deleted and fake.message(int(second)).deleted

        assert await out.delete_message(chat, "interaction-123") is True
        await out.working(chat)
        await fake.wait_for_request("POST", rf"/channels/{channel.id}/typing")
        assert out.max_file_size(chat) == 10 * MIB
        assert out.max_file_size(ChatKey("discord", "1")) == 10 * MIB


async def test_an_edit_of_a_deleted_message_is_sent_anew(discord_world: DiscordWorld) -> None:
    fake, channel = discord_world.fake, discord_world.channel
    chat = ChatKey("discord", str(channel.id))
    client = discord.Client(intents=discord.Intents.default(), **FAST_CLIENT_OPTIONS)
    async with fake.running(client):
        out = DiscordOutput(client)
        sent = await out.send_text(chat, "Rendering: 10%")
        # someone with Manage Messages deleted it
        await client.get_partial_messageable(channel.id).get_partial_message(
            int(sent.message_id)).delete()
        again = await out.edit_text(chat, sent, "Rendering: 50%")
    assert again != sent
    assert [m.content for m in fake.bot_messages(channel)] == ["Rendering: 50%"]
    assert fake.bot_messages(channel)[0].id == int(again.message_id)


async def test_the_reply_to_handle_picks_the_interaction_to_answer(
        discord_world: DiscordWorld) -> None:
    fake, channel, alice = discord_world.fake, discord_world.channel, discord_world.user
    chat = ChatKey("discord", str(channel.id))
    client = discord.Client(intents=discord.Intents.default(), **FAST_CLIENT_OPTIONS)
    interactions: asyncio.Queue[discord.Interaction] = asyncio.Queue()

    async def on_interaction(interaction: discord.Interaction) -> None:
        await interactions.put(interaction)

    client.event(on_interaction)

    async def acknowledged(out: DiscordOutput) -> tuple[str, FakeInteraction]:
        ix = await fake.dispatch_slash_command("help", None, channel, alice)
        interaction = await asyncio.wait_for(interactions.get(), WAIT)
        await interaction.response.defer(thinking=True)
        message_id = f"{INTERACTION_PREFIX}{interaction.id}"
        out.expect_reply(message_id, ReplySlot(chat, interaction, ephemeral=False))
        return message_id, ix

    async with fake.running(client):
        out = DiscordOutput(client)
        help_id, ix = await acknowledged(out)
        typing = len([r for r in fake.requests if r.path.endswith("/typing")])
        await out.working(chat)
        assert len([r for r in fake.requests if r.path.endswith("/typing")]) == typing, \
            "no typing while the thinking placeholder shows"
        # answers to other messages go to the channel, whichever task sends them
        await out.send_text(chat, "Video ready")
        await out.send_text(chat, "after this: trim it", reply_to="1234")
        assert fake.followups(ix.token) == [] and out.owes_reply(help_id)
        # the answer goes through the interaction, even from a task started elsewhere
        await asyncio.create_task(out.send_text(chat, "Send clips", reply_to=help_id))
        await out.send_text(chat, "and one more thing", reply_to=help_id)
        assert not out.owes_reply(help_id)

        silent_id, silent = await acknowledged(out)
        await out.finish(silent_id)  # handled without a reply: the placeholder goes

        out.clock = lambda: time.time() + 3600.0  # every token has expired
        expired_id, _ = await acknowledged(out)
        assert not out.owes_reply(silent_id) and out.owes_reply(expired_id)
        await out.send_text(chat, "late answer", reply_to=expired_id)
    [answer] = fake.followups(ix.token)
    assert answer is fake.original_response(ix.token) and answer.content == "Send clips"
    assert [m.content for m in fake.bot_messages(channel) if m.webhook_id is None] == [
        "Video ready", "after this: trim it", "and one more thing", "late answer"]
    placeholder = fake.original_response(silent.token)
    assert placeholder is not None and placeholder.deleted


async def test_outgoing_file_and_link(discord_world: DiscordWorld, tmp_path: Path) -> None:
    fake, channel = discord_world.fake, discord_world.channel
    chat = ChatKey("discord", str(channel.id))
    video = tmp_path / "render.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(100))
    client = discord.Client(intents=discord.Intents.default(), **FAST_CLIENT_OPTIONS)
    async with fake.running(client):
        out = DiscordOutput(client)
        await out.send_file(chat, video, "nemovideo-1.mp4", "Video ready",
                            (Button("Open project", url="https://nemovideo.com/p"),))
        await out.send_link(chat, "Too large here", "https://cdn.example/v.mp4", "Download")
    file_message, link_message = fake.bot_messages(channel)
    assert file_message.files == [("nemovideo-1.mp4", video.read_bytes())]
    assert file_message.components[0]["components"][0]["url"] == "https://nemovideo.com/p"
    [button] = link_message.components[0]["components"]
    assert button["label"] == "Download" and button["url"] == "https://cdn.example/v.mp4"


def test_a_rate_limit_longer_than_discord_py_waits_is_busy_for_the_core() -> None:
    with pytest.raises(Busy) as raised:
        raise_as_core(discord.RateLimited(150.0))
    assert raised.value.retry_after == 150.0


def test_a_429_discord_py_does_not_wait_out_keeps_its_retry_after() -> None:
    """A 429 from Discord's edge (no `Via` header): discord.py raises it at once; the core
    must wait what it asks, not its own pause."""
    response = SimpleNamespace(status=429, reason="Too Many Requests",
                               headers={"Retry-After": "5"})
    with pytest.raises(Busy) as raised:
        raise_as_core(discord.HTTPException(cast(Any, response), "rate limited"))
    assert raised.value.retry_after == 5.0
    response.headers = {}
    with pytest.raises(Busy) as raised:
        raise_as_core(discord.HTTPException(cast(Any, response), "rate limited"))
    assert raised.value.retry_after is None
