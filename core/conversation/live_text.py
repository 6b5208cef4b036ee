"""The agent's answer as it streams in, as the user sees it: without a trailing
temporary-issue notice (`glitch`) and with its GUI talk rewritten (`gui`), at a cost
that grows with the answer's length, not with its length times its fragments.

The answer is the agent's messages joined by blank lines, without the whitespace around
it (a message is its fragments until the whole message arrives and replaces them). Each
completed line is judged once: a line that cannot be part of a trailing notice is
rewritten and kept, with the lines waiting before it; lines that could be (apologies,
retry advice, the notice itself) wait until later text decides. Showing the answer
(`shown`) rewrites only what waits and the unfinished last line. A whole message that
is not the fragments that led to it takes the answer back to where that message began.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from core.conversation.glitch import Mark, marked_sentences, notice_start
from core.conversation.gui import TextTranslator, Translated

#: characters of notice-like lines kept waiting at most; past that they are content
HOLD_MAX = 4096
#: what joins the agent's messages
SEPARATOR = "\n\n"


@dataclass
class _Lines:
    """Everything but the rewritten lines themselves: what a message start snapshots."""

    held: list[tuple[str, bool]] = field(default_factory=list)  # (line, has sentences)
    held_chars: int = 0
    line: list[str] = field(default_factory=list)  # the unfinished line, in pieces
    started: bool = False  # text other than spaces has come (leading spaces are dropped)
    content_before: bool = False  # a sentence was kept: a notice after it is dropped

    def copy(self) -> _Lines:
        return replace(self, held=list(self.held), line=list(self.line))


class AnswerText:
    """The answer so far: fragments and whole messages in, the text to show out."""

    def __init__(self, language: str = "en") -> None:
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
        return Translated(result.text.rstrip(), result.actions)

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
        for piece in pieces[1:]:
            line = "".join(lines.line)
            lines.line = [piece]
            self._complete(line)

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
