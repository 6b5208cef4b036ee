"""The fake Bot API server, proven with the real python-telegram-bot talking to it."""

from __future__ import annotations

import asyncio
import datetime as dtm
from pathlib import Path

import aiohttp
import pytest
from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaVideo,
    Message,
    Update,
)
from telegram.constants import ChatAction
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.fakes.telegram_api import (
    MB,
    FakeTelegram,
    free_port,
    polling,
    ptb_builder,
    webhook,
)

pytest_plugins = ["tests.fakes.telegram_fixtures"]

VIDEO_BYTES = bytes(range(256)) * 1024  # 256 KiB, every byte value present


async def test_get_me_identifies_the_bot(fake_telegram: FakeTelegram) -> None:
    async with ptb_builder(fake_telegram).build() as app:
        assert app.bot.username == fake_telegram.bot_username
        assert app.bot.id == fake_telegram.bot_id
        assert (await app.bot.get_me()).is_bot


async def test_wrong_token_is_refused(fake_telegram: FakeTelegram) -> None:
    app = ptb_builder(fake_telegram).token("42:wrong").build()
    try:
        with pytest.raises(InvalidToken):
            await app.initialize()
    finally:
        # PTB skips shutdown() when initialize() failed, leaving its HTTP client open
        await app.bot.request.shutdown()


