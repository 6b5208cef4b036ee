"""Rendering drafts into H.264 MP4s with ffmpeg, as asyncio subprocesses.

Filters relied on: scale, pad, setsar, format, fps, tpad, trim, setpts, fade,
concat, drawtext (or drawbox when the ffmpeg build lacks drawtext or no font is
found: the title then shows as a dark band for its time range), aresample,
aformat, apad, atrim, asetpts, volume, adelay, amix, anullsrc, and the sources
color, testsrc2 and aevalsrc for generated media.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.simulator import drafts
from core.simulator.media import ffmpeg_exe
from core.simulator.state import RenderJob

logger = logging.getLogger(__name__)

FPS = 25
MAX_MS = 10 * 60 * 1000
_FADE = 0.3
_AUDIO_FORMAT = "aresample=44100,aformat=sample_fmts=fltp:channel_layouts=stereo"
_CRF = {"high": "23", "medium": "28", "low": "32"}
_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    "/System/Library/Fonts/Supplemental/Arial.ttf",
    "/Library/Fonts/Arial.ttf",
    "C:/Windows/Fonts/arial.ttf",
)
_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "/System/Library/Fonts")
_CJK_FONT_NAMES = (
    "NotoSansCJK", "NotoSerifCJK", "NotoSansSC", "NotoSansTC", "NotoSansJP", "SourceHanSans",
    "SourceHanSerif", "wqy", "DroidSansFallback", "uming", "ukai", "PingFang", "Hiragino",
    "STHeiti", "Songti", "msyh", "simhei", "simsun", "Arial Unicode",
)  # fmt: skip
#: drawn instead of a CJK title when no font on the machine has the glyphs
CJK_FONT_MISSING = "[title needs a CJK font: install fonts-noto-cjk]"
_CJK = re.compile(r"[\u3000-\u9fff\uac00-\ud7af]")


class RenderError(Exception):
    """A render could not be produced."""


@dataclass(frozen=True)
class Capabilities:
    """What the bundled ffmpeg can do for titles."""

    font: Path | None = None
    cjk_font: Path | None = None

    @property
    def drawtext(self) -> bool:
        """Titles are drawn as text (else as a band)."""
        return self.font is not None


_detected: Capabilities | None = None


async def detect_capabilities() -> Capabilities:
    """Check for the drawtext filter (it needs a freetype build) and a usable font.

    Checked once per process.
    """
    global _detected
    if _detected is None:
        _detected = await _detect()
    return _detected


async def _detect() -> Capabilities:
    process = await asyncio.create_subprocess_exec(
        ffmpeg_exe(),
        "-hide_banner",
        "-filters",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    out, _ = await process.communicate()
    if not re.search(rb"\sdrawtext\s", out):
        return Capabilities()
    return await asyncio.to_thread(_find_fonts)


def _usable(path: Path) -> bool:
    # Quotes end a quoted filter option value, so such a path cannot be passed safely.
    return path.is_file() and "'" not in str(path)


def _find_fonts() -> Capabilities:
    font = next((Path(p) for p in _FONT_CANDIDATES if _usable(Path(p))), None)
    cjk = None
    for root in _FONT_DIRS:
        base = Path(root)
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            if path.suffix.lower() not in (".ttf", ".otf", ".ttc") or not _usable(path):
                continue
            if font is None:
                font = path
            if cjk is None and any(name.lower() in path.name.lower() for name in _CJK_FONT_NAMES):
                cjk = path
            if font is not None and cjk is not None:
                break
    return Capabilities(font=font, cjk_font=cjk)


@dataclass(frozen=True)
class FileSource:
    """A segment backed by a stored file."""

    path: Path
    kind: str  # video, image or audio
    has_video: bool
    has_audio: bool
    duration: float | None


@dataclass(frozen=True)
class GeneratedSource:
    """A segment the agent generated: rendered from ffmpeg sources."""

    spec: dict[str, Any]


Source = FileSource | GeneratedSource
Resolver = Callable[[dict[str, Any]], Source | None]


def timeline_ms(draft: dict[str, Any]) -> int:
    """The draft's duration: its `d`, else the end of its last segment (at most 10 min)."""
    declared = draft.get("d")
    if isinstance(declared, int | float) and declared > 0:
        return min(int(declared), MAX_MS)
    tracks = [t for t in draft.get("t") or [] if isinstance(t, dict)]
    segments = [s for t in tracks for s in t.get("sg") or [] if isinstance(s, dict)]
    return min(drafts.extent(_clean(segments)), MAX_MS)


