"""The real `nemobot chat --simulate` in a pseudo-terminal, read as a person would: the
prompt is the last line after every reply, bars show during an upload and a render, and
Ctrl-C stops what runs, then leaves without a traceback."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.embedded_redis import answers_ping
from core.simulator.samples import wav_header, write_samples
from tests.kits.terminal import Terminal, terminal

NEMOBOT = str(Path(sys.executable).parent / "nemobot")
WAIT = 30.0
PROMPT = "you>"


def big_audio(path: Path, megabytes: int) -> Path:
    """A silent WAV of `megabytes` MiB, written sparse (quick to make, slow to send)."""
    data = megabytes * 1024 * 1024
    with path.open("wb") as file:
        file.write(wav_header(data))
        file.truncate(44 + data)
    return path


@pytest.fixture
def chat(tmp_path: Path) -> Iterator[Terminal]:
    """The chat in a terminal, in a folder holding the samples and a big file."""
    folder = tmp_path / "here"
    write_samples(folder)
    big_audio(folder / "long recording.wav", 300)
    env = {key: value for key, value in os.environ.items()
           if key not in ("NEMOBOT_START_DIR", "REDIS_URL", "NEMO_TOKEN", "LOG_LEVEL")}
    # pyte answers no cursor position request; prompt_toolkit need not ask
    env |= {"DATA_DIR": str(tmp_path / "data"), "LANG": "C.UTF-8", "PROMPT_TOOLKIT_NO_CPR": "1"}
    with terminal([NEMOBOT, "chat", "--simulate"], cwd=folder, env=env) as term:
        term.wait(lambda: term.last_line().startswith(PROMPT), WAIT, "the first prompt")
        yield term


def prompt_is_last(term: Terminal) -> bool:
    """The prompt on the last line, nothing typed after it, no live message above it."""
    lines = [line for line in term.lines() if line.strip()]
    return bool(lines) and lines[-1].strip() == PROMPT


def say(term: Terminal, text: str, reply: str) -> None:
    """Type a line; wait for `reply` to show and settle above the prompt."""
    term.type(text + "\r")
    term.wait(lambda: term.shows(reply), WAIT, f"{reply!r} after {text!r}")
    term.wait(lambda: prompt_is_last(term), WAIT, f"the prompt after {reply!r}")


def test_the_terminal_chat(chat: Terminal) -> None:
    term = chat
    say(term, "hello", "Hi! I'm your NemoVideo editor")
    say(term, "/attachx clip1.mp4", "/attachx is not a command. Type /help.")
    say(term, "/frobnicate", "/frobnicate is not a command. Type /help.")
    say(term, "/attach my clip.mp4", 'Put names with spaces in quotes: /attach "my clip.mp4".')

    term.type('/attach clip*.mp4 "long recording.wav"\r')
    term.wait(lambda: any(line.startswith("Uploading") and "━" in line and "MB" in line
                          for line in term.lines()), WAIT, "an upload bar with bytes")
    term.wait(lambda: term.shows("Received: clip1.mp4"), WAIT, "the upload's end")
    term.wait(lambda: prompt_is_last(term), WAIT, "the prompt after the upload")
    term.wait(lambda: any(line.startswith("Uploaded") and "100%" in line
                          for line in term.lines()), WAIT, "the upload bar at 100%")

    say(term, "combine my clips into a 20-second video", "Timeline (1 track)")
    term.type("export\r")
    term.wait(lambda: any(line.startswith("Rendering") and "━" in line and "%" in line
                          for line in term.lines()), WAIT, "a render bar")
    assert term.last_line().strip() == PROMPT  # the bar is above the prompt
    term.wait(lambda: term.shows("saved to downloads/"), 60.0, "the video")
    term.wait(lambda: prompt_is_last(term), WAIT, "the prompt after the video")
    term.wait(lambda: any(line.startswith("Rendered") and "100%" in line
                          for line in term.lines()), WAIT, "the render bar at 100%")
    assert "video below" not in term.text()

    # a changed draft renders anew (an unchanged one would reuse the video just made)
    say(term, "add the title Second cut", 'Added the title "Second cut"')  # not the echo
    term.type("export\r")
    term.wait(lambda: any(line.startswith("Rendering") for line in term.lines()), WAIT,
              "a second render")
    term.type("\x03")
    # "Rendering" shows before the render's job exists: Ctrl-C stops the render that
    # exists ("1 render(s) stopped"), or the export before it made one ("Render
    # cancelled.", ending the bar); tests/core/test_project_list.py has each on its own
    term.wait(lambda: term.shows("1 render(s) stopped") or term.shows("Render cancelled."),
              WAIT, "Ctrl-C to stop the render")
    term.wait(lambda: prompt_is_last(term), WAIT, "the prompt after Ctrl-C")
    term.type("\x03")
    assert term.process.wait(WAIT) == 0
    assert "Traceback" not in term.raw.decode("utf-8", "replace")


def test_leaving_with_a_render_running_asks_to_wait(chat: Terminal) -> None:
    term = chat
    say(term, "/attach clip1.mp4", "Received: clip1.mp4")
    say(term, "combine my clips into a 12-second video", "Timeline (1 track)")
    term.type("export\r")
    term.wait(lambda: any(line.startswith("Rendering") for line in term.lines()), WAIT,
              "the render")
    term.type("\x04")  # Ctrl-D on an empty line
    term.wait(lambda: "still running. Wait for them? [Y/n]" in term.last_line(), WAIT,
              "the question")
    term.type("\r")
    term.wait(lambda: term.shows("saved to downloads/"), 60.0, "the video")
    assert term.process.wait(WAIT) == 0
    assert "Traceback" not in term.raw.decode("utf-8", "replace")


@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGTERM])
def test_a_closed_terminal_ends_the_chat_and_its_redis(chat: Terminal, tmp_path: Path,
                                                        signum: int) -> None:
    """Closing the terminal window (SIGHUP) or SIGTERM: the chat ends as /quit does, and
    its embedded Redis is not left running."""
    port = int((tmp_path / "data" / "redis" / "port").read_text())
    chat.process.send_signal(signum)
    assert chat.process.wait(WAIT) == 128 + signum
    assert not answers_ping("127.0.0.1", port), "the embedded Redis stopped"
    assert "Traceback" not in chat.text()


def test_ctrl_c_when_idle_asks_for_a_second_one(chat: Terminal) -> None:
    term = chat
    term.type("half typed")
    term.type("\x03")  # clears the line
    term.wait(lambda: term.last_line().strip() == PROMPT, WAIT, "the line cleared")
    term.type("\x03")
    term.wait(lambda: term.shows("Press Ctrl-C again or Ctrl-D to leave."), WAIT, "the hint")
    assert term.process.poll() is None
    term.type("\x03")
    assert term.process.wait(WAIT) == 0
    assert "Traceback" not in term.raw.decode("utf-8", "replace")
