"""The async NemoVideo client: one method per endpoint.

One `NemoClient` serves the whole process over one `httpx.AsyncClient`; the
token is passed with every call as `Credentials`, because one process serves
many chats with different tokens. The work is split by job:

* `core.nemo.transport`: the HTTP client, headers, retries and backoff
  (a 429 waits and retries once; 5xx and connection errors are retried only
  for requests that are safe to repeat);
* `core.nemo.envelope`: the JSON envelope and its typed errors;
* `core.nemo.wire`: the answers' data as `core.nemo.models` types;
* `core.nemo.stream`: the agent stream (`run_sse`), never re-sent because it
  would do the work and charge twice;
* `core.nemo.download`: streaming a render to a file.

The token never reaches a URL, a log line, an exception message or a repr.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx

from core.nemo import wire
from core.nemo.download import ProgressCallback, download_to, same_origin
from core.nemo.draft import Draft
from core.nemo.errors import NemoError, RenderNotFound
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
from core.nemo.stream import APP_NAME, AgentStream
from core.nemo.transport import Sleep, Transport, parse_retry_after
from core.nemo.uploads import CHUNK_SIZE, UploadSource, coerce_upload, multipart
from core.nemo.wire import normalise_status, parse_render_status
from core.settings import Settings

if TYPE_CHECKING:
    from core.nemo.api import NemoApi

__all__ = [
    "APP_NAME",
    "AgentStream",
    "NemoClient",
    "ProgressCallback",
    "Sleep",
    "normalise_status",
    "parse_render_status",
    "parse_retry_after",
]

log = logging.getLogger(__name__)


class NemoClient:
    """Async client of the NemoVideo backend; one per process.

    `http` is the process's `httpx.AsyncClient` (created from `settings` when not
    given, and then closed by `aclose`). `sleep` is awaited for every retry wait,
    so tests can record the waits instead of sleeping.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        http: httpx.AsyncClient | None = None,
        sleep: Sleep = asyncio.sleep,
        chunk_size: int = CHUNK_SIZE,
    ) -> None:
        self.settings = settings
        self.api_url = settings.api_url
        self.web_url = settings.web_url
        self.transport = Transport(settings, http=http, sleep=sleep)
        self._chunk_size = chunk_size

    @property
    def http(self) -> httpx.AsyncClient:
        """The process's HTTP client (adapters reuse it for their own downloads)."""
        return self.transport.http

    @staticmethod
    def make_http(settings: Settings) -> httpx.AsyncClient:
        """The process's HTTP client with the configured timeouts."""
        return Transport.make_http(settings)

    def __repr__(self) -> str:
        return f"NemoClient(api_url={self.api_url!r})"

    async def __aenter__(self) -> NemoClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP client if this object created it."""
        await self.transport.aclose()

    # ----------------------------------------------------------------- identity

    async def anonymous_token(self, client_id: str | None) -> AnonymousToken:
        """Mint an anonymous token for a persisted client id (`X-Client-Id`).

        Raises MissingClientId (HTTP 400) and RateLimited (HTTP 429 after one retry).
        """
        headers = {"X-Client-Id": client_id} if client_id else {}
        data = await self.transport.call(
            "POST", "/api/auth/anonymous-token", "anonymous_token", None, headers=headers
        )
        return wire.parse_anonymous_token(data)

    async def create_session(self, creds: Credentials, language: str = "en") -> ProjectSession:
        """Create a project (task and session). Not retried on 5xx: it creates."""
        data = await self.transport.call(
            "POST",
            f"/api/tasks/me/with-session/{APP_NAME}",
            "create_session",
            creds,
            json_body={"task_name": "project", "language": language},
        )
        return wire.parse_project(data)

    async def claim_token(self, creds: Credentials, task_id: str, session_id: str) -> ClaimToken:
        """A claim token for the project's browser link (safe to repeat, so retried)."""
        data = await self.transport.call(
            "POST",
            "/api/auth/claim-token",
            "claim_token",
            creds,
            json_body={"task_id": task_id, "session_id": session_id},
            idempotent=True,
        )
        return wire.parse_claim(data)

    def claim_url(self, claim_token: ClaimToken | str) -> str:
        """The browser link that opens the project: `<web>/workspace/claim?ct=<token>`."""
        value = claim_token.claim_token if isinstance(claim_token, ClaimToken) else claim_token
        return f"{self.web_url}/workspace/claim?ct={quote(value, safe='')}"

    def registration_url(self, user_id: str) -> str:
        """The link an anonymous user registers with: `<web>/register?bind=<user_id>`."""
        return f"{self.web_url}/register?bind={quote(user_id, safe='')}"

    # -------------------------------------------------------------------- agent

    def run_sse(self, creds: Credentials, session_id: str, text: str) -> AgentStream:
        """Send one message to the agent and stream its events. Never retried."""
        return AgentStream(self.transport, creds, session_id, text)

    # ------------------------------------------------------------------ uploads

    async def upload_files(
        self, creds: Credentials, session_id: str, files: Sequence[UploadSource]
    ) -> UploadResult:
        """Upload local paths or `(name, byte source, size)` files in one multipart request.

        Files are streamed in chunks with an exact Content-Length; memory use does
        not depend on their size. Raises UnsupportedFile (4001), FileTooLarge (4002).
        A 429 is retried once only when every source can be read again (paths,
        bytes, factories); with a one-shot stream it raises RateLimited at once.
        """
        if not files:
            raise ValueError("upload_files needs at least one file")
        uploads = [coerce_upload(item, self._chunk_size) for item in files]
        body = multipart(uploads)
        headers = {"Content-Type": body.content_type, "Content-Length": str(body.content_length)}
        log.debug(
            "upload_files: %d file(s), %d bytes, session=%s",
            len(uploads),
            body.content_length,
            session_id,
        )
        settings = self.settings
        timeout = httpx.Timeout(
            connect=settings.nemo_connect_timeout,
            read=settings.nemo_upload_timeout,
            write=settings.nemo_upload_timeout,
            pool=settings.nemo_connect_timeout,
        )
        data = await self.transport.call(
            "POST",
            f"/api/upload-video/{APP_NAME}/me/{quote(session_id, safe='')}",
            "upload_files",
            creds,
            headers=headers,
            content=body.stream,
            replayable=body.replayable,
            request_timeout=timeout,
            deadline=settings.nemo_upload_timeout,
        )
        return wire.parse_upload_result(data)

    async def upload_urls(
        self, creds: Credentials, session_id: str, urls: Iterable[str]
    ) -> UploadResult:
        """Let NemoVideo fetch files from URLs itself (e.g. signed CDN links)."""
        url_list = [str(u) for u in urls]
        if not url_list:
            raise ValueError("upload_urls needs at least one URL")
        log.debug("upload_urls: %d URL(s), session=%s", len(url_list), session_id)
        data = await self.transport.call(
            "POST",
            f"/api/upload-video/{APP_NAME}/me/{quote(session_id, safe='')}",
            "upload_urls",
            creds,
            json_body={"urls": url_list, "source_type": "url"},
            request_timeout=self.settings.nemo_upload_timeout,
            deadline=self.settings.nemo_upload_timeout,
        )
        return wire.parse_upload_result(data)

    # ---------------------------------------------------------- credits, state

    async def credits(self, creds: Credentials) -> Credits:
        """The credit balance."""
        data = await self.transport.call(
            "GET", "/api/credits/balance/simple", "credits", creds, idempotent=True
        )
        return wire.parse_credits(data)

    async def state(self, creds: Credentials, session_id: str) -> SessionState:
        """The latest state of a session (draft and media)."""
        data = await self.transport.call(
            "GET",
            f"/api/state/{APP_NAME}/me/{quote(session_id, safe='')}/latest",
            "state",
            creds,
            idempotent=True,
        )
        return wire.parse_state(data, session_id)

    # ------------------------------------------------------------------ render

    async def submit_render(
        self,
        creds: Credentials,
        render_id: str,
        session_id: str,
        draft: Draft | Mapping[str, Any],
        output: Mapping[str, Any] | None = None,
    ) -> RenderStatus:
        """Start an export. Not retried on 5xx; DuplicateRenderId and ExportBlocked
        (HTTP 402) tell the caller what to do next."""
        body: dict[str, Any] = {
            "id": render_id,
            "sessionId": session_id,
            "draft": draft.raw if isinstance(draft, Draft) else dict(draft),
        }
        if output is not None:
            body["output"] = dict(output)
        data = await self.transport.call(
            "POST",
            "/api/render/proxy/lambda",
            "render_submit",
            creds,
            json_body=body,
            allow_bare=True,
        )
        return wire.parse_submit(data, render_id)

    async def poll_render(self, creds: Credentials, render_id: str) -> RenderStatus:
        """A render's status, from either documented shape.

        Raises RenderNotFound when the backend does not know the id.
        """
        try:
            data = await self.transport.call(
                "GET",
                f"/api/render/proxy/lambda/{quote(render_id, safe='')}",
                "render_poll",
                creds,
                idempotent=True,
                allow_bare=True,
            )
        except NemoError as exc:
            if type(exc) is NemoError and (
                exc.status == 404 or "not found" in (exc.message or "").lower()
            ):
                raise RenderNotFound(
                    exc.message or f"render {render_id} not found", code=exc.code, status=exc.status
                ) from None
            raise
        return parse_render_status(wire.as_dict(data, "render_poll"), render_id)

    async def cancel_render(self, creds: Credentials, render_id: str) -> None:
        """Cancel a render (safe to repeat, so retried)."""
        await self.transport.call(
            "POST",
            f"/api/render/proxy/lambda/{quote(render_id, safe='')}/cancel",
            "render_cancel",
            creds,
            idempotent=True,
            allow_bare=True,
        )

    async def download(
        self,
        creds: Credentials,
        render_id: str,
        url: str | None,
        dest_path: str | os.PathLike[str],
        on_progress: ProgressCallback | None = None,
    ) -> Path:
        """Stream a finished render to `dest_path`; returns the path.

        The output URL is tried first; if it is missing or fails, the file comes
        from `/api/render/proxy/<id>/download` with the bearer token. The bearer
        is sent to the output URL only when it is on the API's own host.
        """
        dest = Path(dest_path)
        chunk = self._chunk_size
        if url:
            bearer = creds if same_origin(url, self.api_url) else None
            try:
                return await download_to(
                    self.transport, url, dest, "output", bearer, on_progress,
                    retry=False, chunk_size=chunk,
                )
            except NemoError as exc:
                log.info("download: the output URL failed (%r); using the proxy", exc)
        proxy = f"{self.api_url}/api/render/proxy/{quote(render_id, safe='')}/download"
        return await download_to(
            self.transport, proxy, dest, "render_download", creds, on_progress,
            retry=True, chunk_size=chunk,
        )


if TYPE_CHECKING:

    def _conforms(client: NemoClient) -> NemoApi:
        return client
