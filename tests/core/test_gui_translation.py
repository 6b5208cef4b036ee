"""GUI translation of the agent's text, and the trailing temporary-issue notice."""

from __future__ import annotations

import random

import pytest

from core.conversation.glitch import is_trailing_glitch, strip_trailing_glitch
from core.conversation.gui import (
    GuiAction,
    Translated,
    translate,
)

EXPORT_EN = 'Say "export" when you want the video.'
EXPORT_ZH = "需要成片时，发送“导出”即可。"
DRAG_EN = "Just tell me what to move or change and I'll do it."
DRAG_ZH = "直接告诉我要移动或修改什么，我来处理。"

E, S, C = GuiAction.EXPORT, GuiAction.SHOW_STATE, GuiAction.SHOW_CREDITS


# ---------------------------------------------------------------- English


@pytest.mark.parametrize(
    ("text", "expected", "actions"),
    [
        # export
        ("Click the Export button to render your video.", EXPORT_EN, (E,)),
        ("click the export button.", EXPORT_EN, (E,)),
        ("CLICK THE EXPORT BUTTON!", EXPORT_EN, (E,)),
        ("Hit Export in the top right corner.", EXPORT_EN, (E,)),
        ("Use the Export button when you are happy.", EXPORT_EN, (E,)),
        ("You can now export your video.", EXPORT_EN, (E,)),
        ("Tap Download to save the file.", EXPORT_EN, (E,)),
        ("Done! **Click Export** in the top right.", f"Done! {EXPORT_EN}", (E,)),
        ("Your video is ready! Click the Export button to download it.",
         f"Your video is ready! {EXPORT_EN}", (E,)),
        # open a panel / preview in the timeline -> dropped, show the state
        ("Open the timeline panel to review", "Done.", (S,)),
        ("Title added. Open the timeline panel to review.", "Title added.", (S,)),
        ("Title added. You can preview it in the timeline.", "Title added.", (S,)),
        ("Music added. Preview the result in the player!", "Music added.", (S,)),
        ("Music added. You'll see the new track in the timeline.", "Music added.", (S,)),
        ("Music added. Go to the Media Library tab to see your files.", "Music added.", (S,)),
        ("Music added. Click the Assets tab to see your uploads.", "Music added.", (S,)),
        # account / billing -> dropped, show credits
        ("Out of credits. Check your account billing page.", "Out of credits.", (C,)),
        ("That used 50 credits. You can check your credits balance in your account settings.",
         "That used 50 credits.", (C,)),
        ("Visit the billing page to top up.", "Done.", (C,)),
        # drag and drop -> ask in words
        ("Drag the clip to the start of the timeline.", DRAG_EN, ()),
        ("Drag and drop your files here.", DRAG_EN, ()),
        ("Drop your video files into the editor.", DRAG_EN, ()),
        # other clicks -> say the button
        ("Click Apply to add the filter.", 'Say "apply" to add the filter.', ()),
        ("Click the Apply button.", "Say \"apply\" and I'll do it.", ()),
        ("Click 'Add Music' and I'll handle it.", "Say \"add music\" and I'll handle it.", ()),
        ('Tap "Generate" to create the clip.', 'Say "generate" to create the clip.', ()),
        ("Click here to continue.", "Just tell me what you'd like and I'll do it.", ()),
        ("Press the button below.", "Just tell me what you'd like and I'll do it.", ()),
    ],
)
def test_english(text: str, expected: str, actions: tuple[GuiAction, ...]) -> None:
    assert translate(text) == Translated(text=expected, actions=actions)


@pytest.mark.parametrize(
    "text",
    [
        "I added a title 'Click Here' at the start.",
        'I added a title "Click the Export button" (0-3s).',
        "I added the caption “Open the panel” and the text 「点击导出」.",
        "Your title `Drag me` is in place.",
        "I added a click sound at 3s.",
        "The scene opens with a drone shot.",
        "I placed the title at the start of the timeline.",
        "Check out the new transition! I also added end credits.",
        "I dropped the music volume to 20% at the beat drop.",
        "The exported video will be 1080p.",
        "I used 50 credits for this edit.",
        "Here's the link: https://nemovideo.com/open-panel/click-export?x=1.",
        "Don't worry, it's all saved.",
        "",
        "   ",
        "\n\n",
        "Nothing GUI here.\n\n- a list\n- of things\n\n```\ncode\n```\n",
    ],
)
def test_content_is_kept_verbatim(text: str) -> None:
    assert translate(text) == Translated(text=text, actions=())


