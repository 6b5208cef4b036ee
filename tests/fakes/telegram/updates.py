"""Updates on their way to the bot: handed out by getUpdates long polls, or POSTed to the
webhook the bot registered (with its secret header, retried while the webhook fails).

Webhook deliveries go out as the Bot API server sends them: up to the webhook's
``max_connections`` (40 unless setWebhook named another number) at once, one chat's
updates one at a time and in order (the next one only after the webhook accepted the
previous one), updates without a chat each on their own."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import functools
import itertools
import json
import re
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiohttp import ClientError, ClientSession, ClientTimeout

from tests.fakes.telegram.methods import Handler
from tests.fakes.telegram.wire import BotApiError, JSONDict, UploadedFile, bad_request
from tests.waiting import Changes

# Update types Telegram leaves out unless they are named in allowed_updates.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

_WEBHOOK_CONFLICT = ("Conflict: can't use getUpdates method while webhook is active; "
                     "use deleteWebhook to delete the webhook first")
_POLL_CONFLICT = ("Conflict: terminated by other getUpdates request; make sure that only one "
                  "bot instance is running")


@dataclass(frozen=True)
class WebhookDelivery:
    """One POST of an update to the registered webhook."""

    update_id: int
    url: str
    secret_token: str | None
    status: int | None
    error: str | None
    #: ``time.monotonic()`` when the POST was sent and when its answer (or failure) came
    sent_at: float = 0.0
    answered_at: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether the webhook answered with a 2xx status."""
        return self.status is not None and 200 <= self.status < 300


@dataclass(frozen=True)
class _Webhook:
    url: str
    secret_token: str | None
    max_connections: int = 40


def _lane(update: JSONDict) -> object:
    """Which updates are delivered one after another: those of one chat."""
    for kind, payload in update.items():
        if kind == "update_id" or not isinstance(payload, dict):
            continue
        chat = payload.get("chat") or (payload.get("message") or {}).get("chat")
        if isinstance(chat, dict) and "id" in chat:
            return chat["id"]
    return ("update", update["update_id"])


