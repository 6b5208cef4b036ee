"""Cutting long text into messages that fit a platform's length limit."""

from __future__ import annotations


def utf16_units(text: str) -> int:
    """Length in UTF-16 code units (how Telegram counts)."""
    return len(text.encode("utf-16-le")) // 2


def fit(text: str, limit: int, utf16: bool = False) -> int:
    """How many characters of `text` fit in `limit` units."""
    if not utf16:
        return min(len(text), limit)
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            return index
    return len(text)


def split_text(text: str, limit: int, *, utf16: bool = False) -> list[str]:
    """`text` in pieces of at most `limit` characters (UTF-16 units with `utf16`), cut
    at a line break or a space in the second half of a piece when there is one.

    A piece depends only on the text before its end, so a growing text (a streamed
    answer) keeps the pieces it already had.
    """
    measure = utf16_units if utf16 else len
    pieces: list[str] = []
    rest = text
    while measure(rest) > limit:
        size = fit(rest, limit, utf16)
        window = rest[: size + 1]
        cut = window.rfind("\n")
        if cut < size // 2:
            cut = window.rfind(" ")
        if cut < size // 2:
            cut = size
        piece = rest[:cut].rstrip()
        if not piece:
            piece, cut = rest[:size], size
        pieces.append(piece)
        rest = rest[cut:].lstrip(" \n")
    if rest.strip() or not pieces:
        pieces.append(rest)
    return pieces
