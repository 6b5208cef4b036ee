"""The Telegram flood control: pacing by Telegram's limits, flood waits, network blips.

Most tests run in simulated time: an event loop whose clock jumps to its next timer
whenever nothing is ready, in front of a fake Bot API that behaves like Telegram's
flood control (it refuses a chat, with a 429, while a wait it named is running). The
end-to-end test drives python-telegram-bot's own `Bot` against a small HTTP server.
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dtm
import itertools
import logging
import math
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
import pytest
from aiohttp import web
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import ExtBot

from bots.telegram_adapter.flood import (
    FloodControl,
    Kind,
    call_kind,
    chat_ref,
    may_retry,
    message_weight,
    retry_after_seconds,
)
from core.peers import BEAT

T = TypeVar("T")
JSONDict = dict[str, Any]

ALICE, BOB, GROUP = 1001, 1002, -100777


@pytest.fixture(autouse=True)
def _timedelta_durations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # as `nemobot telegram` runs


# ------------------------------------------------------------------ simulated time


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock jumps to the next timer whenever nothing is ready, so
    waits of any length take no real time and every run is the same."""

    def __init__(self) -> None:
        super().__init__()
        self._now = 0.0
        select = self._selector.select  # type: ignore[attr-defined]

        def jump(timeout: float | None = None) -> Any:
            events = select(0)
            if events or timeout == 0:
                return events
            if timeout is None:  # no timer left: only real I/O (a thread) can wake us
                events = select(1.0)
                if not events:
                    raise RuntimeError("deadlock: nothing scheduled, nothing to wait for")
                return events
            self._now += timeout
            return events

        self._selector.select = jump  # type: ignore[attr-defined]

    def time(self) -> float:
        return self._now


def simulate(main: Coroutine[Any, Any, T]) -> T:
    """Run `main` in simulated time."""
    with asyncio.Runner(loop_factory=VirtualTimeLoop) as runner:
        return runner.run(main)


def now() -> float:
    return asyncio.get_running_loop().time()


@dataclass
class Call:
    """One request the fake Bot API received."""

    at: float
    endpoint: str
    chat: int | str | None
    tag: Any
    refused: bool


@dataclass
class FakeApi:
    """The Bot API behind the limiter. It answers after `latency` (simulated) seconds,
    refuses a chat's next requests when told to, and, like Telegram, refuses every
    request to a chat (or, for `None`, to any chat) while a wait it named runs."""

    latency: float = 0.0
    calls: list[Call] = field(default_factory=list)
    _refuse: dict[Any, list[Any]] = field(default_factory=dict)
    _until: dict[Any, float] = field(default_factory=dict)

    def refuse(self, chat: int | None, retry_after: float, count: int | None = 1) -> None:
        """Answer 429 with `retry_after` to the next `count` requests (None: every one) to
        `chat` (None: to any chat)."""
        self._refuse[chat] = [retry_after, count]

    async def call(self, endpoint: str, data: JSONDict) -> bool | JSONDict:
        chat = data.get("chat_id")
        received = now()
        wait = self._refusal(chat, received)
        self.calls.append(Call(received, endpoint, chat, data.get("tag"), wait is not None))
        if self.latency:
            await asyncio.sleep(self.latency)
        if wait is not None:
            raise RetryAfter(dtm.timedelta(seconds=wait))
        return {"message_id": len(self.calls)} if endpoint != "sendChatAction" else True

    def _refusal(self, chat: Any, at: float) -> float | None:
        running = max(self._until.get(chat, 0.0), self._until.get(None, 0.0))
        if running > at:
            return float(math.ceil(running - at))
        for key in (chat, None):
            rule = self._refuse.get(key)
            if rule is not None:
                wait, left = rule
                if left is not None:
                    rule[1] = left - 1
                    if rule[1] == 0:
                        del self._refuse[key]
                self._until[key] = at + wait
                return float(wait)
        return None

    def accepted(self, endpoint: str = "sendMessage", chat: Any = ...) -> list[Call]:
        return [c for c in self.calls if not c.refused and c.endpoint == endpoint
                and (chat is ... or c.chat == chat)]

    def refusals(self, chat: Any = ...) -> list[Call]:
        return [c for c in self.calls if c.refused and (chat is ... or c.chat == chat)]


