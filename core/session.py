"""What the store keeps of a chat: who it is to NemoVideo (`Identity`) and its session
(the NemoVideo project, the message in flight), with the session's stored form (a Redis
hash of strings).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from pydantic import SecretStr

from core.nemo.draft import Draft


@dataclass
class Identity:
    """Who the chat is to NemoVideo.

    `kind` is "anonymous" (a token minted for the chat's own client id) or
    "linked" (a user's own token, from /link). With an operator token set,
    no token is stored for anonymous chats.
    """

    client_id: str = ""
    token: SecretStr | None = None
    user_id: str | None = None
    kind: str = "anonymous"


@dataclass
class InFlight:
    """A message handed to the agent and not yet answered (survives restarts).

    `answer` is the text the turn's answer is shown with, recorded just before it is
    shown (in the live message `shown_in`, when one was sent by then): a restarted
    process shows it again (an edit of that message changes nothing when it was
    shown), without the buttons it had.
    """

    text: str
    started_at: float
    draft_before: dict[str, Any] = field(default_factory=dict)
    progress_message_id: str | None = None
    answer: str | None = None
    shown_in: str | None = None


@dataclass
class ChatSession:
    """The chat's NemoVideo project and conversation state."""

    session_id: str | None = None
    task_id: str | None = None
    claim_token: str | None = None
    #: when the claim token stops working (Unix time; 0: unknown, so it is made anew)
    claim_expires_at: float = 0.0
    language: str = "en"
    draft: dict[str, Any] = field(default_factory=dict)
    inflight: InFlight | None = None
    #: the options last offered as buttons: {"v": offer number, "options": [texts]}
    choices: dict[str, Any] = field(default_factory=dict)
    #: the project's format: aspect ratio ("9:16"; "" = not chosen) and target length (s)
    aspect: str = ""
    seconds: int = 0
    #: the project's name in /projects (its title, or its first instruction)
    name: str = ""
    #: when `draft` was last read from NemoVideo (or made: a new project's is empty)
    draft_at: float = 0.0

    @property
    def last_draft(self) -> Draft:
        """The last draft we saw, for diffs."""
        return Draft.from_raw(self.draft)


def session_of(data: Mapping[str, str]) -> ChatSession:
    """A session from its stored hash, as text (empty: a new session)."""
    inflight = json.loads(data["inflight"]) if data.get("inflight") else None
    return ChatSession(
        session_id=data.get("session_id") or None,
        task_id=data.get("task_id") or None,
        claim_token=data.get("claim_token") or None,
        claim_expires_at=float(data.get("claim_expires_at") or 0.0),
        language=data.get("language") or "en",
        draft=json.loads(data["draft"]) if data.get("draft") else {},
        inflight=InFlight(**inflight) if inflight else None,
        choices=json.loads(data["choices"]) if data.get("choices") else {},
        aspect=data.get("aspect") or "",
        seconds=int(data.get("seconds") or 0),
        name=data.get("name") or "",
        draft_at=float(data.get("draft_at") or 0.0),
    )


def session_fields(session: ChatSession) -> dict[str, str]:
    """The stored hash of a session."""
    return {
        "session_id": session.session_id or "",
        "task_id": session.task_id or "",
        "claim_token": session.claim_token or "",
        "claim_expires_at": repr(session.claim_expires_at) if session.claim_expires_at else "",
        "language": session.language,
        "draft": json.dumps(session.draft),
        "inflight": json.dumps(asdict(session.inflight)) if session.inflight else "",
        "choices": json.dumps(session.choices) if session.choices else "",
        "aspect": session.aspect,
        "seconds": str(session.seconds),
        "name": session.name,
        "draft_at": str(session.draft_at),
        "updated_at": str(time.time()),
    }
