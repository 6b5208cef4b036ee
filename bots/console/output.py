"""The terminal's side of the conversation: the core's `Outgoing` calls turned into what
the `Display` shows; delivered videos are saved to the downloads folder."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from bots.console.display import Display
from core.i18n import t
from core.messages import ChatKey
from core.outgoing import Button, Outgoing, ProgressReport, Sent


def shown_path(path: Path, start: Path) -> str:
    """A path as the user would type it: relative to where they started, when inside."""
    try:
        return str(path.relative_to(start))
    except ValueError:
        return str(path)


def free_name(folder: Path, filename: str) -> Path:
    """`folder/filename`, or `name-2.ext`, `name-3.ext`... when it exists already."""
    target = folder / filename
    number = 1
    while target.exists():
        number += 1
        target = folder / f"{Path(filename).stem}-{number}{Path(filename).suffix}"
    return target


class ConsoleOutput(Outgoing):
    """Shows the bot's messages, edits and bars; saves files to `downloads`."""

    def __init__(self, display: Display, downloads: Path, start: Path) -> None:
        self.display = display
        self.downloads = downloads
        self.start = start
        self.saved: list[Path] = []
        self.links: list[str] = []
        self._next = 0

    async def language_chosen(self, chat: ChatKey, user_id: str, language: str) -> None:
        """The terminal's own words follow the user's `/language` too."""
        self.display.lang = language

    def max_file_size(self, chat: ChatKey) -> int | None:
        """No platform limit: files are saved locally."""
        return 1 << 40

    def _id(self) -> str:
        self._next += 1
        return str(self._next)

    async def send_text(self, chat: ChatKey, text: str,
                        buttons: tuple[Button, ...] = (), *, reply_to: str | None = None) -> Sent:
        """A new message."""
        mid = self._id()
        self.display.message(mid, text, buttons)
        return Sent(mid)

    async def edit_text(self, chat: ChatKey, sent: Sent, text: str,
                        buttons: tuple[Button, ...] = ()) -> Sent:
        """A message changed."""
        self.display.edit(sent.message_id, text, buttons)
        return sent

    async def progress(self, chat: ChatKey, sent: Sent, report: ProgressReport) -> Sent:
        """A bar moved."""
        self.display.progress(sent.message_id, report)
        return sent

    async def send_file(self, chat: ChatKey, path: Path, filename: str, caption: str = "",
                        buttons: tuple[Button, ...] = (), *, reply_to: str | None = None) -> Sent:
        """Save the file in the downloads folder and say where; the `Sent` names the
        saved file (what /last shows again)."""
        target = await asyncio.to_thread(self._save, path, filename)
        self.saved.append(target)
        return self._saved(target, caption, buttons)

    async def resend_file(self, chat: ChatKey, file_ref: str, caption: str = "",
                          buttons: tuple[Button, ...] = (), *,
                          reply_to: str | None = None) -> Sent:
        """A video saved before: say where it is (FileNotFoundError when it is gone, so
        its link is given instead)."""
        target = Path(file_ref)
        if not await asyncio.to_thread(target.is_file):
            raise FileNotFoundError(file_ref)
        return self._saved(target, caption, buttons)

    def _saved(self, target: Path, caption: str, buttons: tuple[Button, ...]) -> Sent:
        saved = t(self.display.lang, "console.saved", path=shown_path(target, self.start))
        mid = self._id()
        self.display.delivered(mid, f"{caption}: {saved}" if caption else saved, buttons)
        return Sent(mid, str(target.resolve()))

    def _save(self, path: Path, filename: str) -> Path:
        self.downloads.mkdir(parents=True, exist_ok=True)
        target = free_name(self.downloads, filename)
        shutil.copyfile(path, target)
        return target

    async def send_link(self, chat: ChatKey, text: str, url: str, label: str,
                        buttons: tuple[Button, ...] = (), *, reply_to: str | None = None) -> Sent:
        """Show the link."""
        self.links.append(url)
        mid = self._id()
        link = t(self.display.lang, "console.link", label=label, url=url)
        self.display.delivered(mid, f"{text}\n{link}", buttons)
        return Sent(mid)
