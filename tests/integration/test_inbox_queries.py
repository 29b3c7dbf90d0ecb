"""The inbox's store queries against a plain Python model of them: pages and counts of views over
several holders and groups (each an arm of its own in SQL), with filters, on both backends."""

from __future__ import annotations

import random
from typing import Any

import pytest

from officeflow import Engine
from officeflow.store.tx_tasks import TaskFilter, TaskRow

WORKFLOWS = ["expenses", "purchases", "travel"]
PEOPLE = ["ann", "ben", "cat", "dan"]
GROUPS = ["finance", "it", "legal"]


def make_task(rng: random.Random, i: int) -> TaskRow:
    group = rng.choice([None, *GROUPS])
    assignee = rng.choice([None, None, *PEOPLE]) if group else rng.choice(PEOPLE)
    due = rng.choice([None, 1000.0 + rng.randrange(50) * 100.0])
    return TaskRow(
        id=f"task-{i:04d}",
        tenant=rng.choice(["default"] * 9 + ["acme"]),
        run_id=f"run-{i:04d}",
        step_id="approve",
        iteration=0,
        scope=(),
        workflow=rng.choice(WORKFLOWS),
        version=1,
        title=f"Task {i}",
        status=rng.choice(["active"] * 4 + ["completed"]),
        assignee=assignee,
        candidate_group=group,
        requester=None,
        excluded=(),
        priority=rng.choice([0, 0, 1, 2]),
        due_at=due,
        sla_level=0,
        sla_job_id=None,
        approvals_required=1,
        approvals=(),
        spec={},
        data=None,
        explanation=None,
        outcome=None,
        decided_by=None,
        decided_at=None,
        decision=None,
        lock_version=0,
        created_at=900.0,
        updated_at=900.0,
    )


def matches(task: TaskRow, flt: TaskFilter) -> bool:
    in_view = not flt.assignees and not flt.groups
    in_view |= task.assignee in flt.assignees
    in_view |= task.assignee is None and task.candidate_group in flt.groups
    sort_due = task.due_at if task.due_at is not None else 1e18
    return (
        in_view
        and task.tenant == flt.tenant
        and task.status == flt.status
        and (flt.workflow is None or task.workflow == flt.workflow)
        and (flt.workflows is None or task.workflow in flt.workflows)
        and (flt.due_before is None or sort_due < flt.due_before)
        and (flt.min_priority is None or task.priority >= flt.min_priority)
    )


def urgency(task: TaskRow) -> tuple[int, float, str]:
    return (-task.priority, task.due_at if task.due_at is not None else 1e18, task.id)


@pytest.fixture
def engine(make_engine: Any) -> Engine:
    engine: Engine = make_engine()
    rng = random.Random(7)
    tasks = [make_task(rng, i) for i in range(400)]

    def insert(tx: Any) -> None:
        for task in tasks:
            tx.insert_task(task)

    engine.store.run(insert)
    engine.test_tasks = tasks  # type: ignore[attr-defined]
    return engine


FILTERS = [
    {"assignees": ("ann", "ben")},
    {"groups": ("finance", "it")},
    {"assignees": ("cat",), "groups": ("legal", "finance")},
    {"assignees": ("dan", "dan"), "groups": ("it",), "workflow": "travel"},
    {"assignees": ("ann", "cat"), "groups": ("legal",), "due_before": 3000.0},
    {"assignees": ("ben",), "groups": GROUPS, "min_priority": 1, "workflows": ["expenses", "travel"]},
    {"groups": ("finance",), "workflows": []},
    {},
    {"workflow": "purchases", "due_before": 4000.0},
    {"assignees": ("nobody",), "groups": ("",)},
]


@pytest.mark.parametrize("spec", FILTERS, ids=[str(i) for i in range(len(FILTERS))])
def test_pages_and_counts_of_a_view_match_the_model(engine: Engine, spec: dict[str, Any]) -> None:
    tasks: list[TaskRow] = engine.test_tasks  # type: ignore[attr-defined]
    flt = TaskFilter(tenant="default", limit=7, **spec)
    expected = sorted((t for t in tasks if matches(t, flt)), key=urgency)
    pages: list[str] = []
    after = None
    with engine.store.read() as tx:
        assert tx.count_tasks(flt) == len(expected)
        assert tx.count_tasks(flt, cap=5) == min(5, len(expected))
        while True:
            page = tx.list_tasks(TaskFilter(tenant="default", limit=7, after=after, **spec))
            assert len(page) <= 7
            pages += [t.id for t in page]
            if len(page) < 7:
                break
            last = page[-1]
            after = (last.priority, last.due_at if last.due_at is not None else 1e18, last.id)
    assert pages == [t.id for t in expected]
