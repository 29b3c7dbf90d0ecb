"""The task page of a document a ``document`` step read, in headless Chromium: the page's image
with each field's box drawn over it at the rendering's scale, the fields with their confidences
and the checks' reasons; a clerk corrects a field in the pre-filled form and the correction is
kept as feedback and teaches the tenant's vendor memory."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from officeflow.ingest import files as attachments

from .conftest import PASSWORD, Console

DATA = Path(__file__).resolve().parents[1] / "data" / "documents"
REVIEW = textwrap.dedent("""
    name: web-invoice
    version: 1
    title: Invoice (web test)
    input:
      type: object
      properties:
        file: {type: string, format: file}
    steps:
      read:
        kind: document
        file: input.file
        document_kind: invoice
        next: check
      check:
        kind: human
        subject: "'Invoice from ' + string(steps.read.output.values.vendor)"
        assign: {user: "'dora'"}
        document: steps.read.output
        form:
          schema:
            type: object
            properties:
              supplier: {type: string, title: Supplier, x-document-field: vendor}
              invoice_number: {type: string, title: Invoice number}
              date: {type: string, title: Date}
              amount: {type: number, title: Total, x-document-field: total}
          values: >-
            {'supplier': steps.read.output.values.vendor, 'invoice_number': steps.read.output.values.invoice_number,
             'date': steps.read.output.values.date, 'amount': steps.read.output.values.total}
        outcomes:
          accept: {label: Accept, style: primary}
    """)


@pytest.fixture
def invoices(console: Console) -> Console:
    office = console.office
    office.engine.apply(REVIEW, actor="user:ada")
    with office.store.read() as tx:
        known = tx.user_by_name("default", "dora") is not None
    if not known:
        office.accounts.create_user("default", "dora", password=PASSWORD, grants=["approver"], actor="system")
        office.directory.put_person("default", "dora", actor="system")
    return console


def test_the_fields_are_boxed_on_the_page_and_a_correction_teaches_the_vendor_memory(
    invoices: Console, context: Any
) -> None:
    office = invoices.office
    content = (DATA / "invoice-gb-text.pdf").read_bytes()
    row = office.store.run(
        lambda tx: attachments.store(
            tx, "default", "invoice.pdf", "application/pdf", content, source="test", now=office.now()
        )
    )
    run_id = invoices.start("web-invoice", {"file": row.id})
    (task,) = [t for t in office.tasks.of_run("default", run_id) if t.status == "active"]
    read = task.spec["document"]
    page_size = read["pages"][0]

    token = office.accounts.login("default", "dora", PASSWORD).token
    context.add_cookies(
        [{"name": "officeflow_session", "value": token, "url": invoices.url, "httpOnly": True, "sameSite": "Lax"}]
    )
    page = context.new_page()
    page.goto(f"/tasks/{task.id}")
    href = page.locator("svg.doc-page image.doc-image").get_attribute("href")
    rendered = page.request.get(href)
    assert rendered.status == 200
    assert rendered.headers["content-type"] == "image/png"
    # The page's image fills the page's SVG, and each box sits where the field was read, scaled
    # by the width the page is shown at.
    sheet = page.locator("svg.doc-page").first.bounding_box()
    image = page.locator("svg.doc-page image.doc-image").bounding_box()
    for key in ("x", "y", "width", "height"):
        assert abs(image[key] - sheet[key]) <= 2.5, key  # within the sheet's 1-pixel border
    scale = image["width"] / page_size["width"]
    assert abs(image["height"] - page_size["height"] * scale) < 1
    edge = max(page_size["width"], page_size["height"]) / 400 * scale  # the stroke, half outside the box
    for name in ("total", "date", "invoice_number"):
        drawn = page.locator(f"g.field-box[data-field={name}] rect").bounding_box()
        x0, y0, x1, y1 = read["fields"][name]["box"]
        assert abs(drawn["x"] + edge / 2 - (image["x"] + x0 * scale)) < 1, name
        assert abs(drawn["y"] + edge / 2 - (image["y"] + y0 * scale)) < 1, name
        assert abs(drawn["width"] - edge - (x1 - x0) * scale) < 1, name
        assert abs(drawn["height"] - edge - (y1 - y0) * scale) < 1, name
    # The field list with confidences, and the checks with their reasons.
    total_row = page.locator("table.doc-fields tr[data-field=total]").inner_text()
    assert f"{round(read['fields']['total']['confidence'] * 100)}%" in total_row
    assert str(read["values"]["total"]) in total_row.replace(",", "")
    reasons = page.locator("ul.doc-checks").inner_text()
    assert read["checks"][0]["reason"] in reasons

    # The clerk corrects the supplier's name in the pre-filled form and accepts.
    assert page.input_value("[name='/supplier']") == read["values"]["vendor"]
    page.fill("[name='/supplier']", "Pioneer Bakery Ltd")
    page.click("button[name=outcome][value=accept]")
    page.wait_for_url("**/inbox?done=decided")

    feedback = office.store.run(lambda tx: tx.feedback_of_task("default", task.id))
    assert [(f.field, f.model_value, f.label) for f in feedback] == [
        ("/fields/vendor", read["values"]["vendor"], "Pioneer Bakery Ltd")
    ]
    vendors = office.store.run(lambda tx: tx.list_vendors("default"))
    learned = [v for v in vendors if v.vendor_key == read["vendor_key"] or read["vendor_key"] in v.profile]
    assert learned
    assert learned[0].updated_by == "dora"
    assert learned[0].vendor == "Pioneer Bakery Ltd"

    # The vendor's next document is read with the name the clerk gave.
    again = office.store.run(
        lambda tx: attachments.store(
            tx, "default", "invoice-2.pdf", "application/pdf", content, source="test", now=office.now()
        )
    )
    next_run = invoices.start("web-invoice", {"file": again.id})
    (next_task,) = [t for t in office.tasks.of_run("default", next_run) if t.status == "active"]
    assert next_task.spec["document"]["values"]["vendor"] == "Pioneer Bakery Ltd"
    assert "vendor" in next_task.spec["document"]["memory_applied"]
