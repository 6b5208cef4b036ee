"""The agent's answer as it streams: the text shown is the whole text rewritten (GUI talk,
trailing notice), at a cost that grows linearly with the answer, painted into one live
message at most once per interval."""

from __future__ import annotations

import asyncio
import random

import pytest

from core.collecting import CollectingOutput
from core.conversation import live_text
from core.conversation.glitch import strip_trailing_glitch
from core.conversation.gui import GuiAction, translate
from core.conversation.live_text import AnswerText
from core.conversation.streaming import Listener
from core.conversation.turn import Turn
from core.messages import ChatKey, IncomingMessage, User
from core.nemo.events import FullText, TextFragment
from core.outgoing import Action
from core.store import ChatSession
from tests.waiting import wait_until

PIECES = [
    "Click the Export button", "open the timeline panel", "Drag the clip", "Title added",
    "'Click Here'", '"quoted. text!"', "点击导出", "打开", "拖拽", "标题已添加", "**bold**",
    "- ", "1. ", "> ", "```", "\n", "\n\n", ". ", "! ", "? ", "。", "！", ", ", "; ", "，",
    "I encountered a temporary issue", "please try again", "https://x.example/a.b", "`code`",
    "if you want", "满意的话", "", " ", "'", '"', "“", "」", "\t", "…", "e.g. ", "Sorry! ",
    "Preview in timeline", " and choose MP4", "Please try again.", "抱歉，我遇到了一个临时问题。",
]

PARAGRAPH = ("Done! I combined 3 clips into a 12-second video with fade transitions. "
             "Open the timeline panel to check it. Click the Export button to render.\n\n")


def whole(messages: list[str], current: list[str],
          language: str) -> tuple[str, tuple[GuiAction, ...]]:
    """What the answer shows when rewritten whole, as the relay did for every fragment."""
    raw = "\n\n".join([*messages, "".join(current)]).strip()
    result = translate(strip_trailing_glitch(raw), language)
    return result.text.rstrip(), result.actions


@pytest.mark.parametrize("long_line", [live_text.LONG_LINE, 4])
def test_the_streamed_text_is_the_whole_text_rewritten(
        long_line: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """With lines of any length: a short `LONG_LINE` has every line rewritten in pieces."""
    monkeypatch.setattr(live_text, "LONG_LINE", long_line)
    rng = random.Random(11)
    for _ in range(1000):
        language = rng.choice(["en", "zh-CN"])
        answer = AnswerText(language)
        messages: list[str] = []
        current: list[str] = []
        for _ in range(rng.randint(0, 4)):
            for _ in range(rng.randint(0, 5)):
                piece = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 4)))
                answer.add_fragment(piece)
                current.append(piece)
                if rng.random() < 0.3:
                    shown = answer.shown()
                    assert (shown.text, shown.actions) == whole(messages, current, language)
            ending = rng.random()
            if ending < 0.7:
                # the whole message: as streamed, longer, or something else entirely
                text = "".join(current) if ending < 0.3 else (
                    "".join(current) + rng.choice(PIECES) if ending < 0.5
                    else "".join(rng.choice(PIECES) for _ in range(3)))
                answer.add_full(text)
                messages.append(text)
                current = []
        shown = answer.shown()
        assert (shown.text, shown.actions) == whole(messages, current, language)


def test_a_whole_message_replaces_the_fragments_that_led_to_it() -> None:
    answer = AnswerText()
    answer.add_full("First.")
    for piece in ("Click the Exp", "ort button.\nSorry, I encountered a temporary issue."):
        answer.add_fragment(piece)
    assert answer.shown().text == 'First.\n\nSay "export" when you want the video.'
    answer.add_full("Title added.\nOpen the panel.")
    assert answer.shown().text == "First.\n\nTitle added."
    assert answer.shown().actions == (GuiAction.SHOW_STATE,)
    answer.add_full("I encountered a temporary issue. Please try again.")
    assert answer.shown().text == "First.\n\nTitle added."


def test_only_the_notice_is_the_answer() -> None:
    answer = AnswerText()
    for piece in ("I encountered a ", "temporary issue.", " Please try again."):
        answer.add_fragment(piece)
    assert answer.shown().text == "I encountered a temporary issue. Please try again."


