"""scoring integrity: plan rules, coverage records, response clocks, scorecard chains

Revision ID: 0009
Revises: 0008

Issue 10: every scoring default is plan data (`monitoring_plans.rules`, written out in full on
every existing version with the defaults of this release, so what a plan shows is what scores);
partner attestations and monitoring disruptions feed the coverage gate; OA-1/CH-2 run on clocks
(the days the authorities responded, replacing a yes/no that was stored as "no" at
verification); a scorecard records its chain digest, whether coverage was met, and per entry
the basis of its state.

An old `investigated_in_time = true` becomes a response on the last day of the incident month
(in time under any window); false or unset becomes "no response recorded", since the desk form
stored false for incidents nobody had followed up yet.
"""

import datetime as dt
import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FRACTION_SOURCE = (
    "indicators.md default (0.1) until calibrated, e.g. by capture-recapture against "
    "independent sources"
)
# portal.domain.scoring.rules.PlanRules().to_data() as of this revision, frozen here so that a
# later change of a default in the code cannot change what this migration wrote.
_DEFAULT_RULES = {
    "coverage": {
        "min_reports": 30, "min_partners": 3, "min_population_share": 0.7,
        "max_unverified_days": 60, "max_overdue_reports": 0, "max_disruptions": 0,
    },
    "reporting_fractions": {
        code: {"value": 0.1, "source": _FRACTION_SOURCE}
        for code in ("AD-1", "CH-1", "HR-1", "HR-2", "IC-1")
    },
    "tiers": {
        "tier1_min_passes": 8, "tier2_min_passes": 10, "tier3_min_passes": 12,
        "reform_min_passes": 6, "integrity_min_passes": 2, "unit_flag_min_incidents": 3,
        "unit_flag_window_months": 12, "peer_minimum": 3,
    },
    "interval_mass": 0.9,
    "hurdle_confidence": 0.95,
    "checklist_min_half_width": 5.0,
    "response_window_days": 90,
}


