"""Every Bot API request (but getUpdates) passes here: flood limits and network blips.

* Pacing: at most 30 requests a second for the whole bot, and 20 a minute per
  group (Telegram's documented limits; a full bucket allows a burst). Chat
  actions ("typing…") do not use a group's budget: they are decoration, and
  dropped when Telegram says to slow down.
* Flood waits: a 429 (`RetryAfter`) holds that chat's requests, and only
  that chat's, for the time Telegram names, then the request is tried once
  more. A second 429 is raised to the caller.
* Network blips: a request that certainly did not reach Telegram (the
  connection failed, the pool was full, or a gateway answered 502 or 503) is
  retried twice with a short backoff. Edits, deletions, chat actions and
  other idempotent calls are also retried after a timeout; a message send
  that timed out is not, since it may have arrived (a duplicate video is
  worse than the link the render worker sends instead).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import httpx
from aiolimiter import AsyncLimiter
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

JSONDict = dict[str, Any]
Sleep = Callable[[float], Coroutine[Any, Any, None]]

#: calls that can be repeated without a visible effect
IDEMPOTENT = frozenset({
    "answerCallbackQuery", "deleteMessage", "deleteMyCommands", "deleteWebhook",
    "editMessageCaption", "editMessageReplyMarkup", "editMessageText", "getFile", "getMe",
    "getMyCommands", "getWebhookInfo", "sendChatAction", "setMyCommands", "setWebhook",
})
#: calls that are only decoration
COSMETIC = frozenset({"sendChatAction"})
#: failures that mean the request never left this process
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
#: answers of a gateway in front of the Bot API: the request was not handled
_UNHANDLED = ("bad gateway", "service unavailable")
_ALL_CHATS = "*"


def retry_after_seconds(exc: RetryAfter) -> float:
    """The wait a 429 asks for, in seconds (PTB gives a timedelta or a number)."""
    value: Any = exc._retry_after  # the timedelta itself, without PTB's deprecation warning
    if isinstance(value, dtm.timedelta):
        return value.total_seconds()
    return float(value)


def may_retry(endpoint: str, exc: NetworkError) -> bool:
    """Whether a failed call can be repeated without risking a duplicate message (nor
    repeating what Telegram refused for good, like a file over its limit)."""
    if isinstance(exc, BadRequest):
        return False
    cause = exc.__cause__
    if cause is None:  # an HTTP answer: only a gateway's says the request was not handled
        text = exc.message.lower()
        return any(phrase in text for phrase in _UNHANDLED) or (
            endpoint in IDEMPOTENT and "server error" in text)
    return endpoint in IDEMPOTENT or isinstance(cause, _NOT_SENT)


class FloodControl(BaseRateLimiter[int]):
    """PTB's rate-limiter hook, pacing requests and riding out 429s and network blips."""

    def __init__(self, *, overall_rate: float = 30, group_rate: float = 20,
                 group_period: float = 60, flood_retries: int = 1, network_retries: int = 2,
                 backoff: float = 0.25, max_flood_wait: float = 300.0,
                 sleep: Sleep = asyncio.sleep) -> None:
        self.overall = AsyncLimiter(overall_rate, 1) if overall_rate else None
        self.group_rate = group_rate
        self.group_period = group_period
        self.flood_retries = flood_retries
        self.network_retries = network_retries
        self.backoff = backoff
        self.max_flood_wait = max_flood_wait
        self.sleep = sleep
        self._groups: dict[int, AsyncLimiter] = {}
        self._held: dict[int | str, float] = {}

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        """Run one request within the limits, retrying as the module describes."""
        chat = _chat_id(data)
        cosmetic = endpoint in COSMETIC
        floods = blips = 0
        while True:
            await self._until_released(chat)
            try:
                async with self._slots(chat, cosmetic):
                    return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = retry_after_seconds(exc)
                if cosmetic or floods >= self.flood_retries or wait > self.max_flood_wait:
                    log.warning("telegram: flood control on %s in chat %s (retry after %.0f s)",
                                endpoint, chat, wait)
                    raise
                floods += 1
                log.info("telegram: flood control on %s in chat %s: waiting %.1f s",
                         endpoint, chat, wait)
                self._hold(chat, wait)
            except NetworkError as exc:
                if blips >= self.network_retries or not may_retry(endpoint, exc):
                    raise
                blips += 1
                delay = self.backoff * 4 ** (blips - 1)
                log.info("telegram: %s failed (%s); retrying in %.2f s", endpoint, exc.message,
                         delay)
                await self.sleep(delay)

    # ------------------------------------------------------------ internals

    def _hold(self, chat: int | None, seconds: float) -> None:
        key: int | str = _ALL_CHATS if chat is None else chat
        now = asyncio.get_running_loop().time()
        if len(self._held) > 1024:
            self._held = {k: v for k, v in self._held.items() if v > now}
        self._held[key] = max(self._held.get(key, 0.0), now + seconds + 0.1)

    async def _until_released(self, chat: int | None) -> None:
        loop = asyncio.get_running_loop()
        while True:
            until = max(self._held.get(_ALL_CHATS, 0.0),
                        self._held.get(chat, 0.0) if chat is not None else 0.0)
            wait = until - loop.time()
            if wait <= 0:
                return
            await self.sleep(wait)

    @contextlib.asynccontextmanager
    async def _slots(self, chat: int | None, cosmetic: bool) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            if chat is not None and chat < 0 and self.group_rate and not cosmetic:
                await stack.enter_async_context(self._group(chat))
            if chat is not None and self.overall is not None:
                await stack.enter_async_context(self.overall)
            yield

    def _group(self, chat: int) -> AsyncLimiter:
        if len(self._groups) > 512:
            for key, limiter in list(self._groups.items()):
                if key != chat and limiter.has_capacity(limiter.max_rate):
                    del self._groups[key]
        if chat not in self._groups:
            self._groups[chat] = AsyncLimiter(self.group_rate, self.group_period)
        return self._groups[chat]


def _chat_id(data: dict[str, Any]) -> int | None:
    value = data.get("chat_id")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return int(value)
    return None
