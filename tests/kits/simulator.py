"""Driving the NemoVideo simulator with raw httpx, as the contract describes."""

from __future__ import annotations

import atexit
import contextlib
import functools
import json
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from core.simulator import Simulator
from core.simulator.samples import write_sample_audio, write_sample_image, write_sample_video
from tests.waiting import wait_until

ATTRIBUTION = {
    "X-Skill-Source": "nemobot-tests",
    "X-Skill-Version": "0.1.0",
    "X-Skill-Platform": "unknown",
}


@functools.cache
def samples() -> dict[str, Path]:
    """Small real media files, made once per test run."""
    folder = Path(tempfile.mkdtemp(prefix="nemo-samples-"))
    atexit.register(shutil.rmtree, folder, True)
    return {
        "clip": write_sample_video(folder / "beach.mp4", seconds=2.0),
        "portrait": write_sample_video(
            folder / "street.mp4", seconds=1.0, width=180, height=320, audio=False
        ),
        "photo": write_sample_image(folder / "photo.png"),
        "song": write_sample_audio(folder / "song.mp3", seconds=1.0),
    }


@dataclass
class Stream:
    """One agent stream as received: the raw bytes and the parsed frames."""

    raw: bytes
    frames: list[dict[str, Any] | None] = field(default_factory=list)  # None: empty `data:`

    @classmethod
    def parse(cls, raw: bytes) -> Stream:
        """Parse SSE bytes, checking the framing: `data: <json>` blocks, blank-line separated."""
        stream = cls(raw)
        text = raw.decode()
        assert text.endswith("\n\n") or not text
        for block in text.split("\n\n")[:-1]:
            assert block.startswith("data:"), block
            assert "\n" not in block, "one data line per event, no event: lines"
            payload = block[len("data:") :].strip()
            stream.frames.append(json.loads(payload) if payload else None)
        return stream

    @property
    def events(self) -> list[dict[str, Any]]:
        """Every frame that is not a heartbeat."""
        return [f for f in self.frames if f is not None and f.get("type") != "heartbeat"]

    @property
    def heartbeats(self) -> int:
        """How many heartbeats (either form) the stream carried."""
        return sum(1 for f in self.frames if f is None or f.get("type") == "heartbeat")

    def parts(self, key: str) -> list[dict[str, Any]]:
        """ADK parts holding `key` (text, functionCall, functionResponse)."""
        found = []
        for frame in self.events:
            for part in (frame.get("content") or {}).get("parts") or []:
                if key in part:
                    found.append(part[key] if key != "text" else part)
        return found

    @property
    def text(self) -> str:
        """The agent's text: the full ADK messages, or the tagged fragments joined."""
        tagged = [f["content"] for f in self.events if f.get("type") == "text"]
        if tagged:
            return "".join(tagged)
        full = [
            part["text"]
            for frame in self.events
            if not frame.get("partial")
            for part in (frame.get("content") or {}).get("parts") or []
            if "text" in part
        ]
        return " ".join(full)

    @property
    def tool_names(self) -> list[str]:
        """Names of the tools called, in order, in either shape."""
        tagged = [f["name"] for f in self.events if f.get("type") == "tool_call"]
        return tagged or [call["name"] for call in self.parts("functionCall")]


