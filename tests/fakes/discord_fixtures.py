"""Pytest fixtures around `tests.fakes.discord.FakeDiscord`.

A test module opts in with::

    pytest_plugins = ("tests.fakes.discord_fixtures",)

and then asks for ``fake_discord`` (a running fake with discord.py pointed at it)
or ``discord_world`` (the same fake with a guild, a text channel and a user).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest_asyncio

from tests.fakes.discord import FakeChannel, FakeDiscord, FakeGuild, FakeUser


@dataclass(frozen=True)
class DiscordWorld:
    """A small guild ready for a bot: one text channel and one human member."""

    fake: FakeDiscord
    guild: FakeGuild
    channel: FakeChannel
    user: FakeUser


@pytest_asyncio.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """A running `FakeDiscord`; discord.py's globals point at it until teardown."""
    async with FakeDiscord() as fake:
        with fake.patch_discord():
            yield fake


@pytest_asyncio.fixture
async def discord_world(fake_discord: FakeDiscord) -> DiscordWorld:
    """``fake_discord`` with guild "Studio", channel #renders and user "alice"."""
    user = fake_discord.add_user("alice")
    guild = fake_discord.add_guild("Studio", members=[user])
    channel = fake_discord.add_channel(guild, "renders")
    return DiscordWorld(fake_discord, guild, channel, user)
