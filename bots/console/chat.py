"""The terminal chat: typed (or piped) lines become messages to the dispatcher.

In a terminal the prompt stays on the last line while answers, bars and notices print
above it (prompt_toolkit). Ctrl-C stops what is running (`/cancel`); a second Ctrl-C, or
Ctrl-D on an empty line, leaves; leaving with renders unfinished asks whether to wait.
Piped input: every line is handled in order, then it waits for the renders.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from prompt_toolkit import PromptSession
from prompt_toolkit.formatted_text import ANSI
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from redis.exceptions import RedisError

from bots.console.display import Display
from bots.console.lines import Line, read_line
from core.conversation.texts import ACCEPTED_FORMATS
from core.i18n import t
from core.messages import ChatKey, IncomingMessage, LocalFileAttachment, User
from core.runtime import Runtime

CHAT = ChatKey("console", "local")
PROMPT = "\x1b[1;32myou>\x1b[0m "
#: a second Ctrl-C within this many seconds leaves
AGAIN = 5.0

log = logging.getLogger(__name__)

#: while Redis is unreachable, how often the terminal chat looks again
REDIS_RETRY = 1.0


def _interrupt_keys() -> KeyBindings:
    """Ctrl-C clears a half-typed line; on an empty line it interrupts."""
    keys = KeyBindings()

    @keys.add("c-c")
    def _(event: KeyPressEvent) -> None:
        if event.current_buffer.text:
            event.current_buffer.reset()
        else:
            event.app.exit(exception=KeyboardInterrupt(), style="class:aborting")

    return keys


class ConsoleChat:
    """Turns terminal lines into messages and keeps the display up to date."""

    def __init__(self, runtime: Runtime, display: Display, user: User, *, start: Path,
                 downloads: Path) -> None:
        self.runtime = runtime
        self.display = display
        self.user = user
        self.start = start
        self.downloads = downloads
        self._count = 0
        self._turns: set[asyncio.Task[None]] = set()
        self._session: PromptSession[str] | None = None
        self._final: str | None = None

    @property
    def lang(self) -> str | None:
        """The language of the terminal's own words (the user's, see `/language`)."""
        return self.display.lang

    # -- messages ------------------------------------------------------------------------
    def _message(self, text: str, files: Sequence[Path] = ()) -> IncomingMessage:
        self._count += 1
        attachments = tuple(LocalFileAttachment(p) for p in files)
        return IncomingMessage(CHAT, self.user, f"{time.time_ns()}-{self._count}", text,
                               attachments)

    def _submit(self, text: str, files: Sequence[Path] = ()) -> None:
        task = self.runtime.dispatcher.submit(self._message(text, files))
        self._turns.add(task)
        task.add_done_callback(self._turn_done)

    def _turn_done(self, task: asyncio.Task[None]) -> None:
        self._turns.discard(task)
        if not self._turns:
            self.display.settle(turn_over=True)

    def busy(self) -> bool:
        """Whether a message of this chat is being handled."""
        return bool(self._turns)

    def help(self) -> str:
        """The terminal's own help; the chat commands follow from the core."""
        return t(self.lang, "console.help", start=self.start, downloads=self.downloads,
                 formats=ACCEPTED_FORMATS)

    def _line(self, raw: str) -> Line:
        return read_line(raw, start=self.start, choices=self.display.choices, lang=self.lang)

    # -- piped input -----------------------------------------------------------------------
    async def piped(self, lines: list[str]) -> None:
        """Every line in order, then wait for renders to be delivered."""
        for raw in lines:
            line = self._line(raw)
            if line.kind == "quit":
                break
            if line.kind == "empty":
                continue
            self.display.echo(raw.strip())
            if line.kind == "problem":
                self.display.notice(line.text)
                continue
            if line.kind == "help":
                self.display.notice(self.help())
                line = Line("message", "/help")
            await self.runtime.dispatcher.handle(self._message(line.text, line.files))
            self.display.settle(turn_over=True)
        # a line the chat sweep took up (its own `handle` found the chat busy) may still be
        # in the chat's queue: handle it before leaving
        await self.runtime.dispatcher.wait_idle()
        await self.wait_renders()
        self.display.settle(turn_over=True)

    async def resume(self) -> None:
        """Finish what an earlier run left in this chat (later, if Redis is away now: the
        dispatcher's sweep takes it up)."""
        try:
            await self.runtime.dispatcher.resume()
        except RedisError as exc:
            log.warning("resuming the chat: Redis unavailable (%r)", exc)

    async def wait_renders(self) -> None:
        """Wait for the chat's renders, riding out Redis outages (the chat never exits
        because Redis went away for a while)."""
        while True:
            try:
                await self.runtime.renders.wait_idle(CHAT)
                return
            except RedisError as exc:
                log.warning("waiting for renders: Redis unavailable (%r); retrying", exc)
                await asyncio.sleep(REDIS_RETRY)

    # -- a terminal ------------------------------------------------------------------------
    def _live(self, waiting: str = "") -> ANSI:
        session = self._session
        if session is not None and session.app.is_done:
            # What stays in the scrollback once a line is entered: the messages shown so far
            # (the bars go on below), then the line typed.
            if self._final is None:
                self._final = self.display.freeze()
            return ANSI(self._final + (waiting or self._you()))
        return ANSI(self.display.live_area() + (waiting or self._you()))

    def _you(self) -> str:
        return PROMPT if self.display.colour else "you> "

    async def _prompt(self, session: PromptSession[str], waiting: str = "") -> str:
        self._final = None
        return await session.prompt_async(lambda: self._live(waiting), refresh_interval=0.5)

    def width(self) -> int:
        """The terminal's width."""
        session = self._session
        if session is not None and session.app.is_running:
            return session.app.output.get_size().columns
        return 80

    async def interactive(self) -> None:
        """Read lines as they are typed; messages sent while busy are queued."""
        session: PromptSession[str] = PromptSession(key_bindings=_interrupt_keys())
        self._session = session
        self.display.changed = session.app.invalidate
        self.display.notice(t(self.lang, "console.intro"))
        settling = asyncio.create_task(self._settle_loop())
        try:
            await self._read(session)
            await self._leave(session)
        finally:
            settling.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await settling

    async def _settle_loop(self) -> None:
        while True:
            await asyncio.sleep(0.3)
            self.display.settle()

    async def _read(self, session: PromptSession[str]) -> None:
        interrupted = 0.0
        while True:
            try:
                raw = await self._prompt(session)
            except KeyboardInterrupt:
                now = time.monotonic()
                if now - interrupted < AGAIN:
                    return
                interrupted = now
                if self.busy() or await self.runtime.renders.active_count(CHAT):
                    self.display.notice(t(self.lang, "console.stopping"))
                    await self.runtime.dispatcher.handle(self._message("/cancel"))
                else:
                    self.display.notice(t(self.lang, "console.again_to_quit"))
                continue
            except EOFError:
                return
            if not self._typed(raw):
                return

    def _typed(self, raw: str) -> bool:
        """Act on a typed line; False when it asks to leave."""
        line = self._line(raw)
        if line.kind == "quit":
            return False
        if line.kind == "problem":
            self.display.notice(line.text)
        elif line.kind == "help":
            self.display.notice(self.help())
            self._submit("/help")
        elif line.kind in ("message", "attach"):
            self._submit(line.text, line.files)
        return True

    async def _leave(self, session: PromptSession[str]) -> None:
        """Leaving with renders unfinished: ask whether to wait for them."""
        if self._turns:  # an export being started counts as a render
            await asyncio.wait(set(self._turns), timeout=10.0)
        count = await self.runtime.renders.active_count(CHAT)
        if not count:
            return
        try:
            answer = await self._prompt(session, t(self.lang, "console.wait_renders",
                                                   count=count))
        except (KeyboardInterrupt, EOFError):
            answer = "n"
        if answer.strip().lower() not in ("", "y", "yes", "是", "好"):
            self.display.notice(t(self.lang, "console.left_renders", count=count))
            return
        waiter = asyncio.create_task(self.wait_renders())
        waiter.add_done_callback(lambda _: session.app.is_running and session.app.exit(result=""))
        waiting = t(self.lang, "console.waiting", count=count)
        while not waiter.done():
            try:
                await self._prompt(session, waiting)
            except (KeyboardInterrupt, EOFError):
                break
        if not waiter.done():
            waiter.cancel()
            left = await self.runtime.renders.active_count(CHAT)
            self.display.notice(t(self.lang, "console.left_renders", count=left))
        self.display.settle(turn_over=True)


def write_out(text: str) -> None:
    """Print to the terminal (above the prompt while one is shown)."""
    sys.stdout.write(text)
    sys.stdout.flush()
