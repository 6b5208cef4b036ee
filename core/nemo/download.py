"""Streaming a finished render to a local file, all or nothing."""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from core.nemo.envelope import NO_CREDS, unwrap
from core.nemo.errors import ProtocolError
from core.nemo.models import Credentials
from core.nemo.transport import Transport
from core.nemo.wire import opt_int

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int | None], Awaitable[None] | None]
"""Called with (bytes received so far, total bytes if known) while downloading."""


async def download_to(
    transport: Transport,
    url: str,
    dest: Path,
    kind: str,
    creds: Credentials | None,
    on_progress: ProgressCallback | None,
    *,
    retry: bool,
    chunk_size: int,
) -> Path:
    """Stream `url` to `dest` through `<dest>.part`; retried by the transport's rules
    when `retry` is set. A JSON answer or an HTTP error raises the typed error.
    Each attempt must finish within `nemo_download_timeout`; one that does not is not
    made again (`TooSlow`)."""
    partial = dest.with_name(dest.name + ".part")
    limit = transport.settings.nemo_download_timeout

    async def attempt() -> Path:
        async with transport.deadline(limit, kind, "NEMO_DOWNLOAD_TIMEOUT"), transport.http.stream(
            "GET", url, headers=transport.headers(creds), follow_redirects=True,
            timeout=transport.timeout,
        ) as response:
            log.debug("%s: GET %s -> HTTP %d", kind, safe_url(url), response.status_code)
            await _refuse_non_file(transport, response, kind, creds)
            received = await _save(response, partial, chunk_size, on_progress)
        os.replace(partial, dest)
        log.debug("%s: saved %d bytes", kind, received)
        return dest

    try:
        return await transport.retrying(kind, attempt, idempotent=retry, slow_again=False)
    finally:
        partial.unlink(missing_ok=True)


async def _save(
    response: httpx.Response, partial: Path, chunk_size: int, on_progress: ProgressCallback | None
) -> int:
    """Write the body to `partial`; the number of bytes, checked against Content-Length."""
    total = opt_int(response.headers.get("content-length"))
    received = 0
    # Opening, closing, renaming and unlinking stay on the loop thread so a
    # cancellation can never leave a half-written file behind; only the
    # (large) writes go to a worker thread.
    with partial.open("wb") as handle:
        async for chunk in response.aiter_bytes(chunk_size):
            if not received and chunk.lstrip()[:1] == b"<":  # no media file starts so
                raise ProtocolError("NemoVideo answered with a web page, not the file")
            await asyncio.to_thread(handle.write, chunk)
            received += len(chunk)
            if on_progress is not None:
                outcome = on_progress(received, total)
                if inspect.isawaitable(outcome):
                    await outcome
    if total is not None and received != total:
        raise httpx.RemoteProtocolError("download ended early")
    return received


async def _refuse_non_file(
    transport: Transport, response: httpx.Response, kind: str, creds: Credentials | None
) -> None:
    """Raise the typed error of an answer that is not the file (an error, JSON, a web
    page: a sign-in page in front of a storage bucket)."""
    if response.status_code != 200:
        answer = await transport.read_answer(response, kind)
        transport.check_status(answer)
        unwrap(answer, kind, creds or NO_CREDS)
        raise ProtocolError(
            f"NemoVideo answered {kind} with HTTP {response.status_code} and no file",
            status=response.status_code,
        )
    ctype = response.headers.get("content-type", "").partition(";")[0].strip().lower()
    if ctype == "application/json":
        unwrap(await transport.read_answer(response, kind), kind, creds or NO_CREDS)
        raise ProtocolError(f"NemoVideo answered {kind} with JSON, not a file")
    if ctype.startswith("text/"):
        raise ProtocolError(f"NemoVideo answered {kind} with {ctype}, not a file")


def same_origin(url: str, other: str) -> bool:
    """Whether two URLs share scheme, host and port."""
    return _origin(url) == _origin(other)


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return (parts.scheme, parts.hostname or "", parts.port)


def safe_url(url: str) -> str:
    """The URL without its query string (signed links carry secrets there)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"
