"""Who may use the Telegram bot and how much, end to end: the real bot against the fake
Bot API server, the simulator and Redis. Access lists, admin commands, quotas, usage,
operator alerts and the tokens kept in Redis."""

from __future__ import annotations

import re
from typing import Any

import pytest
from cryptography.fernet import Fernet
from redis.asyncio import Redis

from core.access.alerts import FAILURE_COUNT
from core.access.quotas import Kind
from core.embedded_redis import EmbeddedRedis
from core.keys import Keys
from core.simulator import Fault, Simulator
from tests.fakes.telegram_api import FakeChat, FakeTelegram, FakeUser
from tests.kits.renders import OPERATOR_TOKEN
from tests.kits.telegram_bot import (
    WAIT,
    bot_message,
    bot_settings,
    buttons_of,
    chat_of,
    containing,
    exportable_project,
    kinds,
    running_bot,
    shown,
)
from tests.waiting import wait_until

pytest_plugins = ["tests.fakes.telegram_fixtures"]

REFUSED = "open only to the people its operator lets in"
EMPTY = "The timeline is empty"
#: "... resets at 2024-05-01 14:00 UTC (in 23 min)."
RESET = re.compile(r"resets at \d{4}-\d{2}-\d{2} \d{2}:00 UTC \(in (\d+ h )?\d+ min\)")


def user_entry(user: FakeUser) -> str:
    return f"telegram:user:{user.id}"


def texts_in(fake: FakeTelegram, chat: FakeChat) -> list[str]:
    return fake.sent_texts(chat.id)


async def settled(bot: Any) -> None:
    """Everything the bot took is handled."""
    await bot.adapter.tasks.idle()
    await bot.runtime.dispatcher.wait_idle()


async def redis_dump(url: str) -> list[bytes]:
    """Every key and every value in Redis, whatever their type."""
    redis = Redis.from_url(url)
    found: list[bytes] = []
    try:
        async for key in redis.scan_iter(count=1000):
            found.append(key)
            kind = (await redis.type(key)).decode()
            if kind == "string":
                found.append(await redis.get(key) or b"")
            elif kind == "hash":
                for field, value in (await redis.hgetall(key)).items():
                    found += [field, value]
            elif kind == "list":
                found += await redis.lrange(key, 0, -1)
            elif kind == "set":
                found += list(await redis.smembers(key))
            elif kind == "zset":
                found += [m for m, _ in await redis.zrange(key, 0, -1, withscores=True)]
            elif kind == "stream":
                for _, fields in await redis.xrange(key):
                    for field, value in fields.items():
                        found += [field, value]
    finally:
        await redis.aclose()
    return found


# ------------------------------------------------------------------ access


