"""An export request (the message asking for it) makes one render, however often it is
run: again after a restart, by the chat's next holder, or twice at once."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError

from core.embedded_redis import EmbeddedRedis
from core.i18n import t
from core.messages import ChatKey
from core.outgoing import Button, Sent
from core.renders import JobState, Renders, Submitted
from core.simulator import Fault, Simulator
from tests.kits.renders import USER, KeepingOutput, Kit, finished, make_kit, running, wait_for


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


class StopsRedis(KeepingOutput):
    """Stops the real Redis server right after a video is sent again, once armed (as
    when Redis goes away at that moment)."""

    def __init__(self, server: EmbeddedRedis) -> None:
        super().__init__()
        self.server = server
        self.armed = False

    async def resend_file(self, chat: ChatKey, file_ref: str, caption: str = "",
                          buttons: tuple[Button, ...] = (), *,
                          reply_to: str | None = None) -> Sent:
        """Record the video, then stop Redis."""
        sent = await super().resend_file(chat, file_ref, caption, buttons, reply_to=reply_to)
        await self._stop()
        return sent

    async def send_link(self, chat: ChatKey, text: str, url: str, label: str,
                        buttons: tuple[Button, ...] = (), *,
                        reply_to: str | None = None) -> Sent:
        """Record the link, then stop Redis."""
        sent = await super().send_link(chat, text, url, label, buttons, reply_to=reply_to)
        await self._stop()
        return sent

    async def _stop(self) -> None:
        if self.armed:
            self.armed = False
            await asyncio.to_thread(self.server.stop)


async def test_a_video_sent_again_as_redis_went_away_is_not_sent_again_on_resume(
        simulator: Simulator, redis_client: aioredis.Redis,
        redis_server: EmbeddedRedis) -> None:
    out = StopsRedis(redis_server)
    kit = await make_kit(simulator, redis_client, out)
    try:
        chat = ChatKey("test", "304")
        session = await kit.project()
        first = await kit.renders.export(chat, USER, session, "en", request="m1")
        async with running(kit.worker()):
            await finished(kit, first.job_id or "")
        out.armed = True
        # before the fix, the export failed here; its event stays current, and is run
        # again once Redis is back
        with contextlib.suppress(RedisConnectionError):
            await kit.renders.export(chat, USER, session, "en", request="m2")
        await asyncio.to_thread(redis_server.start)

        async def back() -> bool:
            try:
                return bool(await redis_client.ping())
            except RedisConnectionError:
                return False

        await wait_for(back, 10, "Redis to answer again")
        await kit.renders.export(chat, USER, session, "en", request="m2")
        videos = out.of_kind("resend", chat) + out.of_kind("link", chat)
        assert len(videos) == 1, "the video went once for the second request"
        assert len(kit.requests("render_submit")) == 1
    finally:
        await kit.nemo.aclose()


class ForgetsFiles(KeepingOutput):
    """A platform that no longer knows the files it was sent."""

    async def resend_file(self, chat: ChatKey, file_ref: str, caption: str = "",
                          buttons: tuple[Button, ...] = (), *,
                          reply_to: str | None = None) -> Sent:
        """Refuse, as for a file the platform dropped."""
        raise RuntimeError("wrong file identifier")


async def test_a_request_whose_last_video_is_gone_is_rendered(
        simulator: Simulator, redis_client: aioredis.Redis) -> None:
    out = ForgetsFiles()
    kit = await make_kit(simulator, redis_client, out)
    try:
        chat = ChatKey("test", "305")
        session = await kit.project()
        first = await kit.renders.export(chat, USER, session, "en", request="m1")
        async with running(kit.worker()):
            await finished(kit, first.job_id or "")
            assert session.session_id
            video = await kit.renders.catalog.video(chat, session.session_id)
            assert video is not None and video.file_ref
            # a video known by the platform's reference only (no download link)
            await kit.renders.catalog.record_video(chat, dataclasses.replace(video, url=""))
            second = await kit.renders.export(chat, USER, session, "en", request="m2")
            assert second.started, "rendered again, as the file cannot be sent again"
            await finished(kit, second.job_id or "")
        assert len(kit.requests("render_submit")) == 2
        assert len(out.of_kind("file", chat)) == 2
    finally:
        await kit.nemo.aclose()


class Held(KeepingOutput):
    """A platform whose next call of one kind (and text, for texts) hangs until let go,
    as a slow or stalled holder's call does."""

    def __init__(self) -> None:
        super().__init__()
        self.kind, self.text = "", ""
        self.entered, self.go = asyncio.Event(), asyncio.Event()

    def hold(self, kind: str, text: str = "") -> None:
        self.kind, self.text = kind, text
        self.entered.clear()
        self.go.clear()

    async def _held(self, kind: str, text: str) -> None:
        if kind == self.kind and (not self.text or text == self.text):
            self.kind = ""
            self.entered.set()
            await self.go.wait()

    async def send_text(self, chat: ChatKey, text: str, buttons: tuple[Button, ...] = (),
                        *, reply_to: str | None = None) -> Sent:
        """Send, once let go."""
        await self._held("text", text)
        return await super().send_text(chat, text, buttons, reply_to=reply_to)

    async def edit_text(self, chat: ChatKey, sent: Sent, text: str,
                        buttons: tuple[Button, ...] = ()) -> Sent:
        """Edit, once let go."""
        await self._held("edit", text)
        return await super().edit_text(chat, sent, text, buttons)

    async def resend_file(self, chat: ChatKey, file_ref: str, caption: str = "",
                          buttons: tuple[Button, ...] = (), *,
                          reply_to: str | None = None) -> Sent:
        """Send again, once let go."""
        await self._held("resend", caption)
        return await super().resend_file(chat, file_ref, caption, buttons, reply_to=reply_to)


