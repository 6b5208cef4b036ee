"""The Telegram adapter's pieces on their own: reading messages, albums in Redis, buttons,
text splitting, settings and keeping the token out of logs."""

from __future__ import annotations

import asyncio
import datetime as dtm
import io
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from pydantic import AnyHttpUrl, SecretStr
from telegram import Bot, Message
from telegram import User as TelegramUser
from telegram.error import BadRequest, RetryAfter

from bots.settings import load_settings
from bots.telegram_adapter.albums import AlbumGatherer, Gathered
from bots.telegram_adapter.app import RedactSecret, base_urls, hide_token, run_telegram
from bots.telegram_adapter.arrivals import Arrivals
from bots.telegram_adapter.errors import raise_as_core
from bots.telegram_adapter.inbound import (
    CLOUD_DOWNLOAD_LIMIT,
    Part,
    TelegramAttachment,
    TelegramFiles,
    addressed_to,
    clean_text,
    merge,
    read_message,
    register_attachments,
)
from bots.telegram_adapter.outbound import button_command, keyboard, split_text
from bots.telegram_adapter.polling import QuietCleanup
from bots.telegram_adapter.settings import TelegramSettings
from core.embedded_redis import EmbeddedRedis
from core.logs import JsonFormatter
from core.messages import AttachmentCodec, ChatKey, IncomingMessage, User
from core.observed_redis import redis_client
from core.outgoing import Action, Busy, Button, Unreachable
from core.settings import Settings, SettingsError
from tests.fakes.telegram_api import MB, FakeChat, FakeTelegram, FakeUser

JSONDict = dict[str, Any]

pytest_plugins = ["tests.fakes.telegram_fixtures"]

ME = TelegramUser(7000000001, "Nemo Test Bot", is_bot=True, username="nemo_test_bot")


def parse(data: JSONDict) -> Message:
    message = Message.de_json(data, None)
    assert message is not None
    return message


@pytest.fixture
def world() -> tuple[FakeTelegram, FakeUser, FakeChat, FakeChat]:
    """Update builders (no server needed): a user, her private chat and a group."""
    fake = FakeTelegram()
    alice = fake.user("Alice")
    return fake, alice, fake.private_chat(alice), fake.group("Editors")


# ------------------------------------------------------------------ who it listens to


@pytest.mark.parametrize(("text", "expected"), [
    ("make it shorter", False),
    ("/help", True),
    ("/help@nemo_test_bot", True),
    ("/help@some_other_bot", False),
    ("/ban spammer", False),
    ("please /export", False),
    ("hey @nemo_test_bot trim it", True),
    ("hey @NEMO_TEST_BOT trim it", True),
    ("hey @nemo_test_bot_fan trim it", False),
])
def test_group_messages_for_the_bot(world: tuple[FakeTelegram, FakeUser, FakeChat, FakeChat],
                                    text: str, expected: bool) -> None:
    fake, alice, dm, group = world
    in_group = parse(fake.text(group, alice, text, queue=False)["message"])
    assert addressed_to(in_group, ME) is expected
    assert addressed_to(parse(fake.text(dm, alice, text, queue=False)["message"]), ME)