def test_the_contract_example_reply() -> None:
    text = (
        'I\'ve added background music "Lo-fi Beats" at 35% volume and a title "Urban Dreams" '
        "at the beginning. You can preview the changes in the timeline. When you're ready, "
        "click the Export button in the top right corner to render your video."
    )
    assert translate(text) == Translated(
        text='I\'ve added background music "Lo-fi Beats" at 35% volume and a title '
             f'"Urban Dreams" at the beginning. {EXPORT_EN}',
        actions=(S, E),
    )


@pytest.mark.parametrize(
    ("text", "expected", "actions"),
    [
        ("I added the title 'Urban Dreams'; click Export to render it.",
         f"I added the title 'Urban Dreams'. {EXPORT_EN}", (E,)),
        ("Your video is ready and you can click Export to download it.",
         f"Your video is ready. {EXPORT_EN}", (E,)),
        ("The music fades out at 9s, then open the timeline panel to check it.",
         "The music fades out at 9s.", (S,)),
        ("If you want to change anything, just open the editor panel.", "Done.", (S,)),
        ("To export, click the button in the corner.", EXPORT_EN, (E,)),
        ("Open the timeline panel; the title sits at 0-3s.", "The title sits at 0-3s.", (S,)),
        ("I trimmed the intro, and you can drag the clips to reorder them.",
         f"I trimmed the intro. {DRAG_EN}", ()),
    ],
)
def test_sentences_mixing_content_and_instructions(
    text: str, expected: str, actions: tuple[GuiAction, ...]
) -> None:
    assert translate(text) == Translated(text=expected, actions=actions)


# ---------------------------------------------------------------- Chinese


@pytest.mark.parametrize(
    ("text", "expected", "actions"),
    [
        ("点击导出按钮即可下载视频。", EXPORT_ZH, (E,)),
        ("视频已生成！点击右上角的【导出】。", f"视频已生成！{EXPORT_ZH}", (E,)),
        ("标题已添加，点击导出按钮即可下载。", f"标题已添加。{EXPORT_ZH}", (E,)),
        ("打开时间线面板查看。", "完成。", (S,)),
        ("音乐已添加。您可以在时间线中预览效果。", "音乐已添加。", (S,)),
        ("本次编辑消耗了50积分。请前往账户页面查看余额。", "本次编辑消耗了50积分。", (C,)),
        ("请拖拽片段到时间线上。", DRAG_ZH, ()),
        ("点击“应用”按钮。", "发送“应用”，我来处理。", ()),
        ("点击按钮。", "直接告诉我您想怎么做，我来处理。", ()),
        ("我已经为您添加了背景音乐和标题“城市之梦”。您可以在时间线中预览效果。"
         "满意的话，点击右上角的导出按钮即可下载视频。",
         f"我已经为您添加了背景音乐和标题“城市之梦”。{EXPORT_ZH}", (S, E)),
        ("视频已生成！打开项目面板可以查看所有素材，拖拽片段可以调整顺序。",
         f"视频已生成！{DRAG_ZH}", (S,)),
    ],
)
def test_chinese(text: str, expected: str, actions: tuple[GuiAction, ...]) -> None:
    assert translate(text, "zh-CN") == Translated(text=expected, actions=actions)
    assert translate(text) == Translated(text=expected, actions=actions)  # by the script


@pytest.mark.parametrize(
    "text",
    ["我添加了标题“点击导出”。", "我在时间线上添加了标题。", "标题《打开心扉》已放在开头。",
     "视频的开头是一段航拍。"],
)
def test_chinese_content_is_kept(text: str) -> None:
    assert translate(text, "zh") == Translated(text=text, actions=())


