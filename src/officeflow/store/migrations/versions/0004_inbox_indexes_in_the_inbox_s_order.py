"""inbox indexes in the inbox's order

The inbox lists open tasks by priority DESC, sort_due, id. Its indexes now have that order (so a
page of a view reads its rows in order instead of sorting the whole view), the group index has the
assignee (unclaimed group tasks are an index range), and of_tasks_open serves the view of
everything (managers of tasks). Autogenerate (on SQLite, which does not reflect DESC) found the
group and open indexes; the DESC changes of of_tasks_assignee and of_tasks_workflow are added by hand.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 17:52:09.599872
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

URGENT: list[str | sa.ColumnElement[Any]] = [sa.literal_column("priority DESC"), "sort_due", "id"]


def upgrade() -> None:
    with op.batch_alter_table("of_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("of_tasks_group"))
        batch_op.drop_index(batch_op.f("of_tasks_assignee"))
        batch_op.drop_index(batch_op.f("of_tasks_workflow"))
        batch_op.create_index("of_tasks_open", ["tenant", "status", *URGENT], unique=False)
        batch_op.create_index("of_tasks_assignee", ["tenant", "status", "assignee", *URGENT], unique=False)
        batch_op.create_index(
            "of_tasks_group", ["tenant", "status", "candidate_group", "assignee", *URGENT], unique=False
        )
        batch_op.create_index("of_tasks_workflow", ["tenant", "status", "workflow", *URGENT], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("of_tasks", schema=None) as batch_op:
        batch_op.drop_index("of_tasks_workflow")
        batch_op.drop_index("of_tasks_group")
        batch_op.drop_index("of_tasks_assignee")
        batch_op.drop_index("of_tasks_open")
        batch_op.create_index(
            batch_op.f("of_tasks_workflow"),
            ["tenant", "status", "workflow", "priority", "sort_due", "id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("of_tasks_group"),
            ["tenant", "status", "candidate_group", "priority", "sort_due", "id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("of_tasks_assignee"),
            ["tenant", "status", "assignee", "priority", "sort_due", "id"],
            unique=False,
        )