def test_replies_captions_and_topics(
        world: tuple[FakeTelegram, FakeUser, FakeChat, FakeChat]) -> None:
    fake, alice, _, group = world
    data = fake.text(group, alice, "shorter please", queue=False)["message"]
    data["reply_to_message"] = {"message_id": 1, "date": 0, "chat": group.to_dict(),
                                "from": fake.bot_user.to_dict(), "text": "Received: a.mp4"}
    assert addressed_to(parse(data), ME)

    caption = fake.video(group, alice, b"mp4", caption="@nemo_test_bot, make it pop",
                         queue=False)["message"]
    message = parse(caption)
    assert addressed_to(message, ME)
    part = read_message(message, ME, None, download_limit=CLOUD_DOWNLOAD_LIMIT)
    assert part is not None and part.message.text == "make it pop"

    forum = fake.supergroup("Studio", forum=True)
    topic = fake.forum_topic(forum, "B-roll")
    data = fake.text(forum, alice, "hello", thread_id=topic, queue=False)["message"]
    # every topic message points at the topic's first message; one the bot opened too
    data["reply_to_message"] = {"message_id": topic, "date": 0, "chat": forum.to_dict(),
                                "from": fake.bot_user.to_dict(),
                                "forum_topic_created": {"name": "B-roll", "icon_color": 1}}
    message = parse(data)
    assert not addressed_to(message, ME)
    part = read_message(message, ME, None, download_limit=None)
    assert part is not None and part.message.chat == ChatKey("telegram", str(forum.id),
                                                              str(topic))


def test_a_command_for_another_bot_is_not_read_in_a_reply_to_this_one(
        world: tuple[FakeTelegram, FakeUser, FakeChat, FakeChat]) -> None:
    fake, alice, _, group = world
    ours = {"message_id": 1, "date": 0, "chat": group.to_dict(),
            "from": fake.bot_user.to_dict(), "text": "Video ready."}
    for text, expected in (("/export@other_bot", False), ("/ban", True),
                           ("/export@nemo_test_bot", True), ("/export", True)):
        data = fake.text(group, alice, text, queue=False)["message"]
        data["reply_to_message"] = ours
        assert addressed_to(parse(data), ME) is expected, text


def test_a_bare_mention_reads_as_start_and_an_anonymous_admin_as_the_group(
        world: tuple[FakeTelegram, FakeUser, FakeChat, FakeChat]) -> None:
    fake, alice, dm, group = world
    for chat in (dm, group):
        data = fake.text(chat, alice, "@nemo_test_bot ", queue=False)["message"]
        part = read_message(parse(data), ME, None, download_limit=None)
        assert part is not None and part.message.text == "/start" and part.addressed
    data = fake.text(group, alice, "/status@nemo_test_bot", queue=False)["message"]
    data["from"] = {"id": 1087968824, "is_bot": True, "first_name": "Group",
                    "username": "GroupAnonymousBot"}
    data["sender_chat"] = group.to_dict()
    part = read_message(parse(data), ME, None, download_limit=None)
    assert part is not None and part.addressed
    assert part.message.user.id == str(group.id) and part.message.user.display_name == "Editors"


def test_messages_of_bots_and_channels_are_not_read(
        world: tuple[FakeTelegram, FakeUser, FakeChat, FakeChat]) -> None:
    fake, alice, dm, _ = world
    data = fake.text(dm, alice, "/help", queue=False)["message"]
    data["from"] = FakeUser(42, "Helper", username="helper_bot", is_bot=True).to_dict()
    assert read_message(parse(data), ME, None, download_limit=None) is None
    channel = FakeChat(-1009999, "channel", title="News")
    post = {"message_id": 1, "date": 0, "chat": channel.to_dict(), "text": "/help",
            "from": alice.to_dict()}
    assert read_message(parse(post), ME, None, download_limit=None) is None


def test_clean_text_keeps_command_suffixes() -> None:
    assert clean_text("@nemo_test_bot /new", ME) == "/new"
    assert clean_text("/export@nemo_test_bot", ME) == "/export@nemo_test_bot"
    assert clean_text("add music @Nemo_Test_Bot: loud", ME) == "add music loud"
    assert clean_text("mail me at x@nemo_test_bot.com", ME) == "mail me at x@nemo_test_bot.com"


# ------------------------------------------------------------------ files


