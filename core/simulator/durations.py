"""Durations in a message: "60-second", "1 minute", "1 min 30 s", "30s", "half a minute",
"一分钟", "三十秒", "一分半"."""

from __future__ import annotations

import re

_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "forty-five": 45, "fifty": 50,
    "sixty": 60, "ninety": 90,
}  # fmt: skip
_ZH_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}
_NUMBER = r"\d+(?:\.\d+)?|" + "|".join(sorted((w for w in _WORDS if w not in ("a", "an")),
                                              key=len, reverse=True))
_EN = re.compile(
    rf"(?<![\w.])(?P<num>{_NUMBER})\s*-?\s*(?P<unit>hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)"
    rf"(?![\w])"
    # "1 min 30 s", "1 minute and 30 seconds"
    rf"(?:\s*(?:and\s+)?(?P<more>\d+(?:\.\d+)?)\s*-?\s*(?:seconds?|secs?|s)(?![\w]))?",
    re.I,
)
_A_MINUTE = re.compile(r"\b(?:(?P<half>half) an? (?:minute|min)\b|an? (?:minute|min)\b"
                       r"(?P<and_half> and a half)?)", re.I)
_ZH_NUMBER = r"\d+(?:\.\d+)?|[零一二两三四五六七八九十百]+"
_ZH = re.compile(
    rf"(?P<num>{_ZH_NUMBER})\s*(?:个)?\s*(?P<unit>小时|分钟|分半钟?|分(?=\d|[零一二两三四五六七八九十]+秒)|秒钟?)"
    rf"(?:(?P<more>{_ZH_NUMBER})\s*秒钟?)?|半分钟"
)


def zh_number(text: str) -> float | None:
    """A number written in digits or Chinese numerals ("35", "三十五", "一百二十")."""
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    total, current = 0, 0
    for char in text:
        if char in _ZH_DIGITS:
            current = _ZH_DIGITS[char]
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        elif char == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return float(total + current)


def _unit_seconds(unit: str) -> float:
    unit = unit.lower()
    if unit.startswith("h") or unit == "小时":
        return 3600.0
    if unit.startswith("m") or unit.startswith("分"):
        return 60.0
    return 1.0


def _english(text: str) -> tuple[int, float] | None:
    match = _EN.search(text)
    found: list[tuple[int, float]] = []
    if match:
        raw = match["num"].lower()
        number = float(_WORDS[raw]) if raw in _WORDS else float(raw)
        value = number * _unit_seconds(match["unit"])
        if match["more"] and _unit_seconds(match["unit"]) == 60.0:
            value += float(match["more"])
        found.append((match.start(), value))
    word = _A_MINUTE.search(text)
    if word:
        value = 30.0 if word["half"] else 90.0 if word["and_half"] else 60.0
        found.append((word.start(), value))
    return min(found) if found else None


def _chinese(text: str) -> tuple[int, float] | None:
    match = _ZH.search(text)
    if match is None:
        return None
    if match.group(0) == "半分钟":
        return match.start(), 30.0
    number = zh_number(match["num"])
    if number is None:
        return None
    unit = match["unit"]
    value = number * _unit_seconds(unit)
    if unit.startswith("分半"):
        value += 30.0
    if match["more"]:
        value += zh_number(match["more"]) or 0.0
    return match.start(), value


def seconds_in(text: str) -> float | None:
    """The first duration the text mentions, in seconds; None when there is none."""
    found = [hit for hit in (_english(text), _chinese(text)) if hit is not None]
    return min(found)[1] if found else None


def without_durations(text: str) -> str:
    """The text with its durations taken out (for a generated clip's description)."""
    return _ZH.sub("", _A_MINUTE.sub("", _EN.sub("", text)))
