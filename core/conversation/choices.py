"""Options offered as buttons ("add a title", "keep the music", an answer to the agent's
question): pressing one is the same as typing its text.

A button carries only a short reference (`/choose <offer>.<index>`); the texts stay in
the chat's session, so any text fits behind a button on every platform. A press on an
older offer than the chat's last one is refused politely: its options may no longer
make sense. Offers made while answering one message (the greeting's examples, then the
options under the agent's answer) are all the last one: each stays valid until one of
them is pressed; a second press (a double tap) is told one was chosen already.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from core.conversation.middleware import Middleware, StepCall
from core.conversation.turn import Turn
from core.intents import Intent, Step, route
from core.outgoing import Action, Button

log = logging.getLogger(__name__)

#: buttons a platform shows comfortably under one message
MAX_OPTIONS = 8
#: what only a message itself may ask for (they act on arrival, outside the queue)
_ON_ARRIVAL = frozenset({Intent.CANCEL, Intent.LINK})


def offer(turn: Turn, options: Sequence[tuple[str, str]]) -> tuple[Button, ...]:
    """Buttons for `(label, text)` options; a press sends the option's text. Recorded in
    the turn's session (saved with it), replacing the chat's previous offer unless that
    one was made for the same message (then both stay valid)."""
    kept = list(options)[:MAX_OPTIONS]
    previous = turn.session.choices
    number = int(previous.get("v", 0)) + 1
    message = turn.message.message_id
    same: dict[str, list[str]] = {}
    if previous.get("message") == message and previous.get("options"):
        same = {**previous.get("same", {}), str(previous["v"]): previous["options"]}
    turn.session.choices = {"v": number, "options": [text for _, text in kept],
                            "message": message, **({"same": same} if same else {})}
    return tuple(Button(label, Action.CHOOSE, value=f"{number}.{index}")
                 for index, (label, _) in enumerate(kept))


def chosen(turn: Turn, value: str) -> str | None:
    """The text of the option a press names, or None when its offer is not the last one
    (nor one made with it, for the same message)."""
    number, _, index = value.partition(".")
    if not (number.isdigit() and index.isdigit()):
        return None
    offered = turn.session.choices
    if int(number) == offered.get("v"):
        options = offered.get("options") or []
    else:
        options = (offered.get("same") or {}).get(number) or []
    return options[int(index)] if int(index) < len(options) else None


class Choices(Middleware):
    """Turns a pressed option into the steps its text asks for, each passing the rest of
    the chain as if the user had typed it."""

    async def on_step(self, turn: Turn, step: Step, call_next: StepCall) -> None:
        """Resolve `/choose` steps; pass the others."""
        if step.intent is not Intent.CHOOSE:
            await call_next(turn, step)
            return
        text = chosen(turn, step.text.strip())
        if text is None:
            log.info("chat %s: a press on an outdated offer (%s)", turn.chat, step.text)
            used = step.text.strip().partition(".")[0] == str(turn.session.choices.get("v"))
            said = turn.text("choice_used" if used else "choice_expired")
            if not await turn.out.answer_press(turn.chat, turn.message.message_id, said):
                await turn.send(said)  # said to its presser alone where the platform can
            return
        turn.session.choices = {"v": turn.session.choices.get("v", 0)}  # used once
        for resolved in route(text):
            if resolved.intent in _ON_ARRIVAL:
                log.warning("chat %s: an option may not stand for %s", turn.chat, text)
                continue
            await call_next(turn, resolved)
