"""The console's pages in the browser: runs list and its filters, the run page's graph and
history, definitions, dead letters, the audit log and its verify button, problem pages."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .conftest import Console, log_in


def graph_states(page: Any) -> dict[str, str]:
    nodes = page.locator("svg.wf-graph g.node[data-step]")
    return {n.get_attribute("data-step"): n.get_attribute("data-state") for n in nodes.all()}


def test_runs_list_filters_and_pages(console: Console, context: Any) -> None:
    """Filters by status, workflow and version narrow the list (also as the URL says); "Older"
    pages through without repeating a run."""
    waiting = [console.start("web-loans", {"n": i}) for i in range(3)]
    done = console.start("web-orders", {"amount": 10})
    page = log_in(context, console, "ada")
    page.goto("/runs")
    listed = page.locator("tbody tr[data-run]")
    assert listed.count() >= 4
    page.select_option("#f-status", "completed")
    page.select_option("#f-workflow", "web-orders")
    page.click("text=Filter")
    page.wait_for_url("**/runs?status=completed&workflow=web-orders")
    rows = [r.get_attribute("data-run") for r in listed.all()]
    assert done in rows
    assert not set(waiting) & set(rows)
    assert page.locator("tbody .badge").all_inner_texts() == ["completed"] * len(rows)
    page.fill("#f-version", "2")
    page.click("text=Filter")
    page.wait_for_url("**/runs?status=completed&workflow=web-orders&version=2")
    assert done in [r.get_attribute("data-run") for r in listed.all()]
    page.goto("/runs?status=completed&workflow=web-orders&version=1")
    assert done not in [r.get_attribute("data-run") for r in listed.all()]
    page.goto("/runs?status=cancelled&workflow=web-orders&version=1")
    assert page.locator(".empty").inner_text().startswith("No runs match these filters")
    page.goto("/runs?workflow=web-loans&status=waiting")
    first = [r.get_attribute("data-run") for r in listed.all()]
    assert first[:3] == list(reversed(waiting))
    # keyset paging, page size 50
    more = [console.start("web-loans", {"bulk": i}, drive=False) for i in range(50)]
    console.drive()
    page.goto("/runs?workflow=web-loans")
    page_one = [r.get_attribute("data-run") for r in listed.all()]
    assert set(page_one) == set(more)  # the newest 50 (started at the same moment)
    page.click("text=Older →")
    page_two = [r.get_attribute("data-run") for r in listed.all()]
    assert page_two
    assert not set(page_one) & set(page_two)
    assert set(waiting) <= set(page_two)
    page.click("text=← Newest")
    assert [r.get_attribute("data-run") for r in listed.all()] == page_one


def test_run_page_graph_highlights_done_current_and_failed_steps(console: Console, context: Any) -> None:
    """The SVG marks completed steps, the step the run waits at, and a failed step; the legend,
    history and positions agree."""
    waiting = console.start("web-orders", {"amount": 500}, version=1)
    failed = console.start("web-orders", {"amount": 5, "break": True}, version=1)
    page = log_in(context, console, "ada")
    page.goto(f"/runs/{waiting}")
    assert page.locator("h1").inner_text() == "Order fulfilment"
    assert page.locator(".title-row .badge").inner_text() == "waiting"
    assert graph_states(page) == {
        "check": "completed",
        "route": "completed",
        "approval": "current",
        "ship": "idle",
        "notify": "idle",
    }
    assert page.locator("svg.wf-graph path.edge").count() == 7
    assert page.locator("svg.wf-graph path.e-timeout").count() == 1
    assert page.locator(".legend li").all_inner_texts()[:4] == ["completed", "in progress", "failed", "not reached"]
    assert "waiting for signal 'approve'" in page.locator("#now").inner_text()
    types = [li.get_attribute("data-type") for li in page.locator(".timeline li").all()]
    assert types == ["run_started", "step_completed", "step_completed", "waiting"]
    page.goto(f"/runs/{failed}")
    assert graph_states(page)["ship"] == "failed"
    assert graph_states(page)["route"] == "completed"
    assert graph_states(page)["approval"] == "idle"
    alert = page.locator(".alert-bad").first.inner_text()
    assert "ship" in alert
    assert "carrier API refused the parcel" in alert
    failure = page.locator(".timeline li[data-type=step_failed]")
    failure.locator("summary").click()
    assert "ConnectionError" in failure.locator("pre").inner_text()


def test_parallel_branches_and_timers_on_the_graph(console: Console, context: Any) -> None:
    """A parallel step's branches are branch edges; while a branch sleeps, its timer is current
    along with the parallel step that joins the branches."""
    run_id = console.start("web-onboarding", {"name": "Grace"})
    page = log_in(context, console, "oscar")
    page.goto(f"/runs/{run_id}")
    states = graph_states(page)
    assert states["open_file"] == states["laptop"] == states["accounts"] == "completed"
    assert states["training"] == "current"
    assert states["setup"] == "current"
    assert states["welcome"] == "idle"
    assert page.locator("svg.wf-graph path.e-branch").count() == 2
    assert "parallel branch" in page.locator(".legend").inner_text()


def test_another_tenants_run_and_definition_are_not_found(console: Console, context: Any) -> None:
    """A run or definition of tenant acme is a 404 page for a user of default, and the other way
    round; API routes keep problem documents."""
    theirs = console.start("web-loans", {}, tenant="acme")
    ours = console.start("web-loans", {})
    page = log_in(context, console, "ada")
    response = page.goto(f"/runs/{theirs}")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Not found"
    assert "Traceback" not in page.content()
    assert page.goto(f"/runs/{ours}").status == 200
    other = context.browser.new_context(base_url=console.url)
    try:
        acme = log_in(other, console, "max")
        assert acme.goto(f"/runs/{ours}").status == 404
        assert acme.goto(f"/runs/{theirs}").status == 200
    finally:
        other.close()
    console.engine.apply(
        "name: only-default\nversion: 1\nsteps:\n  s: {kind: task, handler: web.notify}\n", tenant="default"
    )
    assert page.goto("/definitions/only-default/1").status == 200
    acme_context = context.browser.new_context(base_url=console.url)
    try:
        acme = log_in(acme_context, console, "max")
        assert acme.goto("/definitions/only-default/1").status == 404
        assert acme.goto("/definitions/only-default").status == 404
    finally:
        acme_context.close()
    api = page.request.get(f"/v1/runs/{theirs}")
    assert api.status == 404
    assert api.headers["content-type"] == "application/problem+json"


def test_definitions_list_and_version_page(console: Console, context: Any) -> None:
    """The list shows each workflow's latest version and count; a version page shows the graph
    and the YAML source, and links to the other versions and to its runs."""
    page = log_in(context, console, "oscar")
    page.goto("/definitions")
    row = page.locator("tbody tr", has_text="web-orders")
    assert row.locator("td").nth(2).inner_text() == "v2"
    assert row.locator("td").nth(3).inner_text() == "2"
    row.locator("a").click()
    page.wait_for_url("**/definitions/web-orders/2")
    assert page.locator("svg.wf-graph g.node[data-step=manager_review]").count() == 1
    assert "name: web-orders" in page.locator("pre.source").inner_text()
    page.click("a:text-is('v1')")
    page.wait_for_url("**/definitions/web-orders/1")
    assert page.locator("svg.wf-graph g.node[data-step=approval]").count() == 1
    page.click("text=Runs of this version")
    page.wait_for_url("**/runs?workflow=web-orders&version=1")
    assert page.goto("/definitions/web-orders/9").status == 404
    assert page.goto("/definitions/web-orders").url.endswith("/definitions/web-orders/2")


def test_dead_letters_list_and_retry(console: Console, context: Any) -> None:
    """A failed step is listed with its error; Retry (with the CSRF token) queues it again, and
    the run completes once the cause is gone."""
    from tests.web.handlers import HEALED

    run_id = console.start("web-orders", {"amount": 7, "break": True})
    page = log_in(context, console, "oscar")
    page.goto("/dead-letters?workflow=web-orders")
    row = page.locator(f"tr[data-run='{run_id}']")
    assert "ConnectionError" in row.inner_text()
    assert "carrier API refused the parcel" in row.inner_text()
    HEALED.add(run_id)
    row.locator("button", has_text="Retry").click()
    page.wait_for_url("**/dead-letters?workflow=web-orders&done=retried")
    assert "Retry requested" in page.locator("[role=status]").inner_text()
    assert page.locator(f"tr[data-run='{run_id}']").count() == 0
    console.drive()
    assert console.status(run_id) == "completed"


def test_audit_filters_and_verify(console: Console, context: Any) -> None:
    """The audit log filters by action and object; Verify chain reports an intact chain, then the
    finding once an entry was altered behind the application's back."""
    run_id = console.start("web-loans", {"audit": True})
    page = log_in(context, console, "aude")
    page.goto(f"/audit?object_type=run&object_id={run_id}")
    actions = [r.get_attribute("data-action") for r in page.locator("tbody tr").all()]
    assert actions == ["run.started"]
    page.goto("/audit")
    page.fill("#f-action", "run.started")
    page.click("text=Filter")
    page.wait_for_url("**/audit?action=run.started")
    assert {r.get_attribute("data-action") for r in page.locator("tbody tr").all()} == {"run.started"}
    page.click("text=Verify chain")
    result = page.locator("#verify-result")
    assert result.get_attribute("class") == "alert alert-ok"
    assert "The chain is intact" in result.inner_text()
    with console.engine.store.transaction() as tx:
        tx._exec(
            "UPDATE of_audit SET actor = 'user:mallory' WHERE tenant = 'default' AND object_id = :id",
            {"id": run_id},
        )
    page.click("text=Verify chain")
    result = page.locator("#verify-result")
    assert "The chain is broken: altered" in result.inner_text()
    with console.engine.store.transaction() as tx:
        tx._exec(
            "UPDATE of_audit SET actor = 'api_key:intake' WHERE tenant = 'default' AND object_id = :id",
            {"id": run_id},
        )


