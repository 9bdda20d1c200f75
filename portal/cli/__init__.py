"""`flask --app portal …` commands (DESIGN §12)."""

from __future__ import annotations

from flask import Flask

from portal.assess.cli import coverage_group, plan_group, scorecards_group
from portal.cli.backup import register_backup_commands
from portal.cli.blobs import blobs_group
from portal.cli.database import db_group
from portal.cli.jobs import jobs_group, outbox_group
from portal.cli.portal import portal_group
from portal.cli.receipts import receipts_group
from portal.cli.retention import retention_group
from portal.cli.tokens import token_group
from portal.ledger.cli import ledger_group
from portal.public.cli import public_group


def register_cli(app: Flask) -> None:
    portal_group.add_command(outbox_group)
    portal_group.add_command(jobs_group)
    portal_group.add_command(retention_group)
    portal_group.add_command(receipts_group)
    portal_group.add_command(blobs_group)
    portal_group.add_command(public_group)
    portal_group.add_command(plan_group)
    portal_group.add_command(scorecards_group)
    portal_group.add_command(coverage_group)
    portal_group.add_command(token_group)
    portal_group.add_command(ledger_group)
    register_backup_commands(portal_group)
    app.cli.add_command(db_group)
    app.cli.add_command(portal_group)
