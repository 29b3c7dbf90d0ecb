"""Secrets (webhook keys, connector credentials) stored encrypted with a key derived from the
secret key (Fernet: AES-128-CBC with HMAC-SHA256). Values are never logged or returned by the API."""

from __future__ import annotations

import base64
import re

from cryptography.fernet import Fernet, InvalidToken

from officeflow.errors import ConfigurationError, NotFound
from officeflow.security.keys import Keyring
from officeflow.store.base import Store

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


class SecretNotFound(NotFound):
    """No such secret."""


class SecretBox:
    def __init__(self, keyring: Keyring) -> None:
        self._fernet = Fernet(base64.urlsafe_b64encode(keyring.secrets))

    def seal(self, value: str) -> str:
        return self._fernet.encrypt(value.encode()).decode()

    def open(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken:
            raise ConfigurationError(
                "a stored secret cannot be decrypted: OFFICEFLOW_SECRET_KEY is not the key it was stored with"
            ) from None


class Secrets:
    """Read and write a tenant's secrets."""

    def __init__(self, store: Store, keyring: Keyring) -> None:
        self.store = store
        self.box = SecretBox(keyring)

    def get(self, tenant: str, name: str) -> str:
        with self.store.read() as tx:
            ciphertext = tx.get_secret(tenant, name)
        if ciphertext is None:
            raise SecretNotFound(f"no secret '{name}' in tenant '{tenant}'")
        return self.box.open(ciphertext)
