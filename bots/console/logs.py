"""Logs of the terminal chat go to a file, not between the messages: an error shows as one
line that says where the details are. LOG_LEVEL set by the user keeps the logs on stderr."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from core.i18n import t


class _OneLine(logging.Handler):
    """An error as one line of the chat, pointing at the log file."""

    def __init__(self, notice: Callable[[str], None], path: Path, lang: str | None) -> None:
        super().__init__(logging.ERROR)
        self.notice, self.path, self.lang = notice, path, lang

    def emit(self, record: logging.LogRecord) -> None:
        try:
            first = record.getMessage().splitlines()[0] if record.getMessage() else record.name
            self.notice(f"{first} {t(self.lang, 'console.error_logged', path=self.path)}")
        except Exception:  # logging must never break the chat
            self.handleError(record)


class _SetUp(logging.Handler):
    """A warning about the set-up found at the start (NemoVideo not reachable...) as a
    line of the chat: in the log file alone, the chat would just seem dead."""

    def __init__(self, notice: Callable[[str], None], lang: str | None) -> None:
        super().__init__(logging.WARNING)
        self.notice, self.lang = notice, lang

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR:
            return  # said by `_OneLine`
        try:
            text = record.getMessage().splitlines()[0]
            if text.startswith("NemoVideo is not reachable"):
                text += " " + t(self.lang, "console.try_simulate")
            self.notice(text)
        except Exception:  # logging must never break the chat
            self.handleError(record)


#: the logger of the start-up checks (`core.operations`)
SET_UP = "core.operations"


@contextlib.contextmanager
def chat_logs(data_home: Path, notice: Callable[[str], None],
              lang: str | None) -> Iterator[Path | None]:
    """Send the logs to `<data_home>/logs/chat.log` while the chat runs; yields its path
    (None when LOG_LEVEL is set and the logs stay where they were)."""
    if os.environ.get("LOG_LEVEL"):
        yield None
        return
    path = data_home / "logs" / "chat.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    saved, level = root.handlers[:], root.level
    to_file = logging.FileHandler(path, encoding="utf-8")
    to_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.handlers = [to_file, _OneLine(notice, path, lang)]
    root.setLevel(logging.INFO)
    set_up = _SetUp(notice, lang)
    logging.getLogger(SET_UP).addHandler(set_up)
    try:
        yield path
    finally:
        logging.getLogger(SET_UP).removeHandler(set_up)
        root.handlers = saved
        root.setLevel(level)
        to_file.close()
