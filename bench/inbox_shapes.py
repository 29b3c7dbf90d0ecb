"""Do the console benchmark's bulk rows (bench/inbox_data.py) look like the rows the engine writes?

``check_shapes`` runs the same workflows through the engine on a scratch SQLite file, in the
situations the generator produces (tasks opened for a manager or a team, claimed, reminded and
escalated by their SLA; runs booked directly, approved by a manager or a team, rejected), then
compares the generated rows with the engine's column by column, per kind of row: NULL or not,
number or text, and for JSON the keys at every level. The task specs must be equal.
"""

from __future__ import annotations

import random
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import orjson

from bench.inbox_data import (
    COLUMNS,
    DAY,
    HANDLERS,
    HOUR,
    NOW,
    TEAMS,
    TENANT,
    WORKFLOW_NAMES,
    Generator,
    Rows,
    Sizes,
    World,
    definition,
)
from officeflow import FakeClock, Office
from officeflow.tasks import Decision


def shape(value: Any) -> Any:
    """What a value looks like: its kind, and for JSON (objects, arrays) its structure."""
    if value is None or isinstance(value, bool):
        return type(value).__name__
    if isinstance(value, int | float):
        return "num"
    if isinstance(value, str):
        if value[:1] in ("{", "["):
            try:
                return ("json", shape(orjson.loads(value)))
            except orjson.JSONDecodeError:
                return "str"
        return "str"
    if isinstance(value, dict):
        return tuple(sorted((k, shape(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("list", shape(value[0])) if value else ("list",)
    return type(value).__name__


def kind(table: str, row: Sequence[Any]) -> tuple[str, Any]:
    """Rows are compared with rows of their kind: tasks by status and step, history by type and
    step, task events by type, runs by status (review_3 and review_7 are alike)."""
    step: Callable[[str | None], str | None] = lambda s: s.split("_")[0] if s else s  # noqa: E731
    kinds: dict[str, Callable[[Sequence[Any]], Any]] = {
        "of_tasks": lambda r: (r[9], step(r[3])),
        "of_history": lambda r: (r[3], step(r[4])),
        "of_task_events": lambda r: r[4],
        "of_runs": lambda r: r[4],
    }
    return table, kinds[table](row) if table in kinds else None


def check_shapes(seed: int = 7) -> list[str]:
    """Generated rows unlike any the engine writes (empty when every row matches)."""
    rng = random.Random(seed)
    world = World.make(Sizes(open_tasks=40, completed_runs=300, users=60, groups=10), rng)
    tmp = Path(tempfile.mkdtemp(prefix="of_inbox_shapes_"))
    clock = FakeClock(NOW - 10 * DAY)
    office = Office.open(f"sqlite:///{tmp}/shapes.db", handlers=HANDLERS, clock=clock, migrate=True)
    try:
        directory(office, world.directory_rows(random.Random(seed)), world)
        for w in range(world.sizes.workflows):
            office.engine.apply(definition(w, world.sizes.groups), actor="user:designer")
        world.load_specs(office.engine)
        scenarios(office, clock, world)
        made: dict[tuple[str, Any], list[set[Any]]] = {}
        with office.store.read() as tx:
            for table, columns in COLUMNS.items():
                for row in tx._all(f"SELECT {', '.join(columns)} FROM {table}"):
                    seen = made.setdefault(kind(table, row), [set() for _ in columns])
                    for i, value in enumerate(row):
                        seen[i].add(shape(value))
            specs = tx._all("SELECT workflow, step_id, spec FROM of_tasks")
    finally:
        office.close()
        shutil.rmtree(tmp, ignore_errors=True)
    problems = [
        f"of_tasks.spec of {wf}/{step} differs from the engine's"
        for wf, step, spec in specs
        if orjson.loads(spec) != world.specs[(WORKFLOW_NAMES.index(wf), step)]
    ]
    generated: Rows = defaultdict(list)
    for part in [world.directory_rows(rng), *Generator(world, rng).chunks()]:
        for table, items in part.items():
            generated[table] += items
    odd: dict[tuple[Any, ...], str] = {}
    for table, items in generated.items():
        for row in items:
            of = kind(table, row)
            if of not in made:
                odd.setdefault((of,), f"{table}: the engine writes no row like {row}")
                continue
            for i, value in enumerate(row):
                if shape(value) not in made[of][i]:
                    odd.setdefault((of, i, shape(value)), f"{table}.{COLUMNS[table][i]} ({of[1]}): {value!r}")
    return problems + sorted(odd.values())


def directory(office: Office, rows: Rows, world: World) -> None:
    for _, _, name, substitute, starts, ends, reason, _, _ in rows["of_absences"]:
        office.directory.add_absence(TENANT, name, substitute, starts, ends, actor="user:hr", reason=reason)
    for _, name, display, email, manager, department, cost_centre, _ in rows["of_people"]:
        office.directory.put_person(
            TENANT,
            name,
            actor="user:hr",
            display_name=display,
            email=email,
            manager=manager,
            department=department,
            cost_centre=cost_centre,
        )
    for group, names in world.members.items():
        office.directory.put_group(TENANT, group, sorted(set(names)), actor="user:hr", description=f"Team {group[5:]}")


def scenarios(office: Office, clock: FakeClock, world: World) -> None:
    """Runs through every situation the generator writes rows for."""
    requester = next(u for u in world.users if world.manager_of.get(u) in world.managers)

    def start(wf: int, k: int, amount: float = 250.0) -> str:
        inputs = {"requester": requester, "amount": amount, "cost_centre": "CC-01", "priority": 3, "team": k}
        return office.engine.start(WORKFLOW_NAMES[wf], inputs, actor=f"user:{requester}").id

    def work(hours: float = 0.0) -> None:
        clock.advance(hours * HOUR or 1.5)
        office.engine.run_until_idle()

    def act(run_id: str, outcome: str | None) -> None:
        (task,) = office.tasks.of_run(TENANT, run_id)
        names = [task.assignee] if task.assignee else world.members[task.candidate_group or ""]
        viewer = office.tasks.viewer(TENANT, next(n for n in names if n != task.requester))
        if outcome is None:
            office.tasks.claim(viewer, task.id)
        else:
            reason = "policy" if outcome == "reject" else None
            office.tasks.decide(viewer, task.id, Decision(outcome=outcome, reason_code=reason))

    escalated = start(0, TEAMS)
    start(0, 0)  # stays open
    start(3, 1)  # stays open, no SLA
    start(0, 0, amount=50.0)  # booked directly
    for run_id, outcome in [
        (start(0, 2), None),  # claimed
        (start(3, 3), "approve"),  # a team review without an SLA
        (start(0, TEAMS), "approve"),
        (start(0, TEAMS), "reject"),
        (start(0, 4), "reject"),
    ]:
        work()
        act(run_id, outcome)
    work()
    work(49)
    start(0, TEAMS)  # reminded by the end
    work()
    work(25)
    assert office.tasks.of_run(TENANT, escalated)[0].sla_level == 2
    start(0, TEAMS)  # fresh
    work()
