"""REST routes for interactions: the initial response (within the 3 s acknowledgement
window), and followups and edits through the interaction's webhook (while its 15 min token
lives)."""

from __future__ import annotations

from tests.fakes.discord.gateway import Gateway
from tests.fakes.discord.messages import Messages
from tests.fakes.discord.model import FakeInteraction, FakeMessage, InteractionResponse
from tests.fakes.discord.payloads import Payloads
from tests.fakes.discord.records import RecordedRequest
from tests.fakes.discord.wire import (
    INTERACTION_APPLICATION_COMMAND,
    JSON,
    MESSAGE_FLAG_EPHEMERAL,
    MESSAGE_FLAG_LOADING,
    ApiError,
    Reply,
    invalid_form,
    to_int,
)
from tests.fakes.discord.world import World

_TRUE = ("1", "true", "True")


class Interactions:
    """Interaction callback and webhook routes."""

    def __init__(self, world: World, payloads: Payloads, gateway: Gateway,
                 messages: Messages) -> None:
        self.world = world
        self.payloads = payloads
        self.gateway = gateway
        self.messages = messages

    def _live(self, app_id: str, token: str) -> FakeInteraction:
        try:
            ix = self.world.interaction_by_token(token)
        except KeyError:
            raise ApiError(404, 10015, "Unknown Webhook") from None
        if to_int(app_id) != self.world.application_id:
            raise ApiError(404, 10015, "Unknown Webhook")
        if self.world.now() - ix.created_at > self.world.interaction_token_ttl:
            raise ApiError(401, 50027, "Invalid Webhook Token")  # as Discord answers it
        return ix

    def _message(self, ix: FakeInteraction, payload: JSON, flags: int) -> FakeMessage:
        command = ix.type == INTERACTION_APPLICATION_COMMAND
        app_id = self.world.application_id
        return FakeMessage(
            id=self.world.snowflake(), channel_id=ix.channel.id, guild_id=ix.channel.guild_id,
            author=self.world.bot, content=payload.get("content") or "",
            embeds=list(payload.get("embeds") or []),
            components=list(payload.get("components") or []), flags=flags,
            type=20 if command else 0, webhook_id=app_id, application_id=app_id,
            interaction_metadata={
                "id": str(ix.id), "type": ix.type, "user": ix.user.to_payload(),
                "authorizing_integration_owners": {"0": str(ix.channel.guild_id or 0)},
                **({"name": ix.data.get("name")} if command else {})})

    def _acknowledgeable(self, interaction_id: str, token: str) -> FakeInteraction:
        ix = self.world.interactions.get(to_int(interaction_id))
        if ix is None or ix.token != token:
            raise ApiError(404, 10062, "Unknown interaction")
        deadline = self.world.interaction_ack_deadline
        if deadline is not None and self.world.now() - ix.created_at > deadline:
            raise ApiError(404, 10062, "Unknown interaction")
        if ix.acknowledged:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        return ix

    async def _respond(self, ix: FakeInteraction, kind: int, data: JSON,
                       rec: RecordedRequest) -> FakeMessage | None:
        limit = self.world.filesize_limit(ix.channel)
        if kind in (4, 5):  # a message now, or "thinking" until the first followup
            flags = int(data.get("flags") or 0)
            if kind == 5:
                flags = MESSAGE_FLAG_LOADING | (flags & MESSAGE_FLAG_EPHEMERAL)
            message = self._message(ix, data if kind == 4 else {}, flags)
            if kind == 4:
                message.attachments = self.messages.attachments(data, rec.files, ix.channel.id,
                                                                [], editing=False)
            self.world.messages[message.id] = ix.original = message
            await self.gateway.echo("MESSAGE_CREATE", message)
            return message
        if kind in (6, 7):  # acknowledge a component press, maybe editing its message
            if ix.message is None:
                raise ApiError(400, 40043, "Interaction response type not valid here")
            ix.original = ix.message
            if kind == 7:
                self.messages.apply_edit(ix.message, data, rec.files, limit)
                await self.gateway.echo("MESSAGE_UPDATE", ix.message)
            return ix.message
        if kind not in (1, 8, 9, 12):
            raise invalid_form("type", "BASE_TYPE_CHOICES", "Value must be one of valid types.")
        return None

    async def callback(self, rec: RecordedRequest, interaction_id: str, token: str) -> Reply:
        """POST the initial response."""
        ix = self._acknowledgeable(interaction_id, token)
        body = rec.json if isinstance(rec.json, dict) else {}
        kind = int(body.get("type", 0))
        data: JSON = body.get("data") or {}
        self.messages.check(data, rec.files, self.world.filesize_limit(ix.channel))
        message = await self._respond(ix, kind, data, rec)
        ix.responses.append(InteractionResponse(kind, data, list(rec.files)))
        if rec.query.get("with_response") not in _TRUE:
            return Reply(status=204)
        summary: JSON = {"id": str(ix.id), "type": ix.type}
        result: JSON = {"interaction": summary}
        if message is not None and kind in (4, 5, 7):
            summary.update(response_message_id=str(message.id),
                           response_message_loading=message.loading,
                           response_message_ephemeral=message.ephemeral)
            result["resource"] = {"type": kind, "message": self.payloads.rest_message(message)}
        return Reply(body=result)

    async def execute_webhook(self, rec: RecordedRequest, app_id: str, token: str) -> Reply:
        """POST a followup; the first one after a deferral replaces the "thinking" message."""
        ix = self._live(app_id, token)
        if not ix.acknowledged:
            raise ApiError(404, 10015, "Unknown Webhook")
        payload = rec.json if isinstance(rec.json, dict) else {}
        limit = self.world.filesize_limit(ix.channel)
        self.messages.check(payload, rec.files, limit)
        original = ix.original
        if original is not None and original.loading:
            self.messages.apply_edit(original, payload, rec.files, limit)
            message = original
            await self.gateway.echo("MESSAGE_UPDATE", message)
        else:
            message = self._message(ix, payload, int(payload.get("flags") or 0))
            message.attachments = self.messages.attachments(payload, rec.files, ix.channel.id,
                                                            [], editing=False)
            if not (message.content or message.attachments or message.embeds
                    or message.components):
                raise ApiError(400, 50006, "Cannot send an empty message")
            self.world.messages[message.id] = message
            await self.gateway.echo("MESSAGE_CREATE", message)
        ix.followups.append(message)
        if rec.query.get("wait") in _TRUE:
            return Reply(body=self.payloads.rest_message(message))
        return Reply(status=204)

    def _target(self, ix: FakeInteraction, message_id: str) -> FakeMessage:
        if message_id == "@original":
            if ix.original is None or ix.original.deleted:
                raise ApiError(404, 10008, "Unknown Message")
            return ix.original
        for message in ix.followups:
            if str(message.id) == message_id and not message.deleted:
                return message
        raise ApiError(404, 10008, "Unknown Message")

    async def get_message(self, rec: RecordedRequest, app_id: str, token: str,
                          message_id: str) -> Reply:
        """GET the original response or a followup."""
        ix = self._live(app_id, token)
        return Reply(body=self.payloads.rest_message(self._target(ix, message_id)))

    async def edit_message(self, rec: RecordedRequest, app_id: str, token: str,
                           message_id: str) -> Reply:
        """PATCH the original response or a followup."""
        ix = self._live(app_id, token)
        message = self._target(ix, message_id)
        payload = rec.json if isinstance(rec.json, dict) else {}
        self.messages.apply_edit(message, payload, rec.files,
                                 self.world.filesize_limit(ix.channel))
        await self.gateway.echo("MESSAGE_UPDATE", message)
        return Reply(body=self.payloads.rest_message(message))

    async def delete_message(self, rec: RecordedRequest, app_id: str, token: str,
                             message_id: str) -> Reply:
        """DELETE the original response or a followup."""
        ix = self._live(app_id, token)
        message = self._target(ix, message_id)
        message.deleted = True
        await self.gateway.echo("MESSAGE_DELETE", message)
        return Reply(status=204)
