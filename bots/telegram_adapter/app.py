"""Starting and stopping the Telegram bot: application, runtime, render worker, updates.

`open_telegram_bot` is the whole bot as an async context manager (the tests
drive it against a fake Bot API server); `run_telegram` is `nemobot telegram`.

Updates come by long polling unless `TELEGRAM_WEBHOOK_URL` is set. Polling
allows exactly one process per bot token (Telegram answers a second poller
with a conflict). In webhook mode every replica runs a webhook server
(`webhook`: it refuses requests without `TELEGRAM_WEBHOOK_SECRET`, and answers an
update only once its message is safe in Redis) and registers the same URL; a
load balancer spreads the updates. Nothing a replica needs lives in its
memory: chats' queues and locks, albums being gathered and render jobs are in
Redis, and every replica runs a render worker of the shared consumer group.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlsplit

from telegram.error import BadRequest, Conflict, InvalidToken, NetworkError, TelegramError
from telegram.ext import ApplicationBuilder

from bots.common import lifecycle
from bots.common.lifecycle import serving
from core.peers import Peers, counted
from core.renders import RenderWorker
from core.runtime import Runtime, instance_name, open_runtime
from core.screening import RewriteLogs
from core.settings import Settings
from core.startup import StartupError

from .albums import AlbumGatherer
from .errors import error_text
from .flood import FloodControl
from .handlers import ALLOWED_UPDATES, AnyApplication, TelegramAdapter
from .inbound import CLOUD_DOWNLOAD_LIMIT, PLATFORM, TelegramFiles, register_attachments
from .menus import Menus
from .outbound import TelegramOutput
from .polling import PollingRequest, QuietCleanup
from .settings import TelegramSettings, token_refused, webhook_problem
from .webhook import WebhookServer

log = logging.getLogger(__name__)


def base_urls(config: TelegramSettings) -> tuple[str | None, str | None]:
    """The Bot API and file base URLs of a self-hosted server (None: api.telegram.org).

    Without TELEGRAM_BASE_FILE_URL, a base URL ending in `/bot` gets the same server's
    `/file/bot`.
    """
    base = str(config.telegram_base_url).rstrip("/") if config.telegram_base_url else None
    files = (str(config.telegram_base_file_url).rstrip("/")
             if config.telegram_base_file_url else None)
    if base and not files and base.endswith("/bot"):
        files = base.removesuffix("/bot") + "/file/bot"
    return base, files


def build_application(config: TelegramSettings, flood: FloodControl | None = None,
                      polling: PollingRequest | None = None) -> AnyApplication:
    """A PTB Application for TELEGRAM_TOKEN: concurrent updates, flood control (Telegram's
    limits unless `flood` is given), the configured Bot API server, getUpdates through
    `polling` (which tells whether it gets answers)."""
    if config.telegram_token is None:
        raise ValueError("TELEGRAM_TOKEN is not set")
    builder: Any = (
        ApplicationBuilder()
        .token(config.telegram_token.get_secret_value())
        .concurrent_updates(True)
        .rate_limiter(flood or FloodControl())
        .local_mode(config.telegram_local_mode)
        .connect_timeout(10)
        .read_timeout(30)
        .write_timeout(30)
        .pool_timeout(10)
        .get_updates_request(polling or polling_request(config))
    )
    base, files = base_urls(config)
    if base:
        builder = builder.base_url(base)
    if files:
        builder = builder.base_file_url(files)
    return cast(AnyApplication, builder.build())



def polling_request(config: TelegramSettings) -> PollingRequest:
    """getUpdates' connection: one, read for as long as a long poll lasts."""
    return PollingRequest(connection_pool_size=1, read_timeout=config.telegram_poll_timeout + 10)


def admin_ids(settings: Settings, platform: str) -> list[int]:
    """The Telegram user ids among ADMINS."""
    prefix = f"{platform}:user:"
    return [int(e.removeprefix(prefix)) for e in settings.admins if e.startswith(prefix)]


@dataclass
class TelegramBot:
    """A running bot: its application, adapter, outgoing side, runtime and render worker."""

    app: AnyApplication
    adapter: TelegramAdapter
    out: TelegramOutput
    runtime: Runtime
    worker: RenderWorker
    webhook_url: str | None = None


