"""NemoClient against scripted HTTP answers: envelopes, shapes and edge cases the
simulator does not produce (HTTP dates in Retry-After, non-JSON bodies, odd status words)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from core.nemo.client import NemoClient, normalise_status, parse_render_status, parse_retry_after
from core.nemo.draft import Draft
from core.nemo.errors import (
    DuplicateRenderId,
    ExportBlocked,
    FileTooLarge,
    MissingClientId,
    NemoConnectionError,
    NemoError,
    OutOfCredits,
    ProtocolError,
    RateLimited,
    ServerError,
    SessionNotFound,
    StreamInterrupted,
    StreamTimedOut,
    TokenExpired,
    UnsupportedFile,
)
from core.nemo.events import FullText, Heartbeat, TextFragment
from core.nemo.models import Credentials, RenderPhase, amount_text
from core.nemo.uploads import CHUNK_SIZE, UploadFile, UploadSizeMismatch, multipart
from core.settings import Settings

TOKEN = "nmv_usr_unit_secret_token_123"
CREDS = Credentials(SecretStr(TOKEN), "anon_42")
Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """Records the waits the client asks for instead of sleeping."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def make_client(
    handler: Handler, recorder: Recorder | None = None, **overrides: Any
) -> tuple[NemoClient, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    settings = Settings(
        **{
            "_env_file": None,
            "nemo_api_url": "http://nemo.test",
            "nemo_web_url": "http://web.test",
            **overrides,
        }
    )
    http = httpx.AsyncClient(transport=httpx.MockTransport(record))
    return NemoClient(settings, http=http, sleep=recorder or Recorder()), seen


def ok(data: Any) -> httpx.Response:
    return httpx.Response(200, json={"code": 0, "data": data})


# ------------------------------------------------------------------ pure helpers


def test_retry_after_seconds_and_dates() -> None:
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(" 2.5 ") == 2.5
    assert parse_retry_after("-3") == 0.0
    assert (
        parse_retry_after(format_datetime(now + timedelta(seconds=42), usegmt=True), now=now) == 42
    )
    assert parse_retry_after(format_datetime(now - timedelta(seconds=5), usegmt=True), now=now) == 0
    for junk in (None, "", "soon", "nan", "inf"):
        assert parse_retry_after(junk) is None


@pytest.mark.parametrize(
    ("word", "phase"),
    [
        ("pending", RenderPhase.PENDING),
        ("QUEUED", RenderPhase.PENDING),
        ("processing", RenderPhase.PROCESSING),
        ("in-progress", RenderPhase.PROCESSING),
        ("Completed", RenderPhase.COMPLETED),
        ("succeeded", RenderPhase.COMPLETED),
        ("failed", RenderPhase.FAILED),
        ("error", RenderPhase.FAILED),
        ("canceled", RenderPhase.CANCELLED),
        ("something-new", RenderPhase.PROCESSING),
        (None, RenderPhase.PROCESSING),
    ],
)
def test_status_words_are_normalised(word: Any, phase: RenderPhase) -> None:
    assert normalise_status(word) is phase


def test_both_poll_shapes_parse_alike() -> None:
    top = {
        "taskId": "render_1",
        "status": "completed",
        "progress": 97,
        "output": {"url": "http://x/o.mp4", "duration": 10.5, "size": 1234},
    }
    wrapped = {
        "id": "render_1",
        "status": "completed",
        "progress": 100,
        "outputUrl": "http://x/o.mp4",
        "createdAt": "2025-01-01T00:00:00Z",
        "completedAt": "2025-01-01T00:01:00Z",
    }
    a = parse_render_status(top, "fallback")
    b = parse_render_status(wrapped, "fallback")
    assert (a.render_id, a.status, a.progress, a.output_url) == (
        "render_1",
        RenderPhase.COMPLETED,
        100,
        "http://x/o.mp4",
    )
    assert (a.duration, a.size) == (10.5, 1234)
    assert (b.render_id, b.status, b.progress, b.output_url) == (
        "render_1",
        RenderPhase.COMPLETED,
        100,
        "http://x/o.mp4",
    )


@pytest.mark.parametrize(
    ("raw", "expected"), [(-5, 0), (250, 100), ("42.6", 43), ("x", 0), (None, 0)]
)
def test_progress_is_clamped(raw: Any, expected: int) -> None:
    assert parse_render_status({"status": "processing", "progress": raw}, "r").progress == expected


def test_failed_render_keeps_its_error() -> None:
    status = parse_render_status({"status": "failed", "error": {"message": "ffmpeg died"}}, "r")
    assert status.status is RenderPhase.FAILED and status.error == "ffmpeg died"
    assert parse_render_status({"status": "failed", "error": "boom"}, "r").error == "boom"


# --------------------------------------------------------------- headers, urls


async def test_headers_on_every_request_and_no_bearer_for_anonymous_token() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/auth/anonymous-token":
            return ok(
                {"token": "nmv_usr_new", "user_id": "anon_1", "expires_at": 5, "credits": 100}
            )
        return ok({"available": 1, "frozen": 2})

    client, seen = make_client(handler, nemo_skill_source="src", nemo_skill_platform="cursor")
    anon = await client.anonymous_token("cid-1")
    credits = await client.credits(CREDS)
    assert anon.credentials.token.get_secret_value() == "nmv_usr_new"
    assert anon.credentials.user_id == "anon_1" and anon.expires_at == "5" and anon.credits == 100
    assert (credits.available, credits.frozen, credits.total) == (1, 2, 3)
    for request in seen:
        assert request.headers["X-Skill-Source"] == "src"
        assert request.headers["X-Skill-Version"] == "1.0.0"
        assert request.headers["X-Skill-Platform"] == "cursor"
        assert TOKEN not in str(request.url)
    assert "authorization" not in seen[0].headers
    assert seen[0].headers["X-Client-Id"] == "cid-1"
    assert seen[1].headers["Authorization"] == f"Bearer {TOKEN}"


def test_links() -> None:
    client, _ = make_client(lambda r: ok({}))
    assert client.claim_url("clm_a b") == "http://web.test/workspace/claim?ct=clm_a%20b"
    assert client.registration_url("anon_9") == "http://web.test/register?bind=anon_9"


# ----------------------------------------------------------------- envelopes


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"code": 1001, "message": "token expired"}, TokenExpired),
        ({"code": "1002", "message": "no session"}, SessionNotFound),
        ({"code": 4001, "message": "bad type"}, UnsupportedFile),
        ({"code": 4002, "message": "too big"}, FileTooLarge),
        ({"code": 9999, "message": "new"}, NemoError),
        ({"success": False, "error": "Render id already exists"}, DuplicateRenderId),
        ({"success": False, "error": {"code": 1001, "message": "expired"}}, TokenExpired),
        ({"success": False, "error": "nope"}, NemoError),
    ],
)
async def test_error_envelopes(body: dict[str, Any], error: type[NemoError]) -> None:
    client, _ = make_client(lambda r: httpx.Response(200, json=body))
    with pytest.raises(error) as info:
        await client.credits(CREDS)
    assert type(info.value) is error


