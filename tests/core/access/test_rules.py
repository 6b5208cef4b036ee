"""The entries of ALLOW, BLOCK, ADMINS and the admin commands, and what a message matches."""

from __future__ import annotations

import pytest

from core.access.entries import ADMIN_KINDS, EntryError, parse_entries, parse_entry, parse_subject
from core.access.rules import entries_of
from core.messages import AttachmentCodec, ChatKey, IncomingMessage, Origin, User


def test_entries_are_normalised_and_checked() -> None:
    assert parse_entries(" Telegram:User:5, discord:ROLE:7,,telegram:user:5") == (
        "telegram:user:5", "discord:role:7")
    assert parse_entry("telegram:chat:-1001234") == "telegram:chat:-1001234"
    with pytest.raises(EntryError, match="a telegram entry names a chat or user"):
        parse_entry("telegram:role:5")
    with pytest.raises(EntryError, match="ids are numbers"):
        parse_entry("discord:user:alice")
    with pytest.raises(EntryError, match="expected one of"):
        parse_entry("discord:role:5", allowed=ADMIN_KINDS)
    with pytest.raises(EntryError, match="not an entry"):
        parse_entry("alice")


def test_admins_name_people_by_entry_id_or_mention() -> None:
    assert parse_subject("42", "telegram") == "telegram:user:42"
    # Telegram users have positive ids, its groups negative ones
    assert parse_subject("-1001234", "telegram") == "telegram:chat:-1001234"
    assert parse_subject("<@!42>", "discord") == "discord:user:42"
    assert parse_subject("<@&7>", "discord") == "discord:role:7"
    assert parse_subject("<#9>", "discord") == "discord:channel:9"
    assert parse_subject("discord:guild:3", "telegram") == "discord:guild:3"


def test_a_discord_thread_message_matches_its_sender_channel_thread_guild_and_roles() -> None:
    message = IncomingMessage(ChatKey("discord", "10", "11"), User("5"), "1",
                              is_private=False, origin=Origin("3", ("3", "7")))
    assert entries_of(message) == {
        "discord:user:5", "discord:channel:10", "discord:channel:11", "discord:guild:3",
        "discord:role:3", "discord:role:7"}
    telegram = IncomingMessage(ChatKey("telegram", "-100", "4"), User("5"), "1")
    assert entries_of(telegram) == {"telegram:user:5", "telegram:chat:-100"}


def test_the_origin_survives_the_queue() -> None:
    message = IncomingMessage(ChatKey("discord", "10"), User("5"), "1", "hi",
                              origin=Origin("3", ("7",)))
    again = IncomingMessage.from_dict(message.to_dict(), AttachmentCodec())
    assert again.origin == Origin("3", ("7",))
    old = {k: v for k, v in message.to_dict().items() if k != "origin"}
    assert IncomingMessage.from_dict(old, AttachmentCodec()).origin == Origin()
