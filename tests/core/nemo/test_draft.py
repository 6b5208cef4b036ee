"""The draft model: parsing, the one-line summary, diffs in words."""

from __future__ import annotations

import copy
import json
import random
from typing import Any

import pytest

from core.nemo.draft import Draft, Metadata, Segment, Track, TrackKind
from core.nemo.draft_diff import describe_change, diff_drafts

CONTRACT_SUMMARY = (
    'Timeline (3 tracks): 1. Video: city timelapse (0-10s) 2. BGM: Lo-fi (0-10s, 35%) '
    '3. Title: "Urban Dreams" (0-3s)'
)


def video(*segments: dict[str, Any], name: str | None = None) -> dict[str, Any]:
    track: dict[str, Any] = {"tt": 0, "sg": list(segments)}
    if name is not None:
        track["n"] = name
    return track


def clip(start: Any, duration: Any, name: str = "clip.mp4") -> dict[str, Any]:
    return {"s": start, "d": duration, "n": name, "src": f"http://cdn.example/{name}",
            "in": 0, "kind": "video"}


def music(name: str = "Lo-fi", volume: Any = 35, start: int = 0, duration: int = 10000,
          ) -> dict[str, Any]:
    return {"tt": 1, "n": name, "v": volume,
            "sg": [{"s": start, "d": duration, "n": "lofi.mp3"}]}


def title(text: str, start: int = 0, duration: int = 3000) -> dict[str, Any]:
    return {"tt": 7, "sg": [{"s": start, "d": duration, "txt": text}]}


def draft(*tracks: dict[str, Any], **extra: Any) -> Draft:
    return Draft.from_raw({"t": list(tracks), **extra})


@pytest.fixture
def doc_raw() -> dict[str, Any]:
    """The example of docs/draft-format.md."""
    return {
        "d": 10000,
        "m": {"title": "project", "width": 1920, "height": 1080},
        "t": [
            {"tt": 0, "n": "city timelapse",
             "sg": [{"s": 0, "d": 6000, "n": "city.mp4", "src": "http://x/city.mp4", "in": 0,
                     "kind": "video"},
                    {"s": 6000, "d": 4000, "n": "street.png", "src": "http://x/street.png",
                     "in": 0, "kind": "image"}]},
            {"tt": 1, "n": "Lo-fi", "v": 35,
             "sg": [{"s": 0, "d": 10000, "n": "lofi.mp3", "src": "http://x/lofi.mp3", "in": 0}]},
            {"tt": 7, "sg": [{"s": 0, "d": 3000, "txt": "Urban Dreams"}]},
        ],
    }


# ---------------------------------------------------------------- parsing


def test_parses_the_documented_example(doc_raw: dict[str, Any]) -> None:
    d = Draft.from_raw(doc_raw)
    assert d.duration_ms == 10000
    assert d.metadata == Metadata(title="project", width=1920, height=1080)
    assert [t.kind for t in d.tracks] == [TrackKind.VIDEO, TrackKind.AUDIO, TrackKind.TEXT]
    vid, bgm, txt = d.tracks
    assert vid.name == "city timelapse" and vid.type_code == 0
    assert vid.segments[1] == Segment(start_ms=6000, duration_ms=4000, name="street.png",
                                      src="http://x/street.png", kind="image")
    assert (vid.start_ms, vid.end_ms) == (0, 10000)
    assert bgm.volume == 35 and bgm.name == "Lo-fi"
    assert txt.texts == ("Urban Dreams",) and txt.segments[0].end_ms == 3000
    assert d.summary() == CONTRACT_SUMMARY


def test_raw_is_kept_unchanged_and_exportable_works(doc_raw: dict[str, Any]) -> None:
    before = copy.deepcopy(doc_raw)
    d = Draft.from_raw(doc_raw)
    assert d.raw == before and doc_raw == before
    assert json.loads(json.dumps(d.raw)) == before
    assert d.is_exportable
    assert Draft.from_raw(doc_raw) == d


