"""What people do with tasks: see their inbox, claim, release, delegate, reassign, decide.

Every change is checked against who the person is (assignee, candidate, substitute, or a
manager of tasks) and the task's four-eyes rules, guarded by the task's lock version (so two
people cannot decide the same task: the second gets a clear conflict), logged on the task and
in the audit log. A decision moves the run on in the same transaction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from officeflow.errors import DecisionInvalid, InvalidRunState, NotAllowed, Problem, TaskConflict, TaskNotFound
from officeflow.jsonutil import child_pointer, json_pointer
from officeflow.steps.port import StepPort
from officeflow.store.records import RunStatus
from officeflow.store.tx import Tx
from officeflow.store.tx_tasks import ACTIVE, CorrectionRow, TaskEventRow, TaskFilter, TaskRow
from officeflow.tasks import feedback, notify
from officeflow.tasks.assign import AssignmentFailed, to_user
from officeflow.tasks.human import TIMED_OUT
from officeflow.tasks.lifecycle import complete, human_step

if TYPE_CHECKING:
    from officeflow.engine.engine import Engine

VIEWS = ("mine", "groups", "all")
MAX_REASON = 2000


@dataclass(frozen=True, kw_only=True)
class Decision:
    outcome: str
    values: dict[str, Any] | None = None
    """The form's values (all of them); None keeps the pre-filled ones."""
    reason_code: str | None = None
    reason_text: str | None = None
    lock_version: int | None = None
    """The version the decider saw; a task changed since then is refused (409)."""


@dataclass(frozen=True, kw_only=True)
class Inbox:
    tasks: list[TaskRow]
    counts: dict[str, int]
    next_after: tuple[int, float, str] | None


@dataclass(frozen=True, kw_only=True)
class Viewer:
    """A person looking at tasks: whose tasks they hold (their own and those of people they
    stand in for) and the groups they are in."""

    tenant: str
    username: str
    stands_in_for: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    manages: bool = False
    """May see and reassign every task (``tasks.assign``)."""
    holders: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "holders", (self.username, *self.stands_in_for))


DecisionListener = Callable[[Tx, TaskRow, "dict[str, Any] | None", str, float], Any]
"""Called inside the transaction that decides a task, before the run moves on: (tx, the task
as it was, the form's values, who decided, when). The document service's learning from
corrections is one (officeflow.documents.service)."""


