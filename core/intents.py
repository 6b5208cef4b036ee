"""Understanding what a message asks for: the steps the core takes, in order.

Most messages are one step; a compound one ("combine my clips ... and export
it as MP4") is an agent edit followed by an export, which starts only once the
edit is done. A negated export ("don't export yet, add music first") is an edit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Intent(StrEnum):
    """What the core does with (a part of) a message."""

    START = "start"
    HELP = "help"
    NEW = "new"
    EXPORT = "export"
    CREDITS = "credits"
    STATUS = "status"
    CANCEL = "cancel"
    LINK = "link"
    UPLOAD = "upload"
    AGENT = "agent"
    CHOOSE = "choose"  # one of the options the bot offered as buttons
    STATS = "stats"  # the sender's usage and limits
    ADMIN = "admin"  # admins: the bot's usage, access lists and health
    ALLOW = "allow"  # admins: add to the allow list
    BLOCK = "block"  # admins: block a user, chat, guild, role or channel
    UNBLOCK = "unblock"  # admins: lift a block
    QUOTA = "quota"  # admins: a user's or chat's own limits
    FORMAT = "format"  # the project's aspect ratio and target length
    PROJECTS = "projects"  # list the chat's recent projects, or switch to one
    LAST = "last"  # the last finished video again, without rendering
    RESUME = "resume"  # a turn interrupted by a restart; never routed from a message


@dataclass(frozen=True)
class Step:
    """One thing to do. `text` is what the agent gets, or a command's argument."""

    intent: Intent
    text: str = ""
    urls: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able form (steps wait in a chat's queue with their message)."""
        return {"intent": self.intent.value, "text": self.text, "urls": list(self.urls)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Step:
        """Inverse of `to_dict`."""
        return cls(Intent(data["intent"]), data.get("text") or "", tuple(data.get("urls") or ()))


COMMANDS: dict[str, Intent] = {
    "start": Intent.START,
    "help": Intent.HELP,
    "new": Intent.NEW,
    "export": Intent.EXPORT,
    "credits": Intent.CREDITS,
    "status": Intent.STATUS,
    "cancel": Intent.CANCEL,
    "link": Intent.LINK,
    "upload": Intent.UPLOAD,
    "choose": Intent.CHOOSE,
    "stats": Intent.STATS,
    "admin": Intent.ADMIN,
    "allow": Intent.ALLOW,
    "block": Intent.BLOCK,
    "unblock": Intent.UNBLOCK,
    "quota": Intent.QUOTA,
    "format": Intent.FORMAT,
    "projects": Intent.PROJECTS,
    "last": Intent.LAST,
}

_COMMAND = re.compile(r"^/(?P<name>[a-zA-Z_]+)(?:@\w+)?(?:\s+(?P<arg>.*))?$", re.S)
_URL = re.compile(r"https?://[^\s<>\"']+", re.I)

# Whole-message phrasings of each intent, after filler words are dropped.
_FILLER = re.compile(
    r"\b(?:please|pls|now|can|could|would|you|me|my|the|a|it|this|that|video|clip|project|"
    r"final|finished|result|as|an|mp4|in|1080p|hd|for|to|do|i|have|what|s|is|how|much|many|"
    r"left|show|check|current|of|our|us|thanks|thank|ok|okay|just|go|ahead)\b|[?!.,;:。？！，、]",
    re.I,
)
_WHOLE: list[tuple[Intent, re.Pattern[str]]] = [
    (Intent.EXPORT,
     re.compile(r"^(?:export|download|render|send|give|导出|下载|导出视频|下载视频)+$")),
    (Intent.CREDITS, re.compile(r"^(?:credits?|balance|积分|余额|我的积分|剩余积分|查询余额)+$")),
    (Intent.STATUS, re.compile(r"^(?:status|tracks|timeline|draft|状态|时间线|轨道)+$")),
    (Intent.HELP, re.compile(r"^(?:help|commands|帮助|怎么用)+$")),
    (Intent.CANCEL, re.compile(r"^(?:cancel|stop|abort|取消|停止)+$")),
    (Intent.NEW, re.compile(r"^(?:new|start over|restart|reset|新项目|重新开始)+$")),
    (Intent.UPLOAD, re.compile(r"^(?:upload|上传|上传文件)+$")),
]
# "send me the video", "show tracks", "new project" and friends, matched before filler removal
_PHRASES: list[tuple[Intent, re.Pattern[str]]] = [
    (Intent.EXPORT,
     re.compile(r"^\s*(?:please\s+)?send\s+me\s+the\s+(?:final\s+)?video\W*$", re.I)),
    (Intent.STATUS, re.compile(r"^\s*show\s+(?:me\s+)?(?:the\s+)?(?:tracks|timeline)\W*$", re.I)),
    (Intent.NEW, re.compile(r"^\s*(?:start\s+(?:a\s+)?)?new\s+project\W*$|^\s*start\s+over\W*$",
                            re.I)),
]

# "... and export it as MP4", "..., then export", "……然后导出"
_TRAILING_EXPORT = re.compile(
    r"(?:\s*(?:,|;|，|；)?\s*(?:\band\s+then\b|\bthen\b|\band\b|然后|并且|并|再|最后)|\s*(?:,|;|，|；))"
    r"\s*(?:please\s+)?(?:export|download|render|send\s+me|导出|下载)"
    r"(?:\s+(?:it|the\s+video|the\s+result|this|everything))?"
    r"(?:\s+(?:as|to|in)\s+(?:an?\s+)?(?:mp4|1080p|hd)(?:\s+(?:file|video))?)*"
    r"(?:\s*(?:视频|成片))?\s*[.!。！]?\s*$",
    re.I,
)
_NEGATED_EXPORT = re.compile(
    r"\b(?:don'?t|do\s+not|dont|no|not|never|without|before)\s+(?:\w+\s+){0,2}?"
    r"(?:export|download|render)|(?:不要|别|先别|暂不|不用|不)\s*(?:\S{0,2})?(?:导出|下载)",
    re.I,
)


def route(text: str, has_attachments: bool = False) -> list[Step]:
    """The steps a message asks for, in order."""
    text = text.strip()
    steps: list[Step] = []
    if has_attachments:
        steps.append(Step(Intent.UPLOAD))
    if not text:
        return steps

    command = _COMMAND.match(text)
    if command:
        intent = COMMANDS.get(command["name"].lower(), Intent.HELP)
        return [*steps, Step(intent, (command["arg"] or "").strip())]

    urls = tuple(_URL.findall(text))
    plain = text
    if urls:
        rest = re.sub(r"\s+", " ", _URL.sub(" ", text)).strip()
        steps = [s for s in steps if s.intent is not Intent.UPLOAD]
        steps.append(Step(Intent.UPLOAD, urls=urls))
        if not rest or _whole_intent(rest) is Intent.UPLOAD:
            return steps
        # keywords are read without the link; the agent sees it (it names the file)
        plain = rest

    whole = _whole_intent(plain)
    if whole is Intent.UPLOAD and has_attachments:
        return steps
    if whole is not None:
        return [*steps, Step(whole)]
    return [*steps, *_agent_steps(text)]


def _whole_intent(text: str) -> Intent | None:
    for intent, pattern in _PHRASES:
        if pattern.match(text):
            return intent
    core = re.sub(r"\s+", " ", _FILLER.sub(" ", text.lower())).strip()
    if not core:
        return None
    compact = core.replace(" ", "")
    for intent, pattern in _WHOLE:
        if pattern.match(compact) or pattern.match(core):
            return intent
    return None


def _agent_steps(text: str) -> list[Step]:
    if _NEGATED_EXPORT.search(text):
        return [Step(Intent.AGENT, text)]
    trailing = _TRAILING_EXPORT.search(text)
    if trailing and trailing.start() > 0:
        edit = text[: trailing.start()].rstrip(" ,;，；")
        if edit:
            return [Step(Intent.AGENT, edit), Step(Intent.EXPORT)]
    return [Step(Intent.AGENT, text)]
