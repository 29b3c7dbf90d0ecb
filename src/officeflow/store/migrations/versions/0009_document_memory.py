"""documents: per-vendor memory taught by corrections

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 05:40:00.000000
"""

from __future__ import annotations

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
