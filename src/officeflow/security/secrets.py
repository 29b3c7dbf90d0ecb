"""Secrets (webhook keys, connector credentials) stored encrypted with a key derived from the
secret key (Fernet: AES-128-CBC with HMAC-SHA256). Values are never logged or returned by the API."""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Callable
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from officeflow.errors import ConfigurationError, NotFound
from officeflow.security import audit
from officeflow.security.keys import Keyring
from officeflow.store.base import Store
from officeflow.store.tx import Tx

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


class SecretNotFound(NotFound):
    """No such secret."""


class SecretBox:
    """Encrypts with the current key; decrypts with it or any retired one."""

    def __init__(self, keyring: Keyring) -> None:
        self._fernet = MultiFernet([Fernet(base64.urlsafe_b64encode(k.secrets)) for k in keyring.all])

    def seal(self, value: str) -> str:
        return self._fernet.encrypt(value.encode()).decode()

    def open(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken:
            raise ConfigurationError(_UNREADABLE) from None

    def rotate(self, ciphertext: str) -> str:
        """The same value encrypted with the current key."""
        try:
            return self._fernet.rotate(ciphertext.encode()).decode()
        except InvalidToken:
            raise ConfigurationError(_UNREADABLE) from None


_UNREADABLE = (
    "a stored secret cannot be decrypted: neither OFFICEFLOW_SECRET_KEY nor any key in "
    "OFFICEFLOW_SECRET_KEYS_RETIRED is the key it was stored with"
)


class Secrets:
    """Read and write a tenant's secrets; every change is audited."""

    def __init__(self, store: Store, keyring: Keyring, now: Callable[[], float] = time.time) -> None:
        self.store = store
        self.keyring = keyring
        self.box = SecretBox(keyring)
        self.now = now

    def put(self, tenant: str, name: str, value: str, *, description: str | None, actor: str) -> float:
        """Store a secret (encrypted), replacing the value of one with the same name; when."""
        ciphertext = self.box.seal(value)
        now = self.now()

        def body(tx: Tx) -> None:
            new = tx.put_secret(tenant, name, ciphertext, description, now, actor)
            action = "secret.created" if new else "secret.replaced"
            self._audit(tx, tenant, actor, action, name, after={"description": description})

        self.store.run(body)
        return now

    def delete(self, tenant: str, name: str, *, actor: str) -> None:
        """Forget a secret; SecretNotFound when there is none of that name."""

        def body(tx: Tx) -> None:
            if not tx.delete_secret(tenant, name):
                raise SecretNotFound(f"no secret '{name}' in tenant '{tenant}'")
            self._audit(tx, tenant, actor, "secret.deleted", name)

        self.store.run(body)

    def _audit(self, tx: Tx, tenant: str, actor: str, action: str, name: str, after: Any = None) -> None:
        audit.record(
            tx,
            self.keyring,
            tenant=tenant,
            at=self.now(),
            actor=actor,
            action=action,
            object_type="secret",
            object_id=name,
            after=after,
        )

    def get(self, tenant: str, name: str) -> str:
        with self.store.read() as tx:
            ciphertext = tx.get_secret(tenant, name)
        if ciphertext is None:
            raise SecretNotFound(f"no secret '{name}' in tenant '{tenant}'")
        return self.box.open(ciphertext)

    def rotate(self) -> int:
        """Encrypt every stored secret of every tenant with the current key, in one transaction;
        how many there are."""

        def body(tx: Tx) -> int:
            stored = tx.all_secret_ciphertexts()
            for tenant, name, ciphertext in stored:
                tx.set_secret_ciphertext(tenant, name, self.box.rotate(ciphertext))
            return len(stored)

        return self.store.run(body)
