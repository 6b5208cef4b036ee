"""What NemoVideo cannot do, told kindly, with what it offers instead.

* Links to streaming services (YouTube, Spotify, Apple Music, SoundCloud, TikTok…)
  are pages, not files: NemoVideo cannot take music or video from them. They are
  never sent to the upload; the user hears that the built-in library has similar
  styles, with a button to use it.
* Photos alone make a slideshow: a project with photos and no video is explained
  as one, with a button to make it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from urllib.parse import urlsplit

from core.conversation.choices import offer
from core.conversation.turn import Turn
from core.i18n import texts
from core.nemo.draft import TrackKind
from core.nemo.models import UploadedFile
from core.outgoing import Button

log = logging.getLogger(__name__)

#: host (or a parent domain of it) -> the service's name
STREAMING_HOSTS: dict[str, str] = {
    "youtube.com": "YouTube", "youtu.be": "YouTube", "youtube-nocookie.com": "YouTube",
    "spotify.com": "Spotify", "spotify.link": "Spotify",
    "music.apple.com": "Apple Music", "itunes.apple.com": "Apple Music",
    "podcasts.apple.com": "Apple Podcasts",
    "soundcloud.com": "SoundCloud", "snd.sc": "SoundCloud",
    "tiktok.com": "TikTok", "instagram.com": "Instagram", "vimeo.com": "Vimeo",
    "twitch.tv": "Twitch", "deezer.com": "Deezer", "deezer.page.link": "Deezer",
    "tidal.com": "TIDAL", "music.amazon.com": "Amazon Music", "pandora.com": "Pandora",
    "bandcamp.com": "Bandcamp", "bilibili.com": "Bilibili", "b23.tv": "Bilibili",
    "douyin.com": "Douyin", "music.163.com": "NetEase Cloud Music", "y.qq.com": "QQ Music",
    "kuwo.cn": "Kuwo", "kugou.com": "Kugou", "netflix.com": "Netflix",
}

texts({
    "limits.streaming": {
        "en": "I can't use {services} links: NemoVideo can't take music or video from "
              "streaming services. The built-in library has similar styles: tell me the "
              "mood or genre (\"add upbeat lo-fi music\"), or send the file itself.",
        "zh": "无法使用 {services} 链接：NemoVideo 不能从流媒体平台获取音乐或视频。"
              "内置素材库有类似风格：告诉我想要的情绪或曲风（如“添加轻快的 lo-fi 音乐”），"
              "或直接发送文件。",
    },
    "limits.library_button": {"en": "Use built-in music", "zh": "使用内置音乐"},
    "limits.library_text": {
        "en": "Add background music from the built-in library that fits the video.",
        "zh": "从内置素材库添加适合这个视频的背景音乐。",
    },
    "limits.slideshow": {
        "en": "Photos alone make a slideshow: each photo is shown for a few seconds, with "
              "transitions, and music or a title if you like.",
        "zh": "只有图片时会制作成幻灯片：每张图片展示几秒，带转场，还可以加音乐或标题。",
    },
    "limits.slideshow_button": {"en": "Make a slideshow", "zh": "制作幻灯片"},
    "limits.slideshow_text": {
        "en": "Make a {seconds}-second slideshow of my photos with smooth transitions and "
              "background music.",
        "zh": "用我的图片制作一个 {seconds} 秒的幻灯片，带流畅转场和背景音乐。",
    },
})

#: a slideshow's length when the project has no target length
SLIDESHOW_SECONDS = 15


def streaming_service(url: str) -> str | None:
    """The streaming service a link belongs to, or None for any other link."""
    try:
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return None
    while host:
        if host in STREAMING_HOSTS:
            return STREAMING_HOSTS[host]
        _, _, host = host.partition(".")
    return None


async def usable_links(turn: Turn, urls: Sequence[str]) -> list[str]:
    """The links that may go to the upload; streaming-service links are answered with
    what the built-in library offers instead."""
    services = {url: name for url in urls if (name := streaming_service(url))}
    if services:
        log.info("chat %s: %d streaming-service link(s) not uploaded", turn.chat, len(services))
        names = ", ".join(dict.fromkeys(services.values()))
        buttons = offer(turn, [(turn.text("limits.library_button"),
                                turn.text("limits.library_text"))])
        await turn.say("limits.streaming", services=names, buttons=buttons)
    return [url for url in urls if url not in services]


def photo_note(turn: Turn, files: Sequence[UploadedFile]) -> tuple[str, tuple[Button, ...]]:
    """For photos arriving in a project without video: the slideshow they will make,
    and a button to make it ("" and none otherwise)."""
    if not files or any(f.file_type != "image" for f in files):
        return "", ()
    draft = turn.session.last_draft
    if any(t.kind is TrackKind.VIDEO and t.segments for t in draft.tracks):
        return "", ()
    seconds = turn.session.seconds or SLIDESHOW_SECONDS
    buttons = offer(turn, [(turn.text("limits.slideshow_button"),
                            turn.text("limits.slideshow_text", seconds=seconds))])
    return "\n" + turn.text("limits.slideshow"), buttons