async def request(control: FloodControl, api: FakeApi, endpoint: str, chat: int | str | None,
                  tag: Any = None, **data: Any) -> Any:
    """One Bot API call through the limiter, as PTB's `ExtBot` makes it."""
    payload = {**data, "tag": tag}
    if chat is not None:
        payload["chat_id"] = chat
    return await control.process_request(api.call, (endpoint, payload), {}, endpoint, payload,
                                         None)


def at(calls: list[Call]) -> list[float]:
    return [c.at for c in calls]


def most_in_window(times: list[float], period: float) -> int:
    """The most of `times` that fall in any half-open window `period` long."""
    times = sorted(times)
    return max((sum(1 for t in times if start <= t < start + period - 1e-9)
                for start in times), default=0)


# ------------------------------------------------------------------ what counts


def test_which_calls_are_messages() -> None:
    for endpoint in ("sendMessage", "sendVideo", "sendMediaGroup", "copyMessage",
                     "forwardMessage", "editMessageText", "editMessageReplyMarkup"):
        assert call_kind(endpoint) is Kind.MESSAGE, endpoint
    assert call_kind("sendChatAction") is Kind.ACTION
    for endpoint in ("answerCallbackQuery", "getFile", "getMe", "setMyCommands",
                     "deleteMessage", "setWebhook", "deleteWebhook", "getChat"):
        assert call_kind(endpoint) is Kind.OTHER, endpoint
    assert message_weight("sendMediaGroup", {"media": [1, 2, 3]}) == 3
    assert message_weight("sendMessage", {"text": "hi"}) == 1
    assert chat_ref({"chat_id": "-100123"}) == -100123
    assert chat_ref({"chat_id": "@channel"}) == "@channel"
    assert chat_ref({"inline_message_id": "x"}) is None


def test_what_may_be_retried() -> None:
    refused = NetworkError("Request Entity Too Large")
    assert not may_retry("sendVideo", refused)
    assert may_retry("sendMessage", NetworkError("Bad Gateway"))
    assert not may_retry("sendMessage", BadRequest("Chat not found"))
    timed_out = TimedOut()
    timed_out.__cause__ = httpx.ReadTimeout("slow")
    assert not may_retry("sendMessage", timed_out), "it may have arrived"
    assert may_retry("editMessageText", timed_out)
    never_sent = NetworkError("httpx.ConnectError: refused")
    never_sent.__cause__ = httpx.ConnectError("refused")
    assert may_retry("sendVideo", never_sent)
    assert retry_after_seconds(RetryAfter(dtm.timedelta(seconds=3))) == 3.0


# ------------------------------------------------------------------ pacing


def test_a_private_chat_is_paced_after_a_short_burst() -> None:
    async def main() -> FakeApi:
        control, api = FloodControl(), FakeApi()
        await asyncio.gather(*(request(control, api, "sendMessage", ALICE, i)
                               for i in range(6)))
        return api

    sent = simulate(main()).accepted()
    assert [c.tag for c in sent] == list(range(6)), "in the order they were asked for"
    assert at(sent) == pytest.approx([0, 0, 0, 1, 2, 3], abs=1e-6)


def test_edits_count_against_the_chat() -> None:
    async def main() -> FakeApi:
        control, api = FloodControl(), FakeApi()
        await asyncio.gather(*(request(control, api, "editMessageText", ALICE, i)
                               for i in range(5)))
        return api

    assert at(simulate(main()).accepted("editMessageText")) == pytest.approx(
        [0, 0, 0, 1, 2], abs=1e-6)


