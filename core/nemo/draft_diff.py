"""What changed between two drafts, in words ("Title added: 'Paradise Found' (0-3s)")."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from core.nemo.draft import (
    Draft,
    Metadata,
    Segment,
    Track,
    TrackKind,
    clip_label,
    seconds_text,
    time_range,
    track_prefix,
)

_T = TypeVar("_T")

_DIFF_PREFIX = {TrackKind.VIDEO: "Video", TrackKind.AUDIO: "Music", TrackKind.TEXT: "Title"}



def _pair(
    old: Sequence[_T], new: Sequence[_T], key: Callable[[_T], Hashable]
) -> tuple[list[tuple[_T, _T]], list[_T], list[_T]]:
    """Match old and new items: equal ones, then same key, then in order.

    Returns the pairs (in the new items' order), the removed and the added items.
    """
    old_left, new_left = list(old), list(new)
    pairs: list[tuple[_T, _T]] = []
    for same in (lambda a, b: a == b, lambda a, b: key(a) == key(b)):
        for item in list(new_left):
            match = next((o for o in old_left if same(o, item)), None)
            if match is not None:
                pairs.append((match, item))
                old_left.remove(match)
                new_left.remove(item)
    while old_left and new_left:
        pairs.append((old_left.pop(0), new_left.pop(0)))
    order = {id(item): i for i, item in enumerate(new)}
    pairs.sort(key=lambda pair: order[id(pair[1])])
    return pairs, old_left, new_left


def _clips(count: int) -> str:
    return f"{count} clip{'s' if count != 1 else ''}"


def _length(track: Track, other: Track) -> str:
    """"20s" when both tracks start at the same point, else the range "2-22s"."""
    if track.start_ms == other.start_ms:
        return f"{seconds_text(track.end_ms - track.start_ms)}s"
    return time_range(track.start_ms, track.end_ms)


def _reordered(old: Sequence[Segment], new: Sequence[Segment]) -> bool:
    """The same clips (by source and name) in another order."""
    before = [(s.src, s.name) for s in old]
    after = [(s.src, s.name) for s in new]
    return before != after and Counter(before) == Counter(after)


def _diff_track(prefix: str, old: Track, new: Track) -> list[str]:
    """Changes between two matched tracks of the same kind (text tracks excepted)."""
    if old == new:
        return []
    if new.kind is TrackKind.AUDIO and old.label != new.label:
        return [f"{prefix} changed: {old.label} -> {new.label} ({new.details})"]
    parts = []
    if len(old.segments) != len(new.segments):
        parts.append(f"{_clips(len(old.segments))} -> {_clips(len(new.segments))}")
    if (old.start_ms, old.end_ms) != (new.start_ms, new.end_ms):
        parts.append(f"{_length(old, new)} -> {_length(new, old)}")
    if not parts and _reordered(old.segments, new.segments):
        parts.append("clips reordered")
    if not parts and old.label != new.label:
        parts.append(f"{old.label} -> {new.label}")
    if not parts and old.segments != new.segments:
        parts.append("clips changed")
    lines = [f"{prefix}: {', '.join(parts)}"] if parts else []
    if old.volume != new.volume:
        if old.volume is None:
            lines.append(f"{prefix} volume set to {new.volume}%")
        elif new.volume is None:
            lines.append(f"{prefix} volume back to default")
        else:
            lines.append(f"{prefix} volume {old.volume}% -> {new.volume}%")
    return lines


def _diff_tracks(old: Sequence[Track], new: Sequence[Track]) -> list[str]:
    """Changes among the tracks of one kind (or one unknown type)."""
    if not old and not new:
        return []
    prefix = track_prefix((new or old)[0], _DIFF_PREFIX)
    several = len(old) > 1 or len(new) > 1
    pairs, removed, added = _pair(old, new, key=lambda t: t.label)
    lines: list[str] = []
    for before, after in pairs:
        name = f"{prefix} ({before.label})" if several else prefix
        lines.extend(_diff_track(name, before, after))
    lines.extend(f"{prefix} removed: {t.label}" for t in removed)
    lines.extend(f"{prefix} added: {t.label} ({t.details})" for t in added)
    return lines


@dataclass(frozen=True)
class _Title:
    """One text segment, as titles are compared across all text tracks."""

    text: str | None
    start_ms: int
    end_ms: int

    @property
    def label(self) -> str:
        return f"'{clip_label(self.text)}'" if self.text else "untitled"

    @property
    def span(self) -> str:
        return time_range(self.start_ms, self.end_ms)


def _titles(draft: Draft) -> list[_Title]:
    items = [
        _Title(s.text or s.name or t.name, s.start_ms, s.end_ms)
        for t in draft.tracks if t.kind is TrackKind.TEXT
        for s in t.segments
    ]
    return sorted(items, key=lambda item: item.start_ms)


def _diff_titles(old: Draft, new: Draft) -> list[str]:
    pairs, removed, added = _pair(_titles(old), _titles(new), key=lambda item: item.text)
    lines: list[str] = []
    for before, after in pairs:
        moved = f"{before.span} -> {after.span}" if before.span != after.span else ""
        if before.text != after.text:
            lines.append(f"Title changed: {before.label} -> {after.label}"
                         + (f", {moved}" if moved else ""))
        elif moved:
            lines.append(f"Title {after.label}: {moved}")
    lines.extend(f"Title removed: {item.label}" for item in removed)
    lines.extend(f"Title added: {item.label} ({item.span})" for item in added)
    return lines


def _diff_metadata(old: Metadata, new: Metadata) -> list[str]:
    lines = []
    if old.title and new.title and old.title != new.title:
        lines.append(f"Project title: '{clip_label(old.title)}' -> '{clip_label(new.title)}'")
    if (old.width and old.height and new.width and new.height
            and (old.width, old.height) != (new.width, new.height)):
        lines.append(f"Canvas: {old.width}x{old.height} -> {new.width}x{new.height}")
    return lines


def diff_drafts(old: Draft, new: Draft) -> list[str]:
    """What changed from `old` to `new`, one line per change; empty when nothing did.

    Order: video, music, titles, other tracks, then project title and canvas size.
    Tracks are matched by equality, then by label, then in order; titles are
    compared segment by segment across all text tracks.
    """
    lines: list[str] = []
    for kind in (TrackKind.VIDEO, TrackKind.AUDIO):
        lines += _diff_tracks([t for t in old.tracks if t.kind is kind],
                              [t for t in new.tracks if t.kind is kind])
    lines += _diff_titles(old, new)
    codes = list(dict.fromkeys(
        t.type_code for t in (*old.tracks, *new.tracks) if t.kind is TrackKind.UNKNOWN))
    for code in codes:
        lines += _diff_tracks(
            [t for t in old.tracks if t.kind is TrackKind.UNKNOWN and t.type_code == code],
            [t for t in new.tracks if t.kind is TrackKind.UNKNOWN and t.type_code == code])
    lines += _diff_metadata(old.metadata, new.metadata)
    return lines


def describe_change(old: Draft, new: Draft) -> str | None:
    """The change in words for a user, or None when nothing changed.

    A timeline that was empty before is described by its summary; otherwise the
    lines of `diff_drafts`, one per line.
    """
    lines = diff_drafts(old, new)
    if not lines:
        return None
    if old.is_empty and not new.is_empty:
        return new.summary()
    return "\n".join(lines)
