"""staged blobs: attachment files written on the job tick, dated to the day, padded

Revision ID: 0007
Revises: 0006

A blob file written by the submitting request kept that second in its mtime and ctime, and its
exact size matched the photo re-cleaned from the reporter's phone. Requests now stage padded blobs
here, in the report's transaction; the outbox sweep (every tick, or `portal outbox sweep` from cron
without Redis) writes them to the store with the day as their time. Blobs written before this
revision are padded and re-dated by `flask --app portal portal blobs settle --existing`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('staged_blobs',
    sa.Column('blob_key', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('blob_key', name=op.f('pk_staged_blobs'))
    )


def downgrade() -> None:
    waiting = op.get_bind().execute(sa.text("SELECT count(*) FROM staged_blobs")).scalar()
    if waiting:
        # Dropping the table would lose attachments nobody has moved to the store yet.
        raise RuntimeError(
            f"{waiting} attachment blob(s) still wait in staged_blobs: run "
            "`flask --app portal portal outbox sweep` first, then downgrade"
        )
    op.drop_table('staged_blobs')
