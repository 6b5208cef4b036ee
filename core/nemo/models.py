"""Plain result types of the NemoVideo client."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import SecretStr

from core.nemo.draft import Draft


@dataclass(frozen=True)
class Credentials:
    """A bearer token and, when known, the NemoVideo user it belongs to.

    The token is a SecretStr so that it never shows in a repr or a log line.
    """

    token: SecretStr
    user_id: str | None = None

    @property
    def is_anonymous(self) -> bool:
        """True for anonymous (`anon_*`) users."""
        return bool(self.user_id and self.user_id.startswith("anon_"))


@dataclass(frozen=True)
class AnonymousToken:
    """The answer of the anonymous-token endpoint."""

    credentials: Credentials
    expires_at: str | None
    credits: int | None


@dataclass(frozen=True)
class ProjectSession:
    """A NemoVideo project: task and session ids."""

    task_id: str
    session_id: str
    user_id: str | None = None


@dataclass(frozen=True)
class ClaimToken:
    """A claim token: the only thing safe to put in a browser link."""

    claim_token: str
    expires_in: int | None = None


@dataclass(frozen=True)
class UploadedFile:
    """One file as NemoVideo received it."""

    filename: str
    file_type: str
    cdn_url: str | None = None
    duration: float | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    hash: str | None = None


@dataclass(frozen=True)
class UploadResult:
    """Files accepted by one upload request."""

    files: tuple[UploadedFile, ...]
    session_state_applied: bool = False


def amount_text(value: float) -> str:
    """A credit amount as people write it: 100, 80.5, 0.25 (two decimals at most)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


@dataclass(frozen=True)
class Credits:
    """Credit balance; `frozen` is reserved by work in progress. Amounts may have decimals."""

    available: float
    frozen: float
    total: float

    def texts(self) -> dict[str, str]:
        """The three amounts as shown to people (`available`, `frozen`, `total`)."""
        return {"available": amount_text(self.available), "frozen": amount_text(self.frozen),
                "total": amount_text(self.total)}


@dataclass(frozen=True)
class SessionState:
    """The latest state of a session."""

    session_id: str | None
    task_id: str | None
    draft: Draft
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def has_media(self) -> bool:
        """Whether the project holds files (uploads, generated media), on its timeline
        or not (`state.video_infos`, `state.generated_media`)."""
        state = self.raw.get("state")
        if not isinstance(state, dict):
            return False
        return any(isinstance(state.get(key), list | dict) and state.get(key)
                   for key in ("video_infos", "generated_media"))


class RenderPhase(StrEnum):
    """Render status values."""

    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        """True once the render will not change any more."""
        return self in (RenderPhase.COMPLETED, RenderPhase.FAILED, RenderPhase.CANCELLED)


@dataclass(frozen=True)
class RenderStatus:
    """A render's status, from either documented poll shape."""

    render_id: str
    status: RenderPhase
    progress: int = 0
    output_url: str | None = None
    duration: float | None = None
    size: int | None = None
    error: str | None = None
