"""What the bot says around the agent's answers, in English and Chinese: the chat wording
of the agent's GUI instructions, progress, buttons offered with an answer."""

from __future__ import annotations

from core.i18n import texts

texts({
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
        "zh": "发送“{label}”，我来处理。",
    },
    "gui_done": {"en": "Done.", "zh": "完成。"},
})
