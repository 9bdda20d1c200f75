"""receipt look-up schemes: one Argon2id per receipt guess, even with the whole server

Revision ID: 0004
Revises: 0003

Receipt look-up ids were HMAC-SHA256(pepper, receipt): with the database and the instance folder,
every guess cost one HMAC against all reports at once. Look-ups are now split from one Argon2id
under an instance-wide salt kept here with its costs (portal/crypto/receipt.py). Existing rows keep
their HMAC value, marked by a NULL scheme, until `flask --app portal portal receipts migrate`
stretches each one with the legacy scheme's Argon2id (resumable; receipts work throughout). It is
a command, not part of this migration, because it costs one Argon2id per report: about a third of
a second each at the default costs, hours for a large desk.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite rebuilds `reports` to add a foreign key, and cannot reflect these expression indexes,
# so the rebuilt table would lose them (0001 creates them).
_QUEUE_INDEXES = (
    "CREATE INDEX IF NOT EXISTS ix_reports_desk_queue ON reports (desk_id, (-priority), id)",
    "CREATE INDEX IF NOT EXISTS ix_reports_all_queue ON reports ((-priority), id)",
)


def _restore_queue_indexes() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        for statement in _QUEUE_INDEXES:
            op.execute(statement)


def upgrade() -> None:
    op.create_table('receipt_lookup_schemes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('salt', sa.LargeBinary(), nullable=False),
    sa.Column('memory_kib', sa.Integer(), nullable=False),
    sa.Column('iterations', sa.Integer(), nullable=False),
    sa.Column('lanes', sa.Integer(), nullable=False),
    sa.Column('legacy', sa.Boolean(), nullable=False),
    sa.Column('created_day', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receipt_lookup_schemes')),
    sa.UniqueConstraint('memory_kib', 'iterations', 'lanes', 'legacy', name=op.f('uq_receipt_lookup_schemes_memory_kib'))
    )
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('receipt_scheme_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_reports_receipt_scheme_id'), ['receipt_scheme_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_reports_receipt_scheme_id_receipt_lookup_schemes'), 'receipt_lookup_schemes', ['receipt_scheme_id'], ['id'])
    _restore_queue_indexes()


def downgrade() -> None:
    # Stretched look-ups cannot be turned back into HMAC values (the receipts are unknown): a
    # downgrade leaves them in place, where the old code finds nothing with them.
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_reports_receipt_scheme_id_receipt_lookup_schemes'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_reports_receipt_scheme_id'))
        batch_op.drop_column('receipt_scheme_id')
    _restore_queue_indexes()
    op.drop_table('receipt_lookup_schemes')