def test_wording_follows_the_sentence_or_the_language() -> None:
    assert translate("Click the Export button.", "zh-CN").text == EXPORT_ZH
    assert translate("Click the Export button.", "ZH").text == EXPORT_ZH
    assert translate("点击导出。", "en").text == EXPORT_ZH
    assert translate("Open the timeline panel.", "zh-TW").text == "完成。"
    assert translate("打开面板。", "en").text == "完成。"
    # a quoted Chinese title does not make an English sentence Chinese
    assert translate("Click Export to render “城市之梦”.").text == EXPORT_EN


def test_mixed_languages_in_one_text() -> None:
    text = "Title added. 点击导出按钮即可下载。 Drag the clip to move it."
    assert translate(text) == Translated(
        text=f"Title added. {EXPORT_ZH} {DRAG_EN}", actions=(E,))


# ---------------------------------------------------------------- layout


def test_paragraphs_and_newlines_are_kept() -> None:
    text = "Para one.\n\nOpen the timeline panel to review.\n\nPara three.\nLine four."
    assert translate(text).text == "Para one.\n\nPara three.\nLine four."
    assert translate("Open the panel.\n\nContent.").text == "Content."
    assert translate("Content.\n\nOpen the panel.\n").text == "Content.\n"
    assert translate("A.\nOpen the panel.\nB.").text == "A.\nB."
    assert translate("\nA. Click Export.\n").text == f"\nA. {EXPORT_EN}\n"


def test_markdown_lists_and_emphasis() -> None:
    text = (
        "**Done!** Here is what changed:\n"
        "- Added *Lo-fi* music at 35%.\n"
        "- Open the timeline panel to check it.\n"
        "- Drag the clip to reorder.\n"
        "1. Click Apply to add the filter.\n"
        "> Tip: click **Export** when ready."
    )
    assert translate(text) == Translated(
        text=(
            "**Done!** Here is what changed:\n"
            "- Added *Lo-fi* music at 35%.\n"
            f"- {DRAG_EN}\n"
            '1. Say "apply" to add the filter.\n'
            f"> {EXPORT_EN}"
        ),
        actions=(S, E),
    )


def test_code_blocks_are_not_translated() -> None:
    text = "```\nclick export\nopen the panel\n```\nClick Export."
    assert translate(text).text == f"```\nclick export\nopen the panel\n```\n{EXPORT_EN}"


def test_a_replacement_is_said_once_and_actions_are_unique() -> None:
    text = "Click Export. Then click the Export button again. Open the panel. Open the tab."
    assert translate(text) == Translated(text=EXPORT_EN, actions=(E, S))


def test_never_empty_when_the_input_had_content() -> None:
    for text, done in [("Open the timeline panel.", "Done."),
                       ("Open the panel. Check your account balance.", "Done."),
                       ("- Open the panel.\n\n- Check your account.", "Done."),
                       ("打开时间线。", "完成。")]:
        result = translate(text)
        assert result.text == done
        assert result.actions


@pytest.mark.parametrize(
    "text",
    ["Click the Export button to render your video.", "Drag the clip.", "Open the panel.",
     "Title added; click Export.", "点击导出按钮。", "拖拽片段。", "点击“应用”按钮。",
     "Click Apply to add the filter.", "Click the button."],
)
def test_the_wording_is_not_translated_again(text: str) -> None:
    once = translate(text).text
    assert translate(once) == Translated(text=once, actions=())
    assert translate(once, "zh") == Translated(text=once, actions=())


FRAGMENTS = [
    "Click the Export button", "open the timeline panel", "Drag the clip", "Title added",
    "'Click Here'", '"quoted. text!"', "点击导出", "打开", "拖拽", "标题已添加", "**bold**",
    "- ", "1. ", "> ", "```", "\n", "\n\n", ". ", "! ", "? ", "。", "！", ", ", "; ", "，",
    "I encountered a temporary issue", "please try again", "https://x.example/a.b", "`code`",
    "if you want", "满意的话", "", " ", "'", '"', "“", "」", "\t", "…", "e.g. ",
]