async def test_credits_written_with_thousands_separators_are_read() -> None:
    client, _ = make_client(lambda r: ok({"available": "1,250", "frozen": "50",
                                          "total": "1 300"}))
    credits = await client.credits(CREDS)
    assert (credits.available, credits.frozen, credits.total) == (1250, 50, 1300)


async def test_credits_with_decimals_are_read_and_shown_whole() -> None:
    client, _ = make_client(lambda r: ok({"available": 80.5, "frozen": "19.5", "total": 100}))
    credits = await client.credits(CREDS)
    assert (credits.available, credits.frozen, credits.total) == (80.5, 19.5, 100)
    assert credits.texts() == {"available": "80.5", "frozen": "19.5", "total": "100"}


@pytest.mark.parametrize(("value", "text"), [(0, "0"), (100.0, "100"), (0.25, "0.25"),
                                              (1250.10, "1250.1"), (2 / 3, "0.67"),
                                              (-0.001, "0")])
def test_credit_amounts_read_as_people_write_them(value: float, text: str) -> None:
    assert amount_text(value) == text


async def test_out_of_credits_carries_user_id() -> None:
    client, _ = make_client(lambda r: httpx.Response(200, json={"code": 2001, "message": "no"}))
    with pytest.raises(OutOfCredits) as info:
        await client.credits(CREDS)
    assert info.value.user_id == "anon_42" and info.value.is_anonymous


