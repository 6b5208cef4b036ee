"""The NemoVideo tokens kept in Redis, encrypted with Fernet (AES-128-CBC with an
HMAC-SHA256, from the `cryptography` package).

SECRET_KEY holds one or more Fernet keys, comma-separated: the first encrypts,
every one decrypts (MultiFernet), so a key is rotated by putting a new one
first and dropping the old one once nothing uses it any more (a token read
under an old key is written again under the first one). Without a key there
is no cipher: the bot refuses `/link` and keeps anonymous tokens as before.
"""

from __future__ import annotations

import logging

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

log = logging.getLogger(__name__)

#: how a Fernet key is made, for messages that ask for one
MAKE_KEY = ('python -c "from cryptography.fernet import Fernet; '
            'print(Fernet.generate_key().decode())"')


class SecretKeyError(ValueError):
    """SECRET_KEY holds something that is not a Fernet key."""


def _keys(text: str) -> list[Fernet]:
    keys: list[Fernet] = []
    for number, part in enumerate((p.strip() for p in text.split(",")), start=1):
        if not part:
            continue
        try:
            keys.append(Fernet(part.encode()))
        except (ValueError, TypeError):
            raise SecretKeyError(f"key {number} is not a Fernet key (32 bytes, url-safe base64); "
                            f"make one with {MAKE_KEY}") from None
    if not keys:
        raise SecretKeyError(f"no key given; make one with {MAKE_KEY}")
    return keys


def check_keys(text: str) -> None:
    """Raise SecretKeyError (a ValueError) unless `text` is a comma-separated list of keys."""
    _keys(text)


class Undecryptable(Exception):
    """A stored token that none of the keys opens (its key was dropped from SECRET_KEY)."""


class TokenCipher:
    """Encrypts and decrypts tokens with SECRET_KEY's keys."""

    def __init__(self, keys: str) -> None:
        fernets = _keys(keys)
        self._first = fernets[0]
        self._all = MultiFernet(fernets)

    def encrypt(self, token: str) -> str:
        """The token, encrypted under the first key."""
        return self._first.encrypt(token.encode()).decode()

    def decrypt(self, stored: str) -> tuple[str, bool]:
        """The token, and whether it should be written again (an older key opened it).
        Raises Undecryptable when no key opens it."""
        data = stored.encode()
        try:
            return self._first.decrypt(data).decode(), False
        except InvalidToken:
            pass
        try:
            return self._all.decrypt(data).decode(), True
        except InvalidToken:
            raise Undecryptable("no SECRET_KEY key opens this token") from None
