"""What the bot says around the agent's answers, in English and Chinese: the chat wording
of the agent's GUI instructions, progress, buttons offered with an answer."""

from __future__ import annotations

from core.i18n import texts

texts({
    # an answer longer than a chat should take in (core.conversation.live_text)
    "answer_cut": {
        "en": "(The answer was too long to show here: {count} more characters were left "
              "out. Ask for a shorter answer.)",
        "zh": "（回答太长，这里没有全部显示：省略了 {count} 个字符。可以请它回答得简短些。）",
    },
    # the agent's GUI instructions, said for a chat (core.conversation.gui)
    "gui_export": {
        "en": 'Say "export" when you want the video.',
        "zh": "需要成片时，发送“导出”即可。",
    },
    "gui_drag": {
        "en": "Just tell me what to move or change and I'll do it.",
        "zh": "直接告诉我要移动或修改什么，我来处理。",
    },
    "gui_click": {
        "en": "Just tell me what you'd like and I'll do it.",
        "zh": "直接告诉我您想怎么做，我来处理。",
    },
    "gui_click_named": {
        "en": 'Say "{label}" and I\'ll do it.',
        "zh": "发送“{label}”，我来处理。",
    },
    "gui_click_named_for": {
        # {rest} is the agent's own words ("to add the filter")
        "en": 'Say "{label}" {rest}.',
        "zh": "发送“{label}”（{rest}）。",
    },
    "gui_done": {"en": "Done.", "zh": "完成。"},
})

texts({
    # progress of an agent turn (core.conversation.progress)
    "takes_minutes": {
        "en": "This may take a few minutes.",
        "zh": "这可能需要几分钟。",
    },
    "stage_working": {"en": "Working…", "zh": "处理中…"},
    "stage_generating": {"en": "Generating video…", "zh": "正在生成视频…"},
    "stage_music": {"en": "Adding music…", "zh": "正在添加音乐…"},
    "stage_title": {"en": "Adding a title…", "zh": "正在添加标题…"},
    "stage_exporting": {"en": "Exporting…", "zh": "正在导出…"},
    "stage_combining": {"en": "Combining clips…", "zh": "正在合并片段…"},
    "stage_trimming": {"en": "Trimming…", "zh": "正在剪辑…"},
    "stage_effects": {"en": "Adding effects…", "zh": "正在添加特效…"},
    "stage_volume": {"en": "Adjusting the sound…", "zh": "正在调整音量…"},
    "stage_removing": {"en": "Removing…", "zh": "正在删除…"},
    "stage_media": {"en": "Looking at your media…", "zh": "正在分析素材…"},
    # options under an answer (core.conversation.suggestions)
    "generated_added": {
        "en": "NemoVideo finished the video by itself and added: {tracks}. Keep them, or "
              "remove what you don't want.",
        "zh": "NemoVideo 自动完成了视频，并添加了：{tracks}。可以全部保留，或去掉不需要的部分。",
    },
    "choice_keep_all": {"en": "Keep all", "zh": "全部保留"},
    "choice_remove_music": {"en": "Remove music", "zh": "去掉音乐"},
    "choice_remove_music_text": {"en": "remove the background music", "zh": "删除背景音乐"},
    "choice_remove_title": {"en": "Remove title", "zh": "去掉标题"},
    "choice_remove_title_text": {"en": "remove the title", "zh": "删除标题"},
    "choice_yes": {"en": "Yes", "zh": "好的"},
    "choice_yes_text": {"en": "yes", "zh": "好的"},
    "choice_no": {"en": "No, thanks", "zh": "不用了"},
    "choice_no_text": {"en": "no, thanks", "zh": "不用了"},
})
