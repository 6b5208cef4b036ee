"""REST routes for the bot itself: who it is (login), its application, and syncing its
slash commands (globally or per guild)."""

from __future__ import annotations

import secrets

from tests.fakes.discord.payloads import Payloads
from tests.fakes.discord.records import RecordedRequest
from tests.fakes.discord.wire import JSON, ApiError, Reply, invalid_form, opt_int, to_int
from tests.fakes.discord.world import World

#: the locales Discord accepts in ``*_localizations``
LOCALES = frozenset({
    "id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu", "nl",
    "no", "pl", "pt-BR", "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru", "uk", "hi",
    "th", "zh-CN", "ja", "zh-TW", "ko",
})


def _check_descriptions(item: JSON, where: str) -> None:
    """Descriptions (and their translations) of 1 to 100 characters, in known locales."""
    texts = {where: item.get("description") or ""}
    localized = item.get("description_localizations") or {}
    for locale, text in localized.items():
        if locale not in LOCALES:
            raise invalid_form(f"{where}.description_localizations", "BASE_TYPE_CHOICES",
                               f"Value must be one of {sorted(LOCALES)}.")
        texts[f"{where}.description_localizations.{locale}"] = text
    for name, text in texts.items():
        if not isinstance(text, str) or len(text) > 100:
            raise invalid_form(name, "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
    for index, option in enumerate(item.get("options") or []):
        if isinstance(option, dict):
            _check_descriptions(option, f"{where}.options.{index}")


class AppRoutes:
    """Routes about the bot user and its application commands."""

    def __init__(self, world: World, payloads: Payloads) -> None:
        self.world = world
        self.payloads = payloads

    async def get_me(self, rec: RecordedRequest) -> Reply:
        """The bot user (discord.py's login)."""
        return Reply(body=self.payloads.client_user())

    async def get_application(self, rec: RecordedRequest) -> Reply:
        """The bot's application, with the flags of its granted privileged intents."""
        world = self.world
        owner = next((u for u in world.users.values() if not u.bot), world.bot)
        return Reply(body={
            "id": str(world.application_id), "name": world.bot.username, "icon": None,
            "description": "", "summary": "", "type": None, "bot_public": False,
            "bot_require_code_grant": False, "verify_key": secrets.token_hex(32),
            "owner": owner.to_payload(), "team": None,
            "flags": self.payloads.application_flags(), "bot": world.bot.to_payload(),
            "interactions_endpoint_url": None, "redirect_uris": [], "tags": [],
            "approximate_guild_count": len(world.guilds),
            "integration_types_config": {"0": {}},
        })

    def _command(self, raw: JSON, guild_id: int | None, existing: list[JSON]) -> JSON:
        kind = int(raw.get("type", 1))
        name = raw.get("name")
        if not isinstance(name, str) or not name:
            raise invalid_form("name", "BASE_TYPE_REQUIRED", "This field is required")
        if kind == 1 and not raw.get("description"):
            raise invalid_form("description", "BASE_TYPE_REQUIRED", "This field is required")
        if kind == 1:
            _check_descriptions(raw, "0")
        previous = next((c for c in existing if c["name"] == name and c.get("type", 1) == kind),
                        None)
        command: JSON = {
            "type": kind, "description": "", "options": [], "default_member_permissions": None,
            "nsfw": False, **raw,
            "id": previous["id"] if previous else str(self.world.snowflake()),
            "application_id": str(self.world.application_id),
            "version": str(self.world.snowflake()),
        }
        if guild_id is not None:
            command["guild_id"] = str(guild_id)
        return command

    async def bulk_commands(self, rec: RecordedRequest, app_id: str,
                            guild_id: str | None = None) -> Reply:
        """PUT the whole command list of the application or of one guild (``tree.sync``)."""
        if to_int(app_id) != self.world.application_id:
            raise ApiError(403, 50001, "Missing Access")
        gid = opt_int(guild_id)
        if gid is not None and gid not in self.world.guilds:
            raise ApiError(404, 10004, "Unknown Guild")
        if not isinstance(rec.json, list):
            raise invalid_form("_root", "LIST_TYPE_CONVERT", "Only iterables may be used.")
        existing = self.world.commands.get(gid, [])
        commands = [self._command(c, gid, existing) for c in rec.json]
        self.world.commands[gid] = commands
        return Reply(body=commands)
