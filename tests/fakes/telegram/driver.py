"""`FakeTelegram`: the fake Bot API as tests drive it.

Point python-telegram-bot at it (``base_url``, ``base_file_url``, ``token``), build users
and chats, make users write, send files and press buttons, then read what the bot did and
inject faults::

    async with FakeTelegram() as fake:
        alice = fake.user("Alice")
        dm = fake.private_chat(alice)
        fake.text(dm, alice, "/start")
        reply = await fake.wait_for("sendMessage")
        fake.flood(retry_after=3, chat_id=dm.id, method="editMessageText", count=2)
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from tests.fakes.telegram.builders import Incoming
from tests.fakes.telegram.files import FakeFile, FileLimits, FileStore
from tests.fakes.telegram.methods import BotMethods
from tests.fakes.telegram.observe import Observations
from tests.fakes.telegram.server import BotApiServer
from tests.fakes.telegram.state import Chats, FakeChat, FakeUser
from tests.fakes.telegram.switches import FaultSwitches
from tests.fakes.telegram.updates import UpdateFeed
from tests.fakes.telegram.wire import DEFAULT_TOKEN, JSONDict
from tests.waiting import Changes


class FakeTelegram(Observations, FaultSwitches):
    """A Bot API server on 127.0.0.1 that python-telegram-bot can talk to as if to Telegram.

    Args:
        token: The bot token the server accepts; other tokens get 401 Unauthorized.
        bot_username: The bot's username, returned by getMe.
        bot_name: The bot's first name.
        local_mode: Behave like a self-hosted Bot API server started with ``--local``: no getFile
            size limit, getFile answers an absolute path on disk, 2000 MB uploads, ``file://``
            inputs accepted. Otherwise behave like the cloud API (20 MB downloads, 50 MB
            uploads). Can be switched at any time through the attribute.
        files_dir: Where local-mode files are written; a temporary directory removed on stop if
            not given.
        privacy_mode: The bot's group privacy mode (Telegram's default; off by default here):
            in groups it gets only commands, messages that mention it and replies to it, and
            getMe says it cannot read all group messages.
    """

    def __init__(self, *, token: str = DEFAULT_TOKEN, bot_username: str = "nemo_test_bot",
                 bot_name: str = "Nemo Test Bot", local_mode: bool = False,
                 files_dir: Path | None = None, privacy_mode: bool = False) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_user = FakeUser(self.bot_id, bot_name, username=bot_username, is_bot=True)
        self.changes = Changes()
        self.chats = Chats(self.bot_user)
        self.files = FileStore(self.bot_id)
        self.limits = FileLimits(local_mode)
        self.feed = UpdateFeed(self.changes)
        self.incoming = Incoming(self.chats, self.files, self.feed, privacy_mode=privacy_mode)
        methods = BotMethods(self.chats, self.files, self.limits, self._local_files_root,
                             can_read_all_group_messages=not privacy_mode)
        self.server = BotApiServer(token, {**methods.table(), **self.feed.table()}, self.chats,
                                   self.files, self.limits, self.changes)
        self._files_dir_arg = files_dir
        self._files_dir: Path | None = None

    # ---------------------------------------------------------------- lifecycle, addresses

    async def start(self) -> Self:
        """Start listening on a free loopback port."""
        self._files_dir = self._files_dir_arg or Path(tempfile.mkdtemp(prefix="fake-telegram-"))
        await self.server.start()
        await self.feed.start()
        return self

    async def stop(self) -> None:
        """Stop the server, waking any pending long poll, and remove its temporary files."""
        await self.feed.stop()
        await self.server.stop()
        if self._files_dir_arg is None and self._files_dir is not None:
            await asyncio.to_thread(shutil.rmtree, self._files_dir, True)
        self._files_dir = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.stop()

    def _local_files_root(self) -> Path:
        if self._files_dir is None:
            raise RuntimeError("FakeTelegram is not started")
        return self._files_dir / self.token.replace(":", "_")

    @property
    def port(self) -> int:
        """The port the server listens on."""
        if self.server.port is None:
            raise RuntimeError("FakeTelegram is not started")
        return self.server.port

    @property
    def url(self) -> str:
        """The server's root URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """What to pass to ``ApplicationBuilder().base_url()``."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """What to pass to ``ApplicationBuilder().base_file_url()``."""
        return f"{self.url}/file/bot"

    @property
    def bot_username(self) -> str:
        """The bot's username, without the @."""
        assert self.bot_user.username is not None
        return self.bot_user.username

    @property
    def local_mode(self) -> bool:
        """Whether the fake behaves as a self-hosted ``--local`` Bot API server."""
        return self.limits.local_mode

    @local_mode.setter
    def local_mode(self, value: bool) -> None:
        self.limits.local_mode = value

    @property
    def download_limit(self) -> int | None:
        """The largest file getFile hands out: 20 MB on the cloud API, none in local mode.
        Assign to override it; None restores the mode's default."""
        return self.limits.download

    @download_limit.setter
    def download_limit(self, value: int | None) -> None:
        self.limits.download_override = value

    @property
    def upload_limit(self) -> int:
        """The largest upload accepted: 50 MB on the cloud API, 2000 MB in local mode.
        Assign to override it; None restores the mode's default."""
        return self.limits.upload

    @upload_limit.setter
    def upload_limit(self, value: int | None) -> None:
        self.limits.upload_override = value

    @property
    def webhook_retry_delay(self) -> float:
        """Seconds before a failed webhook delivery is retried (a new webhook retries at
        once)."""
        return self.feed.retry_delay

    @webhook_retry_delay.setter
    def webhook_retry_delay(self, value: float) -> None:
        self.feed.retry_delay = value

    @property
    def webhook_ingress(self) -> str | None:
        """Where webhook deliveries really go (``http://host:port``), whatever scheme, host
        and port the registered URL names; its path is kept. The load balancer that
        answers for a bot's public https address (None: the registered URL itself)."""
        return self.feed.ingress

    @webhook_ingress.setter
    def webhook_ingress(self, value: str | None) -> None:
        self.feed.ingress = value

    # ---------------------------------------------------------------- users, chats, files

    def user(self, first_name: str = "Alice", *, username: str | None = None,
             last_name: str | None = None, language_code: str | None = "en") -> FakeUser:
        """A new user with a fresh id (username defaults to the lowercased first name)."""
        return self.chats.new_user(first_name, username=username, last_name=last_name,
                                   language_code=language_code)

    def private_chat(self, user: FakeUser) -> FakeChat:
        """The private chat between ``user`` and the bot (its id is the user's id)."""
        return self.chats.private_chat(user)

    def group(self, title: str = "Editors") -> FakeChat:
        """A new basic group the bot is a member of."""
        return self.chats.group(title)

    def supergroup(self, title: str = "Studio", *, forum: bool = False,
                   username: str | None = None) -> FakeChat:
        """A new supergroup (``-100…`` id), optionally a forum with topics."""
        return self.chats.supergroup(title, forum=forum, username=username)

    def forum_topic(self, chat: FakeChat, name: str = "Topic", *, queue: bool = False) -> int:
        """Create a topic in a forum supergroup; returns its message_thread_id."""
        return self.incoming.forum_topic(chat, name, queue=queue)

    def register_file(self, data: bytes | None = None, *, size: int | None = None,
                      kind: str = "document", **meta: Any) -> FakeFile:
        """Make a file known under a new file_id, with its bytes or only a declared size
        (``meta``: file_name, mime_type, width, height, duration, source_url, file_id)."""
        return self.files.register(data, size=size, kind=kind, **meta)

    # ---------------------------------------------------------------- what users do

    def text(self, chat: FakeChat, user: FakeUser, text: str, reply_to: int | None = None,
             thread_id: int | None = None, *, queue: bool = True) -> JSONDict:
        """Queue a text message from ``user`` in ``chat``; returns the update. Commands and
        @mentions get their entities; ``reply_to`` is a message_id in the chat, ``thread_id``
        a forum topic."""
        return self.incoming.text(chat, user, text, reply_to=reply_to, thread_id=thread_id,
                                  queue=queue)

    def media(self, kind: str, chat: FakeChat, user: FakeUser, data: bytes | None = None,
              **kwargs: Any) -> JSONDict:
        """Queue a media message of ``kind``; pass the bytes, only ``size``, or a registered
        ``file``; also caption, reply_to, thread_id, media_group_id, queue, and the file's
        metadata (file_name, mime_type, width, height, duration)."""
        return self.incoming.media(kind, chat, user, data, **kwargs)

    def video(self, chat: FakeChat, user: FakeUser, data: bytes | None = None,
              **kwargs: Any) -> JSONDict:
        """Queue a video message (see `media`)."""
        return self.media("video", chat, user, data, **kwargs)

    def photo(self, chat: FakeChat, user: FakeUser, data: bytes | None = None,
              **kwargs: Any) -> JSONDict:
        """Queue a photo; ``message.photo`` lists several sizes, largest last."""
        return self.media("photo", chat, user, data, **kwargs)

    def document(self, chat: FakeChat, user: FakeUser, data: bytes | None = None,
                 **kwargs: Any) -> JSONDict:
        """Queue a document (file) message."""
        return self.media("document", chat, user, data, **kwargs)

    def audio(self, chat: FakeChat, user: FakeUser, data: bytes | None = None,
              **kwargs: Any) -> JSONDict:
        """Queue an audio (music) message."""
        return self.media("audio", chat, user, data, **kwargs)

    def voice(self, chat: FakeChat, user: FakeUser, data: bytes | None = None,
              **kwargs: Any) -> JSONDict:
        """Queue a voice note."""
        return self.media("voice", chat, user, data, **kwargs)

    def animation(self, chat: FakeChat, user: FakeUser, data: bytes | None = None,
                  **kwargs: Any) -> JSONDict:
        """Queue an animation (GIF); like Telegram it also carries a ``document`` field."""
        return self.media("animation", chat, user, data, **kwargs)

    def video_note(self, chat: FakeChat, user: FakeUser, data: bytes | None = None,
                   **kwargs: Any) -> JSONDict:
        """Queue a round video note."""
        return self.media("video_note", chat, user, data, **kwargs)

    def album(self, chat: FakeChat, user: FakeUser, files: Sequence[FakeFile | bytes],
              caption: str | None = None, *, kind: str = "video", reply_to: int | None = None,
              thread_id: int | None = None, queue: bool = True) -> list[JSONDict]:
        """Queue an album: one update per file sharing a media_group_id, caption on the first.
        Raw bytes become files of ``kind``; registered files keep their own kind."""
        return self.incoming.album(chat, user, files, caption, kind=kind, reply_to=reply_to,
                                   thread_id=thread_id, queue=queue)

    def callback(self, chat: FakeChat, user: FakeUser, message_id: int, data: str, *,
                 check_button: bool = True, queue: bool = True) -> JSONDict:
        """Queue a ``callback_query``: ``user`` pressed the inline button carrying ``data`` on
        a message (by default the button must exist). Its query id is
        ``update["callback_query"]["id"]``."""
        return self.incoming.callback(chat, user, message_id, data, check_button=check_button,
                                      queue=queue)

    async def post_to_webhook(self, update: JSONDict, *, secret_token: str | None,
                              url: str | None = None) -> int:
        """POST an update to the registered webhook (or ``url``) with the given secret header
        (None: no header) and return the HTTP status: for testing how the bot's webhook checks
        requests, or a load balancer sending each update to another replica."""
        target = url or (self.feed.target(self.webhook_url) if self.webhook_url else None)
        if target is None:
            raise RuntimeError("no webhook is set")
        status, error = await self.feed.post(target, update, secret_token)
        if status is None:
            raise ConnectionError(error)
        return status
