"""First contact: the greeting answers /start at once, with three example requests as
buttons, and the NemoVideo project is set up after it (the user reads while it happens).

A chat without a project (its first words to the bot, or its first after a long
silence) is greeted the same way, at once, before the message that sets one up: in a
group or a Discord channel the first mention is the user's first contact. Where every
conversation opens with /start (Telegram's private chats), a typed request in a chat
without a project comes from a user who has been greeted (their project has expired):
the welcome then heads the answer, in the same message, without the examples, rather
than costing a message of its own against the platform's per-chat and per-bot limits
(with Telegram's one a second per chat, it would hold up the answer). The typing
indicator and the live message's first paint keep that wait from being silent.
"""

from __future__ import annotations

import logging
from pathlib import Path

from core.conversation.choices import offer
from core.conversation.middleware import Middleware, StepCall
from core.conversation.projects import Projects
from core.conversation.turn import Turn
from core.i18n import texts
from core.intents import Intent, Step
from core.messages import ChatKey
from core.outgoing import Button, Outgoing, ProgressReport, Replying, Sent

log = logging.getLogger(__name__)

#: the steps that set a project up (and so come after the greeting in a new chat)
_SETTING_UP = frozenset({Intent.AGENT, Intent.UPLOAD})

texts({
    "welcome.examples": {
        "en": "Or tap an example to start. For TikTok, Reels, Shorts or YouTube, choose a "
              "format with /format.",
        "zh": "也可以点一个示例开始。如需抖音、Reels、Shorts 或 YouTube 格式，请用 /format 选择。",
    },
    "welcome.formats": {
        "en": "For TikTok, Reels, Shorts or YouTube, choose a format with /format.",
        "zh": "如需抖音、Reels、Shorts 或 YouTube 格式，请用 /format 选择。",
    },
    "example.trim": {"en": "Trim the first 5 seconds", "zh": "剪掉开头 5 秒"},
    "example.music": {"en": "Add cinematic background music", "zh": "添加电影感背景音乐"},
    "example.promo": {"en": "Generate a 30s promo clip", "zh": "生成一个 30 秒的宣传短片"},
    "example.sea": {"en": "Generate a 10-second video of the sea at sunset",
                    "zh": "生成一段 10 秒的海上日落视频"},
    "example.what": {"en": "What can you do?", "zh": "你能做什么？"},
})

#: what a chat whose project has a timeline can ask; and one whose project is empty (a
#: first contact): editing an empty timeline would only be told there is nothing to edit
EXAMPLES = ("example.trim", "example.music", "example.promo")
STARTERS = ("example.promo", "example.sea", "example.what")


def greeting(turn: Turn) -> tuple[str, tuple[Button, ...]]:
    """The welcome text and the example buttons (a press sends the example)."""
    keys = EXAMPLES if turn.session.last_draft.is_exportable else STARTERS
    examples = [turn.text(key) for key in keys]
    parts = [turn.text("welcome"), turn.text("welcome.examples")]
    if (addressing := turn.out.addressing(turn.chat, turn.lang)) is not None:
        parts.append(addressing)
    return "\n\n".join(parts), offer(turn, [(example, example) for example in examples])


async def start(turn: Turn, step: Step, *, projects: Projects) -> None:
    """Greet at once, then set up the project."""
    text, buttons = greeting(turn)
    await turn.send(text, buttons)
    await projects.ensure(turn)


def heading(turn: Turn) -> str:
    """The welcome that leads a first contact's answer (no examples: the user has said
    what they want)."""
    return "\n\n".join([turn.text("welcome"), turn.text("welcome.formats")])


