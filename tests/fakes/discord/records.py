"""What the fake Discord records: every HTTP request it answered (REST and CDN, with the
time it arrived), every payload the bot sent on the gateway, connections and dispatches."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass
class RecordedFile:
    """A file part of a multipart request."""

    field: str
    filename: str
    content_type: str | None
    data: bytes


@dataclass
class RecordedRequest:
    """One HTTP request the fake answered (REST API or CDN)."""

    method: str
    #: REST: path below ``/api/v10`` (``/channels/1/messages``); CDN: the full path.
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    kind: Literal["rest", "cdn"] = "rest"
    #: Parsed JSON body, or the ``payload_json`` part of a multipart body.
    json: Any = None
    files: list[RecordedFile] = field(default_factory=list)
    #: Name of the route that served it; ``None`` for routes the fake does not implement.
    route: str | None = None
    status: int = 0
    response: Any = None
    #: ``time.monotonic()`` when the request arrived.
    at: float = 0.0
    #: Held by an injected hang (recorded when the hang began).
    hung: bool = False
    _logged: bool = field(default=False, repr=False)

    @property
    def known(self) -> bool:
        """Whether the fake implements this route."""
        return self.route is not None

    @property
    def retry_after(self) -> float | None:
        """The ``retry_after`` of a 429 answer."""
        if self.status != 429 or not isinstance(self.response, dict):
            return None
        return self.response.get("retry_after")


@dataclass
class GatewayOp:
    """A payload the bot sent on the gateway."""

    op: int
    d: Any
    session_id: str | None
    shard: tuple[int, int] | None


@dataclass
class GatewayConnect:
    """One websocket connection the bot opened to the gateway."""

    #: ``/`` for the default gateway, ``/resume`` for READY's ``resume_gateway_url``.
    path: str
    #: ``v``, ``encoding`` and ``compress`` as the bot asked for them.
    query: dict[str, str]
    #: Whether the fake answered with zlib-stream compressed binary frames.
    compressed: bool


@dataclass
class DispatchedEvent:
    """A DISPATCH (op 0) the fake sent, or buffered for a disconnected session."""

    t: str
    s: int
    d: Any
    shard: tuple[int, int]
    delivered: bool
