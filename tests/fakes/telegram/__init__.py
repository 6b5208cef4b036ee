"""A fake Telegram Bot API server on loopback, for driving the real python-telegram-bot.

`FakeTelegram` answers ``/bot<token>/<method>`` as api.telegram.org does and serves files
at ``/file/bot<token>/<file_path>``. Modules: `wire` (limits, errors, request bodies,
entities), `files` and `state` (what the server knows), `methods` and `updates` (the Bot API
methods), `server` (HTTP, call log, faults), `builders` (updates users cause), `observe`
and `switches` (what tests read and the faults they inject), `driver` (`FakeTelegram`).
"""

from tests.fakes.telegram.driver import FakeTelegram
from tests.fakes.telegram.files import FakeFile
from tests.fakes.telegram.server import RecordedCall
from tests.fakes.telegram.state import FakeChat, FakeUser
from tests.fakes.telegram.updates import WebhookDelivery
from tests.fakes.telegram.wire import (
    CLOUD_DOWNLOAD_LIMIT,
    CLOUD_UPLOAD_LIMIT,
    DEFAULT_TOKEN,
    LOCAL_UPLOAD_LIMIT,
    MB,
    NOT_MODIFIED,
    BotApiError,
    UploadedFile,
    detect_entities,
)

__all__ = [
    "CLOUD_DOWNLOAD_LIMIT",
    "CLOUD_UPLOAD_LIMIT",
    "DEFAULT_TOKEN",
    "LOCAL_UPLOAD_LIMIT",
    "MB",
    "NOT_MODIFIED",
    "BotApiError",
    "FakeChat",
    "FakeFile",
    "FakeTelegram",
    "FakeUser",
    "RecordedCall",
    "UploadedFile",
    "WebhookDelivery",
    "detect_entities",
]
