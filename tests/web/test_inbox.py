"""The inbox and task pages in headless Chromium: an employee files a claim with a receipt, the
manager sees it with its explanation, corrects a field and approves, the run completes and the
audit shows the decision; and the ways it must not go: no CSRF token, another tenant's task,
the requester deciding their own claim, two people deciding the same task at once."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import PASSWORD, SCREENSHOTS, SHOTS_DIR, Console, log_in

CLAIM = textwrap.dedent("""
    name: web-claim
    version: 1
    title: Expense claim (web test)
    input:
      type: object
      required: [amount, purpose]
      properties:
        amount: {type: number, exclusiveMinimum: 0, title: Amount (EUR)}
        purpose: {type: string, title: Purpose}
        receipt: {type: string, format: file, title: Receipt}
    steps:
      review:
        kind: human
        subject: "'Claim of ' + string(input.amount) + ' EUR: ' + input.purpose"
        assign: {via: manager}
        form:
          schema:
            type: object
            properties:
              amount: {type: number, title: Amount (EUR)}
              cost_centre: {type: string, title: Cost centre}
          values: "{'amount': input.amount, 'cost_centre': ''}"
        explain: "{'extracted': {'total': {'value': input.amount, 'confidence': 0.64}}, 'flags': [{'code': 'NEW_VENDOR', 'reason': 'first claim from this vendor'}]}"
        document: "has(input.receipt) ? input.receipt : ''"
        outcomes:
          approve: {label: Approve, requires: [cost_centre], style: primary}
          reject: {label: Reject, reasons: [policy, other], style: danger}
    """)
GROUP_CLAIM = textwrap.dedent("""
    name: web-shared
    version: 1
    steps:
      review:
        kind: human
        subject: "'Shared review ' + input.n"
        assign: {group: web-reviewers}
        outcomes:
          approve: {style: primary}
          reject: {reasons: [policy]}
    """)
PEOPLE = {
    # username: (grants, manager)
    "wendy": (["submitter"], "wade"),
    "wade": (["approver", "submitter"], "wes"),
    "wes": (["approver"], None),
    "ria": (["approver", "submitter"], None),
    "rob": (["approver"], None),
}


def _png() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 200), "white")
    ImageDraw.Draw(image).text((20, 20), "RECEIPT  TOTAL 84.50 EUR", fill="black")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def people(console: Console) -> Console:
    engine = console.engine
    office = console.office
    for tenant in ("default", "acme"):
        engine.apply(CLAIM, tenant=tenant, actor="user:ada")
        engine.apply(GROUP_CLAIM, tenant=tenant, actor="user:ada")
    with engine.store.read() as tx:
        known = tx.user_by_name("default", "wendy") is not None
    if not known:
        for name, (grants, manager) in PEOPLE.items():
            office.accounts.create_user("default", name, password=PASSWORD, grants=grants, actor="system")
            office.directory.put_person("default", name, actor="system", manager=manager)
        office.directory.put_group("default", "web-reviewers", ["ria", "rob", "wade"], actor="system")
        office.accounts.create_user("acme", "wade", password=PASSWORD, grants=["admin"], actor="system")
    return console


def cookie(console: Console, username: str, tenant: str = "default") -> dict[str, Any]:
    """A session cookie of ``username`` for the browser (the people of this module live here,
    not in the console's USERS)."""
    token = console.office.accounts.login(tenant, username, PASSWORD).token
    return {"name": "officeflow_session", "value": token, "url": console.url, "httpOnly": True, "sameSite": "Lax"}


def client_for(console: Console, username: str) -> tuple[httpx.Client, str]:
    """A plain HTTP client holding a session of ``username``, and the session's CSRF token."""
    made = console.office.accounts.login("default", username, PASSWORD)
    client = httpx.Client(base_url=console.url, follow_redirects=False, timeout=10)
    client.cookies.set("officeflow_session", made.token)
    return client, made.row.csrf_token


def open_task_of(console: Console, run_id: str) -> Any:
    (task,) = [t for t in console.office.tasks.of_run("default", run_id) if t.status == "active"]
    return task


def shot(page: Any, name: str, *, phone: bool = True) -> None:
    """With OFFICEFLOW_SCREENSHOTS=1 (make screenshots): the page at desktop and phone width."""
    if not SCREENSHOTS:
        return
    SHOTS_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS_DIR / f"{name}-desktop.png"), full_page=True)
    if phone:
        size = page.viewport_size
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=str(SHOTS_DIR / f"{name}-phone.png"), full_page=True)
        page.set_viewport_size(size)


