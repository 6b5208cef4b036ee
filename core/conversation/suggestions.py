"""Options offered as buttons under an answer (each a `(label, text)`: a press sends the
text, as if typed; see `choices.offer`):

* the options of a question the answer ends with ("Do you want upbeat or calm music?",
  a numbered list of options, "Want me to add some?");
* after a generation, the tracks the backend added by itself, to keep or remove;
* after an edit, the usual next steps (title, music, trim).
"""

from __future__ import annotations

import re

from core.conversation import answer_texts  # noqa: F401  (registers the texts)
from core.conversation.turn import Turn
from core.nemo.draft import Draft, Track, TrackKind, clip_label, track_prefix

Option = tuple[str, str]

#: most options read from a question
MAX_ASKED = 6
#: longest option label (platforms cut button labels short)
LABEL_MAX = 40
#: longest option text read from a list item, and most words of an "A or B" option
ITEM_MAX = 80
WORDS_MAX = 5

_ITEM = re.compile(r"^\s*(?:\d{1,2}[.)]|[-*•])\s+(?P<item>\S.*?)\s*$")
_QUESTION_END = re.compile(r"[?？][\"'”’)\]*_]*\s*$")
_CHOOSE = re.compile(r"\b(?:choose|pick|select|which|prefer|options?|one\s+of)\b|选择|选|哪", re.I)
_LAST_SENTENCE = re.compile(r"(?:^|(?<=[.!?。！？…]))\s*(?P<q>[^.!?。！？…]+[?？])\W*$")
_LEAD = re.compile(
    r"^\W*(?:so|and|also|now|ok|okay)?[\s,]*"
    r"(?:(?:do|would|should|shall|could|can|will)\s+(?:you|i|we)\s+)?"
    r"(?:(?:like|want|prefer|rather|need)\s+(?:me\s+)?(?:to\s+)?)?"
    r"(?:(?:use|go\s+with|add|have|choose|pick|keep|try|make\s+it)\s+)?",
    re.I,
)
_LEAD_ZH = re.compile(
    r"^\W*(?:你|您)?(?:是)?(?:想要|想|要|希望|喜欢|需要|打算)?(?:用|加|选|选择|保留)?")
_SPLIT = re.compile(r"\s*,\s*(?:or\s+)?|\s+or\s+|\s*(?:还是|或者|或是|、|，)\s*", re.I)
_YES_NO = re.compile(
    r"^\W*(?:want\s+me\s+to|do\s+you\s+want\s+(?:me\s+)?to|would\s+you\s+like\s+(?:me\s+)?to"
    r"|shall\s+i|should\s+i|can\s+i|may\s+i|ready\s+to|how\s+about|is\s+that\s+ok)\b"
    r"|要不要|需要我|要我|是否|吗[?？]\W*$",
    re.I,
)
_NOT_AN_OPTION = re.compile(r"^(?:not|no|something\s+else|anything\s+else|other|others|别的)$",
                            re.I)
_EMPHASIS = re.compile(r"[*_`]+")


def _label(text: str) -> str:
    text = clip_label(text, LABEL_MAX)
    return text[:1].upper() + text[1:]


def _clean(text: str) -> str:
    return _EMPHASIS.sub("", text).strip(" \t.,;:!?。，；：！？")


def asked_options(turn: Turn, text: str) -> list[Option]:
    """The options of the question `text` ends with, if it ends with one."""
    lines = [line for line in text.rstrip().split("\n") if line.strip()]
    if not lines:
        return []
    listed = _listed(lines)
    if listed:
        return [(_label(item), item) for item in listed]
    sentence = _LAST_SENTENCE.search(lines[-1])
    if sentence is None:
        return []
    question = sentence.group("q").strip()
    options = _alternatives(question)
    if options:
        return [(_label(option), option) for option in options]
    if _YES_NO.search(question):
        return [(turn.text("choice_yes"), turn.text("choice_yes_text")),
                (turn.text("choice_no"), turn.text("choice_no_text"))]
    return []


def _listed(lines: list[str]) -> list[str]:
    """The items of a list of options at the end (a question before or after it)."""
    end = len(lines)
    asked_after = bool(_QUESTION_END.search(lines[-1])) and not _ITEM.match(lines[-1])
    if asked_after:
        end -= 1
    start = end
    while start > 0 and _ITEM.match(lines[start - 1]):
        start -= 1
    items = [_clean(m.group("item")) for line in lines[start:end]
             if (m := _ITEM.match(line))]
    if not 2 <= len(items) <= MAX_ASKED or not all(0 < len(i) <= ITEM_MAX for i in items):
        return []
    before = lines[start - 1].rstrip() if start > 0 else ""
    asked_before = bool(_QUESTION_END.search(before)) or (
        before.endswith((":", "：")) and bool(_CHOOSE.search(before)))
    return items if asked_after or asked_before else []


def _alternatives(question: str) -> list[str]:
    """"upbeat, jazz or lo-fi" from "Do you want upbeat, jazz or lo-fi?"."""
    body = re.split(r"[:：—–]", question)[-1]
    body = body.rstrip("?？ ").strip()
    for lead in (_LEAD, _LEAD_ZH):
        body = lead.sub("", body, count=1)
    options = [_clean(part) for part in _SPLIT.split(body)]
    options = [o for o in options if o]
    if not 2 <= len(options) <= MAX_ASKED:
        return []
    if any(_NOT_AN_OPTION.match(o) for o in options):
        return []
    if any(len(o) > LABEL_MAX or len(o.split()) > WORDS_MAX for o in options):
        return []
    return options


# ---------------------------------------------------------------- after a generation

_KINDS_ADDED = (TrackKind.AUDIO, TrackKind.TEXT)
_PREFIX = {TrackKind.AUDIO: "timeline.bgm", TrackKind.TEXT: "timeline.title"}


def added_tracks(before: Draft, after: Draft) -> list[Track]:
    """The music and title tracks `after` has that `before` had not."""
    old = {(t.kind, t.label) for t in before.tracks}
    return [t for t in after.tracks if t.kind in _KINDS_ADDED and (t.kind, t.label) not in old]


def generation_choices(turn: Turn, added: list[Track]) -> tuple[str, list[Option]]:
    """What the backend added by itself, and the options to keep or remove it."""
    lang = turn.lang
    tracks = " · ".join(
        f"{track_prefix(t, _PREFIX, lang)}: {t.label_in(lang)} ({t.details_in(lang)})"
        for t in added)
    options = [(turn.text("choice_keep_all"), "status")]
    kinds = {t.kind for t in added}
    if TrackKind.AUDIO in kinds:
        options.append((turn.text("choice_remove_music"), turn.text("choice_remove_music_text")))
    if TrackKind.TEXT in kinds:
        options.append((turn.text("choice_remove_title"), turn.text("choice_remove_title_text")))
    return turn.text("generated_added", tracks=tracks), options


# ---------------------------------------------------------------- after an edit


def next_steps(turn: Turn, draft: Draft) -> tuple[str, list[Option]]:
    """The usual next steps for a draft: a line that lists them, and the options (export
    is a button of its own)."""
    kinds = {track.kind for track in draft.tracks}
    keys = []
    if TrackKind.TEXT not in kinds:
        keys.append("step_title")
    if TrackKind.AUDIO not in kinds:
        keys.append("step_music")
    if len(keys) < 2 and draft.duration_ms > 15_000:
        keys.append("step_trim")
    steps = [turn.text(key) for key in keys][:2]
    line = turn.text("next_steps", steps=" · ".join([*steps, turn.text("step_export")]))
    return line, [(_label(step), step) for step in steps]
