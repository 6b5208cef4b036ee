"""The Discord part of `bench/replicas.py`: two `nemobot discord` processes with one shard
each on the fake Discord; each guild's messages must reach one process only."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.replicas_common import Services, check, counter, ready, row
from core.simulator.agent import chat_answer
from tests.fakes.discord import FakeChannel, FakeDiscord, FakeUser
from tests.kits.replicas import Replica, listening_port
from tests.kits.transcripts import Tally, discord_exchanges
from tests.waiting import WaitTimeout, wait_until

SHARDS = 2
RECEIVED = "nemobot_messages_received_total"


@dataclass
class DiscordResult:
    """What the Discord run measured."""

    guilds: int
    tally: Tally
    wall: float
    identifies: list[tuple[int, int]]
    received: list[int]
    expected: list[int]
    misrouted: int
    problems: list[str] = field(default_factory=list)


def has_answer(fake: FakeDiscord, channel: FakeChannel, message_id: int, answer: str) -> bool:
    """Whether the bot replied to a message with the whole `answer` (or gave up on it)."""
    exchange = discord_exchanges(fake, channel.id).get(message_id)
    return exchange is not None and any(
        r["text"] == answer or "didn't finish" in str(r["text"]) for r in exchange.replies)


async def converse(fake: FakeDiscord, channel: FakeChannel, user: FakeUser, count: int,
                   patience: float) -> list[int]:
    """Ask `count` questions one after another, each once the previous one is answered."""
    asked = []
    for n in range(count):
        question = f"what can you do? ({n + 1})"
        message = await fake.dispatch_message(channel, user, question, mentions_bot=True)
        asked.append(message.id)
        answer = chat_answer(question, chinese=False)
        with contextlib.suppress(WaitTimeout):  # lost: counted at the end
            await wait_until(functools.partial(has_answer, fake, channel, message.id, answer),
                             within=patience, changes=fake.changes)
    return asked


async def discord_run(args: argparse.Namespace, services: Services, tmp: Path) -> DiscordResult:
    """Start the fake and the two processes, let the guilds talk, count."""
    async with FakeDiscord() as fake:
        processes, health = [], []
        for shard in range(SHARDS):
            metrics = listening_port()
            env = services.environment(
                args.log_level, DISCORD_TOKEN=fake.token, DISCORD_API_BASE=fake.api_base,
                DISCORD_GATEWAY_URL=fake.gateway_url, DISCORD_SHARDS=str(SHARDS),
                DISCORD_SHARD_IDS=str(shard), METRICS_PORT=str(metrics),
                METRICS_LISTEN="127.0.0.1")
            processes.append(Replica(f"discord-shard-{shard}", ["discord"], env, tmp / "logs"))
            health.append(f"http://127.0.0.1:{metrics}")
        try:
            await asyncio.gather(*(p.start() for p in processes))
            await asyncio.gather(*(ready(services.http, p, h)
                                   for p, h in zip(processes, health, strict=True)))
            return await _talk(args, services, fake, health)
        finally:
            for process in processes:
                await process.stop()


async def _talk(args: argparse.Namespace, services: Services, fake: FakeDiscord,
                health: list[str]) -> DiscordResult:
    talks = []
    for n in range(args.guilds):
        shard = n % SHARDS
        user = fake.add_user(f"person{n}")
        guild = fake.add_guild(f"Studio {n}", members=[user],
                               guild_id=fake.snowflake_for_shard(shard, SHARDS))
        talks.append((shard, fake.add_channel(guild, "edits"), user))
    print(f"discord: {args.guilds} guilds on {SHARDS} processes, one shard each ...", flush=True)
    started = time.monotonic()
    asked = await asyncio.gather(*(converse(fake, channel, user, args.discord_messages,
                                            args.timeout) for _, channel, user in talks))
    wall = time.monotonic() - started
    tally = Tally()
    for (_, channel, _), ids in zip(talks, asked, strict=True):
        by_message = discord_exchanges(fake, channel.id)
        for message_id in ids:
            tally.count(channel.id, by_message.get(message_id), message_id)
        tally.add_order(channel.id, by_message)
    created = [d for d in fake.dispatched if d.t == "MESSAGE_CREATE"
               and d.d["author"]["id"] != str(fake.bot.id)]
    misrouted = sum(1 for d in created
                    if d.shard != ((int(d.d["guild_id"]) >> 22) % SHARDS, SHARDS))
    received = [round(await counter(services.http, h, RECEIVED)) for h in health]
    expected = [sum(len(ids) for (shard, _, _), ids in zip(talks, asked, strict=True)
                    if shard == s) for s in range(SHARDS)]
    identifies = sorted((int(i["shard"][0]), int(i["shard"][1])) for i in fake.identifies)
    return DiscordResult(args.guilds, tally, wall, identifies, received, expected, misrouted,
                         tally.problems)


def print_discord(result: DiscordResult, args: argparse.Namespace) -> bool:
    """Print the Discord figures and checks; True when every check passed."""
    tally = result.tally
    print(f"\ndiscord: {result.guilds} guilds, {SHARDS} processes with one shard each")
    row("messages sent", tally.messages)
    row("answered", tally.answered)
    row("duplicates / out of order / lost / errors",
        f"{tally.duplicates} / {tally.out_of_order} / {tally.lost} / {tally.errors}")
    row("messages received per process (metrics)", f"{result.received} (its guilds sent "
        f"{result.expected})")
    row("gateway IDENTIFYs (shard, count)", result.identifies)
    row("wall time", f"{result.wall:.1f} s")
    for problem in result.problems[:10]:
        print(f"    {problem}")
    return all([
        check("every message answered exactly once, in order", tally.ok),
        check("each shard identified once, by one process",
              result.identifies == [(s, SHARDS) for s in range(SHARDS)]),
        check("each guild's messages went to its shard's process only",
              result.misrouted == 0 and result.received == result.expected),
    ])
