"""What the rest of the core needs from the NemoVideo client, as a protocol.

Code that talks to NemoVideo can depend on `NemoApi` instead of `NemoClient`,
so that another implementation (a recording fake, a wrapper adding metrics)
fits without inheriting from the client.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterable, Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

import httpx

from core.nemo.download import ProgressCallback
from core.nemo.draft import Draft
from core.nemo.events import AgentEvent
from core.nemo.models import (
    AnonymousToken,
    ClaimToken,
    Credentials,
    Credits,
    ProjectSession,
    RenderStatus,
    SessionState,
    UploadResult,
)
from core.nemo.uploads import UploadSource


class AgentCall(Protocol):
    """One agent call: ``async with call as events: async for event in events``."""

    async def __aenter__(self) -> AsyncIterable[AgentEvent]:
        """Send the message; the events follow."""
        ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the connection."""
        ...


class NemoApi(Protocol):
    """The NemoVideo endpoints and links the core uses (see `NemoClient` for details)."""

    @property
    def http(self) -> httpx.AsyncClient:
        """The process's shared HTTP client."""
        ...

    async def anonymous_token(self, client_id: str | None) -> AnonymousToken:
        """Mint an anonymous token for a persisted client id."""
        ...

    async def create_session(self, creds: Credentials, language: str = "en") -> ProjectSession:
        """Create a project (task and session)."""
        ...

    async def claim_token(self, creds: Credentials, task_id: str, session_id: str) -> ClaimToken:
        """A claim token for the project's browser link."""
        ...

    def claim_url(self, claim_token: ClaimToken | str) -> str:
        """The browser link that opens the project."""
        ...

    def registration_url(self, user_id: str) -> str:
        """The link an anonymous user registers with."""
        ...

    def run_sse(self, creds: Credentials, session_id: str, text: str) -> AgentCall:
        """Send one message to the agent and stream its events; never retried."""
        ...

    async def upload_files(
        self, creds: Credentials, session_id: str, files: Sequence[UploadSource]
    ) -> UploadResult:
        """Upload files in one multipart request."""
        ...

    async def upload_urls(
        self, creds: Credentials, session_id: str, urls: Iterable[str]
    ) -> UploadResult:
        """Let NemoVideo fetch files from URLs itself."""
        ...

    async def credits(self, creds: Credentials) -> Credits:
        """The credit balance."""
        ...

    async def state(self, creds: Credentials, session_id: str) -> SessionState:
        """The latest state of a session."""
        ...

    async def submit_render(
        self,
        creds: Credentials,
        render_id: str,
        session_id: str,
        draft: Draft | Mapping[str, Any],
        output: Mapping[str, Any] | None = None,
    ) -> RenderStatus:
        """Start an export."""
        ...

    async def poll_render(self, creds: Credentials, render_id: str) -> RenderStatus:
        """A render's status; RenderNotFound when the id is unknown."""
        ...

    async def cancel_render(self, creds: Credentials, render_id: str) -> None:
        """Cancel a render."""
        ...

    async def download(
        self,
        creds: Credentials,
        render_id: str,
        url: str | None,
        dest_path: str | os.PathLike[str],
        on_progress: ProgressCallback | None = None,
    ) -> Path:
        """Stream a finished render to a local file."""
        ...
