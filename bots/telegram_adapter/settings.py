"""The Telegram bot's settings (TELEGRAM_*), read from the environment and `.env`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import AnyHttpUrl, Field, SecretStr, field_validator

from bots.settings import AdapterSettings, empty_is_unset

#: the ports Telegram posts webhook updates to (https://core.telegram.org/bots/api#setwebhook)
WEBHOOK_PORTS = (443, 80, 88, 8443)


class TelegramSettings(AdapterSettings):
    """What `nemobot telegram` needs besides the core's settings. See `.env.example`."""

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

    @field_validator("telegram_token", "telegram_webhook_url", "telegram_webhook_secret",
                     "telegram_base_url", "telegram_base_file_url", "telegram_shared_dir",
                     mode="before")
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        return empty_is_unset(value)

    @field_validator("telegram_base_url")
    @classmethod
    def _base_url(cls, value: AnyHttpUrl | None) -> AnyHttpUrl | None:
        # the token is appended to it: a bare host would make the token its port
        if value is not None and (value.path or "/").rstrip("/") == "":
            raise ValueError("must end with the path the bot token follows, as in "
                             f"{str(value).rstrip('/')}/bot")
        return value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}",
                                                  value.get_secret_value()):
            raise ValueError("must be 1-256 characters: letters, digits, _ and -")
        return value


def token_refused(config: TelegramSettings, answer: str) -> str:
    """What to tell the operator when the Bot API answers the bot's token with 401 or 404
    (`answer`): Telegram answers 404 to a malformed token, and so does a server reached
    through a wrong TELEGRAM_BASE_URL path."""
    where = "" if config.telegram_base_url is None else \
        ", and the path of TELEGRAM_BASE_URL (Telegram's is https://api.telegram.org/bot)"
    return f"the token was refused ({answer}): check TELEGRAM_TOKEN (from @BotFather){where}"


def webhook_problem(config: TelegramSettings) -> str | None:
    """Why TELEGRAM_WEBHOOK_URL cannot be used: the bot needs its secret, or Telegram
    would refuse the URL (None: neither).

    api.telegram.org posts only to https URLs on ports 443, 80, 88 or 8443; a
    self-hosted Bot API server in local mode (TELEGRAM_LOCAL_MODE) takes any
    http(s) URL and port.
    """
    url = config.telegram_webhook_url
    if url is not None and config.telegram_webhook_secret is None:
        return ("TELEGRAM_WEBHOOK_URL needs TELEGRAM_WEBHOOK_SECRET (letters, digits, _ and "
                "-), so that only Telegram can post updates")
    if url is None or config.telegram_local_mode:
        return None
    if url.scheme != "https":
        return (f"TELEGRAM_WEBHOOK_URL must be an https:// URL ({url.scheme}:// given): "
                "Telegram posts updates over HTTPS only; put a TLS proxy in front")
    if url.port not in WEBHOOK_PORTS:
        return (f"TELEGRAM_WEBHOOK_URL uses port {url.port}, which Telegram does not post "
                f"to: use {', '.join(str(p) for p in WEBHOOK_PORTS)} (the proxy forwards to "
                "TELEGRAM_WEBHOOK_PORT)")
    return None
