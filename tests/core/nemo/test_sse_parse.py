"""Parsing of agent-stream payloads: both documented shapes and odd frames."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from core.nemo.events import (
    FullText,
    Heartbeat,
    StateDelta,
    StreamError,
    TextFragment,
    ToolCall,
    ToolResult,
    TurnComplete,
)
from core.nemo.sse import SSEFramer, parse_event, parse_payload


def payload(obj: Any) -> str:
    return json.dumps(obj)


# ---------------------------------------------------------------- ADK shape


def test_adk_partial_text_is_a_fragment() -> None:
    frame = {
        "content": {"role": "model", "parts": [{"text": "Adding a ti"}]},
        "partial": True,
        "author": "nemo_agent",
        "invocationId": "e-1",
        "id": "ev-1",
    }
    assert parse_payload(payload(frame)) == [TextFragment("Adding a ti")]


def test_adk_text_without_partial_is_full_text() -> None:
    frame: dict[str, Any] = {"content": {"role": "model", "parts": [{"text": "Done."}]}}
    assert parse_payload(payload(frame)) == [FullText("Done.")]
    frame["partial"] = False
    assert parse_payload(payload(frame)) == [FullText("Done.")]


@pytest.mark.parametrize("key", ["turnComplete", "turn_complete"])
def test_adk_turn_complete_comes_after_the_events_contents(key: str) -> None:
    frame = {"content": {"role": "model", "parts": [{"text": "Done."}]}, key: True}
    assert parse_payload(payload(frame)) == [FullText("Done."), TurnComplete()]
    for value in (False, None, "true", 1):  # only a JSON true says the turn is over
        assert parse_payload(payload({**frame, key: value})) == [FullText("Done.")]


def test_adk_text_parts_are_joined_in_order_around_tool_parts() -> None:
    frame = {
        "content": {
            "parts": [
                {"text": "Let me "},
                {"text": "check."},
                {"functionCall": {"id": "c1", "name": "get_state", "args": {"x": 1}}},
                {"text": "Checked."},
            ]
        }
    }
    assert parse_payload(payload(frame)) == [
        FullText("Let me check."),
        ToolCall("get_state", {"x": 1}, "c1"),
        FullText("Checked."),
    ]


def test_adk_function_call_and_response() -> None:
    call = {"content": {"parts": [{"functionCall": {"id": "c1", "name": "add_title", "args": {}}}]}}
    resp = {
        "content": {
            "role": "user",
            "parts": [
                {"functionResponse": {"id": "c1", "name": "add_title", "response": {"ok": 1}}}
            ],
        }
    }
    assert parse_payload(payload(call)) == [ToolCall("add_title", {}, "c1")]
    assert parse_payload(payload(resp)) == [ToolResult("add_title", {"ok": 1}, "c1")]


def test_adk_snake_case_variants_are_accepted() -> None:
    frame = {
        "content": {
            "parts": [
                {"function_call": {"name": "f", "args": {"a": 2}}},
                {"function_response": {"name": "f", "response": "ok"}},
            ]
        },
        "actions": {"state_delta": {"draft": {"t": []}}},
        "error_code": "E1",
        "error_message": "bad",
    }
    assert parse_payload(payload(frame)) == [
        ToolCall("f", {"a": 2}),
        ToolResult("f", "ok"),
        StateDelta({"draft": {"t": []}}),
        StreamError("bad", "E1"),
    ]


def test_adk_state_delta() -> None:
    frame = {"actions": {"stateDelta": {"draft": {"t": [{"tt": 0}]}}}, "author": "nemo_agent"}
    assert parse_payload(payload(frame)) == [StateDelta({"draft": {"t": [{"tt": 0}]}})]


def test_adk_empty_state_delta_and_no_content_give_nothing() -> None:
    frame = {"actions": {"stateDelta": {}}, "content": None}
    assert parse_payload(payload(frame)) == []
    assert parse_payload(payload({**frame, "turnComplete": True})) == [TurnComplete()]


def test_adk_error_fields() -> None:
    frame = {"errorCode": "MALFORMED_FUNCTION_CALL", "errorMessage": "Malformed call"}
    assert parse_payload(payload(frame)) == [
        StreamError("Malformed call", "MALFORMED_FUNCTION_CALL")
    ]
    assert parse_payload(payload({"errorCode": "X"})) == [StreamError("X", "X")]


def test_adk_thought_parts_and_empty_text_are_dropped() -> None:
    frame = {"content": {"parts": [{"text": "thinking...", "thought": True}, {"text": ""}]}}
    assert parse_payload(payload(frame)) == []


# ------------------------------------------------------------- tagged shape


def test_tagged_text_is_a_fragment() -> None:
    assert parse_payload(payload({"type": "text", "content": "Hello"})) == [TextFragment("Hello")]


def test_tagged_tool_call_and_result() -> None:
    assert parse_payload(payload({"type": "tool_call", "name": "add", "args": {"a": 1}})) == [
        ToolCall("add", {"a": 1})
    ]
    assert parse_payload(
        payload({"type": "tool_result", "name": "add", "result": {"ok": True}})
    ) == [ToolResult("add", {"ok": True})]


def test_tagged_heartbeat_and_case_insensitive_type() -> None:
    assert parse_payload(payload({"type": "heartbeat"})) == [Heartbeat()]
    assert parse_payload(payload({"type": "HEARTBEAT"})) == [Heartbeat()]


def test_tagged_odd_values_do_not_crash() -> None:
    assert parse_payload(payload({"type": "text", "content": 5})) == []
    assert parse_payload(payload({"type": "tool_call", "args": "not a dict"})) == [ToolCall("", {})]
    assert parse_payload(payload({"type": "tool_result"})) == [ToolResult("", None)]


def test_tagged_unknown_type_is_ignored(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="core.nemo.sse"):
        assert parse_payload(payload({"type": "progress", "value": 3})) == []
    assert "unknown type" in caplog.text


# ------------------------------------------------------------- odd frames


@pytest.mark.parametrize("data", ["", " ", "\n"])
def test_empty_data_is_a_heartbeat(data: str) -> None:
    assert parse_payload(data) == [Heartbeat()]


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        ({"error": "Agent execution failed"}, StreamError("Agent execution failed")),
        ({"error": "boom", "code": 500}, StreamError("boom", 500)),
        ({"error": {"message": "nested", "code": "E"}}, StreamError("nested", "E")),
        ({"error": True, "message": "flag"}, StreamError("flag")),
    ],
)
def test_error_frame(frame: dict[str, Any], expected: StreamError) -> None:
    assert parse_payload(payload(frame)) == [expected]


def test_null_error_key_is_not_an_error() -> None:
    frame = {"error": None, "content": {"parts": [{"text": "fine"}]}}
    assert parse_payload(payload(frame)) == [FullText("fine")]


@pytest.mark.parametrize(
    "data",
    ["not json", "{", "[1, 2]", "42", '"text"', "null", '{"foo": "bar"}', '{"content": "x"}'],
)
def test_unknown_or_broken_payloads_are_ignored(data: str) -> None:
    assert parse_payload(data) == []


@pytest.mark.parametrize("data", ["[" * 100_000 + "]" * 100_000, "9" * 5000, "{\ud800"])
def test_hostile_payloads_are_dropped_with_a_warning(
    data: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="core.nemo.sse"):
        assert parse_payload(data) == []
    assert "dropped" in caplog.text


def test_malformed_parts_are_skipped() -> None:
    frame = {"content": {"parts": ["junk", None, {"functionCall": "nope"}, {"text": "ok"}]}}
    assert parse_payload(payload(frame)) == [FullText("ok")]
    assert parse_payload(payload({"content": {"parts": "junk"}})) == []


def test_parse_event_never_raises() -> None:
    class Weird(dict[str, Any]):
        def get(self, *_: Any, **__: Any) -> Any:
            raise RuntimeError("boom")

    assert parse_event(Weird()) == []


# ------------------------------------------------------------------ framing

STREAM = (
    b"\xef\xbb\xbfdata: one\r\n\r\n"
    b": keep-alive\n"
    b"event: message\nid: 7\ndata:two\ndata:  lines\n\n"
    b"data\r\rdata: \xc3\xa9t\xc3\xa9\r\n"
    b"retry: 10\n\n"
    b"data: left open"
)
FRAMES = ["one", None, "two\n lines", "", "été"]


def feed_all(framer: SSEFramer, chunks: list[bytes]) -> list[str | None]:
    return [frame for chunk in chunks for frame in framer.feed(chunk)]


def test_framer_follows_the_sse_line_rules() -> None:
    assert feed_all(SSEFramer(1024), [STREAM]) == FRAMES


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7])
def test_framer_gives_the_same_frames_whatever_the_chunking(size: int) -> None:
    chunks = [STREAM[i:i + size] for i in range(0, len(STREAM), size)]
    assert feed_all(SSEFramer(1024), chunks) == FRAMES


def test_framer_keeps_a_crlf_split_by_an_empty_chunk() -> None:
    framer = SSEFramer(1024)
    assert feed_all(framer, [b"data: a\r", b"", b"\ndata: b\r", b"\n\r\n"]) == ["a\nb"]


def test_framer_drops_an_oversized_line_or_event_and_goes_on() -> None:
    framer = SSEFramer(16)
    long_line = b"data: " + b"x" * 40 + b"\n\n"
    many_lines = b"data: 12345678\n" * 3 + b"\n"
    fits = b"data: 123456789\n\n"  # 15 bytes of data plus its line end: 16
    chunks = [long_line[:10], long_line[10:], many_lines, fits]
    assert feed_all(framer, chunks) == ["123456789"]
    assert framer.dropped == 2
