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
