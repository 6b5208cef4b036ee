"""What each user message of a Telegram group or a Discord channel got back, read from the
platform fakes.

In groups the bot's messages reply to the message they answer (Telegram's
``reply_parameters``, Discord's message reference), so every bot message belongs to one
user message. A bot message is, by its text as it
is now (after edits): an answer, a video, a notice (greeting, queued, resumed after a
restart, recovering, upload, render progress), an error, or "unfinished": the verdict
on a message cut short by a restart (its process was killed) whose outcome could not
be found out, the user being told to send it again: an agent stream whose effect
NemoVideo's state does not show (the contract forbids sending it again for them), an
upload that was under way. `Exchange` is one user message with its replies;
`Tally` adds up the exchanges of many chats.
"""

from __future__ import annotations

import collections
import re
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.discord import FakeDiscord
from tests.fakes.telegram import FakeTelegram

JSONDict = dict[str, Any]

#: notices by the start of their (English) text
NOTICES = {
    "Got it. After this:": "queued",
    "Got it, next in line:": "queued",
    "Got it, number ": "queued",
    "Got it: ": "queued",
    "I was restarted while working on": "resumed",
    "The connection to NemoVideo dropped.": "recovering",
    "It went through. ": "recovered",
    "NemoVideo didn't finish that request.": "unfinished",
    "Your upload of ": "unfinished",
    "⏳ Still working": "working",
    "Uploading ": "upload",
    "Received: ": "upload",
    "Rendering": "render",
    "This may take a few minutes.": "working",
    "Ready when you are.": "greeting",
}
#: the extension of a file named in an upload notice ("Received: beach.mp4 (2s, 320x180),
#: video (2).mp4 ...": names may hold spaces and brackets)
FILE_NAME = re.compile(r"\.(?:mp4|mov|avi|webm|mkv|jpe?g|png|gif|webp|mp3|wav|m4a|aac)\b")
#: error replies, by a part of their (English) text
ERRORS = ("something went wrong", "can't take messages", "isn't answering",
          "ran into a problem",
          "working for too long", "render was lost", "queue is full")


#: the end of the welcome that heads a first contact's answer (in the same message)
WELCOME_END = "choose a format with /format.\n\n"


def unwelcomed(text: str) -> str:
    """A text without the welcome that heads a first contact's answer."""
    if text.startswith("Ready when you are.") and WELCOME_END in text:
        return text.split(WELCOME_END, 1)[1]
    return text


def shown(message: JSONDict) -> str:
    """A message's text or caption, beyond a welcome at its head."""
    return unwelcomed(str(message.get("text", message.get("caption", ""))))


def kind_of(message: JSONDict) -> str:
    """answer, video, error, or the notice's kind (see `NOTICES`)."""
    if "video" in message or "document" in message:
        return "video"
    text = shown(message)
    if any(error in text for error in ERRORS):
        return "error"
    return next((kind for start, kind in NOTICES.items() if text.startswith(start)), "answer")


@dataclass
class Exchange:
    """One user message and the bot's replies to it, oldest first."""

    message_id: int
    replies: list[JSONDict] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[JSONDict]:
        """The replies of one kind."""
        return [m for m in self.replies if kind_of(m) == kind]

    @property
    def answers(self) -> list[JSONDict]:
        """Replies that answer it (the agent's text), not notices, errors or videos."""
        return self.of_kind("answer")

    @property
    def outcomes(self) -> list[JSONDict]:
        """Its answers and "unfinished" verdicts: a message expects one of them. A recovered
        turn's verdict ("It went through. …") is its outcome when no answer came before it
        (the stream broke before the answer); after an answer it only confirms it."""
        found = [m for m in self.replies if kind_of(m) in ("answer", "unfinished")]
        return found or self.of_kind("recovered")


def discord_exchanges(fake: FakeDiscord, channel_id: int) -> dict[int, Exchange]:
    """The bot's messages in a Discord channel, as they are now, by the user message they
    reply to (as Telegram-shaped dicts: ``message_id``, ``text``, ``document`` for files)."""
    by_message: dict[int, Exchange] = {}
    for message in fake.bot_messages(channel_id):
        if message.reference_id is None:
            continue
        reply: JSONDict = {"message_id": message.id, "text": unwelcomed(message.content)}
        if message.attachments:
            reply["document"] = [a.filename for a in message.attachments]
        by_message.setdefault(message.reference_id,
                              Exchange(message.reference_id)).replies.append(reply)
    return by_message


def exchanges(fake: FakeTelegram, chat_id: int) -> tuple[dict[int, Exchange], list[JSONDict]]:
    """The bot's messages in a chat, as they are now: those replying to a user message,
    by that message's id, and the others (a greeting, a continuation page)."""
    return every_exchange(fake, chat_id).get(chat_id, ({}, []))


