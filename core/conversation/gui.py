"""GUI translation: rewrite the agent's text for people who only have a chat.

The NemoVideo agent believes its user sees an editor ("click Export", "open the
timeline panel", "drag the clip"). `translate` rewrites such instructions into
chat wording and returns the follow-up actions the bot can offer or perform:

- export ("Export button", "click ... download", "导出") -> `GuiAction.EXPORT`, and the
  sentence becomes: Say "export" when you want the video.
- account or billing ("check your account", "查看余额") -> `GuiAction.SHOW_CREDITS`, dropped;
- panels and previews ("open the timeline panel", "preview it in the timeline",
  "打开") -> `GuiAction.SHOW_STATE` (the bot shows the track summary), dropped;
- drag and drop ("拖拽") -> "Just tell me what to move or change and I'll do it.";
- other clicks ("click Apply to add the filter", "点击") -> Say "apply" to add the filter.

Content is kept verbatim. Work is sentence by sentence (`. ! ?` and `。！？`), a
sentence that mixes content and an instruction ("Title added; click Export to
render it.") keeps its content clauses, and quoted text, inline code, URLs and
fenced code blocks are never read as instructions. Replacement wording is Chinese
when the sentence is Chinese or the language starts with "zh". Text with no GUI
talk comes back unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum, StrEnum

_MASK = "\x1a"

# Quoted text, inline code and URLs are content: they are masked before matching.
_QUOTED = re.compile(
    r'"[^"\n]*"|“[^”\n]*”|‘[^’\n]*’|「[^」\n]*」|『[^』\n]*』|《[^》\n]*》|`[^`\n]*`'
    r"|(?<!\w)'[^'\n]*'(?!\w)"
    r"|https?://[^\s<>]+"
)
# One sentence of a line: up to `. ! ?` followed by a space or the end, or up to `。！？`.
_SENTENCE = re.compile(
    r"\S[^\n]*?(?:[.!?…]+[\"'”’)\]*_]*(?=\s|$)|[。！？]+[”’」』）)\]*_]*|$)", re.M
)
# Markdown list, quote and heading markers kept in front of a rewritten line.
_LINE_PREFIX = re.compile(r"^\s*(?:(?:[-*+•]|\d{1,3}[.)]|#{1,6})\s+|>+\s*)*")
_FENCE = re.compile(r"^\s*(?:```|~~~)")
_HAN = re.compile(r"[\u3400-\u9fff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_CJK_END = re.compile(r"[\u3400-\u9fff。！？，；：”」』）]$")
_TERMINATED = re.compile(r"[.!?…。！？][\"'”’)\]*_]*$")

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
    rf"|[，,]\s*(?={_ZH_LEAD}{_ZH_VERB})",
    re.I,
)
# A leading "if/when ..." clause belongs to the instruction after it.
_CONDITIONAL = re.compile(
    r"^\s*(?:if|when|once|after|whenever|to|before|as\s+soon\s+as|in\s+order\s+to)\b"
    r"|^\s*(?:如果|若|如需|如要|想要?|要|需要|待|等|当|一旦|为了|如想)"
    r"|(?:的话|时|之后|以后)\s*$",
    re.I,
)


class GuiAction(StrEnum):
    """A follow-up the bot can offer as a button or perform itself."""

    EXPORT = "export"
    SHOW_STATE = "show_state"  # show the track summary (Draft.summary)
    SHOW_CREDITS = "show_credits"


@dataclass(frozen=True)
class Translated:
    """Rewritten agent text and the suggested follow-up actions, in order of mention."""

    text: str
    actions: tuple[GuiAction, ...] = ()


class _Kind(Enum):
    EXPORT = "export"
    CREDITS = "credits"
    DRAG = "drag"
    STATE = "state"
    CLICK = "click"


_ACTION = {_Kind.EXPORT: GuiAction.EXPORT, _Kind.CREDITS: GuiAction.SHOW_CREDITS,
           _Kind.STATE: GuiAction.SHOW_STATE}

_RULES: list[tuple[_Kind, re.Pattern[str]]] = [
    (_Kind.EXPORT, re.compile(
        r"\bexport(?:ing)?\s+(?:button|icon|option|menu|tab|panel|page|dialog)\b"
        r"|\b(?:click|tap|press|hit|select|choose)\b[^.!?]{0,60}?\b(?:export|download|render)\b"
        r"|\b(?:export|download)\b[^.!?]{0,40}\b(?:button|icon|menu|toolbar|corner|top[- ]right)\b"
        r"|\byou\s+can\s+(?:now\s+|then\s+|also\s+)?(?:export|download)\b"
        r"|导出|下载按钮|点击下载",
        re.I)),
    (_Kind.CREDITS, re.compile(
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
    (_Kind.DRAG, re.compile(
        r"\bdrag(?:ging|ged|s)?\b"
        r"|\bdrop\b[^.!?]{0,40}\b(?:here|into|onto)\b"
        r"|\bdrop\s+(?:it|them|your|the)\s+(?:\w+\s+)?(?:files?|clips?|media|videos?|images?"
        r"|photos?)\s+(?:in|on|onto|into|to)\b"
        r"|拖拽|拖动|拖放|拖入|拖到|拖至|拖进",
        re.I)),
    (_Kind.STATE, re.compile(
        r"\b(?:open|go\s+to|navigate\s+to|switch\s+to|head\s+(?:over\s+)?to|expand|look\s+at"
        r"|check|click|tap)\b[^.!?]{0,40}?\b(?:panel|tab|timeline|editor|sidebar|side\s+bar"
        r"|toolbar|menu|window|library|settings|workspace|dashboard|inspector|properties)\b"
        r"|\b(?:preview|review|view|watch|play|see|find|check)\b[^.!?]{0,50}?"
        r"\b(?:in|on|at|from)\s+the\s+(?:timeline|player|preview|canvas|editor|panel|window"
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
    (_Kind.CLICK, re.compile(
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

_EXPORT_EN = 'Say "export" when you want the video.'
_EXPORT_ZH = "需要成片时，发送“导出”即可。"
_DRAG_EN = "Just tell me what to move or change and I'll do it."
_DRAG_ZH = "直接告诉我要移动或修改什么，我来处理。"
_CLICK_EN = "Just tell me what you'd like and I'll do it."
_CLICK_ZH = "直接告诉我您想怎么做，我来处理。"
_DONE_EN = "Done."
_DONE_ZH = "完成。"


def _mask(text: str) -> str:
    """The text with the inside of quotes, inline code and URLs blanked out (same length)."""
    return _QUOTED.sub(lambda m: m.group(0)[0] + _MASK * (len(m.group(0)) - 2)
                       + m.group(0)[-1], text)


def _is_chinese(masked: str) -> bool:
    return bool(_HAN.search(masked)) and not _KANA.search(masked)


def _classify(masked: str) -> _Kind | None:
    """Which kind of GUI instruction a clause is, if any."""
    for kind, pattern in _RULES:
        if pattern.search(masked):
            return kind
    return None


def _click_wording(original: str, masked: str, chinese: bool) -> str:
    """Chat wording of a click: Say "<button>" ..., when the button is named."""
    if chinese:
        match = _ZH_CLICK_LABEL.search(masked)
        if match:
            group = "quoted" if match.group("quoted") else "word"
            label = original[match.start(group):match.end(group)].strip()
            if label:
                return f"发送“{label}”，我来处理。"
        return _CLICK_ZH
    match = _EN_CLICK_LABEL.search(masked)
    if match:
        group = "quoted" if match.group("quoted") else "word"
        label = original[match.start(group):match.end(group)].strip().lower()
        if label:
            if match.group("rest"):
                rest = original[match.start("rest"):match.end("rest")].strip()
                return f'Say "{label}" {rest}.'
            return f'Say "{label}" and I\'ll do it.'
    return _CLICK_EN


def _wording(kind: _Kind, original: str, masked: str, chinese: bool) -> str | None:
    """What replaces an instruction of this kind (None: it is dropped)."""
    if kind is _Kind.EXPORT:
        return _EXPORT_ZH if chinese else _EXPORT_EN
    if kind is _Kind.DRAG:
        return _DRAG_ZH if chinese else _DRAG_EN
    if kind is _Kind.CLICK:
        return _click_wording(original, masked, chinese)
    return None


def _clauses(masked: str) -> list[tuple[int, int]]:
    """Spans of the clauses of one sentence."""
    spans, start = [], 0
    for match in _CLAUSE_SPLIT.finditer(masked):
        if match.start() > start:
            spans.append((start, match.start()))
            start = match.end()
    spans.append((start, len(masked)))
    return [span for span in spans if masked[span[0]:span[1]].strip()]


class _Translator:
    """Rewrites one text; collects actions and avoids repeating a replacement."""

    def __init__(self, language: str) -> None:
        self.zh_language = language.lower().startswith("zh")
        self.actions: list[GuiAction] = []
        self.used: set[str] = set()
        self.changed = False

    def _note(self, kind: _Kind) -> None:
        self.changed = True
        action = _ACTION.get(kind)
        if action is not None and action not in self.actions:
            self.actions.append(action)

    def _replacement(self, kind: _Kind, original: str, masked: str) -> str | None:
        chinese = self.zh_language or _is_chinese(masked)
        text = _wording(kind, original, masked, chinese)
        if text is None or text in self.used:
            return None
        self.used.add(text)
        return text

    def sentence(self, original: str, masked: str) -> str | None:
        """The rewritten sentence, or None when it is dropped."""
        spans = _clauses(masked)
        kinds: list[_Kind | None] = [_classify(masked[a:b]) for a, b in spans]
        if not any(kinds):
            return original
        # "If you want X, click Y": the leading condition goes with the instruction.
        for i in range(len(spans) - 2, -1, -1):
            a, b = spans[i]
            if kinds[i] is None and kinds[i + 1] and _CONDITIONAL.search(masked[a:b]):
                spans[i:i + 2] = [(a, spans[i + 1][1])]
                kinds[i:i + 2] = [_classify(masked[a:spans[i][1]])]
        kept: list[str] = []
        replacements: list[str] = []
        previous_end = 0
        for (a, b), kind in zip(spans, kinds, strict=True):
            if kind is None:
                separator = original[previous_end:a] if kept else ""
                kept.append(separator + original[a:b])
            else:
                self._note(kind)
                text = self._replacement(kind, original[a:b], masked[a:b])
                if text is not None:
                    replacements.append(text)
            previous_end = b
        content = "".join(kept).rstrip(" \t,;:，；：、—–-")
        parts: list[str] = []
        if content:
            if content[0].islower() and content[0].isascii() and spans[0][0] == 0 \
                    and kinds[0] is not None:
                content = content[0].upper() + content[1:]
            if not _TERMINATED.search(content):
                content += "。" if _is_chinese(_mask(content)) else "."
            parts.append(content)
        parts.extend(replacements)
        if not parts:
            return None
        joined = parts[0]
        for part in parts[1:]:
            joined += ("" if _CJK_END.search(joined) else " ") + part
        return joined

    def line(self, line: str) -> str | None:
        """The rewritten line, or None when all of it is dropped."""
        prefix = _LINE_PREFIX.match(line)
        head = prefix.group(0) if prefix else ""
        body = line[len(head):]
        masked = _mask(body)
        spans = [(m.start(), m.end()) for m in _SENTENCE.finditer(masked)]
        if not spans:
            return line
        out: list[str] = []
        previous_end = 0
        for a, b in spans:
            rewritten = self.sentence(body[a:b], masked[a:b])
            if rewritten is not None:
                separator = body[previous_end:a] if out else body[:spans[0][0]]
                out.append(separator + rewritten)
            previous_end = b
        if not out:
            return None
        return head + "".join(out) + body[spans[-1][1]:]


def translate(text: str, language: str = "en") -> Translated:
    """Rewrite the agent's GUI talk for a chat user; see the module docstring.

    Never returns an empty text for input with content: when everything was an
    instruction that the bot performs itself, the text is "Done." ("完成。").
    """
    translator = _Translator(language)
    lines = text.split("\n")
    out: list[str] = []
    run: list[str] = []  # blank lines since the last kept line
    runs_max = 0
    dropped_in_gap = False
    in_fence = False
    for line in lines:
        if _FENCE.match(line):
            in_fence = not in_fence
            rewritten: str | None = line
        elif in_fence or not line.strip():
            rewritten = line
        else:
            rewritten = translator.line(line)
        if rewritten is None:
            dropped_in_gap = True
            runs_max = max(runs_max, len(run))
            run = []
            continue
        if not rewritten.strip() and not in_fence:
            run.append(rewritten)
            continue
        if dropped_in_gap:
            blanks = max(runs_max, len(run)) if out else 0
            out.extend([""] * blanks)
        else:
            out.extend(run)
        out.append(rewritten)
        run, runs_max, dropped_in_gap = [], 0, False
    out.extend(run)
    if not translator.changed:
        return Translated(text=text, actions=())
    result = "\n".join(out)
    if text.strip() and not result.strip():
        chinese = translator.zh_language or _is_chinese(_mask(text))
        result = _DONE_ZH if chinese else _DONE_EN
    return Translated(text=result, actions=tuple(translator.actions))


# ---------------------------------------------------------------- trailing glitch

_GLITCH = re.compile(
    r"\btemporar(?:y|ily)\b[^.!?。！？]{0,30}?\b(?:issue|problem|error|glitch|failure"
    r"|unavailable|hiccup)"
    r"|(?:临时|暂时)性?的?(?:问题|故障|错误|异常)|暂时(?:无法|不可用)",
    re.I,
)
_RETRY = re.compile(
    r"\b(?:try\s+again|retry|re-?send|later|in\s+a\s+(?:moment|few))\b|重试|再试|稍后|请稍",
    re.I,
)
_APOLOGY = re.compile(
    r"^\W*(?:sorry|apologies|my\s+apologies|oops|抱歉|对不起|不好意思)\W*$", re.I
)
_MAX_GLITCH_SENTENCE = 200
_MAX_RETRY_SENTENCE = 80


def _glitch_tail(sentences: list[str]) -> bool:
    """The sentences are a temporary-issue notice, with apologies and retry advice."""
    if not sentences or not any(_GLITCH.search(s) for s in sentences):
        return False
    for sentence in sentences:
        if _GLITCH.search(sentence):
            if len(sentence) > _MAX_GLITCH_SENTENCE:
                return False
        elif not (_APOLOGY.match(sentence)
                  or (_RETRY.search(sentence) and len(sentence) <= _MAX_RETRY_SENTENCE)):
            return False
    return True


def is_trailing_glitch(text: str) -> bool:
    """True when `text` is only an "I encountered a temporary issue..." notice.

    Apologies and retry advice around it ("Sorry!", "Please try again.") belong to it.
    """
    masked = _mask(text)
    return _glitch_tail([m.group(0) for m in _SENTENCE.finditer(masked)])


def strip_trailing_glitch(full_text: str) -> str:
    """`full_text` without a trailing temporary-issue notice when earlier text is normal.

    A text that is only the notice comes back unchanged: then it is the answer.
    """
    masked = _mask(full_text)
    matches = list(_SENTENCE.finditer(masked))
    sentences = [m.group(0) for m in matches]
    for k in range(len(matches)):
        if _glitch_tail(sentences[k:]):
            return full_text[:matches[k].start()].rstrip() if k else full_text
    return full_text


__all__ = ["GuiAction", "Translated", "is_trailing_glitch", "strip_trailing_glitch", "translate"]