async def test_a_refused_user_hears_once_and_nothing_reaches_nemovideo(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    alice, bob = fake.user("Alice"), fake.user("Bob")
    alice_dm, bob_dm = fake.private_chat(alice), fake.private_chat(bob)
    settings = bot_settings(simulator, redis_server, fake, allow=user_entry(alice))
    async with running_bot(settings) as bot:
        fake.text(bob_dm, bob, "make a video of the sea")
        await bot_message(fake, bob_dm, containing(REFUSED))
        fake.text(bob_dm, bob, "/status")
        fake.text(bob_dm, bob, "export")
        fake.text(alice_dm, alice, "/status")
        await bot_message(fake, alice_dm, containing(EMPTY))
        await settled(bot)
        pending = await bot.runtime.dispatcher.inbox.pending_chats()
    assert texts_in(fake, bob_dm) == [t for t in texts_in(fake, bob_dm) if REFUSED in t]
    assert len(texts_in(fake, bob_dm)) == 1, "one polite reply a day, not one per message"
    assert "run_sse" not in kinds(simulator)
    assert kinds(simulator, "create_session") == ["create_session"], "only Alice's project"
    assert pending == []


async def test_an_admin_allows_then_blocks_a_user_at_run_time(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    admin, alice, bob = fake.user("Admin"), fake.user("Alice"), fake.user("Bob")
    admin_dm, bob_dm = fake.private_chat(admin), fake.private_chat(bob)
    settings = bot_settings(simulator, redis_server, fake, allow=user_entry(alice),
                            admins=user_entry(admin))
    async with running_bot(settings) as bot:
        fake.text(bob_dm, bob, "/status")
        await bot_message(fake, bob_dm, containing(REFUSED))

        fake.text(admin_dm, admin, f"/allow {bob.id}")
        await bot_message(fake, admin_dm, containing(f"Allowed: {user_entry(bob)}"))
        fake.text(bob_dm, bob, "/status")
        await bot_message(fake, bob_dm, containing(EMPTY))

        fake.text(admin_dm, admin, f"/block {user_entry(bob)}")
        await bot_message(fake, admin_dm, containing(f"Blocked: {user_entry(bob)}"))
        await settled(bot)
        requests = len(simulator.requests)
        fake.text(bob_dm, bob, "make a video of the sea")
        fake.text(admin_dm, admin, "/admin")
        report = await bot_message(fake, admin_dm, containing("Refused messages today"))
        await settled(bot)
        assert len(simulator.requests) == requests + 1, "only the balance for /admin"
        assert f"Blocked: {user_entry(bob)}" in shown(report)

        fake.text(admin_dm, admin, f"/unblock {bob.id}")
        await bot_message(fake, admin_dm, containing(f"Unblocked: {user_entry(bob)}"))
        fake.text(bob_dm, bob, "/status")
        await wait_until(lambda: sum(EMPTY in t for t in texts_in(fake, bob_dm)) == 2,
                         within=WAIT, what="Bob answered again",
                         show=lambda: texts_in(fake, bob_dm))
    assert "run_sse" not in kinds(simulator), "nothing of the blocked user was sent"


async def test_admin_commands_are_refused_to_others_and_listed_only_for_admins(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    admin, bob = fake.user("Admin"), fake.user("Bob")
    bob_dm = fake.private_chat(bob)
    group = fake.group("Editors")
    settings = bot_settings(simulator, redis_server, fake, admins=user_entry(admin))
    async with running_bot(settings) as bot:
        for command in ("/block 42", "/allow 42", "/unblock 42", "/quota 42 renders=9/day",
                        "/admin"):
            fake.text(bob_dm, bob, command)
            name = command.split()[0]
            await bot_message(fake, bob_dm, containing(f"Only the bot's admins can use {name}."))
        fake.text(group, admin, "/admin")
        await bot_message(fake, group, containing("/admin works only in a private chat"))
        await settled(bot)
        lists = await bot.runtime.access.rules.lists()
        limit = await bot.runtime.access.quotas.limit(Kind.RENDERS, "telegram:user:42")
    assert lists.block == frozenset() and lists.allow == frozenset()
    assert limit is None
    public = [c["command"] for c in fake.commands("")]
    assert "stats" in public and "admin" not in public and "block" not in public
    scope = {"type": "chat", "chat_id": admin.id}
    own = [c["command"] for c in fake.commands("", scope)]
    assert {"admin", "allow", "block", "unblock", "quota", "stats"} <= set(own)
    assert [c["command"] for c in fake.commands("zh", scope)] == own


# ------------------------------------------------------------------ quotas and usage


async def test_over_the_messages_quota_the_reply_says_what_was_used_and_when_it_resets(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    dm = fake.private_chat(alice)
    settings = bot_settings(simulator, redis_server, fake, quota_messages_per_hour=2)
    async with running_bot(settings) as bot:
        for _ in range(2):
            fake.text(dm, alice, "/status")
        await wait_until(lambda: sum(EMPTY in t for t in texts_in(fake, dm)) == 2, within=WAIT,
                         what="two answers", show=lambda: texts_in(fake, dm))
        await settled(bot)
        requests = len(simulator.requests)
        fake.text(dm, alice, "make a video of the sea")
        over = await bot_message(fake, dm, containing("You've used 2 of your 2 messages"))
        fake.text(dm, alice, "/help")  # free: not counted, still answered
        await bot_message(fake, dm, containing("/stats - your usage"))
        fake.text(dm, alice, "/stats")
        stats = await bot_message(fake, dm, containing("Your usage"))
        await settled(bot)
    assert RESET.search(shown(over)), shown(over)
    assert "didn't send this to NemoVideo" in shown(over)
    assert len(simulator.requests) == requests, "nothing was sent to NemoVideo"
    assert "• messages: 2 / 2 (limit 2 an hour: 2 used, resets at" in shown(stats)
    # no credits limit: credits are not read from NemoVideo, so not a "0" either
    assert "• credits: not counted (only while a limit on them applies)" in shown(stats)


async def test_renders_quota_counts_per_user_and_per_group(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    alice, bob = fake.user("Alice"), fake.user("Bob")
    group = fake.group("Editors")
    settings = bot_settings(simulator, redis_server, fake, quota_renders_per_day=1)
    async with running_bot(settings) as bot:
        await exportable_project(bot, fake, simulator, group, alice)
        fake.text(group, alice, "/export")
        await bot_message(fake, group, containing("Rendering"))
        # the same draft again: the render under way serves it, no render starts
        fake.text(group, bob, "/export")
        await bot_message(fake, group, containing("already rendering"))
        fake.text(group, bob, f"@{fake.bot_username} add the title Second Cut")
        await bot_message(fake, group, containing("Second Cut"))
        fake.text(group, bob, "/export")  # Bob has renders left, the group has none
        over = await bot_message(fake, group, containing("This chat has used 1 of its 1 renders"))
        await settled(bot)
    assert re.search(r"resets at \d{4}-\d{2}-\d{2} 00:00 UTC", shown(over)), shown(over)
    assert kinds(simulator).count("render_submit") == 1


# ------------------------------------------------------------------ /new in a group


async def test_new_in_a_group_asks_first(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    group = fake.group("Editors")
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        fake.text(group, alice, "/start")
        await bot_message(fake, group, containing("Ready when you are"))
        await settled(bot)
        before = (await bot.runtime.sessions.load(chat_of(group))).session_id
        fake.text(group, alice, "/new")
        ask = await bot_message(fake, group, containing("Start a new project?"))
        await settled(bot)
        assert (await bot.runtime.sessions.load(chat_of(group))).session_id == before
        [button] = buttons_of(ask)
        fake.callback(group, alice, ask["message_id"], button["callback_data"])
        await bot_message(fake, group, containing("New project started"))
        await settled(bot)
        after = (await bot.runtime.sessions.load(chat_of(group))).session_id
    assert before and after and after != before


# ------------------------------------------------------------------ operator alerts


@pytest.mark.parametrize("alert_chat", [True, False], ids=["alert-chat", "no-alert-chat"])
async def test_a_refused_operator_token_is_posted_to_the_alert_chat(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis,
        alert_chat: bool) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    dm = fake.private_chat(alice)
    ops = fake.group("Operators")
    extra = {"alert_chat": f"telegram:chat:{ops.id}"} if alert_chat else {}
    async with running_bot(bot_settings(simulator, redis_server, fake, **extra)) as bot:
        simulator.config.operator_tokens = []  # NemoVideo no longer takes the bot's token
        fake.text(dm, alice, "make a video of the sea")
        reply = await bot_message(fake, dm, containing("refused the bot's credentials"))
        fake.text(dm, alice, "make it shorter")
        await wait_until(lambda: sum("credentials" in t for t in texts_in(fake, dm)) == 2,
                         within=WAIT, what="the second refusal")
        await settled(bot)
    alerts = texts_in(fake, ops)
    if alert_chat:
        assert "The operator has been told." in shown(reply)
        assert len(alerts) == 1, "rate-limited: one alert for two failures"
        assert "refused the operator token" in alerts[0]
    else:
        assert "has been told" not in shown(reply)
        assert "let the person who runs this bot know" in shown(reply)
        assert alerts == []


async def test_low_credits_are_posted_by_the_periodic_check(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    ops = fake.group("Operators")
    settings = bot_settings(simulator, redis_server, fake, alert_chat=f"telegram:chat:{ops.id}",
                            alert_credits_below=200_000, alert_check_interval=0.1)
    async with running_bot(settings):
        alert = await bot_message(fake, ops, containing("balance is"))
    assert "below ALERT_CREDITS_BELOW (200000)" in shown(alert)


# ------------------------------------------------------------------ tokens at rest


async def test_without_a_secret_key_link_is_refused(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    dm = fake.private_chat(alice)
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        update = fake.text(dm, alice, "/link nmv_usr_mine_for_tests_123")
        await bot_message(fake, dm, containing("Linking your own NemoVideo account is turned off"))
        await settled(bot)
        identity = await bot.runtime.sessions.load_identity(chat_of(dm))
    assert identity.kind == "anonymous" and identity.token is None
    assert update["message"]["message_id"] in fake.deleted(dm.id)
    assert all(b"nmv_usr_mine" not in v for v in await redis_dump(redis_server.url))


async def test_no_token_is_kept_in_clear_in_redis(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    alice, bob = fake.user("Alice"), fake.user("Bob")
    alice_dm, bob_dm = fake.private_chat(alice), fake.private_chat(bob)
    mine = "nmv_usr_mine_for_tests_123"
    settings = bot_settings(simulator, redis_server, fake, nemo_token=None,
                            secret_key=Fernet.generate_key().decode())
    simulator.config.operator_tokens = [OPERATOR_TOKEN, mine]
    async with running_bot(settings) as bot:
        fake.text(alice_dm, alice, f"/link {mine}")
        await bot_message(fake, alice_dm, containing("Linked"))
        fake.text(alice_dm, alice, "/credits")
        await bot_message(fake, alice_dm, containing("Credits: 100000 available"))
        fake.text(bob_dm, bob, "/credits")  # an anonymous token is minted and stored
        await bot_message(fake, bob_dm, containing("free starter account"))
        await settled(bot)
        anonymous = (await bot.runtime.sessions.load_identity(chat_of(bob_dm))).token
    assert anonymous is not None
    secrets = [mine.encode(), anonymous.get_secret_value().encode()]
    dump = await redis_dump(redis_server.url)
    assert any(Keys().identity(chat_of(alice_dm)).encode() == k for k in dump)
    leaked = [v for v in dump for s in secrets if s in v]
    assert leaked == []


async def test_credits_out_and_a_failing_backend_are_posted(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    dm = fake.private_chat(alice)
    ops = fake.group("Operators")
    settings = bot_settings(simulator, redis_server, fake, alert_chat=f"telegram:chat:{ops.id}")
    async with running_bot(settings) as bot:
        simulator.inject(Fault("no_credits"))
        fake.text(dm, alice, "make a video of the sea")
        await bot_message(fake, ops, containing("out of credits (code 2001)"))
        simulator.inject(Fault("server_error", count=100, path="/api/state"))
        for _ in range(FAILURE_COUNT):
            fake.text(dm, alice, "/status")
        alert = await bot_message(fake, ops, containing("NemoVideo keeps failing"))
        await settled(bot)
    assert f"{FAILURE_COUNT} failed calls in the last 10 minutes" in shown(alert)
    assert "ServerError" in shown(alert)
    assert len(texts_in(fake, ops)) == 2


async def test_credits_are_counted_as_nemovideo_counts_them(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    dm = fake.private_chat(alice)
    settings = bot_settings(simulator, redis_server, fake, quota_credits_per_month=150)
    async with running_bot(settings) as bot:
        for _ in range(3):  # generating costs 100 credits on the simulator
            fake.text(dm, alice, "generate a 1 second video of the sea")
        over = await bot_message(fake, dm, containing("You've used 200 of your 150 credits"))
        fake.text(dm, alice, "/stats")
        stats = await bot_message(fake, dm, containing("Your usage"))
        await settled(bot)
    assert kinds(simulator, "run_sse") == ["run_sse", "run_sse"], "the third was not sent"
    assert kinds(simulator, "credits").count("credits") == 4, "a read before and after each"
    assert re.search(r"resets at \d{4}-\d{2}-01 00:00 UTC", shown(over)), shown(over)
    assert "• credits: 200 / 200 (limit 150 a month: 200 used" in shown(stats)


async def test_a_first_message_over_the_quota_hears_the_refusal_without_a_greeting(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    dm, group = fake.private_chat(alice), fake.group("Editors")
    settings = bot_settings(simulator, redis_server, fake, quota_credits_per_month=50)
    async with running_bot(settings) as bot:
        fake.text(dm, alice, "generate a 1 second video of the sea")  # 100 credits
        await bot_message(fake, dm, containing("Your raw video is ready"))
        await settled(bot)
        fake.text(group, alice, "@nemo_test_bot add some music")  # a new chat: no project yet
        await bot_message(fake, group, containing("You've used 100 of your 50 credits"))
        await settled(bot)
    assert not any("Ready when you are" in text for text in texts_in(fake, group)), \
        "a refused message is not greeted"
    assert kinds(simulator, "run_sse") == ["run_sse"]