@pytest.mark.parametrize(
    ("raw", "exportable"),
    [
        (None, False),
        ({}, False),
        ({"t": []}, False),
        ({"t": [{"tt": 0, "sg": []}]}, False),
        ({"t": [{"tt": 0}, {"tt": 7, "sg": [{"s": 0}]}]}, True),
        ({"t": ["junk", {"tt": 1, "sg": [{}]}]}, True),
        ({"t": 5}, False),
        ({"t": None}, False),
    ],
)
def test_is_exportable(raw: dict[str, Any] | None, exportable: bool) -> None:
    assert Draft.from_raw(raw).is_exportable is exportable


def test_long_spellings_are_read() -> None:
    d = Draft.from_raw({
        "duration": "12000",
        "metadata": {"title": "Trip", "width": "1080", "height": 1920},
        "tracks": [
            {"type": 0, "name": "Beach",
             "segments": [{"start": 0, "duration": 12000, "url": "http://x/a%20b.mp4",
                           "offset": 500}]},
            {"type": 1, "m": {"title": "Jazz", "volume": 0.6},
             "segments": [{"st": 0, "duration": 12000}]},
            {"type": 7, "segments": [{"start": 1000, "duration": 2000, "text": "Hi"},
                                     {"start": 4000, "duration": 1000, "m": {"text": "Bye"}}]},
        ],
    })
    assert d.duration_ms == 12000
    assert d.metadata == Metadata(title="Trip", width=1080, height=1920)
    vid, bgm, txt = d.tracks
    assert vid.segments[0].src == "http://x/a%20b.mp4"
    assert vid.segments[0].name == "a b.mp4"  # file name of the URL
    assert vid.segments[0].in_ms == 500
    assert bgm.name == "Jazz" and bgm.volume == 60
    assert txt.texts == ("Hi", "Bye")
    assert d.summary() == (
        'Timeline (3 tracks): 1. Video: Beach (0-12s) 2. BGM: Jazz (0-12s, 60%) '
        '3. Title: "Hi" + 1 more (1-5s)'
    )


def test_short_keys_win_over_long_ones() -> None:
    d = Draft.from_raw({"d": 5000, "duration": 9000,
                        "t": [{"tt": 1, "type": 0, "n": "A", "name": "B", "v": 20,
                               "volume": 90, "sg": [{"s": 0, "d": 5000}]}]})
    (track,) = d.tracks
    assert (track.kind, track.name, track.volume, d.duration_ms) == (
        TrackKind.AUDIO, "A", 20, 5000)


@pytest.mark.parametrize(
    ("value", "percent"),
    [(35, 35), (0.35, 35), ("35", 35), ("35%", 35), (1, 100), (1.0, 100), (0, 0),
     (0.5, 50), (100, 100), (150, 150), (-5, 0), (-0.2, 0), (True, None), ("loud", None),
     (None, None), ([35], None), (float("nan"), None), (float("inf"), None)],
)
def test_volume(value: Any, percent: int | None) -> None:
    (track,) = draft({"tt": 1, "v": value, "sg": [{"s": 0, "d": 1000}]}).tracks
    assert track.volume == percent


def test_duration_falls_back_to_the_segments_extent() -> None:
    assert draft(video(clip(0, 4000), clip(4000, 3500))).duration_ms == 7500
    assert draft(video(clip(0, 4000)), title("x", 2000, 5000)).duration_ms == 7000
    assert draft(video(clip(0, 4000)), d=-1).duration_ms == 4000
    assert draft(video(clip(0, 4000)), d="soon").duration_ms == 4000
    assert Draft.from_raw(None).duration_ms == 0


def test_segments_are_in_timeline_order_and_numbers_are_coerced() -> None:
    (track,) = draft(video(clip("5000", 1000.6, "b.mp4"), clip(-300, "2000", "a.mp4"))).tracks
    assert [s.name for s in track.segments] == ["a.mp4", "b.mp4"]
    assert track.segments[0].start_ms == 0  # negative start is clamped
    assert track.segments[1].duration_ms == 1001


