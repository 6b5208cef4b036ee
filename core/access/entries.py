"""The entries of ALLOW, BLOCK, ADMINS and the admin commands: `<platform>:<kind>:<id>`.

An entry names a user, a chat, a Discord guild, role or channel. The set of
entries a message carries (`core.access.rules.entries_of`) is compared with
the lists. This module depends on nothing else of the core: the settings
validate their lists with it.
"""

from __future__ import annotations

import re

#: the kinds each platform's entries may name; other platforms (the terminal) have these
KINDS: dict[str, frozenset[str]] = {
    "telegram": frozenset({"user", "chat"}),
    "discord": frozenset({"user", "guild", "role", "channel"}),
}
DEFAULT_KINDS = frozenset({"user", "chat"})
#: what ADMINS and ALERT_CHAT may name
ADMIN_KINDS = frozenset({"telegram:user", "discord:user"})
ALERT_KINDS = frozenset({"telegram:chat", "discord:channel"})

_ENTRY = re.compile(r"^(?P<platform>[a-z][a-z0-9_]*):(?P<kind>[a-z]+):(?P<id>-?[A-Za-z0-9_.]+)$")
_DISCORD_MENTION = re.compile(r"^<(?P<sigil>@!?|@&|#)(?P<id>\d+)>$")


class EntryError(ValueError):
    """Not an entry; the message says what is expected."""


def parse_entry(text: str, *, allowed: frozenset[str] | None = None) -> str:
    """`text` as a normalised entry ("Telegram:User:5" -> "telegram:user:5").

    `allowed` restricts the `<platform>:<kind>` pairs (e.g. ADMIN_KINDS). Raises
    EntryError naming what is expected.
    """
    parts = text.strip().split(":", 2)
    if len(parts) == 3:
        parts[0], parts[1] = parts[0].lower(), parts[1].lower()
    found = _ENTRY.match(":".join(parts))
    if found is None:
        raise EntryError(f"{text!r} is not an entry like telegram:user:123 or discord:role:456")
    platform, kind = found["platform"], found["kind"]
    kinds = KINDS.get(platform, DEFAULT_KINDS)
    if kind not in kinds:
        raise EntryError(f"{text!r}: a {platform} entry names a {' or '.join(sorted(kinds))}")
    pair = f"{platform}:{kind}"
    if allowed is not None and pair not in allowed:
        raise EntryError(f"{text!r}: expected one of {', '.join(sorted(allowed))}")
    if platform in KINDS and not found["id"].lstrip("-").isdigit():
        raise EntryError(f"{text!r}: {platform} ids are numbers")
    return f"{pair}:{found['id']}"


def parse_entries(text: str, *, allowed: frozenset[str] | None = None) -> tuple[str, ...]:
    """A comma-separated list of entries, normalised, without duplicates; "" -> ()."""
    seen: dict[str, None] = {}
    for part in text.split(","):
        if part.strip():
            seen[parse_entry(part, allowed=allowed)] = None
    return tuple(seen)


def parse_subject(text: str, platform: str) -> str:
    """What an admin command names: an entry, a bare id (a user of `platform`; a chat
    for a negative id where chats are entries: Telegram's groups have negative ids, its
    users never), or a Discord mention (`<@id>` user, `<@&id>` role, `<#id>` channel)."""
    value = text.strip()
    mention = _DISCORD_MENTION.match(value)
    if mention is not None:
        kind = {"@": "user", "@!": "user", "@&": "role", "#": "channel"}[mention["sigil"]]
        return f"discord:{kind}:{mention['id']}"
    if value.lstrip("-").isdigit():
        chats = value.startswith("-") and "chat" in KINDS.get(platform, DEFAULT_KINDS)
        return parse_entry(f"{platform}:{'chat' if chats else 'user'}:{value}")
    return parse_entry(value)
