"""Who may use the Discord bot, end to end: the real bot against the fake Discord, the
simulator and Redis. Roles, guilds and channels in the access lists, the slash commands'
permissions and contexts, admin commands, /stats and operator alerts."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from core.embedded_redis import EmbeddedRedis
from core.simulator import Simulator
from tests.fakes.discord_api import MESSAGE_FLAG_EPHEMERAL, FakeDiscord, FakeRole
from tests.kits.discord_bot import (
    bot_message,
    bot_settings,
    containing,
    idle,
    kinds,
    running_bot,
)

if TYPE_CHECKING:
    from tests.fakes.discord_fixtures import DiscordWorld

pytest_plugins = ("tests.fakes.discord_fixtures",)

REFUSED = "open only to the people its operator lets in"
EMPTY = "timeline is empty"


def add_role(fake: FakeDiscord, world: DiscordWorld, name: str) -> FakeRole:
    role = FakeRole(fake.snowflake(), name, 0, position=1)
    world.guild.roles[role.id] = role
    return role


async def test_roles_guilds_and_channels_decide_who_is_served(
        discord_world: DiscordWorld, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake, guild, channel, alice = (discord_world.fake, discord_world.guild,
                                   discord_world.channel, discord_world.user)
    editors = add_role(fake, discord_world, "editors")
    fake.add_member(guild, alice).roles.append(editors.id)
    bob = fake.add_user("bob")
    fake.add_member(guild, bob)
    closed = fake.add_channel(guild, "closed")
    settings = bot_settings(simulator, redis_server, fake, allow=f"discord:role:{editors.id}",
                            block=f"discord:channel:{closed.id}")
    async with running_bot(settings) as bot:
        await fake.dispatch_message(channel, alice, "/status", mentions_bot=True)
        await bot_message(fake, channel, containing(EMPTY))
        await fake.dispatch_message(channel, bob, "/status", mentions_bot=True)
        await bot_message(fake, channel, containing(REFUSED))
        ix = await fake.dispatch_slash_command("status", None, channel, bob)
        await fake.wait_for(lambda: ix.acknowledged)
        await fake.dispatch_message(closed, alice, "/status", mentions_bot=True)
        await bot_message(fake, closed, containing(REFUSED))
        await idle(bot)
        # Bob's refused command gets no second notice: its placeholder is removed
        await fake.wait_for(lambda: getattr(fake.original_response(ix.token), "deleted", False))
    in_channel = [m.content for m in fake.bot_messages(channel)]
    assert sum(REFUSED in m for m in in_channel) == 1, "Bob is told once"
    assert sum(EMPTY in m for m in in_channel) == 1, "only Alice was served"
    assert kinds(simulator, "state") == ["state"]


async def test_slash_commands_carry_permissions_and_contexts(
        discord_world: DiscordWorld, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = discord_world.fake
    settings = bot_settings(simulator, redis_server, fake,
                            discord_new_permission="manage_messages")
    async with running_bot(settings):
        commands = {c["name"]: c for c in fake.synced_commands()}
    guild, dm = 0, 1
    for name in ("admin", "allow", "block", "unblock", "quota"):
        assert str(commands[name]["default_member_permissions"]) == "0", name
    for name in ("export", "status", "credits", "stats", "help", "link"):
        assert commands[name]["default_member_permissions"] is None, name
    managers = str(discord.Permissions(manage_messages=True).value)
    assert str(commands["new"]["default_member_permissions"]) == managers
    assert commands["link"]["contexts"] == [dm]
    assert commands["admin"]["contexts"] == [dm]
    assert sorted(commands["export"]["contexts"]) == [guild, dm]
    assert all(c["integration_types"] == [0] for c in commands.values()), "server installs"


async def test_admin_commands_answer_only_admins_and_privately(
        discord_world: DiscordWorld, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake, guild, channel, alice = (discord_world.fake, discord_world.guild,
                                   discord_world.channel, discord_world.user)
    boss = fake.add_user("boss")
    fake.add_member(guild, boss)
    settings = bot_settings(simulator, redis_server, fake, admins=f"discord:user:{boss.id}")
    async with running_bot(settings) as bot:
        refused = await fake.dispatch_slash_command(
            "block", {"entries": f"<@{boss.id}>"}, channel, alice)
        await fake.wait_for(lambda: fake.followups(refused.token))
        done = await fake.dispatch_slash_command(
            "block", {"entries": f"<@{alice.id}>"}, channel, boss)
        await fake.wait_for(lambda: fake.followups(done.token))
        await fake.dispatch_message(channel, alice, "/status", mentions_bot=True)
        await bot_message(fake, channel, containing(REFUSED))
        quota = await fake.dispatch_slash_command(
            "quota", {"user": f"<@{alice.id}>", "limits": "renders=3/day"}, channel, boss)
        await fake.wait_for(lambda: fake.followups(quota.token))
        report = await fake.dispatch_slash_command("admin", None, fake.dm_channel(boss), boss)
        await fake.wait_for(lambda: fake.followups(report.token))
        stats = await fake.dispatch_slash_command("stats", None, channel, boss)
        await fake.wait_for(lambda: fake.followups(stats.token))
        await idle(bot)
    [no] = fake.followups(refused.token)
    assert no.ephemeral and "Only the bot's admins can use /block." in no.content
    [yes] = fake.followups(done.token)
    assert yes.ephemeral and f"Blocked: discord:user:{alice.id}" in yes.content
    assert f"discord:user:{alice.id}: messages=unlimited/hour, renders=3/day" in (
        fake.followups(quota.token)[0].content)
    shown = fake.followups(report.token)[0].content
    assert "Refused messages today: 1" in shown and "Operator balance:" in shown
    assert "renders=3/day" in shown
    [response] = fake.interaction_responses(stats.id)
    assert response.data["flags"] & MESSAGE_FLAG_EPHEMERAL
    assert "You're an admin" in fake.followups(stats.token)[0].content


async def test_alerts_go_to_the_alert_channel(
        discord_world: DiscordWorld, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake, guild, channel, alice = (discord_world.fake, discord_world.guild,
                                   discord_world.channel, discord_world.user)
    ops = fake.add_channel(guild, "ops")
    settings = bot_settings(simulator, redis_server, fake, alert_chat=f"discord:channel:{ops.id}")
    async with running_bot(settings):
        simulator.config.operator_tokens = []
        await fake.dispatch_message(channel, alice, "make a video of the sea", mentions_bot=True)
        reply = await bot_message(fake, channel, containing("credentials"))
        alert = await bot_message(fake, ops, containing("refused the operator token"))
    assert "The operator has been told." in reply.content
    assert alert.content.startswith("⚠️")
