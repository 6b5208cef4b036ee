"""What a render's progress message shows: the percentage, the time left once it can be
estimated, and a Cancel button that cancels that render only (`/cancel <job id>`)."""

from __future__ import annotations

from core.buttons import action_button
from core.i18n import t, texts
from core.outgoing import Action, Button

texts({
    "render.progress_seconds": {
        "en": "Rendering… {progress}% (about {seconds} s left)",
        "zh": "正在渲染… {progress}%（约剩 {seconds} 秒）",
    },
    "render.progress_minutes": {
        "en": "Rendering… {progress}% (about {minutes} min left)",
        "zh": "正在渲染… {progress}%（约剩 {minutes} 分钟）",
    },
    "render.already_finished": {
        "en": "That render has already finished.",
        "zh": "该渲染已经结束。",
    },
    "render.cancel_not_yours": {
        "en": "Only the person who asked for this video, or an admin, can cancel it.",
        "zh": "只有发起这个视频的人或管理员可以取消它。",
    },
})


def progress_text(language: str, progress: int, left: float | None) -> str:
    """"Rendering… 40% (about 30 s left)"; without an estimate, the percentage only (at
    100% too: the render has no time left to tell, only its end to come)."""
    if left is None or left <= 0 or progress >= 100:
        return t(language, "render.progress", progress=progress)
    if left < 90:
        seconds = max(5, int(round(left / 5) * 5))
        return t(language, "render.progress_seconds", progress=progress, seconds=seconds)
    return t(language, "render.progress_minutes", progress=progress,
             minutes=max(2, round(left / 60)))


def cancel_button(language: str, job_id: str) -> Button:
    """The Cancel button of one render's progress message."""
    return action_button(language, Action.CANCEL, value=job_id)


def cancel_notice(language: str, outcome: str) -> str | None:
    """What `/cancel <job id>` answers for the outcome of `Renders.cancel_job` (nothing
    when it cancelled: the render's progress message says so)."""
    if outcome == "cancelled":
        return None
    key = {"finished": "render.already_finished",
           "not_yours": "render.cancel_not_yours"}.get(outcome, "nothing_to_cancel")
    return t(language, key)
