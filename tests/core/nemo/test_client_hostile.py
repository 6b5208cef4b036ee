"""NemoClient against hostile backends: a tiny raw-socket HTTP server on loopback.

Each test gives the server a script: an async function that receives the parsed
request and the connection's writer, and answers however badly it likes (no
headers at all, headers then silence, a body dripped a byte at a time, a huge
body...). The client must give up on time, with a bounded memory, and with the
typed errors its callers handle.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from core.nemo.client import NemoClient
from core.nemo.errors import (
    NemoConnectionError,
    ProtocolError,
    RateLimited,
    StreamTimedOut,
    TooSlow,
)
from core.nemo.events import AgentEvent, FullText, Heartbeat, StreamError, TextFragment
from core.nemo.models import Credentials
from core.settings import Settings


@dataclass
class Request:
    """One request as the server read it (the body only when Content-Length is set)."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""


Script = Callable[[Request, asyncio.StreamWriter], Awaitable[None]]


@dataclass
class Hostile:
    """The running server: its base URL and what it has seen."""

    base_url: str
    requests: list[Request] = field(default_factory=list)
    sent: int = 0
    """Bytes written by `send`."""
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    """Set when a client closed a connection the script was still writing to."""

    async def send(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        """Write and drain, counting the bytes."""
        writer.write(data)
        await writer.drain()
        self.sent += len(data)


async def _read_request(reader: asyncio.StreamReader) -> Request | None:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    body = await reader.readexactly(length) if length else b""
    return Request(method, path, headers, body)


@contextlib.asynccontextmanager
async def hostile_server(script: Script) -> AsyncIterator[Hostile]:
    """Serve `script` for every request on a free loopback port until the block exits."""
    tasks: set[asyncio.Task[Any]] = set()
    state: dict[str, Hostile] = {}

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        tasks.add(task)
        server = state["server"]
        try:
            while True:
                try:
                    request = await _read_request(reader)
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                if request is None:
                    return
                server.requests.append(request)
                await script(request, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            server.closed.set()
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    listener = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    state["server"] = Hostile(f"http://127.0.0.1:{port}")
    try:
        yield state["server"]
    finally:
        listener.close()
        for task in list(tasks):
            task.cancel()
        for task in list(tasks):
            with contextlib.suppress(BaseException):
                await task
        await listener.wait_closed()


def head(status: int = 200, content_type: str = "application/json", **extra: Any) -> bytes:
    """A response head; `extra` headers are given as keyword arguments (`_` for `-`)."""
    lines = [f"HTTP/1.1 {status} X", f"Content-Type: {content_type}"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in extra.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def json_answer(body: bytes, status: int = 200, **extra: Any) -> bytes:
    """A complete JSON response with its Content-Length."""
    return head(status, Content_Length=len(body), **extra) + body


async def forever() -> None:
    """Wait until cancelled (a server that never answers)."""
    await asyncio.Event().wait()


def hostile_settings(server: Hostile, **overrides: Any) -> Settings:
    """Settings pointing at the hostile server, without retries or backoff waits."""
    values: dict[str, Any] = {
        "_env_file": None,
        "nemo_api_url": server.base_url,
        "nemo_web_url": server.base_url,
        "nemo_retry_attempts": 0,
        "nemo_retry_backoff": 0,
        **overrides,
    }
    return Settings(**values)


pytestmark = pytest.mark.timeout(60)

TOKEN = "nmv_usr_hostile_secret_token_42"
CREDS = Credentials(SecretStr(TOKEN), "anon_7")
SSE = "text/event-stream"


async def drain(client: NemoClient, text: str = "hi") -> list[AgentEvent]:
    """Every event of one agent call."""
    events: list[AgentEvent] = []
    async with client.run_sse(CREDS, "s1", text) as stream:
        async for event in stream:
            events.append(event)
    return events


# ------------------------------------------------------------------ deadlines


@pytest.mark.parametrize("answer", ["nothing", "json_head_only"])
async def test_agent_call_without_an_answer_times_out(answer: str) -> None:
    async def script(request: Request, writer: asyncio.StreamWriter) -> None:
        if answer == "json_head_only":
            await server.send(writer, head(200, Content_Length=100))
        await forever()

    async with hostile_server(script) as server:
        settings = hostile_settings(server, nemo_first_event_timeout=0.3)
        async with NemoClient(settings) as client:
            started = time.monotonic()
            with pytest.raises(StreamTimedOut):
                await asyncio.wait_for(drain(client), 10)
            assert time.monotonic() - started < 5
            assert len(server.requests) == 1


async def test_stream_headers_then_nothing_times_out_at_the_first_event_deadline() -> None:
    async def script(request: Request, writer: asyncio.StreamWriter) -> None:
        await server.send(writer, head(200, SSE))
        await forever()

    async with hostile_server(script) as server:
        settings = hostile_settings(server, nemo_first_event_timeout=0.3)
        assert settings.nemo_heartbeat_timeout == 600
        async with NemoClient(settings) as client:
            with pytest.raises(StreamTimedOut) as info:
                await asyncio.wait_for(drain(client), 10)
    assert "first event" in str(info.value)


async def test_heartbeats_keep_a_stream_alive_past_the_first_event_deadline() -> None:
    async def script(request: Request, writer: asyncio.StreamWriter) -> None:
        await server.send(writer, head(200, SSE))
        for _ in range(12):
            await server.send(writer, b'data: {"type": "heartbeat"}\n\n')
            await asyncio.sleep(0.1)  # the backend's pace, not synchronisation
        await server.send(writer, b'data: {"type": "text", "content": "done"}\n\n')
        writer.close()

    async with hostile_server(script) as server:
        settings = hostile_settings(server, nemo_first_event_timeout=0.5)
        async with NemoClient(settings) as client:
            events = await asyncio.wait_for(drain(client), 10)
    assert events == [Heartbeat()] * 12 + [TextFragment("done")]


async def test_silence_between_events_and_the_total_are_deadlines() -> None:
    async def script(request: Request, writer: asyncio.StreamWriter) -> None:
        await server.send(writer, head(200, SSE))
        await server.send(writer, b'data: {"type": "text", "content": "a"}\n\n')
        if request.body and b"endless" in request.body:
            while True:
                await server.send(writer, b'data: {"type": "text", "content": "b"}\n\n')
                await asyncio.sleep(0.02)  # the backend's pace
        await forever()

    async with hostile_server(script) as server:
        settings = hostile_settings(server, nemo_heartbeat_timeout=0.5, nemo_sse_timeout=1.2)
        async with NemoClient(settings) as client:
            with pytest.raises(StreamTimedOut) as quiet:
                await asyncio.wait_for(drain(client, "quiet"), 10)
            with pytest.raises(StreamTimedOut) as total:
                await asyncio.wait_for(drain(client, "endless"), 10)
    assert "heartbeats (or nothing)" in str(quiet.value)
    assert "longer than 1.2 s" in str(total.value)


async def test_an_answer_dripped_a_byte_at_a_time_hits_the_call_deadline() -> None:
    body = json.dumps({"code": 0, "data": {"available": 1, "frozen": 0}}).encode()

    async def script(request: Request, writer: asyncio.StreamWriter) -> None:
        await server.send(writer, head(200, Content_Length=len(body)))
        for byte in body:
            await server.send(writer, bytes([byte]))
            await asyncio.sleep(0.1)  # slower than any deadline here, faster than the read one

    async with hostile_server(script) as server:
        settings = hostile_settings(server, nemo_call_timeout=0.5, nemo_read_timeout=5)
        async with NemoClient(settings) as client:
            started = time.monotonic()
            with pytest.raises(NemoConnectionError):
                await asyncio.wait_for(client.credits(CREDS), 10)
            assert time.monotonic() - started < 3


async def test_an_answer_without_headers_hits_the_read_timeout() -> None:
    async def script(request: Request, writer: asyncio.StreamWriter) -> None:
        await forever()

    async with hostile_server(script) as server:
        settings = hostile_settings(server, nemo_read_timeout=0.3)
        async with NemoClient(settings) as client:
            with pytest.raises(NemoConnectionError):
                await asyncio.wait_for(client.credits(CREDS), 10)


async def test_a_dripped_download_hits_the_download_deadline(tmp_path: Path) -> None:
    """Once: a download that ran past NEMO_DOWNLOAD_TIMEOUT is not tried again (each try
    may take an hour)."""
    tries: list[str] = []

    async def script(request: Request, writer: asyncio.StreamWriter) -> None:
        tries.append(request.path)
        await server.send(writer, head(200, "video/mp4", Content_Length=10_000))
        while True:
            await server.send(writer, b"x")
            await asyncio.sleep(0.05)  # the backend's pace

    async with hostile_server(script) as server:
        settings = hostile_settings(server, nemo_download_timeout=0.5, nemo_read_timeout=5,
                                    nemo_retry_attempts=2)
        async with NemoClient(settings) as client:
            with pytest.raises(TooSlow) as info:
                await asyncio.wait_for(client.download(CREDS, "r1", None, tmp_path / "o.mp4"), 10)
    assert not list(tmp_path.iterdir())
    assert "took longer than 0.5 s (NEMO_DOWNLOAD_TIMEOUT)" in repr(info.value)
    assert isinstance(info.value, NemoConnectionError), "handled as the backend failing"
    assert len(tries) == 1, tries


@pytest.mark.parametrize("ctype", ["text/html; charset=utf-8", "application/octet-stream"])
async def test_a_web_page_at_the_output_url_is_not_taken_for_the_video(
        tmp_path: Path, ctype: str) -> None:
    """A sign-in page in front of the bucket (said to be HTML or not): the file comes from
    the proxy download instead."""
    page = b"<!DOCTYPE html><html>sign in</html>"
    video = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 100

    async def script(request: Request, writer: asyncio.StreamWriter) -> None:
        body = video if "/proxy/" in request.path else page
        kind = "video/mp4" if body is video else ctype
        await server.send(writer, head(200, kind, Content_Length=len(body)) + body)

    async with hostile_server(script) as server, NemoClient(hostile_settings(server)) as nemo:
        saved = await nemo.download(CREDS, "r1", f"{server.base_url}/out/r1.mp4",
                                    tmp_path / "o.mp4")
    assert saved.read_bytes() == video
    assert [r.path for r in server.requests] == ["/out/r1.mp4",
                                                 "/api/render/proxy/r1/download"]


# ---------------------------------------------------------------- Retry-After


@pytest.mark.parametrize("when", ["date", "seconds"])
async def test_a_far_retry_after_is_not_waited_for(when: str) -> None:
    far = datetime.now(UTC) + timedelta(days=365)
    value = format_datetime(far, usegmt=True) if when == "date" else "99999999"
    ok = json.dumps({"code": 0, "data": {"available": 3, "frozen": 0}}).encode()

    async def script(request: Request, writer: asyncio.StreamWriter) -> None:
        if len(server.requests) % 2:
            await server.send(writer, json_answer(b"{}", 429, Retry_After=value))
        else:
            await server.send(writer, json_answer(ok))

    async with hostile_server(script) as server:
        settings = hostile_settings(server, nemo_retry_after_max=0.2)
        async with NemoClient(settings) as client:
            started = time.monotonic()
            with pytest.raises(RateLimited) as info:
                await asyncio.wait_for(client.credits(CREDS), 10)
            assert time.monotonic() - started < 5
            assert (await asyncio.wait_for(client.credits(CREDS), 10)).available == 3
    assert info.value.retry_after == 0.2
    assert len(server.requests) == 2


# ------------------------------------------------------------- bounded bodies

MIB = 1024 * 1024


def padded_credits(size: int) -> bytes:
    """A valid credits answer padded to `size` bytes."""
    head_, tail = b'{"code": 0, "data": {"available": 1, "frozen": 0, "pad": "', b'"}}'
    return head_ + b"x" * (size - len(head_) - len(tail)) + tail


async def send_body(server: Hostile, writer: asyncio.StreamWriter, body: bytes,
                    chunked: bool) -> None:
    """Send `body` in 64 KiB pieces, with a Content-Length or chunked."""
    if chunked:
        await server.send(writer, head(200, Transfer_Encoding="chunked"))
    else:
        await server.send(writer, head(200, Content_Length=len(body)))
    for start in range(0, len(body), 65536):
        piece = body[start:start + 65536]
        if chunked:
            piece = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
        await server.send(writer, piece)
    if chunked:
        await server.send(writer, b"0\r\n\r\n")


@pytest.mark.parametrize("chunked", [False, True])
async def test_a_json_answer_over_the_cap_is_refused_without_reading_it_all(
    chunked: bool,
) -> None:
    body = padded_credits(32 * MIB)

    async def script(request: Request, writer: asyncio.StreamWriter) -> None:
        size = 60 * 1024 if request.path.endswith("small") else len(body)
        await send_body(server, writer, padded_credits(size) if size < len(body) else body,
                        chunked)

    async with hostile_server(script) as server:
        settings = hostile_settings(server, nemo_max_json_bytes=64 * 1024)
        async with NemoClient(settings) as client:
            with pytest.raises(ProtocolError) as info:
                await asyncio.wait_for(client.credits(CREDS), 20)
            await asyncio.wait_for(server.closed.wait(), 10)
    assert "NEMO_MAX_JSON_BYTES" in str(info.value) and "credits" in str(info.value)
    assert server.sent < 16 * MIB


async def test_a_json_answer_under_the_cap_is_read() -> None:
    async def script(request: Request, writer: asyncio.StreamWriter) -> None:
        await send_body(server, writer, padded_credits(60 * 1024), chunked=True)

    async with hostile_server(script) as server:
        settings = hostile_settings(server, nemo_max_json_bytes=64 * 1024)
        async with NemoClient(settings) as client:
            assert (await client.credits(CREDS)).available == 1


async def test_json_nested_too_deep_is_a_protocol_error() -> None:
    nested = b'{"code": 0, "data": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"

    async def script(request: Request, writer: asyncio.StreamWriter) -> None:
        await server.send(writer, json_answer(nested))

    async with hostile_server(script) as server, NemoClient(hostile_settings(server)) as client:
        with pytest.raises(ProtocolError):
            await client.credits(CREDS)


async def test_an_oversized_event_is_dropped_and_the_stream_goes_on() -> None:
    huge = b'data: {"type": "text", "content": "' + b"x" * (2 * MIB) + b'"}\n\n'

    async def script(request: Request, writer: asyncio.StreamWriter) -> None:
        await server.send(writer, head(200, SSE))
        await server.send(writer, b'data: {"type": "text", "content": "before"}\n\n')
        for start in range(0, len(huge), 65536):
            await server.send(writer, huge[start:start + 65536])
        await server.send(writer, b'data: {"type": "text",\ndata: "content": "after"}\n\n')
        writer.close()

    async with hostile_server(script) as server:
        settings = hostile_settings(server, nemo_max_event_bytes=64 * 1024)
        async with NemoClient(settings) as client:
            events = await asyncio.wait_for(drain(client), 20)
    assert events == [TextFragment("before"), TextFragment("after")]


async def test_an_endless_line_is_read_in_bounded_memory() -> None:
    block = b"y" * 65536

    async def script(request: Request, writer: asyncio.StreamWriter) -> None:
        await server.send(writer, head(200, SSE))
        await server.send(writer, b"data: ")
        for _ in range(512):  # 32 MiB without a line end
            await server.send(writer, block)
        await server.send(writer, b'\n\ndata: {"type": "text", "content": "end"}\n\n')
        writer.close()

    async with hostile_server(script) as server:
        settings = hostile_settings(server)  # the default 1 MiB per event
        async with NemoClient(settings) as client:
            tracemalloc.start()
            try:
                events = await asyncio.wait_for(drain(client), 30)
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
    assert events == [TextFragment("end")]
    assert peak < 8 * MIB, f"peak {peak / MIB:.1f} MiB"


async def test_an_answer_over_the_character_cap_ends_with_a_stream_error() -> None:
    fragment = b'data: {"type": "text", "content": "' + b"z" * 1000 + b'"}\n\n'

    async def script(request: Request, writer: asyncio.StreamWriter) -> None:
        await server.send(writer, head(200, SSE))
        for _ in range(100_000):
            await server.send(writer, fragment)

    async with hostile_server(script) as server:
        settings = hostile_settings(server, nemo_max_answer_chars=5500)
        async with NemoClient(settings) as client:
            events = await asyncio.wait_for(drain(client), 20)
            await asyncio.wait_for(server.closed.wait(), 10)
    *texts, last = events
    assert texts == [TextFragment("z" * 1000)] * 5 + [TextFragment("z" * 500)]
    assert isinstance(last, StreamError) and last.code == "answer_too_long"
    assert "5500" in last.message
    assert server.sent < 50 * MIB


async def test_full_texts_replace_their_fragments_in_the_character_count() -> None:
    def text(kind: str, body: str) -> bytes:
        event: dict[str, Any] = {"content": {"parts": [{"text": body}]}}
        if kind == "partial":
            event["partial"] = True
        return b"data: " + json.dumps(event).encode() + b"\n\n"

    frames = [text("partial", "a" * 300), text("partial", "a" * 300), text("full", "a" * 600),
              text("partial", "b" * 300), text("full", "b" * 300)]

    async def script(request: Request, writer: asyncio.StreamWriter) -> None:
        await server.send(writer, head(200, SSE) + b"".join(frames))
        writer.close()

    async with hostile_server(script) as server:
        settings = hostile_settings(server, nemo_max_answer_chars=1000)
        async with NemoClient(settings) as client:
            events = await asyncio.wait_for(drain(client), 10)
    assert events == [TextFragment("a" * 300), TextFragment("a" * 300), FullText("a" * 600),
                      TextFragment("b" * 300), FullText("b" * 300)]


# -------------------------------------------------------- bad frames in a stream


async def test_bad_data_lines_are_skipped_with_a_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bad = [
        b"data: {not json",
        b"data: " + b"[" * 100_000 + b"]" * 100_000,  # nested deeper than the parser goes
        b'data: {"type": "text", "content": "\xff\xfe"',  # broken UTF-8, cut short
        b"data: " + b"9" * 5000,  # an integer longer than Python parses
    ]
    frames = [b'data: {"type": "text", "content": "a"}', *bad,
              b'data: {"type": "text", "content": "b"}']

    async def script(request: Request, writer: asyncio.StreamWriter) -> None:
        await server.send(writer, head(200, SSE) + b"\n\n".join(frames) + b"\n\n")
        writer.close()

    caplog.set_level(logging.INFO, logger="core.nemo")
    async with hostile_server(script) as server, NemoClient(hostile_settings(server)) as client:
        events = await asyncio.wait_for(drain(client), 10)
    assert events == [TextFragment("a"), TextFragment("b")]
    # one warning, then a count of the others (a flood of bad lines is not a flood of logs)
    skipped = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert skipped == ["agent stream: dropped a non-JSON payload (9 chars)",
                       f"agent stream: {len(bad) - 1} more warnings like the last were held back"]
