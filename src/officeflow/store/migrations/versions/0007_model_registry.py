"""model registry: versions, stages, routing, predictions, feedback and drift

Model versions with their metadata and stage (``of_model_versions``), their artifact files
(``of_model_files``), the history of stage changes (``of_model_stage_changes``) and one row per
model call of a ``model`` step (``of_model_predictions``; feedback and drift come in 0010).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 05:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "of_model_versions",
        sa.Column("tenant", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("version", sa.Text(), nullable=False),
        sa.Column("flavour", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner", sa.Text(), nullable=False),
        sa.Column("input_schema", sa.Text(), nullable=False),
        sa.Column("output_schema", sa.Text(), nullable=False),
        sa.Column("metrics", sa.Text(), nullable=False),
        sa.Column("training_data_digest", sa.Text(), nullable=False),
        sa.Column("metadata", sa.Text(), nullable=False),
        sa.Column("config", sa.Text(), nullable=False),
        sa.Column("artifact_digest", sa.Text(), nullable=False),
        sa.Column("stage", sa.Text(), nullable=False),
        sa.Column("share", sa.Double(), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=True),
        sa.Column("changed_at", sa.Double(), nullable=False),
        sa.Column("changed_by", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("tenant", "name", "version", name="of_model_versions_pkey"),
    )
    with op.batch_alter_table("of_model_versions", schema=None) as batch_op:
        batch_op.create_index("of_model_versions_stage", ["tenant", "name", "stage"], unique=False)

    op.create_table(
        "of_model_files",
        sa.Column("tenant", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("version", sa.Text(), nullable=False),
        sa.Column("file", sa.Text(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "name", "version", "file", name="of_model_files_pkey"),
    )

    op.create_table(
        "of_model_stage_changes",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("tenant", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("version", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("from_stage", sa.Text(), nullable=True),
        sa.Column("to_stage", sa.Text(), nullable=False),
        sa.Column("share", sa.Double(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("at", sa.Double(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("of_model_stage_changes", schema=None) as batch_op:
        batch_op.create_index("of_model_stage_changes_model", ["tenant", "name", "id"], unique=False)

    op.create_table(
        "of_model_predictions",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("tenant", sa.Text(), nullable=False),
        sa.Column("run_id", sa.Text(), nullable=False),
        sa.Column("workflow", sa.Text(), nullable=False),
        sa.Column("step_id", sa.Text(), nullable=False),
        sa.Column("iteration", sa.Integer(), nullable=False),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("version", sa.Text(), nullable=False),
        sa.Column("shadow", sa.Boolean(), nullable=False),
        sa.Column("input_digest", sa.Text(), nullable=False),
        sa.Column("input", sa.Text(), nullable=False),
        sa.Column("output", sa.Text(), nullable=True),
        sa.Column("confidence", sa.Double(), nullable=True),
        sa.Column("label", sa.Text(), nullable=True),
        sa.Column("prediction_set", sa.Text(), nullable=True),
        sa.Column("explanation", sa.Text(), nullable=True),
        sa.Column("latency_ms", sa.Double(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("of_model_predictions", schema=None) as batch_op:
        batch_op.create_index(
            "of_model_predictions_call", ["run_id", "step_id", "iteration", "model", "version"], unique=True
        )
        batch_op.create_index("of_model_predictions_version", ["tenant", "model", "version", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("of_model_predictions", schema=None) as batch_op:
        batch_op.drop_index("of_model_predictions_version")
        batch_op.drop_index("of_model_predictions_call")
    op.drop_table("of_model_predictions")
    with op.batch_alter_table("of_model_stage_changes", schema=None) as batch_op:
        batch_op.drop_index("of_model_stage_changes_model")
    op.drop_table("of_model_stage_changes")
    op.drop_table("of_model_files")
    with op.batch_alter_table("of_model_versions", schema=None) as batch_op:
        batch_op.drop_index("of_model_versions_stage")
    op.drop_table("of_model_versions")
