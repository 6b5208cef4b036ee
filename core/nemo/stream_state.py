"""What one agent stream keeps track of besides its bytes: its deadlines, the size of its
answer, and whether the agent said its turn is complete."""

from __future__ import annotations

import logging

from core.nemo.errors import StreamTimedOut
from core.nemo.events import (
    AgentEvent,
    FullText,
    Heartbeat,
    StreamError,
    TextFragment,
    ToolCall,
    ToolResult,
    TurnComplete,
)
from core.settings import Settings

log = logging.getLogger(__name__)


class TurnEnd:
    """Whether the agent has said its turn is complete (ADK `turnComplete`) with no tool
    call awaiting its result, and said nothing since: the answer is whole, so a break
    of the connection after it is the stream's end, not a message lost midway."""

    def __init__(self) -> None:
        self.complete = False
        self._open_calls = 0

    def see(self, event: AgentEvent) -> None:
        """Take one event."""
        if isinstance(event, TurnComplete):
            self.complete = self._open_calls == 0
            return
        if isinstance(event, ToolCall):
            self._open_calls += 1
        elif isinstance(event, ToolResult):
            self._open_calls = max(0, self._open_calls - 1)
        if not isinstance(event, Heartbeat):
            self.complete = False


class AnswerBudget:
    """Counts an answer's text as the relay keeps it (a full text replaces the fragments
    before it) and cuts it at `limit` characters."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.full = 0
        self.fragments = 0
        self.exceeded = False

    def admit(self, event: AgentEvent) -> AgentEvent | None:
        """The event, its text shortened to what is left (None when nothing is)."""
        if isinstance(event, TextFragment):
            text = self._fit(event.text, self.limit - self.full - self.fragments)
            self.fragments += len(text)
            return TextFragment(text) if text else None
        if isinstance(event, FullText):
            text = self._fit(event.text, self.limit - self.full)
            self.full += len(text)
            self.fragments = 0
            return FullText(text) if text else None
        return event

    def _fit(self, text: str, room: int) -> str:
        if len(text) <= room:
            return text
        self.exceeded = True
        log.warning("run_sse: the answer passed %d characters; the rest is not read", self.limit)
        return text[: max(room, 0)]

    def error(self) -> StreamError:
        """The last event of a cut answer."""
        return StreamError(
            f"the agent's answer passed {self.limit} characters (NEMO_MAX_ANSWER_CHARS); "
            "the rest was not read",
            code="answer_too_long",
        )


class Deadlines:
    """The deadlines of one agent stream.

    The first frame (a heartbeat will do) within `nemo_first_event_timeout` of
    sending; after that, something other than heartbeats within
    `nemo_heartbeat_timeout` (silence counts as heartbeats); the whole call
    within `nemo_sse_timeout`.
    """

    def __init__(self, settings: Settings, started: float, now: float) -> None:
        self.settings = settings
        self.total = started + settings.nemo_sse_timeout
        self.first: float | None = started + settings.nemo_first_event_timeout
        self.last_progress = now
        self.frames = 0
        self._binding = "total"
        #: when a turn said complete may be taken as the stream's end (None: not complete)
        self.turn_end: float | None = None

    def seen(self) -> None:
        """A frame (or a comment line) arrived: the first-event deadline is met."""
        self.first = None
        self.frames += 1

    def progress(self, now: float) -> None:
        """Something other than a heartbeat arrived."""
        self.last_progress = now

    def turn(self, complete: bool, now: float) -> None:
        """Whether the agent's turn is complete: then the stream ends once
        `nemo_turn_end_grace` has passed with nothing new (heartbeats are nothing new)."""
        if not complete:
            self.turn_end = None
        elif self.turn_end is None:
            self.turn_end = now + self.settings.nemo_turn_end_grace

    @property
    def turn_ended(self) -> bool:
        """Whether the wait `wait` last gave was the grace after a complete turn."""
        return self._binding == "turn"

    def wait(self, now: float) -> float:
        """Seconds the next frame may take; raise StreamTimedOut when none are left (the
        grace after a complete turn gives 0 instead: see `turn_ended`)."""
        limits = [
            (self.last_progress + self.settings.nemo_heartbeat_timeout - now, "quiet"),
            (self.total - now, "total"),
        ]
        if self.first is not None:
            limits.append((self.first - now, "first"))
        if self.turn_end is not None:
            limits.append((self.turn_end - now, "turn"))
        left, self._binding = min(limits)
        if left <= 0:
            if self.turn_ended:
                return 0.0
            raise self.expired()
        return left

    def expired(self) -> StreamTimedOut:
        """The error of the deadline that `wait` last found nearest."""
        settings = self.settings
        if self._binding == "first":
            return StreamTimedOut(
                f"the agent sent no first event within {settings.nemo_first_event_timeout:g} s"
            )
        if self._binding == "quiet":
            return StreamTimedOut(
                "the agent sent only heartbeats (or nothing) for "
                f"{settings.nemo_heartbeat_timeout:g} s"
            )
        return StreamTimedOut(f"the agent call ran longer than {settings.nemo_sse_timeout:g} s")
