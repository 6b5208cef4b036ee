"""Export, progress, delivery, retries and cancel, against real Redis and the simulator."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from core.i18n import t
from core.messages import ChatKey
from core.outgoing import Action, Busy, Button, Sent
from core.renders import JobState, Submitted, delivery
from core.renders.job_record import RenderJob, new_render_id
from core.renders.texts import timed_out_text
from core.simulator import Fault, Simulator
from core.store import ChatSession
from tests.kits.renders import (
    USER,
    KeepingOutput,
    Kit,
    assert_queue_empty,
    exported,
    finished,
    is_mp4,
    make_kit,
    running,
    wait_for,
)


@pytest.fixture
async def kit(simulator: Simulator, redis_client: aioredis.Redis) -> AsyncIterator[Kit]:
    made = await make_kit(simulator, redis_client)
    try:
        yield made
    finally:
        await made.nemo.aclose()


@pytest.mark.parametrize("shape", ["top", "wrapped", "bare"])
async def test_video_is_delivered_once_as_a_file(kit: Kit, shape: str, tmp_path: Path) -> None:
    kit.sim.config.poll_shape = shape
    chat = ChatKey("test", "100")
    session = await kit.project()
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    async with running(kit.worker(tmp_dir=downloads)) as worker:
        result = await kit.renders.export(chat, USER, session, "en")
        assert result.started and result.message is not None
        assert kit.out.records[0].kind == "text"
        assert kit.out.records[0].text == t("en", "render.started")
        job = await finished(kit, result.job_id or "")
        await wait_for(lambda: worker.in_flight == 0, 5, "the worker to let go")

    assert job.state is JobState.DELIVERED
    files = kit.out.of_kind("file", chat)
    assert len(files) == 1 and not kit.out.of_kind("link")
    assert is_mp4(kit.out.files[files[0].message_id])
    assert files[0].text == "Video ready: Red\nTimeline (1 track): 1. Video: red (0-0.5s)"
    (project,) = files[0].buttons
    assert project.url is not None and "/workspace/claim?ct=clm_" in project.url
    assert session.claim_token and session.claim_token in project.url
    assert kit.out.messages[result.message.message_id] == t("en", "render.done")
    assert job.delivered_message == files[0].message_id
    assert job.attempts == 1 and job.user_id == "u1" and job.user_name == "Ann"
    assert job.session_id == session.session_id and job.task_id == session.task_id
    await assert_queue_empty(kit, chat)
    assert kit.requests("output"), "the file was downloaded"
    assert not list(downloads.iterdir()), "and the temporary file removed"


async def test_a_slow_download_tells_the_render_is_done_and_the_video_coming(
        kit: Kit, monkeypatch: pytest.MonkeyPatch) -> None:
    """A download that takes a while (here: any) turns "Rendering… 82%" and its Cancel
    button into "Rendered. Fetching the video…" until the video is sent."""
    monkeypatch.setattr(delivery, "FETCHING_AFTER", 0.0)
    chat = ChatKey("test", "105")
    async with running(kit.worker()):
        result = await kit.renders.export(chat, USER, await kit.project(), "en")
        assert result.message is not None
        await finished(kit, result.job_id or "")
    shown = [(r.text, r.buttons) for r in kit.out.records
             if r.message_id == result.message.message_id]
    fetching = shown.index((t("en", "render.fetching"), ()))
    assert shown[-1][0] == t("en", "render.done") and fetching < len(shown) - 1, shown
    assert len(kit.out.of_kind("file", chat)) == 1


async def test_too_large_for_the_platform_goes_as_a_link(simulator: Simulator,
                                                         redis_client: aioredis.Redis) -> None:
    kit = await make_kit(simulator, redis_client, KeepingOutput(file_limit=1000))
    chat = ChatKey("test", "101")
    async with running(kit.worker()):
        result = await kit.renders.export(chat, USER, await kit.project())
        await finished(kit, result.job_id or "")
    await kit.nemo.aclose()
    assert not kit.out.of_kind("file")
    (link,) = kit.out.of_kind("link")
    assert link.url is not None and "/outputs/" in link.url
    assert link.text.startswith(t("en", "render.ready_link", limit="1000 bytes"))
    assert link.text.startswith("Video ready. It is over 1000 bytes, the largest file I can")
    assert "Timeline (1 track)" in link.text, "the caption says what it is"
    assert [b.label for b in link.buttons] == [t("en", "render.open_project")]


async def test_platform_without_files_gets_a_link(simulator: Simulator,
                                                  redis_client: aioredis.Redis) -> None:
    kit = await make_kit(simulator, redis_client, KeepingOutput(file_limit=None))
    chat = ChatKey("test", "102")
    async with running(kit.worker()):
        result = await kit.renders.export(chat, USER, await kit.project())
        await finished(kit, result.job_id or "")
    await kit.nemo.aclose()
    assert len(kit.out.of_kind("link")) == 1 and not kit.out.of_kind("file")
    assert not kit.requests("output"), "nothing is downloaded when no file can be sent"
    text = kit.out.of_kind("link")[0].text
    assert text.startswith("Video ready: here is the download link.\nTimeline (1 track)")


async def test_output_url_failing_falls_back_to_the_download_endpoint(kit: Kit) -> None:
    kit.sim.inject(Fault("server_error", count=1, path="/outputs/"))
    chat = ChatKey("test", "103")
    async with running(kit.worker()):
        result = await kit.renders.export(chat, USER, await kit.project())
        await finished(kit, result.job_id or "")
    (record,) = kit.out.of_kind("file")
    assert is_mp4(kit.out.files[record.message_id])
    assert len(kit.requests("render_download")) == 1


async def test_failed_download_falls_back_to_the_link(kit: Kit) -> None:
    kit.sim.inject(Fault("server_error", count=1, path="/outputs/"))
    kit.sim.inject(Fault("server_error", count=10, path="/api/render/proxy/render_"))
    _, job = await exported(kit, ChatKey("test", "104"))
    assert job.state is JobState.DELIVERED
    assert not kit.out.of_kind("file")
    (link,) = kit.out.of_kind("link")
    assert link.text.startswith(t("en", "render.ready_fetch_failed"))
    assert link.url is not None and "/outputs/" in link.url


async def test_chinese_texts(kit: Kit) -> None:
    chat = ChatKey("test", "105")
    async with running(kit.worker()):
        result = await kit.renders.export(chat, USER, await kit.project(), "zh-CN")
        await finished(kit, result.job_id or "")
    assert kit.out.records[0].text == "正在渲染…"
    (record,) = kit.out.of_kind("file")
    assert record.text.startswith("视频已完成：Red\n")


# ------------------------------------------------------------------------- refusals


async def test_nothing_to_export_says_what_to_do_first(kit: Kit) -> None:
    chat = ChatKey("test", "110")
    empty = await kit.project({"d": 0, "m": {}, "t": []})
    result = await kit.renders.export(chat, USER, empty)
    assert result.outcome is Submitted.NO_DRAFT and result.job_id is None
    assert result.message is not None
    assert kit.out.messages[result.message.message_id] == t("en", "render.no_draft")
    assert not kit.requests("render_submit")
    no_project = await kit.renders.export(chat, USER, ChatSession())
    assert no_project.outcome is Submitted.NO_DRAFT


async def test_export_blocked_by_the_plan(kit: Kit) -> None:
    kit.sim.inject(Fault("export_blocked"))
    chat = ChatKey("test", "111")
    result = await kit.renders.export(chat, USER, await kit.project())
    assert result.outcome is Submitted.BLOCKED
    assert result.message is not None
    # the kit renders with the operator's NEMO_TOKEN: no account of the users' to upgrade
    assert kit.out.messages[result.message.message_id] == t("en", "render.blocked_operator")
    assert len(kit.requests("render_submit")) == 1, "a 402 is not retried"
    job = await kit.job(result.job_id or "")
    assert job.state is JobState.FAILED
    await assert_queue_empty(kit, chat)


async def test_export_out_of_credits_says_how_to_get_more(kit: Kit) -> None:
    kit.sim.inject(Fault("no_credits", path="/api/render/proxy/lambda"))
    chat = ChatKey("test", "113")
    result = await kit.renders.export(chat, USER, await kit.project())
    assert result.outcome is Submitted.NO_CREDITS
    assert result.message is not None
    said = kit.out.messages[result.message.message_id]
    # the kit renders with the operator's NEMO_TOKEN: an account the users cannot top up
    assert said == t("en", "err_no_credits_operator")
    assert len(kit.requests("render_submit")) == 1, "out of credits is not retried"


async def test_a_server_error_on_the_submit_is_told_without_internal_names(kit: Kit) -> None:
    kit.sim.inject(Fault("server_error", path="/api/render/proxy/lambda", status=500, count=2))
    chat = ChatKey("test", "114")
    result = await kit.renders.export(chat, USER, await kit.project())
    assert result.outcome is Submitted.FAILED and result.message is not None
    said = kit.out.messages[result.message.message_id]
    assert "NemoVideo had a server error (HTTP 500)" in said and "render_submit" not in said


async def test_duplicate_id_is_retried_with_a_new_id(kit: Kit) -> None:
    kit.sim.inject(Fault("duplicate_id"))
    chat = ChatKey("test", "112")
    async with running(kit.worker()):
        result = await kit.renders.export(chat, USER, await kit.project())
        job = await finished(kit, result.job_id or "")
    assert job.state is JobState.DELIVERED
    assert len(job.render_ids) == 2 and len(set(job.render_ids)) == 2
    assert all(r.startswith("render_") and len(r) == 39 for r in job.render_ids)
    assert job.render_id == job.render_ids[1]
    assert len(kit.out.of_kind("file")) == 1


async def test_submit_failing_twice_is_reported(kit: Kit) -> None:
    kit.sim.inject(Fault("server_error", count=2, path="/api/render/proxy/lambda"))
    chat = ChatKey("test", "113")
    result = await kit.renders.export(chat, USER, await kit.project())
    assert result.outcome is Submitted.FAILED
    assert len(kit.requests("render_submit")) == 2
    assert result.message is not None
    text = kit.out.messages[result.message.message_id]
    assert text.startswith("I could not start the render")
    assert kit.out.records[-1].buttons == (Button("Export", action=Action.EXPORT),)
    await assert_queue_empty(kit, chat)


async def test_progress_message_given_by_the_caller_is_reused(kit: Kit) -> None:
    chat = ChatKey("test", "114")
    first = await kit.out.send_text(chat, "Working…")
    async with running(kit.worker()):
        result = await kit.renders.export(chat, USER, await kit.project(),
                                          progress_message=first)
        await finished(kit, result.job_id or "")
    assert result.message == first
    assert [r.kind for r in kit.out.records if r.kind == "text"] == ["text"]
    assert kit.out.messages[first.message_id] == t("en", "render.done")


# ----------------------------------------------------------------------- while polling


async def test_slow_render_edits_its_progress(kit: Kit) -> None:
    kit.sim.inject(Fault("render_slow", seconds=2.0))
    chat = ChatKey("test", "120")
    async with running(kit.worker()):
        result = await kit.renders.export(chat, USER, await kit.project())
        await finished(kit, result.job_id or "")
    assert result.message is not None
    edits = [r.text for r in kit.out.records
             if r.kind == "edit" and r.message_id == result.message.message_id]
    shown = [int(found[1]) for e in edits if (found := re.search(r"… (\d+)%", e))]
    assert len(shown) >= 3, edits
    assert shown == sorted(shown) and len(set(shown)) == len(shown)
    assert len(shown) < len(kit.requests("render_poll")), "edits are throttled, polls are not"
    assert edits[-1] == t("en", "render.done")
    assert len(kit.out.of_kind("file")) == 1


async def test_failed_render_is_retried_once_with_a_new_id(kit: Kit) -> None:
    kit.sim.inject(Fault("render_fail", error="Encoder crashed"))
    chat = ChatKey("test", "121")
    async with running(kit.worker()):
        result = await kit.renders.export(chat, USER, await kit.project())
        job = await finished(kit, result.job_id or "")
    assert job.state is JobState.DELIVERED
    assert job.attempts == 2 and len(set(job.render_ids)) == 2
    submitted = [r["path"] for r in kit.requests("render_submit")]
    assert len(submitted) == 2
    assert t("en", "render.retrying") in [r.text for r in kit.out.of_kind("edit")]
    assert len(kit.out.of_kind("file")) == 1


async def test_render_failing_twice_tells_the_user_why(kit: Kit) -> None:
    kit.sim.inject(Fault("render_fail", count=2, error="Encoder crashed"))
    chat = ChatKey("test", "122")
    async with running(kit.worker()):
        result = await kit.renders.export(chat, USER, await kit.project())
        job = await finished(kit, result.job_id or "")
    assert job.state is JobState.FAILED and job.attempts == 2
    assert len(set(job.render_ids)) == 2
    assert result.message is not None
    text = kit.out.messages[result.message.message_id]
    assert "Encoder crashed" in text
    last = [r for r in kit.out.records if r.message_id == result.message.message_id][-1]
    assert Button("Export", action=Action.EXPORT) in last.buttons
    assert not kit.out.of_kind("file") and not kit.out.of_kind("link")
    await assert_queue_empty(kit, chat)


@pytest.mark.parametrize(("fault", "said"), [
    # 1002: not "offer an Export of a dead project" once the render timeout passed
    ("session_lost", "render.session_lost"),
    # 1001 (the operator's token revoked mid-render): not "the render is slow" once the
    # timeout passed, nor (anonymous tokens) a new token asked for at every poll
    ("token_expired", "err_auth"),
])
async def test_a_poll_refused_for_good_ends_the_render_at_once(kit: Kit, fault: str,
                                                                said: str) -> None:
    """Polls answer that the project is gone, or that the credentials are refused: the
    job ends at the first poll, saying why, instead of polling until the render timeout
    (20 minutes)."""
    kit.sim.inject(Fault(fault, count=50, path="/api/render/proxy/lambda/"))
    result, job = await exported(kit, ChatKey("test", "124"))
    assert job.state is JobState.FAILED
    assert len(kit.requests("render_poll")) == 1
    assert result.message is not None
    assert kit.out.messages[result.message.message_id] == t("en", said)


async def test_rate_limited_poll_backs_off(kit: Kit) -> None:
    # The first poll is refused twice: the client waits Retry-After and retries once,
    # then the worker waits Retry-After before that render's next poll.
    kit.sim.inject(Fault("rate_limit", count=2, path="/api/render/proxy/lambda/",
                         retry_after=1))
    chat = ChatKey("test", "123")
    async with running(kit.worker()):
        started = time.monotonic()
        result = await kit.renders.export(chat, USER, await kit.project())
        job = await finished(kit, result.job_id or "")
        elapsed = time.monotonic() - started
    assert job.state is JobState.DELIVERED
    assert elapsed >= 2.0
    assert len(kit.requests("render_poll")) == 3, "no poll while told to wait"


async def test_a_huge_retry_after_holds_back_neither_other_renders_nor_the_timeout(
        simulator: Simulator, redis_client: aioredis.Redis) -> None:
    # One render's polls are refused with a Retry-After of three years, forever.
    kit = await make_kit(simulator, redis_client, render_timeout=3.0,
                         render_retry_after_max=0.4)
    kit.sim.inject(Fault("render_slow", seconds=60))
    throttled_chat, other_chat = ChatKey("test", "128"), ChatKey("test", "129")
    async with running(kit.worker()):
        throttled = await kit.renders.export(throttled_chat, USER, await kit.project())
        render_id = (await kit.job(throttled.job_id or "")).render_id
        kit.sim.inject(Fault("rate_limit", count=10_000,
                             path=f"/api/render/proxy/lambda/{render_id}",
                             retry_after=99_999_999))
        other = await kit.renders.export(other_chat, USER, await kit.project())
        delivered = await finished(kit, other.job_id or "")
        assert delivered.state is JobState.DELIVERED, "the other render was not held back"
        timed_out = await finished(kit, throttled.job_id or "")
    await kit.nemo.aclose()
    assert timed_out.state is JobState.TIMED_OUT, "the render timeout still fired"
    polls = [r for r in kit.requests("render_poll") if r["path"].endswith(render_id)]
    assert 3 <= len(polls) <= 3.0 / 0.4 + 3, "retried after the capped wait, not hammered"
    assert throttled.message is not None
    assert kit.out.messages[throttled.message.message_id] == t(
        "en", "render.timed_out_seconds", seconds=3)
    await assert_queue_empty(kit, throttled_chat)


def test_the_timeout_is_told_in_seconds_under_two_minutes_and_in_minutes_after() -> None:
    assert timed_out_text("en", 30).startswith(
        "The render is still not finished after 30 s, so")
    assert "after 1 minutes" not in timed_out_text("en", 90)
    assert "after 2 minutes" in timed_out_text("en", 120)
    assert "after 20 minutes" in timed_out_text("en", 1200)


async def test_timed_out_render_is_reported_with_a_retry_button(
        simulator: Simulator, redis_client: aioredis.Redis) -> None:
    kit = await make_kit(simulator, redis_client, render_timeout=0.6)
    kit.sim.inject(Fault("render_slow", seconds=60))
    chat = ChatKey("test", "124")
    async with running(kit.worker()):
        result = await kit.renders.export(chat, USER, await kit.project())
        job = await finished(kit, result.job_id or "")
        await wait_for(lambda: kit.requests("render_cancel"), 5, "the render to be cancelled")
    await kit.nemo.aclose()
    assert job.state is JobState.TIMED_OUT
    assert result.message is not None
    last = [r for r in kit.out.records if r.message_id == result.message.message_id][-1]
    assert last.text == t("en", "render.timed_out_seconds", seconds=1)
    assert last.buttons == (Button("Export", action=Action.EXPORT),)
    assert not kit.out.of_kind("file")
    await assert_queue_empty(kit, chat)


async def test_cancel_stops_pending_renders(kit: Kit) -> None:
    kit.sim.inject(Fault("render_slow", count=2, seconds=60))
    chat = ChatKey("test", "125")
    async with running(kit.worker()) as worker:
        one = await kit.renders.export(chat, USER, await kit.project())
        two = await kit.renders.export(chat, USER, await kit.project())
        await wait_for(lambda: len(kit.requests("render_poll")) >= 2, 10,
                       "the renders to be polled")
        assert await kit.renders.cancel_chat(chat) == 2
        assert await kit.renders.cancel_chat(chat) == 0
        await wait_for(lambda: worker.in_flight == 0, 10, "the worker to drop them")
    for result in (one, two):
        job = await kit.job(result.job_id or "")
        assert job.state is JobState.CANCELLED
        assert result.message is not None
        assert kit.out.messages[result.message.message_id] == t("en", "render.cancelled")
    assert len(kit.requests("render_cancel")) == 2
    assert all(j.status == "cancelled" for j in kit.sim.store.renders.values())
    assert not kit.out.of_kind("file") and not kit.out.of_kind("link")
    await assert_queue_empty(kit, chat)


async def test_cancelled_job_is_never_delivered_even_if_the_render_finishes(kit: Kit) -> None:
    kit.sim.inject(Fault("render_slow", seconds=1.0))
    chat = ChatKey("test", "126")
    async with running(kit.worker()) as worker:
        result = await kit.renders.export(chat, USER, await kit.project())
        await wait_for(lambda: kit.requests("render_poll"), 10, "a first poll")
        render_id = (await kit.job(result.job_id or "")).render_id
        # NemoVideo refuses the cancel, so the render goes on and completes.
        kit.sim.inject(Fault("server_error", count=10,
                             path=f"/api/render/proxy/lambda/{render_id}/cancel"))
        assert await kit.renders.cancel_chat(chat) == 1
        render = kit.sim.store.renders[render_id]
        await wait_for(lambda: render.status == "completed", 10, "the render to complete")
        await wait_for(lambda: worker.in_flight == 0, 10, "the worker to drop the job")
    assert not kit.out.of_kind("file") and not kit.out.of_kind("link")
    assert (await kit.job(result.job_id or "")).state is JobState.CANCELLED
    await assert_queue_empty(kit, chat)


async def test_several_renders_in_one_chat_run_side_by_side(kit: Kit) -> None:
    kit.sim.config.render_concurrency = 2
    for seconds in (1.2, 0.4, 0.8):
        kit.sim.inject(Fault("render_slow", seconds=seconds))
    chat = ChatKey("test", "127")
    async with running(kit.worker()):
        results = [await kit.renders.export(chat, USER, await kit.project()) for _ in range(3)]
        assert len(await kit.renders.pending(chat)) == 3
        jobs = [await finished(kit, r.job_id or "") for r in results]
    assert all(j.state is JobState.DELIVERED for j in jobs)
    messages = {r.message.message_id for r in results if r.message}
    assert len(messages) == 3
    files = kit.out.of_kind("file", chat)
    assert len(files) == 3
    assert {j.delivered_message for j in jobs} == {f.message_id for f in files}
    # they rendered side by side: the shortest, submitted second, was done first
    done = [kit.sim.store.renders[j.render_id].completed_at or 0.0 for j in jobs]
    assert done[1] < done[0], done
    for message_id in messages:
        assert kit.out.messages[message_id] == t("en", "render.done")


# --------------------------------------------------------------------- adapter trouble


class BlockedChat(KeepingOutput):
    """An adapter whose sends to one chat fail, like a bot blocked by the user."""

    def __init__(self, blocked: ChatKey) -> None:
        super().__init__()
        self.blocked = blocked

    async def send_file(self, chat: ChatKey, path: Path, filename: str, caption: str = "",
                        buttons: tuple[Button, ...] = (), *, reply_to: str | None = None) -> Sent:
        if chat == self.blocked:
            raise PermissionError("Forbidden: bot was blocked by the user")
        return await super().send_file(chat, path, filename, caption, buttons)

    async def send_link(self, chat: ChatKey, text: str, url: str, label: str,
                        buttons: tuple[Button, ...] = (), *, reply_to: str | None = None) -> Sent:
        if chat == self.blocked:
            raise PermissionError("Forbidden: bot was blocked by the user")
        return await super().send_link(chat, text, url, label, buttons)

    async def edit_text(self, chat: ChatKey, sent: Sent, text: str,
                        buttons: tuple[Button, ...] = ()) -> Sent:
        if chat == self.blocked:
            raise PermissionError("Forbidden: bot was blocked by the user")
        return await super().edit_text(chat, sent, text, buttons)


async def test_adapter_failure_marks_the_job_and_others_go_on(
        simulator: Simulator, redis_client: aioredis.Redis) -> None:
    blocked, fine = ChatKey("test", "130"), ChatKey("test", "131")
    kit = await make_kit(simulator, redis_client, BlockedChat(blocked))
    async with running(kit.worker()):
        lost = await kit.renders.export(blocked, USER, await kit.project())
        kept = await kit.renders.export(fine, USER, await kit.project())
        lost_job = await finished(kit, lost.job_id or "")
        kept_job = await finished(kit, kept.job_id or "")
    await kit.nemo.aclose()
    assert lost_job.state is JobState.UNDELIVERABLE
    assert "PermissionError" in lost_job.error
    assert kept_job.state is JobState.DELIVERED
    assert len(kit.out.of_kind("file", fine)) == 1
    await assert_queue_empty(kit, blocked)


class BusyThenFine(KeepingOutput):
    """An adapter whose first file send meets a rate limit (nothing posted); or, with
    `always`, whose file and link sends all fail for a reason it cannot name."""

    def __init__(self, *, always: bool = False) -> None:
        super().__init__()
        self.always = always
        self.refused = 0

    async def send_file(self, chat: ChatKey, path: Path, filename: str, caption: str = "",
                        buttons: tuple[Button, ...] = (), *, reply_to: str | None = None) -> Sent:
        if self.always:
            raise ConnectionError("Service Unavailable")
        if not self.refused:
            self.refused += 1
            raise Busy("429 Too Many Requests", retry_after=0.2)
        return await super().send_file(chat, path, filename, caption, buttons)

    async def send_link(self, chat: ChatKey, text: str, url: str, label: str,
                        buttons: tuple[Button, ...] = (), *, reply_to: str | None = None) -> Sent:
        if self.always:
            raise ConnectionError("Service Unavailable")
        return await super().send_link(chat, text, url, label, buttons)


async def test_a_rate_limited_video_is_sent_once_the_platform_allows(
        simulator: Simulator, redis_client: aioredis.Redis) -> None:
    out = BusyThenFine()
    kit = await make_kit(simulator, redis_client, out)
    chat = ChatKey("test", "132")
    _, job = await exported(kit, chat)
    await kit.nemo.aclose()
    assert job.state is JobState.DELIVERED and out.refused == 1
    assert len(kit.out.of_kind("file", chat)) == 1 and not kit.out.of_kind("link", chat)


async def test_a_video_the_platform_never_takes_leaves_its_links_not_a_stuck_progress(
        simulator: Simulator, redis_client: aioredis.Redis) -> None:
    kit = await make_kit(simulator, redis_client, BusyThenFine(always=True))
    result, job = await exported(kit, ChatKey("test", "133"))
    await kit.nemo.aclose()
    assert result.message is not None
    last = [r for r in kit.out.records if r.message_id == result.message.message_id][-1]
    assert last.text == t("en", "render.done_recovered")
    assert [b.label for b in last.buttons][:1] == ["Download"]
    assert not any(b.action is Action.CANCEL for b in last.buttons)
    assert job.state is JobState.DELIVERED


class LongRateLimit(KeepingOutput):
    """A channel rate limited far longer than a video waits, for posts; its first edit
    after that is refused too, for a short while."""

    def __init__(self) -> None:
        super().__init__()
        self.refused_edits = 0
        self.limited = False

    async def send_file(self, chat: ChatKey, path: Path, filename: str, caption: str = "",
                        buttons: tuple[Button, ...] = (), *, reply_to: str | None = None) -> Sent:
        self.limited = True
        raise Busy("429 Too Many Requests", retry_after=400.0)

    async def edit_text(self, chat: ChatKey, sent: Sent, text: str,
                        buttons: tuple[Button, ...] = ()) -> Sent:
        if self.limited and not self.refused_edits:
            self.refused_edits += 1
            raise Busy("429 Too Many Requests", retry_after=0.2)
        return await super().edit_text(chat, sent, text, buttons)


async def test_the_links_of_a_video_never_taken_wait_for_a_busy_platform(
        simulator: Simulator, redis_client: aioredis.Redis) -> None:
    out = LongRateLimit()
    kit = await make_kit(simulator, redis_client, out)
    result, job = await exported(kit, ChatKey("test", "134"))
    await kit.nemo.aclose()
    assert result.message is not None and out.refused_edits == 1
    last = [r for r in kit.out.records if r.message_id == result.message.message_id][-1]
    assert last.text == t("en", "render.done_recovered")
    assert job.state is JobState.DELIVERED


# ---------------------------------------------------------------- crash during submit


async def test_job_left_submitting_by_a_crash_is_finished_by_a_worker(kit: Kit) -> None:
    """The process that persisted the job died before NemoVideo saw the render."""
    chat = ChatKey("test", "140")
    session = await kit.project()
    sent = await kit.out.send_text(chat, "Rendering…")
    render_id = new_render_id()
    job = RenderJob(id=render_id, chat=chat, render_id=render_id,
                    session_id=session.session_id or "", task_id=session.task_id or "",
                    message_id=sent.message_id, submit_started_at=time.time())
    await kit.renders.store.ensure_group(chat.platform)
    await kit.renders.store.create(job)
    async with running(kit.worker()):
        done = await finished(kit, job.id)
    assert done.state is JobState.DELIVERED and done.attempts == 1
    assert done.render_id == render_id, "the persisted id was never accepted, so it is used"
    assert len(kit.requests("render_submit")) == 1
    assert len(kit.out.of_kind("file")) == 1