class Tasks:
    def __init__(self, engine: Engine, *, listeners: Sequence[DecisionListener] = ()) -> None:
        self.engine = engine
        self.listeners = list(listeners)
        """Called in each decision's transaction (see :data:`DecisionListener`)."""

    # Reading

    def viewer(self, tenant: str, username: str, *, manages: bool = False) -> Viewer:
        with self.engine.store.read() as tx:
            return Viewer(
                tenant=tenant,
                username=username,
                stands_in_for=tuple(tx.substituting(tenant, username, self.engine.now())),
                groups=tuple(tx.groups_of(tenant, username)),
                manages=manages,
            )

    def inbox(
        self,
        viewer: Viewer,
        *,
        view: str = "mine",
        workflow: str | None = None,
        workflows: Sequence[str] | None = None,
        due_before: float | None = None,
        min_priority: int | None = None,
        after: tuple[int, float, str] | None = None,
        limit: int = 50,
        status: str = ACTIVE,
    ) -> Inbox:
        """The viewer's tasks: ``mine`` (assigned to them or to people they stand in for),
        ``groups`` (offered to their groups, unclaimed), ``all`` (both; everything for a manager)."""
        if view not in VIEWS:
            raise ValueError(f"view must be one of {', '.join(VIEWS)}")
        base = TaskFilter(tenant=viewer.tenant, status=status, workflow=workflow, workflows=workflows)
        mine = dataclasses.replace(base, assignees=viewer.holders)
        views = {
            "mine": mine,
            "groups": dataclasses.replace(base, groups=viewer.groups or ("",)),  # "" names no group
            "all": base if viewer.manages else dataclasses.replace(mine, groups=viewer.groups),
        }
        chosen = dataclasses.replace(
            views[view], due_before=due_before, min_priority=min_priority, after=after, limit=limit
        )
        with self.engine.store.read() as tx:
            tasks = tx.list_tasks(chosen)
            counts = {name: tx.count_tasks(flt) for name, flt in views.items()}
            overdue = dataclasses.replace(views["all"], due_before=self.engine.now())
            counts["overdue"] = tx.count_tasks(overdue)
        last = tasks[-1] if len(tasks) == limit else None
        next_after = (last.priority, last.due_at if last.due_at is not None else 1e18, last.id) if last else None
        return Inbox(tasks=tasks, counts=counts, next_after=next_after)

    def get(self, tenant: str, task_id: str) -> TaskRow:
        with self.engine.store.read() as tx:
            task = tx.get_task(tenant, task_id)
        if task is None:
            raise TaskNotFound(f"no task {task_id} in tenant '{tenant}'")
        return task

    def visible(self, viewer: Viewer, task: TaskRow) -> bool:
        """Whether the viewer may see the task at all: their own, their groups', one they
        took part in, one they requested, or any for a manager."""
        if viewer.manages or task.assignee in viewer.holders or task.requester == viewer.username:
            return True
        if task.candidate_group in viewer.groups:
            return True
        return viewer.username in {task.decided_by, *(a.get("user") for a in task.approvals)}

    def events(self, tenant: str, task_id: str) -> list[TaskEventRow]:
        self.get(tenant, task_id)
        with self.engine.store.read() as tx:
            return tx.task_events(task_id)

    def of_run(self, tenant: str, run_id: str) -> list[TaskRow]:
        with self.engine.store.read() as tx:
            return [t for t in tx.tasks_of_run(run_id) if t.tenant == tenant]

    def corrections(
        self, tenant: str, *, workflow: str | None = None, task_id: str | None = None
    ) -> list[CorrectionRow]:
        with self.engine.store.read() as tx:
            return tx.list_corrections(tenant, workflow=workflow, task_id=task_id)

    def why_not(self, viewer: Viewer, task: TaskRow) -> str | None:
        """Why the viewer may not decide the task now (None: they may)."""
        if task.status != ACTIVE:
            return f"the task is {task.status}" + (f" (decided by {task.decided_by})" if task.decided_by else "")
        if viewer.username in task.excluded:
            if viewer.username == task.requester:
                return "you requested this; four-eyes rules need someone else to decide it"
            if any(a.get("user") == viewer.username for a in task.approvals):
                return f"you already approved this; it needs {task.approvals_required} different approvers"
            return "you decided an earlier step of this request; separation of duties needs someone else"
        if task.assignee is not None:
            if task.assignee in viewer.holders:
                return None
            return f"the task is assigned to {task.assignee}"
        if task.candidate_group in viewer.groups:
            return None
        return f"the task is offered to group '{task.candidate_group}', which you are not in"

    # Changing

    def claim(self, viewer: Viewer, task_id: str, lock_version: int | None = None) -> TaskRow:
        def change(tx: Tx, task: TaskRow) -> TaskRow:
            if task.assignee is not None:
                if task.assignee == viewer.username:
                    return task
                raise TaskConflict(f"the task was already claimed by {task.assignee}")
            reason = self.why_not(viewer, task)
            if reason is not None:
                raise NotAllowed(f"you cannot claim this task: {reason}")
            tx.add_task_event(viewer.tenant, task.id, self.engine.now(), viewer.username, "claimed")
            return dataclasses.replace(task, assignee=viewer.username)

        return self._change(viewer, task_id, lock_version, "task.claimed", change)

    def release(self, viewer: Viewer, task_id: str, lock_version: int | None = None) -> TaskRow:
        def change(tx: Tx, task: TaskRow) -> TaskRow:
            if task.assignee not in viewer.holders and not viewer.manages:
                raise NotAllowed(f"only {task.assignee or 'its assignee'} can release this task")
            if task.candidate_group is None:
                raise NotAllowed("the task was assigned to a person, not offered to a group: delegate it instead")
            tx.add_task_event(viewer.tenant, task.id, self.engine.now(), viewer.username, "released")
            released = dataclasses.replace(task, assignee=None)
            notify.announce(tx, released, "task.assigned", self.engine.now())
            return released

        return self._change(viewer, task_id, lock_version, "task.released", change)

    def delegate(self, viewer: Viewer, task_id: str, to: str, reason: str, lock_version: int | None = None) -> TaskRow:
        """The assignee hands the task to someone else, saying why."""

        def change(tx: Tx, task: TaskRow) -> TaskRow:
            if task.assignee not in viewer.holders:
                raise NotAllowed("only the task's assignee can delegate it; a manager of tasks can reassign it")
            return self._hand_over(tx, viewer, task, to, None, reason, "delegated")

        return self._change(viewer, task_id, lock_version, "task.delegated", change)

    def reassign(
        self,
        viewer: Viewer,
        task_id: str,
        *,
        to_user: str | None = None,
        to_group: str | None = None,
        reason: str,
        lock_version: int | None = None,
    ) -> TaskRow:
        """A manager of tasks gives the task to another person or group."""

        def change(tx: Tx, task: TaskRow) -> TaskRow:
            if not viewer.manages:
                raise NotAllowed("reassigning tasks needs the tasks.assign permission")
            return self._hand_over(tx, viewer, task, to_user, to_group, reason, "reassigned")

        return self._change(viewer, task_id, lock_version, "task.reassigned", change)

    def _hand_over(
        self, tx: Tx, viewer: Viewer, task: TaskRow, user: str | None, group: str | None, reason: str, what: str
    ) -> TaskRow:
        problems: list[Problem] = []
        if not reason or not reason.strip():
            problems.append(Problem(pointer="/reason", message="say why", expected="a reason"))
        elif len(reason) > MAX_REASON:
            problems.append(Problem(pointer="/reason", message="the reason is too long", expected=f"<= {MAX_REASON}"))
        if (user is None) == (group is None):
            problems.append(Problem(pointer="/to", message="name exactly one person or one group"))
        if problems:
            raise DecisionInvalid(problems, f"the task cannot be {what}")
        now = self.engine.now()
        if group is not None:
            if tx.get_group(task.tenant, group) is None:
                raise DecisionInvalid([Problem(pointer="/to_group", message=f"there is no group '{group}'")])
            target_user: str | None = None
            target_group: str | None = group
            notes: list[dict[str, Any]] = []
        else:
            assert user is not None
            if user in task.excluded:
                raise NotAllowed(f"{user} may not decide this task (four-eyes rules)")
            try:
                target = to_user(tx, task.tenant, user, now, task.excluded)
            except AssignmentFailed as exc:
                raise NotAllowed(exc.message) from None
            target_user, target_group, notes = target.assignee, task.candidate_group, target.notes
        data: dict[str, Any] = {"to": target_user or target_group, "reason": reason.strip(), "from": task.assignee}
        if notes:
            data["notes"] = notes
        tx.add_task_event(task.tenant, task.id, now, viewer.username, what, data)
        moved = dataclasses.replace(task, assignee=target_user, candidate_group=target_group)
        notify.announce(tx, moved, "task.assigned", now)
        return moved

    def _change(self, viewer: Viewer, task_id: str, lock_version: int | None, action: str, change: Any) -> TaskRow:
        def body(tx: Tx) -> TaskRow:
            task = tx.get_task(viewer.tenant, task_id)
            if task is None:
                raise TaskNotFound(f"no task {task_id} in tenant '{viewer.tenant}'")
            if task.status != ACTIVE:
                raise TaskConflict(f"the task is {task.status}; it cannot change any more")
            if lock_version is not None and lock_version != task.lock_version:
                raise TaskConflict("the task changed since you loaded it; reload it")
            changed: TaskRow = change(tx, task)
            if changed is task:
                return task
            changed = dataclasses.replace(changed, updated_at=self.engine.now())
            if not tx.update_task(changed):
                raise TaskConflict("the task changed at the same moment; reload it")
            self.engine.record_audit(
                tx,
                viewer.tenant,
                f"user:{viewer.username}",
                action,
                "task",
                task.id,
                before={"assignee": task.assignee, "group": task.candidate_group},
                after={"assignee": changed.assignee, "group": changed.candidate_group},
            )
            return dataclasses.replace(changed, lock_version=task.lock_version + 1)

        return self.engine.store.run(body)

    def decide(self, viewer: Viewer, task_id: str, decision: Decision) -> TaskRow:
        """Decide the task; returns it as it is afterwards (still open when an N-of-M approval
        needs more approvers). The run moves on in the same transaction, through the engine's
        port on the task's position."""
        found = self.get(viewer.tenant, task_id)

        def act(port: StepPort) -> TaskRow:
            tx, now = port.tx, port.now
            task = tx.get_task(viewer.tenant, task_id)  # again, now that the run is locked
            assert task is not None
            if task.status != ACTIVE:
                who = f" by {task.decided_by}" if task.decided_by else ""
                raise TaskConflict(f"the task was already {task.status}{who}; nothing was changed")
            if (task.step_id, task.iteration) != (port.step_id, port.iteration):
                raise TaskConflict(
                    "the task moved to another step (its run was migrated) since you loaded it; reload it"
                )
            if decision.lock_version is not None and decision.lock_version != task.lock_version:
                raise TaskConflict(
                    "the task changed since you loaded it (it was claimed, reassigned or approved); reload it"
                )
            reason = self.why_not(viewer, task)
            if reason is not None:
                raise NotAllowed(f"you cannot decide this task: {reason}")
            if port.status not in (RunStatus.RUNNING, RunStatus.WAITING):
                raise InvalidRunState(f"the run is {port.status}; decisions wait until it is resumed")
            step = human_step(port, task.step_id)
            values, reason_doc = _validated(task, decision)
            if decision.outcome not in step.outcomes:
                raise TaskConflict(
                    f"'{decision.outcome}' is not an outcome of step '{task.step_id}' in version {port.version} "
                    f"of '{port.workflow}', to which the run was migrated (it has {', '.join(step.outcomes)}); "
                    "an operator can skip the step with the output it needs"
                )
            corrected = _corrections(task.data or {}, values) if values is not None else []
            if corrected:
                tx.add_corrections(
                    [
                        CorrectionRow(
                            id=0,
                            tenant=task.tenant,
                            task_id=task.id,
                            run_id=task.run_id,
                            workflow=task.workflow,
                            step_id=task.step_id,
                            field=pointer,
                            before=before,
                            after=after,
                            actor=viewer.username,
                            at=now,
                        )
                        for pointer, before, after in corrected
                    ]
                )
                tx.add_task_event(
                    task.tenant, task.id, now, viewer.username, "corrected", {"fields": [c[0] for c in corrected]}
                )
            feedback.record(tx, task, outcome=decision.outcome, corrected=corrected, actor=viewer.username, now=now)
            for listener in self.listeners:
                listener(tx, task, values, viewer.username, now)
            pointers = [c[0] for c in corrected]
            approvals = task.approvals
            if step.approving(decision.outcome):
                approvals = (*approvals, {"user": viewer.username, "at": now, "reason": reason_doc})
                if len(approvals) < task.approvals_required:
                    return self._partial(tx, viewer, task, approvals, values, pointers, now)
            complete(
                port,
                task,
                outcome=decision.outcome,
                values=values,
                reason=reason_doc,
                decided_by=viewer.username,
                approvals=approvals,
                corrections=pointers,
            )
            done = tx.get_task(viewer.tenant, task_id)
            assert done is not None
            return done

        return self.engine.act_on_position(
            found.run_id,
            found.step_id,
            found.iteration,
            act,
            tenant=viewer.tenant,
            actor=f"user:{viewer.username}",
        )

    def _partial(
        self,
        tx: Tx,
        viewer: Viewer,
        task: TaskRow,
        approvals: tuple[dict[str, Any], ...],
        values: dict[str, Any] | None,
        corrected: list[str],
        now: float,
    ) -> TaskRow:
        """One approval of several: recorded; the task goes back to its group for the next."""
        pending = dataclasses.replace(
            task,
            approvals=approvals,
            excluded=tuple(sorted({*task.excluded, viewer.username})),
            assignee=None if task.candidate_group is not None else task.assignee,
            data=values if values is not None else task.data,
            updated_at=now,
        )
        if not tx.update_task(pending):
            raise TaskConflict("the task changed at the same moment; reload it")
        tx.add_task_event(
            task.tenant,
            task.id,
            now,
            viewer.username,
            "approved",
            {"n": len(approvals), "of": task.approvals_required, "corrections": corrected},
        )
        self.engine.record_audit(
            tx,
            task.tenant,
            f"user:{viewer.username}",
            "task.approved",
            "task",
            task.id,
            after={"n": len(approvals), "of": task.approvals_required, "run_id": task.run_id},
        )
        notify.announce(tx, pending, "task.assigned", now)
        return dataclasses.replace(pending, lock_version=task.lock_version + 1)


