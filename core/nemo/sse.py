"""Agent-stream (SSE) framing and the parsing of payloads into `core.nemo.events`.

`SSEFramer` splits the byte stream into events (the `data:` lines up to a blank
line) with bounded memory: a line or an event larger than its limit is dropped
as it streams past, never held whole. `parse_payload` turns the text of one
event's `data` into zero or more typed events. Both documented shapes are accepted:

* ADK events (camelCase, snake_case tolerated): `content.parts[]` holding `text`,
  `functionCall` or `functionResponse`; `partial`; `actions.stateDelta`;
  `errorCode` / `errorMessage`; `turnComplete`.
* Tagged events: `{"type": "text" | "tool_call" | "tool_result" | "heartbeat", ...}`.

An empty payload is a heartbeat, `{"error": ...}` is an in-stream failure, and
anything else this module does not recognise is dropped: logged at DEBUG, or as a
(throttled) warning when it is not even JSON. A bad payload never ends the stream.
"""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any

from core.nemo.events import (
    AgentEvent,
    FullText,
    Heartbeat,
    StateDelta,
    StreamError,
    TextFragment,
    ToolCall,
    ToolResult,
    TurnComplete,
)

log = logging.getLogger(__name__)

_HEARTBEAT_TYPES = frozenset({"heartbeat", "ping", "keepalive", "keep_alive"})
_LINE_END = re.compile(rb"[\r\n]")
_BOM = b"\xef\xbb\xbf"


class ThrottledWarning:
    """A warning logged at most once per `every` seconds, with a count of those held back
    (one per agent stream: a flood of bad frames must not become a flood of log lines)."""

    def __init__(self, every: float) -> None:
        self.every = every
        self._last = -every
        self._held = 0

    def warn(self, message: str, *args: object) -> None:
        """Log `message % args` now, or count it when one was logged too recently."""
        now = time.monotonic()
        if now - self._last < self.every:
            self._held += 1
            return
        self.flush()
        self._last = now
        log.warning(message, *args)

    def flush(self) -> None:
        """Log how many warnings were held back, if any."""
        if self._held:
            log.warning("agent stream: %d more warnings like the last were held back", self._held)
            self._held = 0


Frame = str | None
"""One event's `data` text, or None for a comment line (`: ...`, a keep-alive)."""


class SSEFramer:
    """Splits an event stream's bytes into frames, holding at most `max_bytes` per
    line and per event. Lines end with CR, LF or CRLF (split across chunks too);
    only `data` fields are kept; an event still open when the stream ends is dropped.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.dropped = 0
        """Events dropped for being too large."""
        self._line = bytearray()
        self._data: list[bytes] = []
        self._data_size = 0
        self._has_data = False
        self._line_too_long = False
        self._event_too_large = False
        self._after_cr = False
        self._started = False
        self._head = b""
        self.warnings = ThrottledWarning(10.0)
        """Warnings about this stream's bad frames (shared with `parse_payload`)."""

    def feed(self, chunk: bytes) -> list[Frame]:
        """The frames completed by `chunk`."""
        if not chunk:
            return []
        if not self._started:
            head = self._head + chunk
            if len(head) < len(_BOM) and _BOM.startswith(head):
                self._head = head  # maybe a byte-order mark split over chunks
                return []
            self._started, self._head = True, b""
            chunk = head.removeprefix(_BOM)
        frames: list[Frame] = []
        start = 1 if self._after_cr and chunk[:1] == b"\n" else 0
        self._after_cr = False
        while start < len(chunk):
            match = _LINE_END.search(chunk, start)
            if match is None:
                self._extend(chunk[start:])
                break
            end = match.start()
            self._extend(chunk[start:end])
            self._end_line(frames)
            if chunk[end] == 0x0D:
                if end + 1 == len(chunk):
                    self._after_cr = True
                elif chunk[end + 1] == 0x0A:
                    end += 1
            start = end + 1
        return frames

    def _extend(self, part: bytes) -> None:
        if self._line_too_long or not part:
            return
        if len(self._line) + len(part) > self.max_bytes:
            self._line_too_long = self._event_too_large = True
            self._line.clear()
            return
        self._line += part

    def _end_line(self, frames: list[Frame]) -> None:
        line = bytes(self._line)
        self._line.clear()
        if self._line_too_long:
            self._line_too_long = False
        elif not line:
            self._dispatch(frames)
        elif line.startswith(b":"):
            frames.append(None)
        else:
            name, _, value = line.partition(b":")
            if name == b"data":
                self._add_data(value.removeprefix(b" "))

    def _add_data(self, value: bytes) -> None:
        self._has_data = True
        self._data_size += len(value) + 1
        if self._data_size > self.max_bytes:
            self._event_too_large = True
            self._data.clear()
        elif not self._event_too_large:
            self._data.append(value)

    def _dispatch(self, frames: list[Frame]) -> None:
        if self._event_too_large:
            self.dropped += 1
            self.warnings.warn(
                "agent stream: dropped an event larger than %d bytes (NEMO_MAX_EVENT_BYTES)",
                self.max_bytes,
            )
        elif self._has_data:
            frames.append(b"\n".join(self._data).decode("utf-8", errors="replace"))
        self._data.clear()
        self._data_size = 0
        self._has_data = self._event_too_large = False


