"""Files to upload and the streamed multipart body that carries them.

A file is read in chunks while the request is being sent, so memory use does
not depend on its size. Disk reads run in a worker thread so that a slow disk
never stalls the event loop.
"""

from __future__ import annotations

import asyncio
import mimetypes
import os
import re
import secrets
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, TypeAlias, cast

CHUNK_SIZE = 256 * 1024
"""Bytes read from a source per step."""

ByteSource: TypeAlias = (
    bytes | BinaryIO | AsyncIterable[bytes] | Iterable[bytes] | Callable[[], AsyncIterable[bytes]]
)
"""Anything that yields a file's bytes. A zero-argument callable returning a fresh
async iterable can be read again, so an upload made from one survives a retry."""

UploadSource: TypeAlias = "str | os.PathLike[str] | UploadFile | tuple[str, ByteSource, int]"
"""What `NemoClient.upload_files` accepts per file: a local path, an `UploadFile`,
or `(file name, byte source, exact size in bytes)`."""


class UploadSizeMismatch(ValueError):
    """A byte source yielded more or fewer bytes than the size declared for it."""


@dataclass(frozen=True)
class UploadFile:
    """One file to upload: its name, its exact size and a way to read its bytes.

    `opener` returns a new async iterator of chunks each time it is called;
    `replayable` is False when the bytes can only be read once (a live stream).
    """

    name: str
    size: int
    opener: Callable[[], AsyncIterator[bytes]] = field(repr=False)
    content_type: str = "application/octet-stream"
    replayable: bool = True

    @classmethod
    def from_path(
        cls, path: str | os.PathLike[str], *, name: str | None = None, chunk_size: int = CHUNK_SIZE
    ) -> UploadFile:
        """A local file; its size is taken now and checked again while it is read."""
        file_path = Path(path)
        size = file_path.stat().st_size
        filename = name or file_path.name

        def opener() -> AsyncIterator[bytes]:
            return _read_path(file_path, chunk_size)

        return cls(filename, size, opener, guess_type(filename))

    @classmethod
    def from_bytes(cls, name: str, data: bytes) -> UploadFile:
        """Bytes already in memory (small files only)."""
        payload = bytes(data)

        async def opener() -> AsyncIterator[bytes]:
            for start in range(0, len(payload), CHUNK_SIZE):
                yield payload[start : start + CHUNK_SIZE]

        return cls(name, len(payload), opener, guess_type(name))

    @classmethod
    def from_source(
        cls, name: str, source: ByteSource, size: int, *, chunk_size: int = CHUNK_SIZE
    ) -> UploadFile:
        """Any byte source with a known size: a binary file object, a sync or async
        iterable of chunks, or a callable returning a fresh async iterable."""
        if size < 0:
            raise ValueError("size must not be negative")
        if isinstance(source, bytes | bytearray | memoryview):
            upload = cls.from_bytes(name, bytes(source))
            if upload.size != size:
                raise UploadSizeMismatch(f"{name}: declared {size} bytes, got {upload.size}")
            return upload
        ctype = guess_type(name)
        if callable(source) and not hasattr(source, "read"):
            factory: Callable[[], AsyncIterable[bytes]] = source

            def fresh() -> AsyncIterator[bytes]:
                return _aiter(factory())

            return cls(name, size, fresh, ctype)
        once = _OneShot(
            cast("BinaryIO | AsyncIterable[bytes] | Iterable[bytes]", source), chunk_size
        )
        return cls(name, size, once.open, ctype, replayable=False)


def guess_type(filename: str) -> str:
    """The MIME type for a file name, `application/octet-stream` when unknown."""
    return mimetypes.guess_type(filename, strict=False)[0] or "application/octet-stream"


def coerce_upload(item: UploadSource, chunk_size: int = CHUNK_SIZE) -> UploadFile:
    """Turn any accepted upload description into an `UploadFile`."""
    if isinstance(item, UploadFile):
        return item
    if isinstance(item, tuple):
        name, source, size = item
        return UploadFile.from_source(name, source, size, chunk_size=chunk_size)
    return UploadFile.from_path(item, chunk_size=chunk_size)


