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
    pattern: str = "testsrc2",
    frequency: int = 440,
) -> Path:
    """An H.264 MP4 clip: a test pattern (`testsrc2`, `smptebars`, `mandelbrot`...) or a
    flat colour, with a sine tone if `audio`."""
    size = f"s={width}x{height}:r=25"
    source = f"color=c={color}:{size}" if color else f"{pattern}={size}"
    args = ["-f", "lavfi", "-t", str(seconds), "-i", source]
    if audio:
        tone = f"sine=frequency={frequency}:sample_rate=44100"
        args += ["-f", "lavfi", "-t", str(seconds), "-i", tone]
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


def wav_header(data_bytes: int, *, rate: int = 48000, channels: int = 2) -> bytes:
    """The 44-byte header of a 16-bit PCM WAV file holding `data_bytes` of samples."""
    block = channels * 2
    return b"".join((
        b"RIFF", (36 + data_bytes).to_bytes(4, "little"), b"WAVE",
        b"fmt ", (16).to_bytes(4, "little"), (1).to_bytes(2, "little"),
        channels.to_bytes(2, "little"), rate.to_bytes(4, "little"),
        (rate * block).to_bytes(4, "little"), block.to_bytes(2, "little"),
        (16).to_bytes(2, "little"),
        b"data", data_bytes.to_bytes(4, "little"),
    ))  # fmt: skip


def write_big_audio(path: Path, megabytes: int) -> Path:
    """A real (silent) WAV file of about `megabytes` MiB, written without ffmpeg: a big
    upload that any decoder reads."""
    data = megabytes * 1024 * 1024
    chunk = bytes(1024 * 1024)
    with path.open("wb") as file:
        file.write(wav_header(data))
        for _ in range(megabytes):
            file.write(chunk)
    return path


def write_samples(folder: Path) -> list[Path]:
    """A few short clips, a photo and a music file to try the bot with (a second or two
    with the bundled ffmpeg): clip1.mp4, clip2.mp4, clip3.mp4 (portrait), photo.jpg and
    music.mp3."""
    folder.mkdir(parents=True, exist_ok=True)
    return [
        write_sample_video(folder / "clip1.mp4", seconds=4.0, width=640, height=360),
        write_sample_video(folder / "clip2.mp4", seconds=3.0, width=640, height=360,
                           pattern="smptebars", frequency=523),
        write_sample_video(folder / "clip3.mp4", seconds=3.0, width=360, height=640,
                           pattern="testsrc", frequency=659),
        write_sample_image(folder / "photo.jpg", width=640, height=360, color="teal"),
        write_sample_audio(folder / "music.mp3", seconds=12.0, frequency=294),
    ]