def test_files_of_every_kind_get_names_and_sizes(
        world: tuple[FakeTelegram, FakeUser, FakeChat, FakeChat]) -> None:
    fake, alice, dm, _ = world

    def read(update: JSONDict) -> TelegramAttachment:
        part = read_message(parse(update["message"]), ME, None, download_limit=None)
        assert part is not None
        [item] = part.message.attachments
        assert isinstance(item, TelegramAttachment) and item.public_url is None
        return item

    video = read(fake.video(dm, alice, b"v" * 10, file_name="dir/../beach.mp4", queue=False))
    assert (video.filename, video.content_type, video.size) == ("beach.mp4", "video/mp4", 10)
    photo_update = fake.photo(dm, alice, b"p" * 50, width=2560, height=1440, queue=False)
    photo = read(photo_update)
    assert photo.file_id == photo_update["message"]["photo"][-1]["file_id"], "the largest"
    sent = dtm.datetime.fromtimestamp(photo_update["message"]["date"], dtm.UTC)
    assert photo.filename == f"photo_{sent:%Y-%m-%d_%H-%M-%S}.jpg", "as Telegram's apps save it"
    assert read(fake.voice(dm, alice, b"o", queue=False)).filename == "voice message.ogg"
    assert read(fake.video_note(dm, alice, b"n", queue=False)).filename.endswith(".mp4")
    assert read(fake.animation(dm, alice, b"g", queue=False)).content_type == "video/mp4"
    document = read(fake.document(dm, alice, b"d", file_name="cut.mov", queue=False))
    assert document.filename == "cut.mov"
    # a file sent without a name takes the extension its content type says
    unnamed = fake.audio(dm, alice, b"a", mime_type="audio/ogg", queue=False)
    del unnamed["message"]["audio"]["file_name"]
    ogg = read(unnamed)
    assert ogg.filename.startswith("audio_20") and not ogg.filename.endswith(".mp3")
    unnamed = fake.video(dm, alice, b"w", mime_type="video/webm", queue=False)
    del unnamed["message"]["video"]["file_name"]
    assert read(unnamed).filename.endswith(".webm")


def test_a_file_over_the_download_limit_is_named_not_attached(
        world: tuple[FakeTelegram, FakeUser, FakeChat, FakeChat]) -> None:
    fake, alice, dm, _ = world
    update = fake.video(dm, alice, size=30 * MB, file_name="long.mp4", caption="trim",
                        queue=False)
    part = read_message(parse(update["message"]), ME, None, download_limit=CLOUD_DOWNLOAD_LIMIT)
    assert part is not None
    assert part.too_big == ("long.mp4",) and part.message.attachments == ()
    local = read_message(parse(update["message"]), ME, None, download_limit=None)
    assert local is not None and len(local.message.attachments) == 1


async def test_attachments_survive_the_queue_without_urls() -> None:
    async with httpx.AsyncClient() as http:
        files = TelegramFiles(Bot("1:secret"), http, local_mode=False)
        codec = AttachmentCodec()
        register_attachments(codec, files)
        item = TelegramAttachment("BAACAgIAAxkBAAI", "a.mp4", "video/mp4", 10, files=files)
        message = IncomingMessage(ChatKey("telegram", "5"), User("5"), "9", "x", (item,))
        data = message.to_dict()
        again = IncomingMessage.from_dict(data, codec)
    [copy] = again.attachments
    assert isinstance(copy, TelegramAttachment)
    assert (copy.file_id, copy.filename, copy.size) == (item.file_id, "a.mp4", 10)
    assert copy.public_url is None
    assert "secret" not in repr(data) and "http" not in repr(data)


def test_an_album_merges_in_the_order_sent() -> None:
    chat = ChatKey("telegram", "-5")
    files = [TelegramAttachment(f"id{i}", f"clip{i}.mp4") for i in range(3)]

    def part(mid: int, text: str = "", addressed: bool = False) -> Part:
        message = IncomingMessage(chat, User(f"u{mid}"), str(mid), text, (files[mid - 10],),
                                  is_private=False)
        return Part(message, addressed)

    album = merge([part(12), part(10), part(11, "@bot combine these", addressed=True)])
    assert album.addressed
    assert [a.filename for a in album.message.attachments] == ["clip0.mp4", "clip1.mp4",
                                                               "clip2.mp4"]
    assert album.message.text == "@bot combine these"
    assert album.message.message_id == "10" and album.message.user.id == "u11"
    assert not merge([part(10), part(11)]).addressed


