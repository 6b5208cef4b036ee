"""The `/_sim/` control endpoints, and the web app's pages that links point to."""

from __future__ import annotations

import html
from typing import Any

from aiohttp import web

from core.simulator import drafts
from core.simulator.config import ConfigError
from core.simulator.faults import Fault
from core.simulator.host import Host


class Control:
    """Handlers of the control endpoints (no auth, not logged) and of the plain pages."""

    def __init__(self, sim: Host):
        self.sim = sim

    def routes(self, app: web.Application) -> None:
        """Register the routes; a page route's name starts with its request-log kind."""
        r = app.router
        r.add_get("/_sim/config", self.get_config)
        r.add_post("/_sim/config", self.set_config)
        r.add_get("/_sim/faults", self.list_faults)
        r.add_post("/_sim/faults", self.add_fault)
        r.add_delete("/_sim/faults", self.clear_faults)
        r.add_get("/_sim/requests", self.list_requests)
        r.add_delete("/_sim/requests", self.clear_requests)
        r.add_post("/_sim/credits", self.set_credits)
        r.add_post("/_sim/reset", self.reset)
        r.add_get("/workspace/claim", self.claim_page, name="web.claim")
        r.add_get("/register", self.register_page, name="web.register")
        r.add_get("/", self.index_page, name="web.index")

    async def get_config(self, request: web.Request) -> web.Response:
        """`GET /_sim/config`."""
        return web.json_response(self.sim.config.public_dict())

    async def set_config(self, request: web.Request) -> web.Response:
        """`POST /_sim/config` with a partial config."""
        try:
            self.sim.config.update(await _control_body(request))
        except ConfigError as exc:
            return web.json_response({"error": str(exc)}, status=400)
        return web.json_response(self.sim.config.public_dict())

    async def list_faults(self, request: web.Request) -> web.Response:
        """`GET /_sim/faults`."""
        return web.json_response([f.to_dict() for f in self.sim.faults.pending()])

    async def add_fault(self, request: web.Request) -> web.Response:
        """`POST /_sim/faults`."""
        try:
            fault = Fault.from_dict(await _control_body(request))
        except (TypeError, ValueError) as exc:
            return web.json_response({"error": str(exc)}, status=400)
        self.sim.inject(fault)
        return web.json_response([f.to_dict() for f in self.sim.faults.pending()])

    async def clear_faults(self, request: web.Request) -> web.Response:
        """`DELETE /_sim/faults`."""
        self.sim.clear_faults()
        return web.json_response([])

    async def list_requests(self, request: web.Request) -> web.Response:
        """`GET /_sim/requests`."""
        return web.json_response(self.sim.requests)

    async def clear_requests(self, request: web.Request) -> web.Response:
        """`DELETE /_sim/requests`."""
        self.sim.requests.clear()
        return web.json_response([])

    async def set_credits(self, request: web.Request) -> web.Response:
        """`POST /_sim/credits` `{"user_id", "available"}`."""
        body = await _control_body(request)
        user_id, available = body.get("user_id"), body.get("available")
        if (
            not isinstance(user_id, str)
            or isinstance(available, bool)
            or not isinstance(available, int)
        ):
            return web.json_response({"error": "user_id (string) and available (int)"}, status=400)
        try:
            user = self.sim.set_credits(user_id, available)
        except KeyError:
            return web.json_response({"error": f"unknown user {user_id}"}, status=404)
        return web.json_response(
            {"user_id": user.user_id, "available": user.available, "frozen": user.frozen}
        )

    async def reset(self, request: web.Request) -> web.Response:
        """`POST /_sim/reset`."""
        self.sim.reset()
        return web.json_response({"reset": True})

    async def claim_page(self, request: web.Request) -> web.Response:
        """The web app's project page for a claim link (a plain page here)."""
        claim = self.sim.store.claims.get(request.query.get("ct", ""))
        session = self.sim.store.sessions.get(claim[0]) if claim else None
        if session is None:
            return _page("Project not found", "<p>This link is invalid or has expired.</p>", 404)
        title = html.escape(session.task_name)
        lines = "".join(f"<li>{html.escape(line)}</li>" for line in _track_lines(session.draft))
        body = f"<h1>{title}</h1><ul>{lines or '<li>Empty timeline</li>'}</ul>"
        return _page(session.task_name, body)

    async def register_page(self, request: web.Request) -> web.Response:
        """The web app's registration page (a plain page here)."""
        bind = html.escape(request.query.get("bind", ""))
        return _page("Register", f"<h1>Register</h1><p>Account to bind: {bind or 'none'}</p>")

    async def index_page(self, request: web.Request) -> web.Response:
        """A short page saying what this server is."""
        return _page(
            "NemoVideo simulator",
            "<h1>NemoVideo simulator</h1><p>A local stand-in for the NemoVideo backend. "
            "See <code>/_sim/config</code> and <code>/_sim/requests</code>.</p>",
        )


async def _control_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(
            text='{"error": "a JSON object is required"}', content_type="application/json"
        )
    return body


def _track_lines(draft: dict[str, Any]) -> list[str]:
    names = {drafts.VIDEO: "Video", drafts.AUDIO: "BGM", drafts.TEXT: "Title"}
    lines = []
    for track in draft.get("t") or []:
        segments = track.get("sg") or []
        end = drafts.extent(segments) / 1000
        label = names.get(track.get("tt"), f"Track (type {track.get('tt')})")
        if track.get("tt") == drafts.TEXT and segments:
            label = f'{label}: "{segments[0].get("txt", "")}"'
        elif track.get("n"):
            label = f"{label}: {track['n']}"
        lines.append(f"{label} (0-{end:g}s)")
    return lines


def _page(title: str, body: str, status: int = 200) -> web.Response:
    text = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"</head><body>{body}</body></html>"
    )
    return web.Response(text=text, content_type="text/html", status=status)
