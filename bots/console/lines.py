"""What a typed line means: a message, files to send, a terminal command, a numbered choice,
or a mistake to point out (an unknown command, a file that is not there)."""

from __future__ import annotations

import glob
import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from core.i18n import t
from core.intents import COMMANDS
from core.outgoing import Button, parse_press

#: the terminal's own commands; every other command is the core's or unknown
TERMINAL_COMMANDS = ("attach", "help", "quit", "exit")
_COMMAND = re.compile(r"^/(?P<name>\S*)(?:\s+(?P<rest>.*))?$", re.S)
_CHOICE = re.compile(r"^\d{1,2}$")
_GLOB = re.compile(r"[*?[]")


@dataclass(frozen=True)
class Line:
    """A typed line, understood. `kind`: empty, message, attach, help, quit or problem
    (`text` then says what is wrong)."""

    kind: str
    text: str = ""
    files: tuple[Path, ...] = ()


def read_line(line: str, *, start: Path, choices: tuple[Button, ...],
              lang: str | None) -> Line:
    """Understand one typed line; paths are relative to `start`."""
    line = line.strip()
    if not line:
        return Line("empty")
    if _CHOICE.match(line) and choices:
        number = int(line)
        if not 1 <= number <= len(choices):
            return Line("problem", t(lang, "console.no_choice", number=number))
        press = choices[number - 1].press
        command = parse_press(press) if press else None
        return Line("message", command or choices[number - 1].label)
    found = _COMMAND.match(line)
    if found is None:
        return Line("message", line)
    name = found["name"].lower()
    if name == "attach":
        return attach(found["rest"] or "", start, lang)
    if name in ("quit", "exit"):
        return Line("quit")
    if name == "help":
        return Line("help")
    if name.split("@", 1)[0] in COMMANDS:
        return Line("message", line)
    return Line("problem", t(lang, "console.unknown_command", name=found["name"]))


def attach(rest: str, start: Path, lang: str | None) -> Line:
    """`/attach` with its arguments: existing files, `~` and wildcards expanded."""
    try:
        names = shlex.split(rest)
    except ValueError as exc:
        return Line("problem", t(lang, "console.bad_quotes", error=str(exc)))
    if not names:
        return Line("problem", t(lang, "console.attach_usage"))
    found: list[Path] = []
    missing: list[str] = []
    folders: list[str] = []
    for name in names:
        matches = expand(name, start)
        if matches:
            found.extend(matches)
        elif _folder(name, start):
            folders.append(name)
        else:
            missing.append(name)
    if folders:
        return Line("problem", t(lang, "console.folder", names=", ".join(folders)))
    if not missing:
        return Line("attach", files=tuple(found))
    problem = t(lang, "console.not_found", start=start, names=", ".join(missing))
    if len(names) > 1 or expand(rest.strip(), start):
        problem += " " + t(lang, "console.quote_hint")
    return Line("problem", problem)


def _folder(name: str, start: Path) -> bool:
    """Whether a typed name is a folder."""
    return _typed(name, start).is_dir()


def _typed(name: str, start: Path) -> Path:
    """The path a typed name stands for: `~` expanded, relative to `start`."""
    path = Path(os.path.expanduser(name))
    return path if path.is_absolute() else start / path


def expand(name: str, start: Path) -> list[Path]:
    """The files a typed name stands for: `~` expanded, relative to `start`, wildcards
    matched (sorted); empty when there is none."""
    path = _typed(name, start)
    if _GLOB.search(name):
        return [Path(p).resolve() for p in sorted(glob.glob(str(path))) if Path(p).is_file()]
    return [path.resolve()] if path.is_file() else []