class Headed(Replying):
    """A turn's outgoing side whose first message starts with `heading`.

    Edits of that message keep the heading (a live message grows into the answer under
    it). When the first thing sent is a file or a link, the heading goes alone before
    it. A send that fails leaves the heading for the next one."""

    def __init__(self, out: Outgoing, heading: str) -> None:
        super().__init__(out, None)
        self.heading = heading
        #: the message that carries the heading (its id as last sent or edited); None
        #: while the heading waits to be sent
        self.headed: str | None = None

    def _headed(self, text: str) -> str:
        return f"{self.heading}\n\n{text}" if text.strip() else self.heading

    def as_shown(self, text: str, message_id: str | None) -> str:
        """Under the heading in the headed message, or in the next one while the heading
        waits to be sent (a restart that shows a recorded answer keeps the welcome)."""
        if message_id == self.headed:  # both None: the next message carries it
            return super().as_shown(self._headed(text), message_id)
        return super().as_shown(text, message_id)

    async def send_text(self, chat: ChatKey, text: str,
                        buttons: tuple[Button, ...] = (), *, reply_to: str | None = None) -> Sent:
        """The first message carries the heading."""
        if self.headed is not None:
            return await super().send_text(chat, text, buttons, reply_to=reply_to)
        sent = await super().send_text(chat, self._headed(text), buttons, reply_to=reply_to)
        self.headed = sent.message_id
        return sent

    async def edit_text(self, chat: ChatKey, sent: Sent, text: str,
                        buttons: tuple[Button, ...] = ()) -> Sent:
        """An edit of the headed message keeps the heading."""
        if self.headed is None or sent.message_id != self.headed:
            return await super().edit_text(chat, sent, text, buttons)
        edited = await super().edit_text(chat, sent, self._headed(text), buttons)
        self.headed = edited.message_id
        return edited

    async def progress(self, chat: ChatKey, sent: Sent, report: ProgressReport) -> Sent:
        """Progress in the headed message is shown as its text, under the heading."""
        if self.headed is not None and sent.message_id == self.headed:
            return await self.edit_text(chat, sent, report.text, report.buttons)
        return await super().progress(chat, sent, report)

    async def _lead(self, chat: ChatKey, reply_to: str | None) -> None:
        if self.headed is None:
            await self.send_text(chat, "", reply_to=reply_to)

    async def send_file(self, chat: ChatKey, path: Path, filename: str, caption: str = "",
                        buttons: tuple[Button, ...] = (), *, reply_to: str | None = None) -> Sent:
        """The heading first, alone."""
        await self._lead(chat, reply_to)
        return await super().send_file(chat, path, filename, caption, buttons,
                                       reply_to=reply_to)

    async def send_link(self, chat: ChatKey, text: str, url: str, label: str,
                        buttons: tuple[Button, ...] = (), *, reply_to: str | None = None) -> Sent:
        """The heading first, alone."""
        await self._lead(chat, reply_to)
        return await super().send_link(chat, text, url, label, buttons, reply_to=reply_to)

    async def resend_file(self, chat: ChatKey, file_ref: str, caption: str = "",
                          buttons: tuple[Button, ...] = (), *,
                          reply_to: str | None = None) -> Sent:
        """The heading first, alone."""
        await self._lead(chat, reply_to)
        return await super().resend_file(chat, file_ref, caption, buttons, reply_to=reply_to)


class FirstContact(Middleware):
    """Welcomes a chat without a project before the first message that sets one up (a
    button press or a command is not a first contact: the user has seen the bot).

    The greeting comes at once, in a message of its own, except for a typed request
    where the platform opens conversations with /start: its answer comes headed by the
    welcome (see the module docstring). The greeting is a courtesy: a platform that
    refuses it (after the adapter's own retries) costs the greeting only, never the
    message it came before."""

    async def on_step(self, turn: Turn, step: Step, call_next: StepCall) -> None:
        """Welcome first when the chat has no project yet."""
        typed = not turn.message.text.lstrip().startswith("/")
        if not (step.intent in _SETTING_UP and typed and not turn.session.session_id):
            await call_next(turn, step)
            return
        if step.intent is Intent.UPLOAD or not turn.out.opens_with_start(turn.chat):
            log.info("chat %s: first contact; greeting at once", turn.chat)
            text, buttons = greeting(turn)
            try:
                await turn.send(text, buttons)
            except Exception as exc:  # the message itself is still handled
                log.warning("chat %s: the greeting was not delivered: %r", turn.chat, exc)
            await call_next(turn, step)
            return
        log.info("chat %s: no project; the answer comes with the welcome", turn.chat)
        out = turn.out
        turn.out = Headed(out, heading(turn))
        try:
            await call_next(turn, step)
        finally:
            turn.out = out
