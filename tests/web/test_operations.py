"""Operator actions through the browser: each changes the run, names the signed-in user in the
run's history and the audit log; users without the right see no forms and get 403 if they post."""

from __future__ import annotations

from typing import Any

from tests.web.handlers import HEALED

from .conftest import Console, csrf_of, http, log_in


def audit_actions(console: Console, page: Any, run_id: str) -> list[tuple[str, str]]:
    """(action, actor) of the run's audit entries, newest first, as the audit page shows them to
    an auditor (in a browser profile of their own)."""
    context = page.context.browser.new_context(base_url=console.url)
    try:
        auditor = log_in(context, console, "aude")
        auditor.goto(f"/audit?object_type=run&object_id={run_id}")
        rows = auditor.locator("tbody tr").all()
        return [(r.get_attribute("data-action"), r.locator("td").nth(1).inner_text()) for r in rows]
    finally:
        context.close()


def notice(page: Any) -> str:
    return str(page.locator(".alert-ok[role=status]").inner_text())


def test_pause_resume_and_cancel(console: Console, context: Any) -> None:
    run_id = console.start("web-loans", {"applicant": "Ada"})
    page = log_in(context, console, "oscar")
    page.goto(f"/runs/{run_id}")
    page.click("#actions button:text-is('Pause')")
    page.wait_for_url(f"**/runs/{run_id}?done=paused")
    assert console.status(run_id) == "paused"
    assert "paused" in notice(page)
    assert page.locator(".title-row .badge").inner_text() == "paused"
    page.click("#actions button:text-is('Resume')")
    page.wait_for_url(f"**/runs/{run_id}?done=resumed")
    assert console.status(run_id) in ("running", "waiting")
    page.click("#act-cancel summary")
    page.fill("#cancel-reason", "applicant withdrew")
    page.click("#act-cancel button[type=submit]")  # confirms the dialog (accepted by the fixture)
    page.wait_for_url(f"**/runs/{run_id}?done=cancelled")
    assert console.status(run_id) == "cancelled"
    assert "no operator action applies" in page.locator("#actions").inner_text()
    history = console.engine.history(run_id)
    assert [(e.type, e.actor) for e in history if e.type.startswith("run_")][-3:] == [
        ("run_paused", "user:oscar"),
        ("run_resumed", "user:oscar"),
        ("run_cancelled", "user:oscar"),
    ]
    assert audit_actions(console, page, run_id)[:3] == [
        ("run.cancelled", "user:oscar"),
        ("run.resumed", "user:oscar"),
        ("run.paused", "user:oscar"),
    ]


def test_signal_with_a_payload(console: Console, context: Any) -> None:
    run_id = console.start("web-loans", {"applicant": "Grace"})
    page = log_in(context, console, "oscar")
    page.goto(f"/runs/{run_id}")
    page.click("#act-signal summary")
    assert page.input_value("#signal-name") == "decision"  # the signal the run waits for
    page.fill("#signal-payload", '{"approved": true, "by": "oscar"}')
    page.click("#act-signal button[type=submit]")
    page.wait_for_url(f"**/runs/{run_id}?done=signaled")
    assert console.status(run_id) == "completed"
    assert console.engine.get_run(run_id).output == {"approved": True, "by": "oscar"}
    assert page.locator("#output pre").inner_text().strip().startswith("{")
    assert ("run.signaled", "user:oscar") in audit_actions(console, page, run_id)


def test_bad_json_is_refused_with_the_form_kept(console: Console, context: Any) -> None:
    """The script stops a payload that is not JSON; posted anyway, the server shows the reason and
    keeps what was typed."""
    run_id = console.start("web-loans", {"applicant": "Linus"})
    page = log_in(context, console, "oscar")
    page.goto(f"/runs/{run_id}")
    page.click("#act-signal summary")
    page.fill("#signal-payload", "{not json")
    page.click("#act-signal button[type=submit]")
    assert page.url.endswith(f"/runs/{run_id}")  # not submitted
    assert page.evaluate("document.querySelector('#signal-payload').validationMessage").startswith("Not valid JSON")
    client, token = http(console, "oscar")
    with client:
        response = client.post(
            f"/runs/{run_id}/signal", data={"csrf_token": token, "name": "decision", "payload": "{x"}
        )
    assert response.status_code == 422
    assert "The payload is not valid JSON" in response.text
    assert "{x</textarea>" in response.text
    assert console.status(run_id) == "waiting"


