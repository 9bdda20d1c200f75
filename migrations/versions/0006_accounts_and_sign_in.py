"""accounts and sign-in: setup links, known devices, pending desk access, token expiry

Revision ID: 0006
Revises: 0005

Invitations and password resets become one-time setup links (the admin never learns the
password); sign-in throttling counts known devices apart and carries an epoch an admin unlock
moves on; a desk membership waits for someone holding the desk key (`granted_day`); API tokens
expire and name who created them; organisations can be disabled. Memberships that already hold
a wrap of their desk's key are granted on the day of the upgrade.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_GRANT_HELD = (
    "UPDATE desk_memberships SET granted_day = CURRENT_DATE WHERE EXISTS ("
    " SELECT 1 FROM desk_key_wraps w JOIN desk_keys k ON k.id = w.desk_key_id"
    " WHERE w.user_id = desk_memberships.user_id AND k.desk_id = desk_memberships.desk_id)"
)


def upgrade() -> None:
    op.create_table('known_devices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_day', sa.Date(), nullable=False),
    sa.Column('last_used_day', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_known_devices_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_known_devices')),
    sa.UniqueConstraint('user_id', 'token_hash', name=op.f('uq_known_devices_user_id'))
    )
    with op.batch_alter_table('known_devices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_known_devices_user_id'), ['user_id'], unique=False)

    op.create_table('setup_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('purpose', sa.Enum('invitation', 'reset', name='setuppurpose', native_enum=False, length=16), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_setup_links_issued_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_setup_links_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_setup_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_setup_links_token_hash'))
    )
    with op.batch_alter_table('setup_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_setup_links_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sign_in_epoch', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), nullable=False, server_default=sa.true()))
    with op.batch_alter_table('desk_memberships', schema=None) as batch_op:
        batch_op.add_column(sa.Column('granted_day', sa.Date(), nullable=True))
    op.execute(_GRANT_HELD)
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_day', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('created_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_api_tokens_created_by_id_users'), 'users', ['created_by_id'], ['id'], ondelete='SET NULL')

    # The defaults only filled existing rows; the models set these values themselves.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('sign_in_epoch', server_default=None)
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.alter_column('active', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_api_tokens_created_by_id_users'), type_='foreignkey')
        batch_op.drop_column('created_by_id')
        batch_op.drop_column('expires_day')
    with op.batch_alter_table('desk_memberships', schema=None) as batch_op:
        batch_op.drop_column('granted_day')
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('active')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('sign_in_epoch')

    with op.batch_alter_table('setup_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_setup_links_user_id'))
    op.drop_table('setup_links')
    with op.batch_alter_table('known_devices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_known_devices_user_id'))
    op.drop_table('known_devices')