def _clean(segments: Sequence[Any]) -> list[dict[str, Any]]:
    """Segments with numeric start and duration, sorted by start."""
    found = []
    for seg in segments:
        if not isinstance(seg, dict):
            continue
        start, length = seg.get("s", 0), seg.get("d", 0)
        if isinstance(start, int | float) and isinstance(length, int | float) and length > 0:
            found.append({**seg, "s": max(0, int(start)), "d": int(length)})
    return sorted(found, key=lambda s: int(s["s"]))


def _tracks(draft: dict[str, Any], track_type: int) -> list[dict[str, Any]]:
    return [t for t in draft.get("t") or [] if isinstance(t, dict) and t.get("tt") == track_type]


def _num(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".") or "0"


def tone_expression(freqs: Sequence[float]) -> str:
    """An aevalsrc expression: a softly pulsing chord."""
    freqs = [float(f) for f in freqs if isinstance(f, int | float) and 20 <= f <= 20000] or [220.0]
    amp = 0.24 / len(freqs)
    chord = "+".join(f"{amp:.3f}*sin(2*PI*{f:.2f}*t)" for f in freqs)
    return f"(0.6+0.4*sin(2*PI*1.5*t))*({chord})"


def _colour(value: Any) -> str:
    text = str(value or "black")
    return text if re.fullmatch(r"0x[0-9a-fA-F]{6}|[a-zA-Z]{3,20}", text) else "black"


def video_source(spec: dict[str, Any], width: int, height: int) -> str:
    """The lavfi source of a generated clip."""
    if spec.get("source") == "color":
        return f"color=c={_colour(spec.get('color'))}:s={width}x{height}:r={FPS}"
    return f"testsrc2=s={width}x{height}:r={FPS}"


class _Graph:
    """Inputs and filter chains of one ffmpeg command."""

    def __init__(self) -> None:
        self.inputs: list[str] = []
        self.count = 0
        self.chains: list[str] = []

    def add_input(self, *args: str) -> int:
        self.inputs.extend(args)
        self.count += 1
        return self.count - 1


