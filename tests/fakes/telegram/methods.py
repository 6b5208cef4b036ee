"""The Bot API methods a bot calls to act (send, edit, delete, upload, answer buttons, publish
commands, fetch files), answered the way api.telegram.org answers them."""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from tests.fakes.telegram.files import (
    MEDIA_KINDS,
    FileLimits,
    FileStore,
    media_content,
    thumbnail_of,
)
from tests.fakes.telegram.state import Chats, StoredMessage, commands_key
from tests.fakes.telegram.wire import (
    CHAT_ACTIONS,
    NOT_MODIFIED,
    JSONDict,
    UploadedFile,
    bad_request,
    caption_content,
    check_markup,
    now,
    text_content,
)

Handler = Callable[[JSONDict, dict[str, UploadedFile]], Awaitable[Any]]


class BotMethods:
    """The handlers of the bot's actions, on one fake's chats and files."""

    def __init__(self, chats: Chats, files: FileStore, limits: FileLimits,
                 files_root: Callable[[], Path], *, can_read_all_group_messages: bool) -> None:
        self.chats = chats
        self.files = files
        self.limits = limits
        self._files_root = files_root
        self._reads_all = can_read_all_group_messages

    def table(self) -> dict[str, Handler]:
        """Method name -> handler."""
        table: dict[str, Handler] = {
            "getMe": self.get_me,
            "sendMessage": self.send_message,
            "editMessageText": self.edit_message_text,
            "editMessageCaption": self.edit_message_caption,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "deleteMessage": self.delete_message,
            "sendChatAction": self.send_chat_action,
            "answerCallbackQuery": self.answer_callback_query,
            "setMyCommands": self.set_my_commands,
            "getFile": self.get_file,
        }
        for kind in MEDIA_KINDS:
            method = "send" + "".join(part.capitalize() for part in kind.split("_"))
            table[method] = functools.partial(self.send_media, kind)
        return table

    async def get_me(self, params: JSONDict, files: dict[str, UploadedFile]) -> JSONDict:
        """The bot itself, with its capabilities."""
        return {**self.chats.bot_user.to_dict(), "can_join_groups": True,
                "can_read_all_group_messages": self._reads_all,
                "supports_inline_queries": False, "can_connect_to_business": False,
                "has_main_web_app": False}

    async def send_message(self, params: JSONDict, files: dict[str, UploadedFile]) -> JSONDict:
        """A text message from the bot."""
        chat = self.chats.resolve(params.get("chat_id"))
        return self.chats.bot_message(chat, params, text_content(params))

    async def send_media(self, kind: str, params: JSONDict,
                         files: dict[str, UploadedFile]) -> JSONDict:
        """A media message from the bot (``sendVideo``, ``sendDocument``...)."""
        chat = self.chats.resolve(params.get("chat_id"))
        caption = caption_content(params)
        entry = await self.files.from_input(kind, params.get(kind), files, params,
                                            local_mode=self.limits.local_mode,
                                            upload_limit=self.limits.upload)
        content = {**media_content(entry), **caption}
        if kind in ("video", "animation", "document", "audio") and (
                thumb := thumbnail_of(params, files, self.files)) is not None:
            content[kind]["thumbnail"] = thumb
        if params.get("has_spoiler"):
            content["has_media_spoiler"] = True
        return self.chats.bot_message(chat, params, content)

    def _editable(self, params: JSONDict) -> StoredMessage | None:
        if params.get("inline_message_id"):
            return None
        chat = self.chats.resolve(params.get("chat_id"))
        if params.get("message_id") is None:
            raise bad_request("message identifier is not specified")
        stored = self.chats.stored(chat.id, int(params["message_id"]))
        if stored is None:
            raise bad_request("message to edit not found")
        if not stored.from_bot:
            raise bad_request("message can't be edited")
        return stored

    @staticmethod
    def _apply_edit(stored: StoredMessage, changes: JSONDict) -> JSONDict:
        markup = check_markup(changes.pop("reply_markup", None))
        current = {k: stored.data.get(k) for k in changes}
        if current == changes and stored.data.get("reply_markup") == markup:
            raise bad_request(NOT_MODIFIED)
        for key, value in changes.items():
            if value:
                stored.data[key] = value
            else:
                stored.data.pop(key, None)
        if markup is not None:
            stored.data["reply_markup"] = markup
        else:  # an edit without markup removes the keyboard
            stored.data.pop("reply_markup", None)
        stored.data["edit_date"] = now()
        return copy.deepcopy(stored.data)

    async def edit_message_text(self, params: JSONDict,
                                files: dict[str, UploadedFile]) -> JSONDict | bool:
        """New text (and keyboard) for one of the bot's text messages."""
        stored = self._editable(params)
        content = text_content(params)
        if stored is None:
            return True
        if "text" not in stored.data:
            raise bad_request("there is no text in the message to edit")
        return self._apply_edit(stored, {"text": content["text"],
                                         "entities": content.get("entities"),
                                         "reply_markup": params.get("reply_markup")})

    async def edit_message_caption(self, params: JSONDict,
                                   files: dict[str, UploadedFile]) -> JSONDict | bool:
        """A new caption (and keyboard) for one of the bot's media messages."""
        stored = self._editable(params)
        content = caption_content(params)
        if stored is None:
            return True
        if "text" in stored.data:
            raise bad_request("there is no caption in the message to edit")
        return self._apply_edit(stored, {"caption": content.get("caption"),
                                         "caption_entities": content.get("caption_entities"),
                                         "reply_markup": params.get("reply_markup")})

    async def edit_message_reply_markup(self, params: JSONDict,
                                        files: dict[str, UploadedFile]) -> JSONDict | bool:
        """A new keyboard (or none) under one of the bot's messages."""
        stored = self._editable(params)
        if stored is None:
            return True
        return self._apply_edit(stored, {"reply_markup": params.get("reply_markup")})

    async def delete_message(self, params: JSONDict, files: dict[str, UploadedFile]) -> bool:
        """Delete a message (the bot's, or a user's in a group)."""
        chat = self.chats.resolve(params.get("chat_id"))
        stored = self.chats.stored(chat.id, int(params.get("message_id") or 0))
        if stored is None:
            raise bad_request("message to delete not found")
        stored.deleted = True
        return True

    async def send_chat_action(self, params: JSONDict, files: dict[str, UploadedFile]) -> bool:
        """Show "typing", "upload_video"... in a chat."""
        chat = self.chats.resolve(params.get("chat_id"))
        self.chats.check_thread(chat, params.get("message_thread_id"))
        if params.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    async def answer_callback_query(self, params: JSONDict,
                                    files: dict[str, UploadedFile]) -> bool:
        """The answer to a button press, once per press."""
        query_id = str(params.get("callback_query_id") or "")
        if self.chats.callback_queries.get(query_id, True):
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid")
        if len(str(params.get("text") or "")) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        self.chats.callback_queries[query_id] = True
        self.chats.callback_answers[query_id] = dict(params)
        return True

    async def set_my_commands(self, params: JSONDict, files: dict[str, UploadedFile]) -> bool:
        """The command list of one scope and language (an empty list removes it)."""
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad_request("too many commands")
        cleaned = [_command(item) for item in commands]
        language = str(params.get("language_code") or "")
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise bad_request("invalid language code specified")
        key = commands_key(params.get("scope"), language)
        if cleaned:
            self.chats.commands[key] = cleaned
        else:
            self.chats.commands.pop(key, None)
        return True

    async def get_file(self, params: JSONDict, files: dict[str, UploadedFile]) -> JSONDict:
        """A file's download path (a path on disk in local mode); 400 past the cloud API's
        20 MB download limit."""
        entry = self.files.by_id.get(str(params.get("file_id") or ""))
        if entry is None:
            raise bad_request("invalid file_id")
        limit = self.limits.download
        if limit is not None and entry.size > limit:
            raise bad_request("file is too big")
        result: JSONDict = {"file_id": entry.file_id, "file_unique_id": entry.file_unique_id,
                            "file_size": entry.size, "file_path": entry.file_path}
        if self.limits.local_mode:
            result["file_path"] = str(await self.files.materialize(entry, self._files_root()))
        return result


def _command(item: Any) -> JSONDict:
    if not isinstance(item, dict):
        raise bad_request("can't parse BotCommand")
    command, description = str(item.get("command", "")), str(item.get("description", ""))
    if not re.fullmatch(r"[a-z0-9_]{1,32}", command):
        raise bad_request("BOT_COMMAND_INVALID")
    if not 1 <= len(description) <= 256:
        raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    return {"command": command, "description": description}
