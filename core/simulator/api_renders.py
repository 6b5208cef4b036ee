"""Render routes: submit an export, poll it (in the configured poll shape), cancel it,
download it."""

from __future__ import annotations

import re
import secrets
import time
from typing import Any

from aiohttp import web

from core.simulator.api_base import Routes, json_body
from core.simulator.errors import (
    BAD_DRAFT,
    DUPLICATE_RENDER,
    RENDER_NOT_FOUND,
    RENDER_NOT_READY,
    ApiError,
    bad_request,
)
from core.simulator.state import RenderJob, Token, User, iso

ATTRIBUTION_HEADERS = ("X-Skill-Source", "X-Skill-Version", "X-Skill-Platform")
_RENDER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")


class Renders(Routes):
    """`/api/render/proxy/...`."""

    def routes(self, app: web.Application) -> None:
        """Register the routes; a route's name starts with its request-log kind."""
        r = app.router
        r.add_post("/api/render/proxy/lambda", self.render_submit, name="render_submit")
        r.add_get("/api/render/proxy/lambda/{rid}", self.render_poll, name="render_poll")
        r.add_post(
            "/api/render/proxy/lambda/{rid}/cancel", self.render_cancel, name="render_cancel"
        )
        r.add_get("/api/render/proxy/{rid}/download", self.render_download, name="render_download")

    async def render_submit(self, request: web.Request) -> web.Response:
        """`POST /api/render/proxy/lambda`: queue an export."""
        token, user = self._auth(request)
        self._may_export(request, token)
        body = await json_body(request)
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

    def _may_export(self, request: web.Request, token: Token | None) -> None:
        """HTTP 402 without the attribution headers, or when the plan does not export."""
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
