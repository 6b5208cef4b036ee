"""Renders show what the draft says: every video track, and titles in any script."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from core.simulator import Simulator
from core.simulator.media import ffmpeg_exe
from core.simulator.render import CJK_FONT_MISSING, Capabilities, build_command
from tests.kits.simulator import Backend, open_backend


@pytest.fixture
async def api(simulator: Simulator) -> AsyncIterator[Backend]:
    """A logged-in user with a fresh session."""
    async with open_backend(simulator) as backend:
        yield backend


def colour(segment_start: int, length: int, color: str) -> dict[str, Any]:
    """A segment of a generated flat colour."""
    return {"s": segment_start, "d": length,
            "gen": {"type": "video", "source": "color", "color": color}}


def pixel(path: Path, second: float) -> tuple[int, int, int]:
    """The colour in the middle of the frame at `second`."""
    raw = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-ss", str(second), "-i", str(path), "-frames:v", "1",
         "-vf", "crop=2:2", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        check=True, capture_output=True).stdout
    red, green, blue = raw[:3]
    return red, green, blue


async def render(api: Backend, draft: dict[str, Any], tmp_path: Path, name: str) -> Path:
    """Render `draft` and download the MP4."""
    await api.submit(name, draft)
    final = (await api.wait_render(name))[-1]
    assert final["status"] == "completed", final
    path = tmp_path / f"{name}.mp4"
    path.write_bytes((await api.http.get(final["url"])).content)
    return path


async def test_every_video_track_is_drawn_later_ones_on_top(
    api: Backend, tmp_path: Path
) -> None:
    draft = {
        "d": 3000,
        "t": [
            {"tt": 0, "sg": [colour(0, 3000, "0xff0000")]},
            {"tt": 0, "sg": [colour(1000, 1000, "0x0000ff")]},
        ],
    }
    path = await render(api, draft, tmp_path, "render_layers")
    before, during, after = pixel(path, 0.5), pixel(path, 1.5), pixel(path, 2.5)
    assert before[0] > 200 and before[2] < 60, before
    assert during[2] > 200 and during[0] < 60, during
    assert after[0] > 200 and after[2] < 60, after


def test_a_cjk_title_without_a_cjk_font_says_so_in_the_video(tmp_path: Path) -> None:
    draft = {"d": 1000, "t": [{"tt": 7, "sg": [{"s": 0, "d": 1000, "txt": "夏日旅行"}]}]}
    latin = Path("/fonts/latin.ttf")
    command = build_command(draft, width=320, height=180, resolve=lambda seg: None,
                            workdir=tmp_path, output=tmp_path / "o.mp4",
                            caps=Capabilities(font=latin))
    graph = command[command.index("-filter_complex") + 1]
    assert f"fontfile='{latin}'" in graph and "drawbox" in graph
    assert (tmp_path / "title1.txt").read_text() == CJK_FONT_MISSING
    cjk = Path("/fonts/cjk.ttc")
    command = build_command(draft, width=320, height=180, resolve=lambda seg: None,
                            workdir=tmp_path, output=tmp_path / "o.mp4",
                            caps=Capabilities(font=latin, cjk_font=cjk))
    graph = command[command.index("-filter_complex") + 1]
    assert f"fontfile='{cjk}'" in graph and "drawbox" not in graph
    assert (tmp_path / "title0.txt").read_text() == "夏日旅行"
