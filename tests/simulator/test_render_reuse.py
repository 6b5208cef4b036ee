"""A render identical to an earlier one (same draft, same output settings) reuses the
earlier MP4 instead of running ffmpeg again, and still looks like a render from
outside: pending or processing, progress over its configured time, then completed."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

from core.simulator import Simulator
from core.simulator.render import Capabilities, build_command
from core.simulator.render_graph import FileSource
from core.simulator.render_reuse import command_key
from tests.kits.simulator import ATTRIBUTION, Backend

DRAFT: dict[str, Any] = {
    "d": 400,
    "m": {"title": "reuse", "width": 320, "height": 180},
    "t": [
        {"tt": 0, "sg": [{"s": 0, "d": 400, "gen": {"type": "video", "source": "color"}}]},
        {"tt": 7, "sg": [{"s": 0, "d": 400, "txt": "Same"}]},
    ],
}


async def submit(api: Backend, render_id: str, draft: dict[str, Any],
                 output: dict[str, Any] | None = None) -> None:
    body = {"id": render_id, "sessionId": api.session_id, "draft": draft,
            "output": output or {"format": "mp4", "quality": "high"}}
    response = await api.call("POST", "/api/render/proxy/lambda", json=body, headers=ATTRIBUTION)
    assert response.json()["code"] == 0, response.text


async def output_of(simulator: Simulator, api: Backend, render_id: str) -> bytes:
    final = (await api.wait_render(render_id))[-1]
    assert final["status"] == "completed", final
    job = simulator.store.renders[render_id]
    assert job.output_path is not None and job.size == job.output_path.stat().st_size
    response = await api.http.get(final["url"])
    assert response.status_code == 200
    return response.content


async def test_an_identical_render_reuses_the_output_and_keeps_its_time(
    simulator: Simulator, api: Backend
) -> None:
    await submit(api, "render_a", DRAFT)
    data = await output_of(simulator, api, "render_a")
    simulator.config.render_seconds = 0.6
    started = time.monotonic()
    await submit(api, "render_b", DRAFT)
    seen = await api.wait_render("render_b")
    took = time.monotonic() - started
    assert await output_of(simulator, api, "render_b") == data
    outputs = simulator.renderer.outputs
    assert (outputs.encoded, outputs.reused) == (1, 1)
    # from outside it is a render like any other: it takes its configured time
    assert took >= 0.6
    assert seen[0]["status"] in ("pending", "processing") and seen[0]["progress"] < 100
    progress = [s["progress"] for s in seen]
    assert progress == sorted(progress) and len(set(progress)) >= 3
    paths = [simulator.store.renders[r].output_path for r in ("render_a", "render_b")]
    assert paths[0] != paths[1], "each render has its own output file"


async def test_other_output_settings_or_content_render_again(
    simulator: Simulator, api: Backend
) -> None:
    await submit(api, "render_high", DRAFT)
    await submit(api, "render_low", DRAFT, {"format": "mp4", "quality": "low"})
    await submit(api, "render_tall", DRAFT, {"format": "mp4", "width": 180, "height": 320})
    retitled = {**DRAFT, "t": [DRAFT["t"][0], {"tt": 7, "sg": [{"s": 0, "d": 400, "txt": "New"}]}]}
    await submit(api, "render_new", retitled)
    for render_id in ("render_high", "render_low", "render_tall", "render_new"):
        await output_of(simulator, api, render_id)
    assert (simulator.renderer.outputs.encoded, simulator.renderer.outputs.reused) == (4, 0)


async def test_identical_renders_at_once_run_ffmpeg_once(
    simulator: Simulator, api: Backend
) -> None:
    ids = [f"render_same_{i}" for i in range(5)]
    await asyncio.gather(*(submit(api, i, DRAFT) for i in ids))
    outputs = await asyncio.gather(*(output_of(simulator, api, i) for i in ids))
    assert len(set(outputs)) == 1
    assert (simulator.renderer.outputs.encoded, simulator.renderer.outputs.reused) == (1, 4)


async def test_a_deleted_output_is_rendered_again(simulator: Simulator, api: Backend) -> None:
    await submit(api, "render_gone", DRAFT)
    await output_of(simulator, api, "render_gone")
    path = simulator.store.renders["render_gone"].output_path
    assert path is not None
    path.unlink()
    await submit(api, "render_again", DRAFT)
    assert await output_of(simulator, api, "render_again")
    assert (simulator.renderer.outputs.encoded, simulator.renderer.outputs.reused) == (2, 0)


def key_of(draft: dict[str, Any], workdir: Path, clip: Path | None = None,
           threads: int = 1) -> str:
    workdir.mkdir(parents=True, exist_ok=True)
    source = FileSource(clip, "video", True, False, 1.0) if clip else None
    font = workdir.parent / "font.ttf"
    command = build_command(draft, width=320, height=180, resolve=lambda seg: source,
                            workdir=workdir, output=workdir / "out.mp4", threads=threads,
                            caps=Capabilities(font=font))
    return command_key(command, workdir, workdir / "out.mp4")


def test_the_key_covers_what_ffmpeg_reads_and_nothing_else(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"first")
    uploaded = {"d": 1000, "t": [{"tt": 0, "sg": [{"s": 0, "d": 1000, "src": "x"}]},
                                 {"tt": 7, "sg": [{"s": 0, "d": 500, "txt": "Hi"}]}]}
    key = key_of(uploaded, tmp_path / "a", clip)
    # another scratch folder and thread count: the same picture
    assert key_of(uploaded, tmp_path / "b", clip, threads=2) == key
    # another title text (written to a file in the scratch folder): another picture
    other_title = {**uploaded, "t": [uploaded["t"][0],
                                     {"tt": 7, "sg": [{"s": 0, "d": 500, "txt": "Ho"}]}]}
    assert key_of(other_title, tmp_path / "c", clip) != key
    # the input file changed under the same path
    clip.write_bytes(b"second, longer")
    os.utime(clip, ns=(1, 1))
    assert key_of(uploaded, tmp_path / "d", clip) != key
