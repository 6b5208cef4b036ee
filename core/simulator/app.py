"""The backend's web app: the request log and fault middleware, and the routes of every
area (`api_identity`, `api_sessions`, `api_agent`, `api_uploads`, `api_renders`,
`api_files`)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from core.simulator.api_agent import AgentStream
from core.simulator.api_files import Files
from core.simulator.api_identity import Identity
from core.simulator.api_renders import Renders
from core.simulator.api_sessions import Sessions
from core.simulator.api_uploads import Uploads
from core.simulator.errors import (
    DUPLICATE_RENDER,
    NO_CREDITS,
    RENDER_KINDS,
    SESSION_NOT_FOUND,
    TOKEN_INVALID,
    ApiError,
)
from core.simulator.faults import ANSWER_FAULTS, Fault
from core.simulator.host import Host

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_AREAS = (Identity, Sessions, AgentStream, Uploads, Renders, Files)
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


class Api:
    """The backend's routes and the middleware around them. Everything they touch lives
    on the simulator."""

    def __init__(self, sim: Host):
        self.sim = sim

    def routes(self, app: web.Application) -> None:
        """Register every route; a route's name starts with its request-log kind."""
        for area in _AREAS:
            area(self.sim).routes(app)

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
        except ConnectionResetError:  # the client went away (an upload it gave up on)
            record["status"] = 499
            log.info("%s %s: the client closed the connection", request.method, request.path)
            return web.Response(status=499)
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
