"""Turning the `data` of NemoVideo's answers into the result types of `core.nemo.models`.

Everything here works on decoded JSON (the envelope already removed, see
`core.nemo.envelope`) and tolerates the shapes the contract leaves open: both
render-poll shapes, loose number types, a draft sent as JSON text. A required
field that is missing raises `ProtocolError`.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr

from core.nemo.draft import Draft
from core.nemo.errors import ProtocolError
from core.nemo.models import (
    AnonymousToken,
    ClaimToken,
    Credentials,
    Credits,
    ProjectSession,
    RenderPhase,
    RenderStatus,
    SessionState,
    UploadedFile,
    UploadResult,
)

log = logging.getLogger(__name__)

MAX_MESSAGE = 300
"""Longest server message kept in an error or a render status."""

_STATUS_WORDS: dict[str, RenderPhase] = {
    **dict.fromkeys(("pending", "queued", "waiting", "submitted", "created"), RenderPhase.PENDING),
    **dict.fromkeys(
        ("processing", "running", "rendering", "in_progress", "inprogress", "started"),
        RenderPhase.PROCESSING,
    ),
    **dict.fromkeys(
        ("completed", "complete", "done", "success", "succeeded", "finished", "ready"),
        RenderPhase.COMPLETED,
    ),
    **dict.fromkeys(("failed", "failure", "error", "errored"), RenderPhase.FAILED),
    **dict.fromkeys(("cancelled", "canceled", "aborted"), RenderPhase.CANCELLED),
}


def normalise_status(value: Any) -> RenderPhase:
    """A render status word from the backend as a `RenderPhase` (unknown words: processing)."""
    word = str(value or "").strip().lower().replace("-", "_").replace(" ", "_")
    phase = _STATUS_WORDS.get(word)
    if phase is None:
        log.warning("render status %r is not documented; treating it as processing", word[:40])
        return RenderPhase.PROCESSING
    return phase


def parse_render_status(data: Mapping[str, Any], render_id: str) -> RenderStatus:
    """A `RenderStatus` from either documented poll shape, once the envelope is removed.

    Top-level shape: `{taskId, status, progress, output: {url, duration, size}}`;
    wrapped shape (inside `data`): `{id, status, progress, outputUrl, error}`.
    """
    status = normalise_status(data.get("status") or data.get("state") or "pending")
    output = data.get("output")
    url: Any = None
    duration: Any = data.get("duration")
    size: Any = data.get("size")
    if isinstance(output, Mapping):
        url = output.get("url") or output.get("outputUrl") or output.get("output_url")
        duration = output.get("duration", duration)
        size = output.get("size", size)
    elif isinstance(output, str):
        url = output
    url = url or data.get("outputUrl") or data.get("output_url") or data.get("url")
    progress = clamp_progress(data.get("progress"))
    if status is RenderPhase.COMPLETED:
        progress = 100
    error = data.get("error") or data.get("errorMessage") or data.get("message")
    if isinstance(error, Mapping):
        error = error.get("message") or error.get("error")
    ident = data.get("id") or data.get("taskId") or data.get("task_id") or data.get("renderId")
    return RenderStatus(
        render_id=str(ident or render_id),
        status=status,
        progress=progress,
        output_url=str(url) if url else None,
        duration=opt_float(duration),
        size=opt_int(size),
        error=str(error)[:MAX_MESSAGE] if error and status is RenderPhase.FAILED else None,
    )


def parse_submit(data: Any, render_id: str) -> RenderStatus:
    """The answer to a render submit: a status when it carries one, else pending."""
    if isinstance(data, dict) and any(k in data for k in ("status", "state")):
        return parse_render_status(data, render_id)
    return RenderStatus(render_id=render_id, status=RenderPhase.PENDING)


def parse_anonymous_token(data: Any) -> AnonymousToken:
    """The anonymous-token answer: `{token, user_id, expires_at, credits}`."""
    body = as_dict(data, "anonymous_token")
    token = required_str(body, "token", "anonymous_token")
    return AnonymousToken(
        credentials=Credentials(SecretStr(token), opt_str(body.get("user_id"))),
        expires_at=opt_str(body.get("expires_at")),
        credits=opt_int(body.get("credits")),
    )


def parse_project(data: Any) -> ProjectSession:
    """The create-session answer: `{task_id, session_id, user_id}`."""
    body = as_dict(data, "create_session")
    return ProjectSession(
        task_id=required_str(body, "task_id", "create_session"),
        session_id=required_str(body, "session_id", "create_session"),
        user_id=opt_str(body.get("user_id")),
    )


def parse_claim(data: Any) -> ClaimToken:
    """The claim-token answer: `{claim_token, expires_in}`."""
    body = as_dict(data, "claim_token")
    return ClaimToken(
        claim_token=required_str(body, "claim_token", "claim_token"),
        expires_in=opt_int(body.get("expires_in")),
    )


def parse_upload_result(data: Any) -> UploadResult:
    """An upload answer: `{files: [...], session_state_applied}`."""
    payload = as_dict(data, "upload")
    items = payload.get("files")
    if not isinstance(items, list):
        raise ProtocolError("NemoVideo answered an upload without a file list")
    files = tuple(
        UploadedFile(
            filename=str(item.get("filename") or item.get("name") or ""),
            file_type=str(item.get("file_type") or item.get("type") or ""),
            cdn_url=opt_str(item.get("cdn_url")),
            duration=opt_float(item.get("duration")),
            width=opt_int(item.get("width")),
            height=opt_int(item.get("height")),
            fps=opt_float(item.get("fps")),
            hash=opt_str(item.get("hash")),
        )
        for item in items
        if isinstance(item, dict)
    )
    return UploadResult(files, bool(payload.get("session_state_applied")))


def parse_credits(data: Any) -> Credits:
    """The balance answer: `{available, frozen, total}` (total defaults to their sum)."""
    body = as_dict(data, "credits")
    available = opt_finite(body.get("available")) or 0.0
    frozen = opt_finite(body.get("frozen")) or 0.0
    total = opt_finite(body.get("total"))
    return Credits(available, frozen, available + frozen if total is None else total)


def parse_state(data: Any, session_id: str) -> SessionState:
    """The latest-state answer; `state` and its `draft` may each arrive as JSON text."""
    body = as_dict(data, "state")
    state = body.get("state")
    if isinstance(state, str):
        state = json_text(state)
    draft = state.get("draft") if isinstance(state, dict) else None
    if isinstance(draft, str):
        draft = json_text(draft)
    return SessionState(
        session_id=opt_str(body.get("session_id")) or session_id,
        task_id=opt_str(body.get("task_id")),
        draft=Draft.from_raw(draft if isinstance(draft, dict) else None),
        raw=body,
    )


def json_text(text: str) -> Any:
    """JSON sent as a string inside JSON; None when it does not parse."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def clamp_progress(value: Any) -> int:
    """A progress value as an integer percentage in 0..100 (0 when unusable)."""
    number = opt_float(value)
    if number is None or not math.isfinite(number):
        return 0
    return int(min(100.0, max(0.0, round(number))))


def opt_float(value: Any) -> float | None:
    """A number, or None when the value is missing or not numeric (booleans too). Text
    may group thousands ("1,250", "1 250")."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip().replace(",", "").replace(" ", "").replace("\u00a0", "")
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def opt_finite(value: Any) -> float | None:
    """A finite number, or None."""
    number = opt_float(value)
    return number if number is not None and math.isfinite(number) else None


def opt_int(value: Any) -> int | None:
    """A finite number as an int, or None."""
    number = opt_finite(value)
    return None if number is None else int(number)


def opt_str(value: Any) -> str | None:
    """The value as text, None staying None."""
    return None if value is None else str(value)


def as_dict(data: Any, kind: str) -> dict[str, Any]:
    """The answer's data object; ProtocolError when it is not one."""
    if not isinstance(data, dict):
        raise ProtocolError(f"NemoVideo answered {kind} without a data object")
    return data


def required_str(data: Mapping[str, Any], key: str, kind: str) -> str:
    """A field that must be present and non-empty; ProtocolError otherwise."""
    value = data.get(key)
    if value is None or value == "":
        raise ProtocolError(f"NemoVideo answered {kind} without {key!r}")
    return str(value)