def test_a_group_gets_20_messages_a_minute() -> None:
    async def main() -> FakeApi:
        control, api = FloodControl(), FakeApi()
        await asyncio.gather(*(request(control, api, "sendMessage", chat, i)
                               for i in range(45) for chat in (GROUP, ALICE)))
        return api

    api = simulate(main())
    group = at(api.accepted(chat=GROUP))
    assert len(group) == 45
    assert most_in_window(group, 60) == 20
    assert group[20] == pytest.approx(group[0] + 60, abs=1e-6)
    assert group[40] == pytest.approx(group[20] + 60, abs=1e-6)
    private = at(api.accepted(chat=ALICE))
    assert private[-1] < 45, "a private chat has no per-minute limit"
    assert not api.refusals()


def test_an_album_counts_once_per_item() -> None:
    async def main() -> FakeApi:
        control, api = FloodControl(), FakeApi()
        await request(control, api, "sendMediaGroup", GROUP, "album", media=list(range(10)))
        await asyncio.gather(*(request(control, api, "sendMessage", GROUP, i)
                               for i in range(11)))
        return api

    api = simulate(main())
    assert at(api.accepted(chat=GROUP))[10] >= 60, "10 items + 10 messages fill the minute"


def test_chat_actions_use_no_budget() -> None:
    async def main() -> FakeApi:
        control, api = FloodControl(), FakeApi()
        actions = [request(control, api, "sendChatAction", ALICE, i, action="typing")
                   for i in range(40)]
        messages = [request(control, api, "sendMessage", ALICE, i) for i in range(4)]
        await asyncio.gather(*actions, *messages)
        return api

    api = simulate(main())
    assert at(api.accepted("sendChatAction")) == [0.0] * 40
    assert at(api.accepted()) == pytest.approx([0, 0, 0, 1], abs=1e-6)


def test_other_calls_are_not_paced() -> None:
    async def main() -> FakeApi:
        control, api = FloodControl(), FakeApi()
        await asyncio.gather(*(request(control, api, endpoint, ALICE, i)
                               for i in range(50)
                               for endpoint in ("answerCallbackQuery", "deleteMessage")))
        return api

    assert set(at(simulate(main()).calls)) == {0.0}


def test_200_chats_get_25_answers_a_second() -> None:
    """200 chats asking at once: each answer is a chat action and a message."""
    async def answer(control: FloodControl, api: FakeApi, chat: int) -> None:
        await request(control, api, "sendChatAction", chat, action="typing")
        await request(control, api, "sendMessage", chat, text="done")

    async def main() -> FakeApi:
        control, api = FloodControl(), FakeApi(latency=0.05)
        await asyncio.gather(*(answer(control, api, 5000 + n) for n in range(200)))
        return api

    api = simulate(main())
    sent = at(api.accepted())
    assert len(sent) == 200 and not api.refusals()
    rate = len(sent) / (max(sent) - min(sent) + 1 / 30)
    assert rate >= 25, rate
    assert most_in_window(sent, 1.0) <= 30, "the bot-wide limit holds"
    first = sorted(sent)
    assert first[:10] == [first[0]] * 10 and first[10] > first[0], "a burst after quiet"
    assert max(collections.Counter(sent).values()) == 10, "never more than 10 at once"
    assert max(at(api.accepted("sendChatAction"))) == 0.0, "chat actions never wait"


