"""The adapters' own settings, loaded together with the core's.

Each adapter keeps its settings in its own class (`TelegramSettings`,
`DiscordSettings`), read like the core's `Settings`: from the environment,
then `.env`, names in any case. `load_settings` validates the core's and an
adapter's together, so that one message names every bad variable of both.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import ValidationError, model_validator
from pydantic_settings import BaseSettings

from core.settings import Settings, SettingsError, describe_errors, drop_blank

A = TypeVar("A", bound=BaseSettings)


class AdapterSettings(BaseSettings):
    """The base of an adapter's settings: the same sources and rules as the core's."""

    model_config = Settings.model_config.copy()

    @model_validator(mode="before")
    @classmethod
    def _blank_is_unset(cls, values: Any) -> Any:
        return drop_blank(values)


def empty_is_unset(value: Any) -> Any:
    """An empty (or blank) variable means "not set" (for optional settings)."""
    return None if isinstance(value, str) and not value.strip() else value


def load_settings(adapter: type[A]) -> tuple[Settings, A]:
    """The core's settings and `adapter`'s, from the environment and `.env`.

    Raises SettingsError with one message naming every bad variable of both.
    """
    core, (own,) = load_all(adapter)
    assert isinstance(own, adapter)
    return core, own


def load_all(*adapters: type[BaseSettings]) -> tuple[Settings, list[BaseSettings]]:
    """The core's settings and each adapter's; SettingsError names every bad variable."""
    errors: list[ValidationError] = []
    core: Settings | None = None
    owns: list[BaseSettings] = []
    try:
        core = Settings()
    except ValidationError as exc:
        errors.append(exc)
    for adapter in adapters:
        try:
            owns.append(adapter())
        except ValidationError as exc:
            errors.append(exc)
    if core is None or errors:
        lines = ["Invalid settings:"]
        for error in errors:
            lines.extend(describe_errors(error).splitlines()[1:])
        raise SettingsError("\n".join(lines))
    return core, owns
