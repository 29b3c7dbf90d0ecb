"""The data of the console benchmark (bench/inbox.py): a directory, 20 workflows, and runs with
their tasks, written by bulk insert in the shapes the engine writes (bench/inbox_shapes.py checks
that against the engine).

Directory: directors, managers (some with far more reports than others) and staff; groups of
varied size (each person in one to four); a few managers away with a substitute. Workflows: an
``intake`` task, a ``route`` switch (small amounts booked at once, else one of ten team reviews or
the requester's manager), the approvals (the manager's with a form and an SLA that reminds at 24 h
and hands the task to a team at 72 h), ``book`` or ``refused``.

Runs: completed runs over two years (30% went through a person: their decided task is there too);
runs waiting for a person over the last 30 days, each with its open task (claimed by a team member,
reminded or escalated as its age says), its wait, its SLA timer while one is pending, its history and
task events. Everything is generated from one seed, in time order, in chunks.
"""

from __future__ import annotations

import dataclasses
import random
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from officeflow import Engine, handler
from officeflow.jsonutil import dumps
from officeflow.store import buffer, schema
from officeflow.store.tx_tasks import TASKS, TaskRow

TENANT = "default"
NOW = 1_780_000_000.0
"""2026-05-28: the clock of the data and of the app that serves it."""
HOUR, DAY = 3600.0, 86400.0
TEAMS = 10
"""Team review steps per workflow (each offered to one group)."""
WORKFLOW_NAMES = [
    "expense-claim", "purchase-request", "travel-request", "invoice-approval", "contract-review",
    "leave-request", "hiring-request", "budget-change", "vendor-onboarding", "asset-disposal",
    "price-exception", "credit-limit", "refund-request", "overtime-claim", "training-request",
    "it-access", "marketing-spend", "capex-request", "policy-exception", "sponsorship",
]  # fmt: skip
PRIORITIES = [(0, 70), (1, 12), (2, 8), (3, 5), (5, 4), (10, 1)]
"""(priority, weight): most tasks have none."""
REVIEW_DUE = ["24h", "48h", "120h", None]
"""Team reviews' SLA by workflow (w % 4)."""
HUMAN_SHARE = 0.3
"""Completed runs that went through a person (the rest were small amounts, booked directly)."""
Rows = dict[str, list[tuple[Any, ...]]]
COLUMNS: dict[str, tuple[str, ...]] = {
    "of_people": tuple(schema.people.c.keys()),
    "of_groups": tuple(schema.groups.c.keys()),
    "of_group_members": tuple(schema.group_members.c.keys()),
    "of_absences": tuple(schema.absences.c.keys()),
    "of_runs": buffer.RUN_INSERT_COLUMNS,
    "of_history": buffer.HISTORY_COLUMNS,
    "of_jobs": buffer.JOB_COLUMNS,
    "of_waits": tuple(schema.waits.c.keys()),
    "of_tasks": TASKS.write_columns,
    "of_task_events": ("tenant", "task_id", "at", "actor", "type", "data"),
}
"""The columns written, in the order of the generated tuples."""


@handler("bench.inbox.check")
def check(input: dict[str, Any], ctx: Any) -> dict[str, Any]:
    return {"ok": True, "score": 0.12}


@handler("bench.inbox.book")
def book(input: dict[str, Any], ctx: Any) -> dict[str, Any]:
    return {"booked": True}


HANDLERS = [check, book]


def team(w: int, k: int, groups: int) -> str:
    return f"team-{(w * TEAMS + k) % groups:03d}"


def definition(w: int, groups: int) -> str:
    """Workflow ``w`` as YAML."""
    name = WORKFLOW_NAMES[w]
    subject = f"\"'{name} ' + string(input.amount) + ' EUR for ' + input.requester\""
    cases = "".join(f'      - {{when: "input.team == {k}", to: review_{k}}}\n' for k in range(TEAMS))
    due = REVIEW_DUE[w % 4]
    reviews = "".join(
        REVIEW.format(k=k, team=team(w, k, groups), subject=subject) + (f"    sla: {{due: {due}}}\n" if due else "")
        for k in range(TEAMS)
    )
    text = WORKFLOW.format(
        name=name, title=name.replace("-", " ").capitalize(), subject=subject, escalate=team(w, 0, groups)
    )
    return text.replace("@cases\n", cases).replace("@reviews\n", reviews)


