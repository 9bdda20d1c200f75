"""A compact's monitoring plan versions: reading them into the scoring engine, and changing them.

Every number that scores a compact is plan data (indicators.md): thresholds with their sources,
the monitoring coverage minimum, reporting fractions with their sources, the exact-bound
confidence, tier counts, the response window, the population by region. Nothing is edited in
place: a change is a new version that copies the previous one and applies the edit, audit-logged;
old versions stay readable and keep scoring the scorecards that name them.

`new_plan_version` is the one way in, for the plan page, the CLI and (issue 12) the plan editor.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import audit
from portal.domain.catalogue import CATALOGUE_VERSION, INDICATOR_CODES, ThresholdKind
from portal.domain.models import Compact, MonitoringPlan, PlanIndicator, User
from portal.domain.scoring import PlanRuleError, PlanRules, ScoringPlan, default_pass_rules
from portal.i18n.places import is_region_of


class NoPlan(Exception):
    """The compact has no monitoring plan yet."""


class PlanEditError(ValueError):
    """An edit an assessor must correct; `field` names the value (e.g. "coverage.min_reports")."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name


def current_plan(session: Session, compact: Compact) -> MonitoringPlan:
    plan = session.scalar(
        select(MonitoringPlan)
        .where(MonitoringPlan.compact_id == compact.id)
        .order_by(MonitoringPlan.version.desc())
        .limit(1)
    )
    if plan is None:
        raise NoPlan(compact.slug)
    return plan


def plan_version(session: Session, compact: Compact, version: int) -> MonitoringPlan:
    plan = session.scalar(
        select(MonitoringPlan).where(
            MonitoringPlan.compact_id == compact.id, MonitoringPlan.version == version
        )
    )
    if plan is None:
        raise NoPlan(f"{compact.slug} v{version}")
    return plan


def plan_rules(plan: MonitoringPlan) -> PlanRules:
    return PlanRules.from_data(plan.rules)


def scoring_plan(plan: MonitoringPlan) -> ScoringPlan:
    """The engine's plan: this version's rules, and its thresholds over the catalogue's."""
    rules = dict(default_pass_rules())
    sources: dict[str, str] = {}
    for item in plan.indicators:
        override = item.threshold or {}
        if override.get("value") is not None and item.indicator_code in rules:
            default = rules[item.indicator_code]
            # A number the plan chose turns an open rule (plan-set, or peers' median) absolute.
            open_rule = default.kind in (ThresholdKind.PLAN_SET, ThresholdKind.PEER_MEDIAN)
            kind = ThresholdKind.ABSOLUTE if open_rule else default.kind
            rules[item.indicator_code] = dataclasses.replace(
                default, kind=kind, value=float(override["value"])
            )
            if override.get("source"):
                sources[item.indicator_code] = str(override["source"])
    return ScoringPlan(
        version=f"plan-{plan.version}",
        pass_rules=MappingProxyType(rules),
        threshold_sources=MappingProxyType(sources),
        rules=plan_rules(plan),
    )


def region_population(plan: MonitoringPlan) -> dict[str, float] | None:
    """The plan's population by region, or None when it gives none."""
    found = (plan.exposure or {}).get("region_population")
    if not found:
        return None
    return {str(code): float(people) for code, people in found.items()}


@dataclass(frozen=True)
class IndicatorEdit:
    """What changes for one indicator; None leaves a value as it was."""

    code: str
    baseline: float | None = None
    target_year: int | None = None
    target: float | None = None
    threshold: float | None = None
    threshold_source: str | None = None
    clear_threshold: bool = False  # back to the catalogue's default (none, for HR-1)
    data_source: str | None = None
    last_quality_review: dt.date | None = None


@dataclass(frozen=True)
class PlanEdit:
    """One new plan version's changes. `rules` and `exposure` are partial mappings merged over
    the current version's (a nested "coverage": {"min_reports": 40} changes only that value)."""

    note: str
    indicators: tuple[IndicatorEdit, ...] = ()
    rules: Mapping[str, Any] = field(default_factory=dict)
    exposure: Mapping[str, Any] = field(default_factory=dict)


