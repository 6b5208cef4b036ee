"""Typed settings, read once from the environment and `.env` by the entry point."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import platformdirs
from pydantic import AnyHttpUrl, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(Exception):
    """Raised when settings are invalid; the message names every bad variable."""


class Settings(BaseSettings):
    """The core's settings (each platform adapter reads its own). See `.env.example` for
    what each one does."""

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
    nemo_first_event_timeout: float = Field(
        default=120.0, gt=0, description="run_sse: the answer and its first event")
    nemo_call_timeout: float = Field(default=120.0, gt=0, description="one API call, at most")
    nemo_download_timeout: float = Field(default=3600.0, gt=0, description="one download")
    nemo_upload_timeout: float = Field(default=1800.0, gt=0)
    nemo_retry_attempts: int = Field(default=3, ge=0, le=10)
    nemo_retry_backoff: float = Field(default=0.5, ge=0)
    nemo_retry_backoff_max: float = Field(default=8.0, ge=0)
    nemo_rate_limit_wait: float = Field(default=30.0, ge=0, description="429 without Retry-After")
    nemo_retry_after_max: float = Field(default=60.0, ge=0, description="longest 429 wait")

    # Largest answers read from NemoVideo
    nemo_max_json_bytes: int = Field(default=8 * 1024 * 1024, ge=1024)
    nemo_max_event_bytes: int = Field(default=1024 * 1024, ge=1024, description="one SSE event")
    nemo_max_answer_chars: int = Field(default=200_000, ge=1, description="one agent answer")

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
    answer_delivery_patience: float = Field(
        default=120.0, ge=0, description="retrying an answer the platform refused")

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

    @property
    def data_home(self) -> Path:
        """Where this process keeps local data (the embedded Redis, render consumer slots):
        DATA_DIR, else the user's data directory."""
        return self.data_dir or Path(platformdirs.user_data_dir("nemobot"))

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
