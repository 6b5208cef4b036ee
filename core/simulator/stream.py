"""Agent stream events and their two wire shapes (ADK events and tagged events)."""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

AUTHOR = "nemo_agent"


@dataclass(frozen=True)
class Text:
    """Agent text: a fragment (`partial`) or the whole message that follows its fragments."""

    text: str
    partial: bool
    last: bool = False


@dataclass(frozen=True)
class Call:
    """The agent calls a tool."""

    call_id: str
    name: str
    args: dict[str, Any]


@dataclass(frozen=True)
class Result:
    """A tool's result, with the session state keys it changed."""

    call_id: str
    name: str
    result: dict[str, Any]
    delta: dict[str, Any] | None = None


@dataclass(frozen=True)
class Failure:
    """An error inside the open stream; always the last event. `code`: a backend code
    (2001: out of credits) the frame carries as well."""

    message: str
    code: int | None = None


Event = Text | Call | Result | Failure

_WORDS = re.compile(r"\S+\s*")


def fragments(text: str) -> list[str]:
    """Split a message into stream fragments: a few words, or a few characters of Chinese."""
    words = _WORDS.findall(text)
    if len(words) <= 1:
        return [text[i : i + 6] for i in range(0, len(text), 6)] or [text]
    return ["".join(words[i : i + 4]) for i in range(0, len(words), 4)]


def say(emit: Callable[[Event], None], text: str, *, last: bool) -> None:
    """Emit a text as the agent streams it: its fragments, then the whole (`last`: the
    turn's last text)."""
    for piece in fragments(text):
        emit(Text(piece, partial=True))
    emit(Text(text, partial=False, last=last))


def new_call_id() -> str:
    """An id for a tool call."""
    return f"call_{secrets.token_hex(6)}"


class Encoder:
    """Turns events into the JSON objects of one stream, in the configured shape."""

    def __init__(self, shape: str):
        self.shape = shape
        self.invocation_id = f"e-{secrets.token_hex(8)}"

    def encode(self, event: Event) -> dict[str, Any] | None:
        """The frame for an event, or None when this shape has no frame for it."""
        if isinstance(event, Failure):
            frame: dict[str, Any] = {
                "error": event.message,
                "errorCode": "AGENT_ERROR",
                "errorMessage": event.message,
                "invocationId": self.invocation_id,
            }
            if event.code is not None:
                frame["code"] = event.code
            return frame
        if self.shape == "tagged":
            return self._tagged(event)
        return self._adk(event)

    def heartbeat(self) -> dict[str, Any]:
        """A heartbeat frame (both shapes use the tagged form)."""
        return {"type": "heartbeat"}

    def _tagged(self, event: Text | Call | Result) -> dict[str, Any] | None:
        if isinstance(event, Text):
            return {"type": "text", "content": event.text} if event.partial else None
        if isinstance(event, Call):
            return {
                "type": "tool_call",
                "id": event.call_id,
                "name": event.name,
                "args": event.args,
            }
        return {
            "type": "tool_result",
            "id": event.call_id,
            "name": event.name,
            "result": event.result,
        }

    def _adk(self, event: Text | Call | Result) -> dict[str, Any]:
        frame: dict[str, Any] = {
            "author": AUTHOR,
            "invocationId": self.invocation_id,
            "id": secrets.token_hex(8),
            "timestamp": round(time.time(), 3),
        }
        if isinstance(event, Text):
            frame["content"] = {"role": "model", "parts": [{"text": event.text}]}
            if event.partial:
                frame["partial"] = True
            elif event.last:
                frame["turnComplete"] = True
        elif isinstance(event, Call):
            call = {"id": event.call_id, "name": event.name, "args": event.args}
            frame["content"] = {"role": "model", "parts": [{"functionCall": call}]}
        else:
            response = {"id": event.call_id, "name": event.name, "response": event.result}
            frame["content"] = {"role": "user", "parts": [{"functionResponse": response}]}
            frame["actions"] = {"stateDelta": event.delta or {}}
        return frame


def frame_bytes(frame: dict[str, Any] | None) -> bytes:
    """SSE framing: `data: <json>` and a blank line; None is an empty `data:` heartbeat."""
    if frame is None:
        return b"data:\n\n"
    # a lone surrogate (half a pair) cannot be UTF-8: it goes as JSON's own escape
    text = json.dumps(frame, ensure_ascii=False)
    return b"data: " + text.encode("utf-8", "backslashreplace") + b"\n\n"
