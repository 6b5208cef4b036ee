"""What a sender reads when their message waits behind others: its place in line."""

from __future__ import annotations

from core.i18n import t, texts

texts({
    "queued.next": {
        "en": "Got it, next in line: {what}",
        "zh": "收到，下一个处理：{what}",
    },
    "queued.place": {
        "en": "Got it, number {place} in line: {what}",
        "zh": "收到，排在第 {place} 位：{what}",
    },
    "queued.choice": {"en": "the option you chose", "zh": "你选择的选项"},
})


#: characters of a waiting message quoted in its notice (the notice is one short message)
QUOTED = 80


def queued_text(lang: str, position: int | None, text: str) -> str:
    """The notice for a message (its `text`, quoted up to `QUOTED` characters) `position`
    places from the front of its chat's queue (0: next), or the plain one when the
    position is unknown."""
    text = " ".join(text.split())
    if text.startswith(("/choose", "/format")):
        what = t(lang, "queued.choice")  # a button press: its command means nothing to users
    else:
        what = (text if len(text) <= QUOTED else text[:QUOTED - 1].rstrip() + "…") or t(
            lang, "queued_files")
    if position is None:
        return t(lang, "queued", what=what)
    if position == 0:
        return t(lang, "queued.next", what=what)
    return t(lang, "queued.place", place=position + 1, what=what)
