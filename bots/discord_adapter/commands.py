"""The slash commands: what they are called, what they take, where they work and who sees
them.

* Everyday commands work in servers and in DMs. `/new` can be limited to members
  with a permission (DISCORD_NEW_PERMISSION); in a server it asks for confirmation.
* `/link` works only in DMs: a token is never typed where others are.
* The admin commands (`/admin`, `/allow`, `/block`, `/unblock`, `/quota`) are hidden
  from members without the Administrator permission (`default_member_permissions`
  "0"; a server's admins can grant them to others in its Integrations settings).
  Discord's setting only hides them: the bot itself answers them only for ADMINS.
  `/admin` works only in DMs.
* Answers showing account details or admin data are ephemeral (only the user sees them).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import discord
from discord import app_commands

import core.conversation.formats  # noqa: F401  (the format.* texts naming /format's choices)
from bots.discord_adapter.texts import described
from core.formats import LENGTHS, PRESETS
from core.i18n import LANGUAGES, NAMES, texts

AnyCommand = app_commands.Command[Any, Any, None]
#: (the interaction, the command's name, the text it stands for)
Run = Callable[[discord.Interaction, str, str], Coroutine[Any, Any, None]]

EVERYWHERE = app_commands.AppCommandContext(guild=True, dm_channel=True)
DMS_ONLY = app_commands.AppCommandContext(dm_channel=True)
#: the bot is installed in servers (not on users' accounts)
SERVER_INSTALL = app_commands.AppInstallationType(guild=True)

#: slash commands without options: name -> English description (the text
#: `discord.command.<name>`, like every description here; translations: `core/locales`)
SIMPLE_COMMANDS: dict[str, str] = {
    "export": "Render the video and send it here",
    "status": "Show the project's timeline and renders in progress",
    "projects": "This channel's recent projects: switch between them",
    "last": "Send the last finished video again (no new render)",
    "credits": "Show the NemoVideo credits of this conversation (only you see it)",
    "new": "Start a new project in this channel",
    "cancel": "Stop what the bot does here: queued messages, the running request, renders",
    "stats": "Your messages, renders and credits against your limits (only you see it)",
    "help": "What the bot understands",
}
#: admin commands that take entries
LIST_COMMANDS: dict[str, str] = {
    "allow": "Admins: let users, roles, channels or servers use the bot",
    "block": "Admins: refuse users, roles, channels or servers",
    "unblock": "Admins: lift a block",
}
texts({f"discord.command.{name}": {"en": english}
       for name, english in {**SIMPLE_COMMANDS, **LIST_COMMANDS}.items()})
#: commands (and buttons) whose answers only the user sees
PRIVATE_COMMANDS = frozenset({"credits", "link", "stats", "admin", "allow", "block", "unblock",
                              "quota"})
#: what lets a member see an admin command by default: "0", Administrator only
ADMIN_PERMISSIONS = discord.Permissions.none()


def build_commands(run: Run, *, new_permission: discord.Permissions | None = None,
                   ) -> list[AnyCommand]:
    """Every slash command, each calling `run` with the text it stands for."""
    commands = [_simple(run, name) for name in SIMPLE_COMMANDS]
    if new_permission is not None:
        next(c for c in commands if c.name == "new").default_permissions = new_permission
    commands.append(_format(run))
    commands.append(_link(run))
    commands.append(_language(run))
    commands.append(_admin(run))
    commands += [_entries(run, name) for name in LIST_COMMANDS]
    commands.append(_quota(run))
    for command in commands:
        command.allowed_installs = SERVER_INSTALL
        if command.allowed_contexts is None:
            command.allowed_contexts = EVERYWHERE
    return commands


def _simple(run: Run, name: str) -> AnyCommand:
    async def command(interaction: discord.Interaction) -> None:
        await run(interaction, name, f"/{name}")
    return app_commands.Command(name=name, description=described(f"discord.command.{name}"),
                                callback=command)


def _format(run: Run) -> AnyCommand:
    ratios = [app_commands.Choice(name=described(f"format.{p.aspect}"), value=p.aspect)
              for p in PRESETS]
    lengths = [app_commands.Choice(name=described("format.seconds", seconds=seconds),
                                   value=seconds)
               for seconds in LENGTHS]

    @app_commands.describe(ratio=described("discord.option.ratio"),
                           length=described("discord.option.length"))
    @app_commands.choices(ratio=ratios, length=lengths)  # type: ignore[misc]
    async def format_(interaction: discord.Interaction, ratio: str | None = None,
                      length: int | None = None) -> None:
        parts = [part for part in (ratio, f"{length}s" if length else None) if part]
        await run(interaction, "format", " ".join(["/format", *parts]))
    return app_commands.Command(
        name="format", description=described("discord.command.format"), callback=format_)


def _link(run: Run) -> AnyCommand:
    @app_commands.describe(token=described("discord.option.token"))
    async def link(interaction: discord.Interaction, token: str) -> None:
        await run(interaction, "link", f"/link {token.strip()}")
    return app_commands.Command(
        name="link", description=described("discord.command.link"),
        callback=link, allowed_contexts=DMS_ONLY)


def _language(run: Run) -> AnyCommand:
    @app_commands.describe(code=described("discord.option.language"))
    @app_commands.choices(code=[app_commands.Choice(name=NAMES[code], value=code)
                                for code in LANGUAGES])
    async def language(interaction: discord.Interaction, code: str | None = None) -> None:
        await run(interaction, "language", f"/language {code}" if code else "/language")
    return app_commands.Command(name="language", description=described(
        "discord.command.language"), callback=language)


def _admin(run: Run) -> AnyCommand:
    async def admin(interaction: discord.Interaction) -> None:
        await run(interaction, "admin", "/admin")
    command: AnyCommand = app_commands.Command(
        name="admin", description=described("discord.command.admin"),
        callback=admin, allowed_contexts=DMS_ONLY)
    command.default_permissions = ADMIN_PERMISSIONS
    return command


def _entries(run: Run, name: str) -> AnyCommand:
    @app_commands.describe(entries=described("discord.option.entries"))
    async def command(interaction: discord.Interaction, entries: str) -> None:
        await run(interaction, name, f"/{name} {entries.strip()}")
    made: AnyCommand = app_commands.Command(
        name=name, description=described(f"discord.command.{name}"), callback=command)
    made.default_permissions = ADMIN_PERMISSIONS
    return made


def _quota(run: Run) -> AnyCommand:
    @app_commands.describe(user=described("discord.option.user"),
                           limits=described("discord.option.limits"))
    async def quota(interaction: discord.Interaction, user: str, limits: str = "") -> None:
        await run(interaction, "quota", f"/quota {user.strip()} {limits.strip()}".rstrip())
    command: AnyCommand = app_commands.Command(
        name="quota", description=described("discord.command.quota"), callback=quota)
    command.default_permissions = ADMIN_PERMISSIONS
    return command


def permission(name: str | None) -> discord.Permissions | None:
    """A permission flag by name ("manage_messages") as a Permissions value; None for none."""
    if not name:
        return None
    if name not in discord.Permissions.VALID_FLAGS:
        raise ValueError(f"not a Discord permission: {name!r}")
    return discord.Permissions(**{name: True})