def build_command(
    draft: dict[str, Any],
    *,
    width: int,
    height: int,
    resolve: Resolver,
    workdir: Path,
    output: Path,
    quality: str = "high",
    caps: Capabilities | None = None,
    threads: int = 0,
) -> list[str]:
    """The ffmpeg command that renders a draft. Title text goes to files in `workdir`.

    `threads` caps the encoder's threads (0: ffmpeg decides).
    """
    caps = caps or Capabilities()
    total = timeline_ms(draft)
    if total <= 0:
        raise RenderError("the draft has nothing to render")
    graph = _Graph()
    fit = (
        f"scale={width}:{height}:force_original_aspect_ratio=decrease,"
        f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1,fps={FPS},format=yuv420p"
    )
    pieces: list[tuple[dict[str, Any] | None, float]] = []
    cursor = 0
    video_tracks = _tracks(draft, drafts.VIDEO)
    for segment in _clean(video_tracks[0].get("sg") or []) if video_tracks else []:
        start, end = segment["s"], min(segment["s"] + segment["d"], total)
        if start >= total or end <= cursor:
            continue
        if start > cursor:
            pieces.append((None, (start - cursor) / 1000))
        begin = max(start, cursor)
        pieces.append((segment, (end - begin) / 1000))
        cursor = end
    if cursor < total:
        pieces.append((None, (total - cursor) / 1000))

    concat_inputs = []
    for k, (seg, seconds) in enumerate(pieces):
        dur = _num(seconds)
        source = resolve(seg) if seg is not None else None
        fade = ""
        if seg is not None and seg.get("tr") and seconds >= 1.0:
            fade = f",fade=t=in:st=0:d={_FADE},fade=t=out:st={_num(seconds - _FADE)}:d={_FADE}"
        audio_input: int | None = None
        if isinstance(source, FileSource) and source.has_video and source.kind != "audio":
            offset = float(seg.get("in") or 0) / 1000 if seg else 0.0
            if source.duration:
                offset = max(0.0, min(offset, source.duration - 0.5))
            if source.kind == "image":
                if source.path.suffix.lower() == ".gif":
                    idx = graph.add_input("-ignore_loop", "0", "-t", dur, "-i", str(source.path))
                else:
                    idx = graph.add_input(
                        "-loop", "1", "-framerate", str(FPS), "-t", dur, "-i", str(source.path)
                    )
            else:
                idx = graph.add_input("-ss", _num(offset), "-t", dur, "-i", str(source.path))
                audio_input = idx if source.has_audio else None
            graph.chains.append(
                f"[{idx}:v]{fit},tpad=stop_mode=clone:stop_duration={dur},"
                f"trim=duration={dur},setpts=PTS-STARTPTS{fade}[v{k}]"
            )
        else:
            if isinstance(source, GeneratedSource) and source.spec.get("type") == "video":
                lavfi = video_source(source.spec, width, height)
            else:
                lavfi = f"color=c=black:s={width}x{height}:r={FPS}"
            idx = graph.add_input("-f", "lavfi", "-t", dur, "-i", lavfi)
            graph.chains.append(f"[{idx}:v]format=yuv420p,setsar=1{fade}[v{k}]")
        if audio_input is not None:
            graph.chains.append(
                f"[{audio_input}:a]{_AUDIO_FORMAT},apad,atrim=duration={dur},"
                f"asetpts=PTS-STARTPTS[a{k}]"
            )
        else:
            graph.chains.append(f"anullsrc=r=44100:cl=stereo,atrim=duration={dur}[a{k}]")
        concat_inputs.append(f"[v{k}][a{k}]")
    graph.chains.append(f"{''.join(concat_inputs)}concat=n={len(pieces)}:v=1:a=1[vcat][acat]")

    base, layer_audio = _overlay_chains(video_tracks[1:], total, graph, resolve, fit)
    titles = _title_filters(draft, total, width, height, workdir, caps)
    graph.chains.append(f"[{base}]{','.join(titles) if titles else 'null'}[vout]")

    music = layer_audio + _music_chains(draft, total, graph, resolve)
    if music:
        labels = "".join(f"[{label}]" for label in music)
        graph.chains.append(
            f"[acat]{labels}amix=inputs={len(music) + 1}:duration=first:"
            "dropout_transition=0:normalize=0[aout]"
        )
    else:
        graph.chains.append("[acat]anull[aout]")

    return [
        ffmpeg_exe(),
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        *graph.inputs,
        "-filter_complex",
        ";".join(graph.chains),
        "-map",
        "[vout]",
        "-map",
        "[aout]",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-crf",
        _CRF.get(quality, "23"),
        "-threads",
        str(max(0, threads)),
        "-pix_fmt",
        "yuv420p",
        "-r",
        str(FPS),
        "-c:a",
        "aac",
        "-b:a",
        "128k",
        "-ar",
        "44100",
        "-ac",
        "2",
        "-t",
        _num(total / 1000),
        "-movflags",
        "+faststart",
        "-progress",
        "pipe:1",
        "-stats_period",
        "0.1",
        "-nostats",
        "-f",
        "mp4",
        "-y",
        str(output),
    ]


