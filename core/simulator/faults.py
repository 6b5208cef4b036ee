"""Injectable faults: what they are called, which requests they hit, and the queue."""

from __future__ import annotations

import collections
import copy
from collections.abc import Collection, Mapping
from typing import Any

API_KINDS = frozenset(
    {
        "anonymous_token",
        "create_session",
        "claim_token",
        "run_sse",
        "upload_files",
        "upload_urls",
        "credits",
        "state",
        "render_submit",
        "render_poll",
        "render_cancel",
        "render_download",
    }
)
"""Request kinds of the backend's API (not its file URLs or web pages)."""

AUTHENTICATED_KINDS = API_KINDS - {"anonymous_token"}
SESSION_KINDS = frozenset(
    {"claim_token", "run_sse", "upload_files", "upload_urls", "state", "render_submit"}
)

# name -> (kinds hit when the fault has no path, whether a path may widen that to any
# request, default params)
_SPECS: dict[str, tuple[frozenset[str], bool, dict[str, Any]]] = {
    "token_expired": (AUTHENTICATED_KINDS, True, {}),
    "session_lost": (SESSION_KINDS, True, {}),
    "no_credits": (frozenset({"run_sse"}), True, {}),
    "export_blocked": (frozenset({"render_submit"}), False, {}),
    "rate_limit": (API_KINDS, True, {"retry_after": 1}),
    "server_error": (API_KINDS, True, {"status": 503}),
    "sse_cut": (frozenset({"run_sse"}), False, {"after_events": 2}),
    "sse_stall": (frozenset({"run_sse"}), False, {"seconds": 3600.0}),
    "sse_error": (frozenset({"run_sse"}), False, {"message": "Agent execution failed",
                                                  "code": None}),
    "sse_trailing_issue": (frozenset({"run_sse"}), False, {}),
    "sse_say": (frozenset({"run_sse"}), False, {"text": "Hello."}),
    "sse_silent": (frozenset({"run_sse"}), False, {"seconds": 3600.0}),
    "sse_headers_only": (frozenset({"run_sse"}), False, {"seconds": 3600.0}),
    "sse_slow": (frozenset({"run_sse"}), False, {"delay": 0.5}),
    "sse_huge": (frozenset({"run_sse"}), False, {"chars": 1_000_000}),
    "sse_bad_json": (frozenset({"run_sse"}), False, {"lines": 1}),
    "sse_linger": (frozenset({"run_sse"}), False, {"seconds": 3600.0}),
    "render_slow": (frozenset({"render_submit"}), False, {"seconds": 5.0}),
    "render_fail": (frozenset({"render_submit"}), False, {"error": "Render failed"}),
    "duplicate_id": (frozenset({"render_submit"}), False, {}),
}

FAULT_NAMES = tuple(_SPECS)
"""Every fault the simulator knows."""

ANSWER_FAULTS = frozenset(
    {
        "token_expired",
        "session_lost",
        "no_credits",
        "export_blocked",
        "rate_limit",
        "server_error",
        "duplicate_id",
    }
)
"""Faults that replace the answer to a request (the others change what a handler does)."""


class Fault:
    """A fault to inject: `Fault("rate_limit", count=2, path="/api/", retry_after=None)`.

    `count` is how many matching requests it hits; `path` (optional) is a prefix the
    request path must start with. Other keyword arguments are the fault's parameters
    (see docs/simulator.md); a parameter given as None is kept as None.
    """

    def __init__(self, name: str, count: int = 1, path: str | None = None, **params: Any):
        if name not in _SPECS:
            raise ValueError(f"unknown fault {name!r}; known: {', '.join(FAULT_NAMES)}")
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValueError("count must be a positive integer")
        if path is not None and not (isinstance(path, str) and path.startswith("/")):
            raise ValueError("path must be a string starting with '/'")
        self.name = name
        self.count = count
        self.path = path
        self.params: dict[str, Any] = {**_SPECS[name][2], **params}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Fault:
        """Build a fault from the JSON body of `POST /_sim/faults`."""
        values = dict(data)
        name = values.pop("fault", None) or values.pop("name", None)
        if not isinstance(name, str):
            raise ValueError("'fault' (the fault's name) is required")
        count = values.pop("count", 1)
        path = values.pop("path", None)
        return cls(name, count=count, path=path, **values)

    def to_dict(self) -> dict[str, Any]:
        """The fault as `GET /_sim/faults` lists it."""
        return {"fault": self.name, "count": self.count, "path": self.path, **self.params}

    def param(self, key: str) -> Any:
        """One parameter (defaults applied)."""
        return self.params.get(key)

    def matches(self, kind: str, path: str) -> bool:
        """Whether a request of this kind and path is hit by the fault."""
        default_kinds, path_widens, _ = _SPECS[self.name]
        if self.path is None:
            return kind in default_kinds
        if not path.startswith(self.path):
            return False
        return path_widens or kind in default_kinds

    def __repr__(self) -> str:
        return f"Fault({self.name!r}, count={self.count}, path={self.path!r}, **{self.params!r})"


class FaultQueue:
    """Queued faults, hit in the order they were injected."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        # how many of each are queued: a request no queued fault can hit costs no scan
        # (a benchmark queues thousands of render durations)
        self._names: collections.Counter[str] = collections.Counter()

    def add(self, fault: Fault) -> None:
        """Queue a fault (a copy: hits count down on the queue's, not on the caller's)."""
        self._faults.append(copy.copy(fault))
        self._names[fault.name] += 1

    def clear(self) -> None:
        """Drop every queued fault."""
        self._faults.clear()
        self._names.clear()

    def pending(self) -> list[Fault]:
        """The queued faults, oldest first."""
        return list(self._faults)

    def take(self, kind: str, path: str, names: Collection[str]) -> Fault | None:
        """Consume one hit of the oldest queued fault among `names` matching the request."""
        if not any(self._names[name] > 0 for name in names):
            return None
        for fault in self._faults:
            if fault.name in names and fault.matches(kind, path):
                fault.count -= 1
                if fault.count <= 0:
                    self._faults.remove(fault)
                    self._names[fault.name] -= 1
                return fault
        return None
