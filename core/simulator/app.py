"""The backend's API and file URLs: routes, the logging/fault middleware, handlers."""

from __future__ import annotations

import asyncio
import math
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from aiohttp import web

from core.simulator import drafts
from core.simulator.agent import TurnFaults
from core.simulator.errors import (
    BAD_DRAFT,
    DUPLICATE_RENDER,
    NO_CREDITS,
    RENDER_KINDS,
    RENDER_NOT_FOUND,
    RENDER_NOT_READY,
    SESSION_NOT_FOUND,
    TOKEN_INVALID,
    ApiError,
    bad_request,
)
from core.simulator.faults import ANSWER_FAULTS, Fault
from core.simulator.media import MEDIA_TYPES, Probe, extension, file_type_of, probe
from core.simulator.state import (
    MediaFile,
    RenderJob,
    Session,
    Token,
    User,
    iso,
    new_session_id,
)
from core.simulator.stream import Encoder, Event, frame_bytes
from core.simulator.uploads import (
    Received,
    receive_parts,
    receive_urls,
    unreadable_file,
)
from core.simulator.uploads import delete as delete_received
from core.simulator.wire_faults import WireFaults

if TYPE_CHECKING:
    from core.simulator.server import Simulator

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

ATTRIBUTION_HEADERS = ("X-Skill-Source", "X-Skill-Version", "X-Skill-Platform")
CLAIM_TTL = 604800
_RENDER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")
_REDACTED = ("authorization", "cookie", "proxy-authorization")


class LoggedHeaders(dict[str, str]):
    """Headers as a client sent them; lookups ignore case, as HTTP does."""

    def _key(self, key: str) -> str:
        if super().__contains__(key):
            return key
        lower = key.lower()
        return next((k for k in self if k.lower() == lower), key)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(self._key(key))

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(self._key(key))

    def get(self, key: str, default: Any = None) -> Any:
        """The header's value, whatever the case of `key`."""
        return super().get(self._key(key), default)


def redact(headers: Any) -> LoggedHeaders:
    """Request headers with credentials replaced."""
    found = LoggedHeaders()
    for key, value in headers.items():
        if key.lower() in _REDACTED:
            scheme = value.split(" ", 1)[0] if " " in value else ""
            found[key] = f"{scheme} <redacted>".strip()
        else:
            found[key] = value
    return found


async def _json_body(request: web.Request, *, optional: bool = False) -> dict[str, Any]:
    if optional and not await request.read():
        return {}
    try:
        body = await request.json()
    except ValueError:
        raise bad_request("the body must be JSON") from None
    if not isinstance(body, dict):
        raise bad_request("the body must be a JSON object")
    return body


def ok(data: Any) -> web.Response:
    """A success in the `{"code": 0, "data": ...}` envelope."""
    return web.json_response({"code": 0, "data": data})


