"""Choices as buttons under the agent's answer: the next steps after an edit, the tracks a
two-stage generation added by itself, the options of a question the agent asks. A press
sends the option's text, as if typed."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.collecting import CollectingOutput
from core.conversation.suggestions import added_tracks, asked_options, next_steps
from core.conversation.turn import Turn
from core.embedded_redis import EmbeddedRedis
from core.messages import ChatKey, IncomingMessage, LocalFileAttachment, User
from core.nemo.draft import Draft
from core.outgoing import Action, Button, parse_press
from core.simulator import Simulator
from core.simulator.samples import write_sample_video
from core.store import ChatSession
from tests.kits.conversation import Kit, kit


def _turn(language: str = "en") -> Turn:
    async def keep(session: ChatSession) -> None:
        return None

    message = IncomingMessage(ChatKey("test", "1"), User("u1", "Ada", language), "1", "hi")
    return Turn(message, ChatSession(), language, CollectingOutput(), keep)


@pytest.mark.parametrize(("text", "options"), [
    ("Do you want upbeat, jazz or lo-fi music?", ["upbeat", "jazz", "lo-fi music"]),
    ("Title added. Would you like a fade or a cut between clips?",
     ["a fade", "a cut between clips"]),
    ("Which style do you prefer: upbeat or calm?", ["upbeat", "calm"]),
    ("Here are some options:\n1. **Upbeat pop**\n2. Calm piano\n3. Epic orchestra\n\n"
     "Which one do you like?", ["Upbeat pop", "Calm piano", "Epic orchestra"]),
    ("Which music do you want?\n- Upbeat\n- Calm", ["Upbeat", "Calm"]),
    ("Pick one of these:\n1. Sunset\n2. Ocean", ["Sunset", "Ocean"]),
    ("你想要欢快还是舒缓的音乐？", ["欢快", "舒缓的音乐"]),
    ("There's no background music to adjust yet. Want me to add some?", ["yes", "no, thanks"]),
    ("Do you want to keep it or not?", ["yes", "no, thanks"]),
])
def test_a_question_the_answer_ends_with_gives_its_options(text: str,
                                                           options: list[str]) -> None:
    assert [option for _, option in asked_options(_turn(), text)] == options


def test_a_chinese_yes_or_no_question() -> None:
    assert asked_options(_turn("zh"), "现在还没有背景音乐。需要我加一段吗？") == [
        ("好的", "好的"), ("不用了", "不用了")]


@pytest.mark.parametrize("text", [
    "Done! Say \"export\" when you want the video.",
    "Here is what I did:\n1. Added music\n2. Added a title",
    "Is there anything else you'd like to change or add?",
    "Title added. What next?",
    "",
])
def test_no_options_without_a_question_offering_them(text: str) -> None:
    assert asked_options(_turn(), text) == []


def test_labels_are_short_and_capitalised() -> None:
    text = "Which intro?\n1. " + "a very long description of an intro " * 2 + "\n2. short"
    labels = [label for label, _ in asked_options(_turn(), text)]
    assert labels[1] == "Short" and len(labels[0]) <= 40 and labels[0].endswith("…")


def test_next_steps_and_what_a_generation_added() -> None:
    before = Draft.from_raw({"t": [{"tt": 0, "sg": [{"s": 0, "d": 20_000, "n": "a.mp4"}]}]})
    line, options = next_steps(_turn(), before)
    assert line == "Next: add a title · add background music · export"
    assert options == [("Add a title", "add a title"),
                       ("Add background music", "add background music")]
    after = Draft.from_raw({"t": [
        *before.raw["t"],
        {"tt": 1, "n": "Ambient", "v": 30, "sg": [{"s": 0, "d": 20_000}]},
        {"tt": 7, "sg": [{"s": 0, "d": 3000, "txt": "Sunset"}]},
    ]})
    assert [t.label for t in added_tracks(before, after)] == ["Ambient", '"Sunset"']
    assert added_tracks(after, after) == []
    line, options = next_steps(_turn(), after)
    assert line == "Next: trim it to 15 seconds · export"


def _final(k: Kit) -> tuple[str, tuple[Button, ...]]:
    """The last message as it is now, with the buttons of its last send or edit."""
    last = k.out.records[-1]
    return k.out.messages[last.message_id], last.buttons


def _choice(buttons: tuple[Button, ...], label: str) -> str:
    """What pressing the option labelled `label` sends."""
    [button] = [b for b in buttons if b.label == label]
    assert button.action is Action.CHOOSE and button.press is not None
    command = parse_press(button.press)  # what a platform (or the terminal) sends
    assert command is not None
    return command


async def test_after_an_edit_the_next_steps_are_buttons(
        simulator: Simulator, redis_server: EmbeddedRedis, tmp_path: Path) -> None:
    simulator.config.silent_edits = "never"
    clip = write_sample_video(tmp_path / "a.mp4", seconds=2.0, color="red")
    async with kit(simulator, redis_server.url) as k:
        await k.say("", attachments=(LocalFileAttachment(clip),))
        await k.say("combine my clips")
        text, buttons = _final(k)
        assert "Next: add a title · add background music · export" in text
        assert [b.label for b in buttons] == ["Add a title", "Add background music", "Export"]
        await k.say(_choice(buttons, "Add background music"))
        assert "Added background music" in k.last()
        assert k.kinds().count("run_sse") == 2


async def test_a_two_stage_generation_offers_to_keep_or_remove_what_was_added(
        simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    simulator.config.generation_cost = 10
    async with kit(simulator, redis_server.url) as k:
        await k.say("generate a 5 second video of a sunset over the ocean")
        text, buttons = _final(k)
        assert "Your raw video is ready" in text
        assert "NemoVideo finished the video by itself and added: BGM: Ambient (0-5s, 30%) · " \
               'Title: "A Sunset Over The" (0-3s).' in text
        assert [b.label for b in buttons] == ["Keep all", "Remove music", "Remove title",
                                              "Export"]
        await k.say(_choice(buttons, "Remove music"))
        assert "Removed the background music" in k.last()
        assert "BGM" not in k.last() and 'Title: "A Sunset Over The"' in k.last()
        await k.say("generate a 5 second video of a forest at dawn")
        await k.say(_choice(_final(k)[1], "Keep all"))
        assert "BGM: Ambient" in k.last() and "Title:" in k.last()
        assert k.kinds().count("run_sse") == 3, "keeping everything asks nothing of the agent"


async def test_the_agents_question_is_answered_with_a_press(
        simulator: Simulator, redis_server: EmbeddedRedis,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("core.simulator.agent.chat_answer",
                        lambda message, chinese: "Do you want upbeat or calm music?")
    async with kit(simulator, redis_server.url) as k:
        await k.say("what music suits my video")
        text, buttons = _final(k)
        assert text == "Do you want upbeat or calm music?"
        assert [b.label for b in buttons] == ["Upbeat", "Calm music"]
        await k.say(_choice(buttons, "Calm music"))
        assert k.kinds().count("run_sse") == 2, "the option's text went to the agent"
        _, buttons = _final(k)
        await k.say(_choice(buttons, "Upbeat"))
        assert "earlier message" not in k.last(), "a new question, new buttons"


async def test_the_greetings_examples_and_the_answers_options_both_work(
        simulator: Simulator, redis_server: EmbeddedRedis,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("core.simulator.agent.chat_answer",
                        lambda message, chinese: "Do you want upbeat or calm music?")
    async with kit(simulator, redis_server.url) as k:
        await k.say("what music suits my video")  # a first contact: greeted, then answered
        greeting, answer = k.out.records[0], k.out.records[-1]
        assert "Ready when you are" in greeting.text
        assert [b.label for b in answer.buttons] == ["Upbeat", "Calm music"]
        await k.say(_choice(greeting.buttons, "What can you do?"))
        assert "earlier message" not in k.last(), "the greeting's offer came with the answer's"
        assert k.kinds().count("run_sse") == 2
        await k.say(_choice(answer.buttons, "Upbeat"))
        # the example's answer asked again, with options of its own: those are the latest
        assert "earlier message" in k.last(), "a press used the offers of that message"
