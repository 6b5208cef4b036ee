"""Rendering drafts into H.264 MP4s with ffmpeg, as asyncio subprocesses: the render
queue and the ffmpeg runner.

The commands are built in `render_command` (from `render_video`, `render_titles`,
`render_audio` and `render_graph`); their public names are importable from here too.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

from core.simulator.render_command import build_command, generated_media_command
from core.simulator.render_graph import (
    FileSource,
    GeneratedSource,
    RenderError,
    Resolver,
    Source,
    timeline_ms,
)
from core.simulator.render_reuse import Outputs, command_key
from core.simulator.render_titles import CJK_FONT_MISSING, Capabilities, detect_capabilities
from core.simulator.state import RenderJob

__all__ = [
    "CJK_FONT_MISSING",
    "Capabilities",
    "FileSource",
    "GeneratedSource",
    "RenderError",
    "Renderer",
    "Resolver",
    "Source",
    "build_command",
    "detect_capabilities",
    "generated_media_command",
    "run_ffmpeg",
    "timeline_ms",
]


async def run_ffmpeg(
    command: Sequence[str],
    *,
    cwd: Path,
    on_progress: Callable[[float], None] | None = None,
    total_seconds: float = 0.0,
) -> None:
    """Run ffmpeg; report the fraction written when `-progress pipe:1` is in the command.

    The process is killed if the caller is cancelled.
    """
    process = await asyncio.create_subprocess_exec(
        *command,
        cwd=str(cwd),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None and process.stderr is not None
        stderr_task = asyncio.ensure_future(process.stderr.read())
        async for raw in process.stdout:
            line = raw.decode("ascii", "replace").strip()
            if on_progress and total_seconds > 0 and line.startswith("out_time_us="):
                value = line.partition("=")[2]
                if value.isdigit():
                    on_progress(min(1.0, int(value) / 1e6 / total_seconds))
        stderr = await stderr_task
        code = await process.wait()
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
    if code != 0:
        lines = [ln for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
        raise RenderError(f"ffmpeg failed: {lines[-1][:300] if lines else f'exit code {code}'}")


def requested_size(output: Any) -> tuple[int, int] | None:
    """The size a render's `output` asks for ("width", "height"), if it is a sane one."""
    if not isinstance(output, dict):
        return None
    width, height = output.get("width"), output.get("height")
    if not (isinstance(width, int) and isinstance(height, int)):
        return None
    return (width, height) if 16 <= width <= 4096 and 16 <= height <= 4096 else None


def fitted(requested: tuple[int, int] | None, box: tuple[int, int]) -> tuple[int, int]:
    """The output size: the requested aspect scaled to fit the configured size's longer
    side (renders stay as cheap as configured), in even pixels; the configured size when
    none was asked for."""
    if requested is None:
        return box
    scale = min(1.0, max(box) / max(requested))
    width, height = (max(16, round(side * scale / 2) * 2) for side in requested)
    return width, height