async def test_polling_bot_answers_command_video_and_album(
    fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    dm = fake.private_chat(alice)
    albums: dict[str, list[Message]] = {}

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message and update.effective_user
        await update.effective_message.reply_text(f"Hi {update.effective_user.first_name}")

    async def on_video(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message and message.video
        if message.media_group_id:
            parts = albums.setdefault(message.media_group_id, [])
            parts.append(message)
            if len(parts) == 3:
                await message.reply_text(f"Album of {len(parts)}: {parts[0].caption}")
            return
        saved = await (await context.bot.get_file(message.video.file_id)).download_to_drive(
            tmp_path / "incoming.mp4"
        )
        await message.reply_text(f"Got {saved.stat().st_size} bytes: {message.caption}")

    app = ptb_builder(fake).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(MessageHandler(filters.VIDEO, on_video))
    async with polling(app):
        fake.text(dm, alice, "/start")
        answer = await fake.wait_for("sendMessage")
        assert answer.params["chat_id"] == dm.id
        assert answer.params["text"] == "Hi Alice"

        fake.video(dm, alice, VIDEO_BYTES, caption="make it shorter")
        await fake.wait_for("sendMessage", count=2)

        album = fake.album(dm, alice, [b"first clip", b"second clip", b"third clip"], "Cut these")
        await fake.wait_for("sendMessage", count=3)

    assert (tmp_path / "incoming.mp4").read_bytes() == VIDEO_BYTES
    assert fake.sent_texts(dm.id) == [
        "Hi Alice",
        f"Got {len(VIDEO_BYTES)} bytes: make it shorter",
        "Album of 3: Cut these",
    ]
    group_ids = {u["message"]["media_group_id"] for u in album}
    assert len(group_ids) == 1
    assert [u["message"].get("caption") for u in album] == ["Cut these", None, None]
    (parts,) = albums.values()
    assert [p.message_id for p in parts] == [u["message"]["message_id"] for u in album]
    assert fake.pending_updates == []  # the last poll confirmed every update


async def test_commands_in_a_forum_topic_are_answered_in_the_topic(
    fake_telegram: FakeTelegram,
) -> None:
    fake = fake_telegram
    bob = fake.user("Bob")
    studio = fake.supergroup("Studio", forum=True)
    topic = fake.forum_topic(studio, "Edits")

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message
        await update.effective_message.reply_text("Here")

    app = ptb_builder(fake).build()
    app.add_handler(CommandHandler("start", start))
    async with polling(app):
        update = fake.text(studio, bob, f"/start@{fake.bot_username}", thread_id=topic)
        answer = await fake.wait_for("sendMessage")

    assert update["message"]["entities"] == [
        {"type": "bot_command", "offset": 0, "length": len(f"/start@{fake.bot_username}")}
    ]
    assert answer.params["chat_id"] == studio.id
    assert answer.params["message_thread_id"] == topic
    assert answer.result["is_topic_message"] is True


async def test_privacy_mode_withholds_plain_group_chatter(fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    fake.privacy_mode = True
    carol = fake.user("Carol")
    group = fake.group("Editors")
    chatter = fake.text(group, carol, "nice weather")
    command = fake.text(group, carol, "/start")
    other_bot = fake.text(group, carol, "/start@some_other_bot")
    mention = fake.text(group, carol, f"hey @{fake.bot_username} trim it")
    private = fake.text(fake.private_chat(carol), carol, "hello")

    pending = {u["update_id"] for u in fake.pending_updates}
    assert pending == {command["update_id"], mention["update_id"], private["update_id"]}
    assert {u["update_id"] for u in fake.withheld_updates} == {
        chatter["update_id"],
        other_bot["update_id"],
    }


async def test_update_shapes_parse_in_ptb(fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    dave = fake.user("Dave", language_code="de")
    dm = fake.private_chat(dave)
    async with ptb_builder(fake).build() as app:
        bot = app.bot

        def parse(update: dict[str, object]) -> Update:
            parsed = Update.de_json(update, bot)
            assert parsed is not None
            return parsed

        text = parse(fake.text(dm, dave, "/export now, @someone"))
        assert text.effective_message and text.effective_message.date.tzinfo is not None
        assert filters.COMMAND.check_update(text)
        assert [e.type for e in text.effective_message.entities] == ["bot_command", "mention"]

        photo = parse(fake.photo(dm, dave, b"\xff\xd8 jpeg bytes", width=2560, height=1440))
        assert photo.effective_message
        sizes = photo.effective_message.photo
        assert [s.width for s in sizes] == [90, 320, 800, 2560]
        assert sizes[-1].file_size == len(b"\xff\xd8 jpeg bytes")

        video = parse(fake.video(dm, dave, b"mp4"))
        assert video.effective_message and video.effective_message.video
        assert len(video.effective_message.video.file_id) > 64  # never fits callback_data

        gif = parse(fake.animation(dm, dave, b"GIF89a"))
        assert filters.ANIMATION.check_update(gif)
        assert filters.Document.ALL.check_update(gif)  # Telegram sets both fields

        for builder, media_filter in [
            (fake.document, filters.Document.ALL),
            (fake.audio, filters.AUDIO),
            (fake.voice, filters.VOICE),
            (fake.video_note, filters.VIDEO_NOTE),
        ]:
            assert media_filter.check_update(parse(builder(dm, dave, b"bytes")))

        reply = parse(fake.text(dm, dave, "this one", reply_to=text.effective_message.message_id))
        assert reply.effective_message and reply.effective_message.reply_to_message
        assert reply.effective_message.reply_to_message.text == "/export now, @someone"

        edited = parse(fake.edit(dm, dave, text.effective_message.message_id, "/export later"))
        assert edited.edited_message and edited.edited_message.text == "/export later"

        sent = await bot.send_message(
            dm.id,
            "Pick",
            reply_markup=InlineKeyboardMarkup.from_button(
                InlineKeyboardButton("Vertical", callback_data="fmt:9x16")
            ),
        )
        query = parse(fake.callback(dm, dave, sent.message_id, "fmt:9x16")).callback_query
        assert query and query.chat_instance and query.data == "fmt:9x16"
        assert query.message and query.message.message_id == sent.message_id
        with pytest.raises(ValueError, match="no inline button"):
            fake.callback(dm, dave, sent.message_id, "fmt:forged")


async def test_big_files_are_refused_by_the_cloud_api(fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    erin = fake.user("Erin")
    dm = fake.private_chat(erin)
    update = fake.video(dm, erin, size=30 * MB)  # declared size only, nothing allocated
    async with ptb_builder(fake).build() as app:
        with pytest.raises(BadRequest, match="File is too big"):
            await app.bot.get_file(update["message"]["video"]["file_id"])
        with pytest.raises(BadRequest, match="Invalid file_id"):
            await app.bot.get_file("not-a-file-id")
        # a declared size below the limit downloads as that many bytes
        small = fake.document(dm, erin, size=5000, file_name="notes.txt")
        tg_file = await app.bot.get_file(small["message"]["document"]["file_id"])
        assert bytes(await tg_file.download_as_bytearray()) == bytes(5000)


async def test_local_mode_hands_out_paths_and_takes_file_uris(
    fake_telegram_local: FakeTelegram, tmp_path: Path
) -> None:
    fake = fake_telegram_local
    frank = fake.user("Frank")
    dm = fake.private_chat(frank)
    update = fake.video(dm, frank, size=21 * MB)
    async with ptb_builder(fake, local_mode=True).build() as app:
        tg_file = await app.bot.get_file(update["message"]["video"]["file_id"])
        assert tg_file.file_path and Path(tg_file.file_path).is_absolute()
        copy = await tg_file.download_to_drive(tmp_path / "copy.mp4")
        assert copy.stat().st_size == 21 * MB

        source = tmp_path / "render.mp4"
        source.write_bytes(VIDEO_BYTES)
        sent = await app.bot.send_document(dm.id, document=source)

    (call,) = fake.calls_to("sendDocument")
    assert call.params["document"] == source.absolute().as_uri()
    assert call.files == {}
    assert sent.document and sent.document.file_name == "render.mp4"
    assert fake.file(sent.document.file_id).data == VIDEO_BYTES


async def test_uploads_arrive_intact(fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    gina = fake.user("Gina")
    dm = fake.private_chat(gina)
    async with ptb_builder(fake).build() as app:
        bot = app.bot
        sent = await bot.send_video(
            dm.id,
            VIDEO_BYTES,
            filename="render.mp4",
            caption="Your video",
            width=1080,
            height=1920,
            supports_streaming=True,
        )
        (call,) = fake.calls_to("sendVideo")
        upload = call.files["video"]
        assert upload.data == VIDEO_BYTES
        assert upload.filename == "render.mp4"
        assert upload.content_type == "video/mp4"
        assert call.params["supports_streaming"] is True
        assert sent.video and sent.video.file_size == len(VIDEO_BYTES)
        assert (sent.video.width, sent.video.height) == (1080, 1920)
        assert sent.caption == "Your video"

        downloaded = await (await bot.get_file(sent.video.file_id)).download_as_bytearray()
        assert bytes(downloaded) == VIDEO_BYTES

        again = await bot.send_video(dm.id, sent.video.file_id)
        assert again.video and again.video.file_id == sent.video.file_id
        by_url = await bot.send_document(dm.id, "https://cdn.example.com/out/final.mp4")
        assert by_url.document and by_url.document.file_name == "final.mp4"
        with pytest.raises(BadRequest, match="Wrong file identifier"):
            await bot.send_video(dm.id, "no-such-file-id")

        photo = await bot.send_photo(dm.id, b"\xff\xd8 a jpeg", filename="still.jpg")
        assert photo.photo and photo.photo[-1].file_size == len(b"\xff\xd8 a jpeg")
        audio = await bot.send_audio(dm.id, b"ID3 audio", filename="track.mp3", duration=4)
        assert audio.audio and audio.audio.file_name == "track.mp3"

        fake.upload_limit = 1000
        with pytest.raises(NetworkError, match="Request Entity Too Large"):
            await bot.send_document(dm.id, bytes(1001), filename="big.bin")

    assert [u.filename for u in fake.uploads] == ["render.mp4", "still.jpg", "track.mp3", "big.bin"]


async def test_media_group_upload(fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    hana = fake.user("Hana")
    dm = fake.private_chat(hana)
    async with ptb_builder(fake).build() as app:
        messages = await app.bot.send_media_group(
            dm.id,
            [
                InputMediaVideo(b"first render", filename="a.mp4", caption="Two cuts"),
                InputMediaVideo(b"second render", filename="b.mp4"),
            ],
        )
    assert len({m.media_group_id for m in messages}) == 1
    assert [m.caption for m in messages] == ["Two cuts", None]
    (call,) = fake.calls_to("sendMediaGroup")
    assert sorted(f.data for f in call.files.values()) == [b"first render", b"second render"]
    assert all(item["media"].startswith("attach://") for item in call.params["media"])


async def test_callback_query_is_answered_and_message_edited(
    fake_telegram: FakeTelegram,
) -> None:
    fake = fake_telegram
    ivan = fake.user("Ivan")
    dm = fake.private_chat(ivan)

    async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton("Vertical", callback_data="fmt:9x16"),
                    InlineKeyboardButton("Square", callback_data="fmt:1x1"),
                ]
            ]
        )
        await update.effective_message.reply_text("Which format?", reply_markup=keyboard)

    async def chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query
        await query.answer("Rendering…")
        await query.edit_message_text(f"Format: {query.data}")

    app = ptb_builder(fake).build()
    app.add_handler(CommandHandler("menu", menu))
    app.add_handler(CallbackQueryHandler(chosen))
    async with polling(app):
        fake.text(dm, ivan, "/menu")
        keyboard_message = (await fake.wait_for("sendMessage")).result
        press = fake.callback(dm, ivan, keyboard_message["message_id"], "fmt:1x1")
        await fake.wait_for("editMessageText")

    query_id = press["callback_query"]["id"]
    answer = fake.callback_answer(query_id)
    assert answer and answer["text"] == "Rendering…"
    current = fake.message(dm.id, keyboard_message["message_id"])
    assert current and current["text"] == "Format: fmt:1x1"
    assert "reply_markup" not in current  # an edit without markup removes the keyboard
    assert len(fake.edits(keyboard_message["message_id"], dm.id)) == 1


async def test_edit_errors_surface_as_bad_request(fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    jan = fake.user("Jan")
    dm = fake.private_chat(jan)
    keyboard = InlineKeyboardMarkup.from_button(InlineKeyboardButton("Stop", callback_data="stop"))
    async with ptb_builder(fake).build() as app:
        bot = app.bot
        sent = await bot.send_message(dm.id, "Rendering… 10%", reply_markup=keyboard)
        with pytest.raises(BadRequest, match=r"^Message is not modified"):
            await bot.edit_message_text(
                "Rendering… 10%", dm.id, sent.message_id, reply_markup=keyboard
            )
        await bot.edit_message_text("Rendering… 10%", dm.id, sent.message_id)  # drops keyboard
        await bot.edit_message_text("Rendering… 50%", dm.id, sent.message_id)
        with pytest.raises(BadRequest, match="Message to edit not found"):
            await bot.edit_message_text("x", dm.id, 999)
        user_message = fake.text(dm, jan, "mine")["message"]["message_id"]
        with pytest.raises(BadRequest, match="Message can't be edited"):
            await bot.edit_message_text("x", dm.id, user_message)
        with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
            await bot.send_message(
                dm.id,
                "x",
                reply_markup=InlineKeyboardMarkup.from_button(
                    InlineKeyboardButton("Too long", callback_data="x" * 65)
                ),
            )

    edits = fake.edits(sent.message_id)
    assert [e.params["text"] for e in edits] == ["Rendering… 10%", "Rendering… 50%"]
    assert len(fake.calls_to("editMessageText")) == 5


async def test_parse_modes_are_applied_and_checked(fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    kim = fake.user("Kim")
    dm = fake.private_chat(kim)
    async with ptb_builder(fake).build() as app:
        bot = app.bot
        html = await bot.send_message(
            dm.id, "<b>Done</b> &amp; <a href='https://x.example/v'>ready</a>", parse_mode="HTML"
        )
        assert html.text == "Done & ready"
        assert [(e.type, e.offset, e.length) for e in html.entities] == [
            ("bold", 0, 4),
            ("text_link", 7, 5),
        ]
        with pytest.raises(BadRequest, match="Can't parse entities"):
            await bot.send_message(dm.id, "<b>unclosed", parse_mode="HTML")

        v2 = await bot.send_message(dm.id, r"*50%* done\.", parse_mode="MarkdownV2")
        assert v2.text == "50% done."
        with pytest.raises(BadRequest, match=r"(?i)character '\.' is reserved"):
            await bot.send_message(dm.id, "Done.", parse_mode="MarkdownV2")


async def test_blocked_missing_and_unknown_chats(fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    leo = fake.user("Leo")
    dm = fake.private_chat(leo)
    group = fake.group()
    async with ptb_builder(fake).build() as app:
        bot = app.bot
        fake.block(dm.id)
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await bot.send_message(dm.id, "Your video is ready")
        with pytest.raises(Forbidden):
            await bot.send_chat_action(dm.id, ChatAction.UPLOAD_VIDEO)
        fake.unblock(dm.id)
        await bot.send_message(dm.id, "Back")

        fake.chat_not_found(group.id)
        with pytest.raises(BadRequest, match="Chat not found"):
            await bot.send_message(group.id, "hello")
        with pytest.raises(BadRequest, match="Chat not found"):
            await bot.send_message(123456, "a chat the bot never saw")

    failed = [c for c in fake.calls if not c.ok]
    assert [(c.method, c.error_code) for c in failed] == [
        ("sendMessage", 403),
        ("sendChatAction", 403),
        ("sendMessage", 400),
        ("sendMessage", 400),
    ]


async def test_flood_control_raises_retry_after(
    fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    fake = fake_telegram
    mia = fake.user("Mia")
    dm = fake.private_chat(mia)
    async with ptb_builder(fake).build() as app:
        sent = await app.bot.send_message(dm.id, "Rendering… 10%")
        fake.flood(retry_after=7, chat_id=dm.id, method="editMessageText")
        with pytest.raises(RetryAfter) as caught:
            await app.bot.edit_message_text("Rendering… 20%", dm.id, sent.message_id)
        assert caught.value.retry_after == dtm.timedelta(seconds=7)
        await app.bot.edit_message_text("Rendering… 20%", dm.id, sent.message_id)

    (flooded,) = [c for c in fake.calls if c.error_code == 429]
    assert flooded.description == "Too Many Requests: retry after 7"


async def test_commands_are_kept_per_language_and_scope(fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    async with ptb_builder(fake).build() as app:
        bot = app.bot
        await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("export", "Render")])
        await bot.set_my_commands(
            [BotCommand("start", "Начать"), BotCommand("export", "Рендер")], language_code="ru"
        )
        await bot.set_my_commands(
            [BotCommand("export", "Render")], scope=BotCommandScopeAllGroupChats()
        )
        russian = await bot.get_my_commands(language_code="ru")
        with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
            await bot.set_my_commands([BotCommand("/Start", "Wrong")])

    assert [c.description for c in russian] == ["Начать", "Рендер"]
    assert [c["command"] for c in fake.commands()] == ["start", "export"]
    assert fake.commands("ru")[0]["description"] == "Начать"
    assert fake.commands(scope={"type": "all_group_chats"}) == [
        {"command": "export", "description": "Render"}
    ]
    assert fake.commands("de") == []


async def test_chat_actions_deletes_and_unknown_methods(fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    nia = fake.user("Nia")
    dm = fake.private_chat(nia)
    async with ptb_builder(fake).build() as app:
        bot = app.bot
        await bot.send_chat_action(dm.id, ChatAction.UPLOAD_VIDEO)
        sent = await bot.send_message(dm.id, "temporary")
        assert await bot.delete_message(dm.id, sent.message_id)
        with pytest.raises(BadRequest, match="Message to delete not found"):
            await bot.delete_message(dm.id, sent.message_id)
        assert await bot.do_api_request("someFutureMethod", api_kwargs={"chat_id": dm.id})

    assert fake.chat_actions(dm.id) == ["upload_video"]
    assert fake.deleted(dm.id) == [sent.message_id]
    (future,) = fake.calls_to("someFutureMethod")
    assert future.ok and not future.known and future.params == {"chat_id": dm.id}


async def test_long_poll_wakes_on_update_and_honours_offset(fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    omar = fake.user("Omar")
    dm = fake.private_chat(omar)
    async with ptb_builder(fake).build() as app:
        bot = app.bot
        assert await bot.get_updates(timeout=0) == ()

        poll = asyncio.create_task(bot.get_updates(timeout=30, read_timeout=35))
        await fake.wait_for_poll()
        queued = fake.text(dm, omar, "wake up")
        async with asyncio.timeout(5):  # far below the poll's 30 s: the update woke it
            updates = await poll
        assert [u.update_id for u in updates] == [queued["update_id"]]
        await fake.wait_delivered(queued)

        # an unconfirmed update is handed out again; the offset confirms it
        again = await bot.get_updates(timeout=0)
        assert [u.update_id for u in again] == [queued["update_id"]]
        assert await bot.get_updates(offset=queued["update_id"] + 1, timeout=0) == ()
        assert fake.pending_updates == []

        # a second bot instance polling terminates the first one's poll, as on Telegram
        async with ptb_builder(fake).build() as other:
            first = asyncio.create_task(bot.get_updates(timeout=30, read_timeout=35))
            await fake.wait_for_poll()
            second = asyncio.create_task(other.bot.get_updates(timeout=30, read_timeout=35))
            with pytest.raises(Conflict, match="terminated by other getUpdates request"):
                await first
            fake.text(dm, omar, "for the second instance")
            assert len(await second) == 1


async def test_json_and_form_bodies_are_understood(fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    pia = fake.user("Pia")
    dm = fake.private_chat(pia)
    url = f"{fake.base_url}{fake.token}/sendMessage"
    async with aiohttp.ClientSession() as session:
        async with session.post(url, json={"chat_id": dm.id, "text": "123"}) as response:
            body = await response.json()
            assert body["ok"] and body["result"]["text"] == "123"
        async with session.post(url, data={"chat_id": str(dm.id), "text": "true"}) as response:
            body = await response.json()
            assert body["ok"] and body["result"]["text"] == "true"
        async with session.post(url, data={"chat_id": str(dm.id)}) as response:
            assert response.status == 400
            assert await response.json() == {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: message text is empty",
            }


async def test_webhook_mode_delivers_with_the_secret_header(fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    pat = fake.user("Pat")
    dm = fake.private_chat(pat)
    handled: list[int] = []

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message
        handled.append(update.update_id)
        await update.effective_message.reply_text("Hello from the webhook")

    app = ptb_builder(fake).build()
    app.add_handler(CommandHandler("start", start))
    async with webhook(app, secret_token="s3cret-Token_1") as url:
        assert fake.webhook_url == url
        info = await app.bot.get_webhook_info()
        assert info.url == url
        with pytest.raises(Conflict, match="webhook is active"):
            await app.bot.get_updates()

        first = fake.text(dm, pat, "/start")
        await fake.wait_for("sendMessage")
        assert fake.webhook_deliveries[0].secret_token == "s3cret-Token_1"
        assert fake.webhook_deliveries[0].status == 200

        stray = fake.text(dm, pat, "/start", queue=False)
        assert await fake.post_to_webhook(stray, secret_token="wrong") == 403
        assert await fake.post_to_webhook(stray, secret_token=None) == 403

        second = fake.text(dm, pat, "/start")
        await fake.wait_for("sendMessage", count=2)

    assert handled == [first["update_id"], second["update_id"]]
    assert [d.ok for d in fake.webhook_deliveries] == [True, True]
    assert fake.pending_updates == []


async def test_failed_webhook_deliveries_are_reported(fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    quinn = fake.user("Quinn")
    dm = fake.private_chat(quinn)
    dead_url = f"http://127.0.0.1:{free_port()}/telegram"  # nothing listens there
    async with ptb_builder(fake).build() as app:
        await app.bot.set_webhook(dead_url, secret_token="s3cret")
        update = fake.text(dm, quinn, "/start")
        await fake.wait_until(lambda: bool(fake.webhook_deliveries), what="a delivery attempt")
        info = await app.bot.get_webhook_info()
        await app.bot.delete_webhook()

    attempt = fake.webhook_deliveries[0]
    assert attempt.update_id == update["update_id"] and not attempt.ok
    assert info.pending_update_count == 1
    assert info.last_error_message and info.last_error_message.startswith("Connection failed")
    assert [u["update_id"] for u in fake.pending_updates] == [update["update_id"]]