WORKFLOW = """\
name: {name}
version: 1
title: {title}
input: {{type: object, required: [requester, amount, team]}}
steps:
  intake: {{kind: task, handler: bench.inbox.check, title: Check the request, next: route}}
  route:
    kind: switch
    title: Who approves?
    cases:
      - {{when: "input.amount < 100.0", to: book}}
@cases
    default: manager_approval
  manager_approval:
    kind: human
    title: Manager approval
    subject: {subject}
    assign: {{via: manager}}
    requester: input.requester
    priority: input.priority
    form:
      schema:
        type: object
        properties:
          amount: {{type: number, minimum: 0}}
          cost_centre: {{type: string}}
      values: "{{'amount': input.amount, 'cost_centre': input.cost_centre}}"
    explain: steps.intake.output
    outcomes:
      approve: {{next: book, requires: [cost_centre], style: primary}}
      reject: {{next: refused, reasons: [policy, duplicate, other], style: danger}}
    sla:
      due: 48h
      remind: [24h]
      escalate:
        - {{after: 72h, action: reassign, to: {{group: {escalate}}}}}
@reviews
  book: {{kind: task, handler: bench.inbox.book, title: Book it}}
  refused: {{kind: end, output: "{{'refused': true}}"}}
"""
REVIEW = """\
  review_{k}:
    kind: human
    title: Review by {team}
    subject: {subject}
    assign: {{group: {team}}}
    requester: input.requester
    priority: input.priority
    outcomes:
      approve: {{next: book, style: primary}}
      reject: {{next: refused, reasons: [policy, budget, other], style: danger}}
"""


@dataclasses.dataclass(frozen=True)
class Sizes:
    open_tasks: int
    completed_runs: int
    users: int
    groups: int
    workflows: int = len(WORKFLOW_NAMES)

    @classmethod
    def at(cls, scale: float) -> Sizes:
        """Scale 1: 100,000 open tasks, 1,000,000 completed runs, 2,000 people, 200 groups."""
        return cls(
            open_tasks=max(20, round(100_000 * scale)),
            completed_runs=max(100, round(1_000_000 * scale)),
            users=max(60, round(2_000 * scale)),
            groups=max(10, round(200 * scale)),
        )


def uid(rng: random.Random, at: float) -> str:
    """A UUIDv7 of the moment ``at`` (as officeflow.ids.uuid7, with seeded random bits)."""
    r = rng.getrandbits(74)
    value = (int(at * 1000) << 80) | (7 << 76) | (((r >> 62) & 0xFFF) << 64) | (2 << 62) | (r & ((1 << 62) - 1))
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def zipf(n: int, s: float = 1.0) -> list[float]:
    return [1 / (i + 1) ** s for i in range(n)]


