"""The adapters' own settings, loaded together with the core's.

Each adapter keeps its settings in its own class (`TelegramSettings`,
`DiscordSettings`), read like the core's `Settings`: from the environment,
then `.env`, names in any case. `load_settings` validates the core's and an
adapter's together, so that one message names every bad variable of both.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from dotenv import dotenv_values
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


#: each adapter's settings start so: an adapter not run here is not checked
ADAPTER_PREFIXES = {"TelegramSettings": "TELEGRAM_", "DiscordSettings": "DISCORD_"}
#: the core's own prefixes: a variable so named that no setting knows is most likely a typo
CORE_PREFIXES = ("NEMO_", "REDIS_", "RENDER_")
#: what the .env shared with docker compose holds for other services (the local Bot API
#: server's id and hash, see .env.example)
OTHERS = frozenset({"TELEGRAM_API_ID", "TELEGRAM_API_HASH"})


def unknown_settings(classes: Sequence[type[BaseSettings]], *,
                     environ: Mapping[str, str] | None = None,
                     env_file: Path = Path(".env")) -> list[str]:
    """A line for each variable that looks like a setting but is none (a typo, so its
    value is silently unused), with the closest setting: every name in `.env`, and the
    environment's with the settings' prefixes. Adapters not in `classes` are left out."""
    environ = os.environ if environ is None else environ
    known = {name.upper() for cls in classes for name in cls.model_fields}
    ours = (*CORE_PREFIXES, *(prefix for name, prefix in ADAPTER_PREFIXES.items()
                              if any(cls.__name__ == name for cls in classes)))
    others = tuple(p for p in ADAPTER_PREFIXES.values() if p not in ours)
    filed = {k.upper() for k in dotenv_values(env_file)} if env_file.is_file() else set()
    seen = {k.upper() for k in environ if k.upper().startswith(ours)} | {
        k for k in filed if not k.startswith(others)}
    lines = []
    for name in sorted(seen - known - OTHERS):
        near = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
        where = ".env" if name in filed else "the environment"
        lines.append(f"{name} (in {where}) is not a setting"
                     + (f": did you mean {near[0]}?" if near else ""))
    return lines