def test_a_loop_busy_elsewhere_does_not_bunch_the_messages_it_woke_late() -> None:
    """The loop is busy for 0.8 s (another task's work): the messages whose times fell
    in that while wake together, late. They still leave within the bot's 30 a second,
    counted on when they really leave, and each chat's in order."""
    async def busy(seconds: float) -> None:
        await asyncio.sleep(0.2)
        loop = asyncio.get_running_loop()
        loop._now += seconds  # type: ignore[attr-defined]  # work that takes the loop

    async def main() -> FakeApi:
        api, control = FakeApi(latency=0.0), FloodControl()
        await asyncio.gather(busy(0.8), *(
            request(control, api, "sendMessage", 5000 + n % 45, tag=n, text="x")
            for n in range(90)))
        return api

    api = simulate(main())
    sent = api.accepted()
    assert len(sent) == 90
    assert most_in_window(at(sent), 1.0) <= 30, "the bot-wide limit holds after the stall"
    for chat in {c.chat for c in sent}:
        tags = [c.tag for c in sent if c.chat == chat]
        assert tags == sorted(tags), f"chat {chat} in order: {tags}"


def test_processes_sending_as_one_bot_share_its_limit() -> None:
    """Two processes (a FloodControl each) answering 100 chats apiece, on one bot: each
    keeps to half of the 30 a second, so the bot never passes 30 in any second."""
    async def main() -> FakeApi:
        api = FakeApi(latency=0.05)
        controls = [FloodControl(), FloodControl()]
        for control in controls:
            control.share(2)
        await asyncio.gather(*(request(controls[n % 2], api, "sendMessage", 5000 + n,
                                       text="done") for n in range(200)))
        return api

    sent = at(simulate(main()).accepted())
    assert len(sent) == 200
    assert most_in_window(sent, 1.0) <= 30, "the bot-wide limit holds over both processes"
    rate = len(sent) / (max(sent) - min(sent) + 1 / 30)
    assert rate >= 25, rate
    assert max(collections.Counter(sent).values()) <= 10, "never more than 10 at once"


@pytest.mark.parametrize("others", [0, 2])
def test_a_process_joining_others_waits_until_they_count_it(others: int) -> None:
    """The processes already sending learn of a new one at their next beat: until then
    they send at their larger shares, so the new one's messages wait that long. Alone,
    it sends at once."""
    async def main() -> FakeApi:
        api, control = FakeApi(latency=0.0), FloodControl()
        control.share(others + 1, first=True)
        await asyncio.gather(*(request(control, api, "sendMessage", 5000 + n, text="hi")
                               for n in range(5)))
        return api

    sent = at(simulate(main()).accepted())
    assert len(sent) == 5
    assert min(sent) == (BEAT if others else 0.0)


def test_a_changed_share_keeps_the_waiting_messages_and_paces_the_next() -> None:
    """A second process starts sending while 60 messages wait: they keep their order and
    times already given; from then on, this process sends at 15 a second."""
    async def main() -> FakeApi:
        api, control = FakeApi(latency=0.0), FloodControl()
        first = [asyncio.create_task(request(control, api, "sendMessage", 5000 + n,
                                             text="done")) for n in range(60)]
        await asyncio.sleep(0.5)
        control.share(2)
        rest = [request(control, api, "sendMessage", 6000 + n, text="later")
                for n in range(30)]
        await asyncio.gather(*first, *rest)
        return api

    api = simulate(main())
    sent = at(api.accepted())
    assert len(sent) == 90
    later = [c.at for c in api.accepted() if c.chat >= 6000]
    assert min(later) >= max(c.at for c in api.accepted() if c.chat < 6000), \
        "the waiting ones go first"
    assert most_in_window(later, 1.0) <= 15, "then half the bot's rate"


def test_the_backlog_says_how_long_a_message_would_wait() -> None:
    async def main() -> list[float]:
        control, api = FloodControl(), FakeApi()
        seen = [control.backlog(ALICE)]
        sending = [asyncio.create_task(request(control, api, "sendMessage", 7000 + n))
                   for n in range(70)]
        await asyncio.sleep(0)  # every send has asked for its turn
        seen += [control.backlog(ALICE), control.backlog(None)]
        await asyncio.gather(*sending)
        await asyncio.sleep(1.1)  # simulated time: the last second's sends age out
        seen.append(control.backlog(ALICE))
        return seen

    idle, busy, bot_wide, after = simulate(main())
    assert idle == 0.0 and after == 0.0
    assert busy == pytest.approx(bot_wide) and 1.0 < busy < 3.0, busy


