"""The draft (timeline) model: parsing and the one-line summary (diffs in words are in
`core.nemo.draft_diff`).

A draft uses short keys (`t` tracks, `tt` track type, `sg` segments, `d` duration
in ms, `m` metadata; see docs/draft-format.md) and the long spellings are read too.
Parsing never raises: malformed parts are skipped or read as missing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import unquote, urlsplit

from core.i18n import t
from core.nemo import texts as _texts  # noqa: F401 - registers the timeline's wording

# Numbers beyond this are garbage (1e15 ms is about 31,000 years).
_MAX_NUMBER = 1e15
# Longest name or text shown in a summary or a diff line.
_MAX_LABEL = 60



class TrackKind(StrEnum):
    """What a track holds (`tt`: 0 video, 1 audio/BGM, 7 text/title)."""

    VIDEO = "video"
    AUDIO = "audio"
    TEXT = "text"
    UNKNOWN = "unknown"


_KIND_BY_CODE = {0: TrackKind.VIDEO, 1: TrackKind.AUDIO, 7: TrackKind.TEXT}
_KIND_BY_NAME = {
    "video": TrackKind.VIDEO,
    "main": TrackKind.VIDEO,
    "audio": TrackKind.AUDIO,
    "bgm": TrackKind.AUDIO,
    "music": TrackKind.AUDIO,
    "text": TrackKind.TEXT,
    "title": TrackKind.TEXT,
}
_SUMMARY_PREFIX = {TrackKind.VIDEO: "timeline.video", TrackKind.AUDIO: "timeline.bgm",
                   TrackKind.TEXT: "timeline.title"}


# ---------------------------------------------------------------- reading helpers


def _number(value: Any) -> float | None:
    """A finite number from an int, a float or a numeric string; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return float(value) if abs(value) <= _MAX_NUMBER else None
    if isinstance(value, float):
        number = value
    elif isinstance(value, str):
        try:
            number = float(value.strip().rstrip("%").strip())
        except ValueError:
            return None
    else:
        return None
    if not math.isfinite(number) or abs(number) > _MAX_NUMBER:
        return None
    return number


def _ms(value: Any) -> int | None:
    """Milliseconds, never negative; None when missing or not a number."""
    number = _number(value)
    return None if number is None else max(0, round(number))


def _text(value: Any) -> str | None:
    """A stripped non-empty string (ints are accepted); else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str):
        return value.strip() or None
    return None


def _mapping(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def _items(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _first(mapping: dict[Any, Any], *keys: str) -> Any:
    """The first of `keys` present with a value other than None."""
    for key in keys:
        value = mapping.get(key)
        if value is not None:
            return value
    return None


def _file_name(src: str | None) -> str | None:
    """The last path component of a URL (or path), decoded."""
    if not src:
        return None
    try:
        path = urlsplit(src).path
    except ValueError:
        path = src
    return _text(unquote(path.rstrip("/").rsplit("/", 1)[-1]))


def clip_label(text: str, limit: int = _MAX_LABEL) -> str:
    """One line, at most `limit` characters."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def seconds_text(ms: int) -> str:
    """Whole seconds when whole, else one decimal: 10000 -> "10", 7500 -> "7.5"."""
    tenths = (ms + 50) // 100  # half up, in integers: 1250 -> "1.3"
    whole, tenth = divmod(tenths, 10)
    return str(whole) if tenth == 0 else f"{whole}.{tenth}"


def time_range(start_ms: int, end_ms: int) -> str:
    return f"{seconds_text(start_ms)}-{seconds_text(end_ms)}s"


# ---------------------------------------------------------------- the model