async def test_error_with_http_status_and_envelope() -> None:
    client, _ = make_client(lambda r: httpx.Response(401, json={"code": 1001, "message": "bad"}))
    with pytest.raises(TokenExpired):
        await client.credits(CREDS)
    client, _ = make_client(lambda r: httpx.Response(401, text="Unauthorized"))
    with pytest.raises(TokenExpired):
        await client.credits(CREDS)


async def test_missing_client_id() -> None:
    client, seen = make_client(
        lambda r: httpx.Response(400, json={"detail": "X-Client-Id required"})
    )
    with pytest.raises(MissingClientId):
        await client.anonymous_token(None)
    assert "x-client-id" not in seen[0].headers


@pytest.mark.parametrize("body", [{"error": "plan"}, {"code": 402, "message": "Upgrade"}, None])
async def test_http_402_is_export_blocked(body: Any) -> None:
    response = httpx.Response(402, json=body) if body is not None else httpx.Response(402, text="x")
    client, _ = make_client(lambda r: response)
    with pytest.raises(ExportBlocked):
        await client.submit_render(CREDS, "render_1", "1", Draft.from_raw({"t": []}))


async def test_http_402_that_says_out_of_credits_is_out_of_credits() -> None:
    """The contract's own code in a 402's body (its body is not confirmed) is honoured."""
    response = httpx.Response(402, json={"code": 2001, "message": "insufficient credits"})
    client, _ = make_client(lambda r: response)
    with pytest.raises(OutOfCredits) as info:
        await client.submit_render(CREDS, "render_1", "1", Draft.from_raw({"t": []}))
    assert info.value.is_anonymous


async def test_non_json_body_is_a_protocol_error_without_the_body() -> None:
    secret_page = f"<html>debug token={TOKEN}</html>"
    client, _ = make_client(
        lambda r: httpx.Response(200, text=secret_page, headers={"content-type": "text/html"})
    )
    with pytest.raises(ProtocolError) as info:
        await client.credits(CREDS)
    assert TOKEN not in str(info.value) and "debug" not in str(info.value)


@pytest.mark.parametrize(
    "body", [[1, 2], {"unexpected": True}, {"code": 0}, {"code": 0, "data": [1]}]
)
async def test_unexpected_shapes_are_protocol_errors(body: Any) -> None:
    client, _ = make_client(lambda r: httpx.Response(200, json=body))
    with pytest.raises(ProtocolError):
        await client.credits(CREDS)


async def test_server_message_is_masked_if_it_echoes_the_token() -> None:
    client, _ = make_client(
        lambda r: httpx.Response(200, json={"code": 1001, "message": f"bad {TOKEN}"})
    )
    with pytest.raises(TokenExpired) as info:
        await client.credits(CREDS)
    assert TOKEN not in str(info.value) and TOKEN not in repr(info.value)


async def test_success_envelope_and_bare_poll_shapes() -> None:
    answers = iter(
        [
            httpx.Response(
                200, json={"success": True, "data": {"id": "render_1", "status": "pending"}}
            ),
            httpx.Response(
                200, json={"taskId": "render_1", "status": "processing", "progress": 40}
            ),
            httpx.Response(
                200, json={"success": True, "data": {"status": "completed", "outputUrl": "u"}}
            ),
        ]
    )
    client, _ = make_client(lambda r: next(answers))
    submitted = await client.submit_render(CREDS, "render_1", "1", {"t": [{"sg": [1]}]})
    assert submitted.status is RenderPhase.PENDING
    polled = await client.poll_render(CREDS, "render_1")
    assert (polled.status, polled.progress) == (RenderPhase.PROCESSING, 40)
    done = await client.poll_render(CREDS, "render_1")
    assert (done.status, done.progress, done.output_url) == (RenderPhase.COMPLETED, 100, "u")


