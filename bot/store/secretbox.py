"""Passwords on their way to a vendor: encrypted with STEWARD_SECRET_KEY (Fernet) for as long as
the request lives, then erased. The plain value exists only in memory, only while writing."""

from __future__ import annotations

import json
from collections.abc import Mapping

from cryptography.fernet import Fernet, InvalidToken
from pydantic import SecretStr

from bot.errors import StewardError


class SecretBox:
    def __init__(self, key: SecretStr) -> None:
        self._fernet = Fernet(key.get_secret_value().encode())

    def seal(self, values: Mapping[str, SecretStr]) -> bytes:
        plain = {name: value.get_secret_value() for name, value in values.items()}
        return self._fernet.encrypt(json.dumps(plain).encode())

    def open(self, sealed: bytes) -> dict[str, SecretStr]:
        try:
            plain = json.loads(self._fernet.decrypt(sealed))
        except InvalidToken:
            raise StewardError(
                "The stored password cannot be decrypted: STEWARD_SECRET_KEY has changed since the "
                "request was made. Ask for the change again."
            ) from None
        return {name: SecretStr(value) for name, value in plain.items()}