@contextlib.asynccontextmanager
async def open_telegram_bot(settings: Settings, config: TelegramSettings, *,
                            stop_grace: float | None = None,
                            flood: FloodControl | None = None,
                            probe_backend: bool = False) -> AsyncIterator[TelegramBot]:
    """Identify the bot, publish its commands, take updates, and serve until the block ends.

    `settings` are the core's, `config` the bot's own (TELEGRAM_*); `flood` replaces
    the flood control that follows Telegram's limits (a fake Bot API has none);
    `probe_backend` warns once at start when NemoVideo is unreachable.

    On exit: no new updates are taken, messages being handled get `stop_grace`
    seconds (None: the STOP_GRACE setting), and the render worker stops (its jobs stay
    queued for the next start).
    """
    flood = flood or FloodControl()
    polling = polling_request(config)
    app = build_application(config, flood, polling)
    local = config.telegram_local_mode
    out = TelegramOutput(app.bot, local_mode=local,
                         menus=Menus(app.bot, admin_ids(settings, PLATFORM)))
    async with contextlib.AsyncExitStack() as stack:
        tmp_dir = config.telegram_shared_dir if local else None
        if tmp_dir is not None:
            tmp_dir.mkdir(parents=True, exist_ok=True)
        runtime = await stack.enter_async_context(
            open_runtime(settings, out, platform=PLATFORM, tmp_dir=tmp_dir,
                         probe_backend=probe_backend))
        # the bot-wide limits are the bot's: each process sending as it keeps to its part
        peers = Peers(runtime.redis, runtime.keys.senders(PLATFORM), instance_name())
        await stack.enter_async_context(counted(peers, flood.share))
        adapter = _install_adapter(app, runtime, out, config)
        await _initialize(app)
        stack.push_async_callback(app.shutdown)
        await adapter.publish_commands(admin_ids(settings, PLATFORM))
        await app.start()
        webhook = _webhook_server(app, adapter, config)
        try:
            await _take_updates(app, config, webhook)
        except BaseException:
            await app.stop()
            raise
        # no new updates at the end; those already taken are handed to the adapter
        # (app.stop processes PTB's queue; the webhook's answers in flight end), whose
        # work gets stop_grace to reach the dispatcher
        runtime.health.add(PLATFORM, lambda: _taking_updates(app, webhook, polling))
        adapter.start_sweeping()
        async with serving(runtime, adapter.tasks, grace=stop_grace,
                           stop_taking=lambda: _stop_updates(app, adapter, webhook)):
            yield TelegramBot(app, adapter, out, runtime, runtime.worker,
                              str(config.telegram_webhook_url) if webhook else None)


def _install_adapter(app: AnyApplication, runtime: Runtime, out: TelegramOutput,
                     config: TelegramSettings) -> TelegramAdapter:
    """The adapter, with Telegram's files as attachments and albums gathered in Redis."""
    local = config.telegram_local_mode
    files = TelegramFiles(app.bot, runtime.nemo.http, local_mode=local)
    register_attachments(runtime.codec, files)
    albums = AlbumGatherer(runtime.redis, runtime.codec, wait=config.telegram_album_wait,
                           keys=runtime.keys)
    adapter = TelegramAdapter(app, runtime.dispatcher, out, files, albums,
                              download_limit=None if local else CLOUD_DOWNLOAD_LIMIT)
    adapter.install()
    return adapter


async def _initialize(app: AnyApplication) -> None:
    """Initialize the application (getMe: checks the token), closing its client on failure."""
    try:
        await app.initialize()
    except BaseException:
        await app.bot.request.shutdown()  # PTB leaves its client open when this fails
        raise


def _webhook_server(app: AnyApplication, adapter: TelegramAdapter,
                    config: TelegramSettings) -> WebhookServer | None:
    """The webhook server of webhook mode (None: long polling)."""
    url = config.telegram_webhook_url
    if url is None:
        return None
    secret = config.telegram_webhook_secret
    return WebhookServer(app, adapter.arrivals, listen=config.telegram_webhook_listen,
                         port=config.telegram_webhook_port, path=urlsplit(str(url)).path,
                         secret=secret.get_secret_value() if secret is not None else None,
                         closing=lambda: adapter.tasks.closing)


#: seconds long polling gets to stop (the poll in flight, the last offset confirmed)
STOP_POLLING_WAIT = 5.0


def _taking_updates(app: AnyApplication, webhook: WebhookServer | None,
                    polling: PollingRequest) -> bool:
    """Readiness: the application runs and takes updates (the webhook server runs, or
    long polling gets answers)."""
    if webhook is not None:
        return bool(app.running and webhook.running)
    return bool(app.running and app.updater is not None and app.updater.running
                and not polling.failing)


async def _stop_updates(app: AnyApplication, adapter: TelegramAdapter,
                        webhook: WebhookServer | None) -> None:
    await adapter.stop_sweeping()
    if webhook is not None:
        await webhook.stop()
    if app.updater is not None and app.updater.running:
        # the poll in flight ends, then one getUpdates confirms what was taken; with the
        # Bot API unreachable that waits out its timeouts: the updates taken come again
        # after a restart instead (and are taken once: see the inbox)
        try:
            await asyncio.wait_for(app.updater.stop(), STOP_POLLING_WAIT)
        except TimeoutError:
            log.info("telegram: polling did not stop within %g s; the last updates may be "
                     "delivered again after a restart", STOP_POLLING_WAIT)
    await app.stop()


