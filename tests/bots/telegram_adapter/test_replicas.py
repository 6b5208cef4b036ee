"""Three real `nemobot telegram` processes in webhook mode behind a round-robin proxy,
sharing one Redis, the simulator and the fake Bot API (which posts updates to the bot's
public https address, answered by the proxy). Group chats talk to them, an album's
parts land on three replicas, a replica is SIGKILLed mid-turn and restarted: every
message is answered once and in order, the album is one upload, the video comes once.

The larger run (300 chats, exports everywhere, a kill at a random moment) is
`bench/replicas.py`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis

from core.embedded_redis import EmbeddedRedis
from core.simulator import Simulator
from core.simulator.agent import chat_answer
from tests.fakes.telegram import FakeChat, FakeTelegram, FakeUser
from tests.kits.bot_process import FAST_ENV
from tests.kits.renders import OPERATOR_TOKEN
from tests.kits.replicas import (
    Replica,
    RoundRobinProxy,
    clean_environment,
    listening_port,
    webhook_settings,
)
from tests.kits.telegram_bot import CLIP
from tests.kits.transcripts import Exchange, JSONDict, Tally, exchanges, kind_of, shown
from tests.waiting import wait_until

pytest_plugins = ["tests.fakes.telegram_fixtures"]

#: the bot's public address (Telegram's rules: https, port 443); the proxy answers for it
PUBLIC_URL = "https://bot.example.invalid/telegram"
SECRET = "replicas-webhook-secret"
WAIT = 45.0
CHATS = 9
#: seconds an album's parts are gathered for after the last one
ALBUM_WAIT = 1.0


@dataclass
class Replicas:
    """The processes, the proxy in front of them, and what they share."""

    fake: FakeTelegram
    simulator: Simulator
    redis: EmbeddedRedis
    proxy: RoundRobinProxy
    replicas: list[Replica]
    health: list[str]

    async def ready(self, index: int) -> None:
        """Wait until a replica answers /readyz (it takes updates)."""
        replica = self.replicas[index]

        async def up() -> bool:
            assert replica.running, replica.log()[-3000:]
            try:
                async with httpx.AsyncClient(timeout=2) as http:
                    return (await http.get(self.health[index] + "/readyz")).status_code == 200
            except httpx.HTTPError:
                return False

        await wait_until(up, within=60, interval=0.1, what=f"replica {replica.name} ready")

    def agent_calls(self) -> int:
        """Messages that reached the agent."""
        return sum(1 for r in self.simulator.requests if r["kind"] == "run_sse")


@pytest.fixture
async def replicas(fake_telegram: FakeTelegram, simulator: Simulator,
                   redis_server: EmbeddedRedis, tmp_path: Path) -> AsyncIterator[Replicas]:
    simulator.config.operator_tokens = [OPERATOR_TOKEN]
    fake = fake_telegram
    backends, health, processes = [], [], []
    for name in ("a", "b", "c"):
        own, backend = webhook_settings(PUBLIC_URL, SECRET)
        metrics = listening_port()
        env = clean_environment({
            **FAST_ENV, **own, "TELEGRAM_ALBUM_WAIT": str(ALBUM_WAIT),
            "TELEGRAM_TOKEN": fake.token, "TELEGRAM_BASE_URL": fake.base_url,
            "REDIS_URL": redis_server.url, "NEMO_API_URL": simulator.base_url,
            "NEMO_TOKEN": OPERATOR_TOKEN,
            # one host, one data directory: each replica gets its own render consumer slot
            "DATA_DIR": str(tmp_path / "data"),
            "METRICS_PORT": str(metrics), "METRICS_LISTEN": "127.0.0.1",
        })
        backends.append(backend)
        health.append(f"http://127.0.0.1:{metrics}")
        processes.append(Replica(name, ["telegram"], env, tmp_path / "logs"))
    async with RoundRobinProxy(backends) as proxy:
        fake.webhook_ingress = proxy.url
        world = Replicas(fake, simulator, redis_server, proxy, processes, health)
        try:
            await asyncio.gather(*(p.start() for p in processes))
            await asyncio.gather(*(world.ready(i) for i in range(len(processes))))
            yield world
        finally:
            for process in processes:
                await process.kill()
                print(f"--- replica {process.name}\n{process.log()[-5000:]}")


def mention(fake: FakeTelegram, text: str) -> str:
    """A group message for the bot."""
    return f"@{fake.bot_username} {text}"


def texts_now(fake: FakeTelegram, chat: FakeChat) -> list[str]:
    """The bot's messages in a chat as they read now (after edits)."""
    return [shown(fake.message(chat.id, m["message_id"]) or m)
            for m in fake.sent_messages(chat.id)]


