"""Video formats: the aspect-ratio presets creators ask for ("for TikTok", "for YouTube")
and target lengths, and what a format means for a render's output size.

A project's format is `ChatSession.aspect` ("9:16") and `ChatSession.seconds`; it
reaches the agent with each instruction (`core.conversation.formats`) and sets the
size of the project's renders (`output_extras`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: frames per second asked of a render whose format is chosen
FPS = 30
#: target lengths offered as buttons (any length in `LENGTH_RANGE` may be typed)
LENGTHS = (15, 30, 60)
LENGTH_RANGE = range(3, 601)


@dataclass(frozen=True)
class Preset:
    """An aspect ratio and the output size NemoVideo renders it at (up to 1080x1920)."""

    aspect: str
    width: int
    height: int

    @property
    def value(self) -> str:
        """The preset as a button value ("9x16")."""
        return self.aspect.replace(":", "x")


PRESETS: tuple[Preset, ...] = (
    Preset("9:16", 1080, 1920),
    Preset("16:9", 1920, 1080),
    Preset("1:1", 1080, 1080),
    Preset("4:5", 1080, 1350),
)
_BY_ASPECT = {p.aspect: p for p in PRESETS}
_NAMES = {
    "tiktok": "9:16", "reels": "9:16", "reel": "9:16", "shorts": "9:16", "short": "9:16",
    "story": "9:16", "stories": "9:16", "vertical": "9:16", "竖屏": "9:16", "抖音": "9:16",
    "youtube": "16:9", "landscape": "16:9", "horizontal": "16:9", "widescreen": "16:9",
    "横屏": "16:9", "square": "1:1", "方形": "1:1", "feed": "4:5", "portrait": "4:5",
}
_RATIO = re.compile(r"^(\d{1,2})\s*[:x×/-]\s*(\d{1,2})$", re.I)
_LENGTH = re.compile(r"^(\d{1,3})\s*(?:s|sec|secs|seconds?|秒)?$", re.I)
_UNIT = re.compile(r"(\d)\s+(s|sec|secs|seconds?|秒)(?!\w)")
_CLEAR = frozenset({"auto", "none", "any", "clear", "reset", "自动", "不限"})


def preset(aspect: str) -> Preset | None:
    """The preset of an aspect ratio ("9:16"), if it is one."""
    return _BY_ASPECT.get(aspect)


@dataclass(frozen=True)
class FormatChoice:
    """What a /format argument asks for; None fields are left as they are."""

    aspect: str | None = None
    seconds: int | None = None

    @property
    def empty(self) -> bool:
        """Nothing was asked for."""
        return self.aspect is None and self.seconds is None


def parse(text: str) -> FormatChoice | None:
    """Read "9:16 30s", "youtube", "9x16", "60", "auto" (clears both); None when a word
    is not understood."""
    choice = FormatChoice()
    text = _UNIT.sub(r"\1\2", text.strip().lower())
    for word in filter(None, re.split(r"[\s,，]+", text)):
        read = _read_word(word)
        if read is None:
            return None
        choice = FormatChoice(choice.aspect if read.aspect is None else read.aspect,
                              choice.seconds if read.seconds is None else read.seconds)
    return choice


def _read_word(word: str) -> FormatChoice | None:
    """What one word of a /format argument asks for, or None."""
    if word in _CLEAR:
        return FormatChoice("", 0)
    if word in _NAMES:
        return FormatChoice(aspect=_NAMES[word])
    if (ratio := _RATIO.match(word)) and f"{ratio[1]}:{ratio[2]}" in _BY_ASPECT:
        return FormatChoice(aspect=f"{ratio[1]}:{ratio[2]}")
    if (length := _LENGTH.match(word)) and int(length[1]) in LENGTH_RANGE:
        return FormatChoice(seconds=int(length[1]))
    return None


def output_extras(width: int, height: int) -> dict[str, int]:
    """The optional extras of a render's `output` for a chosen size (none without one)."""
    if width <= 0 or height <= 0:
        return {}
    return {"width": width, "height": height, "fps": FPS}


def aspect_of(width: int | None, height: int | None) -> str | None:
    """The preset aspect closest to a frame size (within 2%), or None."""
    if not width or not height:
        return None
    for candidate in PRESETS:
        if abs(width / height - candidate.width / candidate.height) < 0.02 * width / height:
            return candidate.aspect
    return None
