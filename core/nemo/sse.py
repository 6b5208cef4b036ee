"""Parsing of agent-stream (SSE) payloads into the typed events of `core.nemo.events`.

Framing (the `data:` lines and blank-line separators) is left to httpx-sse; this
module turns the text of one event's `data` into zero or more typed events.
Both documented shapes are accepted:

* ADK events (camelCase, snake_case tolerated): `content.parts[]` holding `text`,
  `functionCall` or `functionResponse`; `partial`; `actions.stateDelta`;
  `errorCode` / `errorMessage`.
* Tagged events: `{"type": "text" | "tool_call" | "tool_result" | "heartbeat", ...}`.

An empty payload is a heartbeat, `{"error": ...}` is an in-stream failure, and
anything else this module does not recognise is dropped (logged at DEBUG).
"""

from __future__ import annotations

import json
import logging
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
)

log = logging.getLogger(__name__)

_HEARTBEAT_TYPES = frozenset({"heartbeat", "ping", "keepalive", "keep_alive"})


def parse_payload(data: str) -> list[AgentEvent]:
    """Parse one SSE `data` payload; never raises, unknown payloads give `[]`."""
    if not data.strip():
        return [Heartbeat()]
    try:
        obj = json.loads(data)
    except ValueError:
        log.debug("agent stream: dropped a non-JSON payload (%d chars)", len(data))
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