def _overlay_chains(
    tracks: Sequence[dict[str, Any]], total: int, graph: _Graph, resolve: Resolver, fit: str
) -> tuple[str, list[str]]:
    """Video tracks after the first, drawn over it where they have segments (a later
    track on top), their sound mixed in; returns the video label and the audio labels."""
    base, audio = "vcat", list[str]()
    for track in tracks:
        for seg in _clean(track.get("sg") or []):
            start, end = seg["s"], min(seg["s"] + seg["d"], total)
            if start >= end:
                continue
            source = resolve(seg)
            dur, at = _num((end - start) / 1000), _num(start / 1000)
            if isinstance(source, FileSource) and source.has_video:
                if source.kind == "image":
                    idx = graph.add_input("-loop", "1", "-framerate", str(FPS), "-t", dur,
                                          "-i", str(source.path))
                else:
                    offset = _num(float(seg.get("in") or 0) / 1000)
                    idx = graph.add_input("-ss", offset, "-t", dur, "-i", str(source.path))
                    if source.has_audio:
                        label = f"la{len(audio)}"
                        graph.chains.append(
                            f"[{idx}:a]{_AUDIO_FORMAT},apad,atrim=duration={dur},"
                            f"asetpts=PTS-STARTPTS,adelay=delays={start}:all=1[{label}]")
                        audio.append(label)
            elif isinstance(source, GeneratedSource) and source.spec.get("type") == "video":
                idx = graph.add_input("-f", "lavfi", "-t", dur, "-i",
                                      video_source(source.spec, 16, 16))
            else:
                continue
            layer, after = f"l{idx}", f"b{idx}"
            graph.chains.append(
                f"[{idx}:v]{fit},tpad=stop_mode=clone:stop_duration={dur},trim=duration={dur},"
                f"setpts=PTS-STARTPTS+{at}/TB[{layer}]")
            graph.chains.append(
                f"[{base}][{layer}]overlay=eof_action=pass:"
                f"enable='between(t,{at},{_num(end / 1000)})'[{after}]")
            base = after
    return base, audio


