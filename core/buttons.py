"""Action buttons (Export, Status, ...) labelled in the reply's language.

A button is built for the turn that shows it, so its label is in that turn's
language; every action has its label here (`button.<action>`).
"""

from __future__ import annotations

from core.i18n import t, texts
from core.outgoing import Action, Button

texts({
    "button.export": {"en": "Export", "zh": "导出"},
    "button.status": {"en": "Status", "zh": "状态"},
    "button.credits": {"en": "Credits", "zh": "积分"},
    "button.new": {"en": "New project", "zh": "新项目"},
    "button.cancel": {"en": "Cancel", "zh": "取消"},
    "button.format": {"en": "Format", "zh": "格式"},
})


def action_button(language: str | None, action: Action, value: str | None = None) -> Button:
    """The button for `action`, labelled in `language`."""
    return Button(t(language, f"button.{action.value}"), action, value=value)


def action_buttons(language: str | None, *actions: Action) -> tuple[Button, ...]:
    """Buttons for `actions`, in order, labelled in `language`."""
    return tuple(action_button(language, action) for action in actions)
