"""The Discord bot's settings (DISCORD_*), read from the environment and `.env`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AnyHttpUrl, AnyUrl, Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import NoDecode

from bots.discord_adapter.commands import permission
from bots.settings import AdapterSettings, empty_is_unset


class DiscordSettings(AdapterSettings):
    """What `nemobot discord` needs besides the core's settings. See `.env.example`."""

    discord_token: SecretStr | None = None
    discord_shards: Literal["auto"] | int | None = Field(
        default=None, description="unset: one connection; 'auto' or N: sharded")
    discord_shard_ids: Annotated[tuple[int, ...], NoDecode] = Field(
        default=(), description="the shards this process runs, of DISCORD_SHARDS; empty: all")
    discord_api_base: AnyHttpUrl | None = Field(default=None, description="REST base, /api/v10")
    discord_gateway_url: AnyUrl | None = None
    discord_new_permission: str | None = Field(
        default=None, description="a permission (manage_messages...) /new needs in servers")

    @field_validator("discord_token", "discord_api_base", "discord_gateway_url",
                     "discord_new_permission", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        return empty_is_unset(value)

    @field_validator("discord_new_permission")
    @classmethod
    def _permission(cls, value: str | None) -> str | None:
        if value is None:
            return None
        name = value.strip().lower()
        permission(name)
        return name

    @field_validator("discord_shards", mode="before")
    @classmethod
    def _shards(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().lower()
            if not value or value == "auto":
                return value or None
            value = int(value) if value.isdigit() else 0
        if isinstance(value, int) and value < 1:
            raise ValueError("must be 'auto' or a number of shards (1 or more)")
        return value

    @field_validator("discord_shard_ids", mode="before")
    @classmethod
    def _shard_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            words = [w.strip() for w in value.split(",") if w.strip()]
            if not all(w.isdigit() for w in words):
                raise ValueError("must be shard numbers separated by commas, e.g. 0,1")
            return tuple(sorted({int(w) for w in words}))
        return value

    @field_validator("discord_shard_ids", mode="after")
    @classmethod
    def _shards_of_the_count(cls, value: tuple[int, ...],
                             info: ValidationInfo) -> tuple[int, ...]:
        if not value:
            return value
        count = info.data.get("discord_shards")
        if not isinstance(count, int):
            raise ValueError("needs DISCORD_SHARDS set to the number of shards of all "
                             "processes together")
        if max(value) >= count:
            raise ValueError(f"must be below DISCORD_SHARDS ({count}): shards are numbered "
                             "from 0")
        return value
