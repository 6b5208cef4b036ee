"""What every backend route shares: the success envelope, JSON bodies, the bearer
token and the caller's own sessions."""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from core.simulator.errors import SESSION_NOT_FOUND, TOKEN_INVALID, ApiError, bad_request
from core.simulator.host import Host
from core.simulator.state import Session, Token, User


async def json_body(request: web.Request, *, optional: bool = False) -> dict[str, Any]:
    """The request's JSON object (`{}` for an empty optional body); 400 otherwise."""
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


class Routes:
    """A group of backend routes, with what their handlers share: the simulator, the
    caller (from the bearer token) and the caller's own sessions."""

    def __init__(self, sim: Host):
        self.sim = sim

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
