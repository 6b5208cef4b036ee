"""The agent stream route: `POST /run_sse` plans a turn, charges it, runs it in the
background and relays its events as server-sent events (heartbeats meanwhile)."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable

from aiohttp import web

from core.simulator.agent import TurnFaults
from core.simulator.api_base import Routes, json_body
from core.simulator.errors import NO_CREDITS, ApiError, bad_request
from core.simulator.faults import Fault
from core.simulator.state import Session, User
from core.simulator.stream import Encoder, Event, frame_bytes
from core.simulator.wire_faults import WireFaults


class AgentStream(Routes):
    """`/run_sse`."""

    def routes(self, app: web.Application) -> None:
        """Register the route; its name is its request-log kind."""
        app.router.add_post("/run_sse", self.run_sse, name="run_sse")

    async def run_sse(self, request: web.Request) -> web.StreamResponse:
        """`POST /run_sse`: stream one agent turn."""
        _, user = self._auth(request)
        session, text = await self._message(request, user)
        sim = self.sim
        plan = sim.agent.plan(session, text)
        if plan.cost and not user.reserve(plan.cost):
            raise ApiError(NO_CREDITS, "Insufficient credits")
        if plan.charges_edit:
            session.edit_charged = True

        cut, wire, faults = _stream_faults(sim.faults.take, request.path)
        queue: asyncio.Queue[Event | None] = asyncio.Queue()

        async def turn() -> None:
            try:
                await sim.agent.execute(session, user, plan, queue.put_nowait, faults)
            finally:
                queue.put_nowait(None)
            await sim.agent.after_turn(session)

        sim.spawn(turn())

        await wire.before_headers()
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-cache",
                "X-Accel-Buffering": "no",
            }
        )
        encoder = Encoder(sim.config.sse_shape)
        try:
            await response.prepare(request)
            await wire.after_headers(response, encoder)
        except ConnectionError:
            return response  # the client went away before the first frame; the turn goes on
        cut_after = _cut_after(cut)
        return await self._relay(request, response, queue, encoder, wire, cut_after)

    async def _message(self, request: web.Request, user: User) -> tuple[Session, str]:
        """The session and the text of the message a `run_sse` request sends; 400 for a
        malformed request."""
        body = await json_body(request)
        if body.get("app_name") != "nemo_agent" or not isinstance(body.get("user_id"), str):
            raise bad_request("app_name must be 'nemo_agent' and user_id is required")
        session = self._session(body.get("session_id"), user)
        message = body.get("new_message")
        parts = message.get("parts") if isinstance(message, dict) else None
        if not isinstance(parts, list):
            raise bad_request("new_message.parts is required")
        text = "\n".join(
            p["text"] for p in parts if isinstance(p, dict) and isinstance(p.get("text"), str)
        ).strip()
        if not text:
            raise bad_request("the message has no text")
        return session, text

    async def _relay(
        self,
        request: web.Request,
        response: web.StreamResponse,
        queue: asyncio.Queue[Event | None],
        encoder: Encoder,
        wire: WireFaults,
        cut_after: float | None,
    ) -> web.StreamResponse:
        """Write the turn's events as they come, a heartbeat when there are none for a
        while, until the turn ends (or `cut_after` frames, for the `sse_cut` fault; an
        infinite `cut_after` cuts the stream at the turn's end instead of closing it)."""
        sim = self.sim
        written = 0
        try:
            while True:
                interval = sim.config.heartbeat_interval
                try:
                    event = await asyncio.wait_for(queue.get(), interval if interval > 0 else None)
                except TimeoutError:
                    frame = None if sim.config.heartbeat_empty else encoder.heartbeat()
                else:
                    if event is None:
                        break
                    frame = encoder.encode(event)
                    if frame is None:
                        continue
                await wire.pace()
                await response.write(frame_bytes(frame))
                written += 1
                if cut_after is not None and written >= cut_after:
                    # Close without finishing the chunked body: the client sees a broken
                    # stream. The turn goes on and still edits the draft.
                    if request.transport is not None:
                        request.transport.abort()
                    return response
            if cut_after == math.inf and request.transport is not None:
                request.transport.abort()  # the whole turn, then a break instead of an end
                return response
            await wire.linger(response, encoder, sim.config.heartbeat_interval)
            await response.write_eof()
        except ConnectionError:
            pass  # the client went away; the turn still finishes
        return response


def _cut_after(cut: Fault | None) -> float | None:
    """Frames after which `sse_cut` breaks the stream: None without the fault, infinite
    when it breaks the stream only once the turn is over (`after_events: null`)."""
    if cut is None:
        return None
    after = cut.param("after_events")
    return math.inf if after is None else int(after)


def _stream_faults(
    take: Callable[..., Fault | None], path: str
) -> tuple[Fault | None, WireFaults, TurnFaults]:
    """The faults queued for this stream: a cut, the wire's, and the turn's own."""
    cut = take("run_sse", path, ("sse_cut",))
    stall = take("run_sse", path, ("sse_stall",))
    error = take("run_sse", path, ("sse_error",))
    trailing = take("run_sse", path, ("sse_trailing_issue",))
    words = take("run_sse", path, ("sse_say",))
    wire = WireFaults.take(take, path)
    faults = TurnFaults(
        stall=float(stall.param("seconds")) if stall else None,
        error=str(error.param("message")) if error else None,
        error_code=error.param("code") if error else None,
        trailing_issue=trailing is not None,
        say=str(words.param("text")) if words else None,
    )
    return cut, wire, faults
