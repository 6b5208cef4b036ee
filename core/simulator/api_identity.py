"""Identity routes: anonymous tokens, claim tokens (a session handed to the web app) and
the caller's credits."""

from __future__ import annotations

import math
import secrets

from aiohttp import web

from core.simulator.api_base import Routes, json_body, ok
from core.simulator.errors import SESSION_NOT_FOUND, ApiError, bad_request
from core.simulator.state import iso

CLAIM_TTL = 604800


class Identity(Routes):
    """`/api/auth/...` and `/api/credits/...`."""

    def routes(self, app: web.Application) -> None:
        """Register the routes; a route's name starts with its request-log kind."""
        r = app.router
        r.add_post("/api/auth/anonymous-token", self.anonymous_token, name="anonymous_token")
        r.add_post("/api/auth/claim-token", self.claim_token, name="claim_token")
        r.add_get("/api/credits/balance/simple", self.credits, name="credits")

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
        answer = {
            "token": token.value,
            "user_id": user.user_id,
            "expires_at": iso(token.expires_at or 0),
            "credits": user.available,
        }
        if not config.anon_names_user:  # the user is named by create-session and state only
            del answer["user_id"]
        return ok(answer)

    async def claim_token(self, request: web.Request) -> web.Response:
        """`POST /api/auth/claim-token`."""
        _, user = self._auth(request)
        body = await json_body(request)
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
