"""Tokens at rest: encrypted with SECRET_KEY's first key, readable with any of them, moved
to the first key when read, and never in clear in Redis."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from redis.asyncio import Redis

from core.access.crypto import SecretKeyError, TokenCipher, check_keys
from core.identity import Identities, LinkedTokenExpired
from core.keys import Keys
from core.messages import ChatKey
from core.nemo.client import NemoClient
from core.settings import Settings, SettingsError, load_settings
from core.store import Identity, SessionStore

CHAT = ChatKey("test", "1")
TOKEN = "nmv_usr_secret_for_tests_123"


def test_secret_key_must_hold_fernet_keys() -> None:
    check_keys(f"{Fernet.generate_key().decode()}, {Fernet.generate_key().decode()}")
    with pytest.raises(SecretKeyError, match="key 2 is not a Fernet key"):
        check_keys(f"{Fernet.generate_key().decode()},hunter2")
    with pytest.raises(SettingsError) as raised:
        load_settings(_env_file=None, secret_key="hunter2")
    assert "SECRET_KEY" in str(raised.value) and "hunter2" not in str(raised.value)


async def test_tokens_are_stored_encrypted_and_rotated_to_the_first_key(
        redis_client: Redis) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    before = SessionStore(redis_client, cipher=TokenCipher(old))
    await before.save_identity(CHAT, Identity("client", SecretStr(TOKEN), None, "linked"))
    stored = await redis_client.hgetall(Keys().identity(CHAT))
    assert TOKEN.encode() not in b"".join([*stored.keys(), *stored.values()])
    assert stored[b"token"] == b""

    rotated = SessionStore(redis_client, cipher=TokenCipher(f"{new},{old}"))
    identity = await rotated.load_identity(CHAT)
    assert identity.token is not None and identity.token.get_secret_value() == TOKEN
    only_new = SessionStore(redis_client, cipher=TokenCipher(new))
    again = await only_new.load_identity(CHAT)
    assert again.token is not None, "reading under the old key wrote it under the new one"

    lost = SessionStore(redis_client, cipher=TokenCipher(Fernet.generate_key().decode()))
    assert (await lost.load_identity(CHAT)).token is None, "no key opens it: no token"


async def test_tokens_stored_before_the_key_was_set_are_encrypted_when_read(
        redis_client: Redis) -> None:
    await SessionStore(redis_client).save_identity(
        CHAT, Identity("client", SecretStr(TOKEN), "anon_1", "anonymous"))
    assert (await redis_client.hget(Keys().identity(CHAT), "token")) == TOKEN.encode()
    store = SessionStore(redis_client, cipher=TokenCipher(Fernet.generate_key().decode()))
    identity = await store.load_identity(CHAT)
    assert identity.token is not None and identity.token.get_secret_value() == TOKEN
    stored = await redis_client.hgetall(Keys().identity(CHAT))
    assert TOKEN.encode() not in b"".join(stored.values())


async def test_a_linked_token_no_key_opens_asks_the_user_to_link_again(
        redis_client: Redis) -> None:
    await SessionStore(redis_client, cipher=TokenCipher(Fernet.generate_key().decode())
                       ).save_identity(CHAT, Identity("client", SecretStr(TOKEN), None, "linked"))
    store = SessionStore(redis_client, cipher=TokenCipher(Fernet.generate_key().decode()))
    async with NemoClient(Settings(_env_file=None)) as nemo:  # type: ignore[call-arg]
        identities = Identities(store, nemo, SecretStr("nmv_usr_operator"))
        with pytest.raises(LinkedTokenExpired):
            await identities.credentials(CHAT)
