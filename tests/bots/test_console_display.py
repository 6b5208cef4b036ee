"""What the terminal shows for the core's messages, edits and progress, with a terminal
(a live area above the prompt) and without (plain lines)."""

from __future__ import annotations

import re

import pytest

import bots.console.texts  # noqa: F401  (the terminal's texts)
import core.conversation.texts
import core.renders.texts  # noqa: F401
from bots.console.display import Display, colours
from core.i18n import t
from core.outgoing import Action, Button, ProgressReport

ANSI = re.compile(r"\x1b\[[0-9;]*m")


class Screen:
    """What was printed, colours removed."""

    def __init__(self) -> None:
        self.printed: list[str] = []

    def write(self, text: str) -> None:
        self.printed.append(ANSI.sub("", text))

    @property
    def text(self) -> str:
        return "".join(self.printed)


def display(live: bool) -> tuple[Display, Screen]:
    screen = Screen()
    return Display(screen.write, live=live, width=lambda: 100, lang="en"), screen


def test_plain_output_streams_and_prints_progress_lines() -> None:
    shown, screen = display(live=False)
    shown.message("1", "Hello")
    shown.edit("1", "Hello there")
    assert screen.text == "\nbot> Hello there"
    shown.message("2", t("en", "uploading", count=1))
    for done in (0, 40, 80):
        shown.progress("2", ProgressReport("upload", done * 10**6, 100 * 10**6, f"{done}%"))
    shown.edit("2", "Received: a.mp4 (2s)")
    lines = screen.text.splitlines()
    assert lines[2].startswith("Uploading: 0% (0 bytes of 100.0 MB")
    assert lines[3].startswith("Uploading: 40% (40.0 MB of 100.0 MB")
    assert lines[-2].startswith("Uploaded: 100% (100.0 MB of 100.0 MB")
    assert lines[-1] == "bot> Received: a.mp4 (2s)"


def test_a_render_bar_finishes_at_100_before_the_video() -> None:
    shown, screen = display(live=True)
    shown.message("1", t("en", "render.started"))
    shown.progress("1", ProgressReport("render", 66, 100, "Rendering… 66%"))
    area = ANSI.sub("", shown.live_area())
    assert area.startswith("Rendering") and "66%" in area and "━" in area
    shown.delivered("2", "Video ready: saved to downloads/v.mp4",
                    (Button("Open project", url="http://x/p"),))
    shown.edit("1", t("en", "render.done"))
    assert "Rendered" in screen.text and "100%" in screen.text
    assert shown.running_bars("render") == 0
    shown.settle(turn_over=True)
    assert screen.text.index("Rendered") < screen.text.index("Video ready")
    assert "Open project: http://x/p" in screen.text
    assert "Rendering done" not in screen.text


def test_a_cancelled_render_stops_its_bar_and_says_so() -> None:
    shown, screen = display(live=True)
    shown.message("1", t("en", "render.started"))
    shown.progress("1", ProgressReport("render", 30, 100, "Rendering… 30%"))
    shown.edit("1", t("en", "render.cancelled"))
    assert "Stopped" in screen.text and "30%" in screen.text
    shown.settle(turn_over=True)
    assert screen.text.rstrip().endswith("bot> Render cancelled.")


def test_an_upload_that_fails_stops_its_bar_when_the_turn_ends() -> None:
    shown, screen = display(live=True)
    shown.message("1", t("en", "uploading", count=2))
    shown.progress("1", ProgressReport("upload", 5 * 10**6, 10**7, "50%"))
    shown.message("2", "NemoVideo can't use that file")
    assert shown.running_bars("upload") == 1
    shown.settle(turn_over=True)
    assert shown.running_bars("upload") == 0 and "Stopped" in screen.text


@pytest.mark.parametrize("live", [True, False])
def test_a_bar_that_never_began_leaves_no_stopped_line(live: bool) -> None:
    """A refused upload, an export answered by a render already running: no "Stopped:
    0% (0 s)" for what never began."""
    shown, screen = display(live=live)
    shown.message("1", t("en", "uploading", count=1))
    shown.edit("1", t("en", "upload_not_done"))
    shown.message("2", "NemoVideo can't use that file")
    shown.settle(turn_over=True)
    assert "Stopped" not in screen.text and "0%" not in screen.text, screen.text
    assert "The upload did not go through." in screen.text


def test_live_messages_stay_above_the_prompt_until_they_settle() -> None:
    shown, screen = display(live=True)
    shown.message("1", "Thinking", (Button("Export", Action.EXPORT),))
    shown.edit("1", "Thinking about it", (Button("Export", Action.EXPORT),
                                          Button("Status", Action.STATUS)))
    assert screen.text == ""
    area = ANSI.sub("", shown.live_area())
    assert area == "bot> Thinking about it\n     [1] Export  [2] Status\n"
    assert [b.label for b in shown.choices] == ["Export", "Status"]
    shown.settle(turn_over=True)
    assert shown.live_area() == "" and "bot> Thinking about it" in screen.text


@pytest.mark.parametrize(("env", "expected"), [
    ({"TERM": "xterm-256color"}, True), ({"TERM": "dumb"}, False),
    ({"TERM": "xterm-256color", "NO_COLOR": "1"}, False), ({"NO_COLOR": ""}, True),
])
def test_no_color_and_a_dumb_terminal_get_no_colours(
        monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: bool) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert colours() is expected
    raw: list[str] = []
    shown = Display(raw.append, live=True, width=lambda: 100, lang="en")
    shown.notice("Stopping…")
    shown.message("1", "Hello")
    shown.message("2", t("en", "uploading", count=1))
    shown.progress("2", ProgressReport("upload", 40, 100, ""))
    shown.settle(turn_over=True)
    written = "".join(raw) + shown.live_area()
    assert ("\x1b[" in written) is expected, repr(written)
