"""What no chat message and no log line may carry: NemoVideo tokens, lone surrogates."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.collecting import CollectingOutput
from core.logs import configure_logging
from core.messages import ChatKey
from core.outgoing import ProgressReport, Sent
from core.screening import Screened, screen

CHAT = ChatKey("test", "1")
TOKEN = "nmv_usr_SECRET-token_42"


def test_a_token_keeps_its_kind_and_loses_its_secret() -> None:
    assert screen(f"use {TOKEN}.") == "use nmv_usr_***."
    assert screen(f"Bearer {TOKEN}\nnmv_anon_x1") == "Bearer nmv_usr_***\nnmv_anon_***"


def test_a_lone_surrogate_becomes_the_replacement_character() -> None:
    assert screen("a \ud83c b \udfaf") == "a \ufffd b \ufffd"
    assert screen("a \U0001f3af b") == "a \U0001f3af b", "a whole pair is a character"


def test_a_clean_text_is_the_same_string() -> None:
    text = "nothing to hide, nmv alone"
    assert screen(text) is text


async def test_every_text_sent_through_the_core_is_screened(tmp_path: Path) -> None:
    collected = CollectingOutput()
    out = Screened(collected)
    sent = await out.send_text(CHAT, f"a {TOKEN}")
    await out.edit_text(CHAT, sent, f"b {TOKEN}")
    await out.send_link(CHAT, f"c {TOKEN}", "https://example.com/x", f"d {TOKEN}")
    await out.send_file(CHAT, tmp_path / "v.mp4", "v.mp4", f"e {TOKEN}")
    await out.progress(CHAT, Sent(sent.message_id), ProgressReport("render", 1, 2, f"f {TOKEN}"))
    await out.resend_file(CHAT, "ref", f"g {TOKEN}")
    assert out.as_shown(f"h {TOKEN}", None) == "h nmv_usr_***"
    asked = "\n".join(r.text for r in collected.records)
    assert "SECRET" not in asked
    for mark in "abcefg":  # the link's label is not recorded
        assert f"{mark} nmv_usr_***" in asked


@pytest.fixture
def own_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_the_log_never_holds_a_token_nor_breaks_on_a_lone_surrogate(
        fmt: str, own_logging: None, capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", fmt)
    root = logging.getLogger()
    root.handlers[:] = root.handlers[-1:]  # the process's own (pytest's keeps records as given)
    log = logging.getLogger("core.test")
    log.warning("agent error frame: auth failed for Bearer %s", TOKEN)
    try:
        raise RuntimeError(f"render failed: {TOKEN} \ud83c")
    except RuntimeError:
        log.exception("render %s failed", "r1")
    written = capsys.readouterr().err
    assert "SECRET" not in written and "Logging error" not in written
    assert written.count("nmv_usr_***") == 2, "the message and the traceback"
