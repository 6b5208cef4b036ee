"""The agent's trailing "I encountered a temporary issue" notice, ignored after normal text.

A notice is a run of sentences at the end of the answer: at least one that speaks of a
temporary issue, with apologies and retry advice around it ("Sorry!", "Please try
again."). Each sentence is judged on its own (`mark`), so a streamed answer can be
judged line by line; the notice is found by one pass from the end.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import IntEnum

from core.conversation.sentences import SENTENCE, mask

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


class Mark(IntEnum):
    """What one (masked) sentence is to a trailing notice."""

    CONTENT = 0  #: not part of a notice
    AROUND = 1  #: an apology or retry advice: part of a notice, not one by itself
    NOTICE = 2  #: the temporary-issue notice itself


def mark(sentence: str) -> Mark:
    """What a masked sentence is to a trailing notice."""
    if _GLITCH.search(sentence):
        return Mark.NOTICE if len(sentence) <= _MAX_GLITCH_SENTENCE else Mark.CONTENT
    if _APOLOGY.match(sentence) or (_RETRY.search(sentence)
                                    and len(sentence) <= _MAX_RETRY_SENTENCE):
        return Mark.AROUND
    return Mark.CONTENT


def marked_sentences(text: str) -> list[tuple[int, Mark]]:
    """Where each sentence of `text` starts, and its mark."""
    masked = mask(text)
    return [(m.start(), mark(m.group(0))) for m in SENTENCE.finditer(masked)]


def notice_start(marks: Sequence[tuple[int, Mark]]) -> int | None:
    """The index (in `marks`) of the first sentence of a trailing notice, or None."""
    start, seen = len(marks), False
    while start > 0 and marks[start - 1][1] is not Mark.CONTENT:
        start -= 1
        seen = seen or marks[start][1] is Mark.NOTICE
    return start if seen else None


def is_trailing_glitch(text: str) -> bool:
    """True when `text` is only an "I encountered a temporary issue..." notice.

    Apologies and retry advice around it ("Sorry!", "Please try again.") belong to it.
    """
    marks = marked_sentences(text)
    return bool(marks) and notice_start(marks) == 0


def strip_trailing_glitch(full_text: str, *, after_content: bool = False) -> str:
    """`full_text` without a trailing temporary-issue notice when earlier text is normal.

    A text that is only the notice comes back unchanged (then it is the answer), unless
    `after_content` says that normal text came before it (a part of a longer answer).
    """
    marks = marked_sentences(full_text)
    start = notice_start(marks)
    if start is None or (start == 0 and not after_content):
        return full_text
    return full_text[:marks[start][0]].rstrip()
