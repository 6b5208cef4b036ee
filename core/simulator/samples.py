"""Small real media files made with ffmpeg, for the offline demo, tests and benchmarks.

These block while ffmpeg runs (a fraction of a second for the defaults): call them
before the event loop starts, or through `asyncio.to_thread`.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from core.simulator.media import ffmpeg_exe


def _ffmpeg(*args: str) -> None:
    command = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", *args]
    subprocess.run(command, check=True, capture_output=True)


def write_sample_video(
    path: Path,
    *,
    seconds: float = 2.0,
    width: int = 320,
    height: int = 180,
    audio: bool = True,
    color: str | None = None,
) -> Path:
    """An H.264 MP4 clip: a test pattern (or a flat colour), with a sine tone if `audio`."""
    size = f"s={width}x{height}:r=25"
    source = f"color=c={color}:{size}" if color else f"testsrc2={size}"
    args = ["-f", "lavfi", "-t", str(seconds), "-i", source]
    if audio:
        args += ["-f", "lavfi", "-t", str(seconds), "-i", "sine=frequency=440:sample_rate=44100"]
        args += ["-c:a", "aac"]
    args += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    _ffmpeg(*args, "-movflags", "+faststart", "-y", str(path))
    return path


def write_sample_audio(path: Path, *, seconds: float = 2.0, frequency: int = 330) -> Path:
    """A sine tone; the format follows the extension (mp3, m4a, aac or wav)."""
    _ffmpeg("-f", "lavfi", "-t", str(seconds), "-i", f"sine=frequency={frequency}", "-y", str(path))
    return path


def write_sample_image(
    path: Path, *, width: int = 320, height: int = 180, color: str = "orange"
) -> Path:
    """A single-colour picture; the format follows the extension (png, jpg, webp...)."""
    source = f"color=c={color}:s={width}x{height}"
    _ffmpeg("-f", "lavfi", "-i", source, "-frames:v", "1", "-y", str(path))
    return path
