"""Tasks as the faces read them: who a principal is as a person looking at tasks, the tasks
they may see (their inbox, a page at a time), one task they may see, its log and the fields
people corrected. The reads go through the tasks service (officeflow.tasks.service), which
keeps the inbox's queries and visibility rules; this module adds the principal's permissions
and the one cursor codec."""

from __future__ import annotations

from dataclasses import dataclass

from officeflow.errors import TaskNotFound
from officeflow.queries import cursor
from officeflow.security.permissions import Principal
from officeflow.store.tx_tasks import ACTIVE, CorrectionRow, TaskEventRow, TaskRow
from officeflow.tasks.service import Tasks, Viewer


@dataclass(frozen=True, kw_only=True, slots=True)
class InboxPage:
    tasks: list[TaskRow]
    counts: dict[str, int]
    """Tasks in each view (mine, groups, all) and overdue."""
    next_cursor: str | None
    """Where the next page starts; None on the last page."""


class TaskQueries:
    def __init__(self, tasks: Tasks) -> None:
        self.tasks = tasks

    def viewer(self, principal: Principal, *, manages: bool) -> Viewer:
        """The person behind a principal (an API key acts as itself, ``api_key:<name>``: it holds
        no tasks of its own); ``manages``: sees and reassigns every task."""
        name = principal.name if principal.kind == "user" else f"{principal.kind}:{principal.name}"
        return self.tasks.viewer(principal.tenant, name, manages=manages)

    def inbox(
        self,
        principal: Principal,
        viewer: Viewer,
        *,
        view: str = "mine",
        status: str = ACTIVE,
        workflow: str | None = None,
        due_before: float | None = None,
        min_priority: int | None = None,
        after: str | None = None,
        limit: int = 50,
    ) -> InboxPage:
        """The viewer's tasks in ``view`` (mine, groups, all), most urgent first, of the
        workflows the principal may read, from the cursor ``after`` on."""
        scopes = principal.workflows("tasks.read")
        found = self.tasks.inbox(
            viewer,
            view=view,
            status=status,
            workflow=workflow,
            workflows=sorted(scopes) if scopes is not None else None,
            due_before=due_before,
            min_priority=min_priority,
            after=cursor.task_position(after) if after else None,
            limit=limit,
        )
        return InboxPage(
            tasks=found.tasks,
            counts=found.counts,
            next_cursor=cursor.encode(*found.next_after) if found.next_after else None,
        )

    def visible(self, principal: Principal, viewer: Viewer, task_id: str) -> TaskRow:
        """The task, when the principal may read tasks of its workflow and the viewer may see it;
        TaskNotFound otherwise (whether it exists or not)."""
        task = self.tasks.get(principal.tenant, task_id)
        if not principal.can("tasks.read", task.workflow) or not self.tasks.visible(viewer, task):
            raise TaskNotFound(f"no task {task_id} in tenant '{principal.tenant}'")
        return task

    def events(self, task: TaskRow) -> list[TaskEventRow]:
        return self.tasks.events(task.tenant, task.id)

    def why_not(self, viewer: Viewer, task: TaskRow) -> str | None:
        return self.tasks.why_not(viewer, task)

    def corrections(
        self, principal: Principal, *, workflow: str | None = None, task_id: str | None = None
    ) -> list[CorrectionRow]:
        """Fields people changed while deciding tasks of the workflows the principal may read."""
        rows = self.tasks.corrections(principal.tenant, workflow=workflow, task_id=task_id)
        return [r for r in rows if principal.can("tasks.read", r.workflow)]
