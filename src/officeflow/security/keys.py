"""The secret key and the keys derived from it.

One secret (``OFFICEFLOW_SECRET_KEY``, 32 random bytes, base64) is shared by every process of a
deployment. Purpose-bound keys are derived from it with HKDF: one MACs the audit log, one
encrypts stored secrets. With SQLite and no key configured, a key is generated once and kept in
``<database>.officeflow/secret.key`` (mode 0600); PostgreSQL deployments must configure it,
because every process on every machine needs the same one.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from officeflow.errors import ConfigurationError

ENV = "OFFICEFLOW_SECRET_KEY"
RETIRED_ENV = "OFFICEFLOW_SECRET_KEYS_RETIRED"


def generate() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def parse(text: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except Exception:
        raw = b""
    if len(raw) < 32:
        raise ConfigurationError(
            f"{ENV} must be at least 32 random bytes, base64-encoded; generate one with `officeflow keys generate`"
        )
    return raw


@dataclass(frozen=True)
class Keyring:
    audit: bytes
    secrets: bytes
    fingerprint: str
    """Identifies the key without revealing it (a short hash of it, safe to log and compare)."""
    retired: tuple[Keyring, ...] = ()
    """Earlier keys (``OFFICEFLOW_SECRET_KEYS_RETIRED``): still read, never written with. They let
    processes change key one at a time; ``officeflow keys rotate`` then moves everything stored
    to the current key, after which they can go (see docs/security.md)."""

    @classmethod
    def from_secret(cls, secret: bytes, retired: tuple[bytes, ...] = ()) -> Keyring:
        current = cls(
            audit=_derive(secret, b"officeflow audit v1"),
            secrets=_derive(secret, b"officeflow secrets v1"),
            fingerprint=hashlib.sha256(b"fingerprint:" + secret).hexdigest()[:16],
        )
        olds = tuple(cls.from_secret(old) for old in dict.fromkeys(retired) if old != secret)
        return cls(current.audit, current.secrets, current.fingerprint, olds)

    @property
    def all(self) -> tuple[Keyring, ...]:
        """The current key first, then the retired ones."""
        return (self, *self.retired)

    def mac(self, key: bytes, data: bytes) -> str:
        mac = _keyed(key).copy()  # a copy of the keyed state: the key is not hashed in again
        mac.update(data)
        return mac.hexdigest()


@functools.lru_cache(maxsize=16)
def _keyed(key: bytes) -> hmac.HMAC:
    return hmac.new(key, digestmod=hashlib.sha256)


def _derive(secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)


def parse_retired(text: str | None) -> tuple[bytes, ...]:
    """Retired keys: comma-separated, each like OFFICEFLOW_SECRET_KEY."""
    parts = [part.strip() for part in (text or "").split(",") if part.strip()]
    try:
        return tuple(parse(part) for part in parts)
    except ConfigurationError:
        raise ConfigurationError(
            f"{RETIRED_ENV} must be a comma-separated list of earlier keys, each at least 32 random bytes, "
            "base64-encoded"
        ) from None


def load(configured: str | None, *, sqlite_path: Path | None, retired: str | None = None) -> Keyring:
    """The keyring from the configured key, else (SQLite) the key file, else an error; with the
    retired keys (``retired``, else OFFICEFLOW_SECRET_KEYS_RETIRED)."""
    olds = parse_retired(retired if retired is not None else os.environ.get(RETIRED_ENV))
    text = configured or os.environ.get(ENV)
    if text:
        return Keyring.from_secret(parse(text), olds)
    if sqlite_path is None:
        raise ConfigurationError(
            f"{ENV} is required with PostgreSQL (every process must share it); "
            "generate one with `officeflow keys generate`"
        )
    key_file = Path(f"{sqlite_path}.officeflow") / "secret.key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(generate())
    return Keyring.from_secret(parse(key_file.read_text()), olds)
