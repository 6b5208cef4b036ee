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
    LANGUAGE = "language"
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
    "language": Intent.LANGUAGE,
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

# Whole-message phrasings of each intent, after filler words are dropped (English,
# Spanish and Portuguese fillers; Chinese and Japanese are matched whole).
_FILLER = re.compile(
    r"\b(?:please|pls|now|can|could|would|you|me|my|the|a|it|this|that|video|clip|project|"
    r"final|finished|result|as|an|mp4|in|1080p|hd|for|to|do|i|have|what|s|is|how|much|many|"
    r"left|show|check|current|of|our|us|thanks|thank|ok|okay|just|go|ahead|"
    r"por|favor|el|la|los|las|mi|mis|mí|un|una|ahora|quiero|ver|muestra|muéstrame|mostrar|"
    r"dame|cuántos|cuántas|cuantos|tengo|quedan|mío|vídeo|proyecto|o|os|meu|minha|meus|"
    r"agora|quero|mostre|mostra|quantos|tenho|restam|projeto|de|del|do|da|em|en|seu|eu|yo|"
    r"sua)\b|[?!.,;:。？！，、¿¡]",
    re.I,
)
# Japanese requests end in a verb form or a polite tail: "書き出してください", "残高を教えて"
_JA_TAIL = re.compile(r"(?:を|は|の)?(?:教えて|見せて|確認|表示)?(?:して|し|する|す)?"
                      r"(?:ください|下さい|お願いします|おねがいします)?$")
_WHOLE: list[tuple[Intent, re.Pattern[str]]] = [
    (Intent.EXPORT, re.compile(
        r"^(?:export|download|render|send|give|导出|下载|导出视频|下载视频"
        r"|exportar|exporta|expórtalo|exportalo|descargar|descarga|renderizar|renderiza"
        r"|exporte|baixar|baixe|renderize"
        r"|(?:動画|ビデオ)?を?(?:書き出|エクスポート|ダウンロード|出力))+$")),
    (Intent.CREDITS, re.compile(
        r"^(?:credits?|balance|积分|余额|我的积分|剩余积分|查询余额"
        r"|créditos?|creditos?|saldo|クレジット|残高|残りのクレジット|クレジット残高)+$")),
    (Intent.STATUS, re.compile(
        r"^(?:status|tracks|timeline|draft|状态|时间线|轨道"
        r"|estado|pistas|l[ií]nea ?(?:de ?)?tiempo|linha ?(?:do ?)?tempo|faixas"
        r"|状態|ステータス|タイムライン|トラック)+$")),
    (Intent.HELP, re.compile(
        r"^(?:help|commands|帮助|怎么用|ayuda|comandos|ajuda|ヘルプ|使い方|コマンド)+$")),
    (Intent.CANCEL, re.compile(
        r"^(?:cancel|stop|abort|取消|停止|cancelar|cancela|detener|detén|parar|pare"
        r"|キャンセル|中止|やめて|止めて)+$")),
    (Intent.NEW, re.compile(
        r"^(?:new|start over|restart|reset|新项目|重新开始|nuevo|empezar ?(?:de ?)?nuevo"
        r"|comenzar ?(?:de ?)?nuevo|reiniciar|novo|come[çc]ar ?(?:de ?)?novo|recome[çc]ar"
        r"|新規|新規プロジェクト|新しいプロジェクト|やり直し|最初から)+$")),
    (Intent.UPLOAD, re.compile(
        r"^(?:upload|上传|上传文件|subir|subir ?archivos?|cargar ?archivos?|enviar ?arquivos?"
        r"|carregar|carregar ?arquivos?|アップロード)+$")),
    (Intent.LANGUAGE, re.compile(
        r"^(?:language|languages|语言|idioma|idiomas|língua|lingua|言語)+$")),
]
# "send me the video", "show tracks", "new project" and friends, matched before filler removal
_PHRASES: list[tuple[Intent, re.Pattern[str]]] = [
    (Intent.EXPORT,
     re.compile(r"^\s*(?:please\s+)?send\s+me\s+the\s+(?:final\s+)?video\W*$", re.I)),
    (Intent.STATUS, re.compile(r"^\s*show\s+(?:me\s+)?(?:the\s+)?(?:tracks|timeline)\W*$", re.I)),
    (Intent.NEW, re.compile(r"^\s*(?:start\s+(?:a\s+)?)?new\s+project\W*$|^\s*start\s+over\W*$",
                            re.I)),
]

# "... and export it as MP4", "..., then export", "……然后导出", "... y expórtalo", "... e exporte"
_TRAILING_EXPORT = re.compile(
    r"(?:\s*(?:,|;|，|；)?\s*(?:\band\s+then\b|\bthen\b|\band\b|然后|并且|并|再|最后"
    r"|\by\s+(?:luego|despu[ée]s)\b|\by\b|\be\s+(?:depois|ent[ãa]o)\b|\be\b)|\s*(?:,|;|，|；))"
    r"\s*(?:please\s+)?(?:export|download|render|send\s+me|导出|下载"
    r"|exp[óo]rtalo|exportar(?:lo)?|exporta|desc[áa]rgalo|descargar(?:lo)?|exporte"
    r"|export[áa]-lo|baixe|baixar)"
    r"(?:\s+(?:it|the\s+video|the\s+result|this|everything|el\s+v[íi]deo|o\s+v[íi]deo))?"
    r"(?:\s+(?:as|to|in|en|em|como)\s+(?:an?\s+)?(?:mp4|1080p|hd)(?:\s+(?:file|video))?)*"
    r"(?:\s*(?:视频|成片))?\s*[.!。！]?\s*$",
    re.I,
)
_NEGATED_EXPORT = re.compile(
    r"\b(?:don'?t|do\s+not|dont|no|not|never|without|before|não|nao|sin|sem|nunca|antes)"
    r"\s+(?:\w+\s+){0,2}?(?:export|download|render|descarg|baix)"
    r"|(?:不要|别|先别|暂不|不用|不)\s*(?:\S{0,2})?(?:导出|下载)",
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
    core = _JA_TAIL.sub("", core, count=1) or core
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
