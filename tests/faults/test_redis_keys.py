"""Redis stays bounded: after a conversation, an export, an album and a /cancel, every key
expires or belongs to an owner that removes it (no key kept forever)."""

from __future__ import annotations

import redis.asyncio as aioredis

from core.embedded_redis import EmbeddedRedis
from core.keys import Keys
from core.simulator import Simulator
from tests.fakes.telegram_api import FakeTelegram
from tests.kits.telegram_bot import (
    CLIP,
    WAIT,
    bot_message,
    bot_settings,
    chat_of,
    containing,
    give_exportable_draft,
    kinds,
    running_bot,
)
from tests.waiting import wait_until

pytest_plugins = ["tests.fakes.telegram_fixtures"]

KEYS = Keys()
#: keys without an expiry, and why that is bounded
OWNED = {
    KEYS.pending_chats(): "a set whose members leave when their chat has nothing left",
    **{KEYS.render_stream(shard): "a render stream: entries are deleted once handled"
       for shard in KEYS.render_shards_of("telegram")},
}


async def test_every_key_expires_or_has_an_owner(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis,
        redis_client: aioredis.Redis) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    dm = fake.private_chat(alice)
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        fake.album(dm, alice, [CLIP, CLIP + b"2"], "combine these")
        await wait_until(lambda: "run_sse" in kinds(simulator), within=WAIT, what="the album")
        fake.text(dm, alice, "make it blue")
        await wait_until(lambda: kinds(simulator).count("run_sse") == 2, within=WAIT,
                         what="the second message")
        await bot.runtime.dispatcher.wait_idle()
        await give_exportable_draft(bot, simulator, chat_of(dm))
        fake.text(dm, alice, "export")
        await bot_message(fake, dm, containing("Rendering done"))
        fake.text(dm, alice, "/cancel")
        answered = len(fake.sent_texts(dm.id))
        await wait_until(lambda: len(fake.sent_texts(dm.id)) > answered, within=WAIT,
                         what="the answer to /cancel")
        await bot.adapter.tasks.idle()
        await bot.runtime.dispatcher.wait_idle()
    forever = []
    async for raw in redis_client.scan_iter():
        key = raw.decode()
        if await redis_client.ttl(key) > 0 or key in OWNED:
            continue
        forever.append(key)
    assert not forever, f"keys kept forever: {forever}"
    assert not await redis_client.smembers(KEYS.pending_chats()), "members removed"
    for shard in KEYS.render_shards_of("telegram"):
        assert await redis_client.xlen(KEYS.render_stream(shard)) == 0