def every_exchange(fake: FakeTelegram, chat_id: int | None = None) -> dict[
        int, tuple[dict[int, Exchange], list[JSONDict]]]:
    """`exchanges` of every chat the bot wrote in (or of one), in one pass."""
    chats: dict[int, tuple[dict[int, Exchange], list[JSONDict]]] = {}
    for sent in fake.sent_messages(chat_id):
        chat = int(sent["chat"]["id"])
        message = fake.message(chat, sent["message_id"])
        if message is None:
            continue  # deleted
        by_message, others = chats.setdefault(chat, ({}, []))
        target = (message.get("reply_to_message") or {}).get("message_id")
        if target is None:
            others.append(message)
        else:
            by_message.setdefault(int(target), Exchange(int(target))).replies.append(message)
    return chats


#: what a message's turn shows as its result (a video comes later, when its render ends)
TURN_RESULTS = ("answer", "unfinished", "render")


def out_of_order(by_message: dict[int, Exchange]) -> int:
    """Turn results (answers, verdicts, an export's render message) shown after the result
    of a later user message of the chat."""
    shown_order = sorted(
        (reply["message_id"], exchange.message_id)
        for exchange in by_message.values() for reply in exchange.replies
        if kind_of(reply) in TURN_RESULTS)
    late, latest = 0, 0
    for _, answered in shown_order:
        if answered < latest:
            late += 1
        latest = max(latest, answered)
    return late


@dataclass
class Tally:
    """Outcomes over many user messages: each expects one answer (or one video)."""

    messages: int = 0
    answered: int = 0
    #: told to send it again after a kill cut it short ("NemoVideo didn't finish that
    #: request", "Your upload of ... was interrupted")
    unfinished: int = 0
    duplicates: int = 0
    lost: int = 0
    errors: int = 0
    out_of_order: int = 0
    notices: collections.Counter[str] = field(default_factory=collections.Counter)
    problems: list[str] = field(default_factory=list)

    def count(self, chat_id: int, exchange: Exchange | None, message_id: int, *,
              expects: str = "answer", uploads: int | None = None) -> None:
        """Add one user message: `expects` one reply of that kind (answer or video);
        `uploads`: the files its single upload notice must list."""
        self.messages += 1
        exchange = exchange or Exchange(message_id)
        wanted = exchange.outcomes if expects == "answer" else exchange.of_kind(expects)
        self.unfinished += sum(kind_of(m) == "unfinished" for m in wanted)
        self.notices.update(kind_of(m) for m in exchange.replies
                            if kind_of(m) not in ("answer", "unfinished", "video", "error"))
        errors = exchange.of_kind("error")
        self.errors += len(errors)
        if not wanted:
            self.lost += 1
            self.problems.append(f"chat {chat_id}: message {message_id} got no {expects}: "
                                 f"{[shown(m)[:60] for m in exchange.replies]}")
            return
        self.answered += 1
        if len(wanted) > 1:
            self.duplicates += len(wanted) - 1
            self.problems.append(f"chat {chat_id}: message {message_id} got {len(wanted)} "
                                 f"{expects}s: {[shown(m)[:60] for m in wanted]}")
        if uploads is not None and not exchange.of_kind("unfinished"):
            self._check_upload(chat_id, exchange, uploads)
        if errors:
            self.problems.append(f"chat {chat_id}: message {message_id}: "
                                 f"{[shown(m)[:60] for m in errors]}")

    def _check_upload(self, chat_id: int, exchange: Exchange, uploads: int) -> None:
        notices = [shown(m) for m in exchange.of_kind("upload")]
        if len(notices) != 1:
            self.duplicates += max(len(notices) - 1, 0)
            self.problems.append(f"chat {chat_id}: album {exchange.message_id} got "
                                 f"{len(notices)} upload notices: {notices}")
        elif (not notices[0].startswith("Received: ")
              or len(FILE_NAME.findall(notices[0])) != uploads):
            self.problems.append(f"chat {chat_id}: album {exchange.message_id}: "
                                 f"{notices[0]!r}, not {uploads} files received")

    def add_order(self, chat_id: int, by_message: dict[int, Exchange]) -> None:
        """Count the chat's answers shown out of order."""
        late = out_of_order(by_message)
        if late:
            self.out_of_order += late
            self.problems.append(f"chat {chat_id}: {late} answer(s) out of order")

    @property
    def ok(self) -> bool:
        """Every message answered once, in order, without error replies."""
        return not (self.lost or self.duplicates or self.errors or self.out_of_order
                    or self.problems)
