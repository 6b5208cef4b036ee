"""GUI translation: rewrite the agent's text for people who only have a chat.

The NemoVideo agent believes its user sees an editor ("click Export", "open the
timeline panel", "drag the clip"). `translate` rewrites such instructions into
chat wording and returns the follow-up actions the bot can offer or perform:

- export ("Export button", "click ... download", "导出") -> `GuiAction.EXPORT`, and the
  sentence becomes: Say "export" when you want the video.
- account or billing ("check your account", "查看余额") -> `GuiAction.SHOW_CREDITS`, dropped;
- panels and previews ("open the timeline panel", "preview in timeline", "preview it
  in the timeline", "打开…面板", "在时间线中预览") -> `GuiAction.SHOW_STATE` (the bot
  shows the track summary), dropped;
- drag and drop ("拖拽") -> "Just tell me what to move or change and I'll do it.";
- other clicks ("click Apply to add the filter", "点击") -> Say "apply" to add the filter.

Content is kept verbatim. Work is sentence by sentence (`. ! ?` and `。！？`), a
sentence that mixes content and an instruction ("Title added; click Export to
render it.") keeps its content clauses, and quoted text, inline code, URLs and
fenced code blocks are never read as instructions. Replacement wording (texts
`gui_*`) is in the user's language, Chinese when the sentence is Chinese. Text with
no GUI talk comes back unchanged.

Lines are independent but for what was already said (a replacement is said once), so
`TextTranslator` takes a streamed answer line by line and rewrites each line once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from core import i18n
from core.conversation.glitch import is_trailing_glitch, strip_trailing_glitch
from core.conversation.gui_rules import (
    CONDITIONAL,
    CONTINUATION,
    Kind,
    classify,
    clauses,
    wording,
)
from core.conversation.sentences import HAN, KANA, is_chinese, mask
from core.conversation.sentences import spans as sentence_spans

_LINE_PREFIX = re.compile(r"^\s*(?:(?:[-*+•]|\d{1,3}[.)]|#{1,6})\s+|>+\s*)*")
_FENCE = re.compile(r"^\s*(?:```|~~~)")
_CJK_END = re.compile(r"[\u3400-\u9fff。！？，；：”」』）]$")
_TERMINATED = re.compile(r"[.!?…。！？][\"'”’)\]*_]*$")

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


_ACTION = {Kind.EXPORT: GuiAction.EXPORT, Kind.CREDITS: GuiAction.SHOW_CREDITS,
           Kind.STATE: GuiAction.SHOW_STATE}


def _attach(spans: list[tuple[int, int]], kinds: list[Kind | None], masked: str) -> None:
    """Join to an instruction the content clauses that belong to it: a leading condition
    ("If you want X, click Y") and a continuation ("click Export and choose MP4")."""
    for i in range(len(spans) - 2, -1, -1):
        a, b = spans[i]
        if kinds[i] is None and kinds[i + 1] and CONDITIONAL.search(masked[a:b]):
            spans[i:i + 2] = [(a, spans[i + 1][1])]
            kinds[i:i + 2] = [classify(masked[a:spans[i][1]])]
    i = 1
    while i < len(spans):
        a, b = spans[i]
        if kinds[i] is None and kinds[i - 1] and CONTINUATION.match(masked[a:b]):
            spans[i - 1:i + 1] = [(spans[i - 1][0], b)]
            del kinds[i]
        else:
            i += 1


class _Translator:
    """Rewrites one text; collects actions and avoids repeating a replacement."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.zh_language = language.lower().startswith("zh")
        self.actions: list[GuiAction] = []
        self.used: set[str] = set()
        self.changed = False

    def copy(self) -> _Translator:
        """An independent copy of what was said so far."""
        other = _Translator(self.language)
        other.actions, other.used = list(self.actions), set(self.used)
        other.changed = self.changed
        return other

    def _note(self, kind: Kind) -> None:
        self.changed = True
        action = _ACTION.get(kind)
        if action is not None and action not in self.actions:
            self.actions.append(action)

    def _replacement(self, kind: Kind, original: str, masked: str) -> str | None:
        chinese = self.zh_language or is_chinese(masked)
        text = wording(kind, original, masked, "zh" if chinese else self.language)
        if text is None or text in self.used:
            return None
        self.used.add(text)
        return text

    def sentence(self, original: str, masked: str) -> str | None:
        """The rewritten sentence, or None when it is dropped."""
        spans = clauses(masked)
        kinds: list[Kind | None] = [classify(masked[a:b]) for a, b in spans]
        if not any(kinds):
            return original
        _attach(spans, kinds, masked)
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
                content += "。" if is_chinese(mask(content)) else "."
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
        head = line_head(line)
        writer = _Line(head)
        writer.add(self, line[len(head):])
        return writer.close()


def line_head(line: str) -> str:
    """The list, quote and heading markers a line starts with (kept as they are)."""
    prefix = _LINE_PREFIX.match(line)
    return prefix.group(0) if prefix else ""


class _Line:
    """One line rewritten sentence by sentence, given whole or in pieces that each end
    where a sentence ends (a long line as it streams in)."""

    def __init__(self, head: str) -> None:
        self.head = head  # list, quote and heading markers, kept as they are
        self.lead: str | None = None  # the text before the line's first sentence
        self.out: list[str] = []
        self.gap = ""  # the text after the last sentence so far
        self.given: list[str] = []

    def copy(self) -> _Line:
        other = _Line(self.head)
        other.lead, other.out, other.gap = self.lead, list(self.out), self.gap
        other.given = list(self.given)
        return other

    def add(self, words: _Translator, body: str) -> None:
        """Rewrite the sentences of the next piece of the line's body."""
        self.given.append(body)
        masked = mask(body)
        spans = sentence_spans(masked)
        if not spans:
            self.gap += body
            return
        if self.lead is None:
            self.lead = self.gap + body[:spans[0][0]]
        previous_end = 0
        for a, b in spans:
            rewritten = words.sentence(body[a:b], masked[a:b])
            if rewritten is not None:
                between = body[previous_end:a] if previous_end else self.gap + body[:a]
                self.out.append(between if self.out else self.lead)
                self.out[-1] += rewritten
            previous_end = b
        self.gap = body[spans[-1][1]:]

    def close(self) -> str | None:
        """The rewritten line (as given when it has no sentence), or None when all of it
        is dropped."""
        if self.lead is None:
            return self.head + "".join(self.given)
        if not self.out:
            return None
        return self.head + "".join(self.out) + self.gap


