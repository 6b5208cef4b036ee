"""Redis Cluster runs a script or a transaction only when all its keys share one hash
slot. The ordinary flows of a Telegram bot (an album, queued messages, a group with
quotas, an export delivered, a render cancelled, /projects) are watched on one Redis
(MONITOR): every script and MULTI/EXEC names keys of one slot. The same flows then run
on a three-master Redis Cluster (REDIS_CLUSTER=true)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import SecretStr

from bots.telegram_adapter import albums
from core import inbox, store
from core.access import quotas
from core.embedded_redis import EmbeddedRedis
from core.renders import job_scripts, lease
from core.simulator import Fault, Simulator
from tests.fakes.telegram_api import FakeTelegram
from tests.kits.cluster import RedisClusterServer, watch_multi_key
from tests.kits.telegram_bot import (
    CLIP,
    WAIT,
    BotSettings,
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

#: the scripts the flows must run (so that none of them escapes the check)
SCRIPTS = {
    "save a session": store._SAVE,
    "take a chat's lock, state and next event": store._OPEN,
    "queue an event": inbox._PUSH,
    "reserve a quota": quotas._RESERVE,
    "add an album part": albums._ADD,
    "take an album": albums._TAKE,
    "create a render job": job_scripts.CREATE,
    "change a job": job_scripts.TRANSITION,
    "claim a delivery": job_scripts.CLAIM_DELIVERY,
    "finish a job": job_scripts.FINISH,
    "cancel a job": job_scripts.CANCEL,
    "renew a render lease": lease._HEARTBEAT,
    "prune render consumers": lease._PRUNE,
}
LIMITS = {"quota_messages_per_hour": 50, "quota_renders_per_day": 5, "chat_lock_ttl": 1.5}


def sha(script: str) -> str:
    return hashlib.sha1(script.encode(), usedforsecurity=False).hexdigest()


async def exercise(settings: BotSettings, fake: FakeTelegram, simulator: Simulator) -> None:
    """The flows, each checked from the user's side."""
    alice, bob = fake.user("Alice"), fake.user("Bob")
    dm, group = fake.private_chat(alice), fake.group("Editors")
    async with running_bot(settings) as bot:
        fake.album(dm, alice, [CLIP, CLIP + b"2"], "combine these")
        await wait_until(lambda: "run_sse" in kinds(simulator), within=WAIT, what="the album")
        fake.text(dm, alice, "make it blue")
        fake.text(dm, alice, "and shorter")  # waits behind the first
        await wait_until(lambda: kinds(simulator).count("run_sse") == 3, within=WAIT,
                         what="the queued messages")
        fake.text(group, bob, "/new confirm")
        await bot_message(fake, group, containing("New project"))
        await bot.runtime.dispatcher.wait_idle()
        await give_exportable_draft(bot, simulator, chat_of(group))
        fake.text(group, bob, "/export")
        await bot_message(fake, group, containing("Rendering done"))
        fake.text(group, bob, "/projects")
        await bot_message(fake, group, containing("Recent projects"))
        await bot.runtime.dispatcher.wait_idle()
        simulator.inject(Fault("render_slow", seconds=5))
        await give_exportable_draft(bot, simulator, chat_of(dm))
        fake.text(dm, alice, "export")
        await wait_until(lambda: kinds(simulator).count("render_submit") == 2, within=WAIT,
                         what="the second render")
        await bot_message(fake, dm, containing("Rendering"))
        fake.text(dm, alice, "/cancel")
        await bot_message(fake, dm, containing("Render cancelled"))
        await bot.adapter.tasks.idle()
        await bot.runtime.dispatcher.wait_idle()
    assert kinds(simulator).count("render_submit") == 2


async def test_every_script_and_transaction_keeps_to_one_hash_slot(
        fake_telegram: FakeTelegram, simulator: Simulator,
        redis_server: EmbeddedRedis) -> None:
    settings = bot_settings(simulator, redis_server, fake_telegram, **LIMITS)
    async with watch_multi_key(redis_server.url) as watch:
        await exercise(settings, fake_telegram, simulator)
    watch.assert_one_slot_each()
    ran = {call.commands[0][1] for call in watch.calls if call.kind == "script"}
    missing = [name for name, script in SCRIPTS.items() if sha(script) not in ran]
    assert not missing, f"the flows never ran: {missing}"
    assert any(call.kind == "transaction" for call in watch.calls)


async def test_the_bot_runs_on_a_redis_cluster(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_cluster: RedisClusterServer,
        tmp_path: Path) -> None:
    settings = bot_settings(simulator, (redis_cluster.url, tmp_path), fake_telegram,
                            redis_cluster=True, **LIMITS)
    assert settings.core.redis_url == SecretStr(redis_cluster.url)
    await exercise(settings, fake_telegram, simulator)
    client = redis_cluster.client()
    try:
        keys = [key async for key in client.scan_iter(count=1000)]
    finally:
        await client.aclose()
    nodes = {redis_cluster.node_of(key).port for key in keys}
    assert len(nodes) > 1, "the keys are spread over the cluster's nodes"
