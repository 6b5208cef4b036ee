"""The fake Telegram Bot API under its former name; it lives in `tests.fakes.telegram`."""

from core.embedded_redis import free_port
from tests.fakes.telegram import (
    CLOUD_DOWNLOAD_LIMIT,
    CLOUD_UPLOAD_LIMIT,
    DEFAULT_TOKEN,
    LOCAL_UPLOAD_LIMIT,
    MB,
    NOT_MODIFIED,
    BotApiError,
    FakeChat,
    FakeFile,
    FakeTelegram,
    FakeUser,
    RecordedCall,
    UploadedFile,
    WebhookDelivery,
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
    "free_port",
]
