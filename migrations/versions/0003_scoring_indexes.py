"""scoring indexes: covering reads for early warnings, OA-3 grades and HR-1 unit tallies

Revision ID: 0003
Revises: 0002

The batched scoring path (docs/performance.md, "Scoring a compact") reads early-warning counts,
the grades of a reprisal incident's reports and the HR-1 unit tallies for all periods of a
compact at once; these indexes let PostgreSQL answer each from the index alone. On PostgreSQL,
scoring snapshots (about a megabyte of JSON a year, written at once) are compressed with lz4
when the server has it: as small as pglz, in half the time.
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LZ4 = (
    "DO $$ BEGIN IF 'lz4' = ANY (SELECT unnest(enumvals) FROM pg_settings"
    " WHERE name = 'default_toast_compression') THEN"
    " ALTER TABLE scoring_snapshots ALTER COLUMN inputs SET COMPRESSION {method};"
    " END IF; END $$"
)


def upgrade() -> None:
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index('ix_reports_compact_month')
        batch_op.create_index(
            'ix_reports_compact_month',
            ['compact_id', 'status', 'incident_month', 'primary_indicator'],
            unique=False,
        )
        batch_op.drop_index('ix_reports_cluster_id')
        batch_op.create_index(
            'ix_reports_cluster_id',
            ['cluster_id', 'source_reliability', 'information_credibility'],
            unique=False,
        )
    with op.batch_alter_table('incident_clusters', schema=None) as batch_op:
        batch_op.drop_index('ix_incident_clusters_indicator_code')
        batch_op.create_index(
            'ix_clusters_indicator',
            ['compact_id', 'indicator_code', 'state', 'incident_month', 'unit_key'],
            unique=False,
        )
    if op.get_bind().dialect.name == 'postgresql':
        # Applies to rows written from now on; existing snapshots keep their compression.
        op.execute(_LZ4.format(method='lz4'))


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(_LZ4.format(method='pglz'))
    with op.batch_alter_table('incident_clusters', schema=None) as batch_op:
        batch_op.drop_index('ix_clusters_indicator')
        batch_op.create_index(
            'ix_incident_clusters_indicator_code', ['indicator_code'], unique=False
        )
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index('ix_reports_cluster_id')
        batch_op.create_index('ix_reports_cluster_id', ['cluster_id'], unique=False)
        batch_op.drop_index('ix_reports_compact_month')
        batch_op.create_index(
            'ix_reports_compact_month', ['compact_id', 'incident_month', 'status'], unique=False
        )
