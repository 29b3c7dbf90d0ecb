"""``officeflow llm budget`` and ``officeflow documents vendors`` through click's runner, on both
backends: a tenant's token budget shown and set (and sent back to the setting's), the vendor memory
listed and a vendor forgotten, each change in the audit log; bad input a clear message."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from officeflow import Office
from officeflow.cli import main
from officeflow.queries.audit import AuditFilter
from officeflow.store.tx_documents import VendorRow

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cli(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.chdir(ROOT)
    runner = CliRunner()

    def invoke(*args: str, **env: str | None) -> Result:
        base: dict[str, str | None] = {
            "OFFICEFLOW_DATABASE_URL": db_url,
            "OFFICEFLOW_ACTOR": "admin@cli",
            "OFFICEFLOW_LLM_TENANT_TOKENS": "1000",
        }
        return runner.invoke(main, list(args), env=base | env, catch_exceptions=False)  # None: unset

    invoke.url = db_url  # type: ignore[attr-defined]
    return invoke


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def actions(url: str, object_type: str) -> list[tuple[str, str, str]]:
    with Office.open(url) as office:
        rows = office.queries.audit.entries("default", AuditFilter(object_type=object_type))
    return [(r.action, r.actor, r.object_id) for r in sorted(rows, key=lambda r: r.id)]


def test_llm_budget_show_and_set(cli: Any) -> None:
    shown = ok(cli("llm", "budget", "show"))
    assert "tenant default: 1000 tokens per 1d (the setting's limit, OFFICEFLOW_LLM_TENANT_TOKENS)" in shown
    assert "0 used, 0 reserved, 1000 remaining, 0 call(s)" in shown
    assert "tenant default: 50000 tokens per 1d (its own limit)" in ok(cli("llm", "budget", "set", "50000"))
    data = json.loads(ok(cli("llm", "budget", "show", "--json")))
    assert (data["tokens"], data["source"], data["default_tokens"], data["updated_by"]) == (
        50000,
        "tenant",
        1000,
        "admin@cli",
    )
    assert data["window_start"].endswith("T00:00:00.000Z")
    other = json.loads(ok(cli("llm", "budget", "show", "--json", "--tenant", "acme")))
    assert (other["tenant"], other["source"], other["tokens"]) == ("acme", "default", 1000)
    ok(cli("llm", "budget", "set", "7", OFFICEFLOW_TENANT="acme"))
    assert json.loads(ok(cli("llm", "budget", "show", "--json", "--tenant", "acme")))["tokens"] == 7
    assert "the setting's limit" in ok(cli("llm", "budget", "set", "default"))
    unlimited = json.loads(ok(cli("llm", "budget", "show", "--json", OFFICEFLOW_LLM_TENANT_TOKENS=None)))
    assert (unlimited["tokens"], unlimited["remaining"]) == (None, None)
    assert actions(cli.url, "llm_budget") == [
        ("llm.budget.set", "admin@cli", "default"),
        ("llm.budget.reset", "admin@cli", "default"),
    ]


@pytest.mark.parametrize("value", ["lots", "0", "-3", "1.5", "9007199254740992"])
def test_llm_budget_set_refuses_what_is_not_a_limit(cli: Any, value: str) -> None:
    refused = cli("llm", "budget", "set", "--", value)
    assert refused.exit_code == 2
    assert "Invalid value for TOKENS" in refused.output
    assert "nor 'default'" in refused.output
    assert "Traceback" not in refused.output
    assert json.loads(ok(cli("llm", "budget", "show", "--json")))["source"] == "default"


def test_documents_vendors_list_and_forget(cli: Any) -> None:
    assert "the vendor memory of tenant 'default' is empty" in ok(cli("documents", "vendors", "list"))
    learned: list[tuple[str, str, dict[str, Any]]] = [
        ("vat:DE123456789", "Nordlicht GmbH", {"invoice_number": {}, "date": {}}),
        ("name:corner shop", "Corner Shop", {}),
    ]
    with Office.open(cli.url) as office:
        for key, vendor, fields in learned:
            profile = {"keys": [key, f"iban:{len(key)}"], "vendor": vendor, "fields": fields, "corrections": 2}
            row = VendorRow(
                tenant="default",
                vendor_key=key,
                vendor=vendor,
                profile=json.dumps(profile),
                corrections=2,
                updated_at=office.now(),
                updated_by="clara",
            )
            with office.store.transaction() as tx:
                tx.put_vendor(row)
    listed = ok(cli("documents", "vendors", "list"))
    assert "Nordlicht" in listed  # a table as wide as the terminal: the cells fold
    assert "Corner" in listed
    data = json.loads(ok(cli("documents", "vendors", "list", "--json")))
    assert [(v["vendor_key"], v["fields"], v["corrections"], v["updated_by"]) for v in data] == [
        ("name:corner shop", [], 2, "clara"),
        ("vat:DE123456789", ["date", "invoice_number"], 2, "clara"),
    ]
    assert data[0]["updated_at"].endswith("Z")
    forgot = ok(cli("documents", "vendors", "forget", "vat:DE123456789"))
    assert "forgot vendor vat:DE123456789 (Nordlicht GmbH): date, invoice_number, 2 correction(s)" in forgot
    assert "forgot vendor name:corner shop" in ok(cli("documents", "vendors", "forget", "iban:16"))
    unknown = cli("documents", "vendors", "forget", "vat:DE123456789")
    assert unknown.exit_code == 3
    assert "the vendor memory of tenant 'default' holds no vendor 'vat:DE123456789'" in unknown.output
    assert json.loads(ok(cli("documents", "vendors", "list", "--json"))) == []
    assert actions(cli.url, "document_vendor") == [
        ("document.vendor.forgotten", "admin@cli", "vat:DE123456789"),
        ("document.vendor.forgotten", "admin@cli", "name:corner shop"),
    ]
