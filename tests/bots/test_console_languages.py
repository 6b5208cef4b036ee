"""The terminal chat in the user's language: `/language` switches the bot's answers and
the terminal's own words, and the choice holds in the next run."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

from tests.kits.terminal import Terminal, terminal

NEMOBOT = str(Path(sys.executable).parent / "nemobot")
WAIT = 30.0


def run(tmp_path: Path) -> contextlib.AbstractContextManager[Terminal]:
    """`nemobot chat --simulate` in a terminal, its data (and Redis) kept in `tmp_path`."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("NEMOBOT_START_DIR", "REDIS_URL", "NEMO_TOKEN", "LOG_LEVEL", "LC_ALL")}
    env |= {"DATA_DIR": str(tmp_path / "data"), "LANG": "C.UTF-8", "PROMPT_TOOLKIT_NO_CPR": "1"}
    return terminal([NEMOBOT, "chat", "--simulate"], cwd=tmp_path, env=env)


def test_language_switches_the_terminal_and_holds_in_the_next_run(tmp_path: Path) -> None:
    with run(tmp_path) as term:
        term.wait(lambda: term.shows("Type a message and press Enter."), WAIT, "the intro")
        term.type("/language es\r")
        term.wait(lambda: term.shows("A partir de ahora te respondo en español."), WAIT,
                  "the confirmation")
        term.type("status\r")
        term.wait(lambda: term.shows("La línea de tiempo está vacía."), WAIT, "the status")
        term.type("\x03")  # "stopping" while the turn ends, else the hint to leave
        term.wait(lambda: term.shows("pulsa Ctrl-C otra vez para salir")
                  or term.shows("Pulsa Ctrl-C otra vez o Ctrl-D para salir."), WAIT,
                  "the terminal's own words, in Spanish")
        term.type("\x04")
        assert term.process.wait(WAIT) == 0
    with run(tmp_path) as term:
        term.wait(lambda: term.shows("Escribe un mensaje y pulsa Intro."), WAIT,
                  "the intro, in Spanish")
        term.type("/quit\r")
        assert term.process.wait(WAIT) == 0
        assert "Traceback" not in term.raw.decode("utf-8", "replace")
