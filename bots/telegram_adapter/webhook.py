"""Telegram's webhook, answered once the update is safe.

Telegram posts every update to the bot's webhook and posts it again until an answer
comes back (2xx). python-telegram-bot's own webhook server answers as soon as it has
parsed the update, before the bot has done anything with it: a replica killed right
then (a deploy, a crash, the orchestrator moving it) has answered for updates it
then loses, silently.

This server answers 200 only once every update's message is safe in Redis: queued in
its chat's queue (or refused, or handled on arrival, with its reply), an album part
stored with its album. Until then nothing is answered; if the process dies meanwhile,
Telegram sends the update again, through the load balancer, to a replica that is
alive. A message so sent twice is queued once (the chat's queue drops a message id
it already took). Telegram sends a chat's updates one at a time, so answering late
also keeps a chat's messages in order across replicas.

An update that is not safe within `PATIENCE` seconds, or that arrives while the
process is stopping, is answered 503: Telegram sends it again later.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable

from aiohttp import web
from telegram import Update

from .arrivals import Arrivals
from .handlers import AnyApplication
from .polling import read_update

log = logging.getLogger(__name__)

#: the header Telegram sends the webhook's secret in
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
#: how long an answer waits for the update to be safe (the rest of a chat's lane: an
#: album gathered before a text sent after it...)
PATIENCE = 30.0


class WebhookServer:
    """The webhook endpoint on `listen`:`port`, at `path`; `closing()` says whether the
    adapter takes no new work (the process is stopping)."""

    def __init__(self, app: AnyApplication, arrivals: Arrivals, *, listen: str, port: int,
                 path: str, secret: str | None, closing: Callable[[], bool],
                 patience: float = PATIENCE) -> None:
        self.app = app
        self.arrivals = arrivals
        self.listen, self.port, self.path = listen, port, "/" + path.lstrip("/")
        self.secret = secret
        self.closing = closing
        self.patience = patience
        self._runner: web.AppRunner | None = None

    @property
    def running(self) -> bool:
        """Whether it listens."""
        return self._runner is not None

    async def start(self) -> None:
        """Listen (raises OSError when the address cannot be used)."""
        server = web.Application(client_max_size=4 * 1024 * 1024)
        server.router.add_post(self.path, self._post)
        runner = web.AppRunner(server, access_log=None, handle_signals=False,
                               shutdown_timeout=self.patience)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.listen, self.port, backlog=1024).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner

    async def stop(self) -> None:
        """Stop listening; answers being waited for get `patience` to finish."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def _post(self, request: web.Request) -> web.Response:
        if request.content_type != "application/json":
            return web.Response(status=403, text="not JSON")
        if self.secret is not None and not hmac.compare_digest(
                request.headers.get(SECRET_HEADER, "").encode(), self.secret.encode()):
            log.debug("telegram: a webhook request without the right secret was refused")
            return web.Response(status=403, text="wrong secret token")
        try:
            data = json.loads(await request.read())
        except ValueError as exc:
            log.warning("telegram: a webhook request that is no JSON was refused: %r", exc)
            return web.Response(status=400, text="update could not be read")
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            log.warning("telegram: a webhook request that is no update was refused")
            return web.Response(status=400, text="not an update")
        update = read_update(data, self.app.bot)
        if update is None:  # answered all the same: Telegram would send it again and
            return web.Response(status=200)  # hold the updates after it
        return await self._take(update)

    async def _take(self, update: Update) -> web.Response:
        if self.closing():
            return web.Response(status=503, text="stopping")
        self.arrivals.expect(update.update_id)
        taken = False
        try:
            await self.app.process_update(update)
            safe = await self.arrivals.safe(update.update_id, self.patience)
            taken = safe is True or (safe is None and not self.closing())
        finally:
            self.arrivals.close(update.update_id, answered=taken)
        if not taken:
            # not made safe, or dropped because the adapter is stopping
            log.info("telegram: update %d not taken (%s); Telegram sends it again",
                     update.update_id, "stopping" if self.closing() else "not safe in time")
            return web.Response(status=503, text="not taken")
        return web.Response(status=200)