# ------------------------------------------------------------------ albums in Redis


def _album_part(chat: ChatKey, mid: int, text: str = "") -> Part:
    item = TelegramAttachment(f"file{mid}", f"clip{mid}.mp4", "video/mp4", 100)
    return Part(IncomingMessage(chat, User("7"), str(mid), text, (item,)), True)


def _codec(http: httpx.AsyncClient) -> AttachmentCodec:
    codec = AttachmentCodec()
    register_attachments(codec, TelegramFiles(Bot("1:x"), http, local_mode=False))
    return codec


async def test_two_processes_gather_one_album(redis_url: str) -> None:
    chat = ChatKey("telegram", "42")
    one, two = redis_client(redis_url), redis_client(redis_url)
    try:
        async with httpx.AsyncClient() as http:
            first = AlbumGatherer(one, _codec(http), wait=0.2)
            second = AlbumGatherer(two, _codec(http), wait=0.2)
            await first.add(chat, "g1", _album_part(chat, 1, "combine these"))
            await second.add(chat, "g1", _album_part(chat, 2))
            async def deliver(gatherer: AlbumGatherer) -> Gathered | None:
                taken = await gatherer.gather(chat, "g1")
                if taken is not None:
                    await taken.done()  # queued
                return taken

            results = await asyncio.gather(deliver(first), deliver(second))
            gathered = [r for r in results if r is not None]
            assert len(gathered) == 1, "exactly one process takes the album"
            [album] = gathered
        assert [a.filename for a in album.part.message.attachments] == ["clip1.mp4",
                                                                        "clip2.mp4"]
        assert album.part.message.text == "combine these"
        assert await one.exists(first.keys.album(chat, "g1"),
                                first.keys.album_taker(chat, "g1")) == 0, "nothing left"
    finally:
        await one.aclose()
        await two.aclose()


async def test_an_album_whose_taker_died_before_queueing_it_is_taken_over(
        redis_url: str) -> None:
    chat = ChatKey("telegram", "44")
    dying, alive = redis_client(redis_url), redis_client(redis_url)
    try:
        async with httpx.AsyncClient() as http:
            first = AlbumGatherer(dying, _codec(http), wait=0.2, lease=0.5)
            second = AlbumGatherer(alive, _codec(http), wait=0.2, lease=0.5)
            await first.add(chat, "g", _album_part(chat, 1, "combine these"))
            await second.add(chat, "g", _album_part(chat, 2))
            taken = await first.gather(chat, "g")
            assert taken is not None
            await dying.aclose()  # the process dies before it queued the album
            again = await second.gather(chat, "g")
            assert again is not None, "another process delivers it"
            assert again.part.message.message_id == taken.part.message.message_id
            assert len(again.part.message.attachments) == 2
            await again.done()
            assert await alive.exists(second.keys.album(chat, "g")) == 0
    finally:
        await alive.aclose()


async def test_a_part_sent_again_after_its_album_was_delivered_is_no_new_album(
        redis_url: str) -> None:
    chat = ChatKey("telegram", "45")
    client = redis_client(redis_url)
    try:
        async with httpx.AsyncClient() as http:
            gatherer = AlbumGatherer(client, _codec(http), wait=0.1)
            await gatherer.add(chat, "g", _album_part(chat, 1, "combine these"))
            await gatherer.add(chat, "g", _album_part(chat, 2))
            await gatherer.add(chat, "g", _album_part(chat, 2))  # sent twice: counted once
            album = await gatherer.gather(chat, "g")
            assert album is not None and len(album.part.message.attachments) == 2
            await album.done()
            await gatherer.add(chat, "g", _album_part(chat, 2))  # and once more, late
            assert await gatherer.gather(chat, "g") is None
    finally:
        await client.aclose()


