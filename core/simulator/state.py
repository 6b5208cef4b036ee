"""The simulator's in-memory model: users, tokens, sessions, media, renders."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ANON_SCOPES = ("read", "write", "upload")
OPERATOR_USER = "usr_operator"
OPERATOR_CREDITS = 100000


def iso(timestamp: float) -> str:
    """A Unix time as an ISO 8601 UTC string (`2025-01-31T12:00:00Z`)."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class User:
    """A NemoVideo user and their credit balance."""

    user_id: str
    available: int
    frozen: int = 0

    @property
    def total(self) -> int:
        """`available + frozen`."""
        return self.available + self.frozen

    @property
    def is_anonymous(self) -> bool:
        """Anonymous users are `anon_*`."""
        return self.user_id.startswith("anon_")

    def reserve(self, amount: int) -> bool:
        """Freeze `amount` credits for work in progress; False when they are not there."""
        if amount > self.available:
            return False
        self.available -= amount
        self.frozen += amount
        return True

    def settle(self, amount: int) -> None:
        """The work is done: frozen credits are spent."""
        self.frozen -= amount

    def refund(self, amount: int) -> None:
        """The work failed: frozen credits return to the balance."""
        self.frozen -= amount
        self.available += amount


@dataclass
class Token:
    """A bearer token. `expires_at` is a Unix time, None for operator tokens."""

    value: str = field(repr=False)
    user_id: str
    scopes: tuple[str, ...]
    expires_at: float | None

    def expired(self, now: float) -> bool:
        """Whether the token is past its expiry."""
        return self.expires_at is not None and now >= self.expires_at


@dataclass
class MediaFile:
    """An uploaded file, stored on disk and served at `url`."""

    media_id: str
    filename: str
    file_type: str
    path: Path
    url: str
    size: int
    hash: str
    duration: float | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    has_video: bool = False
    has_audio: bool = False

    def info(self) -> dict[str, Any]:
        """The file as the upload endpoint and `state.video_infos` describe it."""
        return {
            "filename": self.filename,
            "file_type": self.file_type,
            "cdn_url": self.url,
            "duration": self.duration,
            "width": self.width,
            "height": self.height,
            "fps": self.fps,
            "hash": self.hash,
        }


@dataclass
class GeneratedMedia:
    """A clip or tone the agent generated. Its file is rendered on first download."""

    gen_id: str
    kind: str  # "video" or "audio"
    name: str
    duration: float
    spec: dict[str, Any]
    url: str
    path: Path | None = None

    def info(self) -> dict[str, Any]:
        """The entry of `state.generated_media`."""
        return {
            "id": self.gen_id,
            "kind": self.kind,
            "name": self.name,
            "prompt": self.spec.get("prompt", self.name),
            "duration": self.duration,
            "url": self.url,
        }


@dataclass
class Session:
    """A project session and its state."""

    session_id: str
    task_id: str
    task_name: str
    language: str
    user_id: str
    draft: dict[str, Any]
    canvas: dict[str, Any]
    media: list[MediaFile] = field(default_factory=list)
    analyses: list[dict[str, Any]] = field(default_factory=list)
    generated: list[GeneratedMedia] = field(default_factory=list)
    edit_charged: bool = False
    #: a generation whose music and title come after its stream (`post_production`)
    unfinished: str | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    def state(self) -> dict[str, Any]:
        """The `state` object of the state endpoint."""
        return {
            "draft": self.draft,
            "video_infos": [m.info() for m in self.media],
            "canvas_config": dict(self.canvas),
            "video_analyses": list(self.analyses),
            "generated_media": [g.info() for g in self.generated],
        }


@dataclass
class RenderJob:
    """One export. `status` is pending, processing, completed, failed or cancelled."""

    render_id: str
    user_id: str
    session_id: str
    draft: dict[str, Any]
    quality: str
    output_name: str
    created_at: float
    started: float  # monotonic time of submission
    min_seconds: float
    fail_error: str | None = None
    #: the `output` size asked for (width, height), if any
    output_size: tuple[int, int] | None = None
    status: str = "pending"
    progress: int = 0
    encoded: float = 0.0  # fraction of the timeline ffmpeg has written
    output_path: Path | None = None
    output_url: str | None = None
    duration: float | None = None
    size: int | None = None
    error: str | None = None
    completed_at: float | None = None
    task: asyncio.Task[None] | None = field(default=None, repr=False)

    @property
    def finished(self) -> bool:
        """Whether the job will not change any more."""
        return self.status in ("completed", "failed", "cancelled")


def new_session_id() -> str:
    """A 19-digit numeric session id, like the backend's."""
    return str(10**18 + secrets.randbelow(9 * 10**18))


class Store:
    """Everything the simulator remembers; `reset` forgets it all."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget everything."""
        self.users: dict[str, User] = {}
        self.tokens: dict[str, Token] = {}
        self.client_users: dict[str, str] = {}
        self.client_issues: dict[str, list[Token]] = {}
        self.ip_issues: dict[str, deque[float]] = {}
        self.sessions: dict[str, Session] = {}
        self.claims: dict[str, tuple[str, str]] = {}
        self.media: dict[str, MediaFile] = {}
        self.generated: dict[str, GeneratedMedia] = {}
        self.renders: dict[str, RenderJob] = {}

    def operator_user(self) -> User:
        """The user behind every operator token."""
        user = self.users.get(OPERATOR_USER)
        if user is None:
            user = self.users[OPERATOR_USER] = User(OPERATOR_USER, OPERATOR_CREDITS)
        return user

    def anonymous_limit(
        self, client_id: str, ip: str, *, per_client: int, per_ip: int, window: float
    ) -> float | None:
        """Seconds to wait before this client/IP may get a token, or None if it may now.

        Per client, only tokens that are still valid count, so a renewal after expiry
        is allowed. Per IP, every token issued within the window counts.
        """
        now = time.time()
        if per_client < 1 or per_ip < 1:
            return max(1.0, window)
        live = [t for t in self.client_issues.get(client_id, []) if not t.expired(now)]
        self.client_issues[client_id] = live
        if len(live) >= per_client:
            ends = sorted(t.expires_at or now for t in live)
            return max(1.0, ends[len(live) - per_client] - now)
        issued = self.ip_issues.setdefault(ip, deque())
        while issued and issued[0] <= now - window:
            issued.popleft()
        if len(issued) >= per_ip:
            return max(1.0, issued[len(issued) - per_ip] + window - now)
        return None

    def issue_anonymous(self, client_id: str, ip: str, *, ttl: float, credits: int) -> Token:
        """Mint an anonymous token; a client id keeps its user (and credits) across renewals."""
        user_id = self.client_users.get(client_id)
        if user_id is None or user_id not in self.users:
            user_id = f"anon_{secrets.token_hex(8)}"
            self.users[user_id] = User(user_id, credits)
            self.client_users[client_id] = user_id
        now = time.time()
        token = Token(
            value=f"nmv_usr_{secrets.token_urlsafe(24)}",
            user_id=user_id,
            scopes=ANON_SCOPES,
            expires_at=now + ttl,
        )
        self.tokens[token.value] = token
        self.client_issues.setdefault(client_id, []).append(token)
        self.ip_issues.setdefault(ip, deque()).append(now)
        return token
