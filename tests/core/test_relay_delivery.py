"""Once the agent has answered (credits spent), nothing may turn the answer into an error
reply or a second agent call: a platform that refuses it gets it again, with pauses, for a
bounded time, then it is given up with an error in the log."""

from __future__ import annotations

import logging

import pytest

from core.collecting import CollectingOutput
from core.conversation.delivery import deliver, pauses
from core.embedded_redis import EmbeddedRedis
from core.messages import ChatKey
from core.outgoing import Action, Busy, Button, Sent
from core.simulator import Fault, Simulator
from tests.kits.conversation import CHAT, kit

GREETING = "I'm your NemoVideo editor"


class Refusing(CollectingOutput):
    """A platform that refuses the next `refusals` sends and edits (with `final_only`, of
    the final answer: the one without a Cancel button), as an adapter raises once its own
    retries are spent."""

    def __init__(self, refusals: int, *, final_only: bool = False) -> None:
        super().__init__()
        self.refusals = refusals
        self.final_only = final_only
        self.refused: list[str] = []

    def _refuse(self, text: str, buttons: tuple[Button, ...]) -> None:
        working = any(b.action is Action.CANCEL for b in buttons)
        if self.refusals > 0 and not (self.final_only and working):
            self.refusals -= 1
            self.refused.append(text)
            raise ConnectionError("Bad Gateway")

    async def send_text(self, chat: ChatKey, text: str,
                        buttons: tuple[Button, ...] = (), *, reply_to: str | None = None) -> Sent:
        self._refuse(text, buttons)
        return await super().send_text(chat, text, buttons, reply_to=reply_to)

    async def edit_text(self, chat: ChatKey, sent: Sent, text: str,
                        buttons: tuple[Button, ...] = ()) -> Sent:
        self._refuse(text, buttons)
        return await super().edit_text(chat, sent, text, buttons)


def test_pauses_double_within_the_patience() -> None:
    assert pauses(120.0) == [2.0, 4.0, 8.0, 16.0, 32.0]
    assert pauses(10.0) == [1.0, 2.0, 4.0, 3.0]
    assert pytest.approx(pauses(1.0)) == [0.1, 0.2, 0.4, 0.3]
    assert pauses(0.0) == []


async def test_a_platform_that_says_when_to_come_back_is_waited_for_past_the_patience() -> None:
    """A rate limit of 150 s (Discord can ask for that): nothing is sent before it ends,
    and the answer goes out after it, though the patience is 120 s."""
    slept: list[float] = []
    tries: list[int] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async def send() -> str:
        tries.append(1)
        if len(tries) == 1:
            raise Busy("429 Too Many Requests", retry_after=150.0)
        return "sent"

    assert await deliver(CHAT, "the answer", send, patience=120.0, sleep=sleep) == "sent"
    assert len(tries) == 2 and slept == [150.5]

    tries.clear()

    async def never() -> str:
        tries.append(1)
        raise Busy("429 Too Many Requests", retry_after=3600.0)

    assert await deliver(CHAT, "the answer", never, patience=120.0, sleep=sleep) is None
    assert len(tries) == 1, "an hour is not waited for"


async def test_a_refused_answer_is_sent_again_after_a_pause(
        simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    out = Refusing(refusals=0, final_only=True)
    async with kit(simulator, redis_server.url, out=out) as k:
        await k.say("/start")  # greeted: the refusals below are the answer's
        out.refusals = 3
        await k.say("hello")
        assert GREETING in k.last()
        assert any(GREETING in text for text in out.refused)
        assert k.sleeps.waits == [2.0, 4.0, 8.0], "pauses before sending it again"
        assert not any("went wrong" in text for text in k.out.texts())
        assert k.kinds().count("run_sse") == 1


async def test_an_answer_refused_for_good_is_given_up_and_the_chat_goes_on(
        simulator: Simulator, redis_server: EmbeddedRedis,
        caplog: pytest.LogCaptureFixture) -> None:
    out = Refusing(refusals=10**6)
    async with kit(simulator, redis_server.url, out=out) as k:
        await k.say("hello")
        [gave_up] = [r for r in caplog.records if "gave up" in r.getMessage()]
        assert gave_up.levelno == logging.ERROR and "NemoVideo editor" in gave_up.getMessage()
        session = await k.sessions.load(CHAT)
        assert session.inflight is None and session.session_id
        assert await k.inbox.current(CHAT) is None, "the message is done"
        out.refusals = 0
        await k.say("credits")
        assert "Credits:" in k.last()
        assert k.kinds().count("run_sse") == 1
        assert not any("went wrong" in text for text in out.refused + k.out.texts())


async def test_a_refused_greeting_costs_the_greeting_only(
        simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    out = Refusing(refusals=1)
    async with kit(simulator, redis_server.url, out=out) as k:
        await k.say("hello")  # a first contact: greeted first
        [greeting] = out.refused
        assert greeting.startswith("Ready when you are")
        assert GREETING in k.last()
        assert k.kinds().count("run_sse") == 1
        assert not any("went wrong" in text for text in k.out.texts())


class LosingTheProject(CollectingOutput):
    """Shows text; the first time once `armed`, the project is lost on the backend
    meanwhile."""

    def __init__(self, simulator: Simulator) -> None:
        super().__init__()
        self.simulator = simulator
        self.armed = False
        self.lost = False

    async def send_text(self, chat: ChatKey, text: str,
                        buttons: tuple[Button, ...] = (), *, reply_to: str | None = None) -> Sent:
        if self.armed and not self.lost:
            self.lost = True
            self.simulator.inject(Fault("session_lost", path="/api/state"))
        return await super().send_text(chat, text, buttons, reply_to=reply_to)


async def test_a_failure_after_the_answer_never_calls_the_agent_again(
        simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    out = LosingTheProject(simulator)
    async with kit(simulator, redis_server.url, out=out) as k:
        await k.say("/start")  # greeted: the next text shown is the answer
        out.armed = True
        await k.say("hello")
        assert GREETING in k.last()
        assert k.kinds().count("run_sse") == 1, "not sent again on a new project"
        assert not any("no longer available" in text for text in k.out.texts())


class RefusingWhereChatsOpenWithStart(Refusing):
    """`Refusing`, on a platform whose conversations open with /start."""

    def opens_with_start(self, chat: ChatKey) -> bool:
        return True


async def test_a_refused_first_answer_is_sent_again_with_its_welcome(
        simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    out = RefusingWhereChatsOpenWithStart(refusals=1)
    async with kit(simulator, redis_server.url, out=out) as k:
        await k.say("hello")  # no project yet: the answer comes under the welcome
        [refused] = out.refused
        assert refused.startswith("Ready when you are")
        [shown] = k.out.texts()
        assert shown.startswith("Ready when you are") and GREETING in shown
        assert k.kinds().count("run_sse") == 1
