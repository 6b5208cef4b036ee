"""What changed between two drafts, in words ("Title added: 'Paradise Found' (0-3s)")."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from core.i18n import t
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

_DIFF_PREFIX = {TrackKind.VIDEO: "timeline.video", TrackKind.AUDIO: "timeline.music",
                TrackKind.TEXT: "timeline.title"}



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


def _clips(count: int, language: str | None) -> str:
    return t(language, "change.clips_one") if count == 1 else t(language, "change.clips",
                                                                  count=count)


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


def _diff_track(prefix: str, old: Track, new: Track, lang: str | None) -> list[str]:
    """Changes between two matched tracks of the same kind (text tracks excepted)."""
    if old == new:
        return []
    if new.kind is TrackKind.AUDIO and old.label != new.label:
        return [t(lang, "change.replaced", prefix=prefix, old=old.label_in(lang),
                  new=new.label_in(lang), details=new.details_in(lang))]
    parts = []
    if len(old.segments) != len(new.segments):
        parts.append(f"{_clips(len(old.segments), lang)} -> {_clips(len(new.segments), lang)}")
    if (old.start_ms, old.end_ms) != (new.start_ms, new.end_ms):
        parts.append(f"{_length(old, new)} -> {_length(new, old)}")
    if not parts and _reordered(old.segments, new.segments):
        parts.append(t(lang, "change.reordered"))
    if not parts and old.label != new.label:
        parts.append(f"{old.label_in(lang)} -> {new.label_in(lang)}")
    if not parts and old.segments != new.segments:
        parts.append(t(lang, "change.clips_changed"))
    lines = [t(lang, "change.track", prefix=prefix, parts=", ".join(parts))] if parts else []
    if old.volume != new.volume:
        if old.volume is None:
            lines.append(t(lang, "change.volume_set", prefix=prefix, volume=new.volume))
        elif new.volume is None:
            lines.append(t(lang, "change.volume_default", prefix=prefix))
        else:
            lines.append(t(lang, "change.volume", prefix=prefix, old=old.volume,
                           new=new.volume))
    return lines


def _diff_tracks(old: Sequence[Track], new: Sequence[Track], lang: str | None) -> list[str]:
    """Changes among the tracks of one kind (or one unknown type)."""
    if not old and not new:
        return []
    prefix = track_prefix((new or old)[0], _DIFF_PREFIX, lang)
    several = len(old) > 1 or len(new) > 1
    pairs, removed, added = _pair(old, new, key=lambda track: track.label)
    lines: list[str] = []
    for before, after in pairs:
        name = (t(lang, "change.named", prefix=prefix, label=before.label_in(lang))
                if several else prefix)
        lines.extend(_diff_track(name, before, after, lang))
    lines.extend(t(lang, "change.removed", prefix=prefix, label=track.label_in(lang))
                 for track in removed)
    lines.extend(t(lang, "change.added", prefix=prefix, label=track.label_in(lang),
                   details=track.details_in(lang)) for track in added)
    return lines


@dataclass(frozen=True)
class _Title:
    """One text segment, as titles are compared across all text tracks."""

    text: str | None
    start_ms: int
    end_ms: int

    def label(self, language: str | None) -> str:
        return f"'{clip_label(self.text)}'" if self.text else t(language, "timeline.untitled")

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


def _diff_titles(old: Draft, new: Draft, lang: str | None) -> list[str]:
    pairs, removed, added = _pair(_titles(old), _titles(new), key=lambda item: item.text)
    lines: list[str] = []
    for before, after in pairs:
        moved = f"{before.span} -> {after.span}" if before.span != after.span else ""
        if before.text != after.text:
            lines.append(t(lang, "change.title_changed", old=before.label(lang),
                           new=after.label(lang)) + (f", {moved}" if moved else ""))
        elif moved:
            lines.append(t(lang, "change.title_moved", label=after.label(lang), moved=moved))
    lines.extend(t(lang, "change.title_removed", label=item.label(lang)) for item in removed)
    lines.extend(t(lang, "change.title_added", label=item.label(lang), span=item.span)
                 for item in added)
    return lines


def _diff_metadata(old: Metadata, new: Metadata, lang: str | None) -> list[str]:
    lines = []
    if old.title and new.title and old.title != new.title:
        lines.append(t(lang, "change.project_title", old=clip_label(old.title),
                       new=clip_label(new.title)))
    if (old.width and old.height and new.width and new.height
            and (old.width, old.height) != (new.width, new.height)):
        lines.append(t(lang, "change.canvas", old=f"{old.width}x{old.height}",
                       new=f"{new.width}x{new.height}"))
    return lines


def diff_drafts(old: Draft, new: Draft, language: str | None = None) -> list[str]:
    """What changed from `old` to `new`, one line per change; empty when nothing did.

    Order: video, music, titles, other tracks, then project title and canvas size.
    Tracks are matched by equality, then by label, then in order; titles are
    compared segment by segment across all text tracks.
    """
    lines: list[str] = []
    for kind in (TrackKind.VIDEO, TrackKind.AUDIO):
        lines += _diff_tracks([tr for tr in old.tracks if tr.kind is kind],
                              [tr for tr in new.tracks if tr.kind is kind], language)
    lines += _diff_titles(old, new, language)
    codes = list(dict.fromkeys(
        tr.type_code for tr in (*old.tracks, *new.tracks) if tr.kind is TrackKind.UNKNOWN))
    for code in codes:
        lines += _diff_tracks(
            [tr for tr in old.tracks if tr.kind is TrackKind.UNKNOWN and tr.type_code == code],
            [tr for tr in new.tracks if tr.kind is TrackKind.UNKNOWN and tr.type_code == code],
            language)
    lines += _diff_metadata(old.metadata, new.metadata, language)
    return lines


def describe_change(old: Draft, new: Draft, language: str | None = None) -> str | None:
    """The change in words for a user (in `language`, English by default), or None when
    nothing changed.

    A timeline that was empty before is described by its summary; otherwise the
    lines of `diff_drafts`, one per line.
    """
    lines = diff_drafts(old, new, language)
    if not lines:
        return None
    if old.is_empty and not new.is_empty:
        return new.summary(language)
    return "\n".join(lines)