@pytest.mark.parametrize(
    ("tt", "kind", "code"),
    [(0, TrackKind.VIDEO, 0), ("1", TrackKind.AUDIO, 1), (7.0, TrackKind.TEXT, 7),
     (3, TrackKind.UNKNOWN, 3), ("video", TrackKind.VIDEO, "video"),
     ("BGM", TrackKind.AUDIO, "BGM"), ("title", TrackKind.TEXT, "title"),
     ("sticker", TrackKind.UNKNOWN, "sticker"), (2.5, TrackKind.UNKNOWN, None),
     ([0], TrackKind.UNKNOWN, None), (True, TrackKind.UNKNOWN, None)],
)
def test_track_types(tt: Any, kind: TrackKind, code: int | str | None) -> None:
    (track,) = draft({"tt": tt, "sg": [{"s": 0, "d": 1000}]}).tracks
    assert (track.kind, track.type_code) == (kind, code)


def test_a_missing_type_is_guessed_from_the_segments() -> None:
    kinds = [t.kind for t in draft(
        {"sg": [{"d": 1000, "kind": "video"}, {"d": 1000, "kind": "image"}]},
        {"sg": [{"d": 1000, "kind": "audio"}]},
        {"sg": [{"d": 1000, "txt": "Hello"}]},
        {"sg": [{"d": 1000}]},
        {},
    ).tracks]
    assert kinds == [TrackKind.VIDEO, TrackKind.AUDIO, TrackKind.TEXT, TrackKind.UNKNOWN,
                     TrackKind.UNKNOWN]


def test_draft_constructed_directly_parses_too(doc_raw: dict[str, Any]) -> None:
    assert Draft(raw=doc_raw).summary() == CONTRACT_SUMMARY
    assert Draft().summary() == "Timeline is empty"


# ---------------------------------------------------------------- summary


def test_summary_of_the_contract(doc_raw: dict[str, Any]) -> None:
    assert Draft.from_raw(doc_raw).summary() == CONTRACT_SUMMARY


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, "Timeline is empty"),
        ({}, "Timeline is empty"),
        ({"t": []}, "Timeline is empty"),
        ({"t": ["junk", 3, None]}, "Timeline is empty"),
        ({"t": [video(clip(0, 7500, "city.mp4"))]},
         "Timeline (1 track): 1. Video: city.mp4 (0-7.5s)"),
        ({"t": [video(clip(0, 10000, "city.mp4"), clip(10000, 11000, "a.mp4"),
                      clip(21000, 10000, "b.mp4"))]},
         "Timeline (1 track): 1. Video: city.mp4 + 2 more (0-31s)"),
        ({"t": [video(clip(0, 10000), clip(10000, 5000), name="Holiday")]},
         "Timeline (1 track): 1. Video: Holiday (0-15s)"),
        ({"t": [video({"s": 0, "d": 2000})]}, "Timeline (1 track): 1. Video: untitled (0-2s)"),
        ({"t": [video({"s": 0, "d": 2000}, {"s": 2000, "d": 1000})]},
         "Timeline (1 track): 1. Video: untitled + 1 more (0-3s)"),
        ({"t": [video()]}, "Timeline (1 track): 1. Video: untitled (empty)"),
        ({"t": [music(volume=None)]}, "Timeline (1 track): 1. BGM: Lo-fi (0-10s)"),
        ({"t": [{"tt": 1, "sg": [{"s": 0, "d": 4000, "src": "http://x/song.mp3?sig=1"}]}]},
         "Timeline (1 track): 1. BGM: song.mp3 (0-4s)"),
        ({"t": [title("Urban Dreams", 1250, 1500)]},
         'Timeline (1 track): 1. Title: "Urban Dreams" (1.3-2.8s)'),
        ({"t": [{"tt": 7, "n": "Captions", "sg": [{"s": 0, "d": 1000}]}]},
         "Timeline (1 track): 1. Title: Captions (0-1s)"),
        ({"t": [{"tt": 5, "n": "Stickers", "sg": [{"s": 2000, "d": 1000}]}]},
         "Timeline (1 track): 1. Track (type 5): Stickers (2-3s)"),
        ({"t": [{"sg": [{"s": 0, "d": 1000}]}]},
         "Timeline (1 track): 1. Track: untitled (0-1s)"),
        ({"t": [{"tt": 0, "sg": [{"s": 0, "d": 40}]}]},
         "Timeline (1 track): 1. Video: untitled (0-0s)"),
        ({"t": [{"tt": 0, "sg": [{"s": 0, "d": 7960}]}]},
         "Timeline (1 track): 1. Video: untitled (0-8s)"),
    ],
)
def test_summary(raw: dict[str, Any] | None, expected: str) -> None:
    assert Draft.from_raw(raw).summary() == expected


