"""instance fingerprint: which instance keys a database belongs to

Revision ID: 0011
Revises: 0010

Issue 13, point 4: a database restored without its instance folder used to start with new keys,
after which every receipt was refused and every attachment failed. The database now records a
fingerprint of the instance keys (portal/keys/fingerprint.py); the portal refuses to start with
keys of another fingerprint.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "instance_fingerprint",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("instance_fingerprint")
