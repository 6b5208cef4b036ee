"""Progress that tells the truth while the agent works: a warning before work that takes
minutes (NemoVideo's own advice before a generation or an edit), and what the agent is
doing, read from the names of the tools it calls.

Tool names are not part of the contract: they are read by the words in them
(`generate_video`, `add_bgm`, `add_text`, `export_video`...), and a name that says
nothing known is just "Working…".
"""

from __future__ import annotations

import re

from core.conversation import answer_texts  # noqa: F401  (registers the texts)

# Words of a request that changes the video (a generation or an edit).
_EDIT = re.compile(
    r"\b(?:add|put|insert|remove|delete|drop|cut|trim|shorten|crop|combine|merge|join|stitch"
    r"|splice|generate|create|make|produce|change|replace|swap|move|speed|slow|reverse"
    r"|rotate|fade|mute|lower|raise|increase|decrease|turn|set|apply|use|edit|split|loop"
    r"|zoom|blur|resize|extend|lengthen|fix|adjust|enhance|stabili[sz]e|caption|subtitles?"
    r"|title|music|song|soundtrack|bgm|audio|sound|voice|voiceover|narration|transitions?"
    r"|effects?|filters?|clips?|videos?|intro|outro|scenes?|volume|slideshow|montage|promo"
    r"|reel|tiktok|shorts)\b"
    r"|\b\d+\s*-?\s*(?:s|secs?|seconds?|mins?|minutes?)\b"
    r"|加|添加|删除|去掉|移除|剪|裁|合并|拼接|合成|生成|制作|做一|换|改|调|音乐|配乐|标题|字幕"
    r"|转场|特效|滤镜|视频|片段|音量|秒",
    re.I,
)
# A question about how things work, rather than a request.
_QUESTION = re.compile(
    r"^\W*(?:how|what|why|where|which|who|when|is|are|does|did|can\s+i|could\s+i"
    r"|should\s+i)\b|^\W*(?:怎么|如何|为什么|什么|哪|是否|是不是)",
    re.I,
)
_REQUEST = re.compile(r"\b(?:can|could|would|will)\s+you\b|\bplease\b|请|帮我", re.I)

# The stage a tool stands for, by the words in its name: first match wins.
_STAGES: list[tuple[str, re.Pattern[str]]] = [
    ("stage_exporting", re.compile(r"export|render|download")),
    ("stage_generating", re.compile(r"generat|text_?(?:2|to_)video|image_?(?:2|to_)video|t2v|i2v")),
    ("stage_removing", re.compile(r"remove|delete|clear|strip")),
    ("stage_volume", re.compile(r"volume|gain|loudness|mute")),
    ("stage_music", re.compile(r"bgm|music|audio|sound|song|voice|narrat|tts")),
    ("stage_title", re.compile(r"title|text|subtitle|caption|sticker")),
    ("stage_combining", re.compile(r"combine|merge|concat|stitch|assemble|splice|join")),
    ("stage_trimming", re.compile(r"trim|cut|split|shorten|crop|speed")),
    ("stage_effects", re.compile(r"effect|filter|transition|color|grade|fade|lut")),
    ("stage_media", re.compile(r"upload|analy[sz]|media|probe|inspect")),
]


def takes_a_while(text: str) -> bool:
    """Whether a message to the agent asks for a generation or an edit (minutes of work),
    rather than small talk or a question about how things work."""
    if not _EDIT.search(text):
        return False
    return not (_QUESTION.match(text) and not _REQUEST.search(text))


def stage_key(tool: str) -> str:
    """The text key of what a tool call is doing ("stage_music"), "stage_working" when
    its name says nothing known."""
    name = tool.lower()
    for key, pattern in _STAGES:
        if pattern.search(name):
            return key
    return "stage_working"