async def test_a_stalled_run_of_a_request_another_run_served_sends_nothing_again(
        simulator: Simulator, redis_client: aioredis.Redis) -> None:
    """A holder stalled in its export (it lost the chat without noticing yet) while the
    next holder ran the same request to the end: the stalled one finds the request served
    and does not send the video again."""
    out = Held()
    kit = await make_kit(simulator, redis_client, out)
    try:
        chat = ChatKey("test", "306")
        session = await kit.project()
        out.hold("text", t("en", "render.started"))
        stalled = asyncio.create_task(
            kit.renders.export(chat, USER, session, "en", request="m1"))
        await asyncio.wait_for(out.entered.wait(), 10)
        done = await kit.renders.export(chat, USER, session, "en", request="m1")
        async with running(kit.worker()):
            await finished(kit, done.job_id or "")
        out.go.set()
        late = await stalled
        assert late.outcome is Submitted.ALREADY and late.job_id == done.job_id
        assert len(out.of_kind("file", chat)) == 1
        assert not out.of_kind("resend", chat) and not out.of_kind("link", chat), \
            "the video was not sent again"
    finally:
        await kit.nemo.aclose()


async def test_an_export_stopped_while_it_sends_the_video_again_still_sends_it_once(
        simulator: Simulator, redis_client: aioredis.Redis) -> None:
    """Stopped (its holder lost the chat) while the last video goes again: the video still
    goes, and the export run again finds the request served."""
    out = Held()
    kit = await make_kit(simulator, redis_client, out)
    try:
        chat = ChatKey("test", "307")
        session = await kit.project()
        first = await kit.renders.export(chat, USER, session, "en", request="m1")
        async with running(kit.worker()):
            await finished(kit, first.job_id or "")
        out.hold("resend")
        stopped = asyncio.create_task(
            kit.renders.export(chat, USER, session, "en", request="m2"))
        await asyncio.wait_for(out.entered.wait(), 10)
        stopped.cancel()
        with pytest.raises(asyncio.CancelledError):
            await stopped
        out.go.set()
        again = await kit.renders.export(chat, USER, session, "en", request="m2")
        assert again.outcome is Submitted.ALREADY
        await wait_for(lambda: out.of_kind("resend", chat), 10, "the video sent again")
        assert len(out.of_kind("resend", chat)) == 1
        assert len(kit.requests("render_submit")) == 1
    finally:
        await kit.nemo.aclose()


