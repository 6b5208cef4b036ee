"""Fixtures of the simulator tests: a raw HTTP client and a logged-in backend."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from core.simulator import Simulator
from tests.kits.simulator import Backend, open_backend


@pytest.fixture
async def http(simulator: Simulator) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client for the simulator."""
    async with httpx.AsyncClient(base_url=simulator.base_url, timeout=30) as client:
        yield client


@pytest.fixture
async def api(simulator: Simulator) -> AsyncIterator[Backend]:
    """A logged-in user with a fresh session."""
    async with open_backend(simulator) as backend:
        yield backend