def answer_to(question: str) -> str:
    """The agent's whole answer to a question (the simulator's, in English)."""
    return chat_answer(question, chinese=False)


async def answered(world: Replicas, chat: FakeChat, message_id: int,
                   done: str | None = None) -> Exchange:
    """Wait until a user message has its outcome (an answer whose text, if `done` is
    given, contains it: a streamed answer is complete)."""
    def check() -> Exchange | None:
        exchange = exchanges(world.fake, chat.id)[0].get(message_id)
        if exchange is None or not exchange.outcomes:
            return None
        return exchange if done is None or any(done in shown(m) for m in exchange.outcomes) \
            else None

    return await wait_until(check, within=WAIT, what=f"the answer to {message_id} in {chat.id}",
                            changes=world.fake.changes,
                            show=lambda: texts_now(world.fake, chat))


def ask_everyone(world: Replicas, chats: list[tuple[FakeChat, FakeUser]],
                 question: str) -> list[JSONDict]:
    """Every chat asks `question` at once; the updates."""
    return [world.fake.text(chat, user, mention(world.fake, question)) for chat, user in chats]


def message_ids(updates: list[JSONDict]) -> list[int]:
    """The messages' ids."""
    return [u["message"]["message_id"] for u in updates]


async def test_three_webhook_replicas_answer_once_through_a_split_album_and_a_kill(
        replicas: Replicas) -> None:
    world, fake = replicas, replicas.fake
    chats = [(fake.supergroup(f"Crew {n}"), fake.user(f"User{n}")) for n in range(CHATS)]
    first = message_ids(ask_everyone(world, chats, "what can you do? (1)"))
    for (chat, _), message_id in zip(chats, first, strict=True):
        await answered(world, chat, message_id, answer_to("what can you do? (1)"))

    # nothing else in flight: the proxy sends the album's three parts to three replicas
    crew, user = chats[0]
    parts = fake.album(crew, user, [CLIP, CLIP + b"2", CLIP + b"3"],
                       mention(fake, "combine these"))
    album = parts[0]["message"]["message_id"]
    await answered(world, crew, album, "combined 3 clips")
    routes = world.proxy.routes()
    assert len({routes[p["update_id"]][0] for p in parts}) == 3, routes

    # a second round with a slow agent; the replica working the most chats is killed
    # mid-turn (and the export in flight) and restarted at once (the agent is slow enough
    # that its answers cannot have come before the kill, even on a busy machine)
    world.simulator.config.agent_delay = 6.0
    export = fake.text(crew, user, mention(fake, "export"))["message"]["message_id"]
    calls = world.agent_calls()
    updates = ask_everyone(world, chats, "what can you do? (2)")
    second = message_ids(updates)
    await wait_until(lambda: world.agent_calls() >= calls + CHATS, within=WAIT,
                     what="every chat's second question at the agent",
                     show=lambda: texts_now(fake, crew))
    routes = world.proxy.routes()
    taken = [routes[u["update_id"]][0] for u in updates]
    busiest = max(range(3), key=taken.count)
    victim = world.replicas[busiest]
    await victim.kill()
    world.simulator.config.agent_delay = 0.0
    await victim.start()
    await world.ready(busiest)

    for (chat, _), message_id in zip(chats, second, strict=True):
        await answered(world, chat, message_id)
    await wait_until(lambda: fake.calls_to("sendVideo"), within=WAIT, what="the video",
                     changes=fake.changes)
    for replica in world.replicas:
        await replica.stop()  # what was still being sent arrives; nothing more comes

    tally = Tally()
    for n, (chat, _) in enumerate(chats):
        by_message, _ = exchanges(fake, chat.id)
        for message_id in (first[n], second[n]):
            tally.count(chat.id, by_message.get(message_id), message_id)
        if n == 0:
            tally.count(chat.id, by_message.get(album), album, uploads=3)
            tally.count(chat.id, by_message.get(export), export, expects="video")
        tally.add_order(chat.id, by_message)
    assert tally.ok, tally.problems
    assert tally.messages == 2 * CHATS + 2
    uploads = [r for r in world.simulator.requests if r["kind"] == "upload_files"]
    assert len(uploads) == 1, "one upload for the album"
    # a submit that outlived its grace may be made again by another replica; the render
    # id makes it the same render
    assert len(world.simulator.store.renders) == 1, "one render"
    assert len(fake.calls_to("sendVideo")) == 1
    resumed = [m for (chat, _) in chats for m in fake.sent_messages(chat.id)
               if kind_of(m) == "resumed"]
    assert resumed, "the killed replica was mid-turn: another one said so and went on"


