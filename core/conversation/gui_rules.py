"""The GUI instructions the agent gives, as patterns, and what the bot says instead.

Used by `core.conversation.gui` (see there). The replacement wording is a user-facing
text (`answer_texts`), in the sentence's language.
"""

from __future__ import annotations

import re
from enum import Enum

from core import i18n
from core.conversation import answer_texts  # noqa: F401  (registers the wording)

# Where a sentence splits into clauses: before an instruction that follows content.
_EN_VERB = (
    r"(?:click|tap|press|hit|open|drag|drop|preview|check|go\s+to|head\s+(?:over\s+)?to"
    r"|navigate|switch\s+to|visit|use\s+the|select|choose|export|download)"
)
_EN_FILL = (
    r"(?:(?:and|then|so|now|just|simply|or|also|you|you'll|you\s+can|can|could|may|might"
    r"|should|need\s+to|will|please|feel\s+free\s+to)\s+)"
)
_ZH_LEAD = (
    r"(?:然后|再|并且?|接着|之后|随后|即可|就可以|可以|您可以|你可以|也可以|请|只需|只要|直接|在|去|您|你)*"
)
_ZH_VERB = (
    r"(?:点击|单击|双击|轻触|点按|打开|拖拽|拖动|拖放|拖入|前往|进入|切换|查看|预览|导出|下载"
    r"|时间线|时间轴|账户|充值)"
)
_CLAUSE_SPLIT = re.compile(
    rf"\s*[;；]\s*"
    rf"|,\s*(?={_EN_FILL}{{0,4}}{_EN_VERB}\b)"
    rf"|\s+(?=(?:and|then)\s+{_EN_FILL}{{0,3}}{_EN_VERB}\b)"
    rf"|\s+[—–]\s+"
    rf"|[，,]\s*(?={_ZH_LEAD}{_ZH_VERB}|[^，。！？；]{{0,6}}?(?:点击|打开|拖拽|拖动|预览|导出))",
    re.I,
)
# A leading "if/when ..." clause belongs to the instruction after it.
CONDITIONAL = re.compile(
    r"^\s*(?:if|when|once|after|whenever|to|before|as\s+soon\s+as|in\s+order\s+to)\b"
    r"|^\s*(?:如果|若|如需|如要|想要?|要|需要|待|等|当|一旦|为了|如想)"
    r"|(?:的话|时|之后|以后)\s*$",
    re.I,
)
# "..., and choose MP4" after an instruction goes with it.
CONTINUATION = re.compile(r"^\s*(?:and\s+then|and|then)\b", re.I)


class Kind(Enum):
    """A kind of GUI instruction."""

    EXPORT = "export"
    CREDITS = "credits"
    DRAG = "drag"
    STATE = "state"
    CLICK = "click"


_RULES: list[tuple[Kind, re.Pattern[str]]] = [
    (Kind.EXPORT, re.compile(
        r"\bexport(?:ing)?\s+(?:button|icon|option|menu|tab|panel|page|dialog)\b"
        r"|\b(?:click|tap|press|hit|select|choose)\b[^.!?]{0,60}?\b(?:export|download|render)\b"
        r"|\b(?:export|download)\b[^.!?]{0,40}\b(?:button|icon|menu|toolbar|corner|top[- ]right)\b"
        r"|\byou\s+can\s+(?:now\s+|then\s+|also\s+)?(?:export|download)\b"
        r"|导出|下载按钮|点击下载",
        re.I)),
    (Kind.CREDITS, re.compile(
        r"\b(?:check|view|see|visit|go\s+to|open|head\s+(?:over\s+)?to|navigate\s+to|manage"
        r"|review|top\s+up|upgrade)\b[^.!?]{0,50}?"
        r"(?:\b(?:account|billing|subscription|pricing|wallet)\b"
        r"|\b(?:your|my)\s+(?:credits?|balance|plan)\b"
        r"|\bcredits?\s+(?:balance|page|panel|tab|section|usage)\b)"
        r"|\b(?:billing|account|top[- ]up|pricing)\s+(?:page|settings|panel|tab|section)\b"
        r"|(?:查看|检查|前往|打开|进入|访问|管理|去|到)[^。！？]{0,12}"
        r"(?:账户|账号|计费|账单|余额|积分|订阅|充值|额度)"
        r"|充值页|账户页|账户中心|个人中心",
        re.I)),
    (Kind.DRAG, re.compile(
        r"\bdrag(?:ging|ged|s)?\b"
        r"|\bdrop\b[^.!?]{0,40}\b(?:here|into|onto)\b"
        r"|\bdrop\s+(?:it|them|your|the)\s+(?:\w+\s+)?(?:files?|clips?|media|videos?|images?"
        r"|photos?)\s+(?:in|on|onto|into|to)\b"
        r"|拖拽|拖动|拖放|拖入|拖到|拖至|拖进",
        re.I)),
    (Kind.STATE, re.compile(
        r"\b(?:open|go\s+to|navigate\s+to|switch\s+to|head\s+(?:over\s+)?to|expand|look\s+at"
        r"|check|click|tap)\b[^.!?]{0,40}?\b(?:panel|tab|timeline|editor|sidebar|side\s+bar"
        r"|toolbar|menu|window|library|settings|workspace|dashboard|inspector|properties)\b"
        r"|\b(?:preview|review|view|watch|play|see|find|check)\b[^.!?]{0,50}?"
        r"\b(?:in|on|at|from)\s+(?:the\s+|your\s+)?(?:timeline|player|preview|canvas|editor|panel|window"
        r"|sidebar|library)\b"
        r"|\bpreview\s+(?:it|them|this|the\s+(?:result|video|changes?|edits?|effects?))\b"
        r"|\bpreview\s+(?:window|panel|pane|area|player)\b"
        r"|打开"
        r"|(?:进入|切换到|前往|转到|查看|展开)[^。！？]{0,10}"
        r"(?:面板|页面|标签|时间线|时间轴|编辑器|侧边栏|工具栏|菜单|素材库|窗口)"
        r"|(?:时间线|时间轴|预览窗口|预览区|播放器|画布|编辑器|面板)[^。！？]{0,8}"
        r"(?:预览|查看|看到|播放|检查)"
        r"|预览[^。！？]{0,10}(?:时间线|时间轴|效果)"
        r"|(?:可以|请|您可以|你可以|即可)[^。！？]{0,4}预览",
        re.I)),
    (Kind.CLICK, re.compile(
        r"(?:^|[,;:]|\b(?:please|just|simply|then|and|now|can|could|may|should|to|will"
        r"|need\s+to))\s*(?:double[- ]|right[- ])?(?:click|tap)\b"
        r"|\b(?:click|tap)(?:ing)?\s+(?:on|the)\b"
        r"|\b(?:press|hit|select|choose|toggle)\b[^.!?]{0,40}\b(?:button|icon|checkbox|switch)\b"
        r"|\bbuttons?\b"
        r"|点击|单击|双击|轻触|点按|点一下|按钮",
        re.I)),
]

