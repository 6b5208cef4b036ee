"""`nemobot migrate`: a deployment that ran the previous key layout keeps its chats,
its queued messages and its renders after the upgrade; the migration is idempotent, a
dry run changes nothing, and it also moves renders when RENDER_SHARDS changes. On one
Redis and on a Redis Cluster."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.inbox import ChatEvent, Inbox
from core.keys import Keys, LegacyKeys
from core.messages import ChatKey, IncomingMessage, User
from core.migrate import migrate, stranded_renders
from core.observed_redis import RedisClient, redis_client
from core.renders import JobState, JobStore
from core.simulator import Fault, Simulator
from tests.kits.conversation import CHAT, kit
from tests.kits.process import environment, run
from tests.kits.renders import TINY_DRAFT, all_jobs, wait_for

KEYS = Keys()
LEGACY = LegacyKeys()
OLD_WORKER = "telegram-old-host-0"


def _text(raw: Any) -> str:
    return raw.decode() if isinstance(raw, bytes) else str(raw)


async def every_key(redis: RedisClient) -> set[str]:
    return {_text(k) async for k in redis.scan_iter(count=1000)}


async def _rename(redis: RedisClient, old: str, new: str) -> None:
    payload = await redis.dump(old)
    assert payload is not None, old
    await redis.restore(new, max(int(await redis.pttl(old)), 0), payload)
    await redis.delete(old)


async def to_previous_layout(redis: RedisClient, keys: Keys) -> None:
    """Rename every key to the name the previous version gave it, and leave the live
    renders' entries pending for one of its workers (that died): what the Redis of a
    deployment running that version holds."""
    for key in await every_key(redis):
        head, sep, rest = key.partition(":chat:{")
        if sep and head == keys.prefix:
            chat, _, kind = rest.partition("}:")
            kind, _, extra = kind.partition(":")
            if kind == "taken" or extra.endswith((":taker", ":done")):
                await redis.delete(key)  # new in this version
                continue
            await _rename(redis, key, LEGACY.chat(ChatKey.parse(chat), kind, extra))
        elif (found := keys.chat_renders_of(key)) is not None:
            await _rename(redis, key, LEGACY.chat(found[1], "renders"))
        elif ":export:" in key:  # an export's request record: new in this version
            await redis.delete(key)
    store = JobStore(redis, keys)
    jobs = {job.id: job for job in await all_jobs(store)}
    for job in jobs.values():
        await _rename(redis, keys.render_job(job.chat, job.id), LEGACY.render_job(job.id))
        if await redis.exists(keys.render_delivered(job.chat, job.id)):
            await _rename(redis, keys.render_delivered(job.chat, job.id),
                          LEGACY.render_delivered(job.id))
    for platform in {job.chat.platform for job in jobs.values()}:
        old_stream, group = LEGACY.render_stream(platform), keys.render_group(platform)
        await redis.xgroup_create(old_stream, group, id="0", mkstream=True)
        for shard in keys.render_shards_of(platform):
            for _, values in await redis.xrange(keys.render_stream(shard)):
                job_id = _text(values[b"job"])
                entry = await redis.xadd(old_stream, {"job": job_id})
                await redis.hset(LEGACY.render_job(job_id), "entry", entry)
            await redis.delete(keys.render_stream(shard))
        await redis.xreadgroup(group, OLD_WORKER, {old_stream: ">"})


def is_previous_layout(key: str) -> bool:
    return "{" not in key or key.startswith(f"{KEYS.prefix}:{{quota}}")


async def test_a_deployment_keeps_its_chats_queue_and_renders(
        simulator: Simulator, redis_url: str) -> None:
    # the render outlasts the old version: a worker of the new one delivers it
    simulator.inject(Fault("render_slow", seconds=2))
    async with kit(simulator, redis_url, renders=True) as k:
        await k.say("hello")
        session = await k.sessions.load(CHAT)
        assert session.session_id
        simulator.store.sessions[session.session_id].draft = dict(TINY_DRAFT)
        await k.say("export")
        assert k.renders is not None
        [job_id] = await k.renders.store.chat_jobs(CHAT)
        await wait_for(lambda: any(r["kind"] == "render_poll" for r in simulator.requests),
                       10, "the render to be polled")
        # a message queued when the old version stopped
        queued = IncomingMessage(CHAT, User("u1", "Ada", "en"), "q1", "what did we do?")
        await Inbox(k.sessions.redis).push(ChatEvent.of(queued))
        await k.sessions.redis.sadd(KEYS.pending_chats(), str(CHAT))
        await k.sessions.redis.rpush(KEYS.album(CHAT, "g1"), "part")
        await k.sessions.redis.expire(KEYS.album(CHAT, "g1"), 600)
    redis = redis_client(redis_url)
    try:
        await to_previous_layout(redis, KEYS)
        before = await every_key(redis)
        assert all(is_previous_layout(key) for key in before), sorted(before)
        assert LEGACY.chat(CHAT, "session") in before

        planned = await migrate(redis, KEYS, dry_run=True)
        assert await every_key(redis) == before, "a dry run changes nothing"
        moved = await migrate(redis, KEYS)
        assert moved.moved == planned.moved and moved.streams == planned.streams == 1
        assert moved.moved["render jobs"] == 1 and moved.moved["session keys"] == 1
        assert moved.moved["inbox keys"] == 1 and moved.moved["album keys"] == 1
        assert not moved.kept
        after = await every_key(redis)
        assert not [key for key in after if is_previous_layout(key)
                    and key != KEYS.pending_chats()]
        assert 0 < await redis.ttl(KEYS.album(CHAT, "g1")) <= 600, "expiry kept"
        assert (await migrate(redis, KEYS)).nothing, "a second run finds nothing to move"
    finally:
        await redis.aclose()

    answers = sum(r["kind"] == "run_sse" for r in simulator.requests)
    async with kit(simulator, redis_url, renders=True) as k:
        k.dispatcher.start()  # takes up the queued message
        await wait_for(lambda: sum(r["kind"] == "run_sse" for r in simulator.requests)
                       > answers, 10, "the queued message to be answered")
        assert (await k.sessions.load(CHAT)).session_id == session.session_id, \
            "the chat's project is kept"
        assert k.renders is not None
        assert [job.id for job in await all_jobs(k.renders.store)] == [job_id]
        await wait_for(lambda: _delivered(k, job_id), 20, "the render to be delivered")
        assert len([r for r in k.out.records if r.kind == "file"]) == 1, "delivered once"
    assert not [r for r in simulator.requests if r["kind"] == "create_session"][1:], \
        "no new project was made"


async def _delivered(k: Any, job_id: str) -> bool:
    job = await k.renders.store.load(CHAT, job_id)
    return job is not None and job.state is JobState.DELIVERED


async def test_changing_render_shards_moves_the_live_renders(
        simulator: Simulator, redis_url: str) -> None:
    for _ in range(8):
        simulator.inject(Fault("render_slow", seconds=60))
    chats = [ChatKey("test", str(n)) for n in range(8)]
    async with kit(simulator, redis_url, renders=True) as k:
        assert k.renders is not None
        for chat in chats:
            await k.say("hello", chat=chat)
            session = await k.sessions.load(chat)
            assert session.session_id
            simulator.store.sessions[session.session_id].draft = dict(TINY_DRAFT)
            await k.say("export", chat=chat)
    redis = redis_client(redis_url)
    # a deployment started with fewer shards, not migrated, would never deliver some:
    # the bots warn at the start and `nemobot check` says so
    narrow = Keys(render_shards=KEYS.render_shards // 2)
    beyond = sum(KEYS.render_shard(c).index >= narrow.render_shards for c in chats)
    assert beyond and await stranded_renders(redis, narrow) == beyond
    assert await stranded_renders(redis, KEYS) == 0
    wide = Keys(render_shards=KEYS.render_shards * 2)
    planned = await migrate(redis, wide, dry_run=True)
    moved = await migrate(redis, wide)
    assert moved.moved == planned.moved
    store = JobStore(redis, wide)
    for chat in chats:
        [job_id] = await store.chat_jobs(chat)
        job = await store.load(chat, job_id)
        assert job is not None and job.state is JobState.RENDERING
        [(entry, _)] = await redis.xrange(wide.render_stream(chat))
        assert _text(entry) == job.entry
    shifted = [c for c in chats if wide.render_shard(c) != KEYS.render_shard(c)]
    assert shifted and moved.moved["render jobs"] == len(shifted)
    assert moved.moved["export requests"] == len(shifted)
    for chat in chats:  # an export run again finds the render its request made
        [request] = [key async for key in redis.scan_iter(
            match=wide.export_request(chat, "*"))]
        assert wide.export_request_of(_text(request)) is not None
        assert _text(await redis.hget(request, "job")) in await store.chat_jobs(chat)
    assert (await migrate(redis, wide)).nothing
    assert await stranded_renders(redis, wide) == 0
    await redis.aclose()


async def test_a_dry_run_counts_the_delivery_markers_the_run_moves(redis_url: str) -> None:
    wide = Keys(render_shards=KEYS.render_shards * 2)
    chat = next(c for c in (ChatKey("test", str(n)) for n in range(100))
                if wide.render_shard(c) != KEYS.render_shard(c))
    redis = redis_client(redis_url)
    try:
        await redis.hset(KEYS.render_job(chat, "render_done"),
                         mapping={"chat": str(chat), "state": "delivered"})
        await redis.set(KEYS.render_delivered(chat, "render_done"), "1")
        planned = await migrate(redis, wide, dry_run=True)
        moved = await migrate(redis, wide)
        assert moved.moved == planned.moved
        assert moved.moved["delivery markers"] == moved.moved["render jobs"] == 1
    finally:
        await redis.aclose()


async def test_the_command_moves_the_keys_and_says_what_it_did(
        redis_url: str, tmp_path: Path) -> None:
    """`nemobot migrate --dry-run`, then `nemobot migrate` (twice), with REDIS_URL only."""
    redis = redis_client(redis_url)
    try:
        old = LEGACY.chat(CHAT, "session")
        await redis.hset(old, mapping={"session_id": "s1", "language": "en"})
        await redis.expire(old, 3600)
        await redis.hset(LEGACY.chat(CHAT, "identity"), mapping={"client_id": "c1"})
        env = environment(tmp_path, REDIS_URL=redis_url)
        dry = await run(["migrate", "--dry-run"], env, tmp_path)
        assert dry.code == 0, dry.stderr
        assert "would move 1 session keys" in dry.stdout and "Dry run" in dry.stdout
        assert await redis.exists(old)
        done = await run(["migrate"], env, tmp_path)
        assert done.code == 0, done.stderr
        assert "moved 1 identity keys" in done.stdout, done.stdout
        assert await redis.hget(KEYS.session(CHAT), "session_id") == b"s1"
        assert 0 < await redis.ttl(KEYS.session(CHAT)) <= 3600
        assert not await redis.exists(old)
        again = await run(["migrate"], env, tmp_path)
        assert "Nothing to move" in again.stdout, again.stdout
    finally:
        await redis.aclose()
