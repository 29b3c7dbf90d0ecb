"""Decision tables in headless Chromium: a run goes through a rules step to a person, whose task
page shows, in its explanation panel, the row that matched (the rule, its input entries and its
outputs); the table's page draws the grid with each row's hit count, and its form tries an input
and highlights the row that matches without counting a hit."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from tests.integration.test_decision_tables import per_diem

from .conftest import Console, log_in

POLICY = textwrap.dedent("""
    name: web-per-diem
    version: 1
    title: Per-diem claim (web test)
    steps:
      policy:
        kind: rules
        table: per-diem
        decision: approval
        input: {amount: input.amount, category: input.category}
        next: review
      review:
        kind: human
        subject: "'Per-diem claim of ' + string(input.amount) + ' EUR'"
        assign: {user: "'ada'"}
        outcomes:
          approve: {style: primary}
          reject: {reasons: [policy]}
    """)


@pytest.fixture
def policy(console: Console) -> Console:
    console.office.decision_tables.push(per_diem(), tenant="default", actor="user:ada", title="Per-diem limits")
    console.engine.apply(POLICY, tenant="default", actor="user:ada")
    return console


def test_the_task_explains_the_matched_row_and_the_table_counts_its_hits(policy: Console, context: Any) -> None:
    console = policy
    run_id = console.start("web-per-diem", {"amount": 900, "category": "travel"})
    assert console.status(run_id) == "waiting"
    (task,) = [t for t in console.office.tasks.of_run("default", run_id) if t.status == "active"]

    page = log_in(context, console, "ada")
    page.goto(f"/tasks/{task.id}")
    panel = page.locator("[data-decisions]")
    assert panel.count() == 1
    explained = panel.inner_text()
    assert "Decision table per-diem" in explained
    assert "approval, rule 2" in explained
    assert "amount: [50..2000]" in explained
    assert 'category: "travel"' in explained
    assert 'route = "manager"' in explained
    assert "limit = 2000" in explained
    assert panel.locator("li[data-rule='2']").count() == 1

    # The table page: the latest version by name, the nav link, the grid, each row's hits.
    page.goto("/decision-tables/per-diem")
    page.wait_for_url("**/decision-tables/per-diem/1")
    page.goto("/decision-tables")
    page.click("nav >> text=Decision tables")
    page.click("a:has-text('per-diem')")
    page.wait_for_url("**/decision-tables/per-diem/1")
    grid = page.locator("table.dt-grid[data-table='approval']")
    hits = {
        row.get_attribute("data-rule"): row.locator("[data-hits]").inner_text()
        for row in grid.locator("tbody tr").all()
    }
    assert hits == {"1": "0", "2": "1", "3": "0"}
    assert page.locator("[data-evaluations]").inner_text() == "1"
    assert grid.locator("tr.dt-matched").count() == 0

    # Trying an input shows the outputs and highlights the matching row, and counts no hit.
    page.fill("input[name='in.amount']", "30")
    page.fill("input[name='in.category']", "meals")
    page.click("form.try-form button[type=submit]")
    page.wait_for_selector("[data-try-result]")
    assert page.locator("[data-output='approval']").inner_text() == '{"limit": 50, "route": "auto"}'
    matched = grid.locator("tr.dt-matched")
    assert matched.count() == 1
    assert matched.get_attribute("data-rule") == "1"
    assert page.locator("[data-evaluations]").inner_text() == "1"
    assert console.office.queries.decision_tables.hits("default", "per-diem", 1).evaluations == 1
