"""Typed settings, read once from the environment and `.env` by the entry point."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit, urlunsplit

import platformdirs
from pydantic import (
    AnyHttpUrl,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from core.access.crypto import check_keys
from core.access.entries import ADMIN_KINDS, ALERT_KINDS, parse_entries, parse_entry
from core.keys import DEFAULT_RENDER_SHARDS
from core.observed_redis import cluster_url

#: a comma-separated list of access entries (`telegram:user:123, discord:role:456`)
Entries = Annotated[tuple[str, ...], NoDecode]

#: the schemes a REDIS_URL may use (redis-py's; redis+cluster:// and rediss+cluster://
#: name a node of a Redis Cluster, see `cluster_url`)
REDIS_SCHEMES = ("redis", "rediss", "unix")


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
        # `NAME=` (as in .env.example) means "not set": the default applies
        env_ignore_empty=True,
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
    nemo_turn_end_grace: float = Field(
        default=5.0, gt=0,
        description="run_sse: how long a stream may stay open after the agent's turn is complete")
    nemo_call_timeout: float = Field(default=120.0, gt=0, description="one API call, at most")
    post_production_watch: float = Field(
        default=60.0, ge=0,
        description="after a generation, how long the backend's own music and title are "
                    "looked for (0: not)")
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
    redis_cluster: bool = Field(
        default=False, description="REDIS_URL names one node of a Redis Cluster")
    data_dir: Path | None = None
    redis_start_wait: float = Field(
        default=5.0, ge=0, description="at start, how long an unreachable Redis is waited for")

    # Conversation
    session_idle_ttl: int = Field(default=7 * 24 * 3600, gt=0)
    chat_lock_ttl: float = Field(default=30.0, gt=0)
    edit_interval: float = Field(default=1.0, ge=0)
    still_working_interval: float = Field(default=120.0, gt=0)
    recovery_first_wait: float = Field(default=30.0, ge=0)
    recovery_wait: float = Field(default=60.0, ge=0)
    recovery_reads: int = Field(default=5, ge=1)
    chat_queue_max: int = Field(
        default=20, ge=1, description="messages waiting in one chat at most; more are refused")
    stop_grace: float = Field(
        default=10.0, ge=0, description="seconds running turns get to finish at a stop")
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
    render_polls_in_flight: int = Field(default=24, ge=1)
    render_deliveries_in_flight: int = Field(default=8, ge=1)
    render_jobs_per_worker: int = Field(default=5000, ge=1)
    render_retry_after_max: float = Field(
        default=60.0, gt=0, description="longest wait a 429 imposes on one render's polls")
    render_consumer: str | None = Field(
        default=None, description="this worker's name in the render group; unset: derived")
    render_shards: int = Field(
        default=DEFAULT_RENDER_SHARDS, ge=1, le=1024,
        description="render streams per platform; the same in every process")

    # Who may use the bot and how much (empty: everyone, unlimited)
    allow: Entries = ()
    block: Entries = ()
    admins: Entries = ()
    quota_messages_per_hour: int | None = Field(default=None, ge=0)
    quota_renders_per_day: int | None = Field(default=None, ge=0)
    quota_credits_per_month: int | None = Field(default=None, ge=0)
    # Operator alerts
    alert_chat: str | None = None
    alert_credits_below: int | None = Field(default=None, ge=0)
    alert_check_interval: float = Field(default=60.0, gt=0)
    # Fernet keys (comma-separated; the first encrypts) for the tokens kept in Redis
    secret_key: SecretStr | None = None

    # Operations
    metrics_port: int | None = Field(
        default=None, ge=1, le=65535, description="/healthz, /readyz, /metrics; unset: off")
    metrics_listen: str = "0.0.0.0"  # noqa: S104 (a container's metrics server)
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"

    @model_validator(mode="before")
    @classmethod
    def _blank_is_unset(cls, values: Any) -> Any:
        return drop_blank(values)

    @field_validator("log_format", mode="before")
    @classmethod
    def _format_lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            check_redis_url(value.get_secret_value())
        return value

    @model_validator(mode="after")
    def _redis_cluster_url(self) -> Settings:
        if self.redis_cluster and self.redis_url is not None:
            try:
                check_redis_url(self.redis_url.get_secret_value(), cluster=True)
            except ValueError as exc:
                raise ValueError(f"REDIS_URL (REDIS_CLUSTER=true): {exc}") from None
        return self

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

    @field_validator("quota_messages_per_hour", "quota_renders_per_day",
                     "quota_credits_per_month", "alert_chat", "alert_credits_below",
                     "secret_key", mode="before")
    @classmethod
    def _access_empty_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("allow", "block", "admins", mode="before")
    @classmethod
    def _entries(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, str):
            kinds = ADMIN_KINDS if info.field_name == "admins" else None
            return parse_entries(value, allowed=kinds)
        return value

    @field_validator("alert_chat")
    @classmethod
    def _alert_chat(cls, value: str | None) -> str | None:
        return parse_entry(value, allowed=ALERT_KINDS) if value is not None else None

    @field_validator("secret_key")
    @classmethod
    def _fernet_keys(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            check_keys(value.get_secret_value())
        return value

    @property
    def redis_shown(self) -> str:
        """REDIS_URL without its password (for messages), or "the embedded Redis"."""
        if self.redis_url is None:
            return "the embedded Redis"
        return redis_url_shown(self.redis_url.get_secret_value())

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


def drop_blank(values: Any) -> Any:
    """Settings given as empty or blank strings left out, so that their defaults apply."""
    if not isinstance(values, dict):
        return values
    return {k: v for k, v in values.items() if not (isinstance(v, str) and not v.strip())}


def check_redis_url(url: str, *, cluster: bool = False) -> None:
    """Raise ValueError (never quoting the URL: it may hold a password) unless `url` is
    a Redis URL redis-py can use (of a Redis Cluster's node, with `cluster`)."""
    url, named = cluster_url(url)
    cluster = cluster or named
    parts = urlsplit(url)
    if parts.scheme not in REDIS_SCHEMES:
        raise ValueError("must be a redis://, rediss:// or unix:// URL, "
                         "e.g. redis://localhost:6379/0")
    if cluster and parts.scheme == "unix":
        raise ValueError("a Redis Cluster is reached over TCP: redis+cluster://host:port")
    try:
        parts.port  # noqa: B018 (raises for a port that is not a number)
    except ValueError:
        raise ValueError("has a port that is not a number from 0 to 65535") from None
    if parts.scheme == "unix":
        if not parts.path:
            raise ValueError("a unix:// URL needs the socket's path, e.g. unix:///run/redis.sock")
        return
    if not parts.hostname:
        raise ValueError("needs a host, e.g. redis://localhost:6379/0")
    database = parts.path.strip("/")
    if database and not database.isdigit():
        raise ValueError("must name a database by its number, e.g. redis://localhost:6379/0")
    if cluster and database not in ("", "0"):
        raise ValueError("a Redis Cluster has database 0 only")


def redis_url_shown(url: str) -> str:
    """A Redis URL with its password (and user name) replaced by '***', in the address
    and in the query (`?password=`, which redis-py takes too)."""
    parts = urlsplit(url)
    query = "&".join(
        f"{name}=***" if name.lower() in _SECRET_PARAMS else f"{name}{sep}{value}"
        for name, sep, value in (item.partition("=") for item in parts.query.split("&"))
    ) if parts.query else ""
    netloc = parts.netloc
    if parts.password is not None or parts.username is not None:
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        netloc = f"***@{host}" + (f":{parts.port}" if parts.port is not None else "")
    if (netloc, query) == (parts.netloc, parts.query):
        return url
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


#: query parameters of a Redis URL that hold a secret
_SECRET_PARAMS = frozenset({"password", "username"})


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
