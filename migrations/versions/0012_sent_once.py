"""sent once: a resent report form or API Idempotency-Key finds its first copy

Revision ID: 0012
Revises: 0011

Issue 13.5. One row per used form token or key: a hash of it, the receipt sealed under a key
derived from it (cleared when a web receipt is first shown), and the day the row may go.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('sent_once',
    sa.Column('lookup', sa.LargeBinary(length=32), nullable=False),
    sa.Column('sealed_receipt', sa.LargeBinary(), nullable=True),
    sa.Column('sealed_digest', sa.LargeBinary(), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('lookup', name=op.f('pk_sent_once'))
    )


def downgrade() -> None:
    op.drop_table('sent_once')
