"""The async NemoVideo client.

One `NemoClient` serves the whole process over one `httpx.AsyncClient`; the
token is passed with every call as `Credentials`, because one process serves
many chats with different tokens.

Rules the client keeps:

* the three attribution headers go on every request, the bearer token on every
  request but the anonymous-token one, and the token never reaches a URL, a log
  line, an exception message or a repr;
* HTTP 429 waits `Retry-After` (or `nemo_rate_limit_wait`) and retries once;
* HTTP 5xx and connection errors are retried with bounded exponential backoff,
  but only for requests that are safe to repeat (reads, claim, cancel, download);
* an agent call (`run_sse`) is never re-sent: it would do the work and charge twice.
"""

from __future__ import annotations

import asyncio
import email.utils
import inspect
import json
import logging
import math
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import httpx
from httpx_sse import EventSource
from pydantic import SecretStr

from core.nemo.draft import Draft
from core.nemo.errors import (
    CODE_ERRORS,
    DuplicateRenderId,
    ExportBlocked,
    MissingClientId,
    NemoConnectionError,
    NemoError,
    OutOfCredits,
    ProtocolError,
    RateLimited,
    RenderNotFound,
    ServerError,
    StreamInterrupted,
    StreamTimedOut,
    TokenExpired,
)
from core.nemo.events import AgentEvent, Heartbeat
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
from core.nemo.sse import parse_payload
from core.nemo.uploads import CHUNK_SIZE, UploadSource, coerce_upload, multipart
from core.settings import Settings

log = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
ProgressCallback = Callable[[int, int | None], Awaitable[None] | None]
"""Called with (bytes received so far, total bytes if known) while downloading."""

APP_NAME = "nemo_agent"
_MAX_MESSAGE = 300
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


class _RateLimitSignal(Exception):
    def __init__(self, retry_after: float):
        self.retry_after = retry_after


