"""The console's request form takes files as ``POST /v1/files`` does (20 MiB by default), and a
file over the limit gets the console's HTML error page, not a problem document (both backends,
the real server over HTTP)."""

from __future__ import annotations

import textwrap

import pytest

from .conftest import Console, http

UPLOAD = textwrap.dedent("""
    name: web-upload
    version: 1
    title: Invoice with its PDF
    input:
      type: object
      required: [amount]
      properties:
        amount: {type: number, title: Amount}
        invoice: {type: string, format: file, title: Invoice PDF}
    steps:
      done: {kind: end}
    """)
MiB = 1024 * 1024


def pdf(size: int) -> bytes:
    """A PDF of ``size`` bytes without active content (a comment pads it)."""
    head, tail = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%", b"\n%%EOF\n"
    return head + b"0" * (size - len(head) - len(tail)) + tail


@pytest.fixture
def upload_form(console: Console) -> Console:
    console.engine.apply(UPLOAD, tenant="default", actor="user:ada")
    return console


def test_a_two_megabyte_pdf_through_the_request_form_starts_the_run(upload_form: Console) -> None:
    client, csrf = http(upload_form, "ada")
    with client:
        answer = client.post(
            "/start/web-upload",
            data={"csrf_token": csrf, "/amount": "120"},
            files={"/invoice": ("invoice.pdf", pdf(2_000_000), "application/pdf")},
        )
    assert answer.status_code == 303, answer.text[:500]
    run_id = answer.headers["location"].split("/runs/")[1].split("?")[0]
    run = upload_form.engine.get_run(run_id, tenant="default")
    with upload_form.engine.store.read() as tx:
        stored = tx.get_file("default", run.input["invoice"])
    assert stored is not None
    row, content = stored
    assert (row.size, row.content_type, row.source) == (2_000_000, "application/pdf", "form")
    assert content == pdf(2_000_000)


def test_a_pdf_over_the_upload_limit_gets_the_html_error_page(upload_form: Console) -> None:
    runs_before = len(upload_form.engine.list_runs(tenant="default", workflow="web-upload"))
    client, csrf = http(upload_form, "ada")
    with client:
        answer = client.post(
            "/start/web-upload",
            data={"csrf_token": csrf, "/amount": "120"},
            files={"/invoice": ("invoice.pdf", pdf(21 * MiB), "application/pdf")},
        )
    assert answer.status_code == 413
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert '<h1 id="problem-title">Too large</h1>' in answer.text
    assert "over the limit of 20 MiB for files" in answer.text
    assert len(upload_form.engine.list_runs(tenant="default", workflow="web-upload")) == runs_before


def test_the_api_keeps_its_problem_document_for_a_body_over_the_limit(upload_form: Console) -> None:
    client, _ = http(upload_form)
    with client:
        answer = client.post("/v1/runs", content=b"x" * (2 * MiB), headers={"content-type": "application/json"})
    assert answer.status_code == 413
    assert answer.headers["content-type"] == "application/problem+json"
