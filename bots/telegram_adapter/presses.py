"""Button presses, answered once. Telegram shows a spinner until the bot answers a press
(answerCallbackQuery), and that answer may carry a short text shown to the presser
alone. A press is held unanswered while it is handed to the core (a few milliseconds;
`PATIENCE` seconds at most), so a reply that concerns only the presser ("only the
person who asked for this video, or an admin, can cancel it") is shown to them rather
than posted to the whole group; a press nobody answered with a text is answered
without one."""

from __future__ import annotations

import asyncio
import logging

from telegram import CallbackQuery
from telegram.error import TelegramError

from .errors import error_text
from .inbound import CALLBACK_PREFIX

log = logging.getLogger(__name__)

#: seconds a press waits for its text before it is answered without one
PATIENCE = 2.0
#: the longest text a press's answer may show (Telegram's limit)
ANSWER_LIMIT = 200


class Presses:
    """The presses held unanswered, by their message id in the core (`cb:<query id>`)."""

    def __init__(self, patience: float = PATIENCE) -> None:
        self.patience = patience
        self._held: dict[str, CallbackQuery] = {}
        self._answers: set[asyncio.Task[None]] = set()

    def hold(self, query: CallbackQuery) -> str:
        """Keep `query` unanswered for now (up to `patience`); its id in the core."""
        press = f"{CALLBACK_PREFIX}{query.id}"
        self._held[press] = query
        asyncio.get_running_loop().call_later(self.patience, self._late, press)
        return press

    async def answer(self, press: str, text: str) -> bool:
        """Show `text` to the presser alone; False when the press was answered already
        (or is unknown, or the text too long): the text then goes to the chat."""
        query = self._held.get(press)
        if query is None or len(text) > ANSWER_LIMIT:
            return False
        del self._held[press]
        try:
            await query.answer(text, show_alert=True)
        except TelegramError as exc:
            log.info("telegram: could not answer a button press: %s", error_text(exc))
            return False
        return True

    async def release(self, press: str) -> None:
        """The press was handed over: answered without a text if nothing answered it."""
        query = self._held.pop(press, None)
        if query is None:
            return
        try:
            await query.answer()
        except TelegramError as exc:
            log.info("telegram: could not answer a button press: %s", error_text(exc))

    def _late(self, press: str) -> None:
        if press in self._held:  # the spinner must not outlast the patience
            task = asyncio.create_task(self.release(press), name=f"answer {press}")
            self._answers.add(task)
            task.add_done_callback(self._answers.discard)