def test_any_mix_of_fragments_is_handled() -> None:
    rng = random.Random(99)
    for _ in range(3000):
        text = "".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(0, 12)))
        result = translate(text, rng.choice(["en", "zh-CN", ""]))
        assert isinstance(result.text, str)
        if text.strip():
            assert result.text.strip()
        else:
            assert result.text == text
        assert len(set(result.actions)) == len(result.actions)
        stripped = strip_trailing_glitch(text)
        assert text.startswith(stripped)
        is_trailing_glitch(text)


# ---------------------------------------------------------------- trailing glitch


GLITCHES = [
    "I encountered a temporary issue.",
    "I encountered a temporary issue. Please try again.",
    "Sorry! I encountered a temporary issue while processing your request. Please try again later.",
    "I ran into a temporary problem, please retry in a moment.",
    "The service is temporarily unavailable.",
    "抱歉，我遇到了一个临时问题，请稍后重试。",
    "遇到临时问题。请重试。",
]


@pytest.mark.parametrize("text", GLITCHES)
def test_is_trailing_glitch(text: str) -> None:
    assert is_trailing_glitch(text)
    assert is_trailing_glitch("  " + text + "\n")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Title added.",
        "I encountered a temporary issue. But the title 'Urban Dreams' was added at 0-3s.",
        "Please try again.",
        "I added a title 'temporary issue'.",
        "标题已添加。",
    ],
)
def test_is_not_trailing_glitch(text: str) -> None:
    assert not is_trailing_glitch(text)


@pytest.mark.parametrize("glitch", GLITCHES)
def test_strip_trailing_glitch(glitch: str) -> None:
    assert strip_trailing_glitch(f"Title added: 'Urban Dreams' (0-3s). {glitch}") == (
        "Title added: 'Urban Dreams' (0-3s).")
    assert strip_trailing_glitch(f"Done! Music added.\n\n{glitch}") == "Done! Music added."
    assert strip_trailing_glitch(f"标题已添加。{glitch}") == "标题已添加。"


@pytest.mark.parametrize(
    "text",
    [
        *GLITCHES,  # only the notice: it is the answer
        "Title added.",
        "I encountered a temporary issue. Then I added the title anyway.",
        "Title added. I encountered a temporary issue. Music added too.",
        "",
    ],
)
def test_strip_trailing_glitch_keeps_other_texts(text: str) -> None:
    assert strip_trailing_glitch(text) == text


def test_strip_then_translate() -> None:
    text = ("Music added. Click the Export button to render. "
            "I encountered a temporary issue. Please try again.")
    assert translate(strip_trailing_glitch(text)) == Translated(
        text=f"Music added. {EXPORT_EN}", actions=(E,))


# ---------------------------------------------------------------- the contract's table