def _title_filters(
    draft: dict[str, Any], total: int, width: int, height: int, workdir: Path, caps: Capabilities
) -> list[str]:
    filters = []
    for track in _tracks(draft, drafts.TEXT):
        for seg in _clean(track.get("sg") or []):
            text = str(seg.get("txt") or seg.get("text") or "").strip()
            start, end = seg["s"] / 1000, min(seg["s"] + seg["d"], total) / 1000
            if not text or start >= end:
                continue
            enable = f"enable='between(t,{_num(start)},{_num(end)})'"
            font = caps.cjk_font if caps.cjk_font and _CJK.search(text) else caps.font
            if font is not None and _CJK.search(text) and caps.cjk_font is None:
                # The Latin font would draw empty boxes: say so in the video and the log.
                logger.warning("the title %r needs a font with CJK glyphs and none was found "
                               "(looked in %s); install one, e.g. fonts-noto-cjk",
                               text, ", ".join(_FONT_DIRS))
                filters.append(f"drawbox=x=0:y=ih/5:w=iw:h=ih/7:color=black@0.55:t=fill:{enable}")
                text = CJK_FONT_MISSING
            if font is None:
                filters.append(f"drawbox=x=0:y=ih/5:w=iw:h=ih/7:color=black@0.55:t=fill:{enable}")
                continue
            name = f"title{len(filters)}.txt"
            (workdir / name).write_text(text, encoding="utf-8")
            wide = 1.0 if _CJK.search(text) else 0.6
            size = max(8, min(height // 9, int(width * 0.9 / (wide * max(len(text), 1)))))
            filters.append(
                f"drawtext=fontfile='{font}':textfile='{name}':expansion=none:"
                f"fontsize={size}:fontcolor=white:borderw={max(1, height // 240)}:"
                f"bordercolor=black@0.8:x=(w-text_w)/2:y=(h-text_h)/4:{enable}"
            )
    return filters


def _music_chains(draft: dict[str, Any], total: int, graph: _Graph, resolve: Resolver) -> list[str]:
    labels: list[str] = []
    for track in _tracks(draft, drafts.AUDIO):
        volume = track.get("v", 100)
        if not isinstance(volume, int | float):
            volume = 100
        gain = float(volume) if volume <= 1 else float(volume) / 100
        for seg in _clean(track.get("sg") or []):
            start = seg["s"]
            if start >= total:
                continue
            seconds = (min(start + seg["d"], total) - start) / 1000
            dur = _num(seconds)
            source = resolve(seg)
            if isinstance(source, FileSource) and source.has_audio:
                offset = _num(float(seg.get("in") or 0) / 1000)
                idx = graph.add_input(
                    "-stream_loop", "-1", "-ss", offset, "-t", dur, "-i", str(source.path)
                )
                head = f"[{idx}:a]{_AUDIO_FORMAT},"
            elif isinstance(source, GeneratedSource) and source.spec.get("type") == "tone":
                expr = tone_expression(source.spec.get("freqs") or ())
                idx = graph.add_input(
                    "-f", "lavfi", "-t", dur, "-i", f"aevalsrc=exprs='{expr}':s=44100:c=stereo"
                )
                head = f"[{idx}:a]{_AUDIO_FORMAT},"
            else:
                continue
            label = f"m{len(labels)}"
            graph.chains.append(
                f"{head}apad,atrim=duration={dur},asetpts=PTS-STARTPTS,"
                f"volume={gain:.3f},adelay=delays={start}:all=1[{label}]"
            )
            labels.append(label)
    return labels


def generated_media_command(
    kind: str, spec: dict[str, Any], width: int, height: int, output: Path
) -> list[str]:
    """The ffmpeg command that writes a generated clip (MP4) or tone (M4A) to a file."""
    seconds = _num(float(spec.get("duration") or 5.0))
    if kind == "video":
        return [
            ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error",
            "-f", "lavfi", "-t", seconds, "-i", video_source(spec, width, height),
            "-f", "lavfi", "-t", seconds, "-i", "anullsrc=r=44100:cl=stereo",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-shortest", "-movflags", "+faststart", "-f", "mp4", "-y", str(output),
        ]  # fmt: skip
    expr = tone_expression(spec.get("freqs") or ())
    return [
        ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error",
        "-f", "lavfi", "-t", seconds, "-i", f"aevalsrc=exprs='{expr}':s=44100:c=stereo",
        "-c:a", "aac", "-b:a", "128k", "-f", "mp4", "-y", str(output),
    ]  # fmt: skip


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
        self._waiting: collections.deque[asyncio.Future[None]] = collections.deque()

    @property
    def threads(self) -> int:
        """Encoder threads per process: short renders are faster single-threaded, so the
        cores are shared among the slots."""
        return max(1, (os.cpu_count() or 1) // max(1, self.concurrency()))

    @contextlib.asynccontextmanager
    async def _slot(self) -> AsyncIterator[None]:
        """Wait (first come, first served) for a free ffmpeg slot and hold it."""
        while self.active >= max(1, self.concurrency()) or (
            self._waiting and not self._waiting[0].done()
        ):
            turn = asyncio.get_running_loop().create_future()
            self._waiting.append(turn)
            try:
                await turn
            except asyncio.CancelledError:
                if turn.done() and not turn.cancelled():
                    self._wake()  # pass the slot this waiter was given on
                raise
            finally:
                with contextlib.suppress(ValueError):
                    self._waiting.remove(turn)
            if self.active < max(1, self.concurrency()):
                break
        self.active += 1
        self.peak = max(self.peak, self.active)
        try:
            yield
        finally:
            self.active -= 1
            self._wake()

    def _wake(self) -> None:
        free = max(1, self.concurrency()) - self.active
        for turn in list(self._waiting):
            if free <= 0:
                break
            if not turn.done():
                turn.set_result(None)
                free -= 1

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
        width, height = self.size()
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

            await run_ffmpeg(command, cwd=workdir, on_progress=advance, total_seconds=total)
            partial.replace(final)  # one rename: not worth a thread, nor a cancellation point
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
