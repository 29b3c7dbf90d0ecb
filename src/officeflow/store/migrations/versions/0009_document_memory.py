"""documents: per-vendor memory taught by corrections

Two tables: ``of_document_readings`` (what a ``document`` step read: the full extraction, words
and boxes included, so a later correction can teach the vendor memory) and
``of_document_vendors`` (each tenant's per-vendor memory: where that vendor prints its fields).
Clerks' corrections themselves are model feedback (``of_model_feedback``, revision 0010).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 05:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "of_document_readings",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("tenant", sa.Text(), nullable=False),
        sa.Column("run_id", sa.Text(), nullable=False),
        sa.Column("step_id", sa.Text(), nullable=False),
        sa.Column("file_id", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("vendor_key", sa.Text(), nullable=True),
        sa.Column("extraction", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("of_document_readings", schema=None) as batch_op:
        batch_op.create_index("of_document_readings_run", ["tenant", "run_id"], unique=False)

    op.create_table(
        "of_document_vendors",
        sa.Column("tenant", sa.Text(), nullable=False),
        sa.Column("vendor_key", sa.Text(), nullable=False),
        sa.Column("vendor", sa.Text(), nullable=True),
        sa.Column("profile", sa.Text(), nullable=False),
        sa.Column("corrections", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.Double(), nullable=False),
        sa.Column("updated_by", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("tenant", "vendor_key"),
    )


def downgrade() -> None:
    op.drop_table("of_document_vendors")
    with op.batch_alter_table("of_document_readings", schema=None) as batch_op:
        batch_op.drop_index("of_document_readings_run")
    op.drop_table("of_document_readings")
