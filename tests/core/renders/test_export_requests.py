"""An export request (the message asking for it) makes one render, however often it is
run: again after a restart, by the chat's next holder, or twice at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from core.i18n import t
from core.messages import ChatKey
from core.renders import JobState, Submitted
from core.simulator import Fault, Simulator
from tests.kits.renders import USER, Kit, finished, make_kit, running, wait_for


@pytest.fixture
async def kit(simulator: Simulator, redis_client: aioredis.Redis) -> AsyncIterator[Kit]:
    made = await make_kit(simulator, redis_client)
    try:
        yield made
    finally:
        await made.nemo.aclose()


async def test_an_export_run_again_for_its_request_finds_its_render(kit: Kit) -> None:
    chat = ChatKey("test", "300")
    session = await kit.project()
    first = await kit.renders.export(chat, USER, session, "en", request="m7")
    assert first.started and first.job_id
    again = await kit.renders.export(chat, USER, session, "en", request="m7")
    assert again.outcome is Submitted.ALREADY and not again.started
    assert again.job_id == first.job_id
    async with running(kit.worker()):
        await finished(kit, first.job_id)
    done = await kit.renders.export(chat, USER, session, "en", request="m7")
    assert done.outcome is Submitted.ALREADY and done.job_id == first.job_id
    assert len(kit.requests("render_submit")) == 1
    assert len(kit.out.of_kind("file", chat)) == 1, "the video was sent once"
    assert len(kit.out.of_kind("text", chat)) == 1, "one progress message..."
    assert first.message is not None
    assert kit.out.messages[first.message.message_id] == t("en", "render.done"), \
        "...showing the outcome"


async def test_another_request_of_the_same_draft_is_served_once_too(kit: Kit) -> None:
    """An export of an unchanged draft gets the last video again, once per request."""
    chat = ChatKey("test", "303")
    session = await kit.project()
    first = await kit.renders.export(chat, USER, session, "en", request="m1")
    async with running(kit.worker()):
        await finished(kit, first.job_id or "")
    other = await kit.renders.export(chat, USER, session, "en", request="m2")
    assert other.outcome is Submitted.REUSED and other.job_id == first.job_id
    again = await kit.renders.export(chat, USER, session, "en", request="m2")
    assert again.outcome is Submitted.ALREADY
    assert len(kit.requests("render_submit")) == 1
    assert len(kit.out.of_kind("file", chat)) == 1, "the render's video..."
    assert len(kit.out.of_kind("resend", chat)) == 1, "...sent again once, for the second"


async def test_two_runs_of_one_request_at_once_make_one_render(kit: Kit) -> None:
    chat = ChatKey("test", "301")
    session = await kit.project()
    results = await asyncio.gather(
        *(kit.renders.export(chat, USER, session, "en", request="m1") for _ in range(2)))
    assert sorted(r.outcome for r in results) == [Submitted.ALREADY, Submitted.STARTED]
    assert len({r.job_id for r in results}) == 1
    async with running(kit.worker()):
        job = await finished(kit, results[0].job_id or "")
    assert job.state is JobState.DELIVERED
    assert len(kit.requests("render_submit")) == 1
    assert len(kit.out.of_kind("file", chat)) == 1
    assert kit.out.messages[job.message_id] == t("en", "render.done")
    others = {r.message_id for r in kit.out.of_kind("text", chat)} - {job.message_id}
    assert all(kit.out.messages[m] == t("en", "render.reused_running") for m in others), \
        "the progress message of the run that lost points to the render that goes on"


async def test_an_export_stopped_before_its_render_goes_on_in_the_same_message(
        kit: Kit) -> None:
    chat = ChatKey("test", "302")
    session = await kit.project()
    kit.sim.inject(Fault("rate_limit", retry_after=30))  # the draft is read slowly
    stopped = asyncio.create_task(kit.renders.export(chat, USER, session, "en", request="m3"))
    await wait_for(lambda: any(r.get("fault") for r in kit.sim.requests), 10,
                   "the draft read to be rate limited")
    stopped.cancel()  # as when the holder of the chat stops
    with pytest.raises(asyncio.CancelledError):
        await stopped
    (progress,) = kit.out.of_kind("text", chat)
    result = await kit.renders.export(chat, USER, session, "en", request="m3")
    assert result.started and result.message is not None
    assert result.message.message_id == progress.message_id
    assert len(kit.out.of_kind("text", chat)) == 1, "no second progress message"
    async with running(kit.worker()):
        await finished(kit, result.job_id or "")
    assert kit.out.messages[progress.message_id] == t("en", "render.done")