def test_skip_a_failed_step_with_an_output(console: Console, context: Any) -> None:
    run_id = console.start("web-orders", {"amount": 3, "break": True}, version=1)
    assert console.status(run_id) == "failed"
    page = log_in(context, console, "oscar")
    page.goto(f"/runs/{run_id}")
    page.click("#act-skip summary")
    page.select_option("#skip-step", "ship")
    page.fill("#skip-output", '{"tracking": "HAND-DELIVERED"}')
    page.click("#act-skip button[type=submit]")
    page.wait_for_url(f"**/runs/{run_id}?done=skipped")
    console.drive()
    assert console.status(run_id) == "completed"
    page.reload()
    states = {
        n.get_attribute("data-step"): n.get_attribute("data-state") for n in page.locator("g.node[data-step]").all()
    }
    assert states["ship"] == states["notify"] == "completed"
    skipped = page.locator(".timeline li[data-type=step_skipped]")
    assert "by user:oscar" in skipped.inner_text()
    assert ("run.step_skipped", "user:oscar") in audit_actions(console, page, run_id)


def test_retry_from_a_chosen_step(console: Console, context: Any) -> None:
    run_id = console.start("web-orders", {"amount": 4, "break": True}, version=1)
    page = log_in(context, console, "oscar")
    page.goto(f"/runs/{run_id}")
    options = page.locator("#retry-from option").all_inner_texts()
    assert options[0] == "the failed step(s)"
    assert {"check", "ship", "notify"} <= set(options[1:])
    HEALED.add(run_id)
    page.select_option("#retry-from", "check")
    page.click("#act-retry button[type=submit]")
    page.wait_for_url(f"**/runs/{run_id}?done=retried")
    console.drive()
    assert console.status(run_id) == "completed"
    checks = [e for e in console.engine.history(run_id) if e.type == "step_completed" and e.step_id == "check"]
    assert len(checks) == 2  # ran again from 'check'
    entries = audit_actions(console, page, run_id)
    assert ("run.retried", "user:oscar") in entries


def test_migrate_with_a_step_map(console: Console, context: Any) -> None:
    """Without a map the migration is refused with the reason; Check shows the plan; Migrate
    moves the run to version 2, where the waiting step has another name."""
    run_id = console.start("web-orders", {"amount": 900}, version=1)
    page = log_in(context, console, "oscar")
    page.goto(f"/runs/{run_id}")
    page.click("#act-migrate summary")
    page.select_option("#migrate-version", "2")
    page.click("#act-migrate button:text-is('Check')")
    refusal = page.locator(".alert-bad[role=alert]").inner_text()
    assert "cannot be migrated" in refusal
    assert "approval" in refusal
    page.fill("#migrate-map", "approval=manager_review")
    page.click("#act-migrate button:text-is('Check')")
    assert "fits" in page.locator("#act-migrate .alert-ok").inner_text()
    assert "manager_review" in page.locator("#act-migrate .alert-ok").inner_text()
    assert console.engine.get_run(run_id).version == 1
    page.click("#act-migrate button:text-is('Migrate')")
    page.wait_for_url(f"**/runs/{run_id}?done=migrated")
    assert console.engine.get_run(run_id).version == 2
    assert page.locator("g.node[data-step=manager_review]").get_attribute("data-state") == "current"
    assert ("run.migrated", "user:oscar") in audit_actions(console, page, run_id)


def test_without_operator_rights_no_forms_and_403(console: Console, context: Any) -> None:
    """An auditor sees the run but no action forms; a post anyway (with a valid CSRF token) is a
    403 page and the run is unchanged."""
    run_id = console.start("web-loans", {"applicant": "Eve"})
    page = log_in(context, console, "aude")
    page.goto(f"/runs/{run_id}")
    assert page.locator("#actions form").count() == 0
    assert "needs the operator role" in page.locator("#actions").inner_text()
    token = csrf_of(page)  # the sign-out form's token: a real session token
    for action, data in (("cancel", {}), ("pause", {}), ("signal", {"name": "decision"}), ("retry", {})):
        response = page.request.post(f"/runs/{run_id}/{action}", form={"csrf_token": token, **data})
        assert response.status == 403, action
        assert "text/html" in response.headers["content-type"]
    assert console.status(run_id) == "waiting"


def test_workflow_scoped_operator(console: Console, context: Any) -> None:
    """An operator of one workflow acts on its runs, and does not see other workflows' runs."""
    loans = console.start("web-loans", {"applicant": "Ida"})
    orders = console.start("web-orders", {"amount": 1000}, version=1)
    page = log_in(context, console, "lou")
    page.goto("/runs")
    assert {r.locator("td").nth(1).inner_text() for r in page.locator("tbody tr").all()} == {"web-loans"}
    assert page.goto(f"/runs/{orders}").status == 404
    page.goto(f"/runs/{loans}")
    page.click("#actions button:text-is('Pause')")
    page.wait_for_url(f"**/runs/{loans}?done=paused")
    assert console.status(loans) == "paused"