# ------------------------------------------------------------------ flood waits


def test_a_flood_wait_holds_only_its_chat() -> None:
    async def main() -> FakeApi:
        control, api = FloodControl(), FakeApi(latency=0.05)
        api.refuse(ALICE, retry_after=10)
        await asyncio.gather(request(control, api, "sendMessage", ALICE, "late"),
                             *(request(control, api, "sendMessage", BOB, i) for i in range(3)))
        return api

    api = simulate(main())
    assert at(api.accepted(chat=BOB)) == pytest.approx([0, 0, 0], abs=1e-6)
    assert at(api.accepted(chat=ALICE)) == pytest.approx([10.15], abs=1e-6)


def test_after_a_flood_wait_the_chat_resumes_one_at_a_time() -> None:
    async def main() -> FakeApi:
        control, api = FloodControl(), FakeApi(latency=0.05)
        api.refuse(ALICE, retry_after=3)
        await asyncio.gather(*(request(control, api, "sendMessage", ALICE, i)
                               for i in range(6)))
        return api

    api = simulate(main())
    sent = api.accepted()
    assert [c.tag for c in sent] == list(range(6)), "the refused ones keep their place"
    times = at(sent)
    assert times[0] >= 3
    assert all(b - a >= 1 - 1e-6 for a, b in itertools.pairwise(times)), times
    refused_late = [c for c in api.refusals() if c.at >= 3]
    assert not refused_late, "released spaced, nothing was refused again"


def test_after_a_bot_wide_flood_wait_every_chat_resumes_spaced() -> None:
    async def main() -> FakeApi:
        control, api = FloodControl(), FakeApi(latency=0.05)
        api.refuse(None, retry_after=2)
        await asyncio.gather(
            request(control, api, "editMessageText", None, "inline", inline_message_id="i"),
            *(request(control, api, "sendMessage", 6000 + n) for n in range(20)))
        return api

    api = simulate(main())
    times = sorted(at(api.accepted()))
    assert times[0] > 2
    assert all(b - a >= 1 / 30 - 1e-6 for a, b in itertools.pairwise(times))


def test_chat_actions_are_dropped_during_a_flood_wait() -> None:
    async def main() -> FakeApi:
        control, api = FloodControl(), FakeApi()
        api.refuse(ALICE, retry_after=5)
        message = asyncio.create_task(request(control, api, "sendMessage", ALICE, "answer"))
        await api_called(api, lambda c: c.refused)
        with pytest.raises(RetryAfter):
            await request(control, api, "sendChatAction", ALICE, "dropped", action="typing")
        assert await request(control, api, "sendChatAction", BOB, action="typing") is True
        await message
        assert await request(control, api, "sendChatAction", ALICE, "after", action="typing")
        return api

    api = simulate(main())
    assert [c.tag for c in api.calls if c.chat == ALICE and c.endpoint == "sendChatAction"] == [
        "after"], "the dropped action never reached Telegram"


def test_a_refused_chat_action_is_not_retried() -> None:
    async def main() -> FakeApi:
        control, api = FloodControl(), FakeApi()
        api.refuse(ALICE, retry_after=5)
        with pytest.raises(RetryAfter):
            await request(control, api, "sendChatAction", ALICE, 1, action="typing")
        with pytest.raises(RetryAfter):
            await request(control, api, "sendChatAction", ALICE, 2, action="typing")
        await request(control, api, "sendMessage", ALICE, "answer")
        return api

    api = simulate(main())
    assert [c.tag for c in api.calls][:2] == [1, "answer"], "the second action was dropped"
    assert api.calls[1].at == 0.0, "an action's 429 does not hold the messages"
    assert len(api.accepted()) == 1


