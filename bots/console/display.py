"""What the terminal shows.

In a terminal (`live`), the bot's newest messages and the running bars stay in a live area
just above the prompt, where edits (a streamed answer, a progress bar) change them in
place; a message moves up into the scrollback once it has not changed for `SETTLE`
seconds or the turn is over, and a bar when its upload or render ends (a finished bar at
100%). Without a terminal every message is printed once, streamed text is appended, and
progress is a plain line now and then.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from bots.console.bars import RENDER, UPLOAD, Bar, Bars
from core.i18n import SUPPORTED, t
from core.outgoing import Button, ProgressReport

SETTLE = 1.2
PLAIN_STEP = 10  # percent between two plain progress lines

_BOT = "\x1b[1;36mbot>\x1b[0m "
_DIM = "\x1b[2m{}\x1b[0m"
_INDENT = "     "


def _prefixes(key: str, **blank: str) -> tuple[str, ...]:
    """The start of a core text in every language, up to its first placeholder (none
    for a language whose text starts with one)."""
    starts = (t(lang, key, **blank).split("\x00")[0] for lang in SUPPORTED)
    return tuple(start for start in starts if start)


def _pattern(key: str) -> re.Pattern[str]:
    """A core text in any language, each placeholder standing for anything."""
    forms = {t(lang, key) for lang in SUPPORTED}  # without values: the templates
    return re.compile("|".join(
        ".+?".join(re.escape(piece) for piece in re.split(r"\{[^{}]*\}", form))
        for form in sorted(forms)))


def _is(text: str, key: str) -> bool:
    return text in {t(lang, key) for lang in SUPPORTED}


def colours() -> bool:
    """Whether the terminal takes colours: not when NO_COLOR is set (no-color.org), nor on
    a dumb terminal (TERM=dumb)."""
    return not os.environ.get("NO_COLOR") and os.environ.get("TERM", "") != "dumb"


@dataclass
class Entry:
    """A message of the bot as the terminal shows it."""

    mid: str
    text: str
    buttons: tuple[Button, ...] = ()
    changed: float = 0.0
    live: bool = False  # in the live area (else printed, or shown as a bar only)
    bar: Bar | None = None
    bar_live: bool = False
    shown_percent: int = -PLAIN_STEP


class Display:
    """The bot's side of the terminal; `write` prints above the prompt."""

    def __init__(self, write: Callable[[str], None], *, live: bool, width: Callable[[], int],
                 lang: str | None, colour: bool | None = None) -> None:
        self.write = write
        self.live = live
        #: terminal colours (not under NO_COLOR, nor on a dumb terminal)
        self.colour = colours() if colour is None else colour
        self.width = width
        self.lang = lang
        self.bars = Bars()
        self.entries: dict[str, Entry] = {}
        self.choices: tuple[Button, ...] = ()
        self.changed: Callable[[], None] = lambda: None
        self._last_printed: str | None = None

    # -- what the bot does -----------------------------------------------------------------
    def message(self, mid: str, text: str, buttons: tuple[Button, ...] = ()) -> None:
        """A new message; the core's "Uploading…" and "Rendering…" start a bar."""
        entry = self.entries[mid] = Entry(mid, text, buttons, time.monotonic())
        if _pattern("uploading").fullmatch(text):
            self._start_bar(entry, UPLOAD)
        elif _is(text, "render.started"):
            self._start_bar(entry, RENDER)
        else:
            self._show(entry)

    def edit(self, mid: str, text: str, buttons: tuple[Button, ...] = ()) -> None:
        """A message changed: a growing answer, a bar's end, a new outcome."""
        entry = self.entries.get(mid)
        if entry is None:
            self.message(mid, text, buttons)
            return
        if entry.bar is not None:
            if self._bar_edit(entry, text):
                return
        elif entry.live or (not self.live and self._continue(entry, text)):
            entry.text, entry.buttons, entry.changed = text, buttons, time.monotonic()
            self._choices(buttons)
            self.changed()
            return
        if text == entry.text and buttons == entry.buttons:
            return
        entry.text, entry.buttons, entry.changed = text, buttons, time.monotonic()
        self._show(entry)

    def progress(self, mid: str, report: ProgressReport) -> None:
        """A bar moved."""
        entry = self.entries.get(mid)
        if entry is None:
            entry = self.entries[mid] = Entry(mid, report.text, changed=time.monotonic())
        if entry.bar is None or not entry.bar_live:
            entry.live = False
            self._start_bar(entry, report.kind)
        assert entry.bar is not None
        self.bars.update(entry.bar, report.done, report.total)
        if not self.live:
            percent = int(100 * report.done / report.total) if report.total else 0
            if percent - entry.shown_percent >= PLAIN_STEP:
                entry.shown_percent = percent
                self._print(self.bars.plain(entry.bar))
        self.changed()

    def delivered(self, mid: str, text: str, buttons: tuple[Button, ...]) -> None:
        """A video arrived (saved, or a link): its render's bar ends at 100% first."""
        rendering = [e for e in self.entries.values()
                     if e.bar is not None and e.bar_live and e.bar.kind == RENDER]
        if rendering:
            self._end_bar(rendering[0], done=True)
        self.message(mid, text, buttons)

    def notice(self, text: str) -> None:
        """A line of the terminal itself (not the bot's)."""
        self._print(_DIM.format(text) if self.live and self.colour else text)

    def echo(self, text: str) -> None:
        """What the user sent, for piped input (a terminal shows it already)."""
        self._print(f"you> {text}")

    # -- time passing ------------------------------------------------------------------------
    def settle(self, *, turn_over: bool = False) -> None:
        """Move quiet messages to the scrollback (all of them when the turn is over, and
        the bars of uploads that ended without a word)."""
        now = time.monotonic()
        for entry in self._live_texts():
            if not turn_over and now - entry.changed < SETTLE:
                break
            self._commit(entry)
        if turn_over:
            for entry in list(self.entries.values()):
                if entry.bar is not None and entry.bar_live and entry.bar.kind == UPLOAD:
                    self._end_bar(entry, done=False)

    def live_area(self) -> str:
        """The live messages and bars, each line ending with a newline."""
        width = self.width()
        lines = [self._format(entry) for entry in self._live_texts()]
        lines += [self.bars.line(entry.bar, width, colour=self.colour)
                  for entry in self.entries.values()
                  if entry.bar is not None and entry.bar_live]
        return "".join(f"{line}\n" for line in lines)

    def freeze(self) -> str:
        """The live messages, taken out of the live area to stay where they are (above a
        line the user just entered); each line ends with a newline."""
        entries = self._live_texts()
        for entry in entries:
            entry.live = False
        return "".join(f"{self._format(entry)}\n" for entry in entries)

    def running_bars(self, kind: str) -> int:
        """How many bars of `kind` are running."""
        return sum(1 for e in self.entries.values()
                   if e.bar is not None and e.bar_live and e.bar.kind == kind)

    # -- inside ------------------------------------------------------------------------------
    def _show(self, entry: Entry) -> None:
        self._choices(entry.buttons)
        if self.live:
            entry.live = True
            self.changed()
        else:
            self._print(self._format(entry))
            self._last_printed = entry.mid

    def _continue(self, entry: Entry, text: str) -> bool:
        """Plain output: append what a streamed answer added to the last line printed."""
        if entry.mid != self._last_printed or not text.startswith(entry.text) or not entry.text:
            return False
        self.write(text[len(entry.text):])
        return True

    def _bar_edit(self, entry: Entry, text: str) -> bool:
        """An edit of a bar's message; True when nothing more is to be shown."""
        assert entry.bar is not None
        if entry.bar.kind == RENDER and text.startswith(_prefixes("render.started")):
            if entry.bar_live and text not in _prefixes("render.started"):
                self.bars.restart(entry.bar)  # a second try
            return True
        if entry.bar.kind == RENDER and _is(text, "render.done"):
            if entry.bar_live:
                self._end_bar(entry, done=True)
            return True
        if entry.bar_live:
            done = entry.bar.kind == UPLOAD and text.startswith(_prefixes("uploaded", files="\x00"))
            self._end_bar(entry, done=done)
        return False

    def _start_bar(self, entry: Entry, kind: str) -> None:
        entry.bar, entry.bar_live = self.bars.add(kind, self.lang, None), True
        self.changed()

    def _end_bar(self, entry: Entry, *, done: bool) -> None:
        assert entry.bar is not None
        for earlier in self._live_texts():
            self._commit(earlier)
        self.bars.finish(entry.bar, done=done)
        entry.bar_live = False
        if done or self.bars.moved(entry.bar):  # not "Stopped: 0%" for what never began
            line = self.bars.line(entry.bar, self.width(), colour=self.colour) if self.live else \
                self.bars.plain(entry.bar)
            self._print(line)
        self.bars.remove(entry.bar)
        self.changed()

    def _live_texts(self) -> list[Entry]:
        return [entry for entry in self.entries.values() if entry.live]

    def _commit(self, entry: Entry) -> None:
        entry.live = False
        self._print(self._format(entry))
        self.changed()

    def _print(self, text: str) -> None:
        self.write(f"\n{text}" if not self.live else f"{text}\n")

    def _choices(self, buttons: tuple[Button, ...]) -> None:
        actions = tuple(b for b in buttons if b.action is not None)
        if actions:
            self.choices = actions

    def _format(self, entry: Entry) -> str:
        head = _BOT if self.live and self.colour else "bot> "
        lines = entry.text.split("\n")
        text = head + "\n".join(f"{_INDENT}{line}" if line.strip() else ""
                                 for line in lines).removeprefix(_INDENT)
        actions = [b for b in entry.buttons if b.action is not None]
        if actions:
            numbered = "  ".join(f"[{n}] {b.label}" for n, b in enumerate(actions, 1))
            text += f"\n{_INDENT}{numbered}"
        for button in entry.buttons:
            if button.url:
                link = t(self.lang, "console.link", label=button.label, url=button.url)
                text += f"\n{_INDENT}{link}"
        return text
