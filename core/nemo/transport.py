"""HTTP to NemoVideo: the shared httpx client, headers, and the retry rules.

* the three attribution headers go on every request, the bearer token on every
  request made with credentials, and the token never reaches a URL, a log line,
  an exception message or a repr;
* HTTP 429 waits `Retry-After` (`nemo_rate_limit_wait` when it names no wait) and
  retries once; a wait longer than `nemo_retry_after_max` is not waited for: the
  call fails at once with `RateLimited`, its `retry_after` capped (a week-long limit
  on anonymous tokens, a hostile header);
* HTTP 5xx and connection errors are retried with bounded exponential backoff,
  but only for requests that are safe to repeat (`idempotent`).
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import logging
import math
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx

from core import observe
from core.nemo.envelope import NO_CREDS, Answer, unwrap
from core.nemo.errors import (
    NemoConnectionError,
    NemoError,
    ProtocolError,
    RateLimited,
    ServerError,
    TooSlow,
)
from core.nemo.models import Credentials
from core.nemo.wire import opt_float, opt_int
from core.settings import Settings

log = logging.getLogger(__name__)

T = TypeVar("T")

#: connections to NemoVideo a process opens at most: an agent stream holds one for as long
#: as the agent works (up to 15 minutes), so every chat talking at once needs its own
#: (with httpx's default of 100, the 101st waited for one to be freed)
POOL_SIZE = 512
#: idle connections kept open for the next request. Few: the pool (httpcore's) looks at
#: every connection it holds on each request and each response's end, and asks the
#: socket of each idle one whether the server closed it. After 200 chats wrote at once,
#: 100 idle connections made a message cost 14-17 ms of CPU under load, 16 make it 9-13
#: (`bench/messages.py`, docs/benchmarks.md); a request past them opens a connection.
KEEP_ALIVE = 16
Sleep = Callable[[float], Awaitable[None]]


class CallTimedOut(httpx.TimeoutException):
    """One attempt took longer than its total deadline (retried like any timeout)."""


class RateLimitSignal(Exception):
    """HTTP 429 inside an attempt: `Transport.retrying` decides whether to wait and retry."""

    def __init__(self, retry_after: float, *, too_long: bool = False,
                 asked: float | None = None):
        super().__init__(f"rate limited; retry after {retry_after:g} s")
        self.retry_after = retry_after
        self.too_long = too_long
        #: the wait the answer asked for, uncapped (None: it named none)
        self.asked = asked


class ServerSignal(Exception):
    """HTTP 5xx inside an attempt: `Transport.retrying` decides whether to retry."""

    def __init__(self, status: int):
        super().__init__(f"HTTP {status}")
        self.status = status


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` value (seconds or an HTTP date); None if unusable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class Transport:
    """The process's HTTP client to NemoVideo with headers and retry rules.

    `http` is created from `settings` when not given (and then closed by
    `aclose`). `sleep` is awaited for every retry wait, so tests can record the
    waits instead of sleeping.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        http: httpx.AsyncClient | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.settings = settings
        self.api_url = settings.api_url
        self._owns_http = http is None
        self.http = http if http is not None else self.make_http(settings)
        self.timeout = self.timeouts(settings)
        """Per-request timeouts, applied whatever `http` was created with."""
        self._sleep = sleep

    @staticmethod
    def timeouts(settings: Settings) -> httpx.Timeout:
        """Connect, read (each wait for bytes, the response head too), write and pool."""
        return httpx.Timeout(
            connect=settings.nemo_connect_timeout,
            read=settings.nemo_read_timeout,
            write=settings.nemo_read_timeout,
            pool=settings.nemo_connect_timeout,
        )

    @classmethod
    def make_http(cls, settings: Settings) -> httpx.AsyncClient:
        """The process's HTTP client with the configured timeouts, and room for as many
        chats talking to the agent at once as a process serves (`POOL_SIZE`)."""
        limits = httpx.Limits(max_connections=POOL_SIZE, max_keepalive_connections=KEEP_ALIVE)
        return httpx.AsyncClient(timeout=cls.timeouts(settings), follow_redirects=True,
                                 limits=limits)

    def __repr__(self) -> str:
        return f"Transport(api_url={self.api_url!r})"

    async def aclose(self) -> None:
        """Close the HTTP client if this object created it."""
        if self._owns_http:
            await self.http.aclose()

    def headers(
        self, creds: Credentials | None, extra: Mapping[str, str] | None = None
    ) -> dict[str, str]:
        """Attribution headers, the bearer token when `creds` are given, then `extra`."""
        headers = dict(self.settings.attribution_headers)
        if creds is not None and creds is not NO_CREDS:
            headers["Authorization"] = f"Bearer {creds.token.get_secret_value()}"
        if extra:
            headers.update(extra)
        return headers

    async def call(
        self,
        method: str,
        path: str,
        kind: str,
        creds: Credentials | None,
        *,
        json_body: Any = None,
        content: Callable[[], AsyncIterator[bytes]] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool = False,
        replayable: bool = True,
        allow_bare: bool = False,
        request_timeout: float | httpx.Timeout | None = None,
        deadline: float | None = None,
    ) -> Any:
        """One API call with the retry rules; returns the envelope's `data`.

        `content` is called once per attempt for a fresh body; `replayable`
        False means the body cannot be sent twice (no retry after a 429).
        `deadline` bounds each attempt as a whole (default `nemo_call_timeout`),
        on top of the per-read `request_timeout`.
        """
        url = self.api_url + path
        limit = self.settings.nemo_call_timeout if deadline is None else deadline

        async def attempt() -> Any:
            async with self.deadline(limit, kind), self.http.stream(
                method,
                url,
                headers=self.headers(creds, headers),
                json=json_body,
                content=content() if content is not None else None,
                timeout=self.timeout if request_timeout is None else request_timeout,
            ) as response:
                log.debug("%s: %s %s -> HTTP %d", kind, method, path, response.status_code)
                answer = await self.read_answer(response, kind)
            self.check_status(answer)
            return unwrap(answer, kind, creds or NO_CREDS, allow_bare=allow_bare)

        return await self.retrying(kind, attempt, idempotent=idempotent, replayable=replayable)

    async def read_answer(self, response: httpx.Response, kind: str) -> Answer:
        """The answer with its body, read up to `nemo_max_json_bytes` (not read for a 5xx).

        A larger body raises ProtocolError as soon as it is known to be larger:
        from its Content-Length, or once that many bytes have arrived.
        """
        if response.status_code >= 500:
            return Answer(response.status_code, response.headers, b"")
        cap = self.settings.nemo_max_json_bytes
        declared = opt_int(response.headers.get("content-length"))
        if declared is not None and declared > cap:
            raise _too_large(kind, declared, cap, response.status_code)
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > cap:
                raise _too_large(kind, None, cap, response.status_code)
        return Answer(response.status_code, response.headers, bytes(body))

    @staticmethod
    @contextlib.asynccontextmanager
    async def deadline(seconds: float, kind: str,
                       setting: str = "NEMO_CALL_TIMEOUT") -> AsyncIterator[None]:
        """Bound one attempt as a whole; past `seconds` (the `setting`) it fails with
        `CallTimedOut`."""
        try:
            async with asyncio.timeout(seconds):
                yield
        except TimeoutError:
            raise CallTimedOut(f"{kind} took longer than {seconds:g} s ({setting})") from None

    def rate_limit_wait(self, answer: Answer) -> float:
        """Seconds to wait after a 429: `Retry-After` or a body's `retry_after`, capped at
        `nemo_retry_after_max`; `nemo_rate_limit_wait` when the answer names no wait."""
        return min(self.asked_wait(answer), self.settings.nemo_retry_after_max)

    def asked_wait(self, answer: Answer) -> float:
        """The wait a 429 asks for, uncapped (`nemo_rate_limit_wait` when it names none)."""
        wait = self.named_wait(answer)
        return self.settings.nemo_rate_limit_wait if wait is None else wait

    @staticmethod
    def named_wait(answer: Answer) -> float | None:
        """The wait a 429 names (`Retry-After`, or a body's `retry_after`), if any."""
        wait = parse_retry_after(answer.headers.get("retry-after"))
        if wait is None:
            body = answer.json()
            if isinstance(body, dict):
                for key in ("retry_after", "retryAfter"):
                    wait = opt_float(body.get(key))
                    if wait is not None and math.isfinite(wait) and wait >= 0:
                        break
                else:
                    wait = None
        return wait

    def check_status(self, answer: Answer) -> None:
        """Raise the retry signal of a 429 or a 5xx answer (inside a `retrying` attempt)."""
        status = answer.status
        if status == 429:
            asked, cap = self.asked_wait(answer), self.settings.nemo_retry_after_max
            raise RateLimitSignal(min(asked, cap), too_long=asked > cap,
                                  asked=self.named_wait(answer))
        if status >= 500:
            raise ServerSignal(status)

    async def retrying(
        self,
        kind: str,
        attempt: Callable[[], Awaitable[T]],
        *,
        idempotent: bool,
        replayable: bool = True,
        slow_again: bool = True,
    ) -> T:
        """Run `attempt` under the retry rules, turning signals into typed errors (each one
        reported to the process's probe). `slow_again` False: an attempt that ran past its
        whole deadline is not made again (a download: each try may take an hour)."""
        try:
            return await self._retrying(kind, attempt, idempotent=idempotent,
                                        replayable=replayable, slow_again=slow_again)
        except NemoError as exc:
            observe.backend_failed(kind, exc)
            raise

    async def _retrying(
        self,
        kind: str,
        attempt: Callable[[], Awaitable[T]],
        *,
        idempotent: bool,
        replayable: bool = True,
        slow_again: bool = True,
    ) -> T:
        failures = 0
        rate_limited = False
        while True:
            try:
                return await attempt()
            except RateLimitSignal as signal:
                wait = signal.retry_after
                if signal.too_long:
                    log.info("%s: NemoVideo asks to wait more than %g s after a 429; not "
                             "waiting", kind, wait)
                if rate_limited or not replayable or signal.too_long:
                    raise RateLimited(
                        f"NemoVideo is rate limiting {kind}", retry_after=wait, status=429,
                        asked=signal.asked,
                    ) from None
                rate_limited = True
                log.warning("%s: rate limited; retrying once in %.1f s", kind, wait)
                await self._sleep(wait)
            except ServerSignal as signal:
                if not idempotent or failures >= self.settings.nemo_retry_attempts:
                    raise ServerError(
                        f"NemoVideo answered HTTP {signal.status} for {kind}", status=signal.status
                    ) from None
                await self._backoff(kind, failures, f"HTTP {signal.status}")
                failures += 1
            except httpx.TransportError as exc:
                slow = isinstance(exc, CallTimedOut)  # reached, but too slow
                if (not idempotent or failures >= self.settings.nemo_retry_attempts
                        or (slow and not slow_again)):
                    if slow:
                        raise TooSlow(str(exc)) from exc
                    raise NemoConnectionError(
                        f"could not reach NemoVideo for {kind} ({type(exc).__name__})"
                    ) from exc
                await self._backoff(kind, failures, str(exc) if slow else type(exc).__name__)
                failures += 1

    async def _backoff(self, kind: str, failures: int, reason: str) -> None:
        settings = self.settings
        delay = min(settings.nemo_retry_backoff * (2**failures), settings.nemo_retry_backoff_max)
        log.warning("%s: %s; retry %d in %.2f s", kind, reason, failures + 1, delay)
        await self._sleep(delay)


def _too_large(kind: str, declared: int | None, cap: int, status: int) -> ProtocolError:
    size = "more" if declared is None else f"{declared} bytes, more"
    return ProtocolError(
        f"NemoVideo answered {kind} with {size} than the {cap} bytes a JSON answer may have "
        "(NEMO_MAX_JSON_BYTES); the rest was not read",
        status=status,
    )
