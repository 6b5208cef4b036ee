"""Two real `nemobot discord` processes, one shard each (DISCORD_SHARDS=2 and their own
DISCORD_SHARD_IDS), on the fake Discord with one Redis and the simulator: each guild's
messages reach one process only (its shard's) and each gets one answer, in order."""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from core.embedded_redis import EmbeddedRedis
from core.simulator import Simulator
from core.simulator.agent import chat_answer
from tests.fakes.discord import FakeChannel, FakeDiscord, FakeUser
from tests.kits.bot_process import FAST_ENV
from tests.kits.renders import OPERATOR_TOKEN
from tests.kits.replicas import Replica, clean_environment, listening_port
from tests.kits.transcripts import Tally, discord_exchanges
from tests.waiting import wait_until

pytest_plugins = ["tests.fakes.discord_fixtures"]

WAIT = 45.0
SHARDS = 2
GUILDS_PER_SHARD = 3
QUESTIONS = ("what can you do? (1)", "what can you do? (2)")


@dataclass
class Shards:
    """The processes (process i runs shard i) and their health endpoints."""

    processes: list[Replica]
    health: list[str]

    async def ready(self, index: int) -> None:
        """Wait until a process answers /readyz (its shard is connected)."""
        process = self.processes[index]

        async def up() -> bool:
            assert process.running, process.log()[-3000:]
            try:
                async with httpx.AsyncClient(timeout=2) as http:
                    return (await http.get(self.health[index] + "/readyz")).status_code == 200
            except httpx.HTTPError:
                return False

        await wait_until(up, within=60, interval=0.1, what=f"shard {index} ready")

    async def received(self, index: int) -> int:
        """Chat events process `index` received (its nemobot_messages_received metric)."""
        async with httpx.AsyncClient(timeout=5) as http:
            text = (await http.get(self.health[index] + "/metrics")).text
        return round(sum(float(v) for v in re.findall(
            r"^nemobot_messages_received_total\{[^}]*\} ([0-9.e+]+)$", text, re.M)))


@pytest.fixture
async def shards(fake_discord: FakeDiscord, simulator: Simulator, redis_server: EmbeddedRedis,
                 tmp_path: Path) -> AsyncIterator[Shards]:
    simulator.config.operator_tokens = [OPERATOR_TOKEN]
    processes, health = [], []
    for shard in range(SHARDS):
        metrics = listening_port()
        env = clean_environment({
            **FAST_ENV,
            "DISCORD_TOKEN": fake_discord.token, "DISCORD_API_BASE": fake_discord.api_base,
            "DISCORD_GATEWAY_URL": fake_discord.gateway_url,
            "DISCORD_SHARDS": str(SHARDS), "DISCORD_SHARD_IDS": str(shard),
            "REDIS_URL": redis_server.url, "NEMO_API_URL": simulator.base_url,
            "NEMO_TOKEN": OPERATOR_TOKEN, "DATA_DIR": str(tmp_path / "data"),
            "METRICS_PORT": str(metrics), "METRICS_LISTEN": "127.0.0.1",
        })
        processes.append(Replica(f"shard{shard}", ["discord"], env, tmp_path / "logs"))
        health.append(f"http://127.0.0.1:{metrics}")
    world = Shards(processes, health)
    try:
        await asyncio.gather(*(p.start() for p in processes))
        await asyncio.gather(*(world.ready(i) for i in range(SHARDS)))
        yield world
    finally:
        for process in processes:
            await process.kill()
            print(f"--- {process.name}\n{process.log()[-5000:]}")


def has_answer(fake: FakeDiscord, channel: FakeChannel, message_id: int, answer: str) -> bool:
    """Whether the bot replied to a message with the whole `answer`."""
    exchange = discord_exchanges(fake, channel.id).get(message_id)
    return exchange is not None and any(r["text"] == answer for r in exchange.replies)


async def converse(fake: FakeDiscord, channel: FakeChannel, user: FakeUser) -> list[int]:
    """Ask the questions one after another, each once the previous one is answered."""
    asked = []
    for question in QUESTIONS:
        message = await fake.dispatch_message(channel, user, question, mentions_bot=True)
        asked.append(message.id)
        answer = chat_answer(question, chinese=False)
        await wait_until(functools.partial(has_answer, fake, channel, message.id, answer),
                         within=WAIT, what=f"the answer to {question!r} in #{channel.name}",
                         changes=fake.changes)
    return asked


async def test_two_processes_with_one_shard_each_answer_each_guild_once(
        shards: Shards, fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    assert sorted(tuple(i["shard"]) for i in fake.identifies) == [(0, 2), (1, 2)], \
        "each process identified its own shard, once"
    talks = []
    for shard in range(SHARDS):
        for n in range(GUILDS_PER_SHARD):
            user = fake.add_user(f"user{shard}{n}")
            guild = fake.add_guild(f"Studio {shard}.{n}", members=[user],
                                   guild_id=fake.snowflake_for_shard(shard, SHARDS))
            talks.append((shard, fake.add_channel(guild, "edits"), user))
    asked = await asyncio.gather(*(converse(fake, channel, user) for _, channel, user in talks))
    for process in shards.processes:
        assert process.running

    tally = Tally()
    for (_, channel, _), ids in zip(talks, asked, strict=True):
        by_message = discord_exchanges(fake, channel.id)
        for message_id in ids:
            tally.count(channel.id, by_message.get(message_id), message_id)
        tally.add_order(channel.id, by_message)
    assert tally.ok, tally.problems
    created = [d for d in fake.dispatched if d.t == "MESSAGE_CREATE"
               and d.d["author"]["id"] != str(fake.bot.id)]
    assert len(created) == SHARDS * GUILDS_PER_SHARD * len(QUESTIONS)
    assert all(d.shard == ((int(d.d["guild_id"]) >> 22) % SHARDS, SHARDS) for d in created)
    per_shard = [len(QUESTIONS) * GUILDS_PER_SHARD] * SHARDS
    assert [await shards.received(i) for i in range(SHARDS)] == per_shard, \
        "each process received the messages of its shard's guilds, and only those"
