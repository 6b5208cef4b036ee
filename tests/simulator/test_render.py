"""The simulator's renders: real MP4s, both poll shapes, download, cancel, faults and
many renders at once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from core.simulator import Fault, Simulator
from core.simulator.media import probe
from core.simulator.render import build_command, timeline_ms
from tests.kits.simulator import ATTRIBUTION, Backend, edited, open_backend, samples
from tests.waiting import wait_until


@pytest.fixture
async def api(simulator: Simulator) -> AsyncIterator[Backend]:
    """A logged-in user with a fresh session."""
    async with open_backend(simulator) as backend:
        yield backend


TINY_DRAFT: dict[str, Any] = {
    "d": 500,
    "m": {"title": "tiny", "width": 320, "height": 180},
    "t": [{"tt": 7, "sg": [{"s": 0, "d": 500, "txt": "Hi"}]}],
}


async def check_mp4(api: Backend, url: str, tmp_path: Path, seconds: float) -> bytes:
    """Download a render and check it is a playable H.264/AAC MP4 of the right length."""
    response = await api.http.get(url)
    assert response.status_code == 200 and response.headers["content-type"] == "video/mp4"
    data = response.content
    assert data[4:8] == b"ftyp"
    assert 0 < data.find(b"moov") < data.find(b"mdat")  # faststart
    path = tmp_path / "out.mp4"
    path.write_bytes(data)
    info = await probe(path, "video")
    assert (info.width, info.height, info.fps) == (320, 180, 25.0)
    assert info.has_audio and info.duration == pytest.approx(seconds, abs=0.15)
    return data


async def test_render_top_shape(simulator: Simulator, api: Backend, tmp_path: Path) -> None:
    files = samples()
    await edited(api, files["clip"], files["portrait"], files["photo"])
    await api.say("add the title 'Paradise Found' and background music at 40%")
    submitted = await api.submit("render_top_1")
    body = submitted.json()
    assert body["code"] == 0 and body["data"]["taskId"] == "render_top_1"
    assert body["data"]["status"] in ("pending", "processing")
    seen = await api.wait_render("render_top_1")
    progress = [s["progress"] for s in seen]
    assert progress == sorted(progress) and progress[-1] == 100
    assert {s["shape"] for s in seen} == {"top"}
    final = seen[-1]
    assert final["status"] == "completed" and final["duration"] == 6.0
    data = await check_mp4(api, final["url"], tmp_path, 6.0)
    assert final["size"] == len(data)
    assert final["url"].startswith(simulator.base_url + "/outputs/")


async def test_render_wrapped_and_bare_shapes(simulator: Simulator, api: Backend) -> None:
    simulator.config.poll_shape = "wrapped"
    await api.submit("render_wrapped", TINY_DRAFT)
    seen = await api.wait_render("render_wrapped")
    final = seen[-1]
    assert final["shape"] == "wrapped" and final["status"] == "completed"
    assert set(final["raw"]) == {
        "id",
        "status",
        "progress",
        "outputUrl",
        "createdAt",
        "completedAt",
    }
    assert final["url"] and final["raw"]["completedAt"]
    simulator.config.poll_shape = "bare"
    assert (await api.poll("render_wrapped"))["shape"] == "bare"


async def test_progress_advances_while_rendering(simulator: Simulator, api: Backend) -> None:
    simulator.config.render_seconds = 1.0
    await api.submit("render_progress", TINY_DRAFT)
    seen = await api.wait_render("render_progress")
    statuses = [s["status"] for s in seen]
    assert "processing" in statuses and statuses[-1] == "completed"
    middle = [s["progress"] for s in seen if 0 < s["progress"] < 100]
    assert len(set(middle)) >= 3


async def test_download_fallback(api: Backend, tmp_path: Path) -> None:
    await api.submit("render_dl", TINY_DRAFT)
    early = await api.call("GET", "/api/render/proxy/render_dl/download")
    assert early.json()["code"] == 3004
    final = (await api.wait_render("render_dl"))[-1]
    download = await api.call("GET", "/api/render/proxy/render_dl/download")
    assert download.status_code == 200
    assert download.content == (await api.http.get(final["url"])).content
    anonymous = await api.http.get("/api/render/proxy/render_dl/download")
    assert anonymous.json()["code"] == 1001


async def test_submit_errors(simulator: Simulator, api: Backend) -> None:
    await api.submit("render_dup", TINY_DRAFT)
    duplicate = await api.submit("render_dup", TINY_DRAFT)
    assert duplicate.json()["code"] == 3001
    empty = await api.submit("render_empty", {"t": []})
    assert empty.json()["code"] == 3002
    bad_id = await api.submit("../etc", TINY_DRAFT)
    assert bad_id.status_code == 400
    unknown = await api.call("GET", "/api/render/proxy/lambda/render_nope")
    assert unknown.json()["code"] == 3003
    simulator.config.poll_shape = "wrapped"
    unknown = await api.call("GET", "/api/render/proxy/lambda/render_nope")
    assert unknown.json() == {
        "success": False,
        "code": 3003,
        "message": "Render not found",
        "error": "Render not found",
    }
    body = {"id": "render_x", "sessionId": "1", "draft": TINY_DRAFT}
    lost = await api.call("POST", "/api/render/proxy/lambda", json=body, headers=ATTRIBUTION)
    assert lost.json()["code"] == 1002


async def test_renders_belong_to_their_user(simulator: Simulator, api: Backend) -> None:
    await api.submit("render_mine", TINY_DRAFT)
    async with open_backend(simulator) as other:
        answer = await other.call("GET", "/api/render/proxy/lambda/render_mine")
        assert answer.json()["code"] == 3003


async def test_missing_attribution_is_402(api: Backend) -> None:
    body = {"id": "render_attr", "sessionId": api.session_id, "draft": TINY_DRAFT}
    partial = {k: v for k, v in ATTRIBUTION.items() if k != "X-Skill-Platform"}
    response = await api.call("POST", "/api/render/proxy/lambda", json=body, headers=partial)
    assert response.status_code == 402


async def test_anonymous_export_can_be_blocked(simulator: Simulator, api: Backend) -> None:
    simulator.config.anon_can_export = False
    assert (await api.submit("render_anon", TINY_DRAFT)).status_code == 402


async def test_export_blocked_and_duplicate_id_faults(simulator: Simulator, api: Backend) -> None:
    simulator.inject(Fault("export_blocked"))
    simulator.inject(Fault("duplicate_id"))
    await api.credits()  # not a render submit: untouched
    assert (await api.submit("render_f1", TINY_DRAFT)).status_code == 402
    assert (await api.submit("render_f2", TINY_DRAFT)).json()["code"] == 3001
    assert (await api.submit("render_f3", TINY_DRAFT)).json()["code"] == 0


async def test_render_fail_fault(simulator: Simulator, api: Backend) -> None:
    simulator.inject(Fault("render_fail", error="GPU node lost"))
    await api.submit("render_fails", TINY_DRAFT)
    final = (await api.wait_render("render_fails"))[-1]
    assert (final["status"], final["error"]) == ("failed", "GPU node lost")
    simulator.config.poll_shape = "wrapped"
    assert (await api.poll("render_fails"))["raw"]["error"] == "GPU node lost"


async def test_render_slow_fault(simulator: Simulator, api: Backend) -> None:
    simulator.inject(Fault("render_slow", seconds=1.0))
    started = time.monotonic()
    await api.submit("render_slow", TINY_DRAFT)
    final = (await api.wait_render("render_slow"))[-1]
    assert final["status"] == "completed" and time.monotonic() - started >= 1.0


async def until(condition: Any, within: float = 10.0) -> None:
    """Wait (bounded) until `condition()` holds."""
    await wait_until(condition, within=within, interval=0.01, what="the condition")


async def test_cancel_kills_ffmpeg(simulator: Simulator, api: Backend) -> None:
    await api.submit("render_cancel", dict(TINY_DRAFT, d=300000))
    await until(lambda: simulator.renderer.active == 1)
    cancelled = await api.call("POST", "/api/render/proxy/lambda/render_cancel/cancel")
    assert cancelled.json()["data"]["status"] == "cancelled"
    await until(lambda: simulator.renderer.active == 0)
    assert (await api.poll("render_cancel"))["status"] == "cancelled"
    assert list(simulator.output_dir.iterdir()) == []


async def test_cancel_while_waiting(simulator: Simulator, api: Backend) -> None:
    simulator.inject(Fault("render_slow", seconds=60))
    await api.submit("render_wait", TINY_DRAFT)
    await api.call("POST", "/api/render/proxy/lambda/render_wait/cancel")
    job = simulator.store.renders["render_wait"]
    await until(lambda: job.task is not None and job.task.done())
    assert (await api.poll("render_wait"))["status"] == "cancelled"
    finished = await api.call("POST", "/api/render/proxy/lambda/render_wait/cancel")
    assert finished.json()["data"]["status"] == "cancelled"


async def test_many_renders_at_once(simulator: Simulator, api: Backend) -> None:
    simulator.config.render_seconds = 0.0
    ids = [f"render_many_{i}" for i in range(24)]
    await asyncio.gather(*(api.submit(i, TINY_DRAFT) for i in ids))
    finals = await asyncio.gather(*(api.wait_render(i, within=60) for i in ids))
    assert {f[-1]["status"] for f in finals} == {"completed"}
    assert simulator.renderer.peak == 2  # never more ffmpeg processes than the limit


async def test_render_concurrency_can_change_while_running(
    simulator: Simulator, api: Backend
) -> None:
    simulator.config.render_concurrency = 1
    simulator.config.render_seconds = 0.0
    ids = [f"render_one_{i}" for i in range(6)]
    await asyncio.gather(*(api.submit(i, TINY_DRAFT) for i in ids))
    await asyncio.gather(*(api.wait_render(i) for i in ids))
    assert simulator.renderer.peak == 1


async def test_render_does_not_block_the_server(simulator: Simulator, api: Backend) -> None:
    await api.submit("render_long", dict(TINY_DRAFT, d=20000))
    await until(lambda: simulator.renderer.active == 1)
    started = time.monotonic()
    await api.credits()
    assert time.monotonic() - started < 0.5


async def test_generated_clip_renders(api: Backend, tmp_path: Path) -> None:
    await api.say("generate a 2-second clip of a forest at night")
    await api.submit("render_generated")
    final = (await api.wait_render("render_generated"))[-1]
    assert final["status"] == "completed"
    await check_mp4(api, final["url"], tmp_path, 2.0)


async def test_unknown_sources_render_as_black(api: Backend, tmp_path: Path) -> None:
    draft = {
        "d": 1000,
        "t": [
            {"tt": 0, "sg": [{"s": 200, "d": 500, "src": "https://example.com/x.mp4"}]},
            {"tt": 1, "v": 0.5, "sg": [{"s": 0, "d": 1000, "src": "https://example.com/y.mp3"}]},
            {"tt": 9, "sg": [{"s": 0, "d": 1000}]},
            {"tt": 7, "sg": [{"s": 0, "d": 800, "txt": 'It\'s 100% "quoted": a, b; [c] \\ %{n}'}]},
        ],
    }
    await api.submit("render_unknown", draft)
    final = (await api.wait_render("render_unknown"))[-1]
    assert final["status"] == "completed"
    await check_mp4(api, final["url"], tmp_path, 1.0)


def test_build_command_shapes_the_timeline(tmp_path: Path) -> None:
    draft = {
        "t": [
            {"tt": 0, "sg": [{"s": 1000, "d": 2000, "gen": {"type": "video", "source": "color"}}]},
            {"tt": 7, "sg": [{"s": 0, "d": 1500, "txt": 'It\'s 100% "quoted": ok'}]},
        ]
    }
    assert timeline_ms(draft) == 3000
    command = build_command(
        draft,
        width=320,
        height=180,
        resolve=lambda seg: None,
        workdir=tmp_path,
        output=tmp_path / "o.mp4",
    )
    graph = command[command.index("-filter_complex") + 1]
    assert "concat=n=2" in graph  # a black gap, then the clip
    assert "between(t,0,1.5)" in graph
    assert command[command.index("-t", len(command) - 30) + 1] == "3"


async def test_a_freed_render_slot_goes_to_the_first_waiter(tmp_path: Path) -> None:
    """A slot freed while someone waits is handed to that waiter: a render submitted just
    then does not take it (and send the waiter to the back of the queue, where under load
    it could wait until the bot gave up on it)."""
    from core.simulator.render import Renderer

    renderer = Renderer(tmp_path, lambda _: None, lambda: (320, 180), lambda: 1)
    order: list[str] = []
    holds = {name: asyncio.Event() for name in ("first", "waiter", "newcomer")}

    async def render(name: str) -> None:
        async with renderer._slot():
            order.append(name)
            await holds[name].wait()

    first = asyncio.create_task(render("first"))
    await wait_until(lambda: order == ["first"], what="the first render's slot")
    waiter = asyncio.create_task(render("waiter"))
    await wait_until(lambda: renderer._waiting, what="the second render to wait")
    holds["first"].set()
    newcomer = asyncio.create_task(render("newcomer"))  # scheduled before the waiter wakes
    await wait_until(lambda: len(order) == 2, what="the freed slot taken")
    assert order == ["first", "waiter"], "the waiter had its turn"
    holds["waiter"].set()
    holds["newcomer"].set()
    await asyncio.gather(first, waiter, newcomer)
    assert order == ["first", "waiter", "newcomer"]
    assert renderer.active == 0
