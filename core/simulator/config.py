"""The simulator's configuration: one mutable dataclass, changeable while it runs."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class ConfigError(ValueError):
    """A config change names an unknown key or gives a value of the wrong type."""


_CHOICES: dict[str, tuple[str, ...]] = {
    "sse_shape": ("adk", "tagged"),
    "poll_shape": ("top", "wrapped", "bare"),
    "silent_edits": ("auto", "always", "never"),
    "post_production": ("stream", "after"),
}

_NON_NEGATIVE = {
    "heartbeat_interval",
    "agent_delay",
    "generation_delay",
    "post_production_delay",
    "render_seconds",
    "token_ttl",
    "anon_window",
    "anon_per_ip_limit",
    "anon_per_client_limit",
    "initial_credits",
    "max_upload_bytes",
    "edit_cost",
    "generation_cost",
    "fetch_timeout",
}


@dataclass
class SimConfig:
    """Everything that shapes the simulator's behaviour (see docs/simulator.md).

    Handlers read it on every request, so a test may change a field of a running
    simulator (`sim.config.sse_shape = "tagged"`) or POST to `/_sim/config`.
    `fetch_timeout` is read once, when the simulator starts.
    """

    sse_shape: str = "adk"
    poll_shape: str = "top"
    heartbeat_interval: float = 1.0
    heartbeat_empty: bool = False
    silent_edits: str = "auto"
    agent_delay: float = 0.0
    generation_delay: float = 0.0
    post_production: str = "stream"
    post_production_delay: float = 2.0
    render_seconds: float = 1.0
    render_width: int = 1920
    render_height: int = 1080
    render_concurrency: int = 2
    token_ttl: int = 604800
    anon_window: int = 604800
    anon_per_ip_limit: int = 10
    anon_per_client_limit: int = 1
    anon_can_export: bool = True
    anon_names_user: bool = True
    operator_tokens: list[str] = field(default_factory=list)
    initial_credits: int = 100
    edit_cost: int = 50
    generation_cost: int = 100
    max_upload_bytes: int = 524288000
    fetch_timeout: float = 30.0
    error_http_status: bool = False
    public_url: str | None = None

    def __post_init__(self) -> None:
        self.update(self.to_dict())

    def to_dict(self) -> dict[str, Any]:
        """The config as plain JSON-able values, operator tokens included."""
        return dataclasses.asdict(self)

    def public_dict(self) -> dict[str, Any]:
        """The config as `/_sim/config` shows it: operator tokens are redacted."""
        values = self.to_dict()
        values["operator_tokens"] = ["***"] * len(self.operator_tokens)
        return values

    def update(self, changes: Mapping[str, Any]) -> None:
        """Validate and apply a partial change; nothing is applied if any key is bad."""
        hints = typing.get_type_hints(SimConfig)
        checked: dict[str, Any] = {}
        for key, value in changes.items():
            if key not in hints:
                raise ConfigError(f"unknown config key {key!r}")
            checked[key] = _check(key, hints[key], value)
        for key, value in checked.items():
            setattr(self, key, value)


def _check(key: str, hint: Any, value: Any) -> Any:
    """Return `value` converted to the field's type, or raise ConfigError."""
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{key} must be true or false")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{key} must be an integer")
        if key in _NON_NEGATIVE and value < 0:
            raise ConfigError(f"{key} must not be negative")
        if key in ("render_width", "render_height") and (value < 16 or value > 4096 or value % 2):
            raise ConfigError(f"{key} must be an even number between 16 and 4096")
        if key == "render_concurrency" and value < 1:
            raise ConfigError("render_concurrency must be at least 1")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{key} must be a number")
        if key in _NON_NEGATIVE and value < 0:
            raise ConfigError(f"{key} must not be negative")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{key} must be a string")
        if key in _CHOICES and value not in _CHOICES[key]:
            raise ConfigError(f"{key} must be one of {', '.join(_CHOICES[key])}")
        return value
    if hint == list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise ConfigError(f"{key} must be a list of non-empty strings")
        return list(value)
    if hint == str | None:
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"{key} must be a string or null")
        return value.rstrip("/") if isinstance(value, str) else None
    raise ConfigError(f"{key} cannot be changed")  # pragma: no cover - every field is typed above
