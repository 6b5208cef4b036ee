"""The project's format in the conversation: /format, the preset buttons /new offers,
and the format told to the agent with every instruction.

NemoVideo's own command-line tool sends "Aspect ratio: 9:16" with the prompt; the
bot does the same, plus the target length. Changing the aspect ratio of a project
that already has a video means regenerating it: the bot says so and offers it as
a button rather than doing it unasked (it costs credits).
"""

from __future__ import annotations

from core.conversation.choices import offer
from core.conversation.turn import Turn
from core.formats import LENGTHS, PRESETS, aspect_of, parse, preset
from core.i18n import t, texts
from core.intents import Step
from core.outgoing import Action, Button
from core.store import ChatSession

texts({
    "format.9:16": {"en": "9:16 TikTok, Reels, Shorts", "zh": "9:16 抖音、Reels、Shorts"},
    "format.16:9": {"en": "16:9 YouTube", "zh": "16:9 YouTube 横屏"},
    "format.1:1": {"en": "1:1 Square", "zh": "1:1 方形"},
    "format.4:5": {"en": "4:5 Feed", "zh": "4:5 信息流竖图"},
    "format.seconds": {"en": "{seconds} s", "zh": "{seconds} 秒"},
    "format.free": {"en": "not set", "zh": "未设置"},
    "format.pick": {
        "en": "Pick a format and a target length for it (or skip this and just describe "
              "your video):",
        "zh": "为它选择画面比例和目标时长（也可以跳过，直接描述你的视频）：",
    },
    "format.current": {
        "en": "Format: {aspect}. Target length: {length}.",
        "zh": "画面比例：{aspect}。目标时长：{length}。",
    },
    "format.length_next": {
        "en": "How long should it be?",
        "zh": "视频要多长？",
    },
    "format.usage": {
        "en": "I didn't get that format. Use /format with 9:16, 16:9, 1:1 or 4:5 and/or a "
              "length such as 30s, or tap a button.",
        "zh": "没有识别这个格式。请在 /format 后加上 9:16、16:9、1:1 或 4:5，和/或时长（如 30s），"
              "或点击按钮。",
    },
    "format.regenerates": {
        "en": "Your video so far is {old}. Changing the aspect ratio means NemoVideo "
              "regenerates it (this uses credits), so I haven't regenerated it yet. New "
              "instructions and exports use {new}: exported as it is, the video sits inside "
              "black bars. Tap below to regenerate it now.",
        "zh": "当前视频是 {old}。更改画面比例意味着 NemoVideo 需要重新生成视频（会消耗积分），"
              "所以我暂时没有重新生成。新的指令和导出将使用 {new}：现在导出的话，视频会带黑边。"
              "点击下方按钮即可立即重新生成。",
    },
    "format.regenerate_button": {"en": "Regenerate in {aspect}", "zh": "以 {aspect} 重新生成"},
    "format.regenerate_text": {
        "en": "Regenerate the video in {aspect} aspect ratio, keeping its content.",
        "zh": "以 {aspect} 画面比例重新生成视频，保留内容。",
    },
})


def instruction(session: ChatSession, text: str) -> str:
    """The instruction as the agent gets it: the user's text, then the project's format
    ("Aspect ratio: 9:16", "Target duration: 30 seconds") when one is chosen."""
    lines = []
    if session.aspect:
        lines.append(f"Aspect ratio: {session.aspect}")
    if session.seconds:
        lines.append(f"Target duration: {session.seconds} seconds")
    return "\n\n".join([text, "\n".join(lines)]) if lines else text


def label(lang: str, aspect: str) -> str:
    """How a format is named to users ("16:9 YouTube"); "not set" for none."""
    return t(lang, f"format.{aspect}") if preset(aspect) else t(lang, "format.free")


def format_buttons(lang: str, *, lengths_only: bool = False) -> tuple[Button, ...]:
    """The preset buttons (a press sends `/format 9x16`) and the length buttons."""
    ratios = () if lengths_only else tuple(
        Button(label(lang, p.aspect), Action.FORMAT, value=p.value) for p in PRESETS)
    lengths = tuple(Button(t(lang, "format.seconds", seconds=s), Action.FORMAT, value=f"{s}s")
                    for s in LENGTHS)
    return ratios + lengths


def describe(turn: Turn) -> str:
    """The project's current format, in words."""
    session = turn.session
    length = (t(turn.lang, "format.seconds", seconds=session.seconds) if session.seconds
              else t(turn.lang, "format.free"))
    return turn.text("format.current", aspect=label(turn.lang, session.aspect), length=length)


async def choose_format(turn: Turn, step: Step) -> None:
    """/format [aspect] [length]: set the project's format, or show it with the buttons."""
    choice = parse(step.text)
    session = turn.session
    if choice is None:
        await turn.say("format.usage", buttons=format_buttons(turn.lang))
        return
    if choice.empty:
        await turn.send(describe(turn), format_buttons(turn.lang))
        return
    chosen_before = session.aspect
    made = session.last_draft
    before = aspect_of(made.metadata.width, made.metadata.height) or chosen_before
    if choice.aspect is not None:
        session.aspect = choice.aspect
    if choice.seconds is not None:
        session.seconds = choice.seconds
    await turn.persist()
    if (choice.aspect and choice.aspect != chosen_before and made.is_exportable and before
            and before != choice.aspect):
        await _regenerate_offer(turn, before, choice.aspect)
        return
    buttons: tuple[Button, ...] = ()
    text = describe(turn)
    if choice.aspect and not session.seconds:
        text += "\n" + turn.text("format.length_next")
        buttons = format_buttons(turn.lang, lengths_only=True)
    await turn.send(text, buttons)


async def _regenerate_offer(turn: Turn, before: str, after: str) -> None:
    old, new = label(turn.lang, before), label(turn.lang, after)
    options = [(turn.text("format.regenerate_button", aspect=after),
                turn.text("format.regenerate_text", aspect=after))]
    await turn.send("\n".join([describe(turn), turn.text("format.regenerates", old=old, new=new)]),
                    offer(turn, options))
