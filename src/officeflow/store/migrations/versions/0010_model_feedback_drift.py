"""model feedback, drift measurements and alerts

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 05:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "of_model_feedback",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("tenant", sa.Text(), nullable=False),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("version", sa.Text(), nullable=False),
        sa.Column("prediction_id", sa.Text(), nullable=True),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("field", sa.Text(), nullable=True),
        sa.Column("input", sa.Text(), nullable=False),
        sa.Column("output", sa.Text(), nullable=True),
        sa.Column("model_value", sa.Text(), nullable=True),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("task_id", sa.Text(), nullable=True),
        sa.Column("run_id", sa.Text(), nullable=True),
        sa.Column("workflow", sa.Text(), nullable=True),
        sa.Column("step_id", sa.Text(), nullable=True),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("of_model_feedback", schema=None) as batch_op:
        batch_op.create_index("of_model_feedback_model", ["tenant", "model", "version", "at"], unique=False)
        batch_op.create_index("of_model_feedback_task", ["task_id"], unique=False)

    op.create_table(
        "of_model_drift",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("tenant", sa.Text(), nullable=False),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("version", sa.Text(), nullable=False),
        sa.Column("measured_at", sa.Double(), nullable=False),
        sa.Column("window_start", sa.Double(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("metric", sa.Text(), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.Column("severity", sa.Text(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("of_model_drift", schema=None) as batch_op:
        batch_op.create_index("of_model_drift_version", ["tenant", "model", "version", "measured_at"], unique=False)

    op.create_table(
        "of_model_drift_alerts",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("tenant", sa.Text(), nullable=False),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("version", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("severity", sa.Text(), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.Column("threshold", sa.Double(), nullable=False),
        sa.Column("raised_at", sa.Double(), nullable=False),
        sa.Column("cleared_at", sa.Double(), nullable=True),
        sa.Column("event_id", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("of_model_drift_alerts", schema=None) as batch_op:
        batch_op.create_index(
            "of_model_drift_alerts_version", ["tenant", "model", "version", "subject", "raised_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("of_model_drift_alerts", schema=None) as batch_op:
        batch_op.drop_index("of_model_drift_alerts_version")
    op.drop_table("of_model_drift_alerts")
    with op.batch_alter_table("of_model_drift", schema=None) as batch_op:
        batch_op.drop_index("of_model_drift_version")
    op.drop_table("of_model_drift")
    with op.batch_alter_table("of_model_feedback", schema=None) as batch_op:
        batch_op.drop_index("of_model_feedback_task")
        batch_op.drop_index("of_model_feedback_model")
    op.drop_table("of_model_feedback")