def _relay(size: int, every: int, paragraph: str, piece: int = 10) -> int:
    """Characters judged or rewritten to relay `size` characters of `paragraph` repeated,
    in `piece`-sized fragments, shown after every `every` fragments and at the end."""
    text = (paragraph * (size // len(paragraph) + 1))[:size]
    answer = AnswerText()
    for number, start in enumerate(range(0, size, piece), 1):
        answer.add_fragment(text[start:start + piece])
        if number % every == 0:
            answer.shown()
    answer.shown()
    return answer.processed


@pytest.mark.parametrize("every", [1, 50, 10**9])
@pytest.mark.parametrize("paragraph", [PARAGRAPH, PARAGRAPH.replace("\n", " ")],
                         ids=["lines", "one line"])
def test_the_cost_grows_linearly_with_the_answer(every: int, paragraph: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Rewriting the whole answer for every fragment processed n²/20 characters for n of
    text in 10-character fragments (2·10⁹ for 200 KB); now each character is judged and
    rewritten about twice, plus, each time the answer is shown, its unfinished line (at
    most about 2·LONG_LINE once a line is long)."""
    monkeypatch.setattr(live_text, "LONG_LINE", 256)
    for size in (5_000, 10_000, 20_000):
        shows = size // 10 // every + 1
        unfinished = 2 * 256 + len(paragraph)
        assert _relay(size, every, paragraph) <= 3 * size + shows * unfinished, size


def _turn(out: CollectingOutput) -> Turn:
    async def keep(session: ChatSession) -> None:
        return None

    message = IncomingMessage(ChatKey("test", "1"), User("u1", "Ada", "en"), "1", "hi")
    return Turn(message, ChatSession(), "en", out, keep)


async def test_a_long_answer_is_painted_a_few_times_and_rewritten_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Counted where the work is done (a line rewritten, a sentence judged), whoever asks
    for it: rewriting the whole answer for each fragment would count ~n²/20."""
    from core.conversation import glitch, gui

    counted = {"rewritten": 0, "judged": 0}
    line, mark = gui._Translator.line, glitch.mark

    def rewriting(self: gui._Translator, text: str) -> str | None:
        counted["rewritten"] += len(text)
        return line(self, text)

    def judging(sentence: str) -> glitch.Mark:
        counted["judged"] += len(sentence)
        return mark(sentence)

    monkeypatch.setattr(gui._Translator, "line", rewriting)
    monkeypatch.setattr(glitch, "mark", judging)
    out = CollectingOutput()
    listener = Listener(_turn(out), edit_interval=3600.0, still_working_every=3600.0,
                        patience=0.0)
    text = PARAGRAPH * 800  # about 110 KB
    async with listener.running():
        for start in range(0, len(text), 10):
            await listener.on_event(TextFragment(text[start:start + 10]))
        await listener.on_event(FullText(text))
    final = listener.answer.shown().text
    await listener.live.finish(final)
    painted = [r for r in out.records if r.kind in ("text", "edit")]
    assert len(painted) <= 3, "the first text, maybe one repaint, the final answer"
    assert painted[-1].buttons == () and out.messages[painted[-1].message_id] == final
    assert "Open the timeline" not in final and "Say \"export\"" in final
    assert listener.answer.text.processed <= 3 * len(text)
    assert counted["rewritten"] <= 2 * len(text) and counted["judged"] <= 2 * len(text), counted


async def test_the_live_message_carries_cancel_until_the_answer_is_final() -> None:
    out = CollectingOutput()
    listener = Listener(_turn(out), edit_interval=0.0, still_working_every=3600.0,
                        patience=0.0, notice=True)
    async with listener.running():
        await wait_until(lambda: any(r.kind == "text" for r in out.records), what="the notice")
        await listener.on_event(TextFragment("Title added."))
    await listener.live.finish(listener.answer.shown().text)
    first, *_, last = [r for r in out.records if r.kind in ("text", "edit")]
    assert first.kind == "text" and first.text == "This may take a few minutes."
    assert [b.action for b in first.buttons] == [Action.CANCEL]
    assert last.message_id == first.message_id and last.text == "Title added."
    assert last.buttons == ()


class Backlogged(CollectingOutput):
    """A platform at its rate limit: every message would wait 10 s."""

    def __init__(self) -> None:
        super().__init__()
        self.asked = 0

    def backlog(self, chat: ChatKey) -> float:
        self.asked += 1
        return 10.0


async def test_nothing_is_painted_while_the_platform_would_hold_it_back() -> None:
    out = Backlogged()
    listener = Listener(_turn(out), edit_interval=0.05, still_working_every=3600.0,
                        patience=0.0, notice=True)
    async with listener.running():
        await listener.on_event(TextFragment("Title "))
        await wait_until(lambda: out.asked >= 3, what="the painter asking three times")
        await listener.on_event(TextFragment("added."))
    await listener.live.finish(listener.answer.shown().text)
    painted = [(r.kind, r.text) for r in out.records if r.kind in ("text", "edit")]
    assert painted == [("text", "Title added.")], "the answer alone, in one message"
    assert [r.kind for r in out.records].count("working") == 1, "typing meanwhile"


async def test_a_whole_answer_whose_stream_lingers_is_sent_once() -> None:
    out = CollectingOutput()
    listener = Listener(_turn(out), edit_interval=0.3, still_working_every=3600.0,
                        patience=0.0)
    async with listener.running():
        await listener.on_event(TextFragment("Title "))
        await asyncio.sleep(0.25)  # the agent's pace, not a synchronisation
        await listener.on_event(FullText("Title added."))
        await asyncio.sleep(0.2)  # the stream ends a moment after its last message
    await listener.live.finish(listener.answer.shown().text)
    painted = [(r.kind, r.text) for r in out.records if r.kind in ("text", "edit")]
    assert painted == [("text", "Title added.")], "one message, no edit"
