"""Building and editing drafts (timeline JSON in the format of docs/draft-format.md).

Every function returns a new draft and leaves its argument untouched, so the
previous state stays intact for comparisons.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

VIDEO = 0
AUDIO = 1
TEXT = 7

Draft = dict[str, Any]
Segment = dict[str, Any]

DEFAULT_VIDEO_MS = 5000
DEFAULT_IMAGE_MS = 3000
DEFAULT_TITLE_MS = 3000


@dataclass(frozen=True)
class Visual:
    """A clip or picture that can go on the video track."""

    name: str
    src: str
    kind: str  # "video" or "image"
    duration_ms: int | None = None
    gen: dict[str, Any] | None = None


def empty(title: str, width: int, height: int) -> Draft:
    """A draft with no tracks."""
    return {"d": 0, "m": {"title": title, "width": width, "height": height}, "t": []}


def track(draft: Draft, track_type: int) -> dict[str, Any] | None:
    """The first track of a type, if any."""
    for item in draft.get("t") or []:
        if isinstance(item, dict) and item.get("tt") == track_type:
            return item
    return None


def extent(segments: Sequence[Segment]) -> int:
    """End of the last segment, in ms."""
    return max((int(s.get("s", 0)) + int(s.get("d", 0)) for s in segments), default=0)


def has_video(draft: Draft) -> bool:
    """Whether the draft has a video track with segments."""
    video = track(draft, VIDEO)
    return bool(video and video.get("sg"))


def _without(draft: Draft, track_type: int) -> Draft:
    new = copy.deepcopy(draft)
    new["t"] = [t for t in new.get("t") or [] if t.get("tt") != track_type]
    return new


def _finish(draft: Draft) -> Draft:
    """Recompute `d`, fit whole-length music to it and clip titles to it; order tracks."""
    video = track(draft, VIDEO)
    if video and video.get("sg"):
        duration = extent(video["sg"])
    else:
        duration = max((extent(t.get("sg") or []) for t in draft.get("t") or []), default=0)
    previous = int(draft.get("d") or 0)
    for item in draft.get("t") or []:
        if item.get("tt") == AUDIO:
            for seg in item.get("sg") or []:
                if seg.get("s", 0) == 0 and seg.get("d") == previous:
                    seg["d"] = duration
        kept = []
        for seg in item.get("sg") or []:
            if seg.get("s", 0) >= duration > 0:
                continue
            if duration > 0 and seg.get("s", 0) + seg.get("d", 0) > duration:
                seg["d"] = duration - seg.get("s", 0)
            kept.append(seg)
        item["sg"] = kept
    draft["t"] = sorted(
        (t for t in draft.get("t") or [] if t.get("sg")), key=lambda t: (t.get("tt", 99),)
    )
    draft["d"] = duration
    return draft


def _dropped(video: dict[str, Any], kept: list[Segment]) -> None:
    """The video track keeps `kept` of its clips: named after them when some went (a
    generated clip keeps its prompt as the name)."""
    if len(kept) < len(video.get("sg") or []) and kept and all(
            seg.get("n") and not seg.get("gen") for seg in kept):
        video["n"] = track_name([Visual(seg["n"], "", seg.get("kind", "video")) for seg in kept])
    video["sg"] = kept


def combine(draft: Draft, items: Sequence[Visual], seconds: float | None, fades: bool) -> Draft:
    """Put `items` one after the other on the video track (replacing it).

    With `seconds`, the time is shared evenly; a clip shorter than its share holds
    its last frame.
    """
    new = _without(draft, VIDEO)
    count = len(items)
    if seconds:
        total = int(seconds * 1000)
        shares = [total // count] * count
        shares[-1] += total - sum(shares)
    else:
        shares = [
            item.duration_ms or (DEFAULT_IMAGE_MS if item.kind == "image" else DEFAULT_VIDEO_MS)
            for item in items
        ]
    segments: list[Segment] = []
    start = 0
    for item, length in zip(items, shares, strict=True):
        seg: Segment = {
            "s": start,
            "d": length,
            "n": item.name,
            "src": item.src,
            "in": 0,
            "kind": item.kind,
        }
        if item.gen:
            seg["gen"] = dict(item.gen)
        if fades:
            seg["tr"] = "fade"
        segments.append(seg)
        start += length
    new["t"].insert(0, {"tt": VIDEO, "n": track_name(items), "sg": segments})
    return _finish(new)


def track_name(items: Sequence[Visual]) -> str:
    """A readable name for a video track made of `items`."""
    stems = [PurePosixPath(item.name).stem.replace("_", " ") for item in items]
    if len(stems) <= 3:
        return ", ".join(stems)
    return f"{', '.join(stems[:3])} +{len(stems) - 3} more"


def trim(draft: Draft, seconds: float) -> Draft:
    """Cut the timeline to `seconds` (from the end)."""
    new = copy.deepcopy(draft)
    limit = int(seconds * 1000)
    video = track(new, VIDEO)
    if video:
        _dropped(video, [s for s in video["sg"] if s.get("s", 0) < limit])
        for seg in video["sg"]:
            seg["d"] = min(seg["d"], limit - seg.get("s", 0))
    for item in new.get("t") or []:
        if item.get("tt") == AUDIO:
            for seg in item.get("sg") or []:
                if seg.get("s", 0) == 0 and seg.get("d") == new.get("d"):
                    seg["d"] = min(seg["d"], limit)
    new["d"] = min(int(new.get("d") or 0), limit)
    return _finish(new)


def cut_start(draft: Draft, seconds: float) -> Draft:
    """Cut the first `seconds` off the video track: what follows moves up (a clip cut in
    its middle starts later in its source); titles and music stay where they are."""
    new = copy.deepcopy(draft)
    cut = int(seconds * 1000)
    video = track(new, VIDEO)
    if video is None or cut <= 0:
        return new
    kept = []
    for seg in video.get("sg") or []:
        start, length = int(seg.get("s", 0)), int(seg.get("d", 0))
        if start + length <= cut:
            continue
        if start < cut:
            seg["in"] = int(seg.get("in") or 0) + (cut - start)
            seg["d"], start = length - (cut - start), cut
        seg["s"] = start - cut
        kept.append(seg)
    _dropped(video, kept)
    return _finish(new)


def stretch(draft: Draft, seconds: float) -> Draft:
    """Lengthen the timeline to `seconds`: the video track's segments keep their order and
    share of the time (a clip shorter than its share holds its last frame); music over the
    whole timeline follows."""
    new = copy.deepcopy(draft)
    video = track(new, VIDEO)
    total = int(seconds * 1000)
    current = extent(video["sg"]) if video and video.get("sg") else 0
    if video is None or current <= 0 or total <= current:
        return trim(draft, seconds)
    factor = total / current
    segments = video["sg"]
    for seg in segments:
        seg["s"] = round(int(seg.get("s", 0)) * factor)
    for seg, following in zip(segments, [*segments[1:], None], strict=True):
        end = total if following is None else following["s"]
        seg["d"] = max(1, end - seg["s"])
    return _finish(new)


def set_title(
    draft: Draft, text: str, start_ms: int = 0, length_ms: int = DEFAULT_TITLE_MS
) -> Draft:
    """Replace the title track with one title."""
    new = _without(draft, TEXT)
    duration = int(new.get("d") or 0)
    length = min(length_ms, duration - start_ms) if duration else length_ms
    new["t"].append({"tt": TEXT, "n": "Title", "sg": [{"s": start_ms, "d": length, "txt": text}]})
    return _finish(new)


def title_span(draft: Draft) -> tuple[int, int]:
    """Start and end (ms) of the first title, (0, 0) if there is none."""
    title = track(draft, TEXT)
    if not title or not title.get("sg"):
        return 0, 0
    seg = title["sg"][0]
    return int(seg.get("s", 0)), int(seg.get("s", 0)) + int(seg.get("d", 0))


def remove_title(draft: Draft) -> Draft:
    """Drop the title track."""
    return _finish(_without(draft, TEXT))


def set_music(
    draft: Draft, name: str, src: str, file_name: str, volume: int, gen: dict[str, Any] | None
) -> Draft:
    """Replace the BGM track with one piece of music over the whole timeline."""
    new = _without(draft, AUDIO)
    seg: Segment = {
        "s": 0,
        "d": int(new.get("d") or 0),
        "n": file_name,
        "src": src,
        "in": 0,
        "kind": "audio",
    }
    if gen:
        seg["gen"] = dict(gen)
    new["t"].append({"tt": AUDIO, "n": name, "v": volume, "sg": [seg]})
    return _finish(new)


def music_volume(draft: Draft) -> int | None:
    """The BGM volume in percent, if there is music."""
    music = track(draft, AUDIO)
    return int(music.get("v", 100)) if music else None


def set_volume(draft: Draft, volume: int) -> Draft:
    """Change the BGM volume (percent, 0-100)."""
    new = copy.deepcopy(draft)
    music = track(new, AUDIO)
    if music is not None:
        music["v"] = max(0, min(100, volume))
    return new


def remove_music(draft: Draft) -> Draft:
    """Drop the BGM track."""
    return _finish(_without(draft, AUDIO))