async def blocked_on(redis: aioredis.Redis, *commands: str) -> bool:
    """Whether a client waits for Redis to take one of the write `commands` (writes are
    paused)."""
    clients = (await redis.execute_command("CLIENT", "LIST")).decode()
    return any(" flags=b " in f" {c} " and f" cmd={command} " in f" {c} "
               for c in clients.splitlines() for command in commands)


async def test_a_replica_killed_before_queueing_a_message_has_not_answered_for_it(
        replicas: Replicas) -> None:
    world, fake = replicas, replicas.fake
    fake.webhook_retry_delay = 0.2
    crew, user = fake.supergroup("Crew"), fake.user("Ann")
    redis = aioredis.Redis.from_url(world.redis.url)
    try:
        # Redis takes no writes for a while: the replica given the update cannot queue it
        await redis.execute_command("CLIENT", "PAUSE", 20_000, "WRITE")
        update = fake.text(crew, user, mention(fake, "what can you do? (1)"))
        await wait_until(lambda: blocked_on(redis, "getex", "evalsha"), within=WAIT,
                         what="the replica taking the message (its sender's language, or "
                              "the queue's script)")
        victim = world.replicas[world.proxy.sending[update["update_id"]]]
        await victim.kill()
        await redis.execute_command("CLIENT", "UNPAUSE")
    finally:
        await redis.aclose()
    message_id = update["message"]["message_id"]
    await answered(world, crew, message_id, answer_to("what can you do? (1)"))
    delivered = [d for d in fake.webhook_deliveries if d.update_id == update["update_id"]]
    assert [d.ok for d in delivered] == [False, True], "answered once the message was queued"
    tally = Tally()
    tally.count(crew.id, exchanges(fake, crew.id)[0].get(message_id), message_id)
    assert tally.ok, tally.problems


async def test_an_album_whose_replica_died_before_gathering_it_is_delivered_by_another(
        replicas: Replicas) -> None:
    world, fake = replicas, replicas.fake
    crew, user = fake.supergroup("Crew"), fake.user("Ann")
    parts = fake.album(crew, user, [CLIP, CLIP + b"2"], mention(fake, "combine these"),
                       queue=False)
    # every part reaches one replica, which takes them (stores them) and dies before it
    # gathers the album (TELEGRAM_ALBUM_WAIT after the last part)
    webhook = world.proxy.backends[0] + "/telegram"
    for part in parts:
        assert await fake.post_to_webhook(part, secret_token=SECRET, url=webhook) == 200
    await world.replicas[0].kill()
    album = parts[0]["message"]["message_id"]
    await answered(world, crew, album, "combined 2 clips")
    tally = Tally()
    tally.count(crew.id, exchanges(fake, crew.id)[0].get(album), album, uploads=2)
    assert tally.ok, tally.problems
    assert [r["kind"] for r in world.simulator.requests].count("upload_files") == 1


async def test_the_replicas_share_the_bots_message_limit(replicas: Replicas) -> None:
    """Telegram's 30 messages a second are the bot's: each replica counts the others in
    Redis and keeps to its part. A replica that stops leaves at once."""
    world = replicas

    async def senders(index: int) -> float | None:
        async with httpx.AsyncClient(timeout=2) as http:
            text = (await http.get(world.health[index] + "/metrics")).text
        for line in text.splitlines():
            if line.startswith('nemobot_senders{platform="telegram"}'):
                return float(line.split()[-1])
        return None

    async def all_see(count: int, among: range) -> bool:
        return all([await senders(i) == count for i in among])

    await wait_until(lambda: all_see(3, range(3)), within=WAIT,
                     what="every replica counting three senders")
    assert "this one sends at most 10 messages a second" in world.replicas[0].log()
    assert await world.replicas[2].stop() == 0
    await wait_until(lambda: all_see(2, range(2)), within=WAIT,
                     what="the others counting two once one stopped")
    assert "this one sends at most 15 messages a second" in world.replicas[0].log()
