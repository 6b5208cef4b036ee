"""What a line typed in the terminal chat means."""

from __future__ import annotations

from pathlib import Path

import pytest

import bots.console.texts  # noqa: F401  (the terminal's texts)
from bots.console.lines import read_line
from core.outgoing import Action, Button


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder with a few files, one with a space in its name."""
    for name in ("a.mp4", "b.mp4", "my clip.mp4", "song.mp3"):
        (tmp_path / name).write_bytes(b"x")
    return tmp_path


def read(line: str, start: Path, choices: tuple[Button, ...] = ()) -> tuple[str, str, list[str]]:
    found = read_line(line, start=start, choices=choices, lang="en")
    return found.kind, found.text, [p.name for p in found.files]


def test_commands(folder: Path) -> None:
    assert read("/frobnicate", folder) == ("problem", "/frobnicate is not a command. Type /help.",
                                           [])
    assert read("/attachx a.mp4", folder)[1] == "/attachx is not a command. Type /help."
    assert read("/help", folder)[0] == "help"
    assert read("/quit", folder)[0] == "quit" and read("/exit", folder)[0] == "quit"
    assert read("/export", folder) == ("message", "/export", [])
    assert read("/link nmv_usr_x", folder) == ("message", "/link nmv_usr_x", [])
    assert read("  ", folder)[0] == "empty"
    assert read("combine my clips", folder) == ("message", "combine my clips", [])


def test_attach_paths_are_relative_to_the_start_folder(folder: Path, tmp_path: Path) -> None:
    assert read("/attach a.mp4 song.mp3", folder) == ("attach", "", ["a.mp4", "song.mp3"])
    assert read('/attach "my clip.mp4"', folder)[2] == ["my clip.mp4"]
    assert read("/attach my\\ clip.mp4", folder)[2] == ["my clip.mp4"]
    assert read("/attach *.mp4", folder)[2] == ["a.mp4", "b.mp4", "my clip.mp4"]
    assert read(f"/attach {folder}/b.mp4", Path("/"))[2] == ["b.mp4"]


def test_attach_expands_the_home_folder(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(folder))
    assert read("/attach ~/song.mp3", Path("/"))[2] == ["song.mp3"]


def test_attach_mistakes_are_explained(folder: Path) -> None:
    kind, text, _ = read("/attach my clip.mp4", folder)
    assert kind == "problem" and text.startswith(f"Not found in {folder}: my, clip.mp4.")
    assert text.endswith('Put names with spaces in quotes: /attach "my clip.mp4".')
    assert read("/attach", folder)[1].startswith("Usage: /attach FILE")
    assert read("/attach *.mov", folder)[1] == f"Not found in {folder}: *.mov."
    assert "Quote names with spaces" in read('/attach "a.mp4', folder)[1]
    (folder / "shoot").mkdir()
    assert read("/attach shoot", folder) == (
        "problem", 'shoot: a folder. Attach the files in it: /attach "shoot"/*', [])


def test_numbers_pick_the_latest_choices(folder: Path) -> None:
    choices = (Button("Export", Action.EXPORT), Button("Keep it", Action.CHOOSE, value="3.1"))
    assert read("1", folder, choices) == ("message", "/export", [])
    assert read("2", folder, choices) == ("message", "/choose 3.1", [])
    assert read("3", folder, choices) == ("problem", "There is no choice 3 right now.", [])
    assert read("3", folder) == ("message", "3", [])