class Api:
    """Request handlers. Everything they touch lives on the simulator."""

    def __init__(self, sim: Simulator):
        self.sim = sim

    # -- plumbing -----------------------------------------------------------------

    def routes(self, app: web.Application) -> None:
        """Register every route; a route's name starts with its request-log kind."""
        r = app.router
        r.add_post("/api/auth/anonymous-token", self.anonymous_token, name="anonymous_token")
        r.add_post("/api/auth/claim-token", self.claim_token, name="claim_token")
        r.add_post(
            "/api/tasks/me/with-session/nemo_agent", self.create_session, name="create_session"
        )
        r.add_post("/run_sse", self.run_sse, name="run_sse")
        r.add_post("/api/upload-video/nemo_agent/me/{sid}", self.upload, name="upload")
        r.add_get("/api/credits/balance/simple", self.credits, name="credits")
        r.add_get("/api/state/nemo_agent/me/{sid}/latest", self.state, name="state")
        r.add_post("/api/render/proxy/lambda", self.render_submit, name="render_submit")
        r.add_get("/api/render/proxy/lambda/{rid}", self.render_poll, name="render_poll")
        r.add_post(
            "/api/render/proxy/lambda/{rid}/cancel", self.render_cancel, name="render_cancel"
        )
        r.add_get("/api/render/proxy/{rid}/download", self.render_download, name="render_download")
        r.add_get("/outputs/{name}", self.output, name="output")
        r.add_get("/cdn/gen/{name}", self.generated_file, name="media.gen")
        r.add_get("/cdn/{mid}/{name}", self.media_file, name="media")

    @staticmethod
    def kind_of(request: web.Request) -> str:
        """The request-log kind of a request."""
        name = request.match_info.route.resource.name if request.match_info.route.resource else None
        if not name:
            return "other"
        kind = name.split(".")[0]
        if kind == "upload":
            return (
                "upload_files" if request.content_type.startswith("multipart/") else "upload_urls"
            )
        return kind

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Log the request, apply a queued fault, turn ApiError into its answer."""
        if request.path.startswith("/_sim/"):
            return await handler(request)
        kind = self.kind_of(request)
        record: dict[str, Any] = {
            "method": request.method,
            "path": request.path,
            "headers": redact(request.headers),
            "kind": kind,
            "status": None,
        }
        self.sim.requests.append(record)
        wrapped = kind in RENDER_KINDS and self.sim.config.poll_shape == "wrapped"
        try:
            fault = self.sim.faults.take(kind, request.path, ANSWER_FAULTS)
            if fault is not None:
                record["fault"] = fault.name
                await self._answer_fault(request, fault)
            response = await handler(request)
        except ApiError as exc:
            response = exc.response(
                http_status_for_codes=self.sim.config.error_http_status, wrapped=wrapped
            )
        except web.HTTPException as exc:
            record["status"] = exc.status
            raise
        except Exception:
            record["status"] = 500
            raise
        record["status"] = response.status
        if request.method != "GET":
            self.sim.touch()
        return response

    async def _answer_fault(self, request: web.Request, fault: Fault) -> None:
        """Raise the ApiError a queued answer fault stands for."""
        name = fault.name
        if name == "token_expired":
            raise ApiError(TOKEN_INVALID, "Token expired")
        if name == "session_lost":
            sid = request.match_info.get("sid")
            if sid is None and request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    body = {}
                if isinstance(body, dict):
                    sid = body.get("session_id") or body.get("sessionId")
            if isinstance(sid, str):
                self.sim.store.sessions.pop(sid, None)
            raise ApiError(SESSION_NOT_FOUND, "Session not found")
        if name == "no_credits":
            raise ApiError(NO_CREDITS, "Insufficient credits")
        if name == "export_blocked":
            raise ApiError(402, "Export is not available on your plan", http=402)
        if name == "duplicate_id":
            raise ApiError(DUPLICATE_RENDER, "Render id already exists")
        if name == "rate_limit":
            retry = fault.param("retry_after")
            headers = {} if retry is None else {"Retry-After": str(retry)}
            raise ApiError(429, "Too many requests", http=429, headers=headers)
        status = fault.param("status")
        status = status if isinstance(status, int) and 400 <= status <= 599 else 503
        raise ApiError(status, "Service temporarily unavailable", http=status)

    def _auth(self, request: web.Request) -> tuple[Token | None, User]:
        """The user behind the bearer token; 1001 when it is missing, unknown or expired."""
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        value = value.strip()
        if scheme.lower() != "bearer" or not value:
            raise ApiError(TOKEN_INVALID, "Missing or invalid token")
        if value in self.sim.config.operator_tokens:
            return None, self.sim.store.operator_user()
        token = self.sim.store.tokens.get(value)
        if token is None:
            raise ApiError(TOKEN_INVALID, "Invalid token")
        if token.expired(time.time()):
            raise ApiError(TOKEN_INVALID, "Token expired")
        return token, self.sim.store.users[token.user_id]

    def _session(self, session_id: Any, user: User) -> Session:
        session = self.sim.store.sessions.get(session_id) if isinstance(session_id, str) else None
        if session is None or session.user_id != user.user_id:
            raise ApiError(SESSION_NOT_FOUND, "Session not found")
        return session

    # -- identity and sessions ----------------------------------------------------

    async def anonymous_token(self, request: web.Request) -> web.Response:
        """`POST /api/auth/anonymous-token`."""
        client_id = request.headers.get("X-Client-Id", "").strip()
        if not client_id or len(client_id) > 200:
            raise bad_request("X-Client-Id header is required")
        config = self.sim.config
        store = self.sim.store
        wait = store.anonymous_limit(
            client_id,
            request.remote or "unknown",
            per_client=config.anon_per_client_limit,
            per_ip=config.anon_per_ip_limit,
            window=config.anon_window,
        )
        if wait is not None:
            raise ApiError(
                429,
                "Too many anonymous tokens",
                http=429,
                headers={"Retry-After": str(math.ceil(wait))},
            )
        token = store.issue_anonymous(
            client_id,
            request.remote or "unknown",
            ttl=config.token_ttl,
            credits=config.initial_credits,
        )
        user = store.users[token.user_id]
        return ok(
            {
                "token": token.value,
                "user_id": user.user_id,
                "expires_at": iso(token.expires_at or 0),
                "credits": user.available,
            }
        )

    async def create_session(self, request: web.Request) -> web.Response:
        """`POST /api/tasks/me/with-session/nemo_agent`."""
        _, user = self._auth(request)
        body = await _json_body(request, optional=True)
        task_name = body.get("task_name") or "project"
        language = body.get("language") or "en"
        if not isinstance(task_name, str) or not isinstance(language, str):
            raise bad_request("task_name and language must be strings")
        config = self.sim.config
        width, height = config.render_width, config.render_height
        session = Session(
            session_id=new_session_id(),
            task_id=f"task_{secrets.token_hex(10)}",
            task_name=task_name[:200],
            language=language[:20],
            user_id=user.user_id,
            draft=drafts.empty(task_name[:200], width, height),
            canvas={
                "width": width,
                "height": height,
                "fps": 25,
                "ratio": _ratio(width, height),
                "background": "#000000",
            },
        )
        self.sim.store.sessions[session.session_id] = session
        return ok(
            {"task_id": session.task_id, "session_id": session.session_id, "user_id": user.user_id}
        )

    async def claim_token(self, request: web.Request) -> web.Response:
        """`POST /api/auth/claim-token`."""
        _, user = self._auth(request)
        body = await _json_body(request)
        session = self._session(body.get("session_id"), user)
        if body.get("task_id") != session.task_id:
            raise ApiError(SESSION_NOT_FOUND, "Task not found for this session")
        claim = f"clm_{secrets.token_urlsafe(24)}"
        self.sim.store.claims[claim] = (session.session_id, session.task_id)
        return ok({"claim_token": claim, "expires_in": CLAIM_TTL})

    async def credits(self, request: web.Request) -> web.Response:
        """`GET /api/credits/balance/simple`."""
        _, user = self._auth(request)
        return ok({"available": user.available, "frozen": user.frozen, "total": user.total})

    async def state(self, request: web.Request) -> web.Response:
        """`GET /api/state/nemo_agent/me/<sid>/latest`."""
        _, user = self._auth(request)
        session = self._session(request.match_info["sid"], user)
        return ok(
            {
                "session_id": session.session_id,
                "task_id": session.task_id,
                "task_name": session.task_name,
                "user_id": user.user_id,
                "state": session.state(),
            }
        )

    # -- the agent ------------------------------------------------------------------

    async def run_sse(self, request: web.Request) -> web.StreamResponse:
        """`POST /run_sse`: stream one agent turn."""
        _, user = self._auth(request)
        body = await _json_body(request)
        if body.get("app_name") != "nemo_agent" or not isinstance(body.get("user_id"), str):
            raise bad_request("app_name must be 'nemo_agent' and user_id is required")
        session = self._session(body.get("session_id"), user)
        message = body.get("new_message")
        parts = message.get("parts") if isinstance(message, dict) else None
        if not isinstance(parts, list):
            raise bad_request("new_message.parts is required")
        text = "\n".join(
            p["text"] for p in parts if isinstance(p, dict) and isinstance(p.get("text"), str)
        ).strip()
        if not text:
            raise bad_request("the message has no text")
        sim = self.sim
        plan = sim.agent.plan(session, text)
        if plan.cost and not user.reserve(plan.cost):
            raise ApiError(NO_CREDITS, "Insufficient credits")
        if plan.charges_edit:
            session.edit_charged = True

        take = sim.faults.take
        path = request.path
        cut = take("run_sse", path, ("sse_cut",))
        stall = take("run_sse", path, ("sse_stall",))
        error = take("run_sse", path, ("sse_error",))
        trailing = take("run_sse", path, ("sse_trailing_issue",))
        wire = WireFaults.take(take, path)
        faults = TurnFaults(
            stall=float(stall.param("seconds")) if stall else None,
            error=str(error.param("message")) if error else None,
            trailing_issue=trailing is not None,
        )

        queue: asyncio.Queue[Event | None] = asyncio.Queue()

        async def turn() -> None:
            try:
                await sim.agent.execute(session, user, plan, queue.put_nowait, faults)
            finally:
                queue.put_nowait(None)

        sim.spawn(turn())

        await wire.before_headers()
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-cache",
                "X-Accel-Buffering": "no",
            }
        )
        await response.prepare(request)
        encoder = Encoder(sim.config.sse_shape)
        await wire.after_headers(response, encoder)
        cut_after = int(cut.param("after_events")) if cut else None
        written = 0
        try:
            while True:
                interval = sim.config.heartbeat_interval
                try:
                    event = await asyncio.wait_for(queue.get(), interval if interval > 0 else None)
                except TimeoutError:
                    frame = None if sim.config.heartbeat_empty else encoder.heartbeat()
                else:
                    if event is None:
                        break
                    frame = encoder.encode(event)
                    if frame is None:
                        continue
                await wire.pace()
                await response.write(frame_bytes(frame))
                written += 1
                if cut_after is not None and written >= cut_after:
                    # Close without finishing the chunked body: the client sees a broken
                    # stream. The turn goes on and still edits the draft.
                    if request.transport is not None:
                        request.transport.abort()
                    return response
            await response.write_eof()
        except ConnectionError:
            pass  # the client went away; the turn still finishes
        return response

    # -- uploads --------------------------------------------------------------------

    async def upload(self, request: web.Request) -> web.Response:
        """`POST /api/upload-video/nemo_agent/me/<sid>`: multipart files or JSON URLs."""
        _, user = self._auth(request)
        session = self._session(request.match_info["sid"], user)
        limit = self.sim.config.max_upload_bytes
        if request.content_type.startswith("multipart/"):
            received = await receive_parts(request, self.sim.media_dir, limit)
        elif request.content_type == "application/json":
            body = await _json_body(request)
            received = await receive_urls(body, self.sim.http, self.sim.media_dir, limit)
        else:
            raise bad_request("send multipart files or JSON {urls: [...]}")
        probes = [await probe(item.path, file_type_of(item.filename) or "video")
                  for item in received]
        unreadable = [item.filename for item, info in zip(received, probes, strict=True)
                      if not info.readable]
        if unreadable:
            # All or nothing, as for a refused type: nothing of the request is kept.
            await delete_received(received)
            raise unreadable_file(unreadable)
        files = [self._store_media(session, item, info)
                 for item, info in zip(received, probes, strict=True)]
        return ok({"files": [f.info() for f in files], "session_state_applied": True})

    def _store_media(self, session: Session, item: Received, info: Probe) -> MediaFile:
        file_type = file_type_of(item.filename) or "video"
        media = MediaFile(
            media_id=item.media_id,
            filename=item.filename,
            file_type=file_type,
            path=item.path,
            url=self.sim.url_for(f"/cdn/{item.media_id}/{quote(item.filename, safe='')}"),
            size=item.size,
            hash=item.hash,
            duration=info.duration,
            width=info.width,
            height=info.height,
            fps=info.fps,
            has_video=info.has_video,
            has_audio=info.has_audio,
        )
        self.sim.store.media[item.media_id] = media
        session.media.append(media)
        session.analyses.append(_analysis(media))
        return media

    # -- renders --------------------------------------------------------------------

    async def render_submit(self, request: web.Request) -> web.Response:
        """`POST /api/render/proxy/lambda`: queue an export."""
        token, user = self._auth(request)
        missing = [h for h in ATTRIBUTION_HEADERS if not request.headers.get(h, "").strip()]
        if missing:
            raise ApiError(402, f"Export blocked: missing {', '.join(missing)}", http=402)
        # Anonymous tokens have no `render` scope; whether that blocks export is a setting.
        if (
            token is not None
            and "render" not in token.scopes
            and not self.sim.config.anon_can_export
        ):
            raise ApiError(402, "Export is not available on the free plan", http=402)
        body = await _json_body(request)
        render_id = body.get("id")
        if not isinstance(render_id, str) or not _RENDER_ID.fullmatch(render_id):
            raise bad_request("id must be a string of letters, digits, '_', '-', '.' or ':'")
        session = self._session(body.get("sessionId"), user)
        draft = body.get("draft")
        store = self.sim.store
        if render_id in store.renders:
            raise ApiError(DUPLICATE_RENDER, "Render id already exists")
        if not isinstance(draft, dict) or not any(
            isinstance(t, dict) and t.get("sg") for t in draft.get("t") or []
        ):
            raise ApiError(BAD_DRAFT, "The draft has nothing to render")
        output = body.get("output")
        quality = str(output.get("quality") or "high") if isinstance(output, dict) else "high"
        slow = self.sim.faults.take("render_submit", request.path, ("render_slow",))
        fail = self.sim.faults.take("render_submit", request.path, ("render_fail",))
        job = RenderJob(
            render_id=render_id,
            user_id=user.user_id,
            session_id=session.session_id,
            draft=draft,
            quality=quality,
            output_name=secrets.token_hex(8),
            created_at=time.time(),
            started=time.monotonic(),
            min_seconds=float(slow.param("seconds")) if slow else self.sim.config.render_seconds,
            fail_error=str(fail.param("error")) if fail else None,
        )
        store.renders[render_id] = job
        job.task = self.sim.spawn(self.sim.renderer.run(job))
        return self._render_answer(job)

    def _render(self, request: web.Request, user: User) -> RenderJob:
        job = self.sim.store.renders.get(request.match_info["rid"])
        if job is None or job.user_id != user.user_id:
            raise ApiError(RENDER_NOT_FOUND, "Render not found")
        return job

    def _render_answer(self, job: RenderJob) -> web.Response:
        """A render's status in the configured poll shape."""
        progress = self.sim.renderer.progress(job)
        url = self.sim.url_for(f"/outputs/{job.output_name}.mp4") if job.output_path else None
        shape = self.sim.config.poll_shape
        if shape == "wrapped":
            data: dict[str, Any] = {
                "id": job.render_id,
                "status": job.status,
                "progress": progress,
                "outputUrl": url if job.status == "completed" else None,
                "createdAt": iso(job.created_at),
                "completedAt": iso(job.completed_at) if job.completed_at else None,
            }
            if job.error:
                data["error"] = job.error
            return web.json_response({"success": True, "data": data})
        data = {"taskId": job.render_id, "status": job.status, "progress": progress}
        if job.status == "completed":
            data["output"] = {"url": url, "duration": job.duration, "size": job.size}
        if job.error:
            data["error"] = job.error
        return web.json_response(data if shape == "bare" else {"code": 0, "data": data})

    async def render_poll(self, request: web.Request) -> web.Response:
        """`GET /api/render/proxy/lambda/<id>`."""
        _, user = self._auth(request)
        return self._render_answer(self._render(request, user))

    async def render_cancel(self, request: web.Request) -> web.Response:
        """`POST /api/render/proxy/lambda/<id>/cancel`."""
        _, user = self._auth(request)
        job = self._render(request, user)
        if not job.finished:
            job.status = "cancelled"
            job.completed_at = time.time()
            if job.task is not None:
                job.task.cancel()
        return self._render_answer(job)

    async def render_download(self, request: web.Request) -> web.StreamResponse:
        """`GET /api/render/proxy/<id>/download`: the output, with bearer auth."""
        _, user = self._auth(request)
        job = self._render(request, user)
        if job.status != "completed" or job.output_path is None:
            raise ApiError(RENDER_NOT_READY, f"Render is {job.status}")
        return web.FileResponse(
            job.output_path,
            headers={
                "Content-Type": "video/mp4",
                "Content-Disposition": f'attachment; filename="{job.render_id}.mp4"',
            },
        )

    # -- files and pages ------------------------------------------------------------

    async def output(self, request: web.Request) -> web.StreamResponse:
        """A finished render at its public output URL."""
        name = request.match_info["name"]
        if not re.fullmatch(r"[0-9a-f]{16}\.mp4", name):
            raise web.HTTPNotFound()
        path = self.sim.output_dir / name
        if not path.is_file():
            raise web.HTTPNotFound()
        return web.FileResponse(path, headers={"Content-Type": "video/mp4"})

    async def media_file(self, request: web.Request) -> web.StreamResponse:
        """An uploaded file at its `cdn_url`."""
        media = self.sim.store.media.get(request.match_info["mid"])
        if media is None or not media.path.is_file():
            raise web.HTTPNotFound()
        content_type = MEDIA_TYPES.get(extension(media.filename), "application/octet-stream")
        return web.FileResponse(media.path, headers={"Content-Type": content_type})

    async def generated_file(self, request: web.Request) -> web.StreamResponse:
        """A generated clip or tone; rendered the first time it is asked for."""
        name = request.match_info["name"]
        gen = self.sim.store.generated.get(name.rsplit(".", 1)[0])
        if gen is None:
            raise web.HTTPNotFound()
        async with self.sim.generation_lock(gen.gen_id):
            if gen.path is None or not gen.path.is_file():
                path = self.sim.generated_dir / name
                await self.sim.renderer.write_generated(gen.kind, gen.spec, path)
                gen.path = path
        content_type = "video/mp4" if gen.kind == "video" else "audio/mp4"
        return web.FileResponse(gen.path, headers={"Content-Type": content_type})


def _ratio(width: int, height: int) -> str:
    divisor = math.gcd(width, height) or 1
    return f"{width // divisor}:{height // divisor}"


def _analysis(media: MediaFile) -> dict[str, Any]:
    """A short description of an uploaded file, as `state.video_analyses` lists it."""
    if media.file_type == "audio":
        summary = f"Audio, {media.duration:g} s" if media.duration else "Audio"
    elif media.width and media.height:
        kind = "Picture" if media.file_type == "image" else "Video"
        length = f", {media.duration:g} s" if media.duration and media.file_type == "video" else ""
        summary = f"{kind}, {media.width}x{media.height}{length}"
    else:
        summary = "Unreadable media"
    return {"filename": media.filename, "file_type": media.file_type, "summary": summary}
