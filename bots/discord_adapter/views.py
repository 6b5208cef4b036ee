"""Buttons: the core's quick actions as a persistent view, and link buttons.

Action buttons carry fixed custom ids (`nemobot:export`...), so a press on a
message sent before a restart still reaches the bot: `ActionView` is
registered once with `client.add_view` at start and answers every message's
action buttons. Views attached to outgoing messages only describe the
components; they are stopped before sending so discord.py does not keep one
listener per message.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import discord

from core.outgoing import Action, Button

CUSTOM_ID_PREFIX = "nemobot:"
LABEL_LIMIT = 80

_STYLES = {
    Action.EXPORT: discord.ButtonStyle.primary,
    Action.STATUS: discord.ButtonStyle.secondary,
    Action.CREDITS: discord.ButtonStyle.secondary,
    Action.NEW: discord.ButtonStyle.secondary,
}
_DEFAULT_LABELS = {
    Action.EXPORT: "Export",
    Action.STATUS: "Status",
    Action.CREDITS: "Credits",
    Action.NEW: "New project",
}

#: what a press calls: (the interaction, the action pressed)
PressHandler = Callable[[discord.Interaction, Action], Awaitable[None]]


def custom_id(action: Action) -> str:
    """The fixed custom id of an action's button."""
    return f"{CUSTOM_ID_PREFIX}{action.value}"


def _label(text: str) -> str:
    return text if len(text) <= LABEL_LIMIT else text[: LABEL_LIMIT - 1] + "…"


class _ActionButton(discord.ui.Button[Any]):
    def __init__(self, action: Action, label: str, on_press: PressHandler | None) -> None:
        super().__init__(label=_label(label), style=_STYLES[action], custom_id=custom_id(action))
        self.action = action
        self._on_press = on_press

    async def callback(self, interaction: discord.Interaction) -> None:
        """Hand the press to the adapter."""
        if self._on_press is not None:
            await self._on_press(interaction, self.action)


class ActionView(discord.ui.View):
    """The persistent view behind every action button (no timeout, fixed custom ids)."""

    def __init__(self, on_press: PressHandler) -> None:
        super().__init__(timeout=None)
        for action in Action:
            self.add_item(_ActionButton(action, _DEFAULT_LABELS[action], on_press))


def build_view(buttons: Sequence[Button]) -> discord.ui.View | None:
    """The components for an outgoing message, or None when there are no buttons."""
    if not buttons:
        return None
    view = discord.ui.View(timeout=None)
    for button in buttons[:25]:
        if button.url:
            view.add_item(discord.ui.Button(label=_label(button.label), url=button.url))
        elif button.action is not None:
            view.add_item(_ActionButton(button.action, button.label, None))
    if not view.children:
        return None
    # presses are answered by the registered ActionView, not by this instance
    view.stop()
    return view
