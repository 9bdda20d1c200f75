"""assistance ledger: catalogue, levy rates, disbursements, overrides, postings, vetting, grants

Revision ID: 0010
Revises: 0009

Issue 11. Amounts are whole cents in BIGINT columns and rates exact decimal text (no float
anywhere, portal/ledger/money.py). `ledger_entries` is append-only and hash-chained; the default
catalogue and levy rate are data the service writes on first use (portal/ledger/catalogue.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('ledger_books',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('compact_id', sa.Integer(), nullable=False),
    sa.Column('reporting_currency', sa.String(length=3), nullable=False),
    sa.ForeignKeyConstraint(['compact_id'], ['compacts.id'], name=op.f('fk_ledger_books_compact_id_compacts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_books')),
    sa.UniqueConstraint('compact_id', name=op.f('uq_ledger_books_compact_id'))
    )
    op.create_table('assistance_catalogues',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_day', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_assistance_catalogues_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assistance_catalogues')),
    sa.UniqueConstraint('version', name=op.f('uq_assistance_catalogues_version'))
    )
    op.create_table('disbursements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('compact_id', sa.Integer(), nullable=False),
    sa.Column('tranche', sa.String(length=64), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('instrument', sa.String(length=32), nullable=False),
    sa.Column('category_code', sa.String(length=32), nullable=False),
    sa.Column('catalogue_version', sa.Integer(), nullable=False),
    sa.Column('category_min_tier', sa.SmallInteger(), nullable=False),
    sa.Column('tier_in_force', sa.SmallInteger(), nullable=False),
    sa.Column('recipient_unit', sa.String(length=200), nullable=False),
    sa.Column('gross', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('fx_rate', sa.String(length=40), nullable=False),
    sa.Column('reporting_currency', sa.String(length=3), nullable=False),
    sa.Column('gross_reporting', sa.BigInteger(), nullable=False),
    sa.Column('levy_rate', sa.String(length=40), nullable=False),
    sa.Column('levy_rate_version', sa.Integer(), nullable=False),
    sa.Column('levy', sa.BigInteger(), nullable=False),
    sa.Column('net', sa.BigInteger(), nullable=False),
    sa.Column('txn_id', sa.String(length=32), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_day', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['compact_id'], ['compacts.id'], name=op.f('fk_disbursements_compact_id_compacts')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_disbursements_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disbursements')),
    sa.UniqueConstraint('public_id', name=op.f('uq_disbursements_public_id'))
    )
    with op.batch_alter_table('disbursements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disbursements_compact_id'), ['compact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_disbursements_day'), ['day'], unique=False)

    op.create_table('ledger_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('txn_id', sa.String(length=32), nullable=False),
    sa.Column('line', sa.SmallInteger(), nullable=False),
    sa.Column('compact_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('account', sa.String(length=32), nullable=False),
    sa.Column('debit', sa.BigInteger(), nullable=False),
    sa.Column('credit', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('reference', sa.String(length=80), nullable=False),
    sa.Column('reverses_txn', sa.String(length=32), nullable=True),
    sa.Column('levy_rate_version', sa.Integer(), nullable=True),
    sa.Column('memo', sa.String(length=200), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['compact_id'], ['compacts.id'], name=op.f('fk_ledger_entries_compact_id_compacts')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_ledger_entries_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_entries')),
    sa.UniqueConstraint('hash', name=op.f('uq_ledger_entries_hash')),
    sa.UniqueConstraint('txn_id', 'line', name=op.f('uq_ledger_entries_txn_id'))
    )
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_entries_compact_id'), ['compact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entries_day'), ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entries_reference'), ['reference'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entries_reverses_txn'), ['reverses_txn'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entries_txn_id'), ['txn_id'], unique=False)

    op.create_table('levy_rates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('rate', sa.String(length=40), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_day', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_levy_rates_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_levy_rates')),
    sa.UniqueConstraint('effective_from', name=op.f('uq_levy_rates_effective_from')),
    sa.UniqueConstraint('version', name=op.f('uq_levy_rates_version'))
    )
    op.create_table('reform_grants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('compact_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('applicant', sa.String(length=200), nullable=False),
    sa.Column('applicant_kind', sa.String(length=24), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('requested', sa.BigInteger(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('indicator', sa.String(length=200), nullable=False),
    sa.Column('baseline', sa.String(length=100), nullable=False),
    sa.Column('target', sa.String(length=100), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.Column('proposed_day', sa.Date(), nullable=False),
    sa.Column('review_note', sa.Text(), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_day', sa.Date(), nullable=True),
    sa.Column('awarded', sa.BigInteger(), nullable=True),
    sa.Column('award_txn', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['compact_id'], ['compacts.id'], name=op.f('fk_reform_grants_compact_id_compacts')),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['users.id'], name=op.f('fk_reform_grants_proposed_by_id_users')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_reform_grants_reviewed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reform_grants')),
    sa.UniqueConstraint('public_id', name=op.f('uq_reform_grants_public_id'))
    )
    with op.batch_alter_table('reform_grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reform_grants_compact_id'), ['compact_id'], unique=False)

    op.create_table('unit_flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('compact_id', sa.Integer(), nullable=False),
    sa.Column('unit_key', sa.String(length=64), nullable=True),
    sa.Column('unit_name', sa.String(length=200), nullable=False),
    sa.Column('unit_match', sa.String(length=200), nullable=False),
    sa.Column('incidents', sa.Integer(), nullable=False),
    sa.Column('window_months', sa.Integer(), nullable=False),
    sa.Column('since', sa.Date(), nullable=False),
    sa.Column('raised_by_id', sa.Integer(), nullable=True),
    sa.Column('raised_day', sa.Date(), nullable=False),
    sa.Column('identified_by_id', sa.Integer(), nullable=True),
    sa.Column('cleared_day', sa.Date(), nullable=True),
    sa.Column('remediation', sa.Text(), nullable=False),
    sa.Column('cleared_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['cleared_by_id'], ['users.id'], name=op.f('fk_unit_flags_cleared_by_id_users')),
    sa.ForeignKeyConstraint(['compact_id'], ['compacts.id'], name=op.f('fk_unit_flags_compact_id_compacts')),
    sa.ForeignKeyConstraint(['identified_by_id'], ['users.id'], name=op.f('fk_unit_flags_identified_by_id_users')),
    sa.ForeignKeyConstraint(['raised_by_id'], ['users.id'], name=op.f('fk_unit_flags_raised_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_flags')),
    sa.UniqueConstraint('public_id', name=op.f('uq_unit_flags_public_id'))
    )
    with op.batch_alter_table('unit_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_flags_compact_id'), ['compact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_flags_unit_key'), ['unit_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_flags_unit_match'), ['unit_match'], unique=False)

    op.create_table('assistance_overrides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('compact_id', sa.Integer(), nullable=False),
    sa.Column('disbursement_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('justification', sa.Text(), nullable=False),
    sa.Column('authorised_by_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['authorised_by_id'], ['users.id'], name=op.f('fk_assistance_overrides_authorised_by_id_users')),
    sa.ForeignKeyConstraint(['compact_id'], ['compacts.id'], name=op.f('fk_assistance_overrides_compact_id_compacts')),
    sa.ForeignKeyConstraint(['disbursement_id'], ['disbursements.id'], name=op.f('fk_assistance_overrides_disbursement_id_disbursements')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assistance_overrides'))
    )
    with op.batch_alter_table('assistance_overrides', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assistance_overrides_compact_id'), ['compact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assistance_overrides_disbursement_id'), ['disbursement_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('assistance_overrides', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assistance_overrides_disbursement_id'))
        batch_op.drop_index(batch_op.f('ix_assistance_overrides_compact_id'))

    op.drop_table('assistance_overrides')
    with op.batch_alter_table('unit_flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_flags_unit_match'))
        batch_op.drop_index(batch_op.f('ix_unit_flags_unit_key'))
        batch_op.drop_index(batch_op.f('ix_unit_flags_compact_id'))

    op.drop_table('unit_flags')
    with op.batch_alter_table('reform_grants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reform_grants_compact_id'))

    op.drop_table('reform_grants')
    op.drop_table('levy_rates')
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_entries_txn_id'))
        batch_op.drop_index(batch_op.f('ix_ledger_entries_reverses_txn'))
        batch_op.drop_index(batch_op.f('ix_ledger_entries_reference'))
        batch_op.drop_index(batch_op.f('ix_ledger_entries_day'))
        batch_op.drop_index(batch_op.f('ix_ledger_entries_compact_id'))

    op.drop_table('ledger_entries')
    with op.batch_alter_table('disbursements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disbursements_day'))
        batch_op.drop_index(batch_op.f('ix_disbursements_compact_id'))

    op.drop_table('disbursements')
    op.drop_table('assistance_catalogues')
    op.drop_table('ledger_books')