async def test_submit_body_uses_camel_case_session_id_and_optional_output() -> None:
    client, seen = make_client(lambda r: ok({}))
    await client.submit_render(CREDS, "render_1", "55", Draft.from_raw({"t": []}))
    await client.submit_render(CREDS, "render_2", "55", {"t": []}, output={"format": "mp4"})
    first, second = (json.loads(r.content) for r in seen)
    assert first == {"id": "render_1", "sessionId": "55", "draft": {"t": []}}
    assert second["output"] == {"format": "mp4"}


async def test_state_accepts_draft_as_json_text() -> None:
    draft = {"t": [{"tt": 0, "sg": [{"d": 1000}]}]}
    client, _ = make_client(
        lambda r: ok(
            {"session_id": "7", "task_id": "task_1", "state": {"draft": json.dumps(draft)}}
        )
    )
    state = await client.state(CREDS, "7")
    assert state.draft.raw == draft and state.draft.is_exportable and state.task_id == "task_1"


# ------------------------------------------------------------------- retries


async def test_rate_limit_with_http_date_waits_until_then() -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    answers = iter(
        [httpx.Response(429, headers={"Retry-After": when}), ok({"available": 1, "frozen": 0})]
    )
    recorder = Recorder()
    client, _ = make_client(lambda r: next(answers), recorder)
    await client.credits(CREDS)
    assert len(recorder.waits) == 1 and 17 <= recorder.waits[0] <= 20


async def test_rate_limit_retry_after_in_body() -> None:
    recorder = Recorder()
    client, _ = make_client(lambda r: httpx.Response(429, json={"retry_after": 4}), recorder)
    with pytest.raises(RateLimited) as info:
        await client.credits(CREDS)
    assert recorder.waits == [4.0] and info.value.retry_after == 4.0


async def test_rate_limit_longer_than_the_cap_is_not_waited_for() -> None:
    recorder = Recorder()
    client, seen = make_client(
        lambda r: httpx.Response(429, headers={"Retry-After": "86400"}), recorder
    )
    with pytest.raises(RateLimited) as info:
        await client.anonymous_token("cid")
    assert recorder.waits == [] and len(seen) == 1 and info.value.retry_after == 60.0


async def test_rate_limit_retry_after_in_body_is_capped_too() -> None:
    recorder = Recorder()
    client, _ = make_client(
        lambda r: httpx.Response(429, json={"retry_after": 1e12}), recorder,
        nemo_retry_after_max=7,
    )
    with pytest.raises(RateLimited) as info:
        await client.credits(CREDS)
    assert recorder.waits == [] and info.value.retry_after == 7.0


async def test_backoff_is_exponential_and_bounded() -> None:
    recorder = Recorder()
    client, seen = make_client(
        lambda r: httpx.Response(502),
        recorder,
        nemo_retry_attempts=5,
        nemo_retry_backoff=1.0,
        nemo_retry_backoff_max=5.0,
    )
    with pytest.raises(ServerError) as info:
        await client.state(CREDS, "1")
    assert (
        recorder.waits == [1.0, 2.0, 4.0, 5.0, 5.0] and len(seen) == 6 and info.value.status == 502
    )


async def test_connection_errors_retried_on_reads_only() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    recorder = Recorder()
    client, seen = make_client(refuse, recorder, nemo_retry_attempts=2)
    with pytest.raises(NemoConnectionError):
        await client.credits(CREDS)
    assert len(seen) == 3 and len(recorder.waits) == 2
    seen.clear()
    with pytest.raises(NemoConnectionError):
        await client.create_session(CREDS, "en")
    assert len(seen) == 1


# -------------------------------------------------------------------- uploads


async def test_multipart_body_length_is_exact(tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"v" * 1000)
    body = multipart([UploadFile.from_path(path), UploadFile.from_bytes('we"ird.png', b"p" * 10)])
    data = b"".join([chunk async for chunk in body.stream()])
    assert len(data) == body.content_length
    assert b'filename="clip.mp4"' in data and b"Content-Type: video/mp4" in data
    assert b'filename="we%22ird.png"' in data


