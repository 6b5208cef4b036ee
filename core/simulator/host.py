"""What the simulator's HTTP handlers use of the simulator that serves them.

`server.Simulator` is the one implementation; the handlers (`app`, `api_*`, `control`)
know it only through this protocol, so that they need not import the server that
imports them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, Protocol

import httpx

from core.simulator.agent import Agent
from core.simulator.config import SimConfig
from core.simulator.faults import Fault, FaultQueue
from core.simulator.render import Renderer
from core.simulator.state import Store, User


class Host(Protocol):
    """The running simulator, as its handlers see it."""

    @property
    def config(self) -> SimConfig:
        """The live configuration."""

    @property
    def store(self) -> Store:
        """Users, tokens, sessions, files and renders."""

    @property
    def faults(self) -> FaultQueue:
        """The queued faults."""

    @property
    def requests(self) -> list[dict[str, Any]]:
        """The request log."""

    @property
    def agent(self) -> Agent:
        """The agent behind `/run_sse`."""

    @property
    def renderer(self) -> Renderer:
        """The render queue."""

    @property
    def http(self) -> httpx.AsyncClient:
        """The client that fetches URL uploads."""

    @property
    def media_dir(self) -> Path:
        """Uploaded files."""

    @property
    def output_dir(self) -> Path:
        """Finished renders."""

    @property
    def generated_dir(self) -> Path:
        """Generated clips and tones."""

    def url_for(self, path: str) -> str:
        """An absolute URL of this server."""

    def spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run a background job that stopping the simulator cancels."""

    def generation_lock(self, gen_id: str) -> asyncio.Lock:
        """One lock per generated file, so it is written once."""

    def touch(self) -> None:
        """Something changed: save the state soon."""

    def inject(self, fault: Fault) -> None:
        """Queue a fault."""

    def clear_faults(self) -> None:
        """Drop every queued fault."""

    def set_credits(self, user_id: str, available: int) -> User:
        """Set a user's available credits; KeyError for an unknown user."""

    def reset(self) -> None:
        """Forget everything."""
