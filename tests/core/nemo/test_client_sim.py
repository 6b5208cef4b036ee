"""NemoClient against the NemoVideo simulator over real HTTP: every endpoint, both
agent-stream shapes, every poll shape, and every documented fault."""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from core.nemo.client import AgentStream, NemoClient
from core.nemo.errors import (
    DuplicateRenderId,
    ExportBlocked,
    FileTooLarge,
    MissingClientId,
    NemoError,
    OutOfCredits,
    RateLimited,
    ServerError,
    SessionNotFound,
    StreamInterrupted,
    StreamTimedOut,
    TokenExpired,
    UnsupportedFile,
)
from core.nemo.events import (
    AgentEvent,
    FullText,
    Heartbeat,
    StateDelta,
    StreamError,
    TextFragment,
    ToolCall,
    ToolResult,
)
from core.nemo.models import Credentials, ProjectSession, RenderPhase, RenderStatus
from core.settings import Settings
from core.simulator import Fault, Simulator
from core.simulator.samples import write_sample_audio, write_sample_image, write_sample_video
from tests.waiting import wait_until

pytestmark = pytest.mark.timeout(60)


@functools.cache
def samples() -> dict[str, Path]:
    """Small real media files, made once per test run."""
    folder = Path(tempfile.mkdtemp(prefix="nemo-client-samples-"))
    atexit.register(shutil.rmtree, folder, True)
    return {
        "clip": write_sample_video(folder / "beach.mp4", seconds=1.0),
        "photo": write_sample_image(folder / "photo.png"),
        "song": write_sample_audio(folder / "song.mp3", seconds=1.0),
    }


