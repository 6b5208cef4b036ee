"""The NemoVideo simulator over real HTTP: identity, sessions, uploads, credits, state,
control endpoints and the request-level faults.

The helpers (`tests.kits.simulator`) drive the simulator with raw httpx, as the contract
describes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sys
import time
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from core.simulator import SimConfig, Simulator
from core.simulator.faults import Fault, FaultQueue
from core.simulator.samples import wav_header
from tests.kits.simulator import Backend, codes, edited, samples
from tests.waiting import wait_until


async def test_anonymous_token_has_the_documented_shape(http: httpx.AsyncClient) -> None:
    response = await http.post("/api/auth/anonymous-token", headers={"X-Client-Id": "c-1"})
    body = response.json()
    assert response.status_code == 200 and body["code"] == 0
    data = body["data"]
    assert data["token"].startswith("nmv_usr_") and len(data["token"]) > 20
    assert data["user_id"].startswith("anon_")
    assert data["credits"] == 100
    expires = datetime.fromisoformat(data["expires_at"].replace("Z", "+00:00"))
    assert 6.9 * 86400 < expires.timestamp() - time.time() <= 7 * 86400


async def test_anonymous_token_needs_a_client_id(http: httpx.AsyncClient) -> None:
    response = await http.post("/api/auth/anonymous-token")
    assert response.status_code == 400


async def test_one_token_per_client_then_429_with_retry_after(http: httpx.AsyncClient) -> None:
    headers = {"X-Client-Id": "same-client"}
    first = await http.post("/api/auth/anonymous-token", headers=headers)
    second = await http.post("/api/auth/anonymous-token", headers=headers)
    assert first.status_code == 200
    assert second.status_code == 429
    assert int(second.headers["Retry-After"]) > 6 * 86400


async def test_renewal_after_expiry_keeps_the_user(
    simulator: Simulator, http: httpx.AsyncClient
) -> None:
    simulator.config.token_ttl = 0  # tokens expire at once
    api = Backend(http)
    first = await api.login("renewing-client")
    assert (await api.call("GET", "/api/credits/balance/simple")).json()["code"] == 1001
    second = await api.login("renewing-client")
    assert second["user_id"] == first["user_id"]
    assert second["token"] != first["token"]


async def test_per_ip_limit(simulator: Simulator, http: httpx.AsyncClient) -> None:
    simulator.config.anon_per_ip_limit = 2
    answers = [
        await http.post("/api/auth/anonymous-token", headers={"X-Client-Id": f"ip-{i}"})
        for i in range(3)
    ]
    assert [r.status_code for r in answers] == [200, 200, 429]
    assert int(answers[2].headers["Retry-After"]) > 0


async def test_bad_missing_and_claim_tokens_are_1001(api: Backend) -> None:
    claim = await api.ok(
        "POST",
        "/api/auth/claim-token",
        json={"task_id": api.task_id, "session_id": api.session_id},
    )
    path = "/api/credits/balance/simple"
    answers = [
        await api.http.get(path),
        await api.http.get(path, headers={"Authorization": "Bearer nmv_usr_forged"}),
        await api.http.get(path, headers={"Authorization": f"Bearer {claim['claim_token']}"}),
        await api.http.get(path, headers={"Authorization": f"Token {api.token}"}),
    ]
    assert codes(answers) == [1001] * 4


async def test_error_http_status_option(simulator: Simulator, api: Backend) -> None:
    plain = await api.http.get("/api/credits/balance/simple")
    simulator.config.error_http_status = True
    strict = await api.http.get("/api/credits/balance/simple")
    assert (plain.status_code, plain.json()["code"]) == (200, 1001)
    assert (strict.status_code, strict.json()["code"]) == (401, 1001)


async def test_operator_token(simulator: Simulator, http: httpx.AsyncClient) -> None:
    simulator.config.operator_tokens = ["op-secret-1"]
    api = Backend(http)
    api.token = "op-secret-1"
    created = await api.new_session()
    assert created["user_id"] == "usr_operator"
    assert (await api.credits())["available"] == 100000


# -- sessions -------------------------------------------------------------------------


async def test_session_and_claim(api: Backend) -> None:
    http = api.http
    assert api.session_id and api.session_id.isdigit() and len(api.session_id) >= 18
    assert api.task_id and api.task_id.startswith("task_")
    claim = await api.ok(
        "POST",
        "/api/auth/claim-token",
        json={"task_id": api.task_id, "session_id": api.session_id},
    )
    assert claim["claim_token"].startswith("clm_") and claim["expires_in"] == 604800
    page = await http.get("/workspace/claim", params={"ct": claim["claim_token"]})
    assert page.status_code == 200 and "project" in page.text
    assert api.token not in page.text
    state = await api.state()
    assert state["session_id"] == api.session_id and state["task_id"] == api.task_id
    assert state["task_name"] == "project"
    assert set(state["state"]) == {
        "draft",
        "video_infos",
        "canvas_config",
        "video_analyses",
        "generated_media",
    }
    assert state["state"]["draft"]["t"] == []


async def test_unknown_and_foreign_sessions_are_1002(api: Backend) -> None:
    other = Backend(api.http)
    await other.login()
    other.session_id = api.session_id  # someone else's session
    assert (await other.call("GET", f"/api/state/nemo_agent/me/{api.session_id}/latest")).json()[
        "code"
    ] == 1002
    unknown = await api.call("GET", "/api/state/nemo_agent/me/123456789012345678/latest")
    assert unknown.json()["code"] == 1002
    wrong_task = await api.call(
        "POST", "/api/auth/claim-token", json={"task_id": "task_x", "session_id": api.session_id}
    )
    assert wrong_task.json()["code"] == 1002


# -- uploads --------------------------------------------------------------------------


async def test_multipart_upload(api: Backend) -> None:
    http = api.http
    files = samples()
    response = await api.upload(files["clip"], files["photo"], files["song"])
    body = response.json()
    assert body["code"] == 0 and body["data"]["session_state_applied"] is True
    clip, photo, song = body["data"]["files"]
    assert set(clip) == {
        "filename",
        "file_type",
        "cdn_url",
        "duration",
        "width",
        "height",
        "fps",
        "hash",
    }
    assert (clip["filename"], clip["file_type"]) == ("beach.mp4", "video")
    assert clip["duration"] == pytest.approx(2.0, abs=0.1)
    assert (clip["width"], clip["height"], clip["fps"]) == (320, 180, 25.0)
    assert (photo["file_type"], photo["width"], photo["duration"]) == ("image", 320, None)
    assert (song["file_type"], song["width"]) == ("audio", None)
    assert song["duration"] == pytest.approx(1.0, abs=0.1)
    served = await http.get(clip["cdn_url"])
    assert served.content == files["clip"].read_bytes()
    assert served.headers["content-type"] == "video/mp4"
    state = (await api.state())["state"]
    assert [f["filename"] for f in state["video_infos"]] == ["beach.mp4", "photo.png", "song.mp3"]
    assert len(state["video_analyses"]) == 3


async def test_unsupported_type_is_4001_and_nothing_is_kept(
    simulator: Simulator, api: Backend
) -> None:
    files = [
        ("files", ("clip.mp4", samples()["clip"].read_bytes())),
        ("files", ("notes.txt", b"hello")),
    ]
    response = await api.call(
        "POST", f"/api/upload-video/nemo_agent/me/{api.session_id}", files=files
    )
    assert response.json()["code"] == 4001
    assert "mp4" in response.json()["message"]
    assert (await api.state())["state"]["video_infos"] == []
    assert list(simulator.media_dir.iterdir()) == []


async def test_too_large_is_4002(simulator: Simulator, api: Backend) -> None:
    simulator.config.max_upload_bytes = 10_000
    response = await api.upload(samples()["clip"])
    assert response.json()["code"] == 4002
    assert list(simulator.media_dir.iterdir()) == []


async def test_big_upload_is_streamed_to_disk(simulator: Simulator, api: Backend) -> None:
    size = 24 * 1024 * 1024
    chunk = bytes(1024 * 1024)  # silence

    boundary = "nemo-test-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="big.wav"\r\n'
        "Content-Type: audio/wav\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    async def body() -> AsyncIterator[bytes]:
        yield head + wav_header(size - 44)
        yield chunk[44:]
        for _ in range(size // len(chunk) - 1):
            yield chunk
        yield tail

    response = await api.call(
        "POST",
        f"/api/upload-video/nemo_agent/me/{api.session_id}",
        content=body(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    data = response.json()["data"]["files"][0]
    # 48 kHz, 16-bit stereo: 192000 bytes a second
    assert data["file_type"] == "audio" and data["duration"] == pytest.approx(size / 192000, 0.01)
    stored = list(simulator.media_dir.iterdir())
    assert len(stored) == 1 and stored[0].stat().st_size == size


async def test_an_upload_the_client_gives_up_on_is_no_server_error(
        simulator: Simulator, api: Backend, caplog: pytest.LogCaptureFixture) -> None:
    """A client that closes the connection halfway through its upload (a user pressing
    Ctrl-C) is logged as such, not as an error of the server with its traceback."""
    boundary = "nemo-test-boundary"
    head = (
        f"POST /api/upload-video/nemo_agent/me/{api.session_id} HTTP/1.1\r\n"
        f"Host: 127.0.0.1\r\nAuthorization: Bearer {api.token}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        "Content-Length: 100000000\r\n\r\n"
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="big.mp4"'
        "\r\nContent-Type: video/mp4\r\n\r\n").encode()
    host, port = simulator.base_url.removeprefix("http://").split(":")
    _, writer = await asyncio.open_connection(host, int(port))
    writer.write(head + bytes(256 * 1024))
    await writer.drain()
    await wait_until(lambda: list(simulator.media_dir.iterdir()), what="the upload begun")
    writer.transport.abort()  # gone, mid-file
    await wait_until(lambda: simulator.requests[-1]["status"] == 499,
                     what="the upload given up")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    assert list(simulator.media_dir.iterdir()) == [], "the part kept is removed"


@pytest.mark.parametrize(
    ("name", "content"),
    [("empty.mp4", b""), ("notes.mp4", b"shopping list: eggs, milk\n" * 40),
     ("photo.png", b"\x89PNG\r\n\x1a\n" + bytes(512))],
)
async def test_media_that_cannot_be_read_is_refused(
    simulator: Simulator, api: Backend, tmp_path: Path, name: str, content: bytes
) -> None:
    """A real backend decodes what it gets: an empty file or a text file renamed .mp4 is
    refused with 4001, and nothing of the request is kept (not even a good file)."""
    broken = tmp_path / name
    broken.write_bytes(content)
    answer = (await api.upload(samples()["clip"], broken)).json()
    assert answer["code"] == 4001 and name in answer["message"]
    assert "could not be read" in answer["message"]
    assert list(simulator.media_dir.iterdir()) == []
    assert (await api.state())["state"]["video_infos"] == []


async def test_url_upload(api: Backend) -> None:
    first = (await api.upload(samples()["clip"])).json()["data"]["files"][0]
    response = await api.call(
        "POST",
        f"/api/upload-video/nemo_agent/me/{api.session_id}",
        json={"urls": [first["cdn_url"]], "source_type": "url"},
    )
    copy = response.json()["data"]["files"][0]
    assert copy["hash"] == first["hash"] and copy["duration"] == first["duration"]
    assert copy["cdn_url"] != first["cdn_url"]


async def test_url_upload_errors(api: Backend, simulator: Simulator) -> None:
    path = f"/api/upload-video/nemo_agent/me/{api.session_id}"
    missing = await api.call("POST", path, json={"urls": [simulator.base_url + "/cdn/00/x.mp4"]})
    wrong_type = await api.call("POST", path, json={"urls": [simulator.base_url + "/"]})
    not_http = await api.call("POST", path, json={"urls": ["file:///etc/passwd"]})
    malformed = await api.call("POST", path, json={"urls": "x"})
    assert codes([missing, wrong_type, not_http]) == [4003, 4001, 4003]
    assert malformed.status_code == 400
    assert missing.json()["message"].endswith("the server answered HTTP 404 Not Found")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://[::1/clip.mp4", "the link is malformed"),
        ("http://127.0.0.1:1/clip.mp4", "the connection was refused or the host is unreachable"),
        ("https:///clip.mp4", "not an http(s) link"),
    ],
)
async def test_a_link_that_cannot_be_fetched_gets_its_reason(
    api: Backend, simulator: Simulator, url: str, reason: str
) -> None:
    """Never a 500 or a traceback: code 4003 naming the link and why."""
    path = f"/api/upload-video/nemo_agent/me/{api.session_id}"
    answer = await api.call("POST", path, json={"urls": [url]})
    body = answer.json()
    assert answer.status_code == 200 and body["code"] == 4003
    assert body["message"] == f"could not fetch {url}: {reason}"
    assert "Traceback" not in answer.text


# -- credits and state ------------------------------------------------------------------


async def test_edits_cost_once_per_session_and_chat_is_free(api: Backend) -> None:
    await edited(api, samples()["clip"])
    assert await api.credits() == {"available": 50, "frozen": 0, "total": 50}
    await api.say("add the title 'Second edit'")
    await api.say("hello there")
    assert (await api.credits())["available"] == 50
    await api.new_session()
    await edited(api, samples()["clip"])
    assert (await api.credits())["available"] == 0


async def test_credits_are_frozen_while_the_agent_works(simulator: Simulator, api: Backend) -> None:
    await api.upload(samples()["clip"])
    simulator.config.agent_delay = 5.0
    body = {
        "app_name": "nemo_agent",
        "user_id": "me",
        "session_id": api.session_id,
        "new_message": {"parts": [{"text": "combine my clips"}]},
    }
    async with api.http.stream("POST", "/run_sse", json=body, headers=api.auth) as response:
        async for line in response.aiter_lines():
            if line.startswith("data:"):
                break  # the first heartbeat: the turn is under way
        assert await api.credits() == {"available": 50, "frozen": 50, "total": 100}


async def test_out_of_credits_is_2001(simulator: Simulator, api: Backend) -> None:
    assert api.user_id
    simulator.set_credits(api.user_id, 99)
    body = {
        "app_name": "nemo_agent",
        "user_id": "me",
        "session_id": api.session_id,
        "new_message": {"parts": [{"text": "generate a clip of a sunset"}]},
    }
    response = await api.call("POST", "/run_sse", json=body)
    assert response.json()["code"] == 2001
    assert (await api.credits())["available"] == 99
    control = await api.http.post("/_sim/credits", json={"user_id": api.user_id, "available": 500})
    assert control.json()["available"] == 500
    stream = await api.say("generate a clip of a sunset")
    assert "raw video" in stream.text
    assert (await api.credits())["available"] == 400


# -- request log, control endpoints ------------------------------------------------------


async def test_request_log_redacts_tokens(simulator: Simulator, api: Backend) -> None:
    await api.credits()
    log = (await api.http.get("/_sim/requests")).json()
    assert [r["kind"] for r in log] == ["anonymous_token", "create_session", "credits"]
    assert api.token and api.token not in json.dumps(log)
    assert log[-1]["headers"]["Authorization"] == "Bearer <redacted>"
    assert simulator.requests[-1]["headers"]["authorization"] == "Bearer <redacted>"
    assert log[-1]["status"] == 200
    assert simulator.requests == log


async def test_config_endpoint(simulator: Simulator, http: httpx.AsyncClient) -> None:
    changed = await http.post("/_sim/config", json={"sse_shape": "tagged", "agent_delay": 1})
    assert changed.json()["sse_shape"] == "tagged" and simulator.config.agent_delay == 1.0
    assert (await http.get("/_sim/config")).json()["poll_shape"] == "top"
    for bad in ({"nope": 1}, {"sse_shape": "xml"}, {"render_seconds": "fast"}):
        assert (await http.post("/_sim/config", json=bad)).status_code == 400
    assert simulator.config.sse_shape == "tagged"


async def test_faults_endpoint_and_reset(simulator: Simulator, api: Backend) -> None:
    http = api.http
    queued = await http.post("/_sim/faults", json={"fault": "rate_limit", "count": 2})
    assert queued.json() == [{"fault": "rate_limit", "count": 2, "path": None, "retry_after": 1}]
    assert (await http.post("/_sim/faults", json={"fault": "nope"})).status_code == 400
    assert (await http.delete("/_sim/faults")).json() == []
    assert (await api.credits())["available"] == 100
    await http.post("/_sim/reset")
    assert (await api.call("GET", "/api/credits/balance/simple")).json()["code"] == 1001
    assert simulator.requests == [
        {
            "method": "GET",
            "path": "/api/credits/balance/simple",
            "headers": simulator.requests[0]["headers"],
            "kind": "credits",
            "status": 200,
        }
    ]


# -- request-level faults ----------------------------------------------------------------


async def test_token_expired_fault(simulator: Simulator, api: Backend) -> None:
    simulator.inject(Fault("token_expired"))
    assert (await api.call("GET", "/api/credits/balance/simple")).json()["code"] == 1001
    assert (await api.credits())["available"] == 100


async def test_session_lost_fault_deletes_the_session(simulator: Simulator, api: Backend) -> None:
    simulator.inject(Fault("session_lost"))
    await api.credits()  # not a session request: untouched
    path = f"/api/state/nemo_agent/me/{api.session_id}/latest"
    assert (await api.call("GET", path)).json()["code"] == 1002
    assert (await api.call("GET", path)).json()["code"] == 1002  # really gone
    assert simulator.faults.pending() == []


async def test_no_credits_fault_hits_the_agent(simulator: Simulator, api: Backend) -> None:
    simulator.inject(Fault("no_credits"))
    await api.credits()
    body = {
        "app_name": "nemo_agent",
        "user_id": "me",
        "session_id": api.session_id,
        "new_message": {"parts": [{"text": "hello"}]},
    }
    assert (await api.call("POST", "/run_sse", json=body)).json()["code"] == 2001


async def test_rate_limit_fault(simulator: Simulator, api: Backend) -> None:
    simulator.inject(Fault("rate_limit", retry_after=7))
    simulator.inject(Fault("rate_limit", retry_after=None))
    first = await api.call("GET", "/api/credits/balance/simple")
    second = await api.call("GET", "/api/credits/balance/simple")
    assert (first.status_code, first.headers["Retry-After"]) == (429, "7")
    assert second.status_code == 429 and "Retry-After" not in second.headers
    assert (await api.call("GET", "/api/credits/balance/simple")).status_code == 200


async def test_server_error_fault_with_path_and_count(simulator: Simulator, api: Backend) -> None:
    simulator.inject(Fault("server_error", count=2, path="/api/state/", status=500))
    await api.credits()  # other path: not hit
    path = f"/api/state/nemo_agent/me/{api.session_id}/latest"
    statuses = [(await api.call("GET", path)).status_code for _ in range(3)]
    assert statuses == [500, 500, 200]


async def test_faults_on_file_urls_only_with_a_path(simulator: Simulator, api: Backend) -> None:
    url = (await api.upload(samples()["photo"])).json()["data"]["files"][0]["cdn_url"]
    simulator.inject(Fault("server_error"))
    assert (await api.http.get(url)).status_code == 200  # a file URL is not an API call
    assert (await api.call("GET", "/api/credits/balance/simple")).status_code == 503
    simulator.inject(Fault("server_error", path="/cdn/"))
    assert (await api.http.get(url)).status_code == 503


async def test_run_serves_until_sigterm() -> None:
    script = (
        "from core.simulator import run\n"
        "run('127.0.0.1', 0, on_ready=lambda url: print(url, flush=True))\n"
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", script, stdout=asyncio.subprocess.PIPE
    )
    try:
        assert process.stdout is not None
        url = (await asyncio.wait_for(process.stdout.readline(), 30)).decode().strip()
        async with httpx.AsyncClient(base_url=url) as client:
            assert (await client.get("/_sim/config")).json()["sse_shape"] == "adk"
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


def test_fault_validation() -> None:
    with pytest.raises(ValueError):
        Fault("does_not_exist")
    with pytest.raises(ValueError):
        Fault("rate_limit", count=0)
    assert Fault("sse_cut").params == {"after_events": 2}
    assert Fault.from_dict({"fault": "render_fail", "error": "boom"}).param("error") == "boom"


def test_queued_faults_are_taken_oldest_first_among_many() -> None:
    queue = FaultQueue()
    for seconds in range(3000):
        queue.add(Fault("render_slow", seconds=seconds))
    queue.add(Fault("server_error", count=2, path="/api/credits"))
    assert queue.take("render_poll", "/api/render/proxy/lambda/r", ("server_error",)) is None
    slow = queue.take("render_submit", "/api/render/proxy/lambda", ("render_slow",))
    assert slow is not None and slow.param("seconds") == 0
    assert [queue.take("credits", "/api/credits/balance/simple", ("server_error",))
            is not None for _ in range(3)] == [True, True, False]
    for _ in range(2999):
        assert queue.take("render_submit", "/api/render/proxy/lambda", ("render_slow",))
    assert queue.take("render_submit", "/api/render/proxy/lambda", ("render_slow",)) is None
    assert queue.pending() == []
    queue.add(Fault("render_slow"))
    assert queue.take("render_submit", "/api/render/proxy/lambda", ("render_slow",))


def test_sim_config_validation() -> None:
    config = SimConfig()
    config.update({"render_seconds": 2, "operator_tokens": ["a"]})
    assert config.render_seconds == 2.0 and config.operator_tokens == ["a"]
    assert config.public_dict()["operator_tokens"] == ["***"]
    with pytest.raises(ValueError):
        SimConfig(poll_shape="sideways")
    with pytest.raises(ValueError):
        config.update({"render_width": 321})