def test_summary_is_one_line_and_long_text_is_shortened() -> None:
    long_text = "A very long title\nthat goes on " + "and on " * 30
    line = draft(title(long_text)).summary()
    assert "\n" not in line
    assert line.startswith('Timeline (1 track): 1. Title: "A very long title that goes on and')
    assert '…" (0-3s)' in line
    assert len(line) < 120


# ---------------------------------------------------------------- garbage in


GARBAGE: list[Any] = [
    None, 0, -1, 1e308, float("nan"), "", "abc", [], {}, [None], [[]], [{}], {"": None},
    True, 10**400, "1e999", "-5", {"x": 1}, ["t"], (1, 2),
]


def _garbage_drafts() -> list[Any]:
    rng = random.Random(1234)
    keys = ["t", "tracks", "tt", "type", "sg", "segments", "s", "st", "start", "d", "duration",
            "n", "name", "v", "volume", "m", "meta", "txt", "text", "src", "url", "in", "kind",
            "title", "width", "height"]

    def value(depth: int) -> Any:
        roll = rng.random()
        if depth > 3 or roll < 0.5:
            return rng.choice(GARBAGE)
        if roll < 0.75:
            return [value(depth + 1) for _ in range(rng.randint(0, 3))]
        return {rng.choice(keys): value(depth + 1) for _ in range(rng.randint(0, 5))}

    drafts: list[Any] = list(GARBAGE)
    for _ in range(400):
        drafts.append({rng.choice(keys): value(0) for _ in range(rng.randint(0, 4))})
        drafts.append({"t": [{k: value(1) for k in rng.sample(keys, rng.randint(0, 8))}
                             for _ in range(rng.randint(0, 3))]})
    return drafts


def test_garbage_never_raises() -> None:
    drafts = [Draft.from_raw(raw) for raw in _garbage_drafts()]
    for i, d in enumerate(drafts):
        line = d.summary()
        assert line and "\n" not in line
        assert isinstance(d.is_exportable, bool)
        other = drafts[i - 1]
        assert all(isinstance(x, str) and x for x in diff_drafts(other, d))
        assert diff_drafts(d, d) == []
        describe_change(d, other)


@pytest.mark.parametrize("raw", GARBAGE)
def test_garbage_inside_tracks_and_segments(raw: Any) -> None:
    d = Draft.from_raw({"t": [raw, {"tt": raw, "n": raw, "v": raw, "sg": raw},
                              {"tt": 0, "sg": [raw, {"s": raw, "d": raw, "n": raw, "txt": raw,
                                                     "src": raw, "in": raw}]}],
                        "d": raw, "m": raw})
    assert d.summary().startswith("Timeline (")
    for track in d.tracks:
        assert track.volume is None or track.volume >= 0
        assert all(s.start_ms >= 0 and s.duration_ms >= 0 for s in track.segments)


def test_draft_of_a_non_dict_raw_is_empty() -> None:
    d = Draft(raw=["not", "a", "dict"])  # type: ignore[arg-type]
    assert d.raw == {} and d.is_empty and not d.is_exportable


# ---------------------------------------------------------------- diffs


