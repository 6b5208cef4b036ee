"""Fault rules shared by the platform fakes.

A rule says which requests it hits, how many more times, and what happens to them: an
error answer (a 429 with ``retry_after``, a 5xx, a refusal) and/or a hang that holds the
request past the client's timeout. Each fake builds its rules from its own switches
(``flood``, ``rate_limit``, ``server_error``, ``hang``...) and asks `Faults.take` on
every request.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

R = TypeVar("R")


@dataclass
class Fault(Generic[R]):
    """One injected fault.

    ``error`` is what the fake answers (in its own error type), or None to handle the
    request normally once any hang is over. ``hang`` holds the request that many seconds
    (``math.inf``: until the client gives up or the fake stops); with ``takes_effect`` the
    request is carried out first and only its answer is held, as when a server did the work
    but the reply was lost.
    """

    applies: Callable[[R], bool]
    remaining: int | None
    error: Any = None
    hang: float | None = None
    takes_effect: bool = False


class Faults(Generic[R]):
    """The live fault rules of one fake, first added first applied."""

    def __init__(self) -> None:
        self._rules: list[Fault[R]] = []

    def add(
        self,
        applies: Callable[[R], bool],
        *,
        count: int | None,
        error: Any = None,
        hang: float | None = None,
        takes_effect: bool = False,
    ) -> Fault[R]:
        """Add a rule hitting the next ``count`` matching requests (None: until cleared)."""
        if count is not None and count < 1:
            raise ValueError("count must be at least 1, or None for every request")
        if error is None and hang is None:
            raise ValueError("a fault needs an error, a hang or both")
        fault = Fault(applies, count, error, hang, takes_effect)
        self._rules.append(fault)
        return fault

    def take(self, request: R) -> Fault[R] | None:
        """The first rule that hits ``request``, counting the hit; None if no rule does."""
        for fault in self._rules:
            if not fault.applies(request):
                continue
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._rules.remove(fault)
            return fault
        return None

    def clear(self) -> None:
        """Remove every rule."""
        self._rules.clear()


async def hold(seconds: float, released: asyncio.Event) -> None:
    """Hold a hung request for ``seconds`` (``math.inf``: forever) or until ``released`` is
    set. The server cancels the holding handler when the client closes the connection."""
    timeout = None if math.isinf(seconds) else seconds
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout):
            await released.wait()
