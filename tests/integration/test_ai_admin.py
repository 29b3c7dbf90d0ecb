"""The AI layer's administration on both backends: a tenant's LLM token budget (read, its own limit,
back to the setting's; audited) and the documents' vendor memory (listed a page at a time, a vendor
forgotten; audited), through the office's services and the HTTP API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any
from urllib.parse import quote

import pytest

from officeflow import FakeClock, Office
from officeflow.documents.memory import FieldRule, VendorProfile
from officeflow.documents.service import VendorUnknown
from officeflow.errors import RequestInvalid
from officeflow.llm.budgets import MAX_TOKENS
from officeflow.llm.settings import load_llm_settings
from officeflow.queries.audit import AuditFilter
from officeflow.store.tx_audit import AuditRow
from officeflow.store.tx_documents import VendorRow

from .conftest import Api, make_api

DAY = 86_400.0
NOON = 1_767_268_800.0  # 2026-01-01T12:00:00Z


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOON)


@pytest.fixture
def office(db_url: str, clock: FakeClock) -> Iterator[Office]:
    with Office.open(db_url, clock=clock, llm=load_llm_settings(tenant_tokens=1000, token_period="1d")) as made:
        yield made


@pytest.fixture
def api(office: Office) -> Iterator[Api]:
    made = make_api(office, rate_limit_key="off", rate_limit_tenant="off")
    with made.client:
        yield made


def audited(office: Office, object_type: str, tenant: str = "default") -> list[AuditRow]:
    rows = office.queries.audit.entries(tenant, AuditFilter(object_type=object_type))
    return sorted(rows, key=lambda r: r.id)


def put_vendor(office: Office, key: str, vendor: str, fields: tuple[str, ...], *, tenant: str = "default") -> None:
    keys = [key, f"name:{vendor.lower()}"] if not key.startswith("name:") else [key]
    profile = VendorProfile(
        keys=keys,
        vendor=vendor,
        fields={f: FieldRule(anchor=f"{f} no", direction="right", shape="", x=0.5, y=0.2, page=0) for f in fields},
        corrections=len(fields),
    )
    row = VendorRow(
        tenant=tenant,
        vendor_key=key,
        vendor=vendor,
        profile=json.dumps(asdict(profile)),
        corrections=len(fields),
        updated_at=NOON,
        updated_by="clara",
    )
    office.store.run(lambda tx: tx.put_vendor(row))


# The token budget, through the service


def test_a_tenant_without_its_own_limit_has_the_settings_and_its_use_in_the_window(office: Office) -> None:
    office.llm_budgets.budget.reserve_now("default", 300)
    held = office.llm_budgets.budget.reserve_now("default", 100)
    office.llm_budgets.budget.settle_now(held, 40)
    view = office.llm_budgets.show("default")
    assert (view.tokens, view.source, view.default_tokens, view.period) == (1000, "default", 1000, "1d")
    assert (view.window_start, view.window_end) == (NOON - DAY / 2, NOON + DAY / 2)
    assert (view.used, view.reserved, view.calls, view.remaining) == (40, 300, 1, 660)
    assert (view.updated_at, view.updated_by) == (None, None)
    assert office.llm_budgets.show("acme").used == 0


def test_an_own_limit_is_set_and_cleared_each_change_audited(office: Office, clock: FakeClock) -> None:
    budgets = office.llm_budgets
    view = budgets.set("default", 5000, actor="user:ada")
    assert (view.tokens, view.source, view.default_tokens) == (5000, "tenant", 1000)
    assert (view.updated_at, view.updated_by) == (NOON, "user:ada")
    clock.advance(60)
    assert budgets.set("default", 5000, actor="user:bob").updated_by == "user:ada"  # nothing changed
    assert budgets.set("default", 20, actor="user:bob").tokens == 20
    with pytest.raises(Exception, match="token budget exhausted"):
        budgets.budget.reserve_now("default", 21)  # the own limit is the one in force
    back = budgets.set("default", None, actor="user:bob")
    assert (back.tokens, back.source, back.updated_at) == (1000, "default", None)
    assert budgets.set("default", None, actor="user:bob").source == "default"  # nothing to clear
    entries = audited(office, "llm_budget")
    assert [(e.action, e.actor, e.object_id) for e in entries] == [
        ("llm.budget.set", "user:ada", "default"),
        ("llm.budget.set", "user:bob", "default"),
        ("llm.budget.reset", "user:bob", "default"),
    ]
    assert [(json.loads(e.before or "null"), json.loads(e.after or "null")) for e in entries] == [
        ({"tokens": 1000, "source": "default"}, {"tokens": 5000, "source": "tenant"}),
        ({"tokens": 5000, "source": "tenant"}, {"tokens": 20, "source": "tenant"}),
        ({"tokens": 20, "source": "tenant"}, {"tokens": 1000, "source": "default"}),
    ]
    assert audited(office, "llm_budget", "acme") == []


@pytest.mark.parametrize("tokens", [0, -5, MAX_TOKENS + 1, True, 2.5, "100"])
def test_a_limit_that_is_not_a_whole_number_of_tokens_is_refused_and_nothing_changes(
    office: Office, tokens: Any
) -> None:
    with pytest.raises(RequestInvalid) as refused:
        office.llm_budgets.set("default", tokens, actor="user:ada")
    assert refused.value.problems[0].pointer == "/tokens"
    assert office.llm_budgets.show("default").source == "default"
    assert audited(office, "llm_budget") == []


def test_a_monthly_window_ends_on_the_first_of_the_next_month(db_url: str, clock: FakeClock) -> None:
    clock.set(1_796_083_200.0 + 3600)  # 2026-12-01T01:00:00Z
    with Office.open(db_url, clock=clock, llm=load_llm_settings(token_period="month")) as office:
        view = office.llm_budgets.show("default")
    assert (view.period, view.tokens, view.remaining) == ("month", None, None)
    assert (view.window_start, view.window_end) == (1_796_083_200.0, 1_798_761_600.0)  # to 2027-01-01


# The token budget, through the API


def test_the_budget_through_the_api(api: Api) -> None:
    shown = api.get("/v1/llm/budget", who="auditor")
    assert shown.status_code == 200, shown.text
    assert shown.json() | {"window_start": "", "window_end": ""} == {
        "tenant": "default",
        "tokens": 1000,
        "source": "default",
        "default_tokens": 1000,
        "period": "1d",
        "window_start": "",
        "window_end": "",
        "used": 0,
        "reserved": 0,
        "remaining": 1000,
        "calls": 0,
        "updated_at": None,
        "updated_by": None,
    }
    assert shown.json()["window_start"] == "2026-01-01T00:00:00.000Z"
    put = api.client.put("/v1/llm/budget", json={"tokens": 250_000}, headers=api.headers())
    assert put.status_code == 200, put.text
    assert (put.json()["tokens"], put.json()["source"], put.json()["updated_by"]) == (
        250_000,
        "tenant",
        "api_key:admin-key",
    )
    assert api.get("/v1/llm/budget", who="other-admin").json()["source"] == "default"  # another tenant's budget
    refused = api.client.put("/v1/llm/budget", json={"tokens": 5}, headers=api.headers("auditor"))
    assert refused.status_code == 403
    reset = api.client.put("/v1/llm/budget", json={"tokens": None}, headers=api.headers())
    assert (reset.json()["tokens"], reset.json()["source"]) == (1000, "default")
    actions = [e.action for e in audited(api.office, "llm_budget")]
    assert actions == ["llm.budget.set", "llm.budget.reset"]


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({}, "/tokens"),
        ({"tokens": 0}, "/tokens"),
        ({"tokens": "100"}, "/tokens"),
        ({"tokens": True}, "/tokens"),
        ({"tokens": 1.5}, "/tokens"),
        ({"tokens": MAX_TOKENS + 1}, "/tokens"),
        ({"tokens": 10, "period": "1h"}, "/period"),
        ([10], "/"),
    ],
)
def test_a_bad_budget_body_is_a_422_problem_with_a_pointer(api: Api, body: Any, pointer: str) -> None:
    response = api.client.put("/v1/llm/budget", json=body, headers=api.headers())
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert pointer in [e["pointer"] for e in response.json()["errors"]]
    assert api.get("/v1/llm/budget").json()["source"] == "default"


# The vendor memory, through the service


def test_vendors_are_listed_a_page_at_a_time_and_forgotten_by_any_key(office: Office, clock: FakeClock) -> None:
    documents = office.documents
    assert documents is not None
    put_vendor(office, "vat:DE111111111", "Nordlicht GmbH", ("invoice_number", "date"))
    put_vendor(office, "iban:DE02120300000000202051", "Bäckerei Süd", ("total",))
    put_vendor(office, "name:corner shop", "Corner Shop", ())
    put_vendor(office, "vat:FR999", "Autre SARL", ("date",), tenant="acme")
    first = documents.vendors("default", limit=2)
    assert [v.vendor_key for v in first] == ["iban:DE02120300000000202051", "name:corner shop"]
    rest = documents.vendors("default", after=first[-1].vendor_key, limit=2)
    assert [(v.vendor_key, v.vendor, v.fields, v.corrections) for v in rest] == [
        ("vat:DE111111111", "Nordlicht GmbH", ["date", "invoice_number"], 2)
    ]
    assert rest[0].keys == ["vat:DE111111111", "name:nordlicht gmbh"]
    clock.advance(30)
    forgotten = documents.forget_vendor("default", "name:nordlicht gmbh", actor="user:ada")
    assert forgotten.vendor_key == "vat:DE111111111"
    assert [v.vendor_key for v in documents.vendors("default")] == ["iban:DE02120300000000202051", "name:corner shop"]
    with pytest.raises(VendorUnknown, match="holds no vendor 'vat:FR999'"):
        documents.forget_vendor("default", "vat:FR999", actor="user:ada")  # another tenant's
    assert [v.vendor_key for v in documents.vendors("acme")] == ["vat:FR999"]
    (entry,) = audited(office, "document_vendor")
    assert (entry.action, entry.actor, entry.object_id, entry.at) == (
        "document.vendor.forgotten",
        "user:ada",
        "vat:DE111111111",
        NOON + 30,
    )
    assert json.loads(entry.before or "null") == {
        "vendor": "Nordlicht GmbH",
        "fields": ["date", "invoice_number"],
        "corrections": 2,
    }
    assert entry.after is None


# The vendor memory, through the API


def test_the_vendor_memory_through_the_api(api: Api) -> None:
    for n in range(5):
        put_vendor(api.office, f"vat:DE00000000{n}", f"Vendor {n}", ("total",))
    put_vendor(api.office, "vat:12/345/67890", "Steuer KG", ("date",))
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = api.get("/v1/documents/vendors", who="auditor", params=params)
        assert page.status_code == 200, page.text
        seen += [v["vendor_key"] for v in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == ["vat:12/345/67890", *[f"vat:DE00000000{n}" for n in range(5)]]
    item = api.get("/v1/documents/vendors").json()["items"][0]
    assert item == {
        "vendor_key": "vat:12/345/67890",
        "vendor": "Steuer KG",
        "keys": ["vat:12/345/67890", "name:steuer kg"],
        "fields": ["date"],
        "corrections": 1,
        "updated_at": "2026-01-01T12:00:00.000Z",
        "updated_by": "clara",
    }
    assert api.get("/v1/documents/vendors", who="other-admin").json() == {"items": [], "next_cursor": None}
    assert api.get("/v1/documents/vendors", who="designer").status_code == 403

    bad = api.get("/v1/documents/vendors", params={"cursor": "not-a-cursor"})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["pointer"] == "/cursor"

    path = "/v1/documents/vendors/" + quote("vat:12/345/67890", safe="")
    assert api.client.delete(path, headers=api.headers("auditor")).status_code == 403
    gone = api.client.delete(path, headers=api.headers())
    assert gone.status_code == 200, gone.text
    assert gone.json()["vendor"] == "Steuer KG"
    by_name = api.client.delete("/v1/documents/vendors/" + quote("name:vendor 3"), headers=api.headers())
    assert by_name.json()["vendor_key"] == "vat:DE000000003"
    unknown = api.client.delete(path, headers=api.headers())
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/problem+json")
    assert "holds no vendor 'vat:12/345/67890'" in unknown.json()["detail"]
    assert (
        api.client.delete("/v1/documents/vendors/vat:DE000000001", headers=api.headers("other-admin")).status_code
        == 404
    )
    assert len(api.get("/v1/documents/vendors").json()["items"]) == 4
    assert [e.object_id for e in audited(api.office, "document_vendor")] == ["vat:12/345/67890", "vat:DE000000003"]
