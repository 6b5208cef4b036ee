"""The operator's HTTP endpoints on METRICS_PORT: `/healthz`, `/readyz` and `/metrics`.

* `/healthz`: 200 while the process lives (its event loop answers);
* `/readyz`: 200 when every readiness check passes (Redis answers, the platform
  is connected, the render worker runs), else 503; the JSON body says which
  check failed and why;
* `/metrics`: the Prometheus text format (`core.metrics`).

Checks are registered by what they watch: the runtime adds Redis and the
render worker, each adapter its platform connection.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

log = logging.getLogger(__name__)

#: a readiness check: True (or None) when fine; False or an exception when not
Check = Callable[[], Awaitable[bool | None] | bool | None]
#: the metrics exposition for a scraper's `Accept` header, and its content type
Exposition = Callable[[str], Awaitable[tuple[bytes, str]]]

#: seconds one readiness check may take before it counts as failed
CHECK_TIMEOUT = 2.0


class Health:
    """The readiness checks of one process, and the server that answers for them."""

    def __init__(self) -> None:
        self.checks: dict[str, Check] = {}
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    def add(self, name: str, check: Check) -> None:
        """Register (or replace) a readiness check."""
        self.checks[name] = check

    async def readiness(self) -> dict[str, str]:
        """Each check's verdict: "ok", or why it failed."""
        names = list(self.checks)
        verdicts = await asyncio.gather(*(self._run(self.checks[n]) for n in names))
        return dict(zip(names, verdicts, strict=True))

    @staticmethod
    async def _run(check: Check) -> str:
        try:
            async with asyncio.timeout(CHECK_TIMEOUT):
                result = check()
                if inspect.isawaitable(result):
                    result = await result
        except TimeoutError:
            return f"no answer within {CHECK_TIMEOUT:g} s"
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"[:200]
        return "ok" if result is None or result else "not ready"

    async def start(self, host: str, port: int, metrics: Exposition | None = None) -> int:
        """Serve the endpoints on host:port (0: a free port); returns the port."""
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/readyz", self._readyz)
        if metrics is not None:
            async def serve_metrics(request: web.Request) -> web.Response:
                body, content_type = await metrics(request.headers.get("Accept", ""))
                return web.Response(body=body, headers={"Content-Type": content_type})
            app.router.add_get("/metrics", serve_metrics)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        self.port = int(sockets[0].getsockname()[1]) if sockets else port
        log.info("health and metrics on http://%s:%d (/healthz, /readyz, /metrics)",
                 host, self.port)
        return self.port

    async def stop(self) -> None:
        """Stop serving."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def _healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def _readyz(self, request: web.Request) -> web.Response:
        checks = await self.readiness()
        ready = all(verdict == "ok" for verdict in checks.values())
        return web.Response(
            status=200 if ready else 503, content_type="application/json",
            text=json.dumps({"ready": ready, "checks": checks}))
