"""One agent call (`POST /run_sse`) as a stream of typed events.

The call is never re-sent: the agent may still be working after a break, and a
second send would do the work and charge twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from types import TracebackType

import httpx

from core import observe
from core.nemo.envelope import Answer, unwrap
from core.nemo.errors import (
    NemoConnectionError,
    NemoError,
    ProtocolError,
    RateLimited,
    ServerError,
    StreamInterrupted,
    StreamTimedOut,
)
from core.nemo.events import AgentEvent, Heartbeat
from core.nemo.models import Credentials
from core.nemo.sse import Frame, SSEFramer, parse_payload
from core.nemo.stream_state import AnswerBudget, Deadlines, TurnEnd
from core.nemo.transport import Transport

log = logging.getLogger(__name__)

APP_NAME = "nemo_agent"


#: what an event stream may be labelled as (a proxy may relabel or drop the type)
STREAM_TYPES = frozenset({"text/event-stream", "text/plain", "application/octet-stream", ""})


class AgentStream:
    """One agent call (`POST /run_sse`): an async context manager yielding typed events.

    ``async with client.run_sse(creds, sid, text) as events: async for e in events: ...``
    The connection is closed when the block exits, however it exits. Iterating
    without ``async with`` also works; the connection then closes when the stream
    ends or the iterator is closed.

    Raises (while opening or iterating) the client's typed errors, plus
    `StreamInterrupted` when the connection breaks mid-stream (never re-send: the
    agent may still be working; a break after the agent said its turn is complete, with
    no tool awaiting its result, ends the stream instead) and `StreamTimedOut` when the
    answer or its first event takes longer than `nemo_first_event_timeout`, only
    heartbeats (or nothing) arrive for `nemo_heartbeat_timeout`, or the call exceeds
    `nemo_sse_timeout`.
    """

    def __init__(self, transport: Transport, creds: Credentials, session_id: str, text: str):
        self._transport = transport
        self._creds = creds
        self._session_id = session_id
        self._text = text
        self._stack = AsyncExitStack()
        self._response: httpx.Response | None = None
        self._iterator: AsyncIterator[AgentEvent] | None = None
        self._started = 0.0
        self._failure: BaseException | None = None
        self.closed = False

    def __repr__(self) -> str:
        return f"AgentStream(session_id={self._session_id!r}, closed={self.closed})"

    async def __aenter__(self) -> AgentStream:
        await self._open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __aiter__(self) -> AsyncIterator[AgentEvent]:
        if self._iterator is not None:
            raise RuntimeError("an agent stream can be iterated only once")
        self._iterator = self._events()
        return self._iterator

    async def aclose(self) -> None:
        """Stop reading and close the connection (idempotent)."""
        iterator, self._iterator = self._iterator, None
        if iterator is not None:
            aclose = getattr(iterator, "aclose", None)
            if aclose is not None:
                await aclose()
        await self._close_connection()

    async def _close_connection(self) -> None:
        if not self.closed:
            self.closed = True
            await self._stack.aclose()
            if self._started:
                seconds = asyncio.get_running_loop().time() - self._started
                outcome = "ok" if self._failure is None else observe.error_code(self._failure)
                observe.report(lambda p: p.agent_stream(outcome, seconds))

    def _failed(self, exc: NemoError) -> None:
        """Report a failure of the stream (once) to the process's probe."""
        if self._failure is None:
            self._failure = exc
            observe.backend_failed("run_sse", exc)

    async def _open(self) -> None:
        try:
            await self._open_stream()
        except NemoError as exc:
            self._failed(exc)
            raise

    async def _open_stream(self) -> None:
        if self._response is not None or self.closed:
            return
        settings = self._transport.settings
        self._started = asyncio.get_running_loop().time()
        limit = min(settings.nemo_first_event_timeout, settings.nemo_sse_timeout)
        log.debug("run_sse: POST /run_sse session=%s (%d chars)", self._session_id, len(self._text))
        try:
            async with asyncio.timeout(limit):
                response = await self._connect()
                self._response = response
                await self._refuse_non_stream(response)
        except TimeoutError:
            await self._close_connection()
            raise StreamTimedOut(
                f"NemoVideo sent no answer to run_sse within {limit:g} s; "
                "the message may still be processed"
            ) from None

    async def _connect(self) -> httpx.Response:
        """Send the request and wait for the response head."""
        try:
            return await self._stack.enter_async_context(self._request())
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            await self._close_connection()
            raise NemoConnectionError(
                f"could not reach NemoVideo for run_sse ({type(exc).__name__})"
            ) from exc
        except httpx.TransportError as exc:
            await self._close_connection()
            raise StreamInterrupted(
                f"the agent stream broke before it started ({type(exc).__name__}); "
                "the message may still be processed"
            ) from exc
        except BaseException:
            await self._close_connection()
            raise

    async def _refuse_non_stream(self, response: httpx.Response) -> None:
        """Return for an event stream; otherwise read the answer and raise its error."""
        content_type = response.headers.get("content-type", "").partition(";")[0].strip().lower()
        log.debug("run_sse: HTTP %d %s", response.status_code, content_type)
        if response.status_code == 200 and content_type in STREAM_TYPES:
            return
        try:
            self._refuse(await self._transport.read_answer(response, "run_sse"))
        except httpx.TransportError as exc:
            raise StreamInterrupted(
                f"the agent stream broke ({type(exc).__name__})", status=response.status_code
            ) from exc
        finally:
            await self._close_connection()

    def _request(self) -> AbstractAsyncContextManager[httpx.Response]:
        transport = self._transport
        settings = transport.settings
        body = {
            "app_name": APP_NAME,
            "user_id": "me",
            "session_id": self._session_id,
            "new_message": {"parts": [{"text": self._text}]},
        }
        headers = transport.headers(
            self._creds, {"Accept": "text/event-stream", "Cache-Control": "no-store"}
        )
        timeout = httpx.Timeout(
            connect=settings.nemo_connect_timeout,
            read=None,  # the stream's own deadlines apply (see _open and Deadlines)
            write=settings.nemo_read_timeout,
            pool=settings.nemo_connect_timeout,
        )
        return transport.http.stream(
            "POST", transport.api_url + "/run_sse", json=body, headers=headers, timeout=timeout
        )

    def _refuse(self, answer: Answer) -> None:
        """Raise the typed error of an answer that is not an event stream."""
        if answer.status == 429:  # nothing was processed: the caller may retry once
            wait = self._transport.rate_limit_wait(answer)
            asked = self._transport.asked_wait(answer)
            raise RateLimited("NemoVideo is rate limiting run_sse", retry_after=wait,
                              waitable=asked <= self._transport.settings.nemo_retry_after_max,
                              status=429)
        if answer.status >= 500:
            raise ServerError(
                f"NemoVideo answered HTTP {answer.status} for run_sse", status=answer.status
            )
        what = f"NemoVideo answered run_sse with {answer.content_type}, not an event stream"
        try:
            unwrap(answer, "run_sse", self._creds)
        except ProtocolError:
            if answer.status != 200:
                raise
        if answer.status == 200:  # the agent may have the message: never send it again
            raise StreamInterrupted(f"{what}; the message may still be processed", status=200)
        raise ProtocolError(what, status=answer.status)

    async def _events(self) -> AsyncIterator[AgentEvent]:
        await self._open()
        response = self._response
        if response is None or self.closed:
            return
        settings = self._transport.settings
        loop = asyncio.get_running_loop()
        clock = Deadlines(settings, self._started, loop.time())
        framer = SSEFramer(settings.nemo_max_event_bytes)
        budget = AnswerBudget(settings.nemo_max_answer_chars)
        source = _chunks(response)
        turn = TurnEnd()
        try:
            while True:
                try:
                    chunk = await self._next(source, clock, framer)
                except StreamInterrupted as exc:
                    if not turn.complete:
                        raise
                    log.info("run_sse: the stream broke after the agent's turn was complete "
                             "(%s); the answer is whole", exc.__cause__.__class__.__name__)
                    return
                if chunk is None:
                    log.debug("run_sse: stream closed")
                    return
                for frame in framer.feed(chunk):
                    events, done = self._admit(frame, clock, budget, framer)
                    for event in events:
                        turn.see(event)
                        yield event
                    if done:
                        return
                clock.turn(turn.complete, loop.time())
        except NemoError as exc:
            self._failed(exc)
            raise
        finally:
            framer.warnings.flush()
            await source.aclose()
            await self._close_connection()

    @staticmethod
    def _admit(
        frame: Frame, clock: Deadlines, budget: AnswerBudget, framer: SSEFramer
    ) -> tuple[list[AgentEvent], bool]:
        """The events of one frame, and whether the answer is over its size (then last)."""
        clock.seen()
        if frame is None:
            return [], False
        events: list[AgentEvent] = []
        for parsed in parse_payload(frame, framer.warnings):
            if not isinstance(parsed, Heartbeat):
                clock.progress(asyncio.get_running_loop().time())
            event = budget.admit(parsed)
            if event is not None:
                log.debug("run_sse: event %s", type(event).__name__)
                events.append(event)
            if budget.exceeded:
                events.append(budget.error())
                return events, True
        return events, False

    @staticmethod
    async def _next(
        source: AsyncIterator[bytes], clock: Deadlines, framer: SSEFramer
    ) -> bytes | None:
        """The next bytes, None at the end; the typed error of a stall or a break."""
        wait = clock.wait(asyncio.get_running_loop().time())
        try:
            async with asyncio.timeout(wait):
                return await anext(source)
        except StopAsyncIteration:
            return None
        except TimeoutError:
            if clock.turn_ended:
                log.info("run_sse: the stream stayed open after the agent's turn was "
                         "complete; the answer is whole")
                return None
            raise clock.expired() from None
        except httpx.TransportError as exc:
            raise StreamInterrupted(
                f"the agent stream broke after {clock.frames} events ({type(exc).__name__}); "
                "the message may still be processed: do not send it again"
            ) from exc


async def _chunks(response: httpx.Response) -> AsyncGenerator[bytes, None]:
    async for chunk in response.aiter_bytes():
        yield chunk
