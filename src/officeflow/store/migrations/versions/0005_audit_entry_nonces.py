"""audit entry nonces

Each audit entry gets a random nonce that its MAC covers (unique per tenant), so a copied entry
is a duplicate the sealer leaves out and ``officeflow audit verify`` names. Entries written
before keep a NULL nonce; the first seal after the upgrade verifies each tenant's chain and signs
it again in the new format, nonces included (officeflow.security.audit_reseal).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("of_audit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("nonce", sa.Text(), nullable=True))
        batch_op.create_index("of_audit_nonce", ["tenant", "nonce"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("of_audit", schema=None) as batch_op:
        batch_op.drop_index("of_audit_nonce")
        batch_op.drop_column("nonce")
