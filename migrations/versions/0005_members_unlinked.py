"""members unlinked from their reports: sealed report lists, sessions that keep expiry slots only

Revision ID: 0005
Revises: 0004

A member's key wrap stored their user id next to the report (naming them even when they hid their
organisation), and their session row held the second of their last request. The wraps go (a
member's copy now lives in a list sealed to them, `member_report_lists`), and sessions keep only
slot-rounded expiries. Existing member wraps cannot be moved into the lists (that needs each
member's personal key): their reports stay reachable with the receipt every member was also given.
Existing sessions end, since their rows hold exact times: everyone signs in again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('member_report_lists',
    sa.Column('list_id', sa.String(length=64), nullable=False),
    sa.Column('sealed', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('list_id', name=op.f('pk_member_report_lists'))
    )
    op.execute("DELETE FROM report_key_wraps WHERE holder = 'member'")
    with op.batch_alter_table('report_key_wraps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_key_wraps_user_id'))
        batch_op.drop_constraint(batch_op.f('fk_report_key_wraps_user_id_users'), type_='foreignkey')
        batch_op.drop_column('user_id')

    op.execute("DELETE FROM staff_sessions")
    with op.batch_alter_table('staff_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('idle_until', sa.DateTime(), nullable=False))
        batch_op.drop_column('created_at')
        batch_op.drop_column('last_seen_at')


def downgrade() -> None:
    op.execute("DELETE FROM staff_sessions")
    with op.batch_alter_table('staff_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_seen_at', sa.DateTime(), nullable=False))
        batch_op.add_column(sa.Column('created_at', sa.DateTime(), nullable=False))
        batch_op.drop_column('idle_until')

    with op.batch_alter_table('report_key_wraps', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_report_key_wraps_user_id_users'), 'users', ['user_id'], ['id'], ondelete='CASCADE')
        batch_op.create_index(batch_op.f('ix_report_key_wraps_user_id'), ['user_id'], unique=False)

    op.drop_table('member_report_lists')