def _merged(base: Mapping[str, Any], change: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in change.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged


def _checked_exposure(compact: Compact, exposure: dict[str, Any]) -> dict[str, Any]:
    for name in ("population", "operations", "items_delivered"):
        value = exposure.get(name)
        if value is None:
            continue
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or value < 0
            or not (math.isfinite(value))
        ):
            raise PlanEditError(f"exposure.{name}", "must be a number, 0 or more")
    regions = exposure.get("region_population")
    if regions is not None:
        if not isinstance(regions, Mapping):
            raise PlanEditError("exposure.region_population", "must map regions to people")
        # None clears a region's figure (the plan page sends every region, empty ones as None).
        regions = {code: people for code, people in regions.items() if people is not None}
        exposure["region_population"] = regions
        for code, people in regions.items():
            if not is_region_of(str(code), compact.country):
                raise PlanEditError(
                    "exposure.region_population", f"{code} is not a region of {compact.country}"
                )
            if isinstance(people, bool) or not isinstance(people, int | float) or people < 0:
                raise PlanEditError(f"exposure.region_population.{code}", "must be 0 or more")
        if regions and not str(exposure.get("population_source") or "").strip():
            raise PlanEditError("exposure.population_source", "say where the figures come from")
    return exposure


def _indicator_row(old: PlanIndicator | None, code: str) -> PlanIndicator:
    if old is None:
        return PlanIndicator(indicator_code=code)
    return PlanIndicator(
        indicator_code=old.indicator_code,
        priority=old.priority,
        baseline=old.baseline,
        annual_targets=dict(old.annual_targets),
        threshold=dict(old.threshold),
        data_source=old.data_source,
        last_quality_review=old.last_quality_review,
    )


def _apply(row: PlanIndicator, edit: IndicatorEdit) -> None:
    if edit.baseline is not None:
        row.baseline = edit.baseline
    if edit.target_year is not None and edit.target is not None:
        row.annual_targets = {**row.annual_targets, str(edit.target_year): edit.target}
    if edit.clear_threshold:
        row.threshold = {}
    if edit.threshold is not None:
        if not math.isfinite(edit.threshold):
            raise PlanEditError(f"thresholds.{edit.code}", "must be a number")
        source = (edit.threshold_source or "").strip()
        if not source:
            raise PlanEditError(
                f"thresholds.{edit.code}.source", "say where the threshold comes from"
            )
        row.threshold = {"value": edit.threshold, "source": source}
    elif edit.threshold_source is not None and row.threshold.get("value") is not None:
        row.threshold = {**row.threshold, "source": edit.threshold_source.strip()}
    if edit.data_source is not None:
        row.data_source = edit.data_source
    if edit.last_quality_review is not None:
        row.last_quality_review = edit.last_quality_review


def new_plan_version(
    session: Session, user: User | None, compact: Compact, edit: PlanEdit
) -> MonitoringPlan:
    """The next version: the current one with `edit` applied, validated as a whole."""
    if not edit.note.strip():
        raise PlanEditError("note", "say why the plan changes")
    old = current_plan(session, compact)
    by_code = {item.indicator_code: item for item in old.indicators}
    rows = {code: _indicator_row(by_code.get(code), code) for code in INDICATOR_CODES}
    for change in edit.indicators:
        if change.code not in rows:
            raise PlanEditError("indicator", f"no indicator {change.code}")
        _apply(rows[change.code], change)
    try:
        rules = PlanRules.from_data(_merged(old.rules or {}, edit.rules)).to_data()
    except PlanRuleError as error:
        raise PlanEditError(error.field, str(error)) from None
    exposure = _checked_exposure(compact, _merged(old.exposure or {}, edit.exposure))
    plan = MonitoringPlan(
        compact_id=compact.id,
        version=old.version + 1,
        catalogue_version=CATALOGUE_VERSION,
        exposure=exposure,
        rules=rules,
        note=edit.note.strip(),
        created_by_id=user.id if user is not None else None,
        indicators=list(rows.values()),
    )
    session.add(plan)
    session.flush()
    audit.record(
        session,
        actor_id=user.id if user is not None else None,
        action="assess.plan_version",
        object_type="compact",
        object_id=compact.slug,
        detail={
            "version": plan.version,
            "indicators": sorted({c.code for c in edit.indicators}),
            "rules": sorted(_paths(edit.rules)),
            "exposure": sorted(_paths(edit.exposure)),
        },
    )
    return plan


def _paths(change: Mapping[str, Any], prefix: str = "") -> list[str]:
    """Dotted names of the values an edit touches, for the audit trail (never the values)."""
    found = []
    for key, value in change.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and key != "region_population":
            found += _paths(value, name + ".")
        else:
            found.append(name)
    return found


def first_plan(compact: Compact, exposure: Mapping[str, Any], note: str) -> MonitoringPlan:
    """Version 1 of a new compact's plan: the catalogue's defaults, written out in full."""
    return MonitoringPlan(
        compact_id=compact.id,
        version=1,
        catalogue_version=CATALOGUE_VERSION,
        exposure=dict(exposure),
        rules=PlanRules().to_data(),
        note=note,
        indicators=[PlanIndicator(indicator_code=code) for code in INDICATOR_CODES],
    )
