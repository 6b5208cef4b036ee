"""A hostile or broken NemoVideo backend (the simulator's wire faults) never holds a chat,
never gets a message twice, and never keeps the other chats waiting."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from core.conversation.live_text import SHOWN_MOST
from core.embedded_redis import EmbeddedRedis
from core.messages import ChatKey
from core.simulator import Fault, Simulator
from tests.kits.conversation import CHAT, kit
from tests.kits.renders import TINY_DRAFT
from tests.waiting import wait_until

OTHER = ChatKey("test", "200")

CASES: list[tuple[Fault, dict[str, Any], str]] = [
    # accepts /run_sse and never answers, not even headers
    (Fault("sse_silent", seconds=4.0), {"nemo_first_event_timeout": 1.5},
     "working for too long"),
    # headers, then nothing at all
    (Fault("sse_headers_only", seconds=4.0), {"nemo_first_event_timeout": 1.5},
     "working for too long"),
    # slow, but alive
    (Fault("sse_slow", delay=0.05), {}, ""),
    # lines that are not JSON inside the stream
    (Fault("sse_bad_json", lines=3), {}, ""),
    # an answer far over the cap
    (Fault("sse_huge", chars=60_000), {"nemo_max_answer_chars": 20_000}, ""),
    # a hostile Retry-After on the agent call
    (Fault("rate_limit", path="/run_sse", retry_after=99_999_999), {}, "busy right now"),
]


@pytest.mark.parametrize(("fault", "settings", "expected"), CASES,
                         ids=[case[0].name for case in CASES])
async def test_a_hostile_backend_is_answered_once_and_other_chats_go_on(
        simulator: Simulator, redis_server: EmbeddedRedis, fault: Fault,
        settings: dict[str, Any], expected: str) -> None:
    async with kit(simulator, redis_server.url, **settings) as k:
        await k.say("hello", chat=OTHER)  # the other chat's project exists already
        simulator.inject(fault)
        faulty = k.dispatcher.submit(k.message("make it blue"))
        await wait_until(lambda: k.kinds().count("run_sse") == 2, what="the faulty agent call")
        await k.say("status", chat=OTHER)  # served while the faulty turn runs
        assert "timeline" in k.last(OTHER)
        async with asyncio.timeout(20):
            await faulty
        texts = k.out.texts(CHAT)
        assert texts, "the user was answered"
        assert not any("something went wrong" in t for t in texts), texts
        if expected:
            assert any(expected in t for t in texts), texts
        assert k.kinds().count("run_sse") == 2, "each message reached the agent once"
        assert await k.inbox.current(CHAT) is None


async def test_a_runaway_answer_is_shown_cut_with_a_note_not_as_a_flood(
        simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    """300,000 characters of answer would be 74 Telegram messages: the chat gets the first
    12,000 characters or so and a note of how much was left out."""
    async with kit(simulator, redis_server.url) as k:
        await k.say("hello")
        simulator.inject(Fault("sse_huge", chars=300_000))
        await k.say("make it blue")
        answer = k.last()
    assert len(answer) < SHOWN_MOST + 400, len(answer)
    assert "The answer was too long to show here" in answer
    assert re.search(r"(\d+) more characters were left out", answer), answer[-200:]


async def test_a_silent_request_that_went_through_is_told_once(
        simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    """The stream stays silent past its timeout while the agent does the edit: the user is
    told it went through, with the new timeline once, and not first to send it again."""
    async with kit(simulator, redis_server.url, nemo_first_event_timeout=1.0) as k:
        await k.say("hello")
        session = await k.sessions.load(CHAT)
        assert session.session_id is not None
        simulator.inject(Fault("sse_silent", seconds=4.0))
        turn = k.dispatcher.submit(k.message("put my clip on the timeline"))
        await wait_until(lambda: k.kinds().count("run_sse") == 2, what="the silent agent call")
        simulator.store.sessions[session.session_id].draft = dict(TINY_DRAFT)  # it did
        async with asyncio.timeout(20):
            await turn
        said = "\n".join(k.out.texts(CHAT)[1:])
    assert "It went through" in said and "too long" not in said, said
    assert said.count("Timeline") == 1, said
