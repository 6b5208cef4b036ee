"""`nemobot check`: is everything a bot needs there? Settings, Redis, NemoVideo, platforms.

Prints one row per check (ok, FAIL, or - when not configured) and exits with
status 1 when a check failed (2 when the settings are invalid). Nothing is
changed anywhere: Redis is only pinged, NemoVideo asked for the credit
balance, and each platform whose token is set asked who the bot is.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
from redis.asyncio.cluster import RedisCluster

from bots.discord_adapter.settings import DiscordSettings
from bots.settings import load_all, unknown_settings
from bots.telegram_adapter.settings import TelegramSettings, token_refused, webhook_problem
from core.embedded_redis import EmbeddedRedisError, find_redis_server
from core.keys import Keys
from core.migrate import stranded_renders
from core.observed_redis import redis_client
from core.operations import (
    A_CLUSTER,
    NOT_A_CLUSTER,
    check_nemo,
    json_object,
    not_a_cluster,
    redis_answers,
)
from core.settings import Settings, SettingsError

#: seconds each platform API may take to answer
PLATFORM_TIMEOUT = 10.0
TELEGRAM_API = "https://api.telegram.org/bot"
DISCORD_API = "https://discord.com/api/v10"


@dataclass(frozen=True)
class Row:
    """One check's outcome: status is "ok", "FAIL" or "-" (not configured)."""

    name: str
    status: str
    detail: str


async def check_redis(settings: Settings) -> Row:
    """REDIS_URL answers PING; unset: the embedded server can be started."""
    if settings.redis_url is None:
        try:
            path = find_redis_server()
        except EmbeddedRedisError as exc:
            return Row("redis", "FAIL", str(exc))
        return Row("redis", "ok", f"embedded ({path}), data under {settings.data_home}")
    redis = redis_client(settings.redis_url.get_secret_value(), cluster=settings.redis_cluster)
    try:
        await redis_answers(redis, max(1.0, min(settings.redis_start_wait, 5.0)))
        info = await redis.info("server")
        stranded = await stranded_renders(redis, Keys(render_shards=settings.render_shards))
    except Exception as exc:
        if not_a_cluster(exc):
            return Row("redis", "FAIL", f"{settings.redis_shown} {NOT_A_CLUSTER}")
        return Row("redis", "FAIL", f"{settings.redis_shown} does not answer "
                   f"({type(exc).__name__}: {str(exc)[:160]})")
    finally:
        await redis.aclose()
    mode = ", cluster" if info.get("redis_mode") == "cluster" else ""
    if mode and not isinstance(redis, RedisCluster):
        return Row("redis", "FAIL", f"{settings.redis_shown} {A_CLUSTER}")
    answers = f"{settings.redis_shown} answers (Redis {info.get('redis_version', '?')}{mode})"
    if stranded:
        return Row("redis", "WARN", f"{answers}, but {stranded} render(s) wait on render "
                   "streams of an earlier version or another RENDER_SHARDS: run `nemobot "
                   "migrate` with the bots stopped")
    return Row("redis", "ok", answers)


async def check_nemovideo(settings: Settings) -> Row:
    """NemoVideo answers, and takes NEMO_TOKEN when it is set."""
    verdict = await check_nemo(settings)
    return Row("nemovideo", "ok" if verdict.ok else "FAIL", verdict.detail)


async def check_telegram(config: TelegramSettings, http: httpx.AsyncClient) -> Row:
    """getMe with TELEGRAM_TOKEN; the webhook settings are valid."""
    if config.telegram_token is None:
        return Row("telegram", "-", "TELEGRAM_TOKEN not set")
    token = config.telegram_token.get_secret_value()
    base = str(config.telegram_base_url).rstrip("/") if config.telegram_base_url else \
        TELEGRAM_API
    api = base.removesuffix("/bot")
    try:
        response = await http.get(f"{base}{token}/getMe")
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        return Row("telegram", "FAIL", f"cannot reach the Bot API at {api} "
                   f"({type(exc).__name__})".replace(token, "<TELEGRAM_TOKEN>"))
    body = json_object(response) or {}
    said = f"HTTP {response.status_code} {response.reason_phrase}"
    if response.status_code in (401, 404):  # worded as `nemobot telegram` words it
        said = str(body.get("description")
                   or f"{response.reason_phrase} ({response.status_code})")
        refused = token_refused(config, said)
        return Row("telegram", "FAIL", refused.replace(token, "<TELEGRAM_TOKEN>"))
    if not body.get("ok"):
        said = str(body.get("description") or said)
        return Row("telegram", "FAIL", f"{api} does not answer as the Bot API ({said}): "
                   "check TELEGRAM_BASE_URL".replace(token, "<TELEGRAM_TOKEN>"))
    problem = webhook_problem(config)
    if problem:
        return Row("telegram", "FAIL", problem)
    mode = f"webhook {config.telegram_webhook_url}" if config.telegram_webhook_url else \
        "long polling"
    return Row("telegram", "ok", f"@{body['result'].get('username', '?')} ({mode})")


async def check_discord(config: DiscordSettings, http: httpx.AsyncClient) -> Row:
    """GET /users/@me with DISCORD_TOKEN."""
    if config.discord_token is None:
        return Row("discord", "-", "DISCORD_TOKEN not set")
    base = str(config.discord_api_base).rstrip("/") if config.discord_api_base else DISCORD_API
    try:
        response = await http.get(f"{base}/users/@me", headers={
            "Authorization": f"Bot {config.discord_token.get_secret_value()}"})
    except httpx.HTTPError as exc:
        return Row("discord", "FAIL", f"cannot reach the Discord API at {base} "
                   f"({type(exc).__name__})")
    if response.status_code == 401:
        return Row("discord", "FAIL", "DISCORD_TOKEN was refused (HTTP 401)")
    if response.status_code != 200:
        return Row("discord", "FAIL", f"the Discord API answered HTTP {response.status_code}")
    user = json_object(response)
    if user is None:
        return Row("discord", "FAIL", f"{base} does not answer as the Discord API (its answer "
                   "is no JSON object): check DISCORD_API_BASE")
    return Row("discord", "ok", f"{user.get('username', '?')} (id {user.get('id', '?')})")


async def _checks(settings: Settings, telegram: TelegramSettings,
                  discord: DiscordSettings) -> list[Row]:
    async with httpx.AsyncClient(timeout=PLATFORM_TIMEOUT) as http:
        checks: list[Awaitable[Row]] = [
            check_redis(settings), check_nemovideo(settings),
            check_telegram(telegram, http), check_discord(discord, http)]
        return list(await asyncio.gather(*checks))


def table(rows: list[Row]) -> str:
    """The rows as an aligned table."""
    width = max(len(r.name) for r in rows)
    return "\n".join(f"{r.name:<{width}}  {r.status:<4}  {r.detail}" for r in rows)


def run_check(out: Callable[[str], None] = print) -> int:
    """`nemobot check`: the exit status (0 all fine, 1 something is off, 2 bad settings)."""
    try:
        settings, (telegram, discord) = load_all(TelegramSettings, DiscordSettings)
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    assert isinstance(telegram, TelegramSettings) and isinstance(discord, DiscordSettings)
    unknown = unknown_settings([Settings, TelegramSettings, DiscordSettings])
    verdict = Row("settings", "WARN", "valid; " + "; ".join(unknown)) if unknown else \
        Row("settings", "ok", "valid")
    rows = [verdict, *asyncio.run(_checks(settings, telegram, discord))]
    out(table(rows))
    return 1 if any(r.status == "FAIL" for r in rows) else 0