async def _take_updates(app: AnyApplication, config: TelegramSettings,
                        webhook: WebhookServer | None) -> None:
    """Start long polling, or the webhook server (then register the webhook)."""
    updater = app.updater
    if webhook is None:
        if updater is None:
            raise RuntimeError("the Application was built without an Updater")
        await updater.start_polling(
            timeout=config.telegram_poll_timeout, poll_interval=0,
            allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False,
            error_callback=_polling_error)
        log.info("telegram: long polling as @%s", app.bot.username)
        return
    try:
        await webhook.start()
    except OSError as exc:
        raise StartupError(
            f"TELEGRAM_WEBHOOK_PORT {webhook.port} cannot be used on {webhook.listen} "
            f"({exc.strerror or exc}): choose a free port") from exc
    try:
        await app.bot.set_webhook(str(config.telegram_webhook_url),
                                  secret_token=webhook.secret,
                                  allowed_updates=ALLOWED_UPDATES, max_connections=40,
                                  drop_pending_updates=False)
    except BaseException:
        await webhook.stop()
        raise
    log.info("telegram: webhook for @%s on %s:%d", app.bot.username,
             config.telegram_webhook_listen, config.telegram_webhook_port)


def _polling_error(exc: TelegramError) -> None:
    if isinstance(exc, Conflict):
        log.error("telegram: another process is taking this bot's updates (%s). Run one "
                  "polling process, or use a webhook (TELEGRAM_WEBHOOK_URL) for several.",
                  exc.message)
    else:
        log.warning("telegram: getting updates failed: %s", error_text(exc))


# ---------------------------------------------------------------- nemobot telegram


class RedactSecret(RewriteLogs):
    """Replaces a secret (the bot token: Telegram's URLs contain it) in log records,
    tracebacks included."""

    def __init__(self, secret: str, mask: str = "<TELEGRAM_TOKEN>") -> None:
        super().__init__(lambda text: text.replace(secret, mask)
                         if secret and secret in text else text)


def hide_token(config: TelegramSettings, logger: logging.Logger | None = None) -> None:
    """Keep the bot token and the webhook secret (python-telegram-bot logs setWebhook's
    parameters at DEBUG) out of every log line written by `logger`'s handlers (root)."""
    secrets = [(config.telegram_token, "<TELEGRAM_TOKEN>"),
               (config.telegram_webhook_secret, "<TELEGRAM_WEBHOOK_SECRET>")]
    for secret, mask in secrets:
        if secret is None:
            continue
        redact = RedactSecret(secret.get_secret_value(), mask)
        for handler in (logger or logging.getLogger()).handlers:
            handler.addFilter(redact)


async def serve(settings: Settings, config: TelegramSettings) -> int:
    """Run until SIGINT or SIGTERM."""
    api = (base_urls(config)[0] or "https://api.telegram.org/bot").removesuffix("/bot")
    return await lifecycle.serve(
        open_telegram_bot(settings, config, probe_backend=True), PLATFORM,
        refusals={
            InvalidToken: token_refused(config, "{error}"),
            BadRequest: "the Bot API refused to start the bot ({error}): check the "
                        "TELEGRAM_* settings",
            NetworkError: f"cannot reach the Bot API at {api} ({{error}}): check the "
                          "network, or TELEGRAM_BASE_URL",
            # anything else of the library's: the answer was no Bot API's ("Invalid server
            # response": a web page, a proxy's error page)
            TelegramError: f"{api} does not answer as the Bot API ({{error}}): check "
                           "TELEGRAM_BASE_URL"})


def run_telegram(settings: Settings, config: TelegramSettings) -> int:
    """`nemobot telegram`: the exit status."""
    problems = []
    if config.telegram_token is None:
        problems.append("TELEGRAM_TOKEN is not set: create a bot with @BotFather and put its "
                        "token in the environment or .env")
    elif (problem := webhook_problem(config)) is not None:
        problems.append(problem)
    if not problems:
        hide_token(config)
        for name in ("telegram.ext.Updater", "telegram.ext.ExtBot",
                     "telegram.request.BaseRequest"):
            logging.getLogger(name).addFilter(QuietCleanup())
        # PTB's coming default (durations as timedelta); without it every flood wait warns
        os.environ.setdefault("PTB_TIMEDELTA", "true")
    return lifecycle.run(lambda: serve(settings, config), problems)
