"""Progress bars of uploads and renders, drawn with rich: bytes, speed and time left for an
upload; percent, elapsed time and an estimate of the time left for a render (from the pace
of its successive percentages). `line` gives a bar as text with colours for a terminal;
`plain` gives one sentence for a log or a pipe."""

from __future__ import annotations

import io
from dataclasses import dataclass

from rich.console import Console, RenderableType
from rich.filesize import decimal
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.text import Text

from core.i18n import t

UPLOAD = "upload"
RENDER = "render"


class _Sized(ProgressColumn):
    """A column shown only once the upload's size is known."""

    def __init__(self, column: ProgressColumn) -> None:
        super().__init__()
        self.column = column

    def render(self, task: Task) -> RenderableType:
        """The wrapped column, or nothing."""
        return self.column.render(task) if task.fields.get("sized") else Text("")


class _Left(ProgressColumn):
    """The time left while running, "left" after it ("eta 0:00:04"); nothing once done."""

    def __init__(self) -> None:
        super().__init__()
        self.column = TimeRemainingColumn()

    def render(self, task: Task) -> RenderableType:
        """The estimate, or nothing."""
        if task.finished:
            return Text("")
        left = self.column.render(task)
        return Text.assemble(("~", "progress.remaining"), left)


def _progress(kind: str) -> Progress:
    columns: list[ProgressColumn] = [TextColumn("{task.description}"), BarColumn(bar_width=28),
                                     TaskProgressColumn()]
    if kind == UPLOAD:
        columns += [_Sized(DownloadColumn()), _Sized(TransferSpeedColumn())]
        columns += [TimeRemainingColumn(elapsed_when_finished=True)]
    else:
        columns += [TimeElapsedColumn(), _Left()]
    # Never started: the bars are drawn on demand (`line`), never by rich's own live display.
    return Progress(*columns, console=Console(file=io.StringIO()), auto_refresh=False,
                    speed_estimate_period=15.0)


@dataclass
class Bar:
    """One bar: its kind and its task in the kind's `Progress`."""

    kind: str
    task: TaskID
    lang: str | None


class Bars:
    """Every bar of the chat, by kind."""

    def __init__(self) -> None:
        self._by_kind = {UPLOAD: _progress(UPLOAD), RENDER: _progress(RENDER)}

    def add(self, kind: str, lang: str | None, total: float | None) -> Bar:
        """A new bar at 0 (an upload's `total` is in bytes; None while unknown)."""
        label = t(lang, "console.uploading" if kind == UPLOAD else "console.rendering")
        progress = self._by_kind[kind]
        task = progress.add_task(label, total=total if kind == UPLOAD else 100.0,
                                 sized=bool(total))
        return Bar(kind, task, lang)

    def update(self, bar: Bar, done: float, total: float | None) -> None:
        """Move a bar (never backwards, except when a render starts again)."""
        progress = self._by_kind[bar.kind]
        if bar.kind == UPLOAD and total:
            progress.update(bar.task, total=total, sized=True)
        progress.update(bar.task, completed=done)

    def restart(self, bar: Bar) -> None:
        """A render tried again: back to 0, with a fresh clock."""
        self._by_kind[bar.kind].reset(bar.task, total=100.0)

    def finish(self, bar: Bar, *, done: bool) -> None:
        """Complete the bar (100%), or mark it stopped where it is."""
        progress = self._by_kind[bar.kind]
        task = self._task(bar)
        if done:
            finished = "console.uploaded" if bar.kind == UPLOAD else "console.rendered"
            total = task.total if task.total else max(task.completed, 1.0)
            progress.update(bar.task, total=total, completed=total,
                            description=t(bar.lang, finished))
        else:
            progress.update(bar.task, description=t(bar.lang, "console.stopped"))
        progress.stop_task(bar.task)

    def moved(self, bar: Bar) -> bool:
        """Whether the bar got past 0 (a bar stopped at 0 says nothing worth a line)."""
        return self._task(bar).completed > 0

    def remove(self, bar: Bar) -> None:
        """Forget the bar."""
        self._by_kind[bar.kind].remove_task(bar.task)

    def line(self, bar: Bar, width: int, *, colour: bool = True) -> str:
        """The bar as one line of text, with terminal colours unless `colour` is False."""
        buffer = io.StringIO()
        console = Console(file=buffer, force_terminal=True, no_color=not colour,
                          color_system="standard" if colour else None,
                          width=max(40, width), legacy_windows=False)
        progress = self._by_kind[bar.kind]
        console.print(progress.make_tasks_table([self._task(bar)]), end="")
        return buffer.getvalue().rstrip("\n")

    def plain(self, bar: Bar) -> str:
        """The bar as a sentence: "Uploading: 40% (1.2 MB of 3.0 MB, 5.1 MB/s, 1 s left)"."""
        task = self._task(bar)
        percent = int(task.percentage) if task.total else 0
        details = []
        if bar.kind == UPLOAD and task.total and task.fields.get("sized"):
            of = t(bar.lang, "console.of")
            details.append(f"{decimal(int(task.completed))} {of} {decimal(int(task.total))}")
            if task.speed:
                details.append(f"{decimal(int(task.speed))}/s")
        elif task.elapsed is not None:
            details.append(f"{int(task.elapsed)} s")
        remaining = task.time_remaining
        if remaining is not None and not task.finished:
            details.append(f"{int(remaining) + 1} s {t(bar.lang, 'console.left')}")
        tail = f" ({', '.join(details)})" if details else ""
        return f"{task.description}: {percent}%{tail}"

    def _task(self, bar: Bar) -> Task:
        return next(task for task in self._by_kind[bar.kind].tasks if task.id == bar.task)
