"""First contact: the greeting answers at once, with three example requests as buttons,
and the NemoVideo project is set up after it (the user reads while it happens).

The greeting comes with /start, and before the first message of a chat that has no
project yet (its first words to the bot, or its first after a long silence), so a
new user never waits in silence for the set-up.
"""

from __future__ import annotations

import logging

from core.conversation.choices import offer
from core.conversation.middleware import Middleware, StepCall
from core.conversation.projects import Projects
from core.conversation.turn import Turn
from core.i18n import texts
from core.intents import Intent, Step
from core.outgoing import Button

log = logging.getLogger(__name__)

#: the steps that set a project up (and so come after the greeting in a new chat)
_SETTING_UP = frozenset({Intent.AGENT, Intent.UPLOAD})

texts({
    "welcome.examples": {
        "en": "Or tap an example to start. For TikTok, Reels, Shorts or YouTube, choose a "
              "format with /format.",
        "zh": "也可以点一个示例开始。如需抖音、Reels、Shorts 或 YouTube 格式，请用 /format 选择。",
    },
    "example.trim": {"en": "Trim the first 5 seconds", "zh": "剪掉开头 5 秒"},
    "example.music": {"en": "Add cinematic background music", "zh": "添加电影感背景音乐"},
    "example.promo": {"en": "Generate a 30s promo clip", "zh": "生成一个 30 秒的宣传短片"},
})

EXAMPLES = ("example.trim", "example.music", "example.promo")


def greeting(turn: Turn) -> tuple[str, tuple[Button, ...]]:
    """The welcome text and the example buttons (a press sends the example)."""
    examples = [turn.text(key) for key in EXAMPLES]
    text = "\n\n".join([turn.text("welcome"), turn.text("welcome.examples")])
    return text, offer(turn, [(example, example) for example in examples])


async def start(turn: Turn, step: Step, *, projects: Projects) -> None:
    """Greet at once, then set up the project."""
    text, buttons = greeting(turn)
    await turn.send(text, buttons)
    await projects.ensure(turn)


class FirstContact(Middleware):
    """Greets a chat without a project before the first message that sets one up (a
    button press or a command is not a first contact: the user has seen the bot).

    The greeting is a courtesy: a platform that refuses it (after the adapter's own
    retries) costs the greeting only, never the message it came before."""

    async def on_step(self, turn: Turn, step: Step, call_next: StepCall) -> None:
        """Greet first when the chat has no project yet."""
        typed = not turn.message.text.lstrip().startswith("/")
        if step.intent in _SETTING_UP and typed and not turn.session.session_id:
            log.info("chat %s: first contact; greeting before setting up", turn.chat)
            text, buttons = greeting(turn)
            try:
                await turn.send(text, buttons)
            except Exception as exc:  # the message itself is still handled
                log.warning("chat %s: the greeting was not delivered: %r", turn.chat, exc)
        await call_next(turn, step)
