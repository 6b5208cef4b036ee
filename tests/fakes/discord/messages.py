"""REST routes for channel messages: send (with uploads, replies and the per-guild upload
cap), edit, delete, typing; and the checks on content Discord makes."""

from __future__ import annotations

import re

from tests.fakes.discord.gateway import Gateway
from tests.fakes.discord.model import FakeAttachment, FakeChannel, FakeMessage
from tests.fakes.discord.payloads import Payloads
from tests.fakes.discord.records import RecordedFile, RecordedRequest
from tests.fakes.discord.wire import (
    JSON,
    MAX_CONTENT_LENGTH,
    MESSAGE_FLAG_EPHEMERAL,
    MESSAGE_FLAG_LOADING,
    ApiError,
    Reply,
    guess_content_type,
    invalid_form,
    iso,
    to_int,
)
from tests.fakes.discord.world import World


class Messages:
    """Message routes, and the message rules interactions share."""

    def __init__(self, world: World, payloads: Payloads, gateway: Gateway) -> None:
        self.world = world
        self.payloads = payloads
        self.gateway = gateway

    def live_channel(self, channel_id: str) -> FakeChannel:
        """A channel that exists, or 404 Unknown Channel (10003)."""
        channel = self.world.channels.get(to_int(channel_id))
        if channel is None or channel.deleted:
            raise ApiError(404, 10003, "Unknown Channel")
        return channel

    def _writable_channel(self, channel_id: str) -> FakeChannel:
        channel = self.live_channel(channel_id)
        if channel.denied:
            raise ApiError(403, 50013, "Missing Permissions")
        return channel

    def _channel_message(self, channel: FakeChannel, message_id: str) -> FakeMessage:
        message = self.world.messages.get(to_int(message_id))
        if message is None or message.deleted or message.channel_id != channel.id:
            raise ApiError(404, 10008, "Unknown Message")
        return message

    @staticmethod
    def check(payload: JSON, files: list[RecordedFile], limit: int) -> None:
        """Refuse uploads over the cap (413, 40005) and content over 2000 characters."""
        if any(len(f.data) > limit for f in files):
            raise ApiError(413, 40005, "Request entity too large")
        content = payload.get("content")
        if isinstance(content, str) and len(content) > MAX_CONTENT_LENGTH:
            raise invalid_form("content", "BASE_TYPE_MAX_LENGTH",
                               f"Must be {MAX_CONTENT_LENGTH} or fewer in length.")

    def attachments(self, payload: JSON, files: list[RecordedFile], channel_id: int,
                    current: list[FakeAttachment], *, editing: bool) -> list[FakeAttachment]:
        """The attachments a send or edit leaves on a message: uploads (``files[n]``, named by
        ``payload.attachments``) and, when editing, the kept ones."""
        uploads: dict[int, RecordedFile] = {}
        for index, upload in enumerate(files):
            found = re.fullmatch(r"files\[(\d+)\]", upload.field)
            uploads[int(found.group(1)) if found else index] = upload

        def new(index: int, meta: JSON) -> FakeAttachment:
            upload = uploads[index]
            name = str(meta.get("filename") or upload.filename)
            return self.world.add_attachment(
                upload.data, name, guess_content_type(upload.filename, upload.content_type),
                channel=channel_id, description=meta.get("description"))

        specs = payload.get("attachments")
        if specs is None:
            return (list(current) if editing else []) + [new(i, {}) for i in sorted(uploads)]
        kept = {a.id: a for a in current}
        result = []
        for spec in specs:
            ident = to_int(spec.get("id"))
            if ident in uploads:
                result.append(new(ident, spec))
            elif ident in kept:
                result.append(kept[ident])
        return result

    def apply_edit(self, message: FakeMessage, payload: JSON, files: list[RecordedFile],
                   limit: int) -> None:
        """Edit a stored message (its previous state goes to ``history``)."""
        self.check(payload, files, limit)
        message.history.append(self.payloads.rest_message(message))
        if "content" in payload:
            message.content = payload["content"] or ""
        if "embeds" in payload:
            message.embeds = list(payload["embeds"] or [])
        if "components" in payload:
            message.components = list(payload["components"] or [])
        if "attachments" in payload or files:
            message.attachments = self.attachments(payload, files, message.channel_id,
                                                   message.attachments, editing=True)
        if payload.get("flags") is not None:
            keep = message.flags & (MESSAGE_FLAG_EPHEMERAL | MESSAGE_FLAG_LOADING)
            message.flags = int(payload["flags"]) | keep
        message.flags &= ~MESSAGE_FLAG_LOADING
        message.edited_timestamp = iso(self.world.now())

    def _reference(self, payload: JSON) -> int | None:
        ref = payload.get("message_reference")
        if not isinstance(ref, dict) or ref.get("message_id") is None:
            return None
        reference_id = to_int(ref["message_id"])
        if reference_id not in self.world.messages and ref.get("fail_if_not_exists", True):
            raise invalid_form("message_reference", "REPLIES_UNKNOWN_MESSAGE", "Unknown message")
        return reference_id

    async def create(self, rec: RecordedRequest, channel_id: str) -> Reply:
        """POST a message to a channel."""
        channel = self._writable_channel(channel_id)
        if channel.no_files and rec.files:
            raise ApiError(403, 50013, "Missing Permissions")
        payload: JSON = rec.json if isinstance(rec.json, dict) else {}
        self.check(payload, rec.files, self.world.filesize_limit(channel))
        attachments = self.attachments(payload, rec.files, channel.id, [], editing=False)
        content = payload.get("content") or ""
        if not (content or attachments or payload.get("embeds") or payload.get("components")
                or payload.get("sticker_ids") or payload.get("poll")):
            raise ApiError(400, 50006, "Cannot send an empty message")
        reference_id = self._reference(payload)
        message = FakeMessage(
            id=self.world.snowflake(), channel_id=channel.id, guild_id=channel.guild_id,
            author=self.world.bot, content=content, attachments=attachments,
            embeds=list(payload.get("embeds") or []),
            components=list(payload.get("components") or []),
            flags=int(payload.get("flags") or 0), type=19 if reference_id is not None else 0,
            reference_id=reference_id)
        self.world.messages[message.id] = message
        await self.gateway.echo("MESSAGE_CREATE", message)
        return Reply(body=self.payloads.rest_message(message))

    async def edit(self, rec: RecordedRequest, channel_id: str, message_id: str) -> Reply:
        """PATCH one of the bot's messages."""
        channel = self.live_channel(channel_id)
        message = self._channel_message(channel, message_id)
        if message.author.id != self.world.bot.id:
            raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        payload = rec.json if isinstance(rec.json, dict) else {}
        self.apply_edit(message, payload, rec.files, self.world.filesize_limit(channel))
        await self.gateway.echo("MESSAGE_UPDATE", message)
        return Reply(body=self.payloads.rest_message(message))

    async def delete(self, rec: RecordedRequest, channel_id: str, message_id: str) -> Reply:
        """DELETE a message (someone else's needs Manage Messages)."""
        channel = self.live_channel(channel_id)
        message = self._channel_message(channel, message_id)
        if message.author.id != self.world.bot.id and channel.denied:
            raise ApiError(403, 50013, "Missing Permissions")
        message.deleted = True
        await self.gateway.echo("MESSAGE_DELETE", message)
        return Reply(status=204)

    async def typing(self, rec: RecordedRequest, channel_id: str) -> Reply:
        """The typing indicator."""
        self._writable_channel(channel_id)
        return Reply(status=204)