class _ServerSignal(Exception):
    def __init__(self, status: int):
        self.status = status


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` value (seconds or an HTTP date); None if unusable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


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
    progress = _clamp_progress(data.get("progress"))
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
        duration=_opt_float(duration),
        size=_opt_int(size),
        error=str(error)[:_MAX_MESSAGE] if error and status is RenderPhase.FAILED else None,
    )


def _clamp_progress(value: Any) -> int:
    number = _opt_float(value)
    if number is None or not math.isfinite(number):
        return 0
    return int(min(100.0, max(0.0, round(number))))


def _opt_float(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _opt_int(value: Any) -> int | None:
    number = _opt_float(value)
    return int(number) if number is not None and math.isfinite(number) else None


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _as_dict(data: Any, kind: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ProtocolError(f"NemoVideo answered {kind} without a data object")
    return data


def _required_str(data: Mapping[str, Any], key: str, kind: str) -> str:
    value = data.get(key)
    if value is None or value == "":
        raise ProtocolError(f"NemoVideo answered {kind} without {key!r}")
    return str(value)


def _is_success_code(code: Any) -> bool:
    return code in (0, "0", None)


def _code_number(code: Any) -> int | None:
    if isinstance(code, bool):
        return None
    try:
        return int(code)
    except (TypeError, ValueError):
        return None


def _looks_duplicate(message: str) -> bool:
    text = message.lower()
    return "duplicate" in text or "already exists" in text or "already used" in text


class AgentStream:
    """One agent call (`POST /run_sse`): an async context manager yielding typed events.

    ``async with client.run_sse(creds, sid, text) as events: async for e in events: ...``
    The connection is closed when the block exits, however it exits. Iterating
    without ``async with`` also works; the connection then closes when the stream
    ends or the iterator is closed.

    Raises (while opening or iterating) the client's typed errors, plus
    `StreamInterrupted` when the connection breaks mid-stream (never re-send: the
    agent may still be working) and `StreamTimedOut` when only heartbeats arrive
    for `nemo_heartbeat_timeout`, or the call exceeds `nemo_sse_timeout`.
    """

    def __init__(self, client: NemoClient, creds: Credentials, session_id: str, text: str):
        self._client = client
        self._creds = creds
        self._session_id = session_id
        self._text = text
        self._stack = AsyncExitStack()
        self._response: httpx.Response | None = None
        self._iterator: AsyncIterator[AgentEvent] | None = None
        self._started = 0.0
        self.closed = False

    def __repr__(self) -> str:
        return f"AgentStream(session_id={self._session_id!r}, closed={self.closed})"

    async def __aenter__(self) -> AgentStream:
        await self._open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __aiter__(self) -> AsyncIterator[AgentEvent]:
        if self._iterator is not None:
            raise RuntimeError("an agent stream can be iterated only once")
        self._iterator = self._events()
        return self._iterator

    async def aclose(self) -> None:
        """Stop reading and close the connection (idempotent)."""
        iterator, self._iterator = self._iterator, None
        if iterator is not None:
            aclose = getattr(iterator, "aclose", None)
            if aclose is not None:
                await aclose()
        await self._close_connection()

    async def _close_connection(self) -> None:
        if not self.closed:
            self.closed = True
            await self._stack.aclose()

    async def _open(self) -> None:
        if self._response is not None or self.closed:
            return
        client = self._client
        settings = client.settings
        body = {
            "app_name": APP_NAME,
            "user_id": "me",
            "session_id": self._session_id,
            "new_message": {"parts": [{"text": self._text}]},
        }
        headers = client._headers(
            self._creds, {"Accept": "text/event-stream", "Cache-Control": "no-store"}
        )
        timeout = httpx.Timeout(
            connect=settings.nemo_connect_timeout,
            read=None,  # heartbeat and total deadlines are enforced while iterating
            write=settings.nemo_read_timeout,
            pool=settings.nemo_connect_timeout,
        )
        loop = asyncio.get_running_loop()
        self._started = loop.time()
        log.debug("run_sse: POST /run_sse session=%s (%d chars)", self._session_id, len(self._text))
        try:
            response = await self._stack.enter_async_context(
                client.http.stream(
                    "POST", client.api_url + "/run_sse", json=body, headers=headers, timeout=timeout
                )
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            await self._close_connection()
            raise NemoConnectionError(
                f"could not reach NemoVideo for run_sse ({type(exc).__name__})"
            ) from exc
        except httpx.TransportError as exc:
            await self._close_connection()
            raise StreamInterrupted(
                f"the agent stream broke before it started ({type(exc).__name__}); "
                "the message may still be processed"
            ) from exc
        except BaseException:
            await self._close_connection()
            raise
        self._response = response
        content_type = response.headers.get("content-type", "").partition(";")[0].strip().lower()
        log.debug("run_sse: HTTP %d %s", response.status_code, content_type)
        if response.status_code == 200 and content_type == "text/event-stream":
            return
        try:
            await response.aread()
            if response.status_code == 429:
                wait = client._rate_limit_wait(response)
                raise RateLimited(
                    "NemoVideo is rate limiting run_sse", retry_after=wait, status=429
                )
            if response.status_code >= 500:
                raise ServerError(
                    f"NemoVideo answered HTTP {response.status_code} for run_sse",
                    status=response.status_code,
                )
            client._unwrap(response, "run_sse", self._creds)
            raise ProtocolError(
                f"NemoVideo answered run_sse with {content_type or 'no content type'}, "
                "not an event stream",
                status=response.status_code,
            )
        except httpx.TransportError as exc:
            raise StreamInterrupted(
                f"the agent stream broke ({type(exc).__name__})", status=response.status_code
            ) from exc
        finally:
            await self._close_connection()

    async def _events(self) -> AsyncIterator[AgentEvent]:
        await self._open()
        response = self._response
        if response is None or self.closed:
            return
        settings = self._client.settings
        loop = asyncio.get_running_loop()
        deadline = self._started + settings.nemo_sse_timeout
        last_progress = loop.time()
        source = EventSource(response).aiter_sse()
        count = 0
        try:
            while True:
                now = loop.time()
                quiet_left = last_progress + settings.nemo_heartbeat_timeout - now
                total_left = deadline - now
                if quiet_left <= 0:
                    raise StreamTimedOut(
                        f"the agent sent only heartbeats for {settings.nemo_heartbeat_timeout:g} s"
                    )
                if total_left <= 0:
                    raise StreamTimedOut(
                        f"the agent call ran longer than {settings.nemo_sse_timeout:g} s"
                    )
                try:
                    async with asyncio.timeout(min(quiet_left, total_left)):
                        sse = await anext(source)
                except StopAsyncIteration:
                    log.debug("run_sse: stream closed after %d events", count)
                    return
                except TimeoutError:
                    if quiet_left <= total_left:
                        raise StreamTimedOut(
                            "the agent sent only heartbeats (or nothing) for "
                            f"{settings.nemo_heartbeat_timeout:g} s"
                        ) from None
                    raise StreamTimedOut(
                        f"the agent call ran longer than {settings.nemo_sse_timeout:g} s"
                    ) from None
                except httpx.TransportError as exc:
                    raise StreamInterrupted(
                        f"the agent stream broke after {count} events ({type(exc).__name__}); "
                        "the message may still be processed: do not send it again"
                    ) from exc
                count += 1
                for event in parse_payload(sse.data):
                    if not isinstance(event, Heartbeat):
                        last_progress = loop.time()
                    log.debug("run_sse: event %s", type(event).__name__)
                    yield event
        finally:
            await source.aclose()
            await self._close_connection()


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
        max_rate_limit_wait: float = 300.0,
    ) -> None:
        self.settings = settings
        self.api_url = settings.api_url
        self.web_url = settings.web_url
        self._owns_http = http is None
        self.http = http if http is not None else self.make_http(settings)
        self._sleep = sleep
        self._chunk_size = chunk_size
        self._max_rate_limit_wait = max_rate_limit_wait

    @staticmethod
    def make_http(settings: Settings) -> httpx.AsyncClient:
        """The process's HTTP client with the configured timeouts."""
        timeout = httpx.Timeout(
            connect=settings.nemo_connect_timeout,
            read=settings.nemo_read_timeout,
            write=settings.nemo_read_timeout,
            pool=settings.nemo_connect_timeout,
        )
        return httpx.AsyncClient(timeout=timeout, follow_redirects=True)

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
        if self._owns_http:
            await self.http.aclose()

    # ----------------------------------------------------------------- identity

    async def anonymous_token(self, client_id: str | None) -> AnonymousToken:
        """Mint an anonymous token for a persisted client id (`X-Client-Id`).

        Raises MissingClientId (HTTP 400) and RateLimited (HTTP 429 after one retry).
        """
        headers = {"X-Client-Id": client_id} if client_id else {}
        data = _as_dict(
            await self._call(
                "POST", "/api/auth/anonymous-token", "anonymous_token", None, headers=headers
            ),
            "anonymous_token",
        )
        token = _required_str(data, "token", "anonymous_token")
        return AnonymousToken(
            credentials=Credentials(SecretStr(token), _opt_str(data.get("user_id"))),
            expires_at=_opt_str(data.get("expires_at")),
            credits=_opt_int(data.get("credits")),
        )

    async def create_session(self, creds: Credentials, language: str = "en") -> ProjectSession:
        """Create a project (task and session). Not retried on 5xx: it creates."""
        data = _as_dict(
            await self._call(
                "POST",
                f"/api/tasks/me/with-session/{APP_NAME}",
                "create_session",
                creds,
                json_body={"task_name": "project", "language": language},
            ),
            "create_session",
        )
        return ProjectSession(
            task_id=_required_str(data, "task_id", "create_session"),
            session_id=_required_str(data, "session_id", "create_session"),
            user_id=_opt_str(data.get("user_id")),
        )

    async def claim_token(self, creds: Credentials, task_id: str, session_id: str) -> ClaimToken:
        """A claim token for the project's browser link (safe to repeat, so retried)."""
        data = _as_dict(
            await self._call(
                "POST",
                "/api/auth/claim-token",
                "claim_token",
                creds,
                json_body={"task_id": task_id, "session_id": session_id},
                idempotent=True,
            ),
            "claim_token",
        )
        return ClaimToken(
            claim_token=_required_str(data, "claim_token", "claim_token"),
            expires_in=_opt_int(data.get("expires_in")),
        )

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
        return AgentStream(self, creds, session_id, text)

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
        data = await self._call(
            "POST",
            f"/api/upload-video/{APP_NAME}/me/{quote(session_id, safe='')}",
            "upload_files",
            creds,
            headers=headers,
            content=body.stream,
            replayable=body.replayable,
            request_timeout=timeout,
        )
        return self._upload_result(data)

    async def upload_urls(
        self, creds: Credentials, session_id: str, urls: Iterable[str]
    ) -> UploadResult:
        """Let NemoVideo fetch files from URLs itself (e.g. signed CDN links)."""
        url_list = [str(u) for u in urls]
        if not url_list:
            raise ValueError("upload_urls needs at least one URL")
        log.debug("upload_urls: %d URL(s), session=%s", len(url_list), session_id)
        data = await self._call(
            "POST",
            f"/api/upload-video/{APP_NAME}/me/{quote(session_id, safe='')}",
            "upload_urls",
            creds,
            json_body={"urls": url_list, "source_type": "url"},
            request_timeout=self.settings.nemo_upload_timeout,
        )
        return self._upload_result(data)

    @staticmethod
    def _upload_result(data: Any) -> UploadResult:
        payload = _as_dict(data, "upload")
        items = payload.get("files")
        if not isinstance(items, list):
            raise ProtocolError("NemoVideo answered an upload without a file list")
        files = tuple(
            UploadedFile(
                filename=str(item.get("filename") or item.get("name") or ""),
                file_type=str(item.get("file_type") or item.get("type") or ""),
                cdn_url=_opt_str(item.get("cdn_url")),
                duration=_opt_float(item.get("duration")),
                width=_opt_int(item.get("width")),
                height=_opt_int(item.get("height")),
                fps=_opt_float(item.get("fps")),
                hash=_opt_str(item.get("hash")),
            )
            for item in items
            if isinstance(item, dict)
        )
        return UploadResult(files, bool(payload.get("session_state_applied")))

    # ---------------------------------------------------------- credits, state

    async def credits(self, creds: Credentials) -> Credits:
        """The credit balance."""
        data = _as_dict(
            await self._call(
                "GET", "/api/credits/balance/simple", "credits", creds, idempotent=True
            ),
            "credits",
        )
        available = _opt_int(data.get("available")) or 0
        frozen = _opt_int(data.get("frozen")) or 0
        total = _opt_int(data.get("total"))
        return Credits(available, frozen, available + frozen if total is None else total)

    async def state(self, creds: Credentials, session_id: str) -> SessionState:
        """The latest state of a session (draft and media)."""
        data = _as_dict(
            await self._call(
                "GET",
                f"/api/state/{APP_NAME}/me/{quote(session_id, safe='')}/latest",
                "state",
                creds,
                idempotent=True,
            ),
            "state",
        )
        state = data.get("state")
        if isinstance(state, str):
            state = self._json_text(state)
        draft = state.get("draft") if isinstance(state, dict) else None
        if isinstance(draft, str):
            draft = self._json_text(draft)
        return SessionState(
            session_id=_opt_str(data.get("session_id")) or session_id,
            task_id=_opt_str(data.get("task_id")),
            draft=Draft.from_raw(draft if isinstance(draft, dict) else None),
            raw=data,
        )

    @staticmethod
    def _json_text(text: str) -> Any:
        try:
            return json.loads(text)
        except ValueError:
            return None

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
        data = await self._call(
            "POST",
            "/api/render/proxy/lambda",
            "render_submit",
            creds,
            json_body=body,
            allow_bare=True,
        )
        if isinstance(data, dict) and any(k in data for k in ("status", "state")):
            return parse_render_status(data, render_id)
        return RenderStatus(render_id=render_id, status=RenderPhase.PENDING)

    async def poll_render(self, creds: Credentials, render_id: str) -> RenderStatus:
        """A render's status, from either documented shape.

        Raises RenderNotFound when the backend does not know the id.
        """
        try:
            data = await self._call(
                "GET",
                f"/api/render/proxy/lambda/{quote(render_id, safe='')}",
                "render_poll",
                creds,
                idempotent=True,
                allow_bare=True,
            )
        except NemoError as exc:
            if type(exc) is NemoError and (
                    exc.status == 404 or "not found" in (exc.message or "").lower()):
                raise RenderNotFound(exc.message or f"render {render_id} not found",
                                     code=exc.code, status=exc.status) from None
            raise
        return parse_render_status(_as_dict(data, "render_poll"), render_id)

    async def cancel_render(self, creds: Credentials, render_id: str) -> None:
        """Cancel a render (safe to repeat, so retried)."""
        await self._call(
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
        if url:
            same_origin = _origin(url) == _origin(self.api_url)
            try:
                return await self._download(
                    url, dest, "output", creds if same_origin else None, on_progress, retry=False
                )
            except NemoError as exc:
                log.info("download: output URL failed (%s); using the proxy", type(exc).__name__)
        proxy = f"{self.api_url}/api/render/proxy/{quote(render_id, safe='')}/download"
        return await self._download(proxy, dest, "render_download", creds, on_progress, retry=True)

    async def _download(
        self,
        url: str,
        dest: Path,
        kind: str,
        creds: Credentials | None,
        on_progress: ProgressCallback | None,
        *,
        retry: bool,
    ) -> Path:
        partial = dest.with_name(dest.name + ".part")

        async def attempt() -> Path:
            headers = self._headers(creds)
            async with self.http.stream(
                "GET", url, headers=headers, follow_redirects=True
            ) as response:
                log.debug("%s: GET %s -> HTTP %d", kind, _safe_url(url), response.status_code)
                if response.status_code != 200:
                    await response.aread()
                    self._check_status(response, kind)
                    self._unwrap(response, kind, creds or _NO_CREDS)
                    raise ProtocolError(
                        f"NemoVideo answered {kind} with HTTP {response.status_code} and no file",
                        status=response.status_code,
                    )
                ctype = response.headers.get("content-type", "").partition(";")[0].strip().lower()
                if ctype == "application/json":
                    await response.aread()
                    self._unwrap(response, kind, creds or _NO_CREDS)
                    raise ProtocolError(f"NemoVideo answered {kind} with JSON, not a file")
                total = _opt_int(response.headers.get("content-length"))
                received = 0
                # Opening, closing, renaming and unlinking stay on the loop thread so a
                # cancellation can never leave a half-written file behind; only the
                # (large) writes go to a worker thread.
                with partial.open("wb") as handle:
                    async for chunk in response.aiter_bytes(self._chunk_size):
                        await asyncio.to_thread(handle.write, chunk)
                        received += len(chunk)
                        if on_progress is not None:
                            outcome = on_progress(received, total)
                            if inspect.isawaitable(outcome):
                                await outcome
                if total is not None and received != total:
                    raise httpx.RemoteProtocolError("download ended early")
            os.replace(partial, dest)
            log.debug("%s: saved %d bytes", kind, received)
            return dest

        try:
            return await self._retrying(kind, attempt, idempotent=retry)
        finally:
            partial.unlink(missing_ok=True)

    # --------------------------------------------------------------- plumbing

    def _headers(
        self, creds: Credentials | None, extra: Mapping[str, str] | None = None
    ) -> dict[str, str]:
        headers = dict(self.settings.attribution_headers)
        if creds is not None and creds is not _NO_CREDS:
            headers["Authorization"] = f"Bearer {creds.token.get_secret_value()}"
        if extra:
            headers.update(extra)
        return headers

    async def _call(
        self,
        method: str,
        path: str,
        kind: str,
        creds: Credentials | None,
        *,
        json_body: Any = None,
        content: Callable[[], AsyncIterator[bytes]] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool = False,
        replayable: bool = True,
        allow_bare: bool = False,
        request_timeout: float | httpx.Timeout | None = None,
    ) -> Any:
        """One API call with the retry rules; returns the envelope's `data`."""
        url = self.api_url + path

        async def attempt() -> Any:
            request_headers = self._headers(creds, headers)
            response = await self.http.request(
                method,
                url,
                headers=request_headers,
                json=json_body,
                content=content() if content is not None else None,
                timeout=request_timeout
                if request_timeout is not None
                else httpx.USE_CLIENT_DEFAULT,
            )
            log.debug("%s: %s %s -> HTTP %d", kind, method, path, response.status_code)
            self._check_status(response, kind)
            return self._unwrap(response, kind, creds or _NO_CREDS, allow_bare=allow_bare)

        return await self._retrying(kind, attempt, idempotent=idempotent, replayable=replayable)

    def _rate_limit_wait(self, response: httpx.Response) -> float:
        wait = parse_retry_after(response.headers.get("retry-after"))
        if wait is None:
            body = self._json_body(response)
            if isinstance(body, dict):
                for key in ("retry_after", "retryAfter"):
                    wait = _opt_float(body.get(key))
                    if wait is not None and wait >= 0:
                        break
                else:
                    wait = None
        return self.settings.nemo_rate_limit_wait if wait is None else wait

    def _check_status(self, response: httpx.Response, kind: str) -> None:
        status = response.status_code
        if status == 429:
            raise _RateLimitSignal(self._rate_limit_wait(response))
        if status >= 500:
            raise _ServerSignal(status)

    async def _retrying(
        self,
        kind: str,
        attempt: Callable[[], Awaitable[T]],
        *,
        idempotent: bool,
        replayable: bool = True,
    ) -> T:
        settings = self.settings
        failures = 0
        rate_limited = False
        while True:
            try:
                return await attempt()
            except _RateLimitSignal as signal:
                wait = signal.retry_after
                if rate_limited or not replayable or wait > self._max_rate_limit_wait:
                    raise RateLimited(
                        f"NemoVideo is rate limiting {kind}", retry_after=wait, status=429
                    ) from None
                rate_limited = True
                log.warning("%s: rate limited; retrying once in %.1f s", kind, wait)
                await self._sleep(wait)
            except _ServerSignal as signal:
                if not idempotent or failures >= settings.nemo_retry_attempts:
                    raise ServerError(
                        f"NemoVideo answered HTTP {signal.status} for {kind}", status=signal.status
                    ) from None
                await self._backoff(kind, failures, f"HTTP {signal.status}")
                failures += 1
            except httpx.TransportError as exc:
                if not idempotent or failures >= settings.nemo_retry_attempts:
                    raise NemoConnectionError(
                        f"could not reach NemoVideo for {kind} ({type(exc).__name__})"
                    ) from exc
                await self._backoff(kind, failures, type(exc).__name__)
                failures += 1

    async def _backoff(self, kind: str, failures: int, reason: str) -> None:
        settings = self.settings
        delay = min(settings.nemo_retry_backoff * (2**failures), settings.nemo_retry_backoff_max)
        log.warning("%s: %s; retry %d in %.2f s", kind, reason, failures + 1, delay)
        await self._sleep(delay)

    @staticmethod
    def _json_body(response: httpx.Response) -> Any:
        if not response.content:
            return None
        try:
            return json.loads(response.content)
        except ValueError:
            return None

    def _unwrap(
        self, response: httpx.Response, kind: str, creds: Credentials, *, allow_bare: bool = False
    ) -> Any:
        """The `data` of a successful envelope, or the typed error the response means."""
        status = response.status_code
        body = self._json_body(response)
        envelope = body if isinstance(body, dict) else {}
        message = self._message(envelope, creds)
        if status == 402:
            raise ExportBlocked(message or "export is blocked by the plan (HTTP 402)", status=402)
        error = self._envelope_error(envelope, status, creds, message)
        if error is not None and type(error) is not NemoError:
            raise error
        # No documented code in the body: the HTTP status decides.
        if status == 400 and kind == "anonymous_token":
            raise MissingClientId(message or "the request had no X-Client-Id", status=400)
        if status == 401:
            raise TokenExpired(message or "the token was refused (HTTP 401)", status=401)
        if status == 409 and kind == "render_submit":
            raise DuplicateRenderId(message or "the render id is already used", status=409)
        if error is not None:
            raise error
        if status >= 400:
            text = message or f"NemoVideo answered HTTP {status} for {kind}"
            raise NemoError(text, status=status)
        if body is None:
            ctype = response.headers.get("content-type", "unknown type").partition(";")[0]
            raise ProtocolError(
                f"NemoVideo answered {kind} with a non-JSON body "
                f"(HTTP {status}, {ctype}, {len(response.content)} bytes)",
                status=status,
            )
        if not isinstance(body, dict):
            raise ProtocolError(f"NemoVideo answered {kind} with a JSON {type(body).__name__}")
        if "code" in body or "success" in body:
            data = body.get("data")
            if data is None and allow_bare:
                return body
            return data
        if allow_bare:
            return body
        raise ProtocolError(
            f"NemoVideo answered {kind} without an envelope (keys: {', '.join(sorted(body)[:8])})",
            status=status,
        )

    def _envelope_error(
        self, body: Mapping[str, Any], status: int, creds: Credentials, message: str
    ) -> NemoError | None:
        code: Any = None
        if "code" in body and not _is_success_code(body.get("code")):
            code = body.get("code")
        elif body.get("success") is False:
            error = body.get("error")
            code = error.get("code") if isinstance(error, dict) else body.get("code")
            if _is_success_code(code):
                code = None
            if code is None:
                if _looks_duplicate(message):
                    return DuplicateRenderId(message, status=status)
                return NemoError(message or "NemoVideo reported a failure", status=status)
        else:
            return None
        number = _code_number(code)
        cls = CODE_ERRORS.get(number) if number is not None else None
        if cls is OutOfCredits:
            return OutOfCredits(message, user_id=creds.user_id, code=number, status=status)
        if cls is not None:
            return cls(message, status=status)
        if _looks_duplicate(message) or str(code).lower() in {"duplicate", "duplicate_id"}:
            return DuplicateRenderId(message, code=number, status=status)
        return NemoError(message or f"NemoVideo error {code}", code=number, status=status)

    @staticmethod
    def _message(body: Mapping[str, Any], creds: Credentials) -> str:
        """The server's own message, shortened, with the token masked just in case."""
        raw: Any = body.get("message") or body.get("msg")
        error = body.get("error")
        if not raw and isinstance(error, dict):
            raw = error.get("message") or error.get("error")
        elif not raw and isinstance(error, str):
            raw = error
        if not raw or not isinstance(raw, str | int | float):
            return ""
        text = str(raw)[:_MAX_MESSAGE]
        if creds is not _NO_CREDS:
            secret = creds.token.get_secret_value()
            if secret:
                text = text.replace(secret, "***")
        return text


_NO_CREDS = Credentials(SecretStr(""))


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return (parts.scheme, parts.hostname or "", parts.port)


def _safe_url(url: str) -> str:
    """The URL without its query string (signed links carry secrets there)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"