class SlowClaims(aioredis.Redis):
    """A real client: once armed, its next script call on an export request (a request
    claiming a job) is done by Redis, but its answer waits for `go` (a slow reply)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.armed = False
        self.entered, self.go = asyncio.Event(), asyncio.Event()

    async def evalsha(self, sha: str, numkeys: int, *keys_and_args: Any) -> Any:  # type: ignore[override]
        """The call, its answer held once armed."""
        claims = any(":export:" in str(k) for k in keys_and_args[:numkeys])
        result = await super().evalsha(sha, numkeys, *keys_and_args)
        if claims and self.armed:
            self.armed = False
            self.entered.set()
            await self.go.wait()
        return result


async def test_an_export_stopped_while_it_claims_an_earlier_video_still_sends_it(
        simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    """Stopped (its holder lost the chat) while its claim of the last video was on its
    way: the claim is made, so the video must still go (a run again finds it claimed)."""
    client = SlowClaims.from_url(redis_server.url)
    kit = await make_kit(simulator, client)
    try:
        chat = ChatKey("test", "308")
        session = await kit.project()
        first = await kit.renders.export(chat, USER, session, "en", request="m1")
        async with running(kit.worker()):
            await finished(kit, first.job_id or "")
        client.armed = True
        stopped = asyncio.create_task(
            kit.renders.export(chat, USER, session, "en", request="m2"))
        await asyncio.wait_for(client.entered.wait(), 10)
        stopped.cancel()
        with pytest.raises(asyncio.CancelledError):
            await stopped
        client.go.set()
        again = await kit.renders.export(chat, USER, session, "en", request="m2")
        assert again.outcome is Submitted.ALREADY
        await wait_for(lambda: kit.out.of_kind("resend", chat), 10, "the video sent again")
        assert len(kit.out.of_kind("resend", chat)) == 1
    finally:
        await kit.nemo.aclose()
        await client.aclose()


async def test_a_request_whose_process_died_after_claiming_an_earlier_video_ends_with_its_link(
        simulator: Simulator, redis_client: aioredis.Redis) -> None:
    """The process serving an export from the last video died between its claim and the
    video: the next run cannot know whether it went, so it does not send it again but
    ends the progress message with the link."""
    kit = await make_kit(simulator, redis_client)
    dying_out = Held()
    dying = Renders(redis_client, kit.nemo, kit.identities, dying_out)
    try:
        chat = ChatKey("test", "309")
        session = await kit.project()
        first = await kit.renders.export(chat, USER, session, "en", request="m1")
        async with running(kit.worker()):
            await finished(kit, first.job_id or "")
        dying_out.hold("edit", t("en", "render.reused_done"))  # it never gets past this
        stalled = asyncio.create_task(dying.export(chat, USER, session, "en", request="m2"))
        await asyncio.wait_for(dying_out.entered.wait(), 10)
        (progress,) = dying_out.of_kind("text", chat)
        again = await kit.renders.export(chat, USER, session, "en", request="m2")
        assert again.outcome is Submitted.ALREADY
        assert kit.out.messages[progress.message_id] == t("en", "render.done_recovered")
        edit = [r for r in kit.out.records if r.message_id == progress.message_id][-1]
        assert edit.buttons and edit.buttons[0].url, "the message ends with the video's link"
        assert not kit.out.of_kind("resend", chat) and not kit.out.of_kind("link", chat)
        assert len(kit.requests("render_submit")) == 1
        stalled.cancel()
    finally:
        dying_out.go.set()
        await kit.nemo.aclose()
