"""What users read about their renders (other languages: `core/locales`)."""

from __future__ import annotations

from core.buttons import action_button
from core.i18n import t, texts
from core.outgoing import Action, Button

texts({
    "render.started": {
        "en": "Rendering…",
        "zh": "正在渲染…",
    },
    "render.progress": {
        "en": "Rendering… {progress}%",
        "zh": "正在渲染… {progress}%",
    },
    "render.retrying": {
        "en": "Rendering… (the first try failed, trying again)",
        "zh": "正在渲染…（第一次失败，正在重试）",
    },
    "render.no_draft": {
        "en": "There is nothing to export yet. Upload some clips or describe the video "
              "you want, then ask me to export.",
        "zh": "还没有可以导出的内容。请先上传素材，或描述你想要的视频，然后再让我导出。",
    },
    "render.no_draft_media": {
        "en": "Your files are in the project but not on the timeline yet. Tell me what to "
              "make with them (for example \"combine my clips into a 30-second video\"), "
              "then export.",
        "zh": "你的素材已在项目中，但还没有放到时间线上。请告诉我要用它们做什么"
              "（例如“把我的片段合成一个 30 秒的视频”），然后再导出。",
    },
    "render.session_lost": {
        "en": "That project is gone on NemoVideo. Send me clips or describe a video to "
              "start a new one.",
        "zh": "这个项目在 NemoVideo 上已不存在。请发送素材或描述视频来开始新项目。",
    },
    "render.blocked": {
        "en": "Export is not available on this NemoVideo plan. Registering or upgrading "
              "your NemoVideo account unlocks export.",
        "zh": "当前 NemoVideo 套餐不支持导出。注册或升级 NemoVideo 账号即可解锁导出。",
    },
    "render.blocked_operator": {
        "en": "Export is not available on this bot's NemoVideo plan. Please let the person "
              "who runs this bot know.",
        "zh": "此机器人的 NemoVideo 套餐不支持导出。请告知运营此机器人的人。",
    },
    "render.register": {
        "en": "Register",
        "zh": "注册",
    },
    "render.no_credits": {
        "en": "You're out of credits. Top up at nemovideo.com, then tap Export again.",
        "zh": "积分已用完。请在 nemovideo.com 充值后再点击“导出”。",
    },
    "render.no_credits_anonymous": {
        "en": "You're out of credits. Register for free to get more and keep this project, "
              "then export again.",
        "zh": "积分已用完。免费注册即可获得更多积分并保留此项目，然后再次导出。",
    },
    "render.submit_failed": {
        "en": "I could not start the render ({error}). Please try again in a moment.",
        "zh": "无法开始渲染（{error}）。请稍后再试。",
    },
    "render.failed": {
        "en": "The render failed twice ({error}). Tap Export to try again.",
        "zh": "渲染两次失败（{error}）。点击“导出”重试。",
    },
    "render.timed_out": {
        "en": "The render is still not finished after {minutes} minutes, so I stopped "
              "waiting. Tap Export to try again.",
        "zh": "渲染 {minutes} 分钟后仍未完成，已停止等待。点击“导出”重试。",
    },
    "render.timed_out_seconds": {
        "en": "The render is still not finished after {seconds} s, so I stopped waiting. "
              "Tap Export to try again.",
        "zh": "渲染 {seconds} 秒后仍未完成，已停止等待。点击“导出”重试。",
    },
    "render.cancelled": {
        "en": "Render cancelled.",
        "zh": "渲染已取消。",
    },
    "render.lost": {
        "en": "This render was lost: the service restarted and forgot it. Tap Export to "
              "try again.",
        "zh": "此次渲染已丢失：服务重启后未能保留它。点击“导出”重试。",
    },
    "render.fetching": {
        # a finished render whose file takes a while to fetch (a big one, a slow link)
        "en": "Rendered. Fetching the video to send it here…",
        "zh": "渲染完成。正在获取视频并发送到这里…",
    },
    "render.lost_project": {
        "en": "This render was lost, and this chat's project with it: the service's storage "
              "was reset. Send your clips again to start a new project.",
        "zh": "此次渲染已丢失，这个聊天的项目也一并丢失了：服务的存储被重置。"
              "请重新发送素材开始新项目。",
    },
    "render.cancelled_remote": {
        "en": "The render was cancelled on NemoVideo. Tap Export to start it again.",
        "zh": "渲染已在 NemoVideo 上被取消。点击“导出”重新开始。",
    },
    "render.ready": {
        "en": "Video ready",
        "zh": "视频已完成",
    },
    "render.ready_link": {
        "en": "Video ready. It is over {limit}, the largest file I can send here, so here is "
              "a download link.",
        "zh": "视频已完成。文件超过 {limit}（这里能发送的最大文件），这是下载链接。",
    },
    "render.ready_link_refused": {
        "en": "Video ready. It could not be sent here as a file, so here is a download link.",
        "zh": "视频已完成。无法在这里以文件形式发送，这是下载链接。",
    },
    "render.ready_link_only": {
        "en": "Video ready: here is the download link.",
        "zh": "视频已完成：这是下载链接。",
    },
    "render.ready_fetch_failed": {
        "en": "Video ready. I could not fetch the file, so here is a download link.",
        "zh": "视频已完成。无法获取文件，这是下载链接。",
    },
    "render.ready_no_file": {
        "en": "Video ready, but NemoVideo gave no download link. Open the project to get it.",
        "zh": "视频已完成，但 NemoVideo 没有提供下载链接。请打开项目获取。",
    },
    "render.done": {
        "en": "Rendering done.",
        "zh": "渲染完成。",
    },
    "render.done_recovered": {
        "en": "Video ready. If it did not arrive, use the link below.",
        "zh": "视频已完成。如果没有收到，请使用下面的链接。",
    },
    "render.download": {
        "en": "Download",
        "zh": "下载",
    },
    "render.open_project": {
        "en": "Open project",
        "zh": "打开项目",
    },
})


def export_button(language: str) -> Button:
    """The button that asks for a new export."""
    return action_button(language, Action.EXPORT)


def project_button(language: str, url: str | None) -> tuple[Button, ...]:
    """The "open the project" link button, when there is a link."""
    return (Button(t(language, "render.open_project"), url=url),) if url else ()


def timed_out_text(lang: str, waited: float) -> str:
    """What a user hears of a render given up after `waited` seconds: in minutes from two
    minutes on, in seconds below (a short RENDER_TIMEOUT)."""
    if waited < 120:
        return t(lang, "render.timed_out_seconds", seconds=max(1, round(waited)))
    return t(lang, "render.timed_out", minutes=round(waited / 60))
