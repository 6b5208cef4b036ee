"""Formats and first contact: the greeting's example buttons, /new's format presets, the
format reaching the agent with every instruction, and changing it later."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.collecting import CollectingOutput
from core.embedded_redis import EmbeddedRedis
from core.formats import FormatChoice, aspect_of, output_extras, parse
from core.messages import ChatKey
from core.outgoing import Action, Button, Sent
from core.simulator import Simulator
from core.simulator.agent import Agent
from core.simulator.faults import Fault
from tests.kits.conversation import CHAT, kit
from tests.kits.transcripts import WELCOME_END


@pytest.mark.parametrize(("text", "expected"), [
    ("9:16", FormatChoice("9:16", None)),
    ("9x16 30s", FormatChoice("9:16", 30)),
    ("youtube", FormatChoice("16:9", None)),
    ("Square, 60", FormatChoice("1:1", 60)),
    ("4X5 15 seconds", FormatChoice("4:5", 15)),
    ("4X5 15sec", FormatChoice("4:5", 15)),
    ("tiktok seconds", None),
    ("auto", FormatChoice("", 0)),
    ("", FormatChoice(None, None)),
    ("7:3", None),
    ("9000s", None),
])
def test_format_arguments(text: str, expected: FormatChoice | None) -> None:
    assert parse(text) == expected


def test_output_size_and_aspect() -> None:
    assert output_extras(1080, 1920) == {"width": 1080, "height": 1920, "fps": 30}
    assert output_extras(0, 0) == {}
    assert aspect_of(320, 180) == "16:9" and aspect_of(180, 320) == "9:16"
    assert aspect_of(500, 300) is None and aspect_of(None, 10) is None


class AskingSimulator(CollectingOutput):
    """Notes how many requests the simulator had seen when each message was sent."""

    def __init__(self, simulator: Simulator) -> None:
        super().__init__()
        self.simulator = simulator
        self.seen_at_send: list[int] = []

    async def send_text(self, chat: ChatKey, text: str, buttons: tuple[Button, ...] = (), *,
                        reply_to: str | None = None) -> Sent:
        self.seen_at_send.append(len(self.simulator.requests))
        return await super().send_text(chat, text, buttons, reply_to=reply_to)


@pytest.fixture
def agent_heard(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every instruction the simulated agent received."""
    heard: list[str] = []
    plan = Agent.plan

    def listening(self: Agent, session: object, message: str) -> object:
        heard.append(message)
        return plan(self, session, message)  # type: ignore[arg-type]

    monkeypatch.setattr(Agent, "plan", listening)
    yield heard


async def test_start_greets_at_once_with_examples_then_sets_up(
        simulator: Simulator, redis_server: EmbeddedRedis, agent_heard: list[str]) -> None:
    out = AskingSimulator(simulator)
    async with kit(simulator, redis_server.url, out=out) as k:
        await k.say("/start")
        greeting = out.records[0]
        assert "Ready when you are" in greeting.text
        assert out.seen_at_send[0] == 0, "greeted before NemoVideo was asked anything"
        assert [b.label for b in greeting.buttons] == [
            "Generate a 30s promo clip", "Generate a 10-second video of the sea at sunset",
            "What can you do?"]
        assert all(b.action is Action.CHOOSE for b in greeting.buttons)
        assert "create_session" in k.kinds(), "the project was set up after the greeting"
        await k.say(f"/choose {greeting.buttons[0].value}")
        assert agent_heard == ["Generate a 30s promo clip"]