BASE = (video(clip(0, 10000, "city.mp4"), clip(10000, 10000, "street.mp4")),
        music(), title("Urban Dreams"))


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (BASE, BASE, []),
        (BASE[:2], BASE, ["Title added: 'Urban Dreams' (0-3s)"]),
        (BASE, BASE[:2], ["Title removed: 'Urban Dreams'"]),
        ((*BASE[:2], title("A")), (*BASE[:2], title("B")), ["Title changed: 'A' -> 'B'"]),
        ((*BASE[:2], title("A")), (*BASE[:2], title("B", 0, 5000)),
         ["Title changed: 'A' -> 'B', 0-3s -> 0-5s"]),
        (BASE, (*BASE[:2], title("Urban Dreams", 2000)),
         ["Title 'Urban Dreams': 0-3s -> 2-5s"]),
        ((BASE[0],), (BASE[0], music()), ["Music added: Lo-fi (0-10s, 35%)"]),
        (BASE, (BASE[0], BASE[2]), ["Music removed: Lo-fi"]),
        (BASE, (BASE[0], music(volume=60), BASE[2]), ["Music volume 35% -> 60%"]),
        (BASE, (BASE[0], music(volume=0.6), BASE[2]), ["Music volume 35% -> 60%"]),
        (BASE, (BASE[0], music(volume=None), BASE[2]), ["Music volume back to default"]),
        ((BASE[0], music(volume=None)), (BASE[0], music(volume=20)),
         ["Music volume set to 20%"]),
        (BASE, (BASE[0], music("Jazz", 50), BASE[2]),
         ["Music changed: Lo-fi -> Jazz (0-10s, 50%)"]),
        (BASE, (BASE[0], music(duration=20000), BASE[2]), ["Music: 10s -> 20s"]),
        (BASE, (video(clip(0, 10000, "city.mp4"), clip(10000, 10000, "street.mp4"),
                      clip(20000, 11000, "beach.mp4")), *BASE[1:]),
         ["Video: 2 clips -> 3 clips, 20s -> 31s"]),
        (BASE, (video(clip(0, 10000, "city.mp4")), *BASE[1:]),
         ["Video: 2 clips -> 1 clip, 20s -> 10s"]),
        (BASE, (video(clip(0, 10000, "city.mp4"), clip(10000, 0, "street.mp4")), *BASE[1:]),
         ["Video: 20s -> 10s"]),
        (BASE, (video(clip(2000, 10000, "city.mp4"), clip(12000, 10000, "street.mp4")),
                *BASE[1:]),
         ["Video: 0-20s -> 2-22s"]),
        (BASE, (video(clip(0, 10000, "street.mp4"), clip(10000, 10000, "city.mp4")),
                *BASE[1:]),
         ["Video: clips reordered"]),
        (BASE, (video(clip(0, 10000, "beach.mp4"), clip(10000, 10000, "street.mp4")),
                *BASE[1:]),
         ["Video: city.mp4 + 1 more -> beach.mp4 + 1 more"]),
        ((video(clip(0, 5000, "a.mp4"), name="Trip"),),
         (video(clip(0, 5000, "b.mp4"), name="Trip"),),
         ["Video: clips changed"]),
        ((), (video(clip(0, 31000, "city.mp4"), clip(31000, 0), clip(31000, 0)),),
         ["Video added: city.mp4 + 2 more (0-31s)"]),
        ((BASE[0],), (), ["Video removed: city.mp4 + 1 more"]),
        ((BASE[0],), ({**BASE[0], "v": 0},), ["Video volume set to 0%"]),
        ((), ({"tt": 5, "n": "Stickers", "sg": [{"s": 0, "d": 1000}]},),
         ["Track (type 5) added: Stickers (0-1s)"]),
        (({"tt": 5, "n": "Stickers", "sg": [{"s": 0, "d": 1000}]},), (),
         ["Track (type 5) removed: Stickers"]),
        (({"tt": 5, "n": "Stickers", "sg": [{"s": 0, "d": 1000}]},),
         ({"tt": 5, "n": "Stickers", "sg": [{"s": 0, "d": 1000}, {"s": 1000, "d": 1000}]},),
         ["Track (type 5): 1 clip -> 2 clips, 1s -> 2s"]),
        (({"tt": 5, "sg": [{"s": 0, "d": 1000}]},), ({"tt": 6, "sg": [{"s": 0, "d": 1000}]},),
         ["Track (type 5) removed: untitled", "Track (type 6) added: untitled (0-1s)"]),
    ],
)
def test_diff(old: tuple[dict[str, Any], ...], new: tuple[dict[str, Any], ...],
              expected: list[str]) -> None:
    assert diff_drafts(draft(*old), draft(*new)) == expected


