"""`flask --app portal portal plan|scorecards|coverage …`: the scoring data, from a shell.

The plan editor of the web UI is issue 12's; until then, and for scripts ever after, every plan
value can be read and changed here, each change a new, audit-logged plan version:

    portal plan show --compact iq-2026
    portal plan set --compact iq-2026 --note "Board decision 2026-03" \\
        --set thresholds.HR-1.value=0.8 --set "thresholds.HR-1.source=Board decision 2026-03" \\
        --set coverage.min_reports=40 --set reporting_fractions.HR-1.value=0.15 \\
        --set "reporting_fractions.HR-1.source=Capture-recapture study, 2025" \\
        --set exposure.region_population.IQ-BG=8100000 --set "exposure.population_source=..."
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import click
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.assess import monitoring
from portal.assess.periods import BadPeriod, Period
from portal.assess.plans import (
    IndicatorEdit,
    NoPlan,
    PlanEdit,
    PlanEditError,
    current_plan,
    new_plan_version,
    plan_version,
)
from portal.assess.scoring import chain_order, compute_scorecards, recheck
from portal.domain.catalogue import INDICATOR_CODES
from portal.domain.models import Compact, DisruptionKind, Organisation, Scorecard
from portal.web.services import services


def _compact(session: Session, slug: str) -> Compact:
    found = session.scalar(select(Compact).where(Compact.slug == slug))
    if found is None:
        raise click.ClickException(f"no compact {slug!r}")
    return found


@click.group("plan", cls=AppGroup)
def plan_group() -> None:
    """A compact's monitoring plan: thresholds, coverage minimum, reporting fractions."""


@plan_group.command("show")
@click.option("--compact", "slug", required=True, help="The compact's slug, e.g. iq-2026.")
@click.option("--version", type=int, help="A plan version (default: the current one).")
def plan_show(slug: str, version: int | None) -> None:
    """Print a plan version as JSON: every value that scores the compact."""
    with services().database.transaction() as session:
        compact = _compact(session, slug)
        try:
            plan = (
                plan_version(session, compact, version)
                if version is not None
                else current_plan(session, compact)
            )
        except NoPlan:
            raise click.ClickException("no such plan version") from None
        shown = {
            "compact": compact.slug,
            "version": plan.version,
            "catalogue_version": plan.catalogue_version,
            "created_day": plan.created_day.isoformat(),
            "note": plan.note,
            "exposure": plan.exposure,
            "rules": plan.rules,
            "thresholds": {i.indicator_code: i.threshold for i in plan.indicators if i.threshold},
        }
    click.echo(json.dumps(shown, indent=2, sort_keys=True, ensure_ascii=False))


def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _nested(path: list[str], value: Any) -> dict[str, Any]:
    return {path[0]: value} if len(path) == 1 else {path[0]: _nested(path[1:], value)}


def _merge(into: dict[str, Any], change: dict[str, Any]) -> None:
    for key, value in change.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def parse_settings(settings: tuple[str, ...]) -> PlanEdit:
    """`--set a.b.c=value` pairs as one plan edit (values are JSON where they parse)."""
    rules: dict[str, Any] = {}
    exposure: dict[str, Any] = {}
    thresholds: dict[str, dict[str, Any]] = {}
    for item in settings:
        path, sep, text = item.partition("=")
        if not sep or not path:
            raise click.BadParameter(f"{item!r} is not PATH=VALUE", param_hint="--set")
        parts = path.split(".")
        value = _value(text)
        if parts[0] == "thresholds":
            if (
                len(parts) != 3
                or parts[1] not in INDICATOR_CODES
                or parts[2] not in ("value", "source", "clear")
            ):
                raise click.BadParameter(
                    f"{path}: use thresholds.CODE.value, .source or .clear", param_hint="--set"
                )
            thresholds.setdefault(parts[1], {})[parts[2]] = value
        elif parts[0] == "exposure":
            if len(parts) < 2:
                raise click.BadParameter(f"{path}: name an exposure value", param_hint="--set")
            _merge(exposure, _nested(parts[1:], value))
        else:
            _merge(rules, _nested(parts, value))
    edits = tuple(
        IndicatorEdit(
            code=code,
            threshold=float(found["value"]) if found.get("value") is not None else None,
            threshold_source=str(found["source"]) if "source" in found else None,
            clear_threshold=bool(found.get("clear")),
        )
        for code, found in sorted(thresholds.items())
    )
    return PlanEdit(note="", indicators=edits, rules=rules, exposure=exposure)


@plan_group.command("set")
@click.option("--compact", "slug", required=True, help="The compact's slug, e.g. iq-2026.")
@click.option("--note", required=True, help="Why the plan changes (kept with the version).")
@click.option(
    "--set",
    "settings",
    multiple=True,
    required=True,
    metavar="PATH=VALUE",
    help="A value to change, e.g. coverage.min_reports=40; repeat as needed.",
)
@click.option(
    "--rescore/--no-rescore",
    default=True,
    help="Recompute the compact's scorecards with the new version (default: yes).",
)
def plan_set(slug: str, note: str, settings: tuple[str, ...], rescore: bool) -> None:
    """Make a new plan version with the given values changed."""
    edit = parse_settings(settings)
    edit = PlanEdit(note=note, indicators=edit.indicators, rules=edit.rules, exposure=edit.exposure)
    with services().database.transaction() as session:
        compact = _compact(session, slug)
        try:
            plan = new_plan_version(session, None, compact, edit)
        except (PlanEditError, NoPlan) as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"{compact.slug}: plan version {plan.version} saved")
        if rescore:
            periods = _scored_periods(session, compact)
            if periods:
                compute_scorecards(session, compact, periods)
                click.echo(f"{compact.slug}: {len(periods)} period(s) scored with it")


