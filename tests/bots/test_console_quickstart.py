"""The README's quick start works when copied into an empty folder: it makes the samples,
chats with the simulator and saves a video that decodes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from core.simulator.media import ffmpeg_exe

README = Path(__file__).resolve().parents[2] / "README.md"


def quick_start_block() -> str:
    """The shell block right after the README's quick-start marker."""
    text = README.read_text(encoding="utf-8")
    marker = text.index("<!-- quick-start")
    block = re.search(r"```sh\n(.*?)```", text[marker:], re.S)
    assert block is not None, "the quick-start block is missing from the README"
    return block.group(1)


def test_the_readme_quick_start_makes_a_video_in_an_empty_folder(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    env = {**os.environ, "DATA_DIR": str(tmp_path / "data"),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    for name in ("NEMOBOT_START_DIR", "REDIS_URL", "NEMO_TOKEN", "LOG_LEVEL"):
        env.pop(name, None)
    run = subprocess.run(["bash", "-euo", "pipefail", "-c", quick_start_block()], cwd=folder,
                         env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    videos = list((folder / "out").glob("*.mp4"))
    assert len(videos) == 1, run.stdout
    assert f"saved to out/{videos[0].name}" in run.stdout
    decode = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(videos[0]), "-f", "null",
                             "-"], capture_output=True, text=True, timeout=60)
    assert decode.returncode == 0 and decode.stderr == "", decode.stderr
    assert "Rendered: 100%" in run.stdout


def test_the_try_out_has_credits_for_a_few_projects(tmp_path: Path) -> None:
    """The simulator the terminal chat starts opens accounts with 1000 credits: a newcomer
    trying several projects is not sent to register after the second."""
    env = {**os.environ, "DATA_DIR": str(tmp_path / "data")}
    for name in ("NEMOBOT_START_DIR", "REDIS_URL", "NEMO_TOKEN", "LOG_LEVEL"):
        env.pop(name, None)
    run = subprocess.run([str(Path(sys.executable).parent / "nemobot"), "chat", "--simulate"],
                         input="/credits\n", cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Credits: 1000 available" in run.stdout, run.stdout


def test_last_shows_where_the_video_was_saved(tmp_path: Path) -> None:
    """/last in the terminal: the saved file, not a link to a simulator that stops with
    the chat."""
    env = {**os.environ, "DATA_DIR": str(tmp_path / "data"),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    for name in ("NEMOBOT_START_DIR", "REDIS_URL", "NEMO_TOKEN", "LOG_LEVEL"):
        env.pop(name, None)
    script = ("nemobot samples . && printf '%s\\n' '/attach clip1.mp4' "
              "'combine my clips into a 3-second video' 'export' "
              "| nemobot chat --simulate --downloads out/ "
              "&& echo /last | nemobot chat --simulate --downloads out/")  # the next day
    run = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    [video] = list((tmp_path / "out").glob("*.mp4"))
    assert run.stdout.count(f"saved to out/{video.name}") == 2, run.stdout
    assert "Download:" not in run.stdout