@dataclass(frozen=True)
class Segment:
    """A piece of a track. `name` falls back to the file name of `src`."""

    start_ms: int = 0
    duration_ms: int = 0
    name: str | None = None
    text: str | None = None
    src: str | None = None
    kind: str | None = None
    in_ms: int = 0

    @property
    def end_ms(self) -> int:
        """Where the segment ends on the timeline, in ms."""
        return self.start_ms + self.duration_ms

    @classmethod
    def from_raw(cls, raw: dict[Any, Any]) -> Segment:
        """Parse one segment dict (short or long keys)."""
        meta = _mapping(_first(raw, "m", "meta", "metadata"))
        src = _text(_first(raw, "src", "url"))
        return cls(
            start_ms=_ms(_first(raw, "s", "st", "start")) or 0,
            duration_ms=_ms(_first(raw, "d", "duration")) or 0,
            name=_text(_first(raw, "n", "name")) or _text(meta.get("title")) or _file_name(src),
            text=_text(_first(raw, "txt", "text")) or _text(meta.get("text")),
            src=src,
            kind=_text(raw.get("kind")),
            in_ms=_ms(_first(raw, "in", "offset")) or 0,
        )


@dataclass(frozen=True)
class Track:
    """One track. `type_code` is the raw `tt` (a number, or a name if given as text).

    Segments are in timeline order. `volume` is in percent.
    """

    kind: TrackKind
    type_code: int | str | None = None
    name: str | None = None
    volume: int | None = None
    segments: tuple[Segment, ...] = ()

    @property
    def start_ms(self) -> int:
        """Start of the first segment (0 for an empty track)."""
        return min((s.start_ms for s in self.segments), default=0)

    @property
    def end_ms(self) -> int:
        """End of the last segment (0 for an empty track)."""
        return max((s.end_ms for s in self.segments), default=0)

    @property
    def texts(self) -> tuple[str, ...]:
        """The texts of the segments that have one."""
        return tuple(s.text for s in self.segments if s.text)

    @property
    def label(self) -> str:
        """How the track is named to users (in English: `label_in`)."""
        return self.label_in("en")

    def label_in(self, language: str | None) -> str:
        """How the track is named to users.

        Text tracks: the first text in double quotes. Others: the track's name; else
        the first segment's name, with "+ N more" for further segments; else "untitled".
        """
        if self.kind is TrackKind.TEXT and self.texts:
            name = f'"{clip_label(self.texts[0])}"'
        elif self.name:
            return clip_label(self.name)
        elif self.segments and self.segments[0].name:
            name = clip_label(self.segments[0].name)
        else:
            name = t(language, "timeline.untitled")
        extra = len(self.segments) - 1
        return t(language, "timeline.more", label=name, count=extra) if extra > 0 else name

    @property
    def details(self) -> str:
        """The part in brackets (in English: `details_in`)."""
        return self.details_in("en")

    def details_in(self, language: str | None) -> str:
        """The part in brackets: time range, and the volume of an audio track."""
        if not self.segments:
            return t(language, "timeline.track_empty")
        span = time_range(self.start_ms, self.end_ms)
        if self.kind is TrackKind.AUDIO and self.volume is not None:
            return f"{span}, {self.volume}%"
        return span

    @classmethod
    def from_raw(cls, raw: dict[Any, Any]) -> Track:
        """Parse one track dict (short or long keys)."""
        meta = _mapping(_first(raw, "m", "meta", "metadata"))
        segments = tuple(
            sorted(
                (Segment.from_raw(s) for s in _items(_first(raw, "sg", "segments"))
                 if isinstance(s, dict)),
                key=lambda s: s.start_ms,
            )
        )
        kind, code = _track_type(_first(raw, "tt", "type"), segments)
        return cls(
            kind=kind,
            type_code=code,
            name=_text(_first(raw, "n", "name")) or _text(meta.get("title")),
            volume=_volume(_first_or(raw, ("v", "volume"), meta.get("volume"))),
            segments=segments,
        )


def _first_or(mapping: dict[Any, Any], keys: Sequence[str], default: Any) -> Any:
    value = _first(mapping, *keys)
    return default if value is None else value


