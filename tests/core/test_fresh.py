"""Values kept for a few seconds in a process (`core.fresh`), and the reads that use them:
the access lists, the quota overrides, users' language choices, the usage totals."""

from __future__ import annotations

import asyncio

import redis.asyncio as aioredis

from core.access.quotas import Kind, Quotas, utc_now
from core.access.rules import AccessRules
from core.access.usage import ALL, Usage, day_of, month_of
from core.conversation.languages import LanguageChoices
from core.fresh import Fresh, FreshMap
from core.keys import Keys
from core.messages import ChatKey, IncomingMessage, User


class Source:
    """Counts its reads; each read takes a moment."""

    def __init__(self) -> None:
        self.reads = 0
        self.value = "one"

    async def read(self, key: str = "") -> str:
        self.reads += 1
        await asyncio.sleep(0.01)
        return f"{self.value}{key}"


async def test_a_kept_value_is_read_once_until_it_expires_or_is_forgotten() -> None:
    source = Source()
    kept = Fresh(source.read, ttl=60)
    assert await asyncio.gather(*(kept.get() for _ in range(5))) == ["one"] * 5
    assert source.reads == 1, "waiters share one read"
    source.value = "two"
    assert await kept.get() == "one"
    kept.forget()
    assert await kept.get() == "two" and source.reads == 2
    expired = Fresh(source.read, ttl=0)
    await expired.get()
    await expired.get()
    assert source.reads == 4


async def test_kept_values_by_key_take_what_was_written() -> None:
    source = Source()
    kept: FreshMap[str, str] = FreshMap(source.read, ttl=60, size=2)
    assert await kept.get("a") == "onea"
    kept.put("a", "written")
    assert await kept.get("a") == "written" and source.reads == 1
    await kept.get("b")
    await kept.get("c")  # past the size: the least recently read goes
    assert await kept.get("a") == "onea" and source.reads == 4


async def test_changes_made_through_the_process_apply_at_once(
        redis_client: aioredis.Redis) -> None:
    keys = Keys(prefix="fresh-test")
    rules = AccessRules(redis_client, keys)
    message = IncomingMessage(ChatKey("telegram", "5"), User("5", "Ann", "en"), "1", "hi")
    assert not (await rules.verdict(message)).refused
    await rules.add_block("telegram:user:5")
    assert (await rules.verdict(message)).refused
    await rules.unblock("telegram:user:5")
    assert not (await rules.verdict(message)).refused

    quotas = Quotas(redis_client, keys, {Kind.MESSAGES: 10})
    assert await quotas.limit(Kind.MESSAGES, "telegram:user:5") == 10
    await quotas.set_limit("telegram:user:5", Kind.MESSAGES, 3)
    assert await quotas.limit(Kind.MESSAGES, "telegram:user:5") == 3

    choices = LanguageChoices(redis_client, keys=keys)
    assert await choices.chosen(message) is None
    await choices.choose(message, "es")
    assert await choices.chosen(message) == "es"


async def test_usage_totals_are_written_in_batches_and_when_read(
        redis_client: aioredis.Redis) -> None:
    keys = Keys(prefix="usage-test")
    usage = Usage(redis_client, keys)
    for _ in range(3):
        await usage.record(Kind.MESSAGES, "telegram:user:7", None)
    today, month = await usage.read("telegram:user:7")
    assert (today.messages, month.messages) == (3, 3), "a user's own counts at once"
    today, month = await usage.read(ALL)
    assert (today.messages, month.messages) == (3, 3), "the totals, written when read"
    assert [user for user, _ in await usage.top()] == ["telegram:user:7"], "ranked when read"
    for key in await redis_client.keys("usage-test:*"):
        assert await redis_client.ttl(key) > 0, f"{key!r} expires"


async def test_a_users_day_and_month_are_one_hash_and_a_day_counted_alone_is_still_read(
        redis_client: aioredis.Redis) -> None:
    keys = Keys(prefix="usage-days")
    usage = Usage(redis_client, keys)
    today = day_of(utc_now())
    # a day counted before the month's hash held the days: a hash of its own
    await redis_client.hset(keys.usage("telegram:user:8", today), "messages", 2)
    await usage.record(Kind.MESSAGES, "telegram:user:8", None)
    day, month = await usage.read("telegram:user:8")
    assert (day.messages, month.messages) == (3, 1)
    # the month's hash holds the day: one key counts a message
    month_hash = await redis_client.hgetall(keys.usage("telegram:user:8", month_of(utc_now())))
    assert month_hash == {b"messages": b"1", f"{today}.messages".encode(): b"1"}