async def test_a_project_with_a_timeline_is_greeted_with_editing_examples(
        simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    """A first contact's project is empty: trimming or adding music would only be told
    there is nothing to edit, so its examples make something; once there is a video,
    /start offers to edit it."""
    async with kit(simulator, redis_server.url) as k:
        await k.say("generate a 10 second video of a city at night")
        await k.say("/start")
        greeting = [r for r in k.out.records if "Ready when you are" in r.text][-1]
        assert [b.label for b in greeting.buttons] == [
            "Trim the first 5 seconds", "Add cinematic background music",
            "Generate a 30s promo clip"]


async def test_a_first_message_is_greeted_before_the_answer(
        simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    # a group's or a Discord channel's first mention: the user's first contact
    async with kit(simulator, redis_server.url) as k:
        await k.say("what can you do?")
        texts = k.out.texts()
        assert "Ready when you are" in texts[0] and len(texts) == 2
        assert [b.label for b in k.out.records[0].buttons] == [
            "Generate a 30s promo clip", "Generate a 10-second video of the sea at sunset",
            "What can you do?"]
        await k.say("and what else?")
        assert sum("Ready when you are" in t for t in k.out.texts()) == 1, "greeted once"


class OpensWithStart(CollectingOutput):
    """A platform whose conversations open with /start (Telegram's private chats)."""

    def opens_with_start(self, chat: ChatKey) -> bool:
        return True


async def test_where_chats_open_with_start_a_request_is_answered_under_the_welcome(
        simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    # the user was greeted at /start; their project expired since: one message, the
    # welcome at its head (a greeting of its own would wait for Telegram's per-chat pace)
    async with kit(simulator, redis_server.url, out=OpensWithStart()) as k:
        await k.say("what can you do?")
        [answer] = k.out.texts()
        welcome, _, rest = answer.partition(WELCOME_END)
        assert welcome.startswith("Ready when you are") and rest, "one message: welcome, answer"
        assert "Or tap an example" not in answer, "no examples: the user said what they want"
        await k.say("and what else?")
        assert sum("Ready when you are" in t for t in k.out.texts()) == 1, "welcomed once"
        await k.say("/new confirm")
        await k.say("/start")
        assert k.out.records[-1].buttons, "/start still greets with the examples"


async def test_the_welcome_stays_at_the_head_of_a_streamed_answer(
        simulator: Simulator, redis_server: EmbeddedRedis,
        monkeypatch: pytest.MonkeyPatch) -> None:
    words = " ".join(f"word{i:03d}" for i in range(120))
    monkeypatch.setattr("core.simulator.agent.chat_answer", lambda message, chinese: words)
    simulator.inject(Fault("sse_slow", delay=0.02))  # the live message is edited meanwhile
    async with kit(simulator, redis_server.url, out=OpensWithStart()) as k:
        await k.say("tell me a story")
        shown = [r for r in k.out.records if r.kind in ("text", "edit")]
        assert len({r.message_id for r in shown}) == 1 and len(shown) > 1, "one live message"
        assert all(r.text.startswith("Ready when you are") for r in shown)
        assert k.out.texts()[-1].endswith(words)


async def test_new_offers_formats_that_reach_the_agent_and_the_render_size(
        simulator: Simulator, redis_server: EmbeddedRedis, agent_heard: list[str]) -> None:
    async with kit(simulator, redis_server.url) as k:
        await k.say("/new")
        offered = k.out.records[-1]
        assert "Pick a format" in offered.text
        assert [b.press for b in offered.buttons] == [
            "format:9x16", "format:16x9", "format:1x1", "format:4x5",
            "format:15s", "format:30s", "format:60s"]
        assert offered.buttons[0].label == "9:16 TikTok, Reels, Shorts"
        await k.say("/format 9x16")  # what the first button sends
        assert "Format: 9:16 TikTok, Reels, Shorts" in k.last()
        assert [b.press for b in k.out.records[-1].buttons] == [
            "format:15s", "format:30s", "format:60s"], "the length comes next"
        await k.say("/format 30s")
        assert "Target length: 30 s" in k.last()
        await k.say("make it brighter")
        assert agent_heard[-1] == (
            "make it brighter\n\nAspect ratio: 9:16\nTarget duration: 30 seconds")
        session = await k.sessions.load(CHAT)
        assert (session.aspect, session.seconds) == ("9:16", 30)
        await k.say("/new")
        session = await k.sessions.load(CHAT)
        assert (session.aspect, session.seconds) == ("", 0), "the format is the project's"


async def test_changing_the_aspect_of_a_made_video_says_it_regenerates(
        simulator: Simulator, redis_server: EmbeddedRedis, agent_heard: list[str]) -> None:
    simulator.config.initial_credits = 1000  # a generation, then an edit
    async with kit(simulator, redis_server.url) as k:
        await k.say("generate a 10 second video of a city at night")
        assert (await k.sessions.load(CHAT)).last_draft.is_exportable
        await k.say("/format 9:16")
        reply = k.out.records[-1]
        assert "regenerates" in reply.text and "16:9 YouTube" in reply.text
        # honest about what an export now gives: the new size, the old picture in bars
        assert "exports use 9:16" in reply.text and "black bars" in reply.text
        [regenerate] = reply.buttons
        assert regenerate.label == "Regenerate in 9:16"
        await k.say(f"/choose {regenerate.value}")
        assert agent_heard[-1].startswith("Regenerate the video in 9:16 aspect ratio")
        assert agent_heard[-1].endswith("Aspect ratio: 9:16")
        assert "Regenerated the video in 9:16" in k.last(), k.last()  # the simulator does it
        session_id = (await k.sessions.load(CHAT)).session_id
        assert session_id is not None
        project = simulator.store.sessions[session_id]
        width, height = project.draft["m"]["width"], project.draft["m"]["height"]
        assert width * 16 == height * 9 and project.canvas["ratio"] == "9:16"
        await k.say("/format 9:16")
        assert "regenerates" not in k.last(), "no change, nothing to regenerate"


async def test_an_unknown_format_shows_how(simulator: Simulator,
                                           redis_server: EmbeddedRedis) -> None:
    async with kit(simulator, redis_server.url) as k:
        await k.say("/format cinemascope")
        assert "didn't get that format" in k.last()
        assert len(k.out.records[-1].buttons) == 7
        await k.say("/format")
        assert "Format: not set. Target length: not set." in k.last()