def _validated(task: TaskRow, decision: Decision) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The decision's form values and reason, checked against what the step asks for."""
    import jsonschema

    outcomes: dict[str, Any] = task.spec.get("outcomes") or {}
    problems: list[Problem] = []
    if decision.outcome not in outcomes or decision.outcome == TIMED_OUT:
        raise DecisionInvalid(
            [
                Problem(
                    pointer="/outcome", message=f"unknown outcome '{decision.outcome}'", expected=" or ".join(outcomes)
                )
            ],
            "the decision names no outcome of this task",
        )
    outcome = outcomes[decision.outcome]
    form = task.spec.get("form")
    values = decision.values if decision.values is not None else (dict(task.data or {}) if form else None)
    if form is not None and values is not None:
        validator = jsonschema.Draft202012Validator(form.get("schema") or {})
        for error in sorted(validator.iter_errors(values), key=lambda e: list(e.absolute_path)):
            pointer = "/values" + "".join(f"/{p}" for p in error.absolute_path)
            problems.append(Problem(pointer=pointer, message=error.message))
        for name in outcome.get("requires") or ():
            if values.get(name) in (None, "", [], {}):
                problems.append(
                    Problem(
                        pointer=json_pointer(("values", name)),
                        message=f"needed to {decision.outcome}",
                        expected="a value",
                    )
                )
    elif form is None and decision.values:
        problems.append(Problem(pointer="/values", message="this task has no form; it takes no values"))
    code, text = decision.reason_code, (decision.reason_text or "").strip() or None
    reasons = list(outcome.get("reasons") or ())
    if reasons and code is None:
        problems.append(Problem(pointer="/reason/code", message="choose a reason", expected=" or ".join(reasons)))
    elif code is not None and code not in reasons:
        expected = " or ".join(reasons) if reasons else "no reason code for this outcome"
        problems.append(Problem(pointer="/reason/code", message=f"'{code}' is not a reason here", expected=expected))
    if outcome.get("reason_text") == "required" and not text:
        problems.append(Problem(pointer="/reason/text", message="explain the decision", expected="some text"))
    if text is not None and len(text) > MAX_REASON:
        problems.append(Problem(pointer="/reason/text", message="the text is too long", expected=f"<= {MAX_REASON}"))
    if problems:
        raise DecisionInvalid(problems, f"the decision '{decision.outcome}' is not complete")
    reason = {"code": code, "text": text} if code is not None or text is not None else None
    return values, reason


def _corrections(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """Pre-filled leaf fields whose value the person changed: (JSON pointer, before, after)."""
    out: list[tuple[str, Any, Any]] = []

    def walk(a: Any, b: Any, pointer: str) -> None:
        if isinstance(a, dict) and isinstance(b, dict):
            for key in sorted(set(a) | set(b)):
                walk(a.get(key), b.get(key), child_pointer(pointer, key))
        elif a != b and a not in (None, ""):
            out.append((pointer, a, b))  # a pre-filled value changed (filling a blank is not a correction)

    walk(before, after, "")
    return out