def parse_payload(data: str, warnings: ThrottledWarning | None = None) -> list[AgentEvent]:
    """Parse one SSE `data` payload; never raises, unknown payloads give `[]`.

    A payload that is not JSON is logged as a warning, through `warnings` if given.
    """
    if not data.strip():
        return [Heartbeat()]
    try:
        obj = json.loads(data)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than json parses
        warn = log.warning if warnings is None else warnings.warn
        warn("agent stream: dropped a non-JSON payload (%d chars)", len(data))
        return []
    if not isinstance(obj, dict):
        log.debug("agent stream: dropped a JSON %s payload", type(obj).__name__)
        return []
    return parse_event(obj)


def parse_event(obj: dict[str, Any]) -> list[AgentEvent]:
    """Parse one decoded event object of either shape; never raises."""
    try:
        if _present(obj.get("error")):
            return [_error_frame(obj)]
        kind = obj.get("type")
        if isinstance(kind, str):
            return _tagged(kind.lower(), obj)
        events = _adk(obj)
    except Exception:  # a malformed frame must never end the stream
        log.debug("agent stream: dropped a malformed event", exc_info=True)
        return []
    if not events:
        log.debug("agent stream: no usable content in event with keys %s", sorted(obj)[:10])
    return events


def _present(value: Any) -> bool:
    return value is not None and value != "" and value is not False


def _error_frame(obj: dict[str, Any]) -> StreamError:
    error = obj["error"]
    code = obj.get("code")
    if isinstance(error, dict):
        message = error.get("message") or error.get("error") or ""
        code = error.get("code", code)
    else:
        message = str(error) if error is not True else ""
    message = str(message or obj.get("message") or "the agent reported an error")
    return StreamError(message=message, code=_code(code))


def _code(value: Any) -> str | int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | str):
        return value
    return str(value)


def _tagged(kind: str, obj: dict[str, Any]) -> list[AgentEvent]:
    if kind in _HEARTBEAT_TYPES:
        return [Heartbeat()]
    if kind == "text":
        text = obj.get("content")
        if not isinstance(text, str):
            text = obj.get("text")
        if isinstance(text, str) and text:
            return [TextFragment(text)]
        return []
    if kind == "tool_call":
        args = obj.get("args")
        if not isinstance(args, dict):
            args = obj.get("arguments")
        name = str(obj.get("name") or "")
        call_id = _opt_str(obj, "id")
        return [ToolCall(name, args if isinstance(args, dict) else {}, call_id)]
    if kind == "tool_result":
        result = obj["result"] if "result" in obj else obj.get("response")
        return [ToolResult(str(obj.get("name") or ""), result, _opt_str(obj, "id"))]
    if kind == "error":
        message = obj.get("message") or obj.get("content") or "the agent reported an error"
        return [StreamError(message=str(message), code=_code(obj.get("code")))]
    log.debug("agent stream: dropped a tagged event of unknown type %r", kind[:40])
    return []


def _opt_str(obj: dict[str, Any], key: str) -> str | None:
    value = obj.get(key)
    return None if value is None else str(value)


def _get(obj: dict[str, Any], camel: str, snake: str) -> Any:
    value = obj.get(camel)
    return obj.get(snake) if value is None else value


def _adk(obj: dict[str, Any]) -> list[AgentEvent]:
    content = obj.get("content")
    parts = content.get("parts") if isinstance(content, dict) else None
    events = _adk_parts(parts if isinstance(parts, list) else [], bool(obj.get("partial")))
    actions = obj.get("actions")
    if isinstance(actions, dict):
        delta = _get(actions, "stateDelta", "state_delta")
        if isinstance(delta, dict) and delta:
            events.append(StateDelta(delta=delta))
    error_code = _get(obj, "errorCode", "error_code")
    error_message = _get(obj, "errorMessage", "error_message")
    if _present(error_code) or _present(error_message):
        message = str(error_message or error_code)
        events.append(StreamError(message=message, code=_code(error_code)))
    if _get(obj, "turnComplete", "turn_complete") is True:
        events.append(TurnComplete())
    return events


def _adk_parts(parts: list[Any], partial: bool) -> list[AgentEvent]:
    """Text (joined per run of text parts), tool calls and tool results, in order."""
    events: list[AgentEvent] = []
    texts: list[str] = []

    def flush_text() -> None:
        if texts:
            joined = "".join(texts)
            events.append(TextFragment(joined) if partial else FullText(joined))
            texts.clear()

    for part in parts:
        if not isinstance(part, dict):
            continue
        text = part.get("text")
        if isinstance(text, str) and text and not part.get("thought"):
            texts.append(text)
            continue
        call = _get(part, "functionCall", "function_call")
        response = _get(part, "functionResponse", "function_response")
        if isinstance(call, dict):
            flush_text()
            args = call.get("args")
            events.append(ToolCall(name=str(call.get("name") or ""),
                                   args=args if isinstance(args, dict) else {},
                                   call_id=_opt_str(call, "id")))
        elif isinstance(response, dict):
            flush_text()
            events.append(ToolResult(name=str(response.get("name") or ""),
                                     result=response.get("response"),
                                     call_id=_opt_str(response, "id")))
    flush_text()
    return events
