"""Fixtures for the HTTP API tests: an app per backend, and an API key per role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from officeflow import Engine, Office
from officeflow.asgi import create_app
from officeflow.llm.localserver import LocalLlmServer
from officeflow.security.permissions import Role
from officeflow.settings import load_settings

HELLO = "name: hello\nversion: 1\ninput: {type: object}\nsteps:\n  wait: {kind: wait, signal: go, next: done}\n  done: {kind: end, output: input}\n"


@dataclass
class Api:
    office: Office
    client: TestClient
    app: Any
    keys: dict[str, str] = field(default_factory=dict)
    """role (or 'other-admin' for tenant acme) -> API key"""

    @property
    def engine(self) -> Engine:
        return self.office.engine

    def headers(self, who: str = "admin", **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[who]}", **extra}

    def get(self, path: str, who: str = "admin", **kw: Any) -> Any:
        return self.client.get(path, headers=self.headers(who, **kw.pop("headers", {})), **kw)

    def post(self, path: str, who: str = "admin", **kw: Any) -> Any:
        return self.client.post(path, headers=self.headers(who, **kw.pop("headers", {})), **kw)


def make_api(office: Office, **settings: Any) -> Api:
    app = create_app(office, load_settings(**settings), background=False)
    api = Api(office, TestClient(app), app)
    for role in Role:
        api.keys[role.value] = office.accounts.create_api_key(
            "default", f"{role.value}-key", grants=[role.value], actor="system"
        ).token
    api.keys["other-admin"] = office.accounts.create_api_key(
        "acme", "acme-admin", grants=["admin"], actor="system"
    ).token
    return api


@pytest.fixture
def api(make_office: Any) -> Iterator[Api]:
    from officeflow import SystemClock

    office: Office = make_office(clock=SystemClock())
    office.engine.apply(HELLO)
    made = make_api(office, rate_limit_key="off", rate_limit_tenant="off")
    with made.client:
        yield made


@pytest.fixture(scope="session")
def llm_server() -> Iterator[LocalLlmServer]:
    """The real local LLM server (llama-cpp-python + SmolLM2-135M, see scripts/llm_server.sh), once per
    session. Without `scripts/llm_server.sh setup` it fails (it does not skip)."""
    with LocalLlmServer(Path(__file__).resolve().parents[2]) as server:
        yield server