async def test_part_headers_carry_no_control_characters() -> None:
    hostile = UploadFile(
        'a\r\nb\x00c"d\\e\x1b\x85\u2029\udce9.mp4', 1, lambda: _one(b"x"),
        content_type="video/mp4\r\nX-Evil: 1",
    )
    body = multipart([hostile, UploadFile.from_bytes("日本.png", b"p")])
    data = b"".join([chunk async for chunk in body.stream()])
    assert len(data) == body.content_length
    headers = [part.split(b"\r\n\r\n")[0] for part in data.split(b"--" + body.boundary.encode())]
    for header in headers:
        lines = header.strip(b"\r\n").split(b"\r\n")
        assert all(not any(c < 0x20 or c == 0x7f for c in line) for line in lines)
    assert b'filename="a__b_c%22d\\\\e____.mp4"' in data
    assert b"Content-Type: application/octet-stream" in data and b"X-Evil" not in data
    assert 'filename="日本.png"'.encode() in data


async def _one(chunk: bytes) -> AsyncIterator[bytes]:
    yield chunk


async def test_upload_sources_and_wire_format(tmp_path: Path) -> None:
    path = tmp_path / "a.mov"
    path.write_bytes(b"m" * 3000)

    async def agen() -> AsyncIterator[bytes]:
        yield b"x" * 5
        yield b"y" * 5

    def answer(request: httpx.Request) -> httpx.Response:
        return ok(
            {"files": [{"filename": "a.mov", "file_type": "video"}], "session_state_applied": True}
        )

    client, seen = make_client(answer)
    result = await client.upload_files(
        CREDS, "9", [path, ("b.mp3", agen(), 10), ("c.wav", [b"1", b"23"], 3), ("d.jpg", b"jpg", 3)]
    )
    assert result.session_state_applied and result.files[0].file_type == "video"
    request = seen[0]
    assert request.url.path == "/api/upload-video/nemo_agent/me/9"
    assert int(request.headers["content-length"]) == len(request.content)
    assert "transfer-encoding" not in request.headers
    assert request.content.count(b'name="files"') == 4


async def test_wrong_declared_size_is_refused() -> None:
    client, _ = make_client(lambda r: ok({"files": []}))
    with pytest.raises(UploadSizeMismatch):
        await client.upload_files(CREDS, "9", [("a.mp4", [b"123456"], 3)])


async def test_an_upload_refused_as_too_large_by_a_proxy_is_file_too_large() -> None:
    """HTTP 413 with a web page (a proxy's limit, before NemoVideo's 4002)."""
    client, _ = make_client(lambda r: httpx.Response(
        413, text="<html>413 Request Entity Too Large</html>",
        headers={"content-type": "text/html"}))
    with pytest.raises(FileTooLarge):
        await client.upload_files(CREDS, "9", [("a.mp4", [b"123"], 3)])


async def test_one_shot_stream_is_not_replayed_after_429() -> None:
    recorder = Recorder()
    client, seen = make_client(
        lambda r: httpx.Response(429, headers={"Retry-After": "1"}), recorder
    )

    async def agen() -> AsyncIterator[bytes]:
        yield b"abc"

    with pytest.raises(RateLimited):
        await client.upload_files(CREDS, "9", [("a.mp4", agen(), 3)])
    assert len(seen) == 1 and recorder.waits == []


# ------------------------------------------------------------------ SSE edge


def sse_response(frames: list[bytes], content_type: str = "text/event-stream") -> httpx.Response:
    async def body() -> AsyncIterator[bytes]:
        for frame in frames:
            yield frame

    return httpx.Response(200, headers={"content-type": content_type}, content=body())


async def test_sse_frames_split_across_chunks() -> None:
    frames = [
        b'data: {"content": {"parts": [{"text": "Hel',
        b'lo"}]}, "partial": true}\n\ndata:\n\n',
        b'data: {"content": {"parts": [{"text": "Hello!"}]}}\r\n\r\n',
        b": comment\n\ndata: not json\n\n",
    ]
    client, seen = make_client(lambda r: sse_response(frames))
    async with client.run_sse(CREDS, "5", "hi") as stream:
        events = [event async for event in stream]
    assert events == [TextFragment("Hello"), Heartbeat(), FullText("Hello!")]
    body = json.loads(seen[0].content)
    assert body == {
        "app_name": "nemo_agent",
        "user_id": "me",
        "session_id": "5",
        "new_message": {"parts": [{"text": "hi"}]},
    }
    assert seen[0].headers["accept"] == "text/event-stream"