async def test_an_album_is_taken_only_after_a_quiet_time(redis_url: str) -> None:
    chat = ChatKey("telegram", "43")
    client = redis_client(redis_url)
    try:
        gatherer = AlbumGatherer(client, AttachmentCodec(), wait=5.0)
        keys = [gatherer.keys.album(chat, "g"), gatherer.keys.album_taker(chat, "g"),
                gatherer.keys.album_unanswered(chat, "g")]
        await gatherer.add(chat, "g", Part(IncomingMessage(chat, User("7"), "1", "a"), True))
        status, wait_ms = await gatherer._take(keys=keys, args=[5000, 1000, "me", 9000, 9000])
        assert status == 1 and 4000 < wait_ms <= 5000, "a fresh part: wait on"
        assert 10_000 < await client.pttl(keys[0]) <= gatherer.expiry_ms
        await gatherer.add(chat, "g", Part(IncomingMessage(chat, User("7"), "2", "b"), True))
        answer = await gatherer._take(keys=keys, args=[0, 1000, "me", 9000, 9000])  # quiet
        assert answer[0] == 2 and len(answer) == 3
        status, lease_ms = await gatherer._take(keys=keys, args=[0, 1000, "another", 9000,
                                                                 9000])
        assert status == 3 and 0 < lease_ms <= 1000, "the taker has it for a while"
    finally:
        await client.aclose()


async def test_an_album_waits_for_its_parts_webhook_answers(redis_server: EmbeddedRedis) -> None:
    # behind a webhook Telegram sends the next part once the last one was answered: the
    # quiet time runs from the answer, and a part not answered yet holds the album
    chat = ChatKey("telegram", "46")
    client = aioredis.Redis.from_url(redis_server.url)
    try:
        gatherer = AlbumGatherer(client, AttachmentCodec(), wait=5.0)
        keys = [gatherer.keys.album(chat, "g"), gatherer.keys.album_taker(chat, "g"),
                gatherer.keys.album_unanswered(chat, "g")]
        first = Part(IncomingMessage(chat, User("7"), "1", "a"), True)
        await gatherer.add(chat, "g", first, unanswered=True)
        status, _ = await gatherer._take(keys=keys, args=[0, 1000, "me", 9000, 9000])
        assert status == 1, "its answer has not gone out: more parts may follow"
        status, _ = await gatherer._take(keys=keys, args=[0, 1000, "me", 0, 9000])
        assert status == 2, "but not forever: its process died before answering"
        await client.delete(keys[1])  # that taker let go
        await gatherer.answered(chat, "g", "1")
        status, wait_ms = await gatherer._take(keys=keys, args=[5000, 1000, "me", 9000, 9000])
        assert status == 1 and 4000 < wait_ms <= 5000, "the quiet time runs from the answer"
        album = await AlbumGatherer(client, AttachmentCodec(), wait=0.05).gather(chat, "g")
        assert album is not None and album.ids == ("1",), "the answer is no part"
    finally:
        await client.aclose()


# ------------------------------------------------------------------ outputs


def test_keyboard_rows_and_callbacks() -> None:
    markup = keyboard((Button("Download", url="https://x.test/v.mp4"),
                       Button("Export", Action.EXPORT), Button("Status", Action.STATUS),
                       Button("Credits", Action.CREDITS),
                       Button("Open project", url="https://x.test/p")))
    assert markup is not None
    rows = [[(b.text, b.callback_data or b.url) for b in row] for row in markup.inline_keyboard]
    assert rows == [
        [("Download", "https://x.test/v.mp4")],
        [("Export", "nemo:export"), ("Status", "nemo:status")],
        [("Credits", "nemo:credits")],
        [("Open project", "https://x.test/p")],
    ]
    assert keyboard(()) is None
    assert button_command("nemo:new") == "/new"
    assert button_command("nemo:format-disk") is None and button_command("other") is None
    chosen = keyboard((Button("Add a title", Action.CHOOSE, value="3.1"),))
    assert chosen is not None and chosen.inline_keyboard[0][0].callback_data == "nemo:choose:3.1"
    assert button_command("nemo:choose:3.1") == "/choose 3.1"
    assert button_command("nemo:choose:3 1") is None, "values are short and plain"


