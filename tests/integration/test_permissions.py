"""The permission matrix: every endpoint x every role, against a table written out here (not
derived from the code it checks); and no object of another tenant is ever reachable."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.routing import APIRoute

from officeflow.api.auth import PERMISSION_KEY
from officeflow.store.tx_documents import VendorRow

from .conftest import Api

READ = {
    "definitions.read",
    "runs.read",
    "events.read",
    "event_types.read",
    "triggers.read",
    "schedules.read",
    "tasks.read",
    "files.read",
    "directory.read",
    "models.read",
}
EVERYTHING = READ | {
    "definitions.write",
    "runs.start",
    "runs.operate",
    "runs.signal",
    "tasks.decide",
    "tasks.assign",
    "directory.write",
    "events.publish",
    "events.replay",
    "event_types.write",
    "triggers.write",
    "schedules.write",
    "audit.read",
    "audit.verify",
    "audit.export",
    "users.read",
    "users.write",
    "secrets.read",
    "secrets.write",
    "files.write",
    "models.write",
    "llm.read",
    "llm.write",
    "documents.read",
    "documents.write",
}
ALLOWED: dict[str, set[str]] = {
    "admin": EVERYTHING,
    "designer": READ | {"definitions.write", "event_types.write", "triggers.write", "schedules.write", "models.write"},
    "operator": READ | {"runs.start", "runs.operate", "runs.signal", "events.replay", "tasks.assign"},
    "approver": {
        "definitions.read",
        "runs.read",
        "runs.signal",
        "tasks.read",
        "tasks.decide",
        "files.read",
        "directory.read",
    },
    "submitter": {
        "definitions.read",
        "runs.read",
        "runs.start",
        "events.publish",
        "files.read",
        "files.write",
        "tasks.read",
        "directory.read",
    },
    "auditor": READ
    | {"audit.read", "audit.verify", "audit.export", "users.read", "secrets.read", "llm.read", "documents.read"},
}
PUBLIC = {"public", "signature", "authenticated"}


def api_routes(routes: list[Any]) -> list[APIRoute]:
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            if route.include_in_schema:  # the web console's pages are not API operations
                found.append(route)
        elif hasattr(route, "original_router"):  # an included router
            found += api_routes(route.original_router.routes)
    return found


def operations(api: Api) -> list[tuple[str, str, str]]:
    out = []
    for route in api_routes(api.app.routes):
        permission = (route.openapi_extra or {}).get(PERMISSION_KEY)
        assert permission is not None, f"{route.path} declares no permission"
        for method in sorted(route.methods or ()):
            out.append((method, route.path, permission))
    return out


def fill(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x1", path)


def test_every_operation_declares_a_known_permission(api: Api) -> None:
    ops = operations(api)
    assert len(ops) >= 50
    for method, path, permission in ops:
        assert permission in EVERYTHING | PUBLIC, (method, path, permission)


def test_every_role_gets_exactly_what_the_matrix_allows(api: Api) -> None:
    checked = 0
    mismatches = []
    for method, path, permission in operations(api):
        if permission in PUBLIC:
            continue
        for role, allowed in ALLOWED.items():
            response = api.client.request(method, fill(path), headers=api.headers(role), json={})
            denied = response.status_code == 403
            if response.status_code == 401:
                mismatches.append(f"{role} {method} {path}: 401 with a valid key")
            elif denied == (permission in allowed):
                mismatches.append(f"{role} {method} {path} ({permission}): got {response.status_code}")
            checked += 1
    assert mismatches == []
    assert checked >= 300


def test_without_credentials_every_guarded_operation_is_401(api: Api) -> None:
    for method, path, permission in operations(api):
        if permission in PUBLIC:
            continue
        response = api.client.request(method, fill(path), json={})
        assert response.status_code == 401, (method, path, response.status_code)
        assert response.headers["www-authenticate"] == "Bearer"


def test_workflow_scoped_grants(api: Api) -> None:
    api.engine.apply("name: payroll\nversion: 1\nsteps:\n  done: {kind: end}\n")
    key = api.office.accounts.create_api_key("default", "hello-only", grants=["submitter:hello"], actor="system").token
    headers = {"Authorization": f"Bearer {key}"}
    assert api.client.post("/v1/runs", json={"workflow": "hello"}, headers=headers).status_code == 201
    assert api.client.post("/v1/runs", json={"workflow": "payroll"}, headers=headers).status_code == 403
    payroll = api.post("/v1/runs", json={"workflow": "payroll"}).json()["id"]
    assert api.client.get(f"/v1/runs/{payroll}", headers=headers).status_code == 404  # not visible at all
    listed = api.client.get("/v1/runs", headers=headers).json()["items"]
    assert {r["workflow"] for r in listed} == {"hello"}
    assert [d["name"] for d in api.client.get("/v1/definitions", headers=headers).json()] == ["hello"]
    assert api.client.post("/v1/events/x", json={}, headers=headers).status_code == 403  # tenant-wide action


def seed(api: Api) -> dict[str, str]:
    """One of everything in tenant 'default'."""
    run = api.post("/v1/runs", json={"workflow": "hello"}).json()["id"]
    api.post("/v1/event-types", json={"name": "ping", "schema": {"type": "object"}})
    api.client.put("/v1/triggers/on-ping", json={"event_type": "ping", "workflow": "hello"}, headers=api.headers())
    api.post("/v1/schedules", json={"name": "daily", "cron": "0 6 * * *", "event_type": "ping"})
    event = api.post("/v1/events/ping", json={}, who="submitter").json()["event_id"]
    user = api.post("/v1/users", json={"username": "uma", "password": "a long passphrase"}).json()["id"]
    key = api.post("/v1/api-keys", json={"name": "k", "grants": ["auditor"]}).json()["id"]
    api.client.put("/v1/secrets/s1", json={"value": "v"}, headers=api.headers())
    pdf = b"%PDF-1.4\n%%EOF\n"
    file = api.post("/v1/files", files={"file": ("a.pdf", pdf, "application/pdf")}).json()["id"]
    vendor = VendorRow(
        tenant="default",
        vendor_key="vat:DE123456789",
        vendor="Hello GmbH",
        profile='{"keys": ["vat:DE123456789"], "vendor": "Hello GmbH", "fields": {}, "corrections": 1}',
        corrections=1,
        updated_at=api.office.now(),
        updated_by="clara",
    )
    api.office.store.run(lambda tx: tx.put_vendor(vendor))
    api.client.put("/v1/llm/budget", json={"tokens": 777}, headers=api.headers())
    return {"run": run, "event": event, "user": user, "key": key, "file": file}


def test_nothing_of_another_tenant_is_reachable(api: Api) -> None:
    ids = seed(api)
    attempts: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", f"/v1/runs/{ids['run']}", None),
        ("GET", f"/v1/runs/{ids['run']}/history", None),
        ("POST", f"/v1/runs/{ids['run']}/cancel", {}),
        ("POST", f"/v1/runs/{ids['run']}/pause", None),
        ("POST", f"/v1/runs/{ids['run']}/resume", None),
        ("POST", f"/v1/runs/{ids['run']}/retry", {}),
        ("POST", f"/v1/runs/{ids['run']}/skip", {"step_id": "wait"}),
        ("POST", f"/v1/runs/{ids['run']}/migrate", {"to_version": 2}),
        ("POST", f"/v1/runs/{ids['run']}/signals/go", {}),
        ("GET", "/v1/definitions/hello", None),
        ("POST", "/v1/runs", {"workflow": "hello"}),
        ("GET", f"/v1/events/{ids['event']}", None),
        ("GET", "/v1/event-types/ping", None),
        ("GET", "/v1/triggers/on-ping", None),
        ("DELETE", "/v1/triggers/on-ping", None),
        ("GET", "/v1/schedules/daily", None),
        ("DELETE", "/v1/schedules/daily", None),
        ("POST", "/v1/schedules/daily/disable", None),
        ("GET", f"/v1/users/{ids['user']}", None),
        ("PATCH", f"/v1/users/{ids['user']}", {"disabled": True}),
        ("DELETE", f"/v1/users/{ids['user']}", None),
        ("PUT", f"/v1/users/{ids['user']}/grants", {"grants": []}),
        ("DELETE", f"/v1/api-keys/{ids['key']}", None),
        ("PUT", f"/v1/api-keys/{ids['key']}/grants", {"grants": []}),
        ("DELETE", "/v1/secrets/s1", None),
        ("GET", f"/v1/files/{ids['file']}", None),
        ("POST", "/v1/events/ping", {}),
        ("POST", "/v1/event-replays", {"type": "ping"}),
        ("DELETE", "/v1/documents/vendors/vat:DE123456789", None),
    ]
    succeeded = []
    for method, path, body in attempts:
        response = api.client.request(method, path, headers=api.headers("other-admin"), json=body)
        if response.status_code < 400 and path != "/v1/event-replays":
            succeeded.append((method, path, response.status_code))
        elif path != "/v1/event-replays":
            assert response.status_code == 404, (method, path, response.status_code, response.text)
    assert succeeded == []
    assert api.post("/v1/event-replays", json={"type": "ping"}, who="other-admin").json()["events"] == 0
    for path in (
        "/v1/runs",
        "/v1/definitions",
        "/v1/events",
        "/v1/event-types",
        "/v1/triggers",
        "/v1/schedules",
        "/v1/users",
        "/v1/api-keys",
        "/v1/secrets",
        "/v1/audit",
        "/v1/dead-letters",
        "/v1/event-rejects",
        "/v1/documents/vendors",
    ):
        listing: Any = api.get(path, who="other-admin").json()
        items = listing["items"] if isinstance(listing, dict) else listing
        names = {str(i) for i in items}
        assert not any(v in " ".join(names) for v in ids.values()), path
        assert "hello" not in " ".join(names) or path == "/v1/api-keys", path
    # and in tenant 'default' everything is intact
    assert api.get(f"/v1/runs/{ids['run']}").json()["status"] == "waiting"
    assert api.get("/v1/triggers/on-ping").status_code == 200
    assert api.get(f"/v1/users/{ids['user']}").json()["disabled"] is False
    assert api.get("/v1/llm/budget", who="other-admin").json()["source"] == "default"
    assert api.client.put("/v1/llm/budget", json={"tokens": 5}, headers=api.headers("other-admin")).status_code == 200
    assert api.get("/v1/llm/budget").json()["tokens"] == 777
    assert [v["vendor_key"] for v in api.get("/v1/documents/vendors").json()["items"]] == ["vat:DE123456789"]


@pytest.mark.parametrize("role", ["auditor", "approver"])
def test_read_only_roles_change_nothing(api: Api, role: str) -> None:
    before = api.post("/v1/audit/verify").json()["head_seq"]
    run = api.post("/v1/runs", json={"workflow": "hello"}).json()["id"]
    assert api.post(f"/v1/runs/{run}/cancel", who=role, json={}).status_code == 403
    assert api.get(f"/v1/runs/{run}", who=role).json()["status"] == "waiting"
    assert api.post("/v1/audit/verify").json()["head_seq"] == before + 1  # only the start
