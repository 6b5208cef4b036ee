"""What an adapter can tell about a video file before sending it: its duration and size,
and a small thumbnail cut from it, with ffmpeg.

ffmpeg comes from imageio-ffmpeg (the `video` extra) or the system's PATH. Without
it, or when it fails, the video is sent without these (the platform works them out
itself, less well): nothing here ever stops a delivery.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import shutil
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

#: Telegram's thumbnail rules: JPEG, at most 320 px a side, under 200 kB
THUMB_SIDE = 320
THUMB_MAX_BYTES = 200 * 1024
#: seconds one ffmpeg run may take
FFMPEG_TIMEOUT = 20.0

_DURATION = re.compile(rb"Duration:\s*(\d+):(\d{2}):(\d{2}(?:\.\d+)?)")
_VIDEO_SIZE = re.compile(rb"Stream #[^\n]*?Video:[^\n]*?\b(\d{2,5})x(\d{2,5})\b")


@dataclass(frozen=True)
class VideoFacts:
    """What ffmpeg read from a video file; fields it could not read are None."""

    duration: float | None = None
    width: int | None = None
    height: int | None = None


@cache
def ffmpeg() -> str | None:
    """The ffmpeg executable, or None when there is none."""
    try:
        import imageio_ffmpeg

        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except Exception as exc:  # not installed, or its binary is missing
        log.debug("no ffmpeg from imageio-ffmpeg (%r); looking on PATH", exc)
    return shutil.which("ffmpeg")


async def _run(*args: str) -> tuple[int, bytes] | None:
    """Run ffmpeg; (exit code, stderr), or None when it cannot run or takes too long."""
    exe = ffmpeg()
    if exe is None:
        return None
    try:
        process = await asyncio.create_subprocess_exec(
            exe, "-hide_banner", "-nostdin", *args,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    except OSError as exc:
        log.warning("ffmpeg could not start: %r", exc)
        return None
    try:
        async with asyncio.timeout(FFMPEG_TIMEOUT):
            _, err = await process.communicate()
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        log.warning("ffmpeg took over %.0f s; skipped", FFMPEG_TIMEOUT)
        return None
    return process.returncode or 0, err


async def probe(path: Path) -> VideoFacts:
    """The video's duration (seconds) and frame size, as far as ffmpeg can tell."""
    ran = await _run("-i", str(path))
    if ran is None:
        return VideoFacts()
    _, err = ran
    facts: dict[str, float | int] = {}
    if found := _DURATION.search(err):
        hours, minutes, seconds = found.groups()
        facts["duration"] = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    if found := _VIDEO_SIZE.search(err):
        facts["width"], facts["height"] = int(found[1]), int(found[2])
    return VideoFacts(**facts)  # type: ignore[arg-type]


async def thumbnail(path: Path, duration: float | None) -> bytes | None:
    """A JPEG of one frame (a second in, or the middle of a shorter video), at most
    `THUMB_SIDE` pixels a side; None when it cannot be made within the rules."""
    at = min(1.0, duration / 2) if duration else 0.0
    with tempfile.TemporaryDirectory(prefix="nemobot-thumb-") as folder:
        out = Path(folder) / "thumb.jpg"
        for quality in ("4", "12"):
            ran = await _run(
                "-loglevel", "error", "-ss", f"{at:.3f}", "-i", str(path), "-frames:v", "1",
                "-vf", f"scale={THUMB_SIDE}:{THUMB_SIDE}:force_original_aspect_ratio=decrease",
                "-q:v", quality, "-y", str(out))
            if ran is None:
                return None
            data = out.read_bytes() if out.is_file() else b""
            if ran[0] != 0 or not data:
                log.info("no thumbnail from %s: %s", path.name,
                         ran[1].decode(errors="replace")[-200:])
                return None
            if len(data) < THUMB_MAX_BYTES:
                return data
    return None


async def upload_details(path: Path) -> dict[str, Any]:
    """A video's duration, width, height and thumbnail as an upload names them (Telegram's
    sendVideo), for what ffmpeg can read."""
    facts = await probe(path)
    details: dict[str, Any] = {}
    if facts.duration:
        details["duration"] = max(1, round(facts.duration))
    if facts.width and facts.height:
        details["width"], details["height"] = facts.width, facts.height
    thumb = await thumbnail(path, facts.duration)
    if thumb is not None:
        details["thumbnail"] = thumb
    return details
