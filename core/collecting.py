"""An `Outgoing` that records everything it is asked to do (texts as they would appear
after edits), for tests and benchmarks."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from core.messages import ChatKey
from core.outgoing import Button, Outgoing, Sent


@dataclass
class Record:
    """One thing `CollectingOutput` was asked to do."""

    kind: str
    chat: ChatKey
    text: str = ""
    message_id: str = ""
    buttons: tuple[Button, ...] = ()
    path: Path | None = None
    url: str | None = None
    reply_to: str | None = None


@dataclass
class CollectingOutput(Outgoing):
    """Records every call; texts are kept as they would appear after edits."""

    file_limit: int | None = 50 * 1024 * 1024
    records: list[Record] = field(default_factory=list)
    messages: dict[str, str] = field(default_factory=dict)
    _next_id: int = 0

    def max_file_size(self, chat: ChatKey) -> int | None:
        """The configured `file_limit`."""
        return self.file_limit

    def _new_id(self) -> str:
        self._next_id += 1
        return str(self._next_id)

    async def send_text(self, chat: ChatKey, text: str,
                        buttons: tuple[Button, ...] = (), *, reply_to: str | None = None) -> Sent:
        """Record a new message."""
        mid = self._new_id()
        self.messages[mid] = text
        self.records.append(Record("text", chat, text, mid, buttons, reply_to=reply_to))
        return Sent(mid)

    async def edit_text(self, chat: ChatKey, sent: Sent, text: str,
                        buttons: tuple[Button, ...] = ()) -> Sent:
        """Record an edit in place."""
        self.messages[sent.message_id] = text
        self.records.append(Record("edit", chat, text, sent.message_id, buttons))
        return sent

    async def send_file(self, chat: ChatKey, path: Path, filename: str, caption: str = "",
                        buttons: tuple[Button, ...] = (), *, reply_to: str | None = None) -> Sent:
        """Record a file (the path is only valid during the call: copy it to keep it); its
        `file_ref` is `file:<message id>`."""
        mid = self._new_id()
        self.messages[mid] = caption
        self.records.append(Record("file", chat, caption, mid, buttons, path=path,
                                   reply_to=reply_to))
        return Sent(mid, f"file:{mid}")

    async def send_link(self, chat: ChatKey, text: str, url: str, label: str,
                        buttons: tuple[Button, ...] = (), *, reply_to: str | None = None) -> Sent:
        """Record a link."""
        mid = self._new_id()
        self.messages[mid] = text
        self.records.append(Record("link", chat, text, mid, buttons, url=url,
                                   reply_to=reply_to))
        return Sent(mid)

    async def resend_file(self, chat: ChatKey, file_ref: str, caption: str = "",
                          buttons: tuple[Button, ...] = (), *,
                          reply_to: str | None = None) -> Sent:
        """Record a file sent again by reference."""
        mid = self._new_id()
        self.messages[mid] = caption
        self.records.append(Record("resend", chat, caption, mid, buttons, url=file_ref,
                                   reply_to=reply_to))
        return Sent(mid, file_ref)

    async def working(self, chat: ChatKey) -> None:
        """Record the indicator."""
        self.records.append(Record("working", chat))

    async def delete_message(self, chat: ChatKey, message_id: str) -> bool:
        """Record the deletion."""
        self.records.append(Record("delete", chat, message_id=message_id))
        return True

    async def language_chosen(self, chat: ChatKey, user_id: str, language: str) -> None:
        """Record the choice (`text` holds the language)."""
        self.records.append(Record("language", chat, language))

    def texts(self, chat: ChatKey | None = None) -> list[str]:
        """Final texts of messages (after edits), in the order they were first sent."""
        seen: list[str] = []
        for rec in self.records:
            if rec.kind in ("text", "file", "link", "resend") and (
                    chat is None or rec.chat == chat):
                seen.append(rec.message_id)
        return [self.messages[m] for m in seen]