class Backend:
    """A raw-HTTP NemoVideo client for tests: one user, one current session."""

    def __init__(self, http: httpx.AsyncClient):
        self.http = http
        self.token: str | None = None
        self.user_id: str | None = None
        self.session_id: str | None = None
        self.task_id: str | None = None

    @property
    def auth(self) -> dict[str, str]:
        """The bearer header."""
        assert self.token
        return {"Authorization": f"Bearer {self.token}"}

    async def login(self, client_id: str | None = None) -> dict[str, Any]:
        """Get an anonymous token; return the `data` of the answer."""
        client_id = client_id or f"client-{time.monotonic_ns()}"
        response = await self.http.post(
            "/api/auth/anonymous-token", headers={"X-Client-Id": client_id}
        )
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()["data"]
        self.token, self.user_id = data["token"], data["user_id"]
        return data

    async def new_session(self, language: str = "en") -> dict[str, Any]:
        """Create a project session and make it current."""
        body = await self.ok(
            "POST",
            "/api/tasks/me/with-session/nemo_agent",
            json={"task_name": "project", "language": language},
        )
        self.session_id, self.task_id = body["session_id"], body["task_id"]
        return body

    async def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """A request with the bearer token."""
        headers = {**self.auth, **kwargs.pop("headers", {})}
        return await self.http.request(method, path, headers=headers, **kwargs)

    async def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        """A request that must answer code 0; returns `data`."""
        response = await self.call(method, path, **kwargs)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["code"] == 0, body
        return body["data"]

    async def upload(self, *paths: Path) -> httpx.Response:
        """Multipart upload of files to the current session."""
        files = [("files", (p.name, p.read_bytes())) for p in paths]
        return await self.call(
            "POST", f"/api/upload-video/nemo_agent/me/{self.session_id}", files=files
        )

    async def say(self, text: str, session_id: str | None = None) -> Stream:
        """Send a message; read the whole stream."""
        body = {
            "app_name": "nemo_agent",
            "user_id": "me",
            "session_id": session_id or self.session_id,
            "new_message": {"parts": [{"text": text}]},
        }
        headers = {**self.auth, "Accept": "text/event-stream"}
        async with self.http.stream("POST", "/run_sse", json=body, headers=headers) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            raw = b"".join([chunk async for chunk in response.aiter_raw()])
        return Stream.parse(raw)

    async def state(self) -> dict[str, Any]:
        """The whole `data` of the state endpoint."""
        data: dict[str, Any] = await self.ok(
            "GET", f"/api/state/nemo_agent/me/{self.session_id}/latest"
        )
        return data

    async def draft(self) -> dict[str, Any]:
        """The current draft."""
        draft: dict[str, Any] = (await self.state())["state"]["draft"]
        return draft

    async def credits(self) -> dict[str, int]:
        """The balance."""
        data: dict[str, int] = await self.ok("GET", "/api/credits/balance/simple")
        return data

    async def submit(
        self, render_id: str, draft: dict[str, Any] | None = None, **headers: str
    ) -> httpx.Response:
        """Submit a render of `draft` (default: the session's draft)."""
        body = {
            "id": render_id,
            "sessionId": self.session_id,
            "draft": draft if draft is not None else await self.draft(),
            "output": {"format": "mp4", "quality": "high"},
        }
        return await self.call(
            "POST", "/api/render/proxy/lambda", json=body, headers={**ATTRIBUTION, **headers}
        )

    async def poll(self, render_id: str) -> dict[str, Any]:
        """One poll, normalised from any shape to {status, progress, url, error, ...}."""
        response = await self.call("GET", f"/api/render/proxy/lambda/{render_id}")
        assert response.status_code == 200, response.text
        return normalise(response.json())

    async def wait_render(self, render_id: str, within: float = 30.0) -> list[dict[str, Any]]:
        """Poll until the render finishes; return every poll's status."""
        seen: list[dict[str, Any]] = []

        async def finished() -> bool:
            seen.append(await self.poll(render_id))
            return seen[-1]["status"] in ("completed", "failed", "cancelled")

        await wait_until(finished, within=within, interval=0.05,
                         what=f"render {render_id} to finish", show=lambda: seen[-1:])
        return seen

    async def wait_for(self, predicate: Any, within: float = 10.0) -> dict[str, Any]:
        """Read the draft until `predicate(draft)` holds."""
        async def reached() -> tuple[dict[str, Any]] | None:
            draft = await self.draft()
            return (draft,) if predicate(draft) else None

        (draft,) = await wait_until(reached, within=within,
                                    what="the draft to reach the expected state")
        return draft


def normalise(body: dict[str, Any]) -> dict[str, Any]:
    """A render status from any of the three poll shapes."""
    if body.get("success") is True:
        data = body["data"]
        return {
            "shape": "wrapped",
            "id": data["id"],
            "status": data["status"],
            "progress": data["progress"],
            "url": data.get("outputUrl"),
            "error": data.get("error"),
            "raw": data,
        }
    data = body.get("data", body)
    output = data.get("output") or {}
    return {
        "shape": "top" if "data" in body else "bare",
        "id": data["taskId"],
        "status": data["status"],
        "progress": data["progress"],
        "url": output.get("url"),
        "duration": output.get("duration"),
        "size": output.get("size"),
        "error": data.get("error"),
        "raw": data,
    }


def track_types(draft: dict[str, Any]) -> list[int]:
    """The `tt` of every track."""
    return [t["tt"] for t in draft["t"]]


@contextlib.asynccontextmanager
async def open_backend(simulator: Simulator) -> AsyncIterator[Backend]:
    """A new anonymous user with a fresh session, on its own HTTP client."""
    async with httpx.AsyncClient(base_url=simulator.base_url, timeout=30) as client:
        backend = Backend(client)
        await backend.login()
        await backend.new_session()
        yield backend


async def edited(api: Backend, *paths: Path) -> dict[str, Any]:
    """Upload files and combine them; return the draft."""
    assert (await api.upload(*paths)).status_code == 200
    await api.say("combine my clips")
    return await api.draft()


def codes(responses: Iterable[httpx.Response]) -> list[Any]:
    """The `code` of each JSON answer."""
    return [r.json().get("code") for r in responses]


# -- identity -------------------------------------------------------------------------