def test_three_refusals_in_a_row_still_deliver() -> None:
    async def main() -> tuple[FakeApi, Any, float]:
        control, api = FloodControl(), FakeApi()
        api.refuse(ALICE, retry_after=20, count=3)
        result = await request(control, api, "sendMessage", ALICE, "answer")
        return api, result, now()

    api, result, finished = simulate(main())
    assert result == {"message_id": 4}
    assert len(api.refusals()) == 3
    assert finished == pytest.approx(60.3, abs=1e-6)


def test_a_long_flood_wait_is_honoured_in_full() -> None:
    async def main() -> tuple[FakeApi, float]:
        control, api = FloodControl(), FakeApi()
        api.refuse(ALICE, retry_after=100)
        await request(control, api, "sendMessage", ALICE, "answer")
        return api, now()

    api, finished = simulate(main())
    assert finished == pytest.approx(100.1, abs=1e-6)
    assert len(api.refusals()) == 1, "waiting less would only be refused again"


def test_refusals_past_the_deadline_raise(caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> tuple[FakeApi, float]:
        control, api = FloodControl(deadline=30), FakeApi()
        api.refuse(ALICE, retry_after=10, count=None)
        with pytest.raises(RetryAfter):
            await request(control, api, "sendMessage", ALICE, "answer")
        return api, now()

    with caplog.at_level(logging.WARNING, "bots.telegram_adapter.flood"):
        api, gave_up = simulate(main())
    assert len(api.refusals()) == 3 and not api.accepted()
    assert gave_up == pytest.approx(20.2, abs=1e-6), "gave up as soon as it knew"
    assert "deadline" in caplog.text


def test_a_wait_past_the_deadline_is_not_started() -> None:
    async def main() -> tuple[FakeApi, float]:
        control, api = FloodControl(), FakeApi()
        api.refuse(ALICE, retry_after=3600)
        first = asyncio.create_task(request(control, api, "sendMessage", ALICE, 1))
        second = asyncio.create_task(request(control, api, "sendMessage", ALICE, 2))
        for task in (first, second):
            with pytest.raises(RetryAfter):
                await task
        return api, now()

    api, gave_up = simulate(main())
    assert gave_up == 0.0
    assert [c.tag for c in api.calls] == [1], "the held one did not even try"


def test_other_calls_wait_out_their_own_429() -> None:
    async def main() -> tuple[FakeApi, float]:
        control, api = FloodControl(), FakeApi()
        api.refuse(None, retry_after=4, count=2)
        await request(control, api, "getFile", None, file_id="f")
        return api, now()

    api, finished = simulate(main())
    assert len(api.refusals()) == 2 and finished == pytest.approx(8.2, abs=1e-6)


def test_a_cancelled_send_does_not_block_its_chat() -> None:
    async def main() -> FakeApi:
        control, api = FloodControl(), FakeApi()
        sends = [asyncio.create_task(request(control, api, "sendMessage", ALICE, i))
                 for i in range(6)]
        await api_called(api, lambda c: c.tag == 2)
        sends[3].cancel()
        sends[4].cancel()
        await asyncio.gather(*sends, return_exceptions=True)
        return api

    api = simulate(main())
    assert [c.tag for c in api.accepted()] == [0, 1, 2, 5]


def test_idle_chats_are_forgotten() -> None:
    async def main() -> FloodControl:
        control, api = FloodControl(overall_rate=0), FakeApi()
        await asyncio.gather(*(request(control, api, "sendMessage", n) for n in range(1500)))
        await asyncio.sleep(5)
        await asyncio.gather(*(request(control, api, "sendMessage", -n) for n in range(600)))
        return control

    control = simulate(main())
    assert len(control._lanes) < 1024


# ------------------------------------------------------------------ network blips


def test_network_blips_are_retried_when_safe() -> None:
    async def main() -> tuple[list[str], list[str]]:
        control = FloodControl(backoff=0.01)
        tries: list[str] = []

        async def flaky(endpoint: str, cause: Exception) -> bool:
            tries.append(endpoint)
            if tries.count(endpoint) == 1:
                error = TimedOut() if isinstance(cause, httpx.ReadTimeout) else NetworkError(
                    str(cause))
                raise error from cause
            return True

        async def call(endpoint: str, cause: Exception) -> str:
            data = {"chat_id": ALICE}
            try:
                await control.process_request(flaky, (endpoint, cause), {}, endpoint, data,
                                              None)
            except NetworkError:
                return "raised"
            return "delivered"

        outcomes = [await call("sendVideo", httpx.ConnectError("refused")),
                    await call("sendMessage", httpx.ReadTimeout("slow")),
                    await call("editMessageText", httpx.ReadTimeout("slow"))]
        return outcomes, tries

    outcomes, tries = simulate(main())
    assert outcomes == ["delivered", "raised", "delivered"]
    assert tries == ["sendVideo", "sendVideo", "sendMessage", "editMessageText",
                     "editMessageText"], "a send that may have arrived is not repeated"


async def api_called(api: FakeApi, matches: Any) -> None:
    """Wait (simulated time) until the fake API got a call that `matches`."""
    for _ in range(10_000):
        if any(matches(c) for c in api.calls):
            return
        await asyncio.sleep(0.001)
    raise AssertionError("the call never came")


# ------------------------------------------------------------------ through PTB's Bot


async def until(condition: Callable[[], bool], limit: float = 10.0) -> None:
    """Wait (`limit` seconds at most) until `condition` holds."""
    deadline = time.monotonic() + limit
    for _ in itertools.count():
        if condition():
            return
        assert time.monotonic() < deadline, "the condition never held"
        await asyncio.sleep(0.01)


@dataclass
class StubBotApi:
    """A tiny Bot API server: getMe, and sendMessage that answers 429 `floods` times."""

    floods: int
    sends: list[tuple[float, int]] = field(default_factory=list)
    actions: int = 0

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if method == "getMe":
            return web.json_response({"ok": True, "result": {
                "id": 7000000001, "is_bot": True, "first_name": "Nemo",
                "username": "nemo_test_bot"}})
        form = dict(await request.post())
        chat = int(str(form["chat_id"]))
        if method != "sendMessage":
            self.actions += 1
            return web.json_response({"ok": True, "result": True})
        if len(self.sends) < self.floods:
            self.sends.append((time.monotonic(), 429))
            return web.json_response(
                {"ok": False, "error_code": 429,
                 "description": "Too Many Requests: retry after 1",
                 "parameters": {"retry_after": 1}}, status=429)
        self.sends.append((time.monotonic(), 200))
        return web.json_response({"ok": True, "result": {
            "message_id": len(self.sends), "date": int(time.time()),
            "chat": {"id": chat, "type": "private", "first_name": "Alice"},
            "text": form.get("text", "")}})


async def test_a_flooded_message_is_delivered_through_the_bot() -> None:
    stub = StubBotApi(floods=3)
    app = web.Application()
    app.router.add_post("/bot{token}/{method}", stub.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        control = FloodControl()
        bot = ExtBot("123:stub", base_url=f"http://127.0.0.1:{port}/bot", rate_limiter=control)
        async with bot:
            answer = asyncio.create_task(bot.send_message(ALICE, "your video is ready"))
            await until(lambda: control.flood_wait(ALICE) > 0.5)
            with pytest.raises(RetryAfter):  # dropped during the flood wait
                await bot.send_chat_action(ALICE, "typing")
            message = await answer
            assert await bot.send_chat_action(ALICE, "typing") is True
    finally:
        await runner.cleanup()
    assert message.text == "your video is ready"
    codes = [code for _, code in stub.sends]
    assert codes == [429, 429, 429, 200]
    assert stub.actions == 1, "the dropped action never reached the server"
    times = [t for t, _ in stub.sends]
    assert all(b - a >= 1.0 for a, b in itertools.pairwise(times)), "waits honoured"
