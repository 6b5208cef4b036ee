"""The terminal chat: the third adapter, and the product's embedded default.

Each line is a message; `/attach PATH [PATH ...]` sends files; `/quit` leaves.
With piped input every line is handled in order, then it waits for pending
renders, saves delivered files to the downloads folder, and exits.
"""

from __future__ import annotations

import asyncio
import getpass
import locale
import logging
import os
import shlex
import shutil
import sys
from pathlib import Path
from typing import TextIO

from redis.exceptions import RedisError

from core.messages import ChatKey, IncomingMessage, LocalFileAttachment, User
from core.outgoing import Button, Outgoing, Sent
from core.runtime import Runtime, open_runtime
from core.settings import Settings

CHAT = ChatKey("console", "local")

log = logging.getLogger(__name__)

#: while Redis is unreachable, how often the terminal chat looks again
REDIS_RETRY = 1.0


class ConsoleOutput(Outgoing):
    """Prints the bot's side of the conversation; saves files to `downloads`."""

    def __init__(self, downloads: Path, stream: TextIO | None = None) -> None:
        self.downloads = downloads
        self.stream = stream or sys.stdout
        self.tty = self.stream.isatty()
        self._texts: dict[str, str] = {}
        self._next = 0
        self._last_id: str | None = None
        self.saved: list[Path] = []
        self.links: list[str] = []

    def max_file_size(self, chat: ChatKey) -> int | None:
        """No platform limit: files are saved locally."""
        return 1 << 40

    def _print(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()

    def _new(self, text: str, buttons: tuple[Button, ...]) -> Sent:
        self._next += 1
        mid = str(self._next)
        self._texts[mid] = text
        self._last_id = mid
        self._print(f"\nbot> {text}{self._buttons(buttons)}")
        return Sent(mid)

    @staticmethod
    def _buttons(buttons: tuple[Button, ...]) -> str:
        actions = [b.action.value for b in buttons if b.action]
        links = [f"{b.label}: {b.url}" for b in buttons if b.url]
        parts = []
        if actions:
            parts.append("  [" + " | ".join(actions) + "]")
        parts.extend(f"\n     {link}" for link in links)
        return "".join(parts)

    async def send_text(self, chat: ChatKey, text: str,
                        buttons: tuple[Button, ...] = (), *, reply_to: str | None = None) -> Sent:
        """Print a new message."""
        return self._new(text, buttons)

    async def edit_text(self, chat: ChatKey, sent: Sent, text: str,
                        buttons: tuple[Button, ...] = ()) -> Sent:
        """Continue a growing message in place; print a replaced one again."""
        old = self._texts.get(sent.message_id, "")
        self._texts[sent.message_id] = text
        if text == old and not buttons:
            return sent
        if sent.message_id == self._last_id and text.startswith(old) and old:
            self._print(text[len(old):] + self._buttons(buttons))
        elif sent.message_id == self._last_id and self.tty:
            self._print(f"\r\033[Kbot> {text}{self._buttons(buttons)}")
        else:
            self._last_id = sent.message_id
            self._print(f"\nbot> {text}{self._buttons(buttons)}")
        return sent

    async def send_file(self, chat: ChatKey, path: Path, filename: str, caption: str = "",
                        buttons: tuple[Button, ...] = (), *, reply_to: str | None = None) -> Sent:
        """Save the file in the downloads folder."""
        self.downloads.mkdir(parents=True, exist_ok=True)
        target = self.downloads / filename
        shutil.copyfile(path, target)
        self.saved.append(target)
        return self._new(f"{caption}\n     saved to {target}".strip(), buttons)

    async def send_link(self, chat: ChatKey, text: str, url: str, label: str,
                        buttons: tuple[Button, ...] = (), *, reply_to: str | None = None) -> Sent:
        """Print the link."""
        self.links.append(url)
        return self._new(f"{text}\n     {label}: {url}", buttons)


def _language() -> str | None:
    code = os.environ.get("LC_ALL") or os.environ.get("LANG") or locale.getlocale()[0]
    return code.split(".", 1)[0] if code else None


class ConsoleChat:
    """Turns terminal lines into messages."""

    def __init__(self, runtime: Runtime, out: ConsoleOutput) -> None:
        self.runtime = runtime
        self.out = out
        self.user = User(getpass.getuser(), getpass.getuser(), _language())
        self._count = 0

    def message(self, line: str) -> IncomingMessage | None:
        """The message for one line, or None for an empty or invalid one."""
        line = line.strip()
        if not line:
            return None
        self._count += 1
        if line.startswith("/attach"):
            try:
                paths = shlex.split(line[len("/attach"):])
            except ValueError as exc:
                self.out._print(f"\n!! {exc}")
                return None
            missing = [p for p in paths if not Path(p).expanduser().is_file()]
            if not paths or missing:
                self.out._print("\n!! usage: /attach PATH [PATH ...]"
                                + (f" (not found: {', '.join(missing)})" if missing else ""))
                return None
            files = tuple(LocalFileAttachment(Path(p).expanduser().resolve()) for p in paths)
            return IncomingMessage(CHAT, self.user, str(self._count), "", files)
        return IncomingMessage(CHAT, self.user, str(self._count), line)

    async def piped(self, lines: list[str]) -> None:
        """Every line in order, then wait for renders to be delivered."""
        for line in lines:
            if line.strip() == "/quit":
                break
            message = self.message(line)
            if message is not None:
                self.out._print(f"\nyou> {line.strip()}")
                await self.runtime.dispatcher.handle(message)
        await self.wait_renders()

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

    async def interactive(self) -> None:
        """Read lines as they are typed; messages sent while busy are queued."""
        loop = asyncio.get_running_loop()
        self.out._print("Type a message, /attach PATH ... to send files, /quit to leave.")
        while True:
            self.out._print("\nyou> ")
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line or line.strip() == "/quit":
                break
            message = self.message(line)
            if message is not None:
                self.runtime.dispatcher.submit(message)
        await self.runtime.dispatcher.wait_idle()


async def run_chat(settings: Settings, *, simulate: bool, downloads: Path) -> int:
    """`nemobot chat`."""
    out = ConsoleOutput(downloads)
    async with open_runtime(settings, out, simulate=simulate, platform="console",
                            trust_everyone=True) as runtime:
        runtime.start()
        chat = ConsoleChat(runtime, out)
        try:
            await runtime.dispatcher.resume()
        except RedisError as exc:  # the dispatcher's sweep takes the chat up later
            log.warning("resuming the chat: Redis unavailable (%r)", exc)
        if sys.stdin.isatty():
            await chat.interactive()
        else:
            await chat.piped(sys.stdin.read().splitlines())
    out._print("\n")
    return 0