def test_long_text_is_split_by_telegram_units() -> None:
    words = " ".join(f"w{i:04d}" for i in range(2000))
    pieces = split_text(words)
    assert len(pieces) == 3 and all(len(p) <= 4096 for p in pieces)
    assert " ".join(pieces) == words
    emoji = "🎬" * 3000  # two UTF-16 units each
    assert [len(p) for p in split_text(emoji)] == [2048, 952]
    assert split_text("   ") == ["…"]
    assert split_text(words[:4200])[0] == pieces[0], "a growing text keeps its pieces"


# ------------------------------------------------------------------ settings and start-up


def test_telegram_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("TELEGRAM_TOKEN", "TELEGRAM_WEBHOOK_URL", "TELEGRAM_BASE_URL"):
        monkeypatch.setenv(name, "")
    _, settings = load_settings(TelegramSettings)
    assert settings.telegram_token is None and settings.telegram_webhook_url is None
    assert not settings.telegram_local_mode and settings.telegram_album_wait == 1.5
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "has spaces!")
    with pytest.raises(SettingsError, match="TELEGRAM_WEBHOOK_SECRET"):
        load_settings(TelegramSettings)


def test_a_local_server_file_url_is_derived() -> None:
    settings = TelegramSettings(_env_file=None,  # type: ignore[call-arg]
                                telegram_base_url=AnyHttpUrl("http://bot-api:8081/bot"))
    assert base_urls(settings) == ("http://bot-api:8081/bot", "http://bot-api:8081/file/bot")
    assert base_urls(TelegramSettings(_env_file=None)) == (None, None)  # type: ignore[call-arg]


def test_start_up_refuses_missing_secrets(capsys: pytest.CaptureFixture[str]) -> None:
    core = Settings(_env_file=None)  # type: ignore[call-arg]
    assert run_telegram(core, TelegramSettings(_env_file=None)) == 2  # type: ignore[call-arg]
    assert "TELEGRAM_TOKEN" in capsys.readouterr().err
    webhook = TelegramSettings(  # type: ignore[call-arg]
        _env_file=None, telegram_token=SecretStr("1:x"),
        telegram_webhook_url=AnyHttpUrl("https://bot.example.com/telegram"))
    assert run_telegram(core, webhook) == 2
    assert "TELEGRAM_WEBHOOK_SECRET" in capsys.readouterr().err


@pytest.mark.parametrize("formatter", [logging.Formatter(), JsonFormatter()],
                         ids=["text", "json"])
def test_the_token_never_reaches_the_log(formatter: logging.Formatter) -> None:
    token = "7000000001:AAFakeTokenForNemobotTests_0123456789ab"
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(RedactSecret(token))
    logger = logging.getLogger("tests.telegram.redact")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("GET %s failed", f"https://api.telegram.org/file/bot{token}/v.mp4")
        try:
            raise httpx.ConnectError(f"cannot reach https://api.telegram.org/bot{token}/getMe")
        except httpx.ConnectError:
            logger.exception("request failed")
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert token not in output
    assert output.count("<TELEGRAM_TOKEN>") == 2


