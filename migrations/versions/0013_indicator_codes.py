"""indicator codes on the report: one column the duplicate suggestions read

Revision ID: 0013
Revises: 0012

Issue 14.5. `reports.indicator_codes` holds a report's indicator codes sorted and joined by
commas, kept in step with `report_indicators` by the model's events; filled here for every
report already stored. The desk's report page reads a thousand candidates' codes from it instead
of aggregating `report_indicators` once per candidate.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('reports') as batch:
        batch.add_column(sa.Column('indicator_codes', sa.String(length=255), nullable=True))
    if op.get_bind().dialect.name == 'postgresql':
        joined = "string_agg(indicator_code, ',' ORDER BY indicator_code)"
        source = 'report_indicators WHERE report_id = reports.id'
    else:  # SQLite keeps the order of an ordered subquery in group_concat
        joined = "group_concat(indicator_code, ',')"
        source = (
            '(SELECT indicator_code FROM report_indicators '
            'WHERE report_id = reports.id ORDER BY indicator_code)'
        )
    op.execute(f'UPDATE reports SET indicator_codes = (SELECT {joined} FROM {source})')


def downgrade() -> None:
    with op.batch_alter_table('reports') as batch:
        batch.drop_column('indicator_codes')