class TextTranslator:
    """`translate` fed one complete line at a time, as an answer streams in: each line is
    rewritten once and kept. A long line may come in pieces (`feed_part`, each ending
    where a sentence ends, then the rest with `feed`). `fork` gives a throwaway copy that
    can take the unfinished rest of the text (to show it) without changing this one;
    `result` is what `translate` returns for the lines fed so far."""

    def __init__(self, language: str = "en") -> None:
        self._words = _Translator(language)
        self._shared: list[str] = []  # a fork's parent's lines, read-only
        self.out: list[str] = []
        self._run: list[str] = []  # blank lines since the last kept line
        self._runs_max = 0
        self._dropped_in_gap = False
        self._in_fence = False
        self.has_content = False  # a line with more than spaces was fed
        self._han = False
        self._kana = False
        self._open: _Line | None = None  # a line given in pieces so far

    @property
    def actions(self) -> tuple[GuiAction, ...]:
        """The follow-up actions asked for so far, in order of mention."""
        return tuple(self._words.actions)

    def feed_part(self, piece: str) -> bool:
        """Take the next piece of a long line: text that ends where a sentence ends, and
        whose quotes and links are all closed. False (and nothing taken) where a line
        cannot be rewritten in pieces (code blocks)."""
        if self._open is None:
            if self._in_fence or _FENCE.match(piece) or not piece.strip():
                return False
            self._open = _Line(line_head(piece))
            piece = piece[len(self._open.head):]
        self._note(piece)
        self._open.add(self._words, piece)
        return True

    def _note(self, text: str) -> None:
        if text.strip():
            self.has_content = True
            masked = mask(text)
            self._han = self._han or bool(HAN.search(masked))
            self._kana = self._kana or bool(KANA.search(masked))

    def feed(self, line: str) -> None:
        """Take one complete line (without its line break), or the rest of a line given
        in pieces."""
        self._note(line)
        if self._open is not None:
            self._open.add(self._words, line)
            rewritten: str | None = self._open.close()
            self._open = None
        elif _FENCE.match(line):
            self._in_fence = not self._in_fence
            rewritten = line
        elif self._in_fence or not line.strip():
            rewritten = line
        else:
            rewritten = self._words.line(line)
        if rewritten is None:
            self._dropped_in_gap = True
            self._runs_max = max(self._runs_max, len(self._run))
            self._run = []
            return
        if not rewritten.strip() and not self._in_fence:
            self._run.append(rewritten)
            return
        if self._dropped_in_gap:
            blanks = max(self._runs_max, len(self._run)) if self._shared or self.out else 0
            self.out.extend([""] * blanks)
        else:
            self.out.extend(self._run)
        self.out.append(rewritten)
        self._run, self._runs_max, self._dropped_in_gap = [], 0, False

    def fork(self) -> TextTranslator:
        """A copy to feed the rest of the text to; this one is unchanged by it (and must not
        be fed while the copy is in use)."""
        other = TextTranslator.__new__(TextTranslator)
        other.__dict__.update(self.__dict__)
        other._words = self._words.copy()
        other._shared = self._shared + self.out if self._shared else self.out
        other.out = []
        other._run = list(self._run)
        other._open = self._open.copy() if self._open is not None else None
        return other

    def snapshot(self) -> tuple[int, TextTranslator]:
        """What `restore` needs to take this translator back to now."""
        return len(self.out), self.fork()

    def restore(self, snapshot: tuple[int, TextTranslator]) -> None:
        """Go back to when `snapshot` was taken (only lines fed since are forgotten)."""
        length, saved = snapshot
        out, shared = self.out, self._shared
        self.__dict__.update(saved.__dict__)
        del out[length:]
        self.out, self._shared = out, shared
        self._words = saved._words.copy()
        self._run = list(saved._run)
        self._open = saved._open.copy() if saved._open is not None else None

    def result(self) -> Translated:
        """What `translate` gives for the lines fed so far (a line given in pieces ends
        with the last piece)."""
        if self._open is not None:
            ended = self.fork()
            ended.feed("")
            return ended.result()
        if not self._words.changed:
            return Translated(text="\n".join([*self._shared, *self.out, *self._run]))
        text = "\n".join([*self._shared, *self.out, *self._run])
        if self.has_content and not text.strip():
            chinese = self._words.zh_language or (self._han and not self._kana)
            text = i18n.t("zh" if chinese else self._words.language, "gui_done")
        return Translated(text=text, actions=tuple(self._words.actions))


def translate(text: str, language: str = "en") -> Translated:
    """Rewrite the agent's GUI talk for a chat user; see the module docstring.

    Never returns an empty text for input with content: when everything was an
    instruction that the bot performs itself, the text is "Done." ("完成。").
    """
    translator = TextTranslator(language)
    for line in text.split("\n"):
        translator.feed(line)
    return translator.result()


__all__ = ["GuiAction", "TextTranslator", "Translated", "is_trailing_glitch", "line_head",
           "strip_trailing_glitch", "translate"]