# A button's name in a click instruction, and what the click is for.
_EN_CLICK_LABEL = re.compile(
    r"\b(?i:click|tap|press|hit|select|choose)\s+(?i:on\s+)?(?i:the\s+)?[*_]*"
    r"(?!(?i:here|it|this|that|below|above)\b)"
    r"(?:[\"“'‘`](?P<quoted>[^\"”'’`]{1,40})[\"”'’`]|(?P<word>[A-Z][\w-]*(?:\s+[A-Z][\w-]*){0,2}))"
    r"[*_]*(?:\s+(?i:button|icon|option))?"
    r"(?:\s+(?P<rest>(?i:to|and)\s+[^.!?]+))?"
)
_ZH_CLICK_LABEL = re.compile(
    r"(?:点击|单击|双击|轻触|点按|点一下)\s*"
    r"(?:[“\"「『【\[](?P<quoted>[^”\"」』】\]]{1,20})[”\"」』】\]]"
    r"|(?P<word>[\u4e00-\u9fffA-Za-z]{1,8}?)(?=按钮))"
)


def classify(masked: str) -> Kind | None:
    """Which kind of GUI instruction a clause is, if any."""
    for kind, pattern in _RULES:
        if pattern.search(masked):
            return kind
    return None


def _click_wording(original: str, masked: str, language: str) -> str:
    """Chat wording of a click: Say "<button>" ..., when the button is named."""
    chinese = language == "zh"
    match = (_ZH_CLICK_LABEL if chinese else _EN_CLICK_LABEL).search(masked)
    if match:
        group = "quoted" if match.group("quoted") else "word"
        label = original[match.start(group):match.end(group)].strip()
        label = label if chinese else label.lower()
        rest = None if chinese else match.group("rest")
        if label and rest:
            rest = original[match.start("rest"):match.end("rest")].strip()
            return i18n.t(language, "gui_click_named_for", label=label, rest=rest)
        if label:
            return i18n.t(language, "gui_click_named", label=label)
    return i18n.t(language, "gui_click")


def wording(kind: Kind, original: str, masked: str, language: str) -> str | None:
    """What replaces an instruction of this kind (None: it is dropped), in `language`
    ("zh" for a Chinese sentence)."""
    if kind is Kind.EXPORT:
        return i18n.t(language, "gui_export")
    if kind is Kind.DRAG:
        return i18n.t(language, "gui_drag")
    if kind is Kind.CLICK:
        return _click_wording(original, masked, language)
    return None


def clauses(masked: str) -> list[tuple[int, int]]:
    """Spans of the clauses of one sentence."""
    spans, start = [], 0
    for match in _CLAUSE_SPLIT.finditer(masked):
        if match.start() > start:
            spans.append((start, match.start()))
            start = match.end()
    spans.append((start, len(masked)))
    return [span for span in spans if masked[span[0]:span[1]].strip()]