class UpdateFeed:
    """The queue of updates for the bot, and the two ways it takes them."""

    def __init__(self, changes: Changes) -> None:
        self.changes = changes
        #: Updates queued and not yet confirmed by the bot.
        self.pending: list[JSONDict] = []
        self.delivered: set[int] = set()
        self.deliveries: list[WebhookDelivery] = []
        #: Seconds before a failed webhook delivery is retried (a new webhook retries at once).
        self.retry_delay = 1.0
        #: Where webhook POSTs go instead of the registered URL's scheme, host and port (its
        #: path is kept): the load balancer that answers for the public address.
        self.ingress: str | None = None
        self.parked_polls = 0
        self.webhook: _Webhook | None = None
        self._hooks = Changes()  # a webhook set, removed, or the feed stopping
        self._sending: dict[object, asyncio.Task[None]] = {}
        self._allowed: list[str] | None = None
        self._poll_generation = 0
        self._closing = False
        self._session: ClientSession | None = None
        self._task: asyncio.Task[None] | None = None
        self._update_ids = itertools.count(500_000_001)

    def next_update_id(self) -> int:
        """A fresh update_id."""
        return next(self._update_ids)

    def queue(self, update: JSONDict) -> None:
        """Queue an update for the bot."""
        self.pending.append(copy.deepcopy(update))
        self.changes.notify()

    async def start(self) -> None:
        """Start delivering to webhooks."""
        self._closing = False
        self._session = ClientSession()
        self._task = asyncio.create_task(self._webhook_loop(), name="fake-telegram-webhook")

    async def stop(self) -> None:
        """Stop delivering and end every parked long poll."""
        self._closing = True
        self.changes.notify()
        self._hooks.notify()
        tasks = [t for t in (self._task, *self._sending.values()) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._task = None
        self._sending.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None

    def table(self) -> dict[str, Handler]:
        """Method name -> handler."""
        return {"getUpdates": self.get_updates, "setWebhook": self.set_webhook,
                "deleteWebhook": self.delete_webhook}

    def _wanted(self, update: JSONDict) -> bool:
        kind = next((k for k in update if k != "update_id"), "")
        if self._allowed:
            return kind in self._allowed
        return kind not in _OPT_IN_UPDATES

    def _confirm(self, params: JSONDict) -> None:
        offset = int(params.get("offset") or 0)
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed = [str(a) for a in allowed] or None
        if offset > 0:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]
        elif offset < 0:
            self.pending = self.pending[offset:]
        self.pending = [u for u in self.pending if self._wanted(u)]

    async def get_updates(self, params: JSONDict,
                          files: dict[str, UploadedFile]) -> list[JSONDict]:
        """Confirm updates below ``offset``, then hand out the rest, waiting up to ``timeout``
        seconds for one; a newer poll ends an older one with 409, as on Telegram."""
        if self.webhook is not None:
            raise BotApiError(409, _WEBHOOK_CONFLICT)
        self._confirm(params)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        self._poll_generation += 1
        generation = self._poll_generation
        self.changes.notify()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(float(params.get("timeout") or 0), 0.0)
        parked = False
        try:
            while not (self.pending or self._closing):
                if generation != self._poll_generation:
                    raise BotApiError(409, _POLL_CONFLICT)
                if self.webhook is not None:
                    raise BotApiError(409, _WEBHOOK_CONFLICT)
                if not parked:
                    parked = True
                    self.parked_polls += 1
                    self.changes.notify()
                if not await self._wait_change(deadline - loop.time()):
                    return []
        finally:
            if parked:
                self.parked_polls -= 1
        ready = copy.deepcopy(self.pending[:limit])
        self.delivered.update(u["update_id"] for u in ready)
        return ready

    async def _wait_change(self, remaining: float) -> bool:
        """Wait for the next change; False if ``remaining`` ran out first."""
        if remaining <= 0:
            return False
        wake = self.changes.event()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(remaining):
                await wake.wait()
        return True

    async def set_webhook(self, params: JSONDict, files: dict[str, UploadedFile]) -> bool:
        """Register (or, with an empty url, remove) the webhook."""
        url = str(params.get("url") or "")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise bad_request("secret token contains unallowed characters")
        if url and not urlsplit(url).scheme.startswith("http"):
            raise bad_request("bad webhook: Webhook can be set up only on ports 80, 88, 443 or "
                              "8443")
        if params.get("drop_pending_updates"):
            self.pending.clear()
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed = [str(a) for a in allowed] or None
        connections = int(params.get("max_connections") or 40)
        if not 1 <= connections <= 100:
            raise bad_request("bad webhook: max_connections must be between 1 and 100")
        self.webhook = (_Webhook(url, str(secret) if secret else None, connections)
                        if url else None)
        self.changes.notify()
        self._hooks.notify()
        return True

    async def delete_webhook(self, params: JSONDict, files: dict[str, UploadedFile]) -> bool:
        """Remove the webhook (and, if asked, the pending updates)."""
        if params.get("drop_pending_updates"):
            self.pending.clear()
        self.webhook = None
        self.changes.notify()
        self._hooks.notify()
        return True

    async def post(self, url: str, update: JSONDict,
                   secret_token: str | None) -> tuple[int | None, str | None]:
        """POST one update to ``url``: the HTTP status, or None and why it failed."""
        if self._session is None:
            raise RuntimeError("FakeTelegram is not started")
        headers = {"Content-Type": "application/json"}
        if secret_token is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret_token
        try:
            async with self._session.post(url, data=json.dumps(update).encode(),
                                          headers=headers,
                                          timeout=ClientTimeout(total=10)) as response:
                await response.read()
                if 200 <= response.status < 300:
                    return response.status, None
                return response.status, f"Wrong response from the webhook: {response.status}"
        except (ClientError, TimeoutError) as exc:
            return None, f"Connection failed: {exc.__class__.__name__}"

    def target(self, url: str) -> str:
        """Where a POST for the registered ``url`` goes (see `ingress`)."""
        if self.ingress is None:
            return url
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return self.ingress.rstrip("/") + path

    async def _webhook_loop(self) -> None:
        while True:
            wake = self.changes.event()
            hook = self.webhook
            if hook is not None and not self._closing:
                self._start_deliveries(hook)
            await wake.wait()

    def _start_deliveries(self, hook: _Webhook) -> None:
        """Start delivering the oldest waiting update of every chat that has none on its
        way, as long as connections are free."""
        busy = set(self._sending)
        for update in self.pending:
            if len(self._sending) >= hook.max_connections:
                return
            lane = _lane(update)
            if lane in busy or not self._wanted(update):
                continue
            busy.add(lane)
            task = asyncio.create_task(self._deliver(hook, update),
                                       name=f"fake-telegram-webhook-{update['update_id']}")
            self._sending[lane] = task
            task.add_done_callback(functools.partial(self._sent, lane))

    def _sent(self, lane: object, task: asyncio.Task[None]) -> None:
        if self._sending.get(lane) is task:
            del self._sending[lane]
        self.changes.notify()

    async def _deliver(self, hook: _Webhook, update: JSONDict) -> None:
        sent_at = time.monotonic()
        status, error = await self.post(self.target(hook.url), update, hook.secret_token)
        delivery = WebhookDelivery(update["update_id"], hook.url, hook.secret_token, status, error,
                                   sent_at, time.monotonic())
        self.deliveries.append(delivery)
        if delivery.ok:
            self.pending = [u for u in self.pending if u is not update]
            self.delivered.add(update["update_id"])
            self.changes.notify()
            return
        self.changes.notify()
        wake = self._hooks.event()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.retry_delay):
                await wake.wait()  # a new webhook or the stop retries sooner