class Renderer:
    """Runs render jobs in the background, at most `concurrency()` ffmpeg processes at
    once. The limit is read whenever a process starts, so it may change at any time.
    """

    def __init__(
        self,
        out_dir: Path,
        resolve: Resolver,
        size: Callable[[], tuple[int, int]],
        concurrency: Callable[[], int],
    ):
        self.out_dir = out_dir
        self.resolve = resolve
        self.size = size
        self.concurrency = concurrency
        self.caps = Capabilities()
        self.active = 0  # ffmpeg processes running now
        self.peak = 0  # most ever running at once
        self.outputs = Outputs()  # earlier outputs, reused by identical renders
        self._waiting: collections.deque[asyncio.Future[None]] = collections.deque()

    @property
    def threads(self) -> int:
        """Encoder threads per process: short renders are faster single-threaded, so the
        cores are shared among the slots."""
        return max(1, (os.cpu_count() or 1) // max(1, self.concurrency()))

    @contextlib.asynccontextmanager
    async def _slot(self) -> AsyncIterator[None]:
        """Wait (first come, first served) for a free ffmpeg slot and hold it. A freed slot
        is handed to the first waiter directly, so a newcomer cannot take it first."""
        if self.active < max(1, self.concurrency()) and not self._queued():
            self.active += 1
        else:
            turn = asyncio.get_running_loop().create_future()
            self._waiting.append(turn)
            try:
                await turn  # the slot is counted for us when the turn is given
            except asyncio.CancelledError:
                if turn.done() and not turn.cancelled():
                    self.active -= 1
                    self._wake()  # pass the slot this waiter was given on
                raise
            finally:
                with contextlib.suppress(ValueError):
                    self._waiting.remove(turn)
        self.peak = max(self.peak, self.active)
        try:
            yield
        finally:
            self.active -= 1
            self._wake()

    def _queued(self) -> bool:
        return any(not turn.done() for turn in self._waiting)

    def _wake(self) -> None:
        """Hand free slots to the first waiters, in order."""
        for turn in list(self._waiting):
            if self.active >= max(1, self.concurrency()):
                break
            if not turn.done():
                turn.set_result(None)
                self.active += 1

    def progress(self, job: RenderJob) -> int:
        """Progress 0-100: the lesser of time passed (against the job's minimum time) and
        the fraction ffmpeg has written; never goes back.
        """
        if job.finished or job.status == "pending":
            return job.progress
        elapsed = time.monotonic() - job.started
        by_time = 1.0 if job.min_seconds <= 0 else elapsed / job.min_seconds
        value = int(99 * max(0.0, min(by_time, job.encoded, 1.0)))
        job.progress = max(job.progress, min(value, 99))
        return job.progress

    async def run(self, job: RenderJob) -> None:
        """Render a job to completion (or failure); cancelling the task cancels the job."""
        try:
            if job.fail_error is not None:
                job.status = "processing"
                job.encoded = 0.5
                await asyncio.sleep(job.min_seconds / 2)
                raise RenderError(job.fail_error)
            async with self._slot():
                job.status = "processing"
                await self._encode(job)
            remaining = job.started + job.min_seconds - time.monotonic()
            if remaining > 0:
                await asyncio.sleep(remaining)
            job.status = "completed"
            job.progress = 100
        except RenderError as exc:
            job.status = "failed"
            job.error = str(exc)
        except asyncio.CancelledError:
            job.status = "cancelled"
            raise
        finally:
            job.completed_at = time.time()

    @contextlib.asynccontextmanager
    async def _workdir(self) -> AsyncIterator[Path]:
        """A scratch directory beside the outputs (so finished files move, not copy)."""
        # Made here rather than in a thread: a cancellation during the await would leak it.
        path = Path(tempfile.mkdtemp(prefix="work-", dir=self.out_dir))
        try:
            yield path
        finally:
            await asyncio.to_thread(shutil.rmtree, path, True)

    async def _encode(self, job: RenderJob) -> None:
        width, height = fitted(job.output_size, self.size())
        final = self.out_dir / f"{job.output_name}.mp4"
        async with self._workdir() as workdir:
            partial = workdir / "out.mp4"
            command = build_command(
                job.draft,
                width=width,
                height=height,
                resolve=self.resolve,
                workdir=workdir,
                output=partial,
                quality=job.quality,
                caps=self.caps,
                threads=self.threads,
            )
            total = timeline_ms(job.draft) / 1000

            def advance(fraction: float) -> None:
                job.encoded = max(job.encoded, fraction)

            key = command_key(command, workdir, partial)
            if not await self.outputs.reuse(key, final):
                async with self.outputs.making(key, final):
                    await run_ffmpeg(command, cwd=workdir, on_progress=advance,
                                     total_seconds=total)
                    partial.replace(final)  # one rename: not worth a thread
            job.encoded = 1.0
            job.output_path = final
            job.duration = round(total, 3)
            job.size = final.stat().st_size

    async def write_generated(self, kind: str, spec: dict[str, Any], output: Path) -> None:
        """Write a generated clip or tone to `output` (atomically)."""
        width, height = self.size()
        async with self._slot(), self._workdir() as workdir:
            partial = workdir / ("out" + output.suffix)
            command = generated_media_command(kind, spec, width, height, partial)
            await run_ffmpeg(command, cwd=workdir)
            partial.replace(output)