def test_diff_of_several_changes_and_order() -> None:
    old = draft(*BASE)
    new = draft(video(clip(0, 10000, "city.mp4")), music(volume=60), title("Paradise Found"),
                title("The End", 8000, 2000))
    assert diff_drafts(old, new) == [
        "Video: 2 clips -> 1 clip, 20s -> 10s",
        "Music volume 35% -> 60%",
        "Title changed: 'Urban Dreams' -> 'Paradise Found'",
        "Title added: 'The End' (8-10s)",
    ]


def test_diff_matches_tracks_by_name_not_position() -> None:
    old = draft(music("Lo-fi", 35), music("Rain", 10))
    new = draft(music("Rain", 10), music("Lo-fi", 80))
    assert diff_drafts(old, new) == ["Music (Lo-fi) volume 35% -> 80%"]


def test_diff_titles_across_tracks_and_segments() -> None:
    old = draft({"tt": 7, "sg": [{"s": 0, "d": 2000, "txt": "Hello"},
                                 {"s": 5000, "d": 2000, "txt": "Bye"}]})
    new = draft(title("Hello", 0, 2000), title("Bye", 5000, 2000), title("Middle", 3000, 1000))
    assert diff_drafts(old, new) == ["Title added: 'Middle' (3-4s)"]


def test_diff_canvas_and_project_title() -> None:
    old = draft(*BASE, m={"title": "project", "width": 1920, "height": 1080})
    new = draft(*BASE, m={"title": "Summer", "width": 1080, "height": 1920})
    assert diff_drafts(old, new) == ["Project title: 'project' -> 'Summer'",
                                     "Canvas: 1920x1080 -> 1080x1920"]
    assert diff_drafts(old, draft(*BASE)) == []


def test_diff_ignores_changes_users_cannot_see() -> None:
    old = Draft.from_raw({"t": list(BASE), "extra": 1})
    new = Draft.from_raw({"t": list(BASE), "extra": 2, "d": 99999})
    assert diff_drafts(old, new) == []


def test_describe_change() -> None:
    empty = Draft.from_raw(None)
    full = draft(*BASE)
    assert describe_change(full, full) is None
    assert describe_change(empty, empty) is None
    assert describe_change(draft(*BASE[:2]), full) == "Title added: 'Urban Dreams' (0-3s)"
    assert describe_change(empty, full) == full.summary()
    assert describe_change(full, draft(BASE[0], music(volume=60))) == (
        "Music volume 35% -> 60%\nTitle removed: 'Urban Dreams'")
    assert describe_change(full, empty) == (
        "Video removed: city.mp4 + 1 more\nMusic removed: Lo-fi\nTitle removed: 'Urban Dreams'")


def test_summary_and_changes_in_the_readers_language() -> None:
    full = draft(*BASE)
    assert full.summary("zh") == (
        "时间线（3 条轨道）：1. 视频：city.mp4 及另外 1 段（0-20s） "
        "2. 背景音乐：Lo-fi（0-10s, 35%） "
        '3. 标题："Urban Dreams"（0-3s）')
    assert Draft.from_raw(None).summary("zh-CN") == "时间线为空"
    assert describe_change(full, draft(BASE[0], music(volume=60)), "zh") == (
        "音乐音量 35% -> 60%\n已移除标题：'Urban Dreams'")
    assert describe_change(full, draft(*BASE), "zh") is None
    assert full.summary("fr") == full.summary() == full.summary(None)


def test_the_typed_pieces_are_frozen(doc_raw: dict[str, Any]) -> None:
    d = Draft.from_raw(doc_raw)
    track: Track = d.tracks[0]
    with pytest.raises(AttributeError):
        track.name = "x"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        d.tracks[0].segments[0].start_ms = 5  # type: ignore[misc]
    with pytest.raises(AttributeError):
        d.raw = {}  # type: ignore[misc]