class Waits:
    """Stands in for asyncio.sleep: records what the client asked to wait."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def make_settings(simulator: Simulator, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "_env_file": None,
        "nemo_api_url": simulator.base_url,
        "nemo_web_url": simulator.base_url,
        "nemo_skill_source": "nemobot-tests",
        "nemo_skill_version": "9.9.9",
        "nemo_skill_platform": "cursor",
        "nemo_retry_attempts": 3,
        "nemo_retry_backoff": 0.5,
        "nemo_retry_backoff_max": 1.5,
        **overrides,
    }
    return Settings(**values)


@pytest.fixture
def waits() -> Waits:
    return Waits()


@pytest.fixture
async def nemo(simulator: Simulator, waits: Waits) -> AsyncIterator[NemoClient]:
    async with NemoClient(make_settings(simulator), sleep=waits) as client:
        yield client


@pytest.fixture
async def creds(nemo: NemoClient) -> Credentials:
    return (await nemo.anonymous_token(str(uuid.uuid4()))).credentials


@pytest.fixture
async def project(nemo: NemoClient, creds: Credentials) -> ProjectSession:
    return await nemo.create_session(creds, "en")


async def collect(stream: AgentStream) -> list[AgentEvent]:
    async with stream as events:
        return [event async for event in events]


async def say(nemo: NemoClient, creds: Credentials, sid: str, text: str) -> list[AgentEvent]:
    return await collect(nemo.run_sse(creds, sid, text))


@dataclass
class Ready:
    """A project whose draft can be exported."""

    creds: Credentials
    project: ProjectSession


@pytest.fixture
async def ready(
    nemo: NemoClient, creds: Credentials, project: ProjectSession, simulator: Simulator
) -> Ready:
    await nemo.upload_files(creds, project.session_id, [samples()["clip"]])
    await say(nemo, creds, project.session_id, "combine my clips")
    state = await nemo.state(creds, project.session_id)
    assert state.draft.is_exportable
    return Ready(creds, project)


async def until_finished(nemo: NemoClient, creds: Credentials, render_id: str) -> RenderStatus:
    """Poll a render until it finishes (real polling of a real ffmpeg job)."""
    async def finished() -> RenderStatus | None:
        status = await nemo.poll_render(creds, render_id)
        assert 0 <= status.progress <= 100
        return status if status.status.finished else None

    return await wait_until(finished, within=30, interval=0.05,
                            what=f"render {render_id} to finish")


def kinds(simulator: Simulator) -> list[str]:
    return [r["kind"] for r in simulator.requests]


# ------------------------------------------------------------------ identity


async def test_identity_session_claim_and_links(nemo: NemoClient, simulator: Simulator) -> None:
    anon = await nemo.anonymous_token("client-1")
    creds = anon.credentials
    assert creds.token.get_secret_value().startswith("nmv_usr_")
    assert creds.is_anonymous and anon.credits == 100 and anon.expires_at
    session = await nemo.create_session(creds, "zh-CN")
    assert session.session_id.isdigit() and session.task_id.startswith("task_")
    assert session.user_id == creds.user_id
    claim = await nemo.claim_token(creds, session.task_id, session.session_id)
    assert claim.claim_token.startswith("clm_") and claim.expires_in == 604800
    link = nemo.claim_url(claim)
    assert link == f"{simulator.base_url}/workspace/claim?ct={claim.claim_token}"
    assert creds.token.get_secret_value() not in link
    async with httpx.AsyncClient() as browser:
        assert (await browser.get(link)).status_code == 200
        page = await browser.get(nemo.registration_url(creds.user_id or ""))
        assert (creds.user_id or "?") in page.text
    credits = await nemo.credits(creds)
    assert (credits.available, credits.frozen, credits.total) == (100, 0, 100)
    state = await nemo.state(creds, session.session_id)
    assert state.session_id == session.session_id and state.task_id == session.task_id
    assert not state.draft.is_exportable


async def test_every_request_carries_attribution_and_bearer(
    nemo: NemoClient, ready: Ready, simulator: Simulator
) -> None:
    await nemo.credits(ready.creds)
    await nemo.upload_urls(
        ready.creds,
        ready.project.session_id,
        [
            (await nemo.state(ready.creds, ready.project.session_id)).raw["state"]["video_infos"][
                0
            ]["cdn_url"]
        ],
    )
    seen = set()
    for record in simulator.requests:
        if record["kind"] == "media":
            continue  # the simulator fetching the URL upload itself
        headers = record["headers"]
        assert headers["X-Skill-Source"] == "nemobot-tests"
        assert headers["X-Skill-Version"] == "9.9.9"
        assert headers["X-Skill-Platform"] == "cursor"
        if record["kind"] == "anonymous_token":
            assert "Authorization" not in headers
        else:
            assert headers["Authorization"] == "Bearer <redacted>", record["kind"]
        seen.add(record["kind"])
    assert {"anonymous_token", "create_session", "upload_files", "upload_urls", "run_sse"} <= seen
    assert {"state", "credits"} <= seen


async def test_missing_client_id_is_http_400(nemo: NemoClient) -> None:
    with pytest.raises(MissingClientId) as info:
        await nemo.anonymous_token(None)
    assert info.value.status == 400


async def test_anonymous_limit_is_rate_limited_without_a_week_long_wait(
    nemo: NemoClient, waits: Waits, simulator: Simulator
) -> None:
    await nemo.anonymous_token("same-client")
    with pytest.raises(RateLimited) as info:
        await nemo.anonymous_token("same-client")
    # a week-long Retry-After is not waited for: refused at once, the wait capped
    assert info.value.retry_after == 60.0 and waits.calls == []
    assert kinds(simulator).count("anonymous_token") == 2


# --------------------------------------------------------------------- agent


@pytest.mark.parametrize("heartbeat_empty", [False, True])
async def test_agent_stream_adk_shape(
    nemo: NemoClient,
    creds: Credentials,
    project: ProjectSession,
    simulator: Simulator,
    heartbeat_empty: bool,
) -> None:
    simulator.config.update(
        {
            "sse_shape": "adk",
            "silent_edits": "never",
            "agent_delay": 0.2,
            "heartbeat_empty": heartbeat_empty,
        }
    )
    await nemo.upload_files(creds, project.session_id, [samples()["clip"]])
    events = await say(nemo, creds, project.session_id, "add the title 'Paradise Found'")
    types = {type(e) for e in events}
    assert {Heartbeat, TextFragment, FullText, ToolCall, ToolResult, StateDelta} <= types
    fragments = "".join(e.text for e in events if isinstance(e, TextFragment))
    full = [e.text for e in events if isinstance(e, FullText)]
    assert full and fragments == full[-1]
    assert any(isinstance(e, StateDelta) and "draft" in e.delta for e in events)
    state = await nemo.state(creds, project.session_id)
    assert "Paradise Found" in str(state.draft.raw)


async def test_agent_stream_tagged_shape(
    nemo: NemoClient, creds: Credentials, project: ProjectSession, simulator: Simulator
) -> None:
    simulator.config.update({"sse_shape": "tagged", "silent_edits": "never", "agent_delay": 0.2})
    await nemo.upload_files(creds, project.session_id, [samples()["clip"]])
    events = await say(nemo, creds, project.session_id, "add the title 'Paradise Found'")
    types = {type(e) for e in events}
    assert {Heartbeat, TextFragment, ToolCall, ToolResult} <= types
    assert FullText not in types
    text = "".join(e.text for e in events if isinstance(e, TextFragment))
    assert "Paradise Found" in text


async def test_silent_edit_streams_no_text(
    nemo: NemoClient, creds: Credentials, project: ProjectSession, simulator: Simulator
) -> None:
    simulator.config.silent_edits = "always"
    await nemo.upload_files(creds, project.session_id, [samples()["clip"]])
    events = await say(nemo, creds, project.session_id, "add the title 'Quiet'")
    assert not [e for e in events if isinstance(e, TextFragment | FullText)]
    assert any(isinstance(e, ToolCall) for e in events)


async def test_leaving_a_stream_early_closes_it(
    nemo: NemoClient, creds: Credentials, project: ProjectSession, simulator: Simulator
) -> None:
    simulator.config.agent_delay = 5.0
    async with nemo.run_sse(creds, project.session_id, "hello there") as stream:
        async for event in stream:
            assert isinstance(event, Heartbeat)
            break
    assert stream.closed
    # The pool is free again: the next call is not stuck behind the abandoned stream.
    assert (await nemo.credits(creds)).total >= 0


async def test_agent_stream_out_of_credits(
    nemo: NemoClient, creds: Credentials, project: ProjectSession, simulator: Simulator
) -> None:
    simulator.set_credits(creds.user_id or "", 0)
    await nemo.upload_files(creds, project.session_id, [samples()["clip"]])
    with pytest.raises(OutOfCredits) as info:
        await say(nemo, creds, project.session_id, "combine my clips")
    assert info.value.user_id == creds.user_id and info.value.is_anonymous
    assert nemo.registration_url(info.value.user_id or "").endswith(f"bind={creds.user_id}")


# -------------------------------------------------------------------- uploads


async def test_upload_several_files_in_one_request(
    nemo: NemoClient, creds: Credentials, project: ProjectSession, simulator: Simulator
) -> None:
    files = samples()
    result = await nemo.upload_files(
        creds, project.session_id, [files["clip"], files["photo"], str(files["song"])]
    )
    assert result.session_state_applied
    assert [(f.filename, f.file_type) for f in result.files] == [
        ("beach.mp4", "video"),
        ("photo.png", "image"),
        ("song.mp3", "audio"),
    ]
    clip = result.files[0]
    assert clip.width == 320 and clip.height == 180 and clip.duration and clip.cdn_url
    assert kinds(simulator).count("upload_files") == 1
    record = next(r for r in simulator.requests if r["kind"] == "upload_files")
    assert "Content-Length" in record["headers"]
    assert "Transfer-Encoding" not in record["headers"]


async def test_a_hostile_file_name_does_not_break_the_batch(
    nemo: NemoClient, creds: Credentials, project: ProjectSession, simulator: Simulator
) -> None:
    photo = samples()["photo"].read_bytes()
    names = ["one.png", 'ev"il\r\nX-Evil: 1\r\n\r\n\x00\x7f\u2028\udcff.png', "naïve 日本.png",
             "two.png"]
    result = await nemo.upload_files(
        creds, project.session_id, [(name, photo, len(photo)) for name in names]
    )
    got = [f.filename for f in result.files]
    assert len(got) == 4 and got[0] == "one.png" and got[2:] == ["naïve 日本.png", "two.png"]
    assert not any(ch in got[1] for ch in '\r\n\x00\x7f\u2028"') and got[1].endswith(".png")
    assert "X-Evil" in got[1]
    assert all(f.file_type == "image" for f in result.files)
    assert kinds(simulator).count("upload_files") == 1


async def test_upload_from_streams(
    nemo: NemoClient, creds: Credentials, project: ProjectSession
) -> None:
    data = samples()["clip"].read_bytes()

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(data), 1000):
            yield data[start : start + 1000]

    with samples()["photo"].open("rb") as photo:
        size = samples()["photo"].stat().st_size
        result = await nemo.upload_files(
            creds,
            project.session_id,
            [("from-chat.mp4", chunks(), len(data)), ("p.png", photo, size)],
        )
    assert [f.filename for f in result.files] == ["from-chat.mp4", "p.png"]
    assert result.files[0].duration


async def test_upload_urls(nemo: NemoClient, creds: Credentials, project: ProjectSession) -> None:
    first = await nemo.upload_files(creds, project.session_id, [samples()["photo"]])
    url = first.files[0].cdn_url
    assert url
    result = await nemo.upload_urls(creds, project.session_id, [url])
    assert len(result.files) == 1 and result.files[0].file_type == "image"


async def test_unsupported_file_is_4001(
    nemo: NemoClient, creds: Credentials, project: ProjectSession, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    with pytest.raises(UnsupportedFile) as info:
        await nemo.upload_files(creds, project.session_id, [notes])
    assert info.value.code == 4001


async def test_file_too_large_is_4002(
    nemo: NemoClient, creds: Credentials, project: ProjectSession, simulator: Simulator
) -> None:
    simulator.config.max_upload_bytes = 1000
    with pytest.raises(FileTooLarge) as info:
        await nemo.upload_files(creds, project.session_id, [samples()["clip"]])
    assert info.value.code == 4002


# -------------------------------------------------------------------- renders


@pytest.mark.parametrize("shape", ["top", "wrapped", "bare"])
async def test_render_poll_and_download(
    nemo: NemoClient, ready: Ready, simulator: Simulator, tmp_path: Path, shape: str
) -> None:
    simulator.config.poll_shape = shape
    state = await nemo.state(ready.creds, ready.project.session_id)
    render_id = f"render_{uuid.uuid4().hex}"
    submitted = await nemo.submit_render(
        ready.creds,
        render_id,
        ready.project.session_id,
        state.draft,
        {"format": "mp4", "quality": "high"},
    )
    assert submitted.render_id == render_id
    assert submitted.status in (RenderPhase.PENDING, RenderPhase.PROCESSING)
    done = await until_finished(nemo, ready.creds, render_id)
    assert done.status is RenderPhase.COMPLETED and done.progress == 100 and done.output_url
    progress: list[tuple[int, int | None]] = []
    path = await nemo.download(
        ready.creds,
        render_id,
        done.output_url,
        tmp_path / "out.mp4",
        lambda got, total: progress.append((got, total)),
    )
    data = path.read_bytes()
    assert data[4:8] == b"ftyp" and progress[-1][0] == len(data)
    assert "render_download" not in kinds(simulator)
    assert not list(tmp_path.glob("*.part"))


async def test_download_falls_back_to_the_proxy(
    nemo: NemoClient, ready: Ready, simulator: Simulator, tmp_path: Path
) -> None:
    state = await nemo.state(ready.creds, ready.project.session_id)
    await nemo.submit_render(ready.creds, "render_fallback", ready.project.session_id, state.draft)
    await until_finished(nemo, ready.creds, "render_fallback")
    broken = f"{simulator.base_url}/outputs/0000000000000000.mp4"

    async def progress(got: int, total: int | None) -> None:
        assert total is None or got <= total

    path = await nemo.download(ready.creds, "render_fallback", broken, tmp_path / "v.mp4", progress)
    assert path.read_bytes()[4:8] == b"ftyp"
    proxy = [r for r in simulator.requests if r["kind"] == "render_download"]
    assert len(proxy) == 1 and proxy[0]["headers"]["Authorization"] == "Bearer <redacted>"
    # No URL at all: straight to the proxy.
    await nemo.download(ready.creds, "render_fallback", None, tmp_path / "w.mp4")
    assert (tmp_path / "w.mp4").stat().st_size == path.stat().st_size


async def test_slow_render_reports_progress_then_cancel(
    nemo: NemoClient, ready: Ready, simulator: Simulator
) -> None:
    simulator.inject(Fault("render_slow", seconds=30))
    state = await nemo.state(ready.creds, ready.project.session_id)
    await nemo.submit_render(ready.creds, "render_slow", ready.project.session_id, state.draft)
    status = await nemo.poll_render(ready.creds, "render_slow")
    assert status.status in (RenderPhase.PENDING, RenderPhase.PROCESSING)
    assert status.progress < 100
    await nemo.cancel_render(ready.creds, "render_slow")
    status = await nemo.poll_render(ready.creds, "render_slow")
    assert status.status is RenderPhase.CANCELLED and status.status.finished


@pytest.mark.parametrize("shape", ["top", "wrapped"])
async def test_failed_render(
    nemo: NemoClient, ready: Ready, simulator: Simulator, shape: str
) -> None:
    simulator.config.poll_shape = shape
    simulator.inject(Fault("render_fail", error="encoder exploded"))
    state = await nemo.state(ready.creds, ready.project.session_id)
    await nemo.submit_render(ready.creds, "render_bad", ready.project.session_id, state.draft)
    status = await until_finished(nemo, ready.creds, "render_bad")
    assert status.status is RenderPhase.FAILED and status.error == "encoder exploded"


@pytest.mark.parametrize("shape", ["top", "wrapped"])
async def test_duplicate_render_id(
    nemo: NemoClient, ready: Ready, simulator: Simulator, shape: str
) -> None:
    simulator.config.poll_shape = shape
    state = await nemo.state(ready.creds, ready.project.session_id)
    sid = ready.project.session_id
    simulator.inject(Fault("duplicate_id"))
    with pytest.raises(DuplicateRenderId):
        await nemo.submit_render(ready.creds, "render_a", sid, state.draft)
    await nemo.submit_render(ready.creds, "render_b", sid, state.draft)
    with pytest.raises(DuplicateRenderId):
        await nemo.submit_render(ready.creds, "render_b", sid, state.draft)


async def test_export_blocked_is_http_402(
    nemo: NemoClient, ready: Ready, simulator: Simulator
) -> None:
    simulator.inject(Fault("export_blocked"))
    state = await nemo.state(ready.creds, ready.project.session_id)
    with pytest.raises(ExportBlocked) as info:
        await nemo.submit_render(ready.creds, "render_x", ready.project.session_id, state.draft)
    assert info.value.status == 402


# ------------------------------------------------------------ answer faults


async def test_token_expired_is_1001(
    nemo: NemoClient, creds: Credentials, simulator: Simulator
) -> None:
    simulator.inject(Fault("token_expired"))
    with pytest.raises(TokenExpired) as info:
        await nemo.credits(creds)
    assert info.value.code == 1001
    with pytest.raises(TokenExpired):
        await nemo.credits(Credentials(SecretStr("nmv_usr_unknown")))


async def test_session_lost_is_1002(
    nemo: NemoClient, creds: Credentials, project: ProjectSession, simulator: Simulator
) -> None:
    simulator.inject(Fault("session_lost"))
    with pytest.raises(SessionNotFound):
        await nemo.state(creds, project.session_id)
    with pytest.raises(SessionNotFound):
        await say(nemo, creds, project.session_id, "hello")


async def test_no_credits_is_2001_with_user_id(
    nemo: NemoClient, creds: Credentials, project: ProjectSession, simulator: Simulator
) -> None:
    simulator.inject(Fault("no_credits"))
    with pytest.raises(OutOfCredits) as info:
        await say(nemo, creds, project.session_id, "hello")
    assert info.value.code == 2001 and info.value.user_id == creds.user_id


async def test_codes_with_http_statuses(
    nemo: NemoClient, creds: Credentials, project: ProjectSession, simulator: Simulator
) -> None:
    simulator.config.error_http_status = True
    simulator.inject(Fault("token_expired"))
    with pytest.raises(TokenExpired):
        await nemo.credits(creds)
    simulator.inject(Fault("no_credits"))
    with pytest.raises(OutOfCredits):
        await say(nemo, creds, project.session_id, "hello")
    with pytest.raises(SessionNotFound):
        await nemo.state(creds, "123")


@pytest.mark.parametrize(("retry_after", "expected"), [(7, 7.0), (None, 30.0)])
async def test_rate_limit_waits_then_retries_once(
    nemo: NemoClient,
    creds: Credentials,
    simulator: Simulator,
    waits: Waits,
    retry_after: int | None,
    expected: float,
) -> None:
    simulator.inject(Fault("rate_limit", retry_after=retry_after))
    assert (await nemo.credits(creds)).total == 100
    assert waits.calls == [expected]
    waits.calls.clear()
    simulator.inject(Fault("rate_limit", count=2, retry_after=retry_after))
    with pytest.raises(RateLimited) as info:
        await nemo.credits(creds)
    assert waits.calls == [expected] and info.value.retry_after == expected
    assert kinds(simulator).count("credits") == 4


@pytest.mark.parametrize("cap", [None, 5.0])
async def test_a_huge_retry_after_fails_at_once_with_the_capped_wait(
    simulator: Simulator, creds: Credentials, cap: float | None
) -> None:
    waits = Waits()
    overrides = {} if cap is None else {"nemo_retry_after_max": cap}
    expected = 60.0 if cap is None else cap
    async with NemoClient(make_settings(simulator, **overrides), sleep=waits) as nemo:
        simulator.inject(Fault("rate_limit", retry_after=99999999, path="/api/credits"))
        with pytest.raises(RateLimited) as info:
            await nemo.credits(creds)
        assert waits.calls == [] and info.value.retry_after == expected
        assert (await nemo.credits(creds)).total == 100
        simulator.inject(Fault("rate_limit", retry_after=99999999, path="/run_sse"))
        project = await nemo.create_session(creds, "en")
        with pytest.raises(RateLimited) as refused:
            await say(nemo, creds, project.session_id, "hello")
        assert refused.value.retry_after == expected and waits.calls == []
    assert kinds(simulator).count("credits") == 2


async def test_rate_limit_on_a_post_is_retried_once_too(
    nemo: NemoClient, creds: Credentials, simulator: Simulator, waits: Waits
) -> None:
    simulator.inject(Fault("rate_limit", retry_after=2, path="/api/tasks"))
    session = await nemo.create_session(creds, "en")
    assert session.session_id and waits.calls == [2.0]
    assert kinds(simulator).count("create_session") == 2


async def test_server_errors_are_retried_on_reads(
    nemo: NemoClient,
    creds: Credentials,
    project: ProjectSession,
    simulator: Simulator,
    waits: Waits,
) -> None:
    simulator.inject(Fault("server_error", count=2, path="/api/state"))
    state = await nemo.state(creds, project.session_id)
    assert state.session_id == project.session_id
    assert waits.calls == [0.5, 1.0]
    waits.calls.clear()
    simulator.inject(Fault("server_error", count=10, status=502, path="/api/credits"))
    with pytest.raises(ServerError) as info:
        await nemo.credits(creds)
    assert info.value.status == 502 and waits.calls == [0.5, 1.0, 1.5]
    assert kinds(simulator).count("credits") == 4


@pytest.mark.parametrize("call", ["create_session", "upload_files", "render_submit", "run_sse"])
async def test_server_errors_are_not_retried_on_posts(
    nemo: NemoClient, ready: Ready, simulator: Simulator, waits: Waits, call: str
) -> None:
    creds, sid = ready.creds, ready.project.session_id
    state = await nemo.state(creds, sid)
    paths = {
        "create_session": "/api/tasks",
        "upload_files": "/api/upload-video",
        "render_submit": "/api/render/proxy/lambda",
        "run_sse": "/run_sse",
    }
    simulator.inject(Fault("server_error", count=5, path=paths[call]))
    before = kinds(simulator).count(call)
    with pytest.raises(ServerError):
        if call == "create_session":
            await nemo.create_session(creds, "en")
        elif call == "upload_files":
            await nemo.upload_files(creds, sid, [samples()["photo"]])
        elif call == "render_submit":
            await nemo.submit_render(creds, "render_once", sid, state.draft)
        else:
            await say(nemo, creds, sid, "hello")
    assert kinds(simulator).count(call) == before + 1 and waits.calls == []


async def test_agent_stream_is_not_retried_on_429(
    nemo: NemoClient,
    creds: Credentials,
    project: ProjectSession,
    simulator: Simulator,
    waits: Waits,
) -> None:
    simulator.inject(Fault("rate_limit", retry_after=3, path="/run_sse"))
    with pytest.raises(RateLimited) as info:
        await say(nemo, creds, project.session_id, "hello")
    assert info.value.retry_after == 3 and waits.calls == []
    assert kinds(simulator).count("run_sse") == 1


# -------------------------------------------------------------- stream faults


async def test_cut_stream_raises_interrupted_and_is_not_resent(
    nemo: NemoClient, creds: Credentials, project: ProjectSession, simulator: Simulator
) -> None:
    simulator.config.silent_edits = "never"
    await nemo.upload_files(creds, project.session_id, [samples()["clip"]])
    simulator.inject(Fault("sse_cut", after_events=2))
    received: list[AgentEvent] = []
    with pytest.raises(StreamInterrupted):
        async with nemo.run_sse(creds, project.session_id, "add the title 'Cut'") as stream:
            async for event in stream:
                received.append(event)
    # Two frames arrived (one ADK frame may carry a tool result and its state delta).
    assert 2 <= len(received) <= 4 and not any(isinstance(e, FullText) for e in received)
    assert stream.closed
    assert kinds(simulator).count("run_sse") == 1
    # The agent still finished the edit: the state shows it (disconnect recovery reads it).
    async def edited() -> bool:
        return "Cut" in str((await nemo.state(creds, project.session_id)).draft.raw)

    await wait_until(edited, within=10, what="the edit to reach the state")


async def test_heartbeat_only_stream_times_out(
    simulator: Simulator, creds: Credentials, project: ProjectSession
) -> None:
    simulator.inject(Fault("sse_stall", seconds=3600))
    settings = make_settings(simulator, nemo_heartbeat_timeout=0.4)
    async with NemoClient(settings) as client:
        beats = 0
        with pytest.raises(StreamTimedOut):
            async with client.run_sse(creds, project.session_id, "hello") as stream:
                async for event in stream:
                    assert isinstance(event, Heartbeat)
                    beats += 1
        assert beats >= 2 and stream.closed


async def test_in_stream_error_frame(
    nemo: NemoClient, creds: Credentials, project: ProjectSession, simulator: Simulator
) -> None:
    await nemo.upload_files(creds, project.session_id, [samples()["clip"]])
    for shape in ("adk", "tagged"):
        simulator.config.sse_shape = shape
        simulator.inject(Fault("sse_error", message="Agent execution failed"))
        events = await say(nemo, creds, project.session_id, "add the title 'Oops'")
        errors = [e for e in events if isinstance(e, StreamError)]
        assert errors == [StreamError("Agent execution failed")]
        assert events[-1] == errors[0] or isinstance(events[-1], Heartbeat)


# ----------------------------------------------------------- no token leaks


async def test_token_never_leaks_into_logs_errors_or_reprs(
    simulator: Simulator, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level("DEBUG")
    problems: list[BaseException] = []
    settings = make_settings(simulator, nemo_heartbeat_timeout=0.3)
    async with NemoClient(settings, sleep=Waits()) as nemo:
        anon = await nemo.anonymous_token("leak-check")
        creds = anon.credentials
        token = creds.token.get_secret_value()
        session = await nemo.create_session(creds, "en")
        sid = session.session_id
        await nemo.claim_token(creds, session.task_id, sid)
        await nemo.upload_files(creds, sid, [samples()["clip"]])
        await say(nemo, creds, sid, "combine my clips")
        state = await nemo.state(creds, sid)
        await nemo.credits(creds)
        await nemo.submit_render(creds, "render_leak", sid, state.draft)
        done = await until_finished(nemo, creds, "render_leak")
        await nemo.download(creds, "render_leak", None, tmp_path / "o.mp4")
        await nemo.download(creds, "render_leak", done.output_url, tmp_path / "p.mp4")
        faults = [
            Fault("token_expired"),
            Fault("rate_limit", count=2),
            Fault("server_error", count=10, path="/api/credits"),
            Fault("no_credits"),
            Fault("sse_cut"),
            Fault("sse_stall"),
        ]
        for fault in faults:
            simulator.inject(fault)
            try:
                if fault.name in ("no_credits", "sse_cut", "sse_stall"):
                    await say(nemo, creds, sid, "add the title 'Leak'")
                else:
                    await nemo.credits(creds)
            except NemoError as exc:
                problems.append(exc)
        with pytest.raises(OutOfCredits):
            raise OutOfCredits(user_id=creds.user_id)
        texts = [repr(nemo), str(nemo), repr(creds), str(creds), repr(anon), repr(state)]
        texts += [repr(nemo.run_sse(creds, sid, "x"))]
    assert {type(p) for p in problems} == {
        TokenExpired,
        RateLimited,
        ServerError,
        OutOfCredits,
        StreamInterrupted,
        StreamTimedOut,
    }
    for problem in problems:
        texts += [str(problem), repr(problem), repr(problem.__cause__), str(problem.args)]
    for text in texts:
        assert token not in text
    client_logs = [
        r for r in caplog.records if r.name.split(".")[0] in ("httpx", "httpcore", "core")
    ]
    assert any(r.name.startswith("httpcore") for r in client_logs)
    assert any(r.name.startswith("core.nemo") for r in client_logs)
    assert token not in caplog.text
    for record in client_logs:
        assert token not in record.getMessage()
        assert token not in repr(record.args)