def test_the_webhook_secret_stays_out_of_debug_logs() -> None:
    """python-telegram-bot logs setWebhook's parameters at DEBUG: with the secret, anyone
    reading the logs could post updates as Telegram."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("tests.telegram.webhook_secret")
    logger.addHandler(handler)
    logger.propagate = False
    config = TelegramSettings(_env_file=None, telegram_token="123:ABC",
                              telegram_webhook_secret="whsecret_ABC123")
    try:
        hide_token(config, logger)
        logger.warning("Calling Bot API endpoint `setWebhook` with parameters %s",
                       {"url": "https://bot.example/hook", "secret_token": "whsecret_ABC123"})
    finally:
        logger.removeHandler(handler)
    assert "whsecret_ABC123" not in stream.getvalue()
    assert "'secret_token': '<TELEGRAM_WEBHOOK_SECRET>'" in stream.getvalue()


@pytest.mark.parametrize("refusal", [
    "Bad Request: chat not found", "Bad Request: have no rights to send a message",
    "Bad Request: not enough rights to send text messages to the chat",
    "Bad Request: need administrator rights in the channel chat",
    "Bad Request: CHAT_WRITE_FORBIDDEN", "Bad Request: CHAT_RESTRICTED",
    "Bad Request: message thread not found", "Bad Request: TOPIC_CLOSED",
    "Bad Request: TOPIC_DELETED",
])
def test_a_chat_the_bot_cannot_write_in_is_unreachable_for_the_core(refusal: str) -> None:
    """A muted bot, a closed or deleted forum topic, a restricted chat: sending again
    cannot help, so the core gives the message up at once (one log line, no retries)."""
    with pytest.raises(Unreachable):
        raise_as_core(BadRequest(refusal))


def test_a_flood_wait_longer_than_the_flood_control_waits_is_busy_for_the_core() -> None:
    with pytest.raises(Busy) as raised:
        raise_as_core(RetryAfter(dtm.timedelta(seconds=90)))
    assert raised.value.retry_after == 90.0


def test_unreadable_updates_are_logged_in_one_line_without_what_users_wrote() -> None:
    """python-telegram-bot logs an update it cannot read twice, critical, with a traceback
    and the update itself: one warning line names the error instead."""
    cleanup = QuietCleanup()
    try:
        raise TypeError("`members_only` is a required argument since Bot API 10.0")
    except TypeError as exc:
        error = (type(exc), exc, exc.__traceback__)
    parsing = logging.LogRecord("telegram.ext.ExtBot", logging.CRITICAL, "x", 1,
                                "Error while parsing updates! Received data was %r",
                                ([{"message": {"text": "my secret plan"}}],), error)
    processing = logging.LogRecord(
        "telegram.ext.Updater", logging.CRITICAL, "x", 1,
        "Something went wrong processing the data received from Telegram. Received data "
        "was *not* processed!", (), error)
    assert not cleanup.filter(parsing)
    assert cleanup.filter(processing)
    assert processing.levelname == "WARNING" and processing.exc_info is None
    assert processing.getMessage() == (
        "telegram: updates could not be read (TypeError: `members_only` is a required "
        "argument since Bot API 10.0); they are asked for again, the unreadable ones skipped")


# ------------------------------------------------------------------ webhook arrivals


async def test_an_update_posted_again_while_its_first_post_waits_answers_both_posts() -> None:
    """Telegram gave up on the first post and sent the update again: both posts wait for
    the same work and are answered when it ends, the after-answer work done once."""
    arrivals = Arrivals()
    done: list[str] = []
    arrivals.expect(7)
    release = arrivals.hold(7)
    arrivals.after_answer(7, lambda: done.append("after"))
    first = asyncio.create_task(arrivals.safe(7, 30))
    arrivals.expect(7)  # the same update, posted again
    again = arrivals.hold(7)  # its work finds the message queued already
    second = asyncio.create_task(arrivals.safe(7, 30))
    again()
    release()
    assert await asyncio.wait_for(asyncio.gather(first, second), 5) == [True, True]
    arrivals.close(7, answered=True)
    assert arrivals.expected(7), "the second post is still open"
    arrivals.close(7, answered=True)
    assert not arrivals.expected(7) and done == ["after"]