class _OneShot:
    """A byte source that can be opened once."""

    def __init__(self, source: BinaryIO | AsyncIterable[bytes] | Iterable[bytes], chunk: int):
        self._source = source
        self._chunk = chunk
        self._opened = False

    def open(self) -> AsyncIterator[bytes]:
        if self._opened:
            raise RuntimeError("this upload source was already read and cannot be read again")
        self._opened = True
        source = self._source
        if hasattr(source, "read"):
            return _read_fileobj(source, self._chunk)  # type: ignore[arg-type]
        if isinstance(source, AsyncIterable):
            return _aiter(source)
        return _read_sync_iter(iter(source))


async def _aiter(source: AsyncIterable[bytes]) -> AsyncIterator[bytes]:
    async for chunk in source:
        if chunk:
            yield bytes(chunk)


async def _read_path(path: Path, chunk_size: int) -> AsyncIterator[bytes]:
    handle = await asyncio.to_thread(path.open, "rb")
    try:
        async for chunk in _read_fileobj(handle, chunk_size):
            yield chunk
    finally:
        handle.close()


async def _read_fileobj(handle: BinaryIO, chunk_size: int) -> AsyncIterator[bytes]:
    while True:
        chunk = await asyncio.to_thread(handle.read, chunk_size)
        if not chunk:
            return
        yield chunk


async def _read_sync_iter(iterator: Iterator[bytes]) -> AsyncIterator[bytes]:
    while True:
        chunk = await asyncio.to_thread(next, iterator, None)
        if chunk is None:
            return
        if chunk:
            yield bytes(chunk)


_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
"""Control characters (C0, DEL, C1), line and paragraph separators, and lone surrogates
(undecodable bytes of a local file name): none may reach a part header."""


def part_filename(name: str) -> str:
    """A file name as it goes in a part header's quoted `filename` parameter.

    Characters that could end the header line or not encode become `_`; a quote is
    `%22` and a backslash is escaped (HTML5 form-data style); other Unicode stays
    UTF-8, as browsers send it (RFC 7578 rules out `filename*`). Never empty.
    """
    cleaned = _UNSAFE.sub("_", name) or "file"
    return cleaned.replace("\\", "\\\\").replace('"', "%22")


def part_content_type(value: str) -> str:
    """The part's Content-Type, or `application/octet-stream` if it could break the header."""
    if not value.isascii() or _UNSAFE.search(value):
        return "application/octet-stream"
    return value


@dataclass(frozen=True)
class MultipartBody:
    """A streamed `multipart/form-data` body with an exact length."""

    files: tuple[UploadFile, ...]
    field_name: str = "files"
    boundary: str = field(default_factory=lambda: secrets.token_hex(16))

    def _part_header(self, upload: UploadFile) -> bytes:
        return (
            f"--{self.boundary}\r\n"
            f'Content-Disposition: form-data; name="{self.field_name}"; '
            f'filename="{part_filename(upload.name)}"\r\n'
            f"Content-Type: {part_content_type(upload.content_type)}\r\n\r\n"
        ).encode()

    def _closing(self) -> bytes:
        return f"--{self.boundary}--\r\n".encode()

    @property
    def content_type(self) -> str:
        """The request's Content-Type header value."""
        return f"multipart/form-data; boundary={self.boundary}"

    @property
    def content_length(self) -> int:
        """The exact number of bytes `stream()` yields."""
        framing = sum(len(self._part_header(f)) + 2 for f in self.files)
        return framing + sum(f.size for f in self.files) + len(self._closing())

    @property
    def replayable(self) -> bool:
        """True when every file can be read again (needed to retry the request)."""
        return all(f.replayable for f in self.files)

    async def stream(self) -> AsyncIterator[bytes]:
        """Yield the body; raise UploadSizeMismatch if a file's size was wrong."""
        for upload in self.files:
            yield self._part_header(upload)
            sent = 0
            chunks = upload.opener()
            try:
                async for chunk in chunks:
                    sent += len(chunk)
                    if sent > upload.size:
                        raise UploadSizeMismatch(
                            f"{upload.name}: more than the declared {upload.size} bytes"
                        )
                    yield chunk
            finally:
                aclose = getattr(chunks, "aclose", None)
                if aclose is not None:
                    await aclose()
            if sent != upload.size:
                raise UploadSizeMismatch(
                    f"{upload.name}: declared {upload.size} bytes, read {sent}"
                )
            yield b"\r\n"
        yield self._closing()


def multipart(files: Sequence[UploadFile], field_name: str = "files") -> MultipartBody:
    """A multipart body with one `field_name` part per file."""
    return MultipartBody(tuple(files), field_name)
