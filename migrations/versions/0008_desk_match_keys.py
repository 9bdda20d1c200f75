"""desk match keys: the key of the keyed match hashes sealed to the desk keys

Revision ID: 0008
Revises: 0007

The place, unit and day hashes of duplicate suggestions were HMACs under `keys/fingerprint_key`,
in the clear in the instance folder: a seized server tested guesses against them. The key is now
HPKE-sealed to every version of each desk key and opened only in verifiers' sessions. Existing
instances keep their key (so existing hashes keep matching): `flask --app portal db upgrade`
seals the file's key to every desk key version once this revision is in, then deletes the file.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('desk_match_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('desk_id', sa.Integer(), nullable=False),
    sa.Column('desk_key_id', sa.Integer(), nullable=False),
    sa.Column('sealed_key', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['desk_id'], ['desks.id'], name=op.f('fk_desk_match_keys_desk_id_desks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['desk_key_id'], ['desk_keys.id'], name=op.f('fk_desk_match_keys_desk_key_id_desk_keys'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_desk_match_keys')),
    sa.UniqueConstraint('desk_key_id', name=op.f('uq_desk_match_keys_desk_key_id'))
    )
    with op.batch_alter_table('desk_match_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_desk_match_keys_desk_id'), ['desk_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('desk_match_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_desk_match_keys_desk_id'))

    op.drop_table('desk_match_keys')