@pytest.mark.parametrize(
    ("text", "expected", "actions"),
    [
        # "click [button]" / "点击" -> say it, the bot does it
        ("Click Apply to add the filter.", 'Say "apply" to add the filter.', ()),
        ("Click the Apply button.", "Say \"apply\" and I'll do it.", ()),
        ("点击“应用”按钮。", "发送“应用”，我来处理。", ()),
        ("点击按钮即可。", "直接告诉我您想怎么做，我来处理。", ()),
        # "open [panel]" / "打开" -> the state is shown
        ("Open the timeline panel to fine-tune the cut.", "Done.", (S,)),
        ("Open the audio panel to fine-tune the volume.", "Done.", (S,)),
        ("Music added. Open the audio panel to fine-tune the volume.", "Music added.", (S,)),
        ("打开时间线面板可以微调剪辑点。", "完成。", (S,)),
        ("音乐已添加。打开音频面板可以微调音量。", "音乐已添加。", (S,)),
        # "drag/drop" / "拖拽" -> send the edit as a message
        ("You can drag the title on the timeline to move it.", DRAG_EN, ()),
        ("Drag and drop the clips to reorder them.", DRAG_EN, ()),
        ("Drop your files here.", DRAG_EN, ()),
        ("可以拖拽标题调整位置。", DRAG_ZH, ()),
        ("拖动片段即可调整顺序。", DRAG_ZH, ()),
        # "preview in timeline" -> the track summary, in every form the backend uses
        ("Preview in timeline.", "Done.", (S,)),
        ("Title added. Preview in timeline to check it.", "Title added.", (S,)),
        ("Preview in timeline to check the cut, then click the Export button to render.",
         EXPORT_EN, (S, E)),
        ("Title added. Preview it in the timeline.", "Title added.", (S,)),
        ("Title added. You can check it in your timeline.", "Title added.", (S,)),
        ("Title added. Preview the result in the timeline.", "Title added.", (S,)),
        ("标题已添加。可以在时间线中预览。", "标题已添加。", (S,)),
        ("可以在时间线中预览，满意后点击导出按钮渲染。", EXPORT_ZH, (S, E)),
        # "Export button" / "导出" -> the bot exports
        ("Click the Export button when you're ready to render.", EXPORT_EN, (E,)),
        ("To export, click the Export button in the top right corner and choose MP4.",
         EXPORT_EN, (E,)),
        ("点击导出", EXPORT_ZH, (E,)),
        ("点击导出按钮即可。", EXPORT_ZH, (E,)),
        ("准备好后点击导出按钮即可渲染。", EXPORT_ZH, (E,)),
        ("点击右上角的导出按钮，选择 MP4 即可导出。", EXPORT_ZH, (E,)),
        # "check account/billing" -> credits are shown
        ("You can check your balance on the account/billing page.", "Done.", (C,)),
        ("Check your account billing page.", "Done.", (C,)),
        ("请在账户/计费页面查看积分余额。", "完成。", (C,)),
    ],
)
def test_every_row_of_the_contracts_table(text: str, expected: str,
                                          actions: tuple[GuiAction, ...]) -> None:
    assert translate(text) == Translated(text=expected, actions=actions)


#: words of an editor's screen that must never reach a chat user
GUI_WORDS = ("timeline", "panel", "click", "drag", "button", "billing", "account", "preview",
             "点击", "打开", "拖拽", "面板", "时间线", "按钮", "账户")


def _simulator_texts() -> list[str]:
    from core.simulator.agent import _DEFAULT_HINT, _HINTS, chat_answer

    texts = [text for pair in [*_HINTS.values(), _DEFAULT_HINT] for text in pair]
    for message in ("export", "credits", "timeline", "hello", "something else"):
        texts += [chat_answer(message, False), chat_answer(message, True)]
    return texts


@pytest.mark.parametrize("text", _simulator_texts())
def test_what_the_simulated_agent_says_reaches_users_without_gui_words(text: str) -> None:
    for language in ("en", "zh"):
        shown = translate(text, language).text.lower()
        leaked = [w for w in GUI_WORDS if w in shown.replace('say "export"', "")]
        assert not leaked, f"{text!r} -> {shown!r}"


def _reference_strip(full_text: str) -> str:
    """The trailing notice by its definition: the first k whose sentences[k:] are all
    notice-like and hold a notice (quadratic; the module finds it in one pass)."""
    from core.conversation.glitch import Mark, marked_sentences

    marks = marked_sentences(full_text)
    for k in range(len(marks)):
        tail = [m for _, m in marks[k:]]
        if all(m is not Mark.CONTENT for m in tail) and Mark.NOTICE in tail:
            return full_text[:marks[k][0]].rstrip() if k else full_text
    return full_text


def test_strip_trailing_glitch_matches_its_definition() -> None:
    rng = random.Random(7)
    pieces = [*FRAGMENTS, "Sorry!", "Please try again.", " I encountered a temporary issue."]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        assert strip_trailing_glitch(text) == _reference_strip(text), repr(text)


def test_strip_trailing_glitch_reads_each_sentence_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from core.conversation import glitch

    calls = 0
    real = glitch.mark

    def counting(sentence: str) -> glitch.Mark:
        nonlocal calls
        calls += 1
        return real(sentence)

    monkeypatch.setattr(glitch, "mark", counting)
    text = "Title added. " * 5000 + "I encountered a temporary issue. Please try again."
    assert glitch.strip_trailing_glitch(text) == ("Title added. " * 5000).rstrip()
    assert calls == 5002, "one judgement per sentence, not one per sentence and suffix"
