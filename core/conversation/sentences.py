"""Reading the agent's text: what is content (quotes, code, links) and where sentences end.

Everything here works within one line: no quote, link or sentence spans a line break,
so a text can be read line by line, as it streams, with the same result as whole.
"""

from __future__ import annotations

import re

MASK = "\x1a"

# Quoted text, inline code and URLs are content: they are masked before matching.
_QUOTED = re.compile(
    r'"[^"\n]*"|“[^”\n]*”|‘[^’\n]*’|「[^」\n]*」|『[^』\n]*』|《[^》\n]*》|`[^`\n]*`'
    r"|(?<!\w)'[^'\n]*'(?!\w)"
    r"|https?://[^\s<>]+"
)
# One sentence of a line: up to `. ! ?` followed by a space or the end, or up to `。！？`.
SENTENCE = re.compile(
    r"\S[^\n]*?(?:[.!?…]+[\"'”’)\]*_]*(?=\s|$)|[。！？]+[”’」』）)\]*_]*|$)", re.M
)
# Where a quote or a link may begin (see _QUOTED).
_OPENER = re.compile(r"[\"“‘「『《`]|(?<!\w)'|https?://")
HAN = re.compile(r"[\u3400-\u9fff]")
KANA = re.compile(r"[\u3040-\u30ff]")


def mask(text: str) -> str:
    """The text with the inside of quotes, inline code and URLs blanked out (same length)."""
    return _QUOTED.sub(lambda m: m.group(0)[0] + MASK * (len(m.group(0)) - 2)
                       + m.group(0)[-1], text)


def is_chinese(masked: str) -> bool:
    """Chinese (Han characters, no Japanese kana) outside quotes."""
    return bool(HAN.search(masked)) and not KANA.search(masked)


def spans(masked: str) -> list[tuple[int, int]]:
    """Where the sentences of a (masked) text start and end."""
    return [(m.start(), m.end()) for m in SENTENCE.finditer(masked)]


def settled(text: str) -> int:
    """How much of a line's start reads the same whatever follows it on the line: all of
    it, but for a quote not closed yet (or a link at the end, which may go on)."""
    quoted = [(m.start(), m.end()) for m in _QUOTED.finditer(text)]
    limit = quoted[-1][0] if quoted and quoted[-1][1] == len(text) else len(text)
    index = 0
    for opener in _OPENER.finditer(text):
        at = opener.start()
        while index < len(quoted) and quoted[index][1] <= at:
            index += 1
        if index == len(quoted) or at < quoted[index][0]:
            return min(at, limit)  # not inside a quote: it opens one that is not closed
    return limit