def _scored_periods(session: Session, compact: Compact) -> list[Period]:
    found = []
    for name in set(
        session.scalars(select(Scorecard.period).where(Scorecard.compact_id == compact.id))
    ):
        try:
            found.append(Period.parse(name))
        except BadPeriod:
            continue
    return sorted(found, key=chain_order)


@click.group("scorecards", cls=AppGroup)
def scorecards_group() -> None:
    """Compute and re-check a compact's scorecards."""


@scorecards_group.command("compute")
@click.option("--compact", "slug", required=True)
@click.option("--period", "periods", multiple=True, required=True, help="2027 or 2027-Q2.")
def scorecards_compute(slug: str, periods: tuple[str, ...]) -> None:
    """Compute the periods' scorecards (and every later one of the same chains)."""
    try:
        parsed = [Period.parse(p) for p in periods]
    except BadPeriod as error:
        raise click.BadParameter(str(error), param_hint="--period") from None
    with services().database.transaction() as session:
        compact = _compact(session, slug)
        try:
            cards = compute_scorecards(session, compact, parsed)
        except NoPlan:
            raise click.ClickException("the compact has no monitoring plan") from None
        for name, card in cards.items():
            click.echo(f"{name}: recommended tier {card.recommended_tier}")


@scorecards_group.command("recheck")
@click.option("--compact", "slug", required=True)
def scorecards_recheck(slug: str) -> None:
    """Recompute each period's current scorecard and check its chain; exit 1 on any mismatch."""
    bad = 0
    with services().database.transaction() as session:
        compact = _compact(session, slug)
        for period in _scored_periods(session, compact):
            row = session.scalar(
                select(Scorecard)
                .where(Scorecard.compact_id == compact.id, Scorecard.period == str(period))
                .order_by(Scorecard.id.desc())
                .limit(1)
            )
            assert row is not None
            result = recheck(session, row, thorough=True)
            what = []
            if not result.reproduces:
                what.append("does not reproduce from its inputs")
            if not result.chain_holds:
                what.append("its chain changed (previous period or tier in force): recompute")
            if result.current is False:
                what.append("today's evidence for it or an earlier period differs: recompute")
            if result.engine_changed:
                what.append(f"computed with catalogue {row.catalogue_version}: recompute")
            bad += bool(what)
            click.echo(f"{period}: " + ("; ".join(what) if what else "ok"))
    if bad:
        raise click.ClickException(f"{bad} scorecard(s) need attention")


@click.group("coverage", cls=AppGroup)
def coverage_group() -> None:
    """What the monitoring coverage gate reads besides reports."""


def _dispatch(outbox_ids: list[int]) -> None:
    services().dispatcher.dispatch(outbox_ids)


@coverage_group.command("attest")
@click.option("--compact", "slug", required=True)
@click.option("--organisation", "organisation_id", required=True, help="Its public id.")
@click.option("--period", required=True, help="2027 (covers its quarters) or 2027-Q2.")
@click.option("--note", default="")
def coverage_attest(slug: str, organisation_id: str, period: str, note: str) -> None:
    """Record that a partner organisation was monitoring the compact in a period."""
    try:
        parsed = Period.parse(period)
    except BadPeriod as error:
        raise click.BadParameter(str(error), param_hint="--period") from None
    with services().database.transaction() as session:
        compact = _compact(session, slug)
        organisation = session.scalar(
            select(Organisation).where(Organisation.public_id == organisation_id)
        )
        if organisation is None:
            raise click.ClickException(f"no organisation {organisation_id!r}")
        try:
            queued = monitoring.attest_partner(session, None, compact, organisation, parsed, note)
        except monitoring.MonitoringRecordError as error:
            raise click.ClickException(str(error)) from None
    _dispatch(queued)
    click.echo(f"{slug}: {organisation.name} active in {parsed}")


@coverage_group.command("disruption")
@click.option("--compact", "slug", required=True)
@click.option("--kind", type=click.Choice([k.value for k in DisruptionKind]), required=True)
@click.option("--from", "first", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--to", "last", type=click.DateTime(["%Y-%m-%d"]))
@click.option("--note", required=True, help="What happened and how it is known.")
def coverage_disruption(
    slug: str, kind: str, first: dt.datetime, last: dt.datetime | None, note: str
) -> None:
    """Record a suspension or a channel shutdown (no --to while it lasts)."""
    with services().database.transaction() as session:
        compact = _compact(session, slug)
        try:
            queued = monitoring.record_disruption(
                session,
                None,
                compact,
                DisruptionKind(kind),
                first.date(),
                last.date() if last else None,
                note,
            )
        except monitoring.MonitoringRecordError as error:
            raise click.ClickException(str(error)) from None
    _dispatch(queued)
    click.echo(f"{slug}: {kind} recorded from {first.date()}")
