"""A message that waits behind others hears its place in line."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import core.conversation.texts  # noqa: F401 - the plain notice
from core.conversation.middleware import EventCall, Middleware
from core.conversation.queueing import queued_text
from core.inbox import ChatEvent
from core.messages import ChatKey
from core.outgoing import Outgoing
from core.simulator import Simulator
from tests.kits.conversation import CHAT, kit
from tests.waiting import wait_until


async def test_waiting_messages_hear_their_place_in_line(
        simulator: Simulator, redis_url: str) -> None:
    async with kit(simulator, redis_url) as k:
        lock = k.held_elsewhere()
        assert await lock.acquire()  # the chat is busy elsewhere
        sent = []
        try:
            for text in ("add music", "add a title", "make it shorter"):
                await k.say(text)
                sent.append(str(k.counter))
        finally:
            await lock.release()
        notices = k.out.texts()
        assert notices == ["Got it, next in line: add music",
                           "Got it, number 2 in line: add a title",
                           "Got it, number 3 in line: make it shorter"]
        assert [r.reply_to for r in k.out.records] == sent
        await k.say("/cancel")


def test_place_in_line_in_words() -> None:
    assert queued_text("en", None, "add music") == "Got it. After this: add music"
    assert queued_text("zh", 0, "加音乐") == "收到，下一个处理：加音乐"
    assert queued_text("zh", 2, "加音乐") == "收到，排在第 3 位：加音乐"
    assert queued_text("en", 1, "/choose 3.1") == "Got it, number 2 in line: the option you chose"
    assert queued_text("en", 0, "") == "Got it, next in line: your files"
    # a long message is quoted in part: the notice stays one short message
    long = "make the intro slower and add the logo " * 100
    notice = queued_text("en", 0, long)
    assert notice.startswith("Got it, next in line: make the intro slower") and len(notice) < 110
    assert notice.endswith("…") and "\n" not in queued_text("en", 0, "one\ntwo")


async def test_a_message_arriving_between_two_events_is_taken_by_the_working_loop(
        simulator: Simulator, redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # a user who writes again as soon as the answer arrives: the message is queued while
    # this process looks for the chat's next event. The loop working the chat takes it;
    # the arrival trying the lock as well (an open that finds it taken, then a read of its
    # owner) would only cost Redis round trips
    async with kit(simulator, redis_url) as k:
        opens: list[ChatKey] = []
        owners: list[ChatKey] = []
        open_, owner_, settle_ = k.sessions.open, k.sessions.lock_owner, k.inbox.settle
        arrivals: list[asyncio.Task[None] | None] = []

        async def counted_open(chat: ChatKey, *args: Any, **kwargs: Any) -> Any:
            opens.append(chat)
            return await open_(chat, *args, **kwargs)

        async def counted_owner(chat: ChatKey) -> Any:
            owners.append(chat)
            return await owner_(chat)

        async def settle_as_a_message_arrives(chat: ChatKey) -> bool:
            if not arrivals:  # the first event is done: the next message is queued now
                arrivals.append(await k.dispatcher.accept(k.message("and a title?")))
            return await settle_(chat)

        monkeypatch.setattr(k.sessions, "open", counted_open)
        monkeypatch.setattr(k.sessions, "lock_owner", counted_owner)
        monkeypatch.setattr(k.inbox, "settle", settle_as_a_message_arrives)
        await k.say("what can you do?")
        await k.dispatcher.wait_idle()
        answers = [t for t in k.out.texts() if not t.startswith("Ready when you are")]
        assert arrivals and len(answers) == 2, "both messages answered"
        assert [r["kind"] for r in simulator.requests].count("run_sse") == 2
        assert opens == [CHAT, CHAT], "one open of the chat per event"
        assert owners == [], "no second try at the lock"
        assert not any(text.startswith("Got it") for text in k.out.texts()), "no queue notice"


async def test_a_queued_message_is_worked_while_the_arrival_chain_finishes(
        simulator: Simulator, redis_url: str) -> None:
    # what comes after the queueing in the arrival chain (counting the message) never
    # holds up its answer: the work starts as soon as the message is safe in Redis
    counted = asyncio.Event()

    class SlowCount(Middleware):
        async def on_event(self, event: ChatEvent, out: Outgoing, call_next: EventCall) -> bool:
            queued = await call_next(event, out)
            await counted.wait()
            return queued

    async with kit(simulator, redis_url, middlewares=[SlowCount()]) as k:
        arrival = asyncio.create_task(k.dispatcher.accept(k.message("what can you do?")))
        await wait_until(lambda: len(k.out.texts()) == 2, what="the greeting and the answer, "
                         "while counting")
        assert not arrival.done()
        counted.set()
        work = await arrival
        assert work is not None
        await work
        assert [t for t in k.out.texts() if not t.startswith("Ready when you are")], "answered"