def test_file_a_claim_then_the_manager_corrects_and_approves_it(people: Console, context: Any, tmp_path: Path) -> None:
    console = people
    # The employee signs in and files the claim with its receipt.
    page = context.new_page()
    page.goto("/login")
    page.fill("#username", "wendy")
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit]")
    page.goto("/start")
    page.click("text=Expense claim (web test)")
    page.fill("[name='/amount']", "84.5")
    page.fill("[name='/purpose']", "Taxi to the airport")
    receipt = tmp_path / "receipt.png"
    receipt.write_bytes(_png())
    page.set_input_files("[name='/receipt']", str(receipt))
    shot(page, "request-form", phone=False)
    page.click("text=Submit request")
    page.wait_for_url("**/runs/*")
    run_id = page.url.split("/runs/")[1].split("?")[0]
    assert console.status(run_id) == "waiting"
    context.clear_cookies()

    # The manager sees it in the inbox, with the document and the explanation.
    page.goto("/login")
    page.fill("#username", "wade")
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit]")
    page.goto("/inbox")
    row = page.locator("tr[data-task]:has-text('Taxi to the airport')")
    assert row.count() == 1
    assert "wendy" in row.inner_text()
    shot(page, "inbox")
    row.locator("a.task-link").click()
    page.wait_for_url("**/tasks/*")
    assert page.locator("h1").inner_text() == "Claim of 84.5 EUR: Taxi to the airport"
    page.wait_for_function(
        "() => { const i = document.querySelector('img.doc'); return i.complete && i.naturalWidth > 0 }"
    )
    why = page.locator(".explain").inner_text()
    assert "64%" in why
    assert "first claim from this vendor" in why
    shot(page, "task")

    # Approving without the cost centre is refused, with the field marked; then correct and approve.
    page.click("button[name=outcome][value=approve]")
    assert page.locator(".field.has-error .field-error").inner_text() == "needed to approve"
    page.fill("[name='/amount']", "80")
    page.fill("[name='/cost_centre']", "CC-TRAVEL")
    page.click("button[name=outcome][value=approve]")
    page.wait_for_url("**/inbox?done=decided")
    assert "Decision recorded" in page.locator("[role=status]").inner_text()

    task = next(iter(console.office.tasks.of_run("default", run_id)))
    assert (task.status, task.outcome, task.decided_by) == ("completed", "approve", "wade")
    assert console.status(run_id) == "completed"
    (correction,) = console.office.tasks.corrections("default", task_id=task.id)
    assert (correction.field, correction.before, correction.after) == ("/amount", 84.5, 80)

    # The audit view shows the decision.
    context.clear_cookies()
    audit = log_in(context, console, "aude")
    audit.goto(f"/audit?object_id={task.id}")
    text = audit.locator("main").inner_text()
    assert "task.decided" in text
    assert "task.opened" in text


def test_a_decision_form_without_the_csrf_token_changes_nothing(people: Console) -> None:
    console = people
    run_id = console.engine.start("web-claim", {"amount": 12.0, "purpose": "Pens"}, actor="user:wendy").id
    task = open_task_of(console, run_id)
    client, csrf = client_for(console, "wade")
    with client:
        refused = client.post(f"/tasks/{task.id}/decide", data={"outcome": "reject", "reason_code": "policy"})
        assert refused.status_code == 403
        wrong = client.post(
            f"/tasks/{task.id}/decide", data={"outcome": "reject", "reason_code": "policy", "csrf_token": "x" + csrf}
        )
        assert wrong.status_code == 403
        assert console.office.tasks.get("default", task.id).status == "active"
        done = client.post(
            f"/tasks/{task.id}/decide", data={"outcome": "reject", "reason_code": "policy", "csrf_token": csrf}
        )
        assert done.status_code == 303
    assert console.office.tasks.get("default", task.id).outcome == "reject"


