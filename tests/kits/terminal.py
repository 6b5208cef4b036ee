"""A program in a pseudo-terminal, read through a terminal emulator (pyte), as a person
would see it: the screen's lines, what is on the last one, what scrolled by."""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import select
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pyte


class Terminal:
    """Runs `command` in a pty of `columns` x `rows`; `screen()` is what shows."""

    def __init__(self, command: Sequence[str], *, cwd: Path, env: dict[str, str],
                 columns: int = 110, rows: int = 32) -> None:
        self.columns, self.rows = columns, rows
        self._screen = pyte.HistoryScreen(columns, rows, history=2000)
        self._stream = pyte.ByteStream(self._screen)
        self._lock = threading.Lock()
        self.raw = bytearray()
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.process = subprocess.Popen(
            list(command), cwd=cwd, env={**env, "TERM": "xterm-256color",
                                         "COLUMNS": str(columns), "LINES": str(rows)},
            stdin=slave, stdout=slave, stderr=slave, start_new_session=True, close_fds=True)
        os.close(slave)
        self._master = master
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            ready, _, _ = select.select([self._master], [], [], 0.05)
            if not ready:
                if self.process.poll() is not None:
                    return
                continue
            try:
                data = os.read(self._master, 65536)
            except OSError:
                return
            if not data:
                return
            with self._lock:
                self.raw.extend(data)
                self._stream.feed(data)

    def type(self, text: str) -> None:
        """Keys, as typed ("\\r" is Enter, "\\x03" Ctrl-C, "\\x04" Ctrl-D)."""
        os.write(self._master, text.encode())

    def lines(self) -> list[str]:
        """The screen's lines, trailing blanks removed."""
        with self._lock:
            return [line.rstrip() for line in self._screen.display]

    def last_line(self) -> str:
        """The last line that is not blank."""
        shown = [line for line in self.lines() if line.strip()]
        return shown[-1] if shown else ""

    def text(self) -> str:
        """Everything that scrolled off, then the screen."""
        with self._lock:
            history = ["".join(char.data for char in row.values()).rstrip()
                       for row in (self._screen.history.top[i]
                                   for i in range(len(self._screen.history.top)))]
            return "\n".join([*history, *(line.rstrip() for line in self._screen.display)])

    def shows(self, text: str) -> bool:
        """Whether `text` is on the screen or scrolled by, wherever lines wrapped (spaces and
        line ends are not compared)."""
        squeeze = str.maketrans("", "", " \n")
        return text.translate(squeeze) in self.text().translate(squeeze)

    def wait(self, check: Callable[[], object], within: float, what: str,
             interval: float = 0.01) -> object:
        """Wait for `check()` to be true; fail naming `what` and showing the screen."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            value = check()
            if value:
                return value
            time.sleep(interval)
        raise AssertionError(f"timed out after {within} s waiting for {what}; screen:\n"
                             + "\n".join(self.lines()))

    def close(self) -> None:
        """End the program (if still running) and the pty."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)
        self._reader.join(5)
        with contextlib.suppress(OSError):
            os.close(self._master)


@contextlib.contextmanager
def terminal(command: Sequence[str], *, cwd: Path, env: dict[str, str],
             columns: int = 110, rows: int = 32) -> Iterator[Terminal]:
    """A `Terminal`, closed afterwards."""
    term = Terminal(command, cwd=cwd, env=env, columns=columns, rows=rows)
    try:
        yield term
    finally:
        term.close()
