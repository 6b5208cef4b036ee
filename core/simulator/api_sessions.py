"""Session routes: a new project (task and session), and a session's latest state."""

from __future__ import annotations

import math
import secrets

from aiohttp import web

from core.simulator import drafts
from core.simulator.api_base import Routes, json_body, ok
from core.simulator.errors import bad_request
from core.simulator.state import Session, new_session_id


class Sessions(Routes):
    """`/api/tasks/...` and `/api/state/...`."""

    def routes(self, app: web.Application) -> None:
        """Register the routes; a route's name starts with its request-log kind."""
        r = app.router
        r.add_post(
            "/api/tasks/me/with-session/nemo_agent", self.create_session, name="create_session"
        )
        r.add_get("/api/state/nemo_agent/me/{sid}/latest", self.state, name="state")

    async def create_session(self, request: web.Request) -> web.Response:
        """`POST /api/tasks/me/with-session/nemo_agent`."""
        _, user = self._auth(request)
        body = await json_body(request, optional=True)
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


def _ratio(width: int, height: int) -> str:
    divisor = math.gcd(width, height) or 1
    return f"{width // divisor}:{height // divisor}"