def test_another_tenant_s_task_is_not_found(people: Console, context: Any) -> None:
    console = people
    run_id = console.engine.start("web-claim", {"amount": 5.0, "purpose": "Stamps"}, actor="user:wendy").id
    task = open_task_of(console, run_id)
    context.add_cookies([cookie(console, "wade", tenant="acme")])
    foreign = context.new_page()
    response = foreign.goto(f"/tasks/{task.id}")
    assert response is not None
    assert response.status == 404
    assert "no such task" in foreign.locator("main").inner_text().lower()


def test_the_requester_cannot_decide_their_own_request(people: Console, context: Any) -> None:
    console = people
    run_id = console.engine.start("web-shared", {"n": "R1"}, actor="user:ria").id
    task = open_task_of(console, run_id)
    context.add_cookies([cookie(console, "ria")])
    page = context.new_page()
    page.goto(f"/tasks/{task.id}")
    warning = page.locator(".alert-warn").inner_text()
    assert "you requested this" in warning
    assert page.locator("button[name=outcome]").count() == 0
    assert page.locator("button:has-text('Claim')").count() == 0
    client, csrf = client_for(console, "ria")
    with client:
        forged = client.post(f"/tasks/{task.id}/decide", data={"outcome": "approve", "csrf_token": csrf})
    assert forged.status_code == 403
    assert "you requested this" in forged.text
    assert console.office.tasks.get("default", task.id).status == "active"


def test_two_people_deciding_the_same_task_one_wins_the_other_is_told(people: Console, browser: Any) -> None:
    console = people
    run_id = console.engine.start("web-shared", {"n": "R2"}, actor="user:wendy").id
    task = open_task_of(console, run_id)
    pages = []
    contexts = []
    for name in ("ria", "rob"):
        ctx = browser.new_context(base_url=console.url, viewport={"width": 1280, "height": 860}, timezone_id="UTC")
        contexts.append(ctx)
        ctx.add_cookies([cookie(console, name)])
        page = ctx.new_page()
        page.goto(f"/tasks/{task.id}")
        pages.append(page)
    try:
        pages[0].click("button[name=outcome][value=approve]")
        pages[0].wait_for_url("**/inbox?done=decided")
        pages[1].select_option("#reason-code", "policy")
        pages[1].click("button[name=outcome][value=reject]")
        message = pages[1].locator("[role=alert]").inner_text()
        assert "ria already decided this task (approve" in message
        assert "Nothing was changed" in message
        shot(pages[1], "task-conflict", phone=False)
    finally:
        for ctx in contexts:
            ctx.close()
    done = console.office.tasks.get("default", task.id)
    assert (done.outcome, done.decided_by) == ("approve", "ria")
    assert console.status(run_id) == "completed"


def test_claim_from_the_group_and_keyboard_decision(people: Console, context: Any) -> None:
    console = people
    run_id = console.engine.start("web-shared", {"n": "R3"}, actor="user:wendy").id
    task = open_task_of(console, run_id)
    context.add_cookies([cookie(console, "rob")])
    page = context.new_page()
    page.goto("/inbox")
    assert page.locator("nav.tabs a[aria-current=page]").inner_text().startswith("My groups")
    ids = page.locator("tr[data-task]").evaluate_all("rows => rows.map(r => r.dataset.task)")
    for _ in range(ids.index(task.id) + 1):  # other tests' tasks may come first
        page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/tasks/{task.id}")
    page.click("button:has-text('Claim')")
    page.wait_for_url("**?done=claimed")
    assert page.locator("[data-assignee]").inner_text() == "rob"
    page.keyboard.press("1")  # the first outcome: approve
    page.wait_for_url("**/inbox?done=decided")
    assert console.office.tasks.get("default", task.id).decided_by == "rob"


