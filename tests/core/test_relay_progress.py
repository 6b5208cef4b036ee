"""Progress that tells the truth: "This may take a few minutes." before a generation or an
edit, stage labels from the agent's tool calls, a Cancel button while the agent works."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from core.collecting import Record
from core.conversation.progress import stage_key, takes_a_while
from core.embedded_redis import EmbeddedRedis
from core.messages import LocalFileAttachment
from core.outgoing import Action
from core.simulator import Simulator
from core.simulator.edits import tool_name
from core.simulator.intents import Op
from core.simulator.samples import write_sample_video
from tests.kits.conversation import Kit, kit
from tests.waiting import wait_until

NOTICE = "This may take a few minutes."


@pytest.mark.parametrize("text", [
    "combine my clips into a 20-second video", "add the title Hello", "generate a video of "
    "a sunset over the sea", "make it shorter", "add some upbeat music", "trim it to 15s",
    "remove the title", "can you add music?", "把片段合成一个视频", "加上背景音乐",
    "生成一个日落的视频",
])
def test_generations_and_edits_take_a_while(text: str) -> None:
    assert takes_a_while(text)


@pytest.mark.parametrize("text", [
    "hello", "thanks!", "hi there", "what can you do?", "how do I add music?",
    "tell me a story", "你好", "谢谢", "怎么添加音乐？",
])
def test_small_talk_does_not(text: str) -> None:
    assert not takes_a_while(text)


@pytest.mark.parametrize(("tool", "key"), [
    ("generate_video", "stage_generating"), ("add_bgm", "stage_music"),
    ("add_text", "stage_title"), ("export_video", "stage_exporting"),
    ("render", "stage_exporting"), ("combine_clips", "stage_combining"),
    ("trim_video", "stage_trimming"), ("set_volume", "stage_volume"),
    ("remove_track", "stage_removing"), ("apply_filter", "stage_effects"),
    ("add_transition", "stage_effects"), ("text_to_video", "stage_generating"),
    ("lookup_something", "stage_working"), ("", "stage_working"),
])
def test_stages_are_read_from_tool_names(tool: str, key: str) -> None:
    assert stage_key(tool) == key


def test_every_tool_the_simulated_agent_calls_has_a_stage() -> None:
    kinds = ["generate", "combine", "trim", "title", "remove_title", "music", "volume",
             "remove_music"]
    for kind in kinds:
        assert stage_key(tool_name(Op(kind))) != "stage_working", kind


def _messages(k: Kit) -> dict[str, list[Record]]:
    """The records of each message (a send and its edits), by message id."""
    by_id: dict[str, list[Record]] = {}
    for record in k.out.records:
        if record.kind in ("text", "edit"):
            by_id.setdefault(record.message_id, []).append(record)
    return by_id


def _cancel(record: Record) -> bool:
    return any(b.action is Action.CANCEL for b in record.buttons)


async def test_an_edit_says_it_may_take_minutes_in_its_live_message(
        simulator: Simulator, redis_server: EmbeddedRedis, tmp_path: Path) -> None:
    simulator.config.silent_edits = "never"
    clip = write_sample_video(tmp_path / "a.mp4", seconds=2.0, color="red")
    async with kit(simulator, redis_server.url) as k:
        await k.say("", attachments=(LocalFileAttachment(clip),))
        before = len(_messages(k))
        await k.say("combine my clips")
        new = list(_messages(k).values())[before:]
        assert len(new) == 1, "the notice, the progress and the answer are one message"
        [records] = new
        assert records[0].kind == "text" and records[0].text == NOTICE and _cancel(records[0])
        assert all(_cancel(r) for r in records[:-1]), "Cancel while the agent works"
        final = records[-1]
        assert not _cancel(final) and "Timeline (1 track)" in final.text
        assert NOTICE not in final.text
        # the agent said "Preview in timeline to check the cut, then click the Export button"
        assert "Preview" not in final.text and "click" not in final.text
        assert 'Say "export" when you want the video.' in final.text


async def test_small_talk_is_answered_without_the_notice(
        simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    async with kit(simulator, redis_server.url) as k:
        await k.say("/start")
        before = len(_messages(k))
        await k.say("hello")
        assert not any(NOTICE in r.text for r in k.out.records)
        [records] = list(_messages(k).values())[before:]
        assert not _cancel(records[-1]) and "NemoVideo editor" in records[-1].text


async def test_stage_labels_show_what_the_agent_does_until_text_comes(
        simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    simulator.config.generation_delay = 0.5  # the backend takes its time to generate
    async with kit(simulator, redis_server.url) as k:
        await k.say("/start")
        before = len(k.out.records)
        await k.say("generate a video of a sunset over the ocean")
        shown = [r.text for r in k.out.records[before:] if r.kind in ("text", "edit")]
        assert shown[0] == NOTICE
        assert f"{NOTICE}\nGenerating video…" in shown
        assert "Your raw video is ready" in shown[-1]
        assert not any("Adding music…" in text for text in shown), "text came first"


async def test_the_cancel_button_stops_the_agent_turn(
        simulator: Simulator, redis_server: EmbeddedRedis,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="core.conversation.middleware")
    simulator.config.generation_delay = 30.0
    async with kit(simulator, redis_server.url) as k:
        turn = k.dispatcher.submit(k.message("generate a video of a city at night"))

        def cancel_shown() -> Record | None:
            return next((r for r in reversed(k.out.records)
                         if "Generating video…" in r.text and _cancel(r)), None)

        live = await wait_until(cancel_shown, what="the Cancel button under the progress")
        [button] = [b for b in live.buttons if b.action is Action.CANCEL]
        assert button.press == "cancel"
        await k.say("/cancel")  # what a press on the button sends
        async with asyncio.timeout(10):
            await turn
        assert any("Stopped" in text for text in k.out.texts())
        last_of_live = [r for r in k.out.records if r.message_id == live.message_id][-1]
        assert not _cancel(last_of_live), "the button is gone once the turn stopped"
        assert k.kinds().count("run_sse") == 1
    steps = [r.getMessage() for r in caplog.records if "agent" in r.getMessage()]
    assert any("agent stopped by the user in" in line for line in steps), steps
    assert not any("agent failed" in line for line in steps), steps
