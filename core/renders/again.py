"""Videos that need no render: the last one sent again (/last), or the one an export of
an unchanged draft would make again.

A delivered video is remembered (`core.catalog.Video`) with the platform's reference
to the sent file (sent again without uploading it), NemoVideo's download link, and a
hash of the draft and output it was rendered from (`draft_hash`): an export whose hash
matches a running render waits for that one, and one matching the last delivered
video gets that video again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import unicodedata
from typing import Any

from core.catalog import Video
from core.i18n import t, texts
from core.messages import ChatKey
from core.outgoing import Outgoing
from core.renders.job_record import RenderJob
from core.renders.texts import project_button

log = logging.getLogger(__name__)

texts({
    "render.ready_named": {"en": "Video ready: {name}", "zh": "视频已完成：{name}"},
    "render.reused_running": {
        "en": "This version is already rendering (see above): I'll send it once, when it's "
              "ready.",
        "zh": "这个版本已经在渲染中（见上方），完成后我会发送一次。",
    },
    "render.reused_done": {
        "en": "Nothing changed since the last render, so here it is again (no new render).",
        "zh": "自上次渲染后没有任何修改，这是上次的视频（未重新渲染）。",
    },
})

_SLUG = re.compile(r"[^a-z0-9]+")


def draft_hash(draft: dict[str, Any], output: dict[str, Any]) -> str:
    """A hash of what a render is made from: the draft and the output asked for."""
    blob = json.dumps({"draft": draft, "output": output}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def video_filename(job: RenderJob) -> str:
    """A readable file name from the project's name ("beach-trip.mp4"), else the job's."""
    ascii_name = unicodedata.normalize("NFKD", job.name).encode("ascii", "ignore").decode()
    slug = _SLUG.sub("-", ascii_name.lower()).strip("-")[:48].strip("-")
    return f"{slug}.mp4" if len(slug) >= 3 else f"nemovideo-{job.id[-8:]}.mp4"


def video_caption(job: RenderJob) -> str:
    """"Video ready: <name>" and the timeline summary."""
    head = (t(job.language, "render.ready_named", name=job.name) if job.name
            else t(job.language, "render.ready"))
    return "\n".join(part for part in (head, job.summary) if part)


async def send_again(out: Outgoing, chat: ChatKey, video: Video, language: str, *,
                     reply_to: str | None = None) -> bool:
    """Send a delivered video again: by the platform's reference, else as its download
    link. False when neither is left (then only a render can bring it back)."""
    buttons = project_button(language, video.project_url or None)
    if video.file_ref:
        try:
            await out.resend_file(chat, video.file_ref, video.caption, buttons,
                                  reply_to=reply_to)
            return True
        except Exception as exc:  # the platform no longer knows the file
            log.warning("chat %s: video of job %s could not be sent again: %r", chat,
                        video.job_id, exc)
    if video.url:
        await out.send_link(chat, video.caption, video.url, t(language, "render.download"),
                            buttons, reply_to=reply_to)
        return True
    return False
