"""Typed events of an agent (SSE) stream.

Both documented wire shapes (ADK events and tagged events) parse into these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class TextFragment:
    """A piece of a longer agent message (ADK `partial: true`, or a tagged text event)."""

    text: str


@dataclass(frozen=True)
class FullText:
    """A complete agent message (ADK event without `partial`); replaces its fragments."""

    text: str


@dataclass(frozen=True)
class ToolCall:
    """The agent called a tool. Never shown to users."""

    name: str
    args: dict[str, Any] = field(default_factory=dict)
    call_id: str | None = None


@dataclass(frozen=True)
class ToolResult:
    """A tool finished. Never shown to users."""

    name: str
    result: Any = None
    call_id: str | None = None


@dataclass(frozen=True)
class Heartbeat:
    """The agent is still working (a heartbeat event or an empty `data:` line)."""


@dataclass(frozen=True)
class StreamError:
    """A failure reported inside an open stream (HTTP 200, last frame)."""

    message: str
    code: str | int | None = None


@dataclass(frozen=True)
class StateDelta:
    """ADK `actions.stateDelta`: keys of the session state that changed."""

    delta: dict[str, Any]


@dataclass(frozen=True)
class TurnComplete:
    """ADK `turnComplete: true`: the agent's turn is over (it comes after the event's
    other contents)."""


AgentEvent = (TextFragment | FullText | ToolCall | ToolResult | Heartbeat | StreamError
              | StateDelta | TurnComplete)