def test_an_operator_reassigns_a_task_to_a_group(people: Console, context: Any) -> None:
    console = people
    run_id = console.engine.start("web-claim", {"amount": 40.0, "purpose": "Books"}, actor="user:wendy").id
    task = open_task_of(console, run_id)
    assert task.assignee == "wade"
    page = log_in(context, console, "oscar")
    page.goto(f"/tasks/{task.id}")
    assert page.locator("button[name=outcome]").count() == 0  # operators manage tasks, they do not decide them
    page.click("summary:has-text('Reassign')")
    page.fill("#reassign-to", "group:web-reviewers")
    page.fill("#reassign-why", "wade is on leave")
    page.click("form[action$='/reassign'] button[type=submit]")
    page.wait_for_url("**?done=reassigned")
    assert page.locator("[data-assignee]").inner_text() == "group web-reviewers"
    moved = console.office.tasks.get("default", task.id)
    assert (moved.assignee, moved.candidate_group) == (None, "web-reviewers")
    log = page.locator("li[data-type=reassigned]").inner_text()
    assert "wade is on leave" in log


def test_a_pdf_receipt_is_shown_as_its_first_page(people: Console, context: Any, tmp_path: Path) -> None:
    """A PDF document is rendered to an image on the server (pdfium), not handed to the browser."""
    from PIL import Image, ImageDraw

    from officeflow.ingest import files as attachments

    page_image = Image.new("RGB", (600, 800), "white")
    ImageDraw.Draw(page_image).text((40, 40), "INVOICE 2026-117  TOTAL 1,250.00 EUR", fill="black")
    pdf = io.BytesIO()
    page_image.save(pdf, format="PDF")
    engine = people.engine
    row = engine.store.run(
        lambda tx: attachments.store(
            tx, "default", "invoice.pdf", "application/pdf", pdf.getvalue(), source="test", now=engine.now()
        )
    )
    run_id = engine.start(
        "web-claim", {"amount": 1250.0, "purpose": "Invoice", "receipt": row.id}, actor="user:wendy"
    ).id
    task = open_task_of(people, run_id)
    context.add_cookies([cookie(people, "wade")])
    page = context.new_page()
    response = page.request.get(f"/tasks/{task.id}/document")
    assert response.status == 200
    assert response.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(response.body()))
    assert image.width > 600  # rendered at a readable scale
    assert image.height > image.width  # a portrait page
    page.goto(f"/tasks/{task.id}")
    page.wait_for_function(
        "() => { const i = document.querySelector('img.doc'); return i.complete && i.naturalWidth > 0 }"
    )
    assert page.locator("img.doc").evaluate("img => img.naturalWidth") > 600


def test_a_pdf_that_cannot_be_rendered_gets_a_clear_answer_and_the_task_still_opens(
    people: Console, context: Any
) -> None:
    """A broken PDF (it passes the upload checks: a PDF header, nothing active) is rendered in a
    limited child process, which fails; the document URL answers 422 with the reason, the task
    page opens as usual, and the server goes on serving."""
    from officeflow.ingest import files as attachments

    engine = people.engine
    row = engine.store.run(
        lambda tx: attachments.store(
            tx,
            "default",
            "scan.pdf",
            "application/pdf",
            b"%PDF-1.7\n% not really a PDF\n",
            source="test",
            now=engine.now(),
        )
    )
    run_id = engine.start("web-claim", {"amount": 12.0, "purpose": "Taxi", "receipt": row.id}, actor="user:wendy").id
    task = open_task_of(people, run_id)
    context.add_cookies([cookie(people, "wade")])
    page = context.new_page()
    response = page.request.get(f"/tasks/{task.id}/document")
    assert response.status == 422
    assert "The PDF cannot be shown here (not a readable PDF" in response.text()
    assert "Traceback" not in response.text()
    assert page.goto(f"/tasks/{task.id}").status == 200
    assert page.locator("h1").inner_text().startswith("Claim of 12")
