"""What no chat message and no log line may carry, whatever NemoVideo sent.

* A NemoVideo token (`nmv_usr_…`): the contract forbids one in a chat message, yet
  the agent's words, a render's error or an error frame may quote one. It is masked
  (its kind kept: `nmv_usr_***`).
* A lone UTF-16 surrogate (JSON may escape half of a pair, `"\\ud83c"`): no platform
  can encode it, so a message holding one could never be sent. It becomes U+FFFD.

`Screened` applies this to every text the core sends through an adapter;
`ScreenLogs` to every log record of the process.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable
from pathlib import Path

from core.messages import ChatKey
from core.outgoing import Button, Outgoing, ProgressReport, Replying, Sent

#: a NemoVideo token: `nmv_<kind>_<secret>` (the secret kept out)
_TOKEN = re.compile(r"\b(nmv_[A-Za-z]+_)[A-Za-z0-9_\-]+")
_SURROGATE = re.compile("[\ud800-\udfff]")
MASK = r"\1***"


def screen(text: str) -> str:
    """`text` without tokens and lone surrogates (the same string when it had none)."""
    if "nmv_" in text:
        text = _TOKEN.sub(MASK, text)
    if _SURROGATE.search(text) is not None:
        text = _SURROGATE.sub("\ufffd", text)
    return text


class Screened(Replying):
    """An adapter's outgoing side that screens every text it is given (`screen`)."""

    def __init__(self, out: Outgoing) -> None:
        super().__init__(out, None)

    async def send_text(self, chat: ChatKey, text: str,
                        buttons: tuple[Button, ...] = (), *, reply_to: str | None = None) -> Sent:
        """Send the screened text."""
        return await super().send_text(chat, screen(text), buttons, reply_to=reply_to)

    async def edit_text(self, chat: ChatKey, sent: Sent, text: str,
                        buttons: tuple[Button, ...] = ()) -> Sent:
        """Edit to the screened text."""
        return await super().edit_text(chat, sent, screen(text), buttons)

    async def send_file(self, chat: ChatKey, path: Path, filename: str, caption: str = "",
                        buttons: tuple[Button, ...] = (), *, reply_to: str | None = None) -> Sent:
        """Send the file with a screened caption."""
        return await super().send_file(chat, path, filename, screen(caption), buttons,
                                       reply_to=reply_to)

    async def send_link(self, chat: ChatKey, text: str, url: str, label: str,
                        buttons: tuple[Button, ...] = (), *, reply_to: str | None = None) -> Sent:
        """Send the link with screened words (the URL is the bot's to build)."""
        return await super().send_link(chat, screen(text), url, screen(label), buttons,
                                       reply_to=reply_to)

    async def progress(self, chat: ChatKey, sent: Sent, report: ProgressReport) -> Sent:
        """Show progress in screened words."""
        text = screen(report.text)
        if text is not report.text:
            report = dataclasses.replace(report, text=text)
        return await super().progress(chat, sent, report)

    async def resend_file(self, chat: ChatKey, file_ref: str, caption: str = "",
                          buttons: tuple[Button, ...] = (), *,
                          reply_to: str | None = None) -> Sent:
        """Send a file again with a screened caption."""
        return await super().resend_file(chat, file_ref, screen(caption), buttons,
                                         reply_to=reply_to)

    def as_shown(self, text: str, message_id: str | None) -> str:
        """As shown: screened."""
        return super().as_shown(screen(text), message_id)


class RewriteLogs(logging.Filter):
    """Rewrites a log record's message and traceback with `rewrite` (which returns the
    same string when it changes nothing); never drops a record."""

    def __init__(self, rewrite: Callable[[str], str]) -> None:
        super().__init__()
        self.rewrite = rewrite

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record when it holds what must not be written."""
        message = record.getMessage()
        if (rewritten := self.rewrite(message)) is not message:
            record.msg, record.args = rewritten, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.rewrite(record.exc_text)
        return True


class ScreenLogs(RewriteLogs):
    """Screens every log record (`screen`)."""

    def __init__(self) -> None:
        super().__init__(screen)