def upgrade() -> None:
    op.create_table('partner_attestations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('compact_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=8), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('entered_day', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['compact_id'], ['compacts.id'], name=op.f('fk_partner_attestations_compact_id_compacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'], name=op.f('fk_partner_attestations_entered_by_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_partner_attestations_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_attestations')),
    sa.UniqueConstraint('compact_id', 'organisation_id', 'period', name=op.f('uq_partner_attestations_compact_id')),
    )
    with op.batch_alter_table('partner_attestations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_attestations_compact_id'), ['compact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_attestations_organisation_id'), ['organisation_id'], unique=False)
    op.create_table('monitoring_disruptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('compact_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('suspension', 'channel_shutdown', name='disruptionkind', native_enum=False, length=24), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('entered_day', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['compact_id'], ['compacts.id'], name=op.f('fk_monitoring_disruptions_compact_id_compacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'], name=op.f('fk_monitoring_disruptions_entered_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monitoring_disruptions')),
    )
    with op.batch_alter_table('monitoring_disruptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_monitoring_disruptions_compact_id'), ['compact_id'], unique=False)

    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index('ix_reports_compact_month')
        batch_op.create_index(
            'ix_reports_compact_month',
            ['compact_id', 'status', 'incident_month', 'primary_indicator', 'created_day'],
            unique=False,
        )
        batch_op.create_index(
            'ix_reports_coverage',
            ['compact_id', 'incident_month', 'region', 'organisation_id'],
            unique=False,
        )

    with op.batch_alter_table('monitoring_plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rules', sa.JSON(), nullable=True))
    plans = sa.table('monitoring_plans', sa.column('rules', sa.JSON()))
    op.execute(plans.update().values(rules=_DEFAULT_RULES))
    with op.batch_alter_table('monitoring_plans', schema=None) as batch_op:
        batch_op.alter_column('rules', existing_type=sa.JSON(), nullable=False)

    with op.batch_alter_table('incident_clusters', schema=None) as batch_op:
        batch_op.add_column(sa.Column('investigation_opened_day', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('harm_acknowledged_day', sa.Date(), nullable=True))
    clusters = sa.table(
        'incident_clusters', sa.column('id', sa.Integer()), sa.column('incident_month', sa.Date()),
        sa.column('investigated_in_time', sa.Boolean()),
        sa.column('investigation_opened_day', sa.Date()),
        sa.column('harm_acknowledged_day', sa.Date()),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(clusters.c.id, clusters.c.incident_month)
        .where(clusters.c.investigated_in_time.is_(True))
    ).all()
    for cluster_id, month in rows:
        following = month.replace(year=month.year + month.month // 12, month=month.month % 12 + 1)
        last_day = following - dt.timedelta(days=1)
        bind.execute(
            clusters.update().where(clusters.c.id == cluster_id)
            .values(investigation_opened_day=last_day, harm_acknowledged_day=last_day)
        )
    with op.batch_alter_table('incident_clusters', schema=None) as batch_op:
        batch_op.drop_column('investigated_in_time')
        batch_op.drop_index('ix_clusters_indicator')
        batch_op.create_index(
            'ix_clusters_indicator',
            ['compact_id', 'indicator_code', 'state', 'incident_month', 'unit_key',
             'investigation_opened_day', 'harm_acknowledged_day', 'weight'],
            unique=False,
        )

    with op.batch_alter_table('scorecards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chain_digest', sa.String(length=64), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('coverage_met', sa.Boolean(), nullable=True))
        batch_op.drop_constraint('uq_scorecards_compact_id', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_scorecards_compact_id'), ['compact_id', 'period', 'snapshot_id', 'chain_digest'])
    with op.batch_alter_table('scorecards', schema=None) as batch_op:
        batch_op.alter_column('chain_digest', server_default=None)
    with op.batch_alter_table('scorecard_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('basis', sa.JSON(), nullable=False, server_default=json.dumps({})))
    with op.batch_alter_table('scorecard_entries', schema=None) as batch_op:
        batch_op.alter_column('basis', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('scorecard_entries', schema=None) as batch_op:
        batch_op.drop_column('basis')
    with op.batch_alter_table('scorecards', schema=None) as batch_op:
        batch_op.drop_constraint('uq_scorecards_compact_id', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_scorecards_compact_id'), ['compact_id', 'period', 'snapshot_id'])
        batch_op.drop_column('coverage_met')
        batch_op.drop_column('chain_digest')
    with op.batch_alter_table('incident_clusters', schema=None) as batch_op:
        batch_op.drop_index('ix_clusters_indicator')
        batch_op.create_index(
            'ix_clusters_indicator',
            ['compact_id', 'indicator_code', 'state', 'incident_month', 'unit_key'],
            unique=False,
        )
        batch_op.add_column(sa.Column('investigated_in_time', sa.Boolean(), nullable=True))
    clusters = sa.table(
        'incident_clusters', sa.column('investigated_in_time', sa.Boolean()),
        sa.column('investigation_opened_day', sa.Date()),
    )
    op.execute(
        clusters.update().where(clusters.c.investigation_opened_day.is_not(None))
        .values(investigated_in_time=True)
    )
    with op.batch_alter_table('incident_clusters', schema=None) as batch_op:
        batch_op.drop_column('harm_acknowledged_day')
        batch_op.drop_column('investigation_opened_day')
    with op.batch_alter_table('monitoring_plans', schema=None) as batch_op:
        batch_op.drop_column('rules')
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index('ix_reports_coverage')
        batch_op.drop_index('ix_reports_compact_month')
        batch_op.create_index(
            'ix_reports_compact_month',
            ['compact_id', 'status', 'incident_month', 'primary_indicator'],
            unique=False,
        )
    with op.batch_alter_table('monitoring_disruptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_monitoring_disruptions_compact_id'))
    op.drop_table('monitoring_disruptions')
    with op.batch_alter_table('partner_attestations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_attestations_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_partner_attestations_compact_id'))
    op.drop_table('partner_attestations')
