"""Buttons: the core's action buttons (with their values) and link buttons.

An action button's custom id says what it does (`nemobot:export`,
`nemobot:choose:3.1`), so a press on a message sent before a restart still
reaches the bot: one dynamic item, registered at start with
`client.add_dynamic_items`, recognises every such id. Views attached to
outgoing messages only describe the components; they are stopped before
sending so discord.py does not keep one listener per message.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import discord

from core.outgoing import Action, Button, parse_press

CUSTOM_ID_PREFIX = "nemobot:"
LABEL_LIMIT = 80

_STYLES = {Action.EXPORT: discord.ButtonStyle.primary, Action.CANCEL: discord.ButtonStyle.danger}

#: what a press calls: (the interaction, the command the button stands for)
PressHandler = Callable[[discord.Interaction, str], Awaitable[None]]

_TEMPLATE = re.compile(re.escape(CUSTOM_ID_PREFIX) + r"(?P<press>[a-z]+(?::[A-Za-z0-9._-]{1,40})?)")


def _label(text: str) -> str:
    return text if len(text) <= LABEL_LIMIT else text[: LABEL_LIMIT - 1] + "…"


def _button(button: Button) -> discord.ui.Button[Any]:
    assert button.action is not None and button.press is not None
    return discord.ui.Button(label=_label(button.label),
                             style=_STYLES.get(button.action, discord.ButtonStyle.secondary),
                             custom_id=f"{CUSTOM_ID_PREFIX}{button.press}")


def press_item(on_press: PressHandler) -> type[discord.ui.DynamicItem[discord.ui.Button[Any]]]:
    """The dynamic item that hands every press of our buttons to `on_press` (register it
    with `client.add_dynamic_items`)."""

    class Press(discord.ui.DynamicItem[discord.ui.Button[Any]], template=_TEMPLATE):
        def __init__(self, command: str, custom_id: str) -> None:
            super().__init__(discord.ui.Button(label="…", custom_id=custom_id))
            self.command = command

        @classmethod
        async def from_custom_id(cls, interaction: discord.Interaction,
                                 item: discord.ui.Item[Any], match: re.Match[str]) -> Press:
            # a press this version does not know (a button of another version): "" (it is
            # still acknowledged, or Discord tells the user the interaction failed)
            return cls(parse_press(match["press"]) or "", match.group(0))

        async def callback(self, interaction: discord.Interaction) -> None:
            await on_press(interaction, self.command)

    return Press


def build_view(buttons: Sequence[Button]) -> discord.ui.View | None:
    """The components for an outgoing message, or None when there are no buttons."""
    if not buttons:
        return None
    view = discord.ui.View(timeout=None)
    for button in buttons[:25]:
        if button.url:
            view.add_item(discord.ui.Button(label=_label(button.label), url=button.url))
        elif button.press is not None:
            view.add_item(_button(button))
    if not view.children:
        return None
    # presses are answered by the registered dynamic item, not by this instance
    view.stop()
    return view
