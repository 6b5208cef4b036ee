"""A render job as it is stored: its states and its Redis hash (all strings).

A job is known by the id of its first render (`render_<hex>`); `render_id`
holds the render currently being waited for, `render_ids` every id tried.
No token is ever stored in a job: credentials are resolved per chat when used.

States::

    submitting -> rendering -> delivering -> delivered
         |            |             |
         +------------+-------------+--> failed | timed_out | cancelled | undeliverable

`submitting` means a render id is chosen and persisted but NemoVideo has not
yet accepted it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any

from core.messages import ChatKey


def new_render_id() -> str:
    """A fresh, unique render id."""
    return f"render_{uuid.uuid4().hex}"


class JobState(StrEnum):
    """Where a render job is."""

    SUBMITTING = "submitting"
    RENDERING = "rendering"
    DELIVERING = "delivering"
    DELIVERED = "delivered"
    FAILED = "failed"
    TIMED_OUT = "timed_out"
    CANCELLED = "cancelled"
    UNDELIVERABLE = "undeliverable"

    @property
    def finished(self) -> bool:
        """True for states a job never leaves."""
        return self in _FINISHED


_FINISHED = frozenset(
    {JobState.DELIVERED, JobState.FAILED, JobState.TIMED_OUT, JobState.CANCELLED,
     JobState.UNDELIVERABLE}
)


@dataclass
class RenderJob:
    """One export request of one chat, as stored in its Redis hash."""

    id: str
    chat: ChatKey
    render_id: str
    session_id: str
    task_id: str = ""
    claim_token: str = ""
    user_id: str = ""
    user_name: str = ""
    message_id: str = ""
    language: str = "en"
    state: JobState = JobState.SUBMITTING
    attempts: int = 0
    render_ids: list[str] = field(default_factory=list)
    created_at: float = 0.0
    updated_at: float = 0.0
    submit_started_at: float = 0.0
    submitted_at: float = 0.0
    progress: int = 0
    edited_progress: int = 0
    edited_at: float = 0.0
    error: str = ""
    entry: str = ""
    delivered_message: str = ""
    #: the user's message that asked for the export (the video replies to it)
    reply_to: str = ""
    #: hash of the draft and output rendered (an unchanged draft reuses the render)
    draft_hash: str = ""
    #: the project's name and timeline summary (the video's file name and caption)
    name: str = ""
    summary: str = ""
    #: the output size asked for (0: NemoVideo's default)
    width: int = 0
    height: int = 0
    #: the export request (the id of the message asking for it; see `core.renders.requests`)
    request: str = ""

    def to_fields(self) -> dict[str, str]:
        """The hash fields (all strings)."""
        out: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "render_ids":
                out[f.name] = " ".join(value)
            elif isinstance(value, float):
                out[f.name] = repr(value)
            else:
                out[f.name] = str(value)
        return out

    @classmethod
    def from_fields(cls, raw: Mapping[Any, Any]) -> RenderJob | None:
        """Rebuild a job from its hash; None when the hash is empty or damaged."""
        data = {_text(k): _text(v) for k, v in raw.items()}
        try:
            return cls(
                id=data["id"],
                chat=ChatKey.parse(data["chat"]),
                render_id=data["render_id"],
                session_id=data.get("session_id", ""),
                task_id=data.get("task_id", ""),
                claim_token=data.get("claim_token", ""),
                user_id=data.get("user_id", ""),
                user_name=data.get("user_name", ""),
                message_id=data.get("message_id", ""),
                language=data.get("language") or "en",
                state=JobState(data.get("state") or JobState.SUBMITTING),
                attempts=int(data.get("attempts") or 0),
                render_ids=(data.get("render_ids") or "").split(),
                created_at=float(data.get("created_at") or 0),
                updated_at=float(data.get("updated_at") or 0),
                submit_started_at=float(data.get("submit_started_at") or 0),
                submitted_at=float(data.get("submitted_at") or 0),
                progress=int(data.get("progress") or 0),
                edited_progress=int(data.get("edited_progress") or 0),
                edited_at=float(data.get("edited_at") or 0),
                error=data.get("error", ""),
                entry=data.get("entry", ""),
                delivered_message=data.get("delivered_message", ""),
                reply_to=data.get("reply_to", ""),
                draft_hash=data.get("draft_hash", ""),
                name=data.get("name", ""),
                summary=data.get("summary", ""),
                width=int(data.get("width") or 0),
                height=int(data.get("height") or 0),
                request=data.get("request", ""),
            )
        except (KeyError, ValueError):
            return None


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