@dataclasses.dataclass
class World:
    """The directory, and the task specs of the workflows' human steps."""

    sizes: Sizes
    users: list[str]
    managers: list[str]
    manager_of: dict[str, str | None]
    members: dict[str, list[str]]
    specs: dict[tuple[int, str], dict[str, Any]] = dataclasses.field(default_factory=dict)
    """(workflow, step) -> the spec a task of the step stores."""

    @classmethod
    def make(cls, sizes: Sizes, rng: random.Random) -> World:
        users = [f"u{i:05d}" for i in range(sizes.users)]
        directors = users[: max(2, sizes.users // 100)]
        managers = users[len(directors) : len(directors) + max(5, sizes.users // 10)]
        staff = users[len(directors) + len(managers) :]
        manager_of: dict[str, str | None] = {d: (None if i == 0 else directors[0]) for i, d in enumerate(directors)}
        manager_of.update({m: rng.choice(directors) for m in managers})
        reports = zipf(len(managers), 0.8)  # some managers have far more reports than others
        manager_of.update(zip(staff, rng.choices(managers, reports, k=len(staff)), strict=True))
        members: dict[str, list[str]] = {f"team-{g:03d}": [] for g in range(sizes.groups)}
        popularity = zipf(sizes.groups, 0.5)
        for user in users:
            for name in set(rng.choices(list(members), popularity, k=rng.choice([1, 2, 2, 3, 3, 4]))):
                members[name].append(user)
        for names in members.values():
            while len(names) < 2:
                names.append(rng.choice(staff))
        return cls(sizes, users, managers, manager_of, members)

    def directory_rows(self, rng: random.Random) -> Rows:
        first = ["Ada", "Ben", "Chloe", "David", "Emma", "Felix", "Grace", "Hugo", "Iris", "Jonas", "Karin", "Leo"]
        last = ["Meyer", "Novak", "Okafor", "Petit", "Quinn", "Rossi", "Schmidt", "Tanaka", "Usman", "Varga"]
        saved = NOW - 400 * DAY
        people = [
            (
                TENANT,
                u,
                f"{rng.choice(first)} {rng.choice(last)}",
                f"{u}@example.com",
                self.manager_of[u],
                f"dept-{i % 40:02d}",
                f"CC-{i % 40:02d}",
                saved,
            )
            for i, u in enumerate(self.users)
        ]
        groups = [(TENANT, g, f"Team {g[5:]}", 0, saved) for g in self.members]
        members = [(TENANT, g, u) for g, names in self.members.items() for u in sorted(set(names))]
        away = rng.sample(self.managers, max(1, len(self.managers) // 50))
        absences = [
            (
                uid(rng, NOW - 3 * DAY),
                TENANT,
                m,
                rng.choice([x for x in self.managers if x != m]),
                NOW - HOUR,
                NOW + 5 * DAY,
                "vacation",
                NOW - 3 * DAY,
                "user:hr",
            )
            for m in away
        ]
        return {"of_people": people, "of_groups": groups, "of_group_members": members, "of_absences": absences}

    def load_specs(self, engine: Engine) -> None:
        """Each human step's task spec, made as ``officeflow.tasks.lifecycle.open_task`` makes it."""
        for w in range(self.sizes.workflows):
            for step_id, step in engine.definition(WORKFLOW_NAMES[w], 1).steps.items():
                if step.kind == "human":
                    spec = step.model_dump(
                        mode="json", by_alias=True, exclude={"assign", "requester", "explain", "document"}
                    )
                    spec["escalation_users"] = [None for _ in (spec["sla"] or {}).get("escalate", ())]
                    spec["document"] = None
                    self.specs[(w, step_id)] = spec


def worker_data(rng: random.Random, worker: str) -> str:
    return dumps({"worker": worker, "duration_ms": round(rng.uniform(0.1, 40), 3)})


class Generator:
    """Runs, oldest first, with everything the engine writes alongside."""

    def __init__(self, world: World, rng: random.Random) -> None:
        self.world = world
        self.rng = rng
        self.popularity = zipf(world.sizes.workflows)
        self.worker = f"bench-{rng.getrandbits(32):08x}"

    def timeline(self) -> Iterator[tuple[float, bool]]:
        """(created_at, still open) of every run: completed runs over two years, runs waiting for a
        person over the last 30 days, most of them recent."""
        rng, sizes = self.rng, self.world.sizes
        done = sorted(NOW - 60 - 730 * DAY * rng.random() for _ in range(sizes.completed_runs))
        waiting = sorted(NOW - 60 - 30 * DAY * rng.random() ** 3 for _ in range(sizes.open_tasks))
        i = j = 0
        while i < len(done) or j < len(waiting):
            if j >= len(waiting) or (i < len(done) and done[i] <= waiting[j]):
                yield done[i], False
                i += 1
            else:
                yield waiting[j], True
                j += 1

    def chunks(self, size: int = 20_000) -> Iterator[Rows]:
        """The rows of ``size`` runs at a time, each table's rows in time order."""
        rows: Rows = defaultdict(list)
        for count, (at, is_open) in enumerate(self.timeline(), 1):
            self.run(rows, at, is_open)
            if count % size == 0:
                yield ordered(rows)
                rows = defaultdict(list)
        if rows:
            yield ordered(rows)

    def run(self, rows: Rows, t0: float, is_open: bool) -> None:
        rng, world = self.rng, self.world
        wf = rng.choices(range(world.sizes.workflows), self.popularity)[0]
        requester = rng.choice(world.users[len(world.managers) // 2 :])
        human = is_open or rng.random() < HUMAN_SHARE
        k = rng.randrange(TEAMS + 4) if human else 0  # 10 to 13: the requester's manager
        if k >= TEAMS:
            k = TEAMS if world.manager_of.get(requester) is not None else 0
        inputs = {
            "requester": requester,
            "amount": round(100 + rng.lognormvariate(5.5, 1.0), 2) if human else round(rng.uniform(5, 99.9), 2),
            "cost_centre": f"CC-{int(requester[1:]) % 40:02d}",
            "priority": rng.choices([p for p, _ in PRIORITIES], [n for _, n in PRIORITIES])[0],
            "team": k,
        }
        run_id = uid(rng, t0)
        history = rows["of_history"]
        history.append((run_id, TENANT, t0, "run_started", None, None, None, f"user:{requester}", None, None))
        t1 = t0 + rng.uniform(0.05, 2.0)
        intake = worker_data(rng, self.worker)
        history.append((run_id, TENANT, t1, "step_completed", "intake", 0, 1, None, '{"ok":true,"score":0.12}', intake))
        step = "book" if not human else "manager_approval" if k == TEAMS else f"review_{k}"
        route = {"case": 0 if not human else "default" if k == TEAMS else k + 1, "to": step}
        history.append((run_id, TENANT, t1, "step_completed", "route", 0, None, None, dumps(route), None))
        if not human:
            end = t1 + rng.uniform(0.05, 2.0)
            output = self.booked(rows, run_id, end)
        else:
            task = self.task(rows, wf, step, run_id, t1, inputs, is_open)
            if is_open:
                rows["of_runs"].append(run_row(run_id, wf, "waiting", inputs, None, t0, t1))
                return
            assert task.decided_at is not None
            end = task.decided_at
            who = f"user:{task.decided_by}"
            output = {
                "outcome": task.outcome,
                **(task.decision or {}),
                "decided_by": task.decided_by,
                "task_id": task.id,
            }
            history.append(
                (run_id, TENANT, end, "step_completed", step, 0, None, who, dumps(output), dumps({"task_id": task.id}))
            )
            if task.outcome == "approve":
                end = min(end + rng.uniform(0.5, 3.0), NOW - 10)
                output = self.booked(rows, run_id, end)
            else:
                output = '{"refused":true}'
                history.append((run_id, TENANT, end, "step_completed", "refused", 0, None, who, output, None))
                history.append((run_id, TENANT, end, "run_completed", None, None, None, who, output, None))
        rows["of_runs"].append(run_row(run_id, wf, "completed", inputs, output, t0, end))

    def booked(self, rows: Rows, run_id: str, end: float) -> str:
        output = '{"booked":true}'
        step = worker_data(self.rng, self.worker)
        rows["of_history"].append((run_id, TENANT, end, "step_completed", "book", 0, 1, None, output, step))
        rows["of_history"].append((run_id, TENANT, end, "run_completed", None, None, None, None, output, None))
        return output

    def task(
        self, rows: Rows, wf: int, step: str, run_id: str, at: float, inputs: dict[str, Any], is_open: bool
    ) -> TaskRow:
        rng, world = self.rng, self.world
        requester = inputs["requester"]
        manager = step == "manager_approval"
        group = None if manager else team(wf, int(step.split("_")[1]), world.sizes.groups)
        assignee = world.manager_of[requester] if manager else None
        due_after = (
            48 * HOUR
            if manager
            else {"24h": 24 * HOUR, "48h": 48 * HOUR, "120h": 120 * HOUR}.get(REVIEW_DUE[wf % 4] or "")
        )
        due = at + due_after if due_after is not None else None
        task_id = uid(rng, at)
        opened: dict[str, Any] = {"assignee": assignee, "group": group}
        if manager:
            opened["notes"] = [{"via": "manager"}]
        if due is not None:
            opened["due_at"] = due
        events = [(TENANT, task_id, at, None, "opened", dumps(opened))]
        first_job = uid(rng, at) if manager else None
        task = TaskRow(
            id=task_id,
            tenant=TENANT,
            run_id=run_id,
            step_id=step,
            iteration=0,
            scope=(),
            workflow=WORKFLOW_NAMES[wf],
            version=1,
            title=f"{WORKFLOW_NAMES[wf]} {cel_string(inputs['amount'])} EUR for {requester}",
            status="active",
            assignee=assignee,
            candidate_group=group,
            requester=requester,
            excluded=(requester,),
            priority=inputs["priority"],
            due_at=due,
            sla_level=0,
            sla_job_id=first_job,
            approvals_required=1,
            approvals=(),
            spec=world.specs[(wf, step)],
            data={"amount": inputs["amount"], "cost_centre": inputs["cost_centre"]} if manager else {},
            explanation={"ok": True, "score": 0.12} if manager else None,
            outcome=None,
            decided_by=None,
            decided_at=None,
            decision=None,
            lock_version=1,
            created_at=at,
            updated_at=at,
        )
        opened_history = dumps({"task_id": task_id, "assignee": assignee, "group": group, "due_at": due})
        rows["of_history"].append((run_id, TENANT, at, "task_opened", step, 0, None, None, None, opened_history))
        task = self.pending(rows, task, events, first_job) if is_open else self.decided(task, events)
        params = TASKS.params(task)
        rows["of_tasks"].append(tuple(params[c] for c in TASKS.write_columns))
        rows["of_task_events"].extend(events)
        return task

    def pending(self, rows: Rows, task: TaskRow, events: list[tuple[Any, ...]], first_job: str | None) -> TaskRow:
        """An open task as it is now: claimed by a member (a quarter of team tasks), reminded at 24 h
        and handed to a team at 72 h by its SLA (manager approvals)."""
        rng, at = self.rng, task.created_at
        age = NOW - at
        if task.candidate_group is not None and rng.random() < 0.25:
            member = rng.choice([m for m in self.world.members[task.candidate_group] if m != task.requester])
            claimed = at + rng.uniform(0, age)
            events.append((TENANT, task.id, claimed, member, "claimed", None))
            task = dataclasses.replace(task, assignee=member, lock_version=2, updated_at=claimed)
        job = first_job
        if first_job is not None and age >= 24 * HOUR:
            events.append((TENANT, task.id, at + 24 * HOUR, None, "reminded", '{"n":1}'))
            job = uid(rng, at + 24 * HOUR) if age < 72 * HOUR else None
            task = dataclasses.replace(task, sla_level=1, sla_job_id=job, lock_version=2)
            if age >= 72 * HOUR:
                group = team(WORKFLOW_NAMES.index(task.workflow), 0, self.world.sizes.groups)
                escalated = {"level": 1, "action": "reassign", "assignee": None, "group": group, "due_at": task.due_at}
                events.append((TENANT, task.id, at + 72 * HOUR, None, "escalated", dumps(escalated)))
                task = dataclasses.replace(task, assignee=None, candidate_group=group, sla_level=2, lock_version=3)
        if job is not None:
            fires, made = (at + 24 * HOUR, at) if task.sla_level == 0 else (at + 72 * HOUR, at + 24 * HOUR)
            rows["of_jobs"].append(
                (
                    job,
                    task.run_id,
                    TENANT,
                    "task_sla",
                    task.step_id,
                    0,
                    "",
                    "default",
                    "queued",
                    0,
                    0,
                    0,
                    fires,
                    None,
                    None,
                    made,
                    None,
                )
            )
        rows["of_waits"].append(
            (task.run_id, task.step_id, 0, TENANT, "", "task", task.id, None, first_job, task.due_at, at)
        )
        return task

    def decided(self, task: TaskRow, events: list[tuple[Any, ...]]) -> TaskRow:
        """A task decided within the day: approved (90%) or rejected for a reason."""
        rng = self.rng
        at = min(task.created_at + min(rng.expovariate(1 / (6 * HOUR)), 20 * HOUR), NOW - 30)
        members = self.world.members[task.candidate_group or ""] if task.candidate_group else []
        who = task.assignee or rng.choice([m for m in members if m != task.requester])
        outcome = "approve" if rng.random() < 0.9 else "reject"
        reason = None if outcome == "approve" else {"code": "policy", "text": None}
        approvals = ({"user": who, "at": at, "reason": reason},) if outcome == "approve" else ()
        events.append((TENANT, task.id, at, who, "decided", dumps({"outcome": outcome, "reason": reason})))
        values = task.data if task.step_id == "manager_approval" else None
        return dataclasses.replace(
            task,
            status="completed",
            outcome=outcome,
            decided_by=who,
            decided_at=at,
            decision={"values": values, "reason": reason, "approvals": list(approvals), "corrections": []},
            approvals=approvals,
            sla_job_id=None,
            lock_version=2,
            updated_at=at,
        )


def cel_string(amount: float) -> str:
    """A number as CEL's ``string()`` writes it (whole numbers without ``.0``)."""
    return str(int(amount)) if float(amount).is_integer() else repr(amount)


def run_row(
    run_id: str, wf: int, status: str, inputs: dict[str, Any], output: str | None, created: float, updated: float
) -> tuple[Any, ...]:
    completed = updated if status == "completed" else None
    return (run_id, TENANT, WORKFLOW_NAMES[wf], 1, status, dumps(inputs), output, None, None, None, None, None, "",
            created, updated, completed, f"user:{inputs['requester']}")  # fmt: skip


def ordered(rows: Rows) -> Rows:
    """A chunk's rows in the order the engine would have written them (by time)."""
    rows["of_history"].sort(key=lambda r: r[2])
    rows["of_task_events"].sort(key=lambda r: r[2])
    rows["of_tasks"].sort(key=lambda r: r[-2])
    return dict(rows)
