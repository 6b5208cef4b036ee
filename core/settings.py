"""Typed settings, read once from the environment and `.env` by the entry point."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import AnyHttpUrl, AnyUrl, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(Exception):
    """Raised when settings are invalid; the message names every bad variable."""


class Settings(BaseSettings):
    """Every setting of the service. See `.env.example` for what each one does."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
    )

    # NemoVideo backend
    nemo_api_url: AnyHttpUrl = AnyHttpUrl("https://mega-api-prod.nemovideo.ai")
    nemo_web_url: AnyHttpUrl = AnyHttpUrl("https://nemovideo.com")
    nemo_token: SecretStr | None = None
    nemo_skill_source: str = Field(default="video-maker-download", min_length=1)
    nemo_skill_version: str = Field(default="1.0.0", min_length=1)
    nemo_skill_platform: str = Field(default="unknown", min_length=1)

    # Timeouts (seconds)
    nemo_connect_timeout: float = Field(default=10.0, gt=0)
    nemo_read_timeout: float = Field(default=60.0, gt=0)
    nemo_sse_timeout: float = Field(default=900.0, gt=0, description="one agent call, at most")
    nemo_heartbeat_timeout: float = Field(default=600.0, gt=0, description="heartbeats only")
    nemo_upload_timeout: float = Field(default=1800.0, gt=0)
    nemo_retry_attempts: int = Field(default=3, ge=0, le=10)
    nemo_retry_backoff: float = Field(default=0.5, ge=0)
    nemo_retry_backoff_max: float = Field(default=8.0, ge=0)
    nemo_rate_limit_wait: float = Field(default=30.0, ge=0, description="429 without Retry-After")

    # Redis: unset means the embedded Redis under the data directory
    redis_url: SecretStr | None = None
    data_dir: Path | None = None

    # Conversation
    session_idle_ttl: int = Field(default=7 * 24 * 3600, gt=0)
    chat_lock_ttl: float = Field(default=30.0, gt=0)
    edit_interval: float = Field(default=1.0, ge=0)
    still_working_interval: float = Field(default=120.0, gt=0)
    recovery_first_wait: float = Field(default=30.0, ge=0)
    recovery_wait: float = Field(default=60.0, ge=0)
    recovery_reads: int = Field(default=5, ge=1)

    # Render polling
    render_first_poll: float = Field(default=2.5, gt=0)
    render_poll_factor: float = Field(default=1.6, ge=1.0)
    render_poll_max: float = Field(default=30.0, gt=0)
    render_timeout: float = Field(default=1200.0, gt=0)
    render_claim_idle: float = Field(default=60.0, gt=0)
    render_poll_min: float = Field(default=1.0, gt=0, description="closest gap between two polls")
    render_attempts: int = Field(default=2, ge=1, le=5, description="renders per export request")
    render_submit_grace: float = Field(default=120.0, gt=0)
    render_edit_step: int = Field(default=10, ge=1, le=100)
    render_edit_interval: float = Field(default=15.0, ge=0)
    render_polls_in_flight: int = Field(default=64, ge=1)
    render_deliveries_in_flight: int = Field(default=8, ge=1)
    render_jobs_per_worker: int = Field(default=5000, ge=1)
    render_retry_after_max: float = Field(
        default=60.0, gt=0, description="longest wait a 429 imposes on one render's polls")
    render_consumer: str | None = Field(
        default=None, description="this worker's name in the render group; unset: derived")

    # Discord bot
    discord_token: SecretStr | None = None
    discord_shards: Literal["auto"] | int | None = Field(
        default=None, description="unset: one connection; 'auto' or N: sharded")
    discord_api_base: AnyHttpUrl | None = Field(default=None, description="REST base, /api/v10")
    discord_gateway_url: AnyUrl | None = None

    # Telegram bot
    telegram_token: SecretStr | None = None
    telegram_webhook_url: AnyHttpUrl | None = Field(
        default=None, description="unset: long polling; set: webhook at this public URL")
    telegram_webhook_secret: SecretStr | None = None
    telegram_webhook_listen: str = "0.0.0.0"  # noqa: S104 (a container's webhook server)
    telegram_webhook_port: int = Field(default=8080, ge=1, le=65535)
    telegram_base_url: AnyHttpUrl | None = Field(
        default=None, description="a self-hosted Bot API server, e.g. http://host:8081/bot")
    telegram_base_file_url: AnyHttpUrl | None = None
    telegram_local_mode: bool = False
    telegram_shared_dir: Path | None = None
    telegram_poll_timeout: int = Field(default=30, ge=0, le=60)
    telegram_album_wait: float = Field(default=1.5, gt=0, le=30)

    log_level: str = "INFO"

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @field_validator("render_consumer", mode="before")
    @classmethod
    def _render_empty_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("discord_token", "discord_api_base", "discord_gateway_url", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("telegram_token", "telegram_webhook_url", "telegram_webhook_secret",
                     "telegram_base_url", "telegram_base_file_url", "telegram_shared_dir",
                     mode="before")
    @classmethod
    def _telegram_empty_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}",
                                                  value.get_secret_value()):
            raise ValueError("must be 1-256 characters: letters, digits, _ and -")
        return value

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

    @property
    def api_url(self) -> str:
        """The API base URL without a trailing slash."""
        return str(self.nemo_api_url).rstrip("/")

    @property
    def web_url(self) -> str:
        """The web app base URL without a trailing slash."""
        return str(self.nemo_web_url).rstrip("/")

    @property
    def attribution_headers(self) -> dict[str, str]:
        """The three headers NemoVideo needs on every request."""
        return {
            "X-Skill-Source": self.nemo_skill_source,
            "X-Skill-Version": self.nemo_skill_version,
            "X-Skill-Platform": self.nemo_skill_platform,
        }


def describe_errors(error: ValidationError) -> str:
    """One message naming every bad variable and why."""
    lines = ["Invalid settings:"]
    for item in error.errors():
        name = "_".join(str(part) for part in item["loc"]).upper() or "(settings)"
        lines.append(f"  {name}: {item['msg']}")
    return "\n".join(lines)


def load_settings(**overrides: Any) -> Settings:
    """Load settings from the environment and `.env`; raise SettingsError when invalid."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError(describe_errors(exc)) from None
