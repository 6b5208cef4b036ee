"""Receiving uploads: multipart parts and URLs, streamed to disk, all or nothing."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from aiohttp import BodyPartReader, web

from core.simulator.errors import (
    FETCH_FAILED,
    FILE_TOO_LARGE,
    UNSUPPORTED_FILE,
    ApiError,
    bad_request,
)
from core.simulator.media import (
    ACCEPTED,
    CHUNK,
    FetchError,
    FileSink,
    TooLarge,
    extension,
    fetch_to_file,
    file_type_of,
    safe_filename,
)


@dataclass(frozen=True)
class Received:
    """A file written to disk, not yet probed."""

    media_id: str
    path: Path
    filename: str
    size: int
    hash: str


def _new_path(folder: Path, filename: str) -> tuple[str, Path]:
    media_id = secrets.token_hex(8)
    return media_id, folder / f"{media_id}.{extension(filename) or 'bin'}"


def unsupported(name: str) -> ApiError:
    """Code 4001, listing what is accepted."""
    return ApiError(UNSUPPORTED_FILE, f"Unsupported file type: {name[:100]}. Accepted: {ACCEPTED}")


def unreadable_file(names: list[str]) -> ApiError:
    """Code 4001 for files of an accepted type that cannot be decoded (empty, truncated,
    or something else renamed)."""
    shown = ", ".join(name[:100] for name in names[:5])
    return ApiError(
        UNSUPPORTED_FILE,
        f"Unsupported file: {shown} could not be read as video, image or audio. "
        f"Accepted: {ACCEPTED}",
    )


def too_large(name: str, limit: int) -> ApiError:
    """Code 4002, with the limit."""
    return ApiError(
        FILE_TOO_LARGE, f"File too large: {name[:100]} (limit {limit // (1024 * 1024)} MB)"
    )


async def delete(received: list[Received]) -> None:
    """Remove files already written for a request that is refused."""
    for item in received:
        await asyncio.to_thread(item.path.unlink, True)


async def receive_parts(request: web.Request, folder: Path, limit: int) -> list[Received]:
    """Stream every multipart field named `files` to `folder`.

    A file of a refused type (4001) or over `limit` (4002) refuses the whole request:
    the rest of the body is read and dropped, and nothing is kept.
    """
    reader = await request.multipart()
    received: list[Received] = []
    refusal: ApiError | None = None
    try:
        while True:
            part = await reader.next()
            if part is None:
                break
            if not isinstance(part, BodyPartReader):
                continue  # a nested multipart: not something the backend accepts
            if refusal is not None or part.name != "files" or not part.filename:
                await part.release()
                continue
            filename = safe_filename(part.filename)
            if file_type_of(filename) is None:
                refusal = unsupported(filename)
                await part.release()
                continue
            media_id, path = _new_path(folder, filename)
            sink = FileSink(path, limit)
            try:
                while chunk := await part.read_chunk(CHUNK):
                    await sink.write(chunk)
            except TooLarge:
                await sink.discard()
                await part.release()
                refusal = too_large(filename, limit)
                continue
            except BaseException:
                await sink.discard()
                raise
            received.append(Received(media_id, path, filename, sink.size, await sink.close()))
    except BaseException:
        await delete(received)
        raise
    if refusal is not None:
        await delete(received)
        raise refusal
    if not received:
        raise bad_request("no files: send one or more multipart fields named 'files'")
    return received


async def receive_urls(
    body: dict[str, Any], client: httpx.AsyncClient, folder: Path, limit: int
) -> list[Received]:
    """Fetch every URL of `{"urls": [...]}` into `folder`; all or nothing."""
    urls = body.get("urls")
    if not isinstance(urls, list) or not urls or not all(isinstance(u, str) for u in urls):
        raise bad_request("urls must be a non-empty list of strings")
    received: list[Received] = []
    try:
        for url in urls:
            media_id, path = _new_path(folder, "download")
            try:
                name, size, digest = await fetch_to_file(client, url, path, limit)
            except TooLarge:
                raise too_large(url, limit) from None
            except FetchError as exc:
                raise ApiError(FETCH_FAILED, str(exc)) from None
            if file_type_of(name) is None:
                await asyncio.to_thread(path.unlink, True)
                raise unsupported(name)
            final = path.with_suffix("." + extension(name))
            await asyncio.to_thread(path.replace, final)
            received.append(Received(media_id, final, name, size, digest))
    except BaseException:
        await delete(received)
        raise
    return received
