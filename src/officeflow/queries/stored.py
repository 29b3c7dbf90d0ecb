"""Stored files and secrets as the faces read them: a file with its content, and the names and
descriptions of a tenant's secrets (never their values)."""

from __future__ import annotations

from dataclasses import dataclass

from officeflow.errors import NotFound
from officeflow.store.base import Store
from officeflow.store.tx_events import FileRow


@dataclass(frozen=True, kw_only=True, slots=True)
class SecretEntry:
    name: str
    description: str | None
    updated_at: float
    updated_by: str | None


class FileQueries:
    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, tenant: str, file_id: str) -> tuple[FileRow, bytes]:
        """A stored file and its content; NotFound when the tenant has no such file."""
        with self.store.read() as tx:
            found = tx.get_file(tenant, file_id)
        if found is None:
            raise NotFound(f"no file {file_id} in tenant '{tenant}'")
        return found


class SecretQueries:
    def __init__(self, store: Store) -> None:
        self.store = store

    def entries(self, tenant: str) -> list[SecretEntry]:
        with self.store.read() as tx:
            rows = tx.list_secrets(tenant)
        return [SecretEntry(name=n, description=d, updated_at=at, updated_by=by) for n, d, at, by in rows]