def _track_type(value: Any, segments: tuple[Segment, ...]) -> tuple[TrackKind, int | str | None]:
    """The kind and raw code of a track type; a missing type is guessed from the segments."""
    number = _number(value)
    if number is not None and number == int(number):
        code = int(number)
        return _KIND_BY_CODE.get(code, TrackKind.UNKNOWN), code
    name = _text(value)
    if name is not None:
        return _KIND_BY_NAME.get(name.lower(), TrackKind.UNKNOWN), name
    if value is None and segments:
        if all(s.text for s in segments):
            return TrackKind.TEXT, None
        kinds = {(s.kind or "").lower() for s in segments}
        if kinds <= {"video", "image"}:
            return TrackKind.VIDEO, None
        if kinds == {"audio"}:
            return TrackKind.AUDIO, None
    return TrackKind.UNKNOWN, None


def _volume(value: Any) -> int | None:
    """Percent; a value <= 1 is a fraction. Never negative."""
    number = _number(value)
    if number is None:
        return None
    if number <= 1:
        number *= 100
    return max(0, round(number))


@dataclass(frozen=True)
class Metadata:
    """Draft metadata (`m`)."""

    title: str | None = None
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class Draft:
    """A parsed draft. `raw` is the backend's dict, sent back unchanged to render.

    `tracks`, `metadata` and `duration_ms` are parsed from `raw` on creation;
    `duration_ms` is `d`, else the segments' extent.
    """

    raw: dict[str, Any] = field(default_factory=dict)
    tracks: tuple[Track, ...] = field(init=False, compare=False, repr=False)
    metadata: Metadata = field(init=False, compare=False, repr=False)
    duration_ms: int = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.raw, dict):
            object.__setattr__(self, "raw", {})
        raw = self.raw
        tracks = tuple(Track.from_raw(t) for t in _items(_first(raw, "t", "tracks"))
                       if isinstance(t, dict))
        meta = _mapping(_first(raw, "m", "meta", "metadata"))
        width, height = _ms(meta.get("width")), _ms(meta.get("height"))
        duration = _ms(_first(raw, "d", "duration"))
        if not duration:
            duration = max((t.end_ms for t in tracks), default=0)
        object.__setattr__(self, "tracks", tracks)
        object.__setattr__(self, "metadata", Metadata(
            title=_text(meta.get("title")), width=width or None, height=height or None))
        object.__setattr__(self, "duration_ms", duration)

    @classmethod
    def from_raw(cls, raw: dict[str, Any] | None) -> Draft:
        """Parse a draft dict (None or garbage gives an empty draft)."""
        return cls(raw=dict(raw) if isinstance(raw, dict) else {})

    @property
    def is_exportable(self) -> bool:
        """At least one track with a non-empty segment list."""
        tracks = self.raw.get("t") or []
        if not isinstance(tracks, list | tuple):
            return False
        return any(isinstance(t, dict) and t.get("sg") for t in tracks)

    @property
    def is_empty(self) -> bool:
        """No tracks at all."""
        return not self.tracks

    def summary(self, language: str | None = None) -> str:
        """The one-line track summary shown to users, in `language` (English by default).

        `Timeline (3 tracks): 1. Video: city timelapse (0-10s) 2. BGM: Lo-fi (0-10s, 35%)
        3. Title: "Urban Dreams" (0-3s)`; "Timeline is empty" without tracks.
        """
        if not self.tracks:
            return t(language, "timeline.empty")
        count = len(self.tracks)
        items = " ".join(
            t(language, "timeline.item", number=i, kind=track_prefix(track, _SUMMARY_PREFIX,
                                                                       language),
              label=track.label_in(language), details=track.details_in(language))
            for i, track in enumerate(self.tracks, 1)
        )
        key = "timeline.summary_one" if count == 1 else "timeline.summary"
        return t(language, key, count=count, items=items)


def track_prefix(track: Track, names: dict[TrackKind, str], language: str | None = None) -> str:
    """"Video", "BGM"/"Music", "Title", or "Track (type N)" for unknown types; `names`
    holds the text keys of the known kinds."""
    if track.kind in names:
        return t(language, names[track.kind])
    if track.type_code is None:
        return t(language, "timeline.track")
    return t(language, "timeline.track_type", code=clip_label(str(track.type_code)))
