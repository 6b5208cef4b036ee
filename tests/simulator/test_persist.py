"""The simulator of the embedded default keeps its state across runs in one data directory:
a second run knows the user, the token, the project and its draft, and finishes the
renders the first one left running."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx

from core.simulator import Simulator
from core.simulator.samples import write_samples
from tests.kits.simulator import Backend, samples


async def test_a_second_run_continues_where_the_first_stopped(tmp_path: Path) -> None:
    first = Simulator(data_dir=tmp_path / "sim", persist=True)
    url = await first.start()
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        api = Backend(http)
        await api.login("client-1")
        await api.new_session()
        await api.upload(samples()["clip"])
        first.config.silent_edits = "never"
        await api.say("combine my clips and add the title 'Kept'")
        draft = await api.draft()
        first.config.render_seconds = 3.0  # still running when the first run stops
        assert (await api.submit("render_kept")).status_code == 200
        token, session_id = api.token, api.session_id
    await first.stop()

    second = Simulator(data_dir=tmp_path / "sim", persist=True)
    url = await second.start()
    try:
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            api = Backend(http)
            api.token, api.session_id = token, session_id
            assert await api.draft() == json.loads(json.dumps(draft).replace(
                draft["t"][0]["sg"][0]["src"].split("/cdn/")[0], url))
            assert (await api.credits())["available"] == 50
            final = (await api.wait_render("render_kept"))[-1]
            assert final["status"] == "completed"
            assert (await http.get(final["url"])).status_code == 200
            stream = await api.say("remove the title")
            assert "Removed the title." in stream.text or stream.text == ""
    finally:
        await second.stop()
    assert (tmp_path / "sim" / "state.json").is_file()


async def test_two_simulators_never_share_a_directory(tmp_path: Path) -> None:
    first = Simulator(data_dir=tmp_path / "sim", persist=True)
    await first.start()
    second = Simulator(data_dir=tmp_path / "sim", persist=True)
    await second.start()
    try:
        assert second.data_dir != first.data_dir
    finally:
        await second.stop()
        await first.stop()
    assert (tmp_path / "sim").is_dir()


def test_a_second_chat_continues_the_project(tmp_path: Path) -> None:
    """Two `nemobot chat --simulate` runs in one data directory: the second one edits the
    first one's project instead of starting afresh."""
    folder = tmp_path / "here"
    write_samples(folder)
    env = {key: value for key, value in os.environ.items()
           if key not in ("NEMOBOT_START_DIR", "REDIS_URL", "NEMO_TOKEN", "LOG_LEVEL")}
    env["DATA_DIR"] = str(tmp_path / "data")
    nemobot = str(Path(sys.executable).parent / "nemobot")

    def chat(lines: str) -> str:
        run = subprocess.run([nemobot, "chat", "--simulate"], input=lines, cwd=folder, env=env,
                             capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stdout + run.stderr
        return run.stdout

    chat("/attach clip1.mp4 clip2.mp4\ncombine my clips into a 6-second video\n")
    second = chat("add the title \"Day two\"\nstatus\n")
    assert "no longer available" not in second
    assert 'Timeline (2 tracks): 1. Video: clip1, clip2 (0-6s) 2. Title: "Day two"' in second