@pytest.mark.parametrize("content_type", ["text/plain", "application/octet-stream", ""])
async def test_an_event_stream_labelled_otherwise_is_read(content_type: str) -> None:
    frames = [b'data: {"content": {"parts": [{"text": "Hello!"}]}}\n\n']
    client, _ = make_client(lambda r: sse_response(frames, content_type))
    async with client.run_sse(CREDS, "5", "hi") as stream:
        assert [event async for event in stream] == [FullText("Hello!")]


@pytest.mark.parametrize("answer", [
    httpx.Response(200, text="<html>oops</html>", headers={"content-type": "text/html"}),
    httpx.Response(200, json={"ok": True}),
])
async def test_a_success_that_is_no_event_stream_may_have_been_processed(
        answer: httpx.Response) -> None:
    """HTTP 200: the agent may have the message, so the caller reads the state and never
    sends it again (a broken stream), rather than calling it a failure."""
    client, _ = make_client(lambda r: answer)
    with pytest.raises(StreamInterrupted):
        async with client.run_sse(CREDS, "5", "hi"):
            pass


async def test_sse_json_error_answer_is_mapped() -> None:
    client, _ = make_client(lambda r: httpx.Response(200, json={"code": 1002, "message": "gone"}))
    with pytest.raises(SessionNotFound):
        async with client.run_sse(CREDS, "5", "hi"):
            pass


async def test_sse_is_never_retried() -> None:
    recorder = Recorder()
    for response in (httpx.Response(503), httpx.Response(429, headers={"Retry-After": "1"})):
        client, seen = make_client(lambda r, resp=response: resp, recorder)  # type: ignore[misc]
        with pytest.raises((ServerError, RateLimited)):
            async with client.run_sse(CREDS, "5", "hi"):
                pass
        assert len(seen) == 1
    assert recorder.waits == []


async def test_sse_silence_times_out() -> None:
    async def body() -> AsyncIterator[bytes]:
        yield b"data:\n\n"
        await _forever()
        yield b""

    client, _ = make_client(
        lambda r: httpx.Response(
            200, headers={"content-type": "text/event-stream"}, content=body()
        ),
        nemo_heartbeat_timeout=0.05,
    )
    with pytest.raises(StreamTimedOut):
        async with client.run_sse(CREDS, "5", "hi") as stream:
            async for _ in stream:
                pass


async def test_sse_transport_break_is_interrupted() -> None:
    async def body() -> AsyncIterator[bytes]:
        yield b'data: {"type": "text", "content": "a"}\n\n'
        raise httpx.RemoteProtocolError("peer closed connection")

    client, _ = make_client(
        lambda r: httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body())
    )
    got: list[Any] = []
    with pytest.raises(StreamInterrupted):
        async with client.run_sse(CREDS, "5", "hi") as stream:
            async for event in stream:
                got.append(event)
    assert got == [TextFragment("a")]


def _broken_after(*frames: dict[str, Any]) -> Callable[[httpx.Request], httpx.Response]:
    """An agent call answering `frames` (ADK events), then breaking the connection."""
    async def body() -> AsyncIterator[bytes]:
        for frame in frames:
            yield b"data: " + json.dumps(frame).encode() + b"\n\n"
        raise httpx.RemoteProtocolError("peer closed connection")

    return lambda r: httpx.Response(200, headers={"content-type": "text/event-stream"},
                                    content=body())


async def _events_of(client: NemoClient) -> list[Any]:
    got: list[Any] = []
    async with client.run_sse(CREDS, "5", "hi") as stream:
        async for event in stream:
            got.append(event)
    return got


DONE = {"content": {"role": "model", "parts": [{"text": "Done."}]}, "turnComplete": True}
CALL = {"content": {"role": "model", "parts": [{"functionCall": {"id": "c1", "name": "trim"}}]}}
RESULT = {"content": {"role": "user",
                      "parts": [{"functionResponse": {"id": "c1", "name": "trim"}}]}}


