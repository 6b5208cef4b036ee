"""What the adapters share: background tasks, the serve loop, the bounded memory."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import AsyncIterator

import pytest

from bots.common.lifecycle import serve
from bots.common.lru import LRU
from bots.common.tasks import BackgroundTasks


class Refused(Exception):
    """A platform refusing the bot's token at start-up."""


async def test_a_failed_task_is_logged_with_its_cause(caplog: pytest.LogCaptureFixture) -> None:
    tasks = BackgroundTasks("testplatform", error_text=lambda exc: f"described {exc}")

    async def fail() -> None:
        raise RuntimeError("the chat is gone")

    task = tasks.start(fail(), "reply in chat 5")
    await tasks.idle()
    assert task.done() and len(tasks) == 0
    [record] = [r for r in caplog.records if r.name == "bots.common.tasks"]
    assert record.levelno == logging.ERROR
    assert record.getMessage() == ("testplatform: testplatform reply in chat 5 failed: "
                                   "described the chat is gone")
    assert record.exc_info is not None and record.exc_info[1] is task.exception()


async def test_drain_gives_grace_then_cancels() -> None:
    tasks = BackgroundTasks("testplatform")
    release = asyncio.Event()
    finished: list[str] = []
    quick_started = asyncio.Event()

    async def quick() -> None:
        quick_started.set()
        await release.wait()
        finished.append("quick")
        tasks.start(follow_up(), "follow-up")  # work started during the drain is waited for

    async def follow_up() -> None:
        finished.append("follow-up")

    async def stuck() -> None:
        await asyncio.Event().wait()

    tasks.start(quick(), "quick")
    slow = tasks.start(stuck(), "stuck")
    await quick_started.wait()
    loop = asyncio.get_running_loop()
    loop.call_soon(release.set)
    began = loop.time()
    await tasks.drain(0.3)
    assert tasks.closing
    assert finished == ["quick", "follow-up"]
    assert slow.cancelled() and len(tasks) == 0
    assert loop.time() - began >= 0.3, "the stuck task had its grace"


async def test_serve_stops_on_sigterm() -> None:
    events: list[str] = []

    @contextlib.asynccontextmanager
    async def bot() -> AsyncIterator[str]:
        events.append("open")
        asyncio.get_running_loop().call_soon(os.kill, os.getpid(), signal.SIGTERM)
        try:
            yield "bot"
        finally:
            events.append("closed")

    assert await serve(bot(), "testplatform", refusals={}) == 0
    assert events == ["open", "closed"]


async def test_serve_reports_a_refusal_in_one_line(caplog: pytest.LogCaptureFixture) -> None:
    @contextlib.asynccontextmanager
    async def bot() -> AsyncIterator[str]:
        raise Refused("401 Unauthorized")
        yield "never"

    status = await serve(bot(), "testplatform",
                         refusals={Refused: "the token was refused ({error})"})
    assert status == 2
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == [
        "testplatform: the token was refused (401 Unauthorized)"]


async def test_serve_ends_with_the_connection(caplog: pytest.LogCaptureFixture) -> None:
    async def connection() -> None:
        raise ConnectionResetError("the gateway closed")

    @contextlib.asynccontextmanager
    async def bot() -> AsyncIterator[asyncio.Task[None]]:
        yield asyncio.create_task(connection())

    assert await serve(bot(), "testplatform", refusals={}, ended=lambda task: task) == 1
    assert "testplatform: the connection ended: ConnectionResetError" in caplog.text


async def test_a_connection_refused_while_running_is_told_as_at_the_start(
        caplog: pytest.LogCaptureFixture) -> None:
    """The token is revoked while the bot runs (Discord's close code 4004): the same line
    and status as a token refused at the start, not "the connection ended"."""
    async def connection() -> None:
        raise Refused("the gateway refused the token (close code 4004)")

    @contextlib.asynccontextmanager
    async def bot() -> AsyncIterator[asyncio.Task[None]]:
        yield asyncio.create_task(connection())

    status = await serve(bot(), "testplatform", ended=lambda task: task,
                         refusals={Refused: "the token was refused: check THE_TOKEN"})
    assert status == 2
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == [
        "testplatform: the token was refused: check THE_TOKEN"]


def test_lru_forgets_the_least_recently_used() -> None:
    memory: LRU[str, int] = LRU(2)
    memory.put("a", 1)
    memory.put("b", 2)
    assert memory.get("a") == 1  # "b" is now the oldest
    memory.put("c", 3)
    assert "b" not in memory and memory.get("a") == 1 and memory.get("c") == 3
    assert memory.forget_oldest(lambda value: value < 2) == 1
    assert list(memory.values()) == [3]
    assert memory.pop("c") == 3 and memory.pop("c") is None and len(memory) == 0
