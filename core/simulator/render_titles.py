"""Titles in a render: the fonts found on the machine and the drawtext filters.

Without the drawtext filter (an ffmpeg build without freetype) or any font, a title
shows as a dark band (drawbox) for its time range.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.simulator import drafts
from core.simulator.media import ffmpeg_exe
from core.simulator.render_graph import clean_segments, num, tracks_of

logger = logging.getLogger(__name__)

_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    "/System/Library/Fonts/Supplemental/Arial.ttf",
    "/Library/Fonts/Arial.ttf",
    "C:/Windows/Fonts/arial.ttf",
)
_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "/System/Library/Fonts")
_CJK_FONT_NAMES = (
    "NotoSansCJK", "NotoSerifCJK", "NotoSansSC", "NotoSansTC", "NotoSansJP", "SourceHanSans",
    "SourceHanSerif", "wqy", "DroidSansFallback", "uming", "ukai", "PingFang", "Hiragino",
    "STHeiti", "Songti", "msyh", "simhei", "simsun", "Arial Unicode",
)  # fmt: skip
#: drawn instead of a CJK title when no font on the machine has the glyphs
CJK_FONT_MISSING = "[title needs a CJK font: install fonts-noto-cjk]"
_CJK = re.compile(r"[\u3000-\u9fff\uac00-\ud7af]")


@dataclass(frozen=True)
class Capabilities:
    """What the bundled ffmpeg can do for titles."""

    font: Path | None = None
    cjk_font: Path | None = None

    @property
    def drawtext(self) -> bool:
        """Titles are drawn as text (else as a band)."""
        return self.font is not None


_detected: Capabilities | None = None


async def detect_capabilities() -> Capabilities:
    """Check for the drawtext filter (it needs a freetype build) and a usable font.

    Checked once per process.
    """
    global _detected
    if _detected is None:
        _detected = await _detect()
    return _detected


async def _detect() -> Capabilities:
    process = await asyncio.create_subprocess_exec(
        ffmpeg_exe(),
        "-hide_banner",
        "-filters",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    out, _ = await process.communicate()
    if not re.search(rb"\sdrawtext\s", out):
        return Capabilities()
    return await asyncio.to_thread(_find_fonts)


def _usable(path: Path) -> bool:
    # Quotes end a quoted filter option value, so such a path cannot be passed safely.
    return path.is_file() and "'" not in str(path)


def _find_fonts() -> Capabilities:
    font = next((Path(p) for p in _FONT_CANDIDATES if _usable(Path(p))), None)
    cjk = None
    for root in _FONT_DIRS:
        base = Path(root)
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            if path.suffix.lower() not in (".ttf", ".otf", ".ttc") or not _usable(path):
                continue
            if font is None:
                font = path
            if cjk is None and any(name.lower() in path.name.lower() for name in _CJK_FONT_NAMES):
                cjk = path
            if font is not None and cjk is not None:
                break
    return Capabilities(font=font, cjk_font=cjk)


def title_filters(
    draft: dict[str, Any], total: int, width: int, height: int, workdir: Path, caps: Capabilities
) -> list[str]:
    """The filters that draw the draft's titles, each for its time range; title text goes
    to files in `workdir`."""
    filters = []
    for track in tracks_of(draft, drafts.TEXT):
        for seg in clean_segments(track.get("sg") or []):
            text = str(seg.get("txt") or seg.get("text") or "").strip()
            start, end = seg["s"] / 1000, min(seg["s"] + seg["d"], total) / 1000
            if not text or start >= end:
                continue
            enable = f"enable='between(t,{num(start)},{num(end)})'"
            font = caps.cjk_font if caps.cjk_font and _CJK.search(text) else caps.font
            if font is not None and _CJK.search(text) and caps.cjk_font is None:
                # The Latin font would draw empty boxes: say so in the video and the log.
                logger.warning("the title %r needs a font with CJK glyphs and none was found "
                               "(looked in %s); install one, e.g. fonts-noto-cjk",
                               text, ", ".join(_FONT_DIRS))
                filters.append(f"drawbox=x=0:y=ih/5:w=iw:h=ih/7:color=black@0.55:t=fill:{enable}")
                text = CJK_FONT_MISSING
            if font is None:
                filters.append(f"drawbox=x=0:y=ih/5:w=iw:h=ih/7:color=black@0.55:t=fill:{enable}")
                continue
            name = f"title{len(filters)}.txt"
            (workdir / name).write_text(text, encoding="utf-8")
            wide = 1.0 if _CJK.search(text) else 0.6
            size = max(8, min(height // 9, int(width * 0.9 / (wide * max(len(text), 1)))))
            filters.append(
                f"drawtext=fontfile='{font}':textfile='{name}':expansion=none:"
                f"fontsize={size}:fontcolor=white:borderw={max(1, height // 240)}:"
                f"bordercolor=black@0.8:x=(w-text_w)/2:y=(h-text_h)/4:{enable}"
            )
    return filters
