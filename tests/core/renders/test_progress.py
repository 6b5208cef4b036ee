"""What a render shows and asks for: progress with the time left and a Cancel button, the
output size of the project's format (an optional extra), and the video replying to the
message that asked for it."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from bots.common import video
from core.i18n import t
from core.messages import ChatKey
from core.outgoing import Action
from core.renders.progress import progress_text
from core.simulator import Fault, Simulator
from tests.kits.renders import USER, Kit, finished, make_kit, running


@pytest.fixture
async def kit(simulator: Simulator, redis_client: aioredis.Redis) -> AsyncIterator[Kit]:
    made = await make_kit(simulator, redis_client, render_edit_interval=0.0,
                          render_edit_step=10)
    try:
        yield made
    finally:
        await made.nemo.aclose()


def test_time_left_in_words() -> None:
    assert progress_text("en", 40, None) == "Rendering… 40%"
    assert progress_text("en", 40, 23.0) == "Rendering… 40% (about 25 s left)"
    assert progress_text("en", 40, 1.0) == "Rendering… 40% (about 5 s left)"
    assert progress_text("en", 10, 400.0) == "Rendering… 10% (about 7 min left)"
    assert progress_text("zh", 10, 30.0) == "正在渲染… 10%（约剩 30 秒）"
    assert progress_text("en", 100, 5.0) == "Rendering… 100%", "no time left to tell at 100%"


async def test_progress_shows_the_time_left_and_a_cancel_button(kit: Kit) -> None:
    kit.sim.inject(Fault("render_slow", seconds=3.0))
    chat = ChatKey("test", "140")
    async with running(kit.worker()):
        result = await kit.renders.export(chat, USER, await kit.project())
        job = await finished(kit, result.job_id or "")
    assert result.message is not None
    edits = [r for r in kit.out.records
             if r.kind == "edit" and r.message_id == result.message.message_id]
    rendering = [r for r in edits if r.text.startswith("Rendering…")]
    assert len(rendering) >= 3
    for edit in rendering:
        [cancel] = edit.buttons
        assert (cancel.action, cancel.value, cancel.label) == (Action.CANCEL, job.id, "Cancel")
    estimates = [int(found[1]) for r in rendering
                 if (found := re.search(r"about (\d+) s left", r.text))]
    assert estimates, [r.text for r in rendering]
    assert all(0 < seconds <= 5 for seconds in estimates), "a 3 s render"
    assert edits[-1].text == t("en", "render.done") and not edits[-1].buttons


async def test_the_format_sets_the_output_size(kit: Kit, tmp_path: Path) -> None:
    chat = ChatKey("test", "141")
    session = await kit.project()
    session.aspect = "9:16"
    async with running(kit.worker()):
        result = await kit.renders.export(chat, USER, session, reply_to="77")
        job = await finished(kit, result.job_id or "")
    assert (job.width, job.height) == (1080, 1920)
    assert kit.sim.store.renders[job.render_id].output_size == (1080, 1920)
    [sent] = kit.out.of_kind("file")
    assert sent.reply_to == "77", "the video answers the message that asked for it"
    path = tmp_path / "kept.mp4"
    path.write_bytes(kit.out.files[sent.message_id])
    facts = await video.probe(path)
    assert (facts.width, facts.height) == (180, 320), "the simulator renders 9:16, scaled down"


async def test_a_refused_output_size_is_dropped_on_the_retry(kit: Kit) -> None:
    kit.sim.inject(Fault("server_error", count=1, path="/api/render/proxy/lambda"))
    chat = ChatKey("test", "142")
    session = await kit.project()
    session.aspect = "16:9"
    async with running(kit.worker()):
        result = await kit.renders.export(chat, USER, session)
        job = await finished(kit, result.job_id or "")
    assert len(job.render_ids) == 2
    assert kit.sim.store.renders[job.render_ids[1]].output_size is None
    assert len(kit.out.of_kind("file")) == 1
