"""What every part of a render's ffmpeg command shares: the sources a draft segment
plays, the timeline's length, and the command's inputs and filter chains."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.simulator import drafts

FPS = 25
MAX_MS = 10 * 60 * 1000
AUDIO_FORMAT = "aresample=44100,aformat=sample_fmts=fltp:channel_layouts=stereo"


class RenderError(Exception):
    """A render could not be produced."""


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
    return min(drafts.extent(clean_segments(segments)), MAX_MS)


def clean_segments(segments: Sequence[Any]) -> list[dict[str, Any]]:
    """Segments with numeric start and duration, sorted by start."""
    found = []
    for seg in segments:
        if not isinstance(seg, dict):
            continue
        start, length = seg.get("s", 0), seg.get("d", 0)
        if isinstance(start, int | float) and isinstance(length, int | float) and length > 0:
            found.append({**seg, "s": max(0, int(start)), "d": int(length)})
    return sorted(found, key=lambda s: int(s["s"]))


def tracks_of(draft: dict[str, Any], track_type: int) -> list[dict[str, Any]]:
    """The draft's tracks of one type (video, audio or text)."""
    return [t for t in draft.get("t") or [] if isinstance(t, dict) and t.get("tt") == track_type]


def num(value: float) -> str:
    """A number as ffmpeg options take it: at most three decimals, no trailing zeros."""
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


class Graph:
    """Inputs and filter chains of one ffmpeg command."""

    def __init__(self) -> None:
        self.inputs: list[str] = []
        self.count = 0
        self.chains: list[str] = []

    def add_input(self, *args: str) -> int:
        self.inputs.extend(args)
        self.count += 1
        return self.count - 1
