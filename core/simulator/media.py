"""Media files: accepted types, streaming to disk, fetching URLs, probing with ffmpeg."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO
from urllib.parse import unquote, urlsplit

import httpx

MEDIA_TYPES = {
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "avi": "video/x-msvideo",
    "webm": "video/webm",
    "mkv": "video/x-matroska",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
    "m4a": "audio/mp4",
    "aac": "audio/aac",
}
"""Content type of each accepted extension."""

ACCEPTED = ", ".join(ext for ext in MEDIA_TYPES if ext != "jpeg")
"""The accepted types, as error messages list them."""

_EXTENSIONS = {mime: ext for ext, mime in MEDIA_TYPES.items() if ext != "jpeg"}
_EXTENSIONS["audio/x-wav"] = "wav"

CHUNK = 1 << 20


class TooLarge(Exception):
    """A file went over the upload size limit."""


class FetchError(Exception):
    """A URL could not be fetched."""


@functools.cache
def ffmpeg_exe() -> str:
    """Path of the bundled ffmpeg binary."""
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def extension(filename: str) -> str:
    """The lower-case extension of a file name, without the dot ('' if none)."""
    return PurePosixPath(filename).suffix.lower().lstrip(".")


def file_type_of(filename: str) -> str | None:
    """`video`, `image` or `audio` from the extension; None when the type is not accepted."""
    mime = MEDIA_TYPES.get(extension(filename))
    return mime.split("/")[0] if mime else None


def safe_filename(name: str, default: str = "file") -> str:
    """A file name without directories or control characters, at most 120 characters."""
    base = PurePosixPath(name.replace("\\", "/")).name
    base = re.sub(r"[\x00-\x1f/]", "", base).strip() or default
    if len(base) > 120:
        ext = extension(base)
        base = base[: 119 - len(ext)] + ("." + ext if ext else "")
    return base


class FileSink:
    """Writes a stream of chunks to a file, hashing as it goes, up to a size limit.

    Writes happen in a worker thread so a big upload never blocks the event loop.
    One write runs while the next chunk is received, so at most two chunks are
    held in memory.
    """

    def __init__(self, path: Path, limit: int):
        self.path = path
        self.limit = limit
        self.size = 0
        self._hash = hashlib.sha256()
        self._file: IO[bytes] | None = None
        self._pending: asyncio.Future[None] | None = None

    async def write(self, chunk: bytes) -> None:
        """Append a chunk; raise TooLarge once the limit is passed."""
        if not chunk:
            return
        self.size += len(chunk)
        if self.size > self.limit:
            raise TooLarge(self.path.name)
        await self._drain()
        self._pending = asyncio.ensure_future(asyncio.to_thread(self._write, chunk))

    async def _drain(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            await pending

    def _write(self, chunk: bytes) -> None:
        if self._file is None:
            self._file = self.path.open("wb")
        self._file.write(chunk)
        self._hash.update(chunk)

    async def close(self) -> str:
        """Finish the file and return its SHA-256 hex digest."""
        await self._drain()
        await asyncio.to_thread(self._close)
        return self._hash.hexdigest()

    def _close(self) -> None:
        if self._file is None:
            self.path.touch()
        else:
            self._file.close()
            self._file = None

    async def discard(self) -> None:
        """Close and delete the file."""
        with contextlib.suppress(OSError):
            await self._drain()
        await asyncio.to_thread(self._close)
        await asyncio.to_thread(self.path.unlink, True)


def name_from_url(url: str, content_type: str | None) -> str:
    """A file name for a fetched URL: its last path segment, with an extension if needed."""
    name = safe_filename(unquote(PurePosixPath(urlsplit(url).path).name), default="download")
    if file_type_of(name) is None and content_type:
        mime = content_type.split(";")[0].strip().lower()
        ext = _EXTENSIONS.get(mime) or (mimetypes.guess_extension(mime) or "").lstrip(".")
        if ext:
            name = f"{name}.{ext}"
    return name


async def fetch_to_file(
    client: httpx.AsyncClient, url: str, path: Path, limit: int
) -> tuple[str, int, str]:
    """Stream a URL into `path`; return the file name it should have, its size and hash.

    Raises FetchError when the URL cannot be fetched and TooLarge past `limit`;
    nothing is left on disk then.
    """
    shown = url[:200]
    try:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError(f"could not fetch {shown}: not an http(s) link")
    except ValueError:  # urlsplit: a malformed host such as "[::1"
        raise FetchError(f"could not fetch {shown}: the link is malformed") from None
    sink = FileSink(path, limit)
    try:
        async with client.stream("GET", url) as response:
            if response.status_code >= 400:
                reason = f"HTTP {response.status_code} {response.reason_phrase}".strip()
                raise FetchError(f"could not fetch {shown}: the server answered {reason}")
            length = response.headers.get("content-length")
            if length and length.isdigit() and int(length) > limit:
                raise TooLarge(path.name)
            name = name_from_url(str(response.url), response.headers.get("content-type"))
            async for chunk in response.aiter_bytes(CHUNK):
                await sink.write(chunk)
    except (TooLarge, FetchError):
        await sink.discard()
        raise
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
        await sink.discard()
        raise FetchError(f"could not fetch {shown}: {fetch_reason(exc)}") from None
    return name, sink.size, await sink.close()


def fetch_reason(exc: Exception) -> str:
    """Why a fetch failed, in words a user can act on."""
    if isinstance(exc, httpx.TimeoutException):
        return "the server did not answer in time"
    if isinstance(exc, httpx.ConnectError):
        text = str(exc).lower()
        if "name or service" in text or "nodename" in text or "getaddrinfo" in text:
            return "the host name is unknown"
        return "the connection was refused or the host is unreachable"
    if isinstance(exc, httpx.TooManyRedirects):
        return "it redirects too many times"
    if isinstance(exc, httpx.InvalidURL | ValueError):
        return "the link is malformed"
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
        return "the connection broke during the download"
    return f"the download failed ({type(exc).__name__})"


@dataclass(frozen=True)
class Probe:
    """What ffmpeg says about a media file. All None when ffmpeg cannot read it."""

    duration: float | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    has_video: bool = False
    has_audio: bool = False

    @property
    def readable(self) -> bool:
        """Whether ffmpeg found a picture of known size or a sound: what a backend needs
        to use the file (a header followed by junk has a stream but no size)."""
        return (self.has_video and self.width is not None) or self.has_audio


_DURATION = re.compile(r"Duration:\s*(\d+):(\d{2}):(\d{2}(?:\.\d+)?)")
_VIDEO = re.compile(r"Stream #\d+:\d+.*?: Video: (.*)")
_SIZE = re.compile(r"(?<![\dx])(\d{2,5})x(\d{2,5})(?![\dx])")
_FPS = re.compile(r"(\d+(?:\.\d+)?)\s*fps")
_AUDIO = re.compile(r"Stream #\d+:\d+.*?: Audio: ")


def parse_probe(stderr: str, file_type: str) -> Probe:
    """Read duration, size, fps and streams from `ffmpeg -i` output.

    Images get no duration or fps (ffmpeg reports a nominal 25 fps for them).
    """
    duration = None
    match = _DURATION.search(stderr)
    if match:
        hours, minutes, seconds = match.groups()
        duration = round(int(hours) * 3600 + int(minutes) * 60 + float(seconds), 3)
    width = height = None
    fps = None
    video = _VIDEO.search(stderr)
    if video:
        size = _SIZE.search(video.group(1))
        if size:
            width, height = int(size.group(1)), int(size.group(2))
        rate = _FPS.search(video.group(1))
        if rate:
            fps = float(rate.group(1))
    has_audio = bool(_AUDIO.search(stderr))
    if file_type == "image":
        if not _is_animation(stderr):
            duration = None
        fps = None
    if file_type == "audio":
        width = height = None
        fps = None
    return Probe(duration, width, height, fps, has_video=video is not None, has_audio=has_audio)


def _is_animation(stderr: str) -> bool:
    return "Input #0, gif" in stderr and bool(_DURATION.search(stderr))


async def probe(path: Path, file_type: str) -> Probe:
    """Probe a file with `ffmpeg -i` (there is no ffprobe in the bundled build)."""
    process = await asyncio.create_subprocess_exec(
        ffmpeg_exe(),
        "-hide_banner",
        "-nostdin",
        "-i",
        str(path),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await process.communicate()
    text = stderr.decode("utf-8", "replace")
    if "Input #0" not in text:
        return Probe()
    return parse_probe(text, file_type)
