"""The agent's answer as it streams in, as the user sees it: without a trailing
temporary-issue notice (`glitch`) and with its GUI talk rewritten (`gui`), at a cost
that grows with the answer's length, not with its length times its fragments.

The answer is the agent's messages joined by blank lines, without the whitespace around
it (a message is its fragments until the whole message arrives and replaces them). Each
completed line is judged once: a line that cannot be part of a trailing notice is
rewritten and kept, with the lines waiting before it; lines that could be (apologies,
retry advice, the notice itself) wait until later text decides. Showing the answer
(`shown`) rewrites only what waits and the unfinished last line; a long unfinished line
is rewritten up to its last sentence that nothing to come can change. A whole message
that is not the fragments that led to it takes the answer back to where it began.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from core.conversation import answer_texts as _answer_texts  # noqa: F401  (the texts)
from core.conversation.glitch import Mark, mark, marked_sentences, notice_start
from core.conversation.gui import TextTranslator, Translated, line_head
from core.conversation.sentences import mask, settled, spans
from core.i18n import t

#: characters of notice-like lines kept waiting at most; past that they are content
HOLD_MAX = 4096
#: an unfinished line longer than this is rewritten up to its last settled sentence
LONG_LINE = 512
#: what joins the agent's messages
SEPARATOR = "\n\n"
#: characters of an answer shown at most (3 Telegram messages, 6 Discord ones): a runaway
#: answer must not flood the chat; the rest is left out, and the answer says so
SHOWN_MOST = 12_000


@dataclass
class _Lines:
    """Everything but the rewritten lines themselves: what a message start snapshots."""

    held: list[tuple[str, bool]] = field(default_factory=list)  # (line, has sentences)
    held_chars: int = 0
    line: list[str] = field(default_factory=list)  # the unfinished line, in pieces
    line_chars: int = 0  # its length (less what was rewritten of it already)
    line_cut: bool = False  # a part of it was rewritten already
    next_cut: int = field(default_factory=lambda: LONG_LINE)  # when to try rewriting it
    started: bool = False  # text other than spaces has come (leading spaces are dropped)
    content_before: bool = False  # a sentence was kept: a notice after it is dropped

    def copy(self) -> _Lines:
        return replace(self, held=list(self.held), line=list(self.line))


class AnswerText:
    """The answer so far: fragments and whole messages in, the text to show out."""

    def __init__(self, language: str = "en") -> None:
        self.language = language
        self._kept = TextTranslator(language)
        self._lines = _Lines()
        self._messages = 0  # whole messages so far
        self._current: list[str] = []  # the fragments of the message in progress
        self._in_message = False
        self._snapshot = (self._kept.snapshot(), self._lines.copy())
        #: characters judged or rewritten so far (what the cost grows with)
        self.processed = 0

    @property
    def has_text(self) -> bool:
        """Whether the agent said anything but spaces."""
        return self._lines.started

    def add_fragment(self, text: str) -> None:
        """A fragment of the message in progress."""
        self._begin_message()
        self._current.append(text)
        self._feed(text)

    def add_full(self, text: str) -> None:
        """A whole message: it replaces the fragments that led up to it."""
        self._begin_message()
        so_far = "".join(self._current)
        if text.startswith(so_far):
            self._feed(text[len(so_far):])
        else:
            translator, lines = self._snapshot
            self._kept.restore(translator)
            self._lines = lines.copy()
            self._feed(SEPARATOR if self._messages else "")
            self._feed(text)
        self._messages += 1
        self._current = []
        self._in_message = False

    def shown(self) -> Translated:
        """What the user sees of the answer so far, and the GUI actions it asks for."""
        lines = self._lines
        tail = "\n".join([*(line for line, _ in lines.held), "".join(lines.line)]).rstrip()
        self.processed += len(tail)
        marks = marked_sentences(tail)
        start = notice_start(marks)
        if start is not None and (start > 0 or lines.content_before):
            tail = tail[:marks[start][0]].rstrip()
        rest = self._kept.fork()
        if tail:
            for line in tail.split("\n"):
                rest.feed(line)
        result = rest.result()
        return Translated(cut(result.text.rstrip(), self.language), result.actions)

    # ------------------------------------------------------------ lines

    def _begin_message(self) -> None:
        if self._in_message:
            return
        self._in_message = True
        self._snapshot = (self._kept.snapshot(), self._lines.copy())
        if self._messages:
            self._feed(SEPARATOR)

    def _feed(self, text: str) -> None:
        lines = self._lines
        if not lines.started:
            text = text.lstrip()
            if not text:
                return
            lines.started = True
        pieces = text.split("\n")
        lines.line.append(pieces[0])
        lines.line_chars += len(pieces[0])
        for piece in pieces[1:]:
            line = "".join(lines.line)
            lines.line, lines.line_chars, lines.next_cut = [piece], len(piece), LONG_LINE
            lines.line_cut = False
            self._complete(line)
        if lines.line_chars >= lines.next_cut:
            self._cut()

    def _cut(self) -> None:
        """Rewrite a long unfinished line up to its last sentence that nothing to come can
        change (and that is no part of a trailing notice)."""
        lines = self._lines
        text = "".join(lines.line)
        self.processed += len(text)
        lines.next_cut = len(text) + max(LONG_LINE, len(text))  # tried again when doubled
        cut = _cut_at(text, 0 if lines.line_cut else len(line_head(text)))
        if cut is None:
            return
        self._keep_held()  # content follows them
        if not self._kept.feed_part(text[:cut]):
            return
        self.processed += cut
        lines.content_before = lines.line_cut = True
        lines.line, lines.line_chars = [text[cut:]], len(text) - cut
        lines.next_cut = lines.line_chars + LONG_LINE

    def _complete(self, line: str) -> None:
        """Judge a completed line: keep it (with what waits), or make it wait."""
        self.processed += len(line)
        marks = marked_sentences(line)
        lines = self._lines
        if any(m is Mark.CONTENT for _, m in marks):
            self._keep_held()  # content follows them: no trailing notice there
            if marks[-1][1] is Mark.CONTENT:
                self._keep(line, True)
                return
        elif not marks and not lines.held:
            self._keep(line, False)
            return
        lines.held.append((line, bool(marks)))
        lines.held_chars += len(line) + 1
        if lines.held_chars > HOLD_MAX:
            self._keep_held()

    def _keep_held(self) -> None:
        lines = self._lines
        held, lines.held, lines.held_chars = lines.held, [], 0
        for line, has_sentences in held:
            self._keep(line, has_sentences)

    def _keep(self, line: str, has_sentences: bool) -> None:
        self.processed += len(line)
        self._kept.feed(line)
        self._lines.content_before = self._lines.content_before or has_sentences


def _cut_at(text: str, head: int) -> int | None:
    """Where a long unfinished line (its body starting at `head`) can be cut: the end of
    its last sentence (for the rewrite, and for the trailing notice, which reads the line
    with its markers) that more text cannot change and that is no part of a notice."""
    masked = mask(text)
    starts = {b: a for a, b in spans(masked)[:-1]}  # the notice's reading, by end
    limit = settled(text)
    for _, b in reversed(spans(masked[head:])[:-1]):
        end = head + b
        if end <= limit and end in starts and mark(masked[starts[end]:end]) is Mark.CONTENT:
            return end
    return None


def cut(text: str, language: str, most: int = SHOWN_MOST) -> str:
    """`text`, or its first `most` characters (to a line break or a space) and a note of
    how much was left out."""
    if len(text) <= most:
        return text
    end = max(text.rfind("\n", 0, most), text.rfind(" ", 0, most))
    end = end if end > most // 2 else most
    return f"{text[:end].rstrip()}…\n\n" + t(language, "answer_cut", count=len(text) - end)