async def test_a_break_after_the_agents_turn_is_complete_ends_the_stream() -> None:
    client, _ = make_client(_broken_after(CALL, RESULT, DONE))
    got = await _events_of(client)
    assert [type(e).__name__ for e in got] == ["ToolCall", "ToolResult", "FullText",
                                               "TurnComplete"]


@pytest.mark.parametrize("frames", [
    (CALL, DONE),  # a tool still works: the turn goes on
    (DONE, {"content": {"role": "model", "parts": [{"text": "And", "partial": True}]},
            "partial": True}),  # more words after the turn's end: a new turn
    ({"content": {"role": "model", "parts": [{"text": "Done."}]}},),  # no turn end said
], ids=["tool-awaiting-its-result", "words-after-the-end", "no-turn-end"])
async def test_a_break_before_the_turn_is_whole_is_an_interruption(
        frames: tuple[dict[str, Any], ...]) -> None:
    client, _ = make_client(_broken_after(*frames))
    with pytest.raises(StreamInterrupted):
        await _events_of(client)


async def _forever() -> None:
    await asyncio.Event().wait()


# ------------------------------------------------------------------ downloads


async def test_bearer_goes_only_to_the_api_host_and_proxy_is_the_fallback(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "cdn.example":
            return httpx.Response(403, text="expired signature")
        return httpx.Response(
            200, content=b"\x00\x00\x00\x18ftypmp42", headers={"content-type": "video/mp4"}
        )

    client, seen = make_client(handler)
    path = await client.download(
        CREDS, "render_1", "https://cdn.example/o.mp4?sig=abc", tmp_path / "o.mp4"
    )
    assert path.read_bytes()[4:8] == b"ftyp"
    cdn, proxy = seen
    assert "authorization" not in cdn.headers and cdn.headers["X-Skill-Source"]
    assert proxy.url.path == "/api/render/proxy/render_1/download"
    assert proxy.headers["Authorization"] == f"Bearer {TOKEN}"


async def test_download_retries_a_broken_transfer_and_leaves_no_partial_file(
    tmp_path: Path,
) -> None:
    calls = 0

    async def broken() -> AsyncIterator[bytes]:
        yield b"half"
        raise httpx.ReadError("connection reset")

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            return httpx.Response(200, content=broken(), headers={"content-type": "video/mp4"})
        return httpx.Response(200, content=b"whole file", headers={"content-type": "video/mp4"})

    recorder = Recorder()
    client, _ = make_client(handler, recorder)
    path = await client.download(CREDS, "r", None, tmp_path / "o.mp4")
    assert path.read_bytes() == b"whole file" and len(recorder.waits) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o.mp4"]


async def test_download_not_ready_is_a_typed_error(tmp_path: Path) -> None:
    client, _ = make_client(
        lambda r: httpx.Response(200, json={"code": 3004, "message": "Render is processing"})
    )
    with pytest.raises(NemoError) as info:
        await client.download(CREDS, "r", None, tmp_path / "o.mp4")
    assert info.value.code == 3004
    assert not list(tmp_path.iterdir())


async def test_replayable_upload_is_resent_whole_after_429(tmp_path: Path) -> None:
    path = tmp_path / "a.mp4"
    path.write_bytes(b"z" * 700_000)
    answers = iter([httpx.Response(429, headers={"Retry-After": "3"}), ok({"files": []})])
    recorder = Recorder()
    client, seen = make_client(lambda r: next(answers), recorder)
    await client.upload_files(CREDS, "9", [path])
    assert recorder.waits == [3.0] and len(seen) == 2
    assert seen[0].content == seen[1].content and b"z" * 700_000 in seen[1].content


async def test_cancelled_download_leaves_no_partial_file(tmp_path: Path) -> None:
    async def endless() -> AsyncIterator[bytes]:
        yield b"x" * CHUNK_SIZE  # a whole chunk: the client writes in chunks of this size
        await _forever()
        yield b""

    client, _ = make_client(
        lambda r: httpx.Response(200, content=endless(), headers={"content-type": "video/mp4"})
    )
    started = asyncio.Event()
    task = asyncio.create_task(
        client.download(CREDS, "r", None, tmp_path / "o.mp4", lambda got, total: started.set())
    )
    await started.wait()
    assert (tmp_path / "o.mp4.part").exists()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not list(tmp_path.iterdir())