def test_audit_time_filters_are_read_in_the_readers_time_zone(console: Console, browser: Any) -> None:
    """The pages show times in the reader's zone, so the From/Until fields take them in it too:
    the page names the zone and sends it. Without it (no script), times are UTC."""
    zone = "Pacific/Auckland"  # 13 hours ahead of UTC in summer (the test clock is in January)
    context = browser.new_context(base_url=console.url, timezone_id=zone, locale="en-GB")
    try:
        run_id = console.start("web-loans", {"zone": True})
        page = log_in(context, console, "aude")
        page.goto("/audit")
        assert page.locator("label[for=f-since]").inner_text() == f"From ({zone})"
        # the console's clock is the engine's (a test clock): the entry was written at its now
        local = datetime.fromtimestamp(console.clock.now(), ZoneInfo(zone)).replace(tzinfo=None, microsecond=0)
        page.fill("#f-oid", run_id)
        page.fill("#f-since", (local - timedelta(minutes=10)).isoformat())
        page.click("text=Filter")
        page.wait_for_url("**/audit?**tz=Pacific%2FAuckland**")
        assert [r.get_attribute("data-action") for r in page.locator("tbody tr").all()] == ["run.started"]
        assert page.locator("label[for=f-until]").inner_text() == f"Until ({zone})"

        hour_ago = (local - timedelta(hours=1)).isoformat()
        page.goto(f"/audit?object_id={run_id}&until={hour_ago}&tz={zone}")
        assert page.locator("tbody tr").count() == 0  # an hour ago, in Auckland: before the run
        page.goto(f"/audit?object_id={run_id}&until={hour_ago}")
        assert page.locator("tbody tr").count() == 1  # the same figures as UTC are hours ahead
        page.goto("/audit")
        page.fill("#f-oid", run_id)
        page.click("text=Filter")
        page.wait_for_url(f"**/audit?object_id={run_id}")  # no time given: no zone in the URL
        bad = page.goto(f"/audit?since={hour_ago}&tz=Mars/Olympus")
        assert bad is not None
        assert bad.status == 400
        assert "is not a time zone" in page.locator(".problem").inner_text()
    finally:
        context.close()


def test_problem_pages_are_html_and_api_errors_stay_problem_documents(console: Console, context: Any) -> None:
    """Unknown pages answer a friendly 404 page; a page the roles do not allow, 403; API routes
    keep application/problem+json."""
    page = log_in(context, console, "oscar")
    missing = page.goto("/nowhere")
    assert missing.status == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert page.locator("h1").inner_text() == "Not found"
    assert page.locator("nav.nav").count() == 1
    forbidden = page.goto("/audit")
    assert forbidden.status == 403
    assert "auditor or admin" in page.locator(".problem").inner_text()
    api = page.request.get("/v1/nowhere")
    assert api.status == 404
    assert api.headers["content-type"] == "application/problem+json"
    assert page.goto("/").url.endswith("/inbox")  # the first page the viewer may use
