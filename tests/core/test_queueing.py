"""A message that waits behind others hears its place in line."""

from __future__ import annotations

import core.conversation.texts  # noqa: F401 - the plain notice
from core.conversation.queueing import queued_text
from core.simulator import Simulator
from tests.kits.conversation import kit


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
