"""Faults of an agent stream's wire (the simulator's `run_sse`): see docs/simulator.md."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiohttp import web

from core.simulator.faults import Fault
from core.simulator.stream import Encoder, Text, frame_bytes


class WireFaults:
    """Faults of an agent stream's wire: no headers (`sse_silent`), headers then nothing
    (`sse_headers_only`), a pause before every frame (`sse_slow`), a huge answer
    (`sse_huge`), data lines that are not JSON (`sse_bad_json`), the connection held open
    after the turn (`sse_linger`)."""

    def __init__(self, faults: dict[str, Fault]) -> None:
        self.faults = faults

    @classmethod
    def take(cls, take: Callable[..., Fault | None], path: str) -> WireFaults:
        """The wire faults queued for this request."""
        names = ("sse_silent", "sse_headers_only", "sse_slow", "sse_huge", "sse_bad_json",
                 "sse_linger")
        found = {name: take("run_sse", path, (name,)) for name in names}
        return cls({name: fault for name, fault in found.items() if fault is not None})

    def _param(self, name: str, key: str) -> float:
        fault = self.faults.get(name)
        return float(fault.param(key)) if fault is not None else 0.0

    async def before_headers(self) -> None:
        """Accept the request and stay silent (the client's first-byte deadline)."""
        await asyncio.sleep(self._param("sse_silent", "seconds"))

    async def after_headers(self, response: web.StreamResponse, encoder: Encoder) -> None:
        """Headers then nothing; or lines that are not JSON; or a huge text first."""
        await asyncio.sleep(self._param("sse_headers_only", "seconds"))
        for _ in range(int(self._param("sse_bad_json", "lines"))):
            await response.write(b"data: {not json\n\n")
        left = int(self._param("sse_huge", "chars"))
        chunk = "All work and no play makes a long answer. " * 100
        while left > 0:
            frame = encoder.encode(Text(chunk[:left], partial=True))
            if frame is not None:
                await response.write(frame_bytes(frame))
            left -= len(chunk)

    async def pace(self) -> None:
        """A slow answer: a pause before every frame."""
        delay = self._param("sse_slow", "delay")
        if delay:
            await asyncio.sleep(delay)

    async def linger(self, response: web.StreamResponse, encoder: Encoder,
                     heartbeat_interval: float) -> None:
        """The turn is over: hold the connection open, with heartbeats every
        `heartbeat_interval` (none when 0), instead of closing it."""
        until = asyncio.get_running_loop().time() + self._param("sse_linger", "seconds")
        while (left := until - asyncio.get_running_loop().time()) > 0:
            if heartbeat_interval <= 0:
                await asyncio.sleep(left)
                return
            await asyncio.sleep(min(left, heartbeat_interval))
            frame = encoder.heartbeat()
            await response.write(frame_bytes(frame))
