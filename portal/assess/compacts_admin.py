"""Creating and changing compacts from the UI (issue 12.4), and reading plan versions as diffs.

A compact's terms are few and public (country, partner, term, desks, fragility band, status), so
each change is kept as one audit event holding the values before and after: the compact's page
lists those versions with what changed, and the tamper-evident chain keeps them honest. Plans
have their own versions (`portal/assess/plans.py`); `plan_diff` says what one version changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pycountry
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import audit
from portal.assess.plans import first_plan
from portal.domain.models import (
    AuditEvent,
    Compact,
    CompactDesk,
    CompactStatus,
    Desk,
    MonitoringPlan,
    User,
)
from portal.i18n.markers import N_

FRAGILITY_BANDS: dict[str, str] = {
    "extreme": N_("Extreme fragility"),
    "high": N_("High fragility"),
    "moderate": N_("Moderate fragility"),
    "low": N_("Low fragility"),
}
STATUS_LABELS: dict[CompactStatus, str] = {
    CompactStatus.DRAFT: N_("Draft: not open to reports"),
    CompactStatus.ACTIVE: N_("Active: open to reports"),
    CompactStatus.SUSPENDED: N_("Suspended"),
    CompactStatus.ENDED: N_("Ended"),
}
# What a version of a compact records, in the order the page shows it.
FIELDS: tuple[str, ...] = (
    "country",
    "partner",
    "title",
    "start_day",
    "end_day",
    "status",
    "fragility_band",
    "population",
    "desks",
)
FIELD_LABELS: dict[str, str] = {
    "country": N_("Country"),
    "partner": N_("Partner government"),
    "title": N_("Title"),
    "start_day": N_("Start of the term"),
    "end_day": N_("End of the term"),
    "status": N_("Status"),
    "fragility_band": N_("Fragility band (peers)"),
    "population": N_("Population"),
    "desks": N_("Desks"),
}


class CompactError(ValueError):
    """A compact the admin must correct: `where` names the field, `message` is an N_ sentence."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(message)
        self.where = where
        self.message = message


@dataclass(frozen=True)
class CompactTerms:
    country: str
    partner: str
    title: str
    start_day: dt.date
    end_day: dt.date
    status: CompactStatus
    fragility_band: str
    population: int
    desk_ids: tuple[int, ...]


def _years_later(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _check(session: Session, terms: CompactTerms) -> list[Desk]:
    if pycountry.countries.get(alpha_2=terms.country) is None:
        raise CompactError("country", N_("Choose a country."))
    if not terms.partner.strip():
        raise CompactError("partner", N_("Name the partner government."))
    if not terms.title.strip():
        raise CompactError("title", N_("Give the compact a title."))
    shortest = _years_later(terms.start_day, 5) - dt.timedelta(days=1)
    longest = _years_later(terms.start_day, 10) - dt.timedelta(days=1)
    if not shortest <= terms.end_day <= longest:
        raise CompactError("end_day", N_("A compact's term is 5 to 10 years."))
    if terms.fragility_band not in FRAGILITY_BANDS:
        raise CompactError("fragility_band", N_("Choose a fragility band."))
    if terms.population < 0:
        raise CompactError("population", N_("The population is a whole number, 0 or more."))
    desks = list(session.scalars(select(Desk).where(Desk.id.in_(terms.desk_ids))))
    if not desks or len(desks) != len(set(terms.desk_ids)):
        raise CompactError("desks", N_("Choose the desk or desks that verify its reports."))
    return desks


def snapshot(compact: Compact) -> dict[str, Any]:
    """The compact's terms as plain values (for the audit trail and the diff)."""
    return {
        "country": compact.country,
        "partner": compact.partner,
        "title": compact.title,
        "start_day": compact.start_day.isoformat(),
        "end_day": compact.end_day.isoformat(),
        "status": compact.status.value,
        "fragility_band": compact.fragility_band,
        "population": compact.population,
        "desks": sorted(d.desk_id for d in compact.desks),
    }


def _slug_for(session: Session, terms: CompactTerms) -> str:
    base = f"{terms.country.lower()}-{terms.start_day.year}"
    slug, n = base, 1
    while session.scalar(select(Compact.id).where(Compact.slug == slug)) is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


def create_compact(session: Session, user: User, terms: CompactTerms) -> Compact:
    """A new compact and version 1 of its plan (the catalogue's defaults, written out)."""
    desks = _check(session, terms)
    compact = Compact(
        slug=_slug_for(session, terms),
        country=terms.country,
        partner=terms.partner.strip(),
        title=terms.title.strip(),
        start_day=terms.start_day,
        end_day=terms.end_day,
        status=terms.status,
        fragility_band=terms.fragility_band,
        population=terms.population,
        desks=[CompactDesk(desk_id=d.id) for d in desks],
    )
    session.add(compact)
    session.flush()
    plan = first_plan(
        compact, {"population": terms.population}, "First version: the catalogue's defaults."
    )
    plan.created_by_id = user.id
    session.add(plan)
    session.flush()
    audit.record(
        session,
        actor_id=user.id,
        action="compact.create",
        object_type="compact",
        object_id=compact.slug,
        detail={"after": snapshot(compact)},
    )
    return compact


def edit_compact(session: Session, user: User, compact: Compact, terms: CompactTerms) -> bool:
    """Apply the terms; False when nothing changed (no version is recorded then)."""
    desks = _check(session, terms)
    before = snapshot(compact)
    compact.country = terms.country
    compact.partner = terms.partner.strip()
    compact.title = terms.title.strip()
    compact.start_day = terms.start_day
    compact.end_day = terms.end_day
    compact.status = terms.status
    compact.fragility_band = terms.fragility_band
    compact.population = terms.population
    wanted = {d.id for d in desks}
    compact.desks = [d for d in compact.desks if d.desk_id in wanted] + [
        CompactDesk(desk_id=i) for i in sorted(wanted - {d.desk_id for d in compact.desks})
    ]
    session.flush()
    after = snapshot(compact)
    changed = {k: [before[k], after[k]] for k in FIELDS if before[k] != after[k]}
    if not changed:
        return False
    audit.record(
        session,
        actor_id=user.id,
        action="compact.edit",
        object_type="compact",
        object_id=compact.slug,
        detail={"changes": changed},
    )
    return True


@dataclass(frozen=True)
class Change:
    what: str
    before: Any
    after: Any


@dataclass(frozen=True)
class CompactVersion:
    number: int
    day: dt.date
    actor_id: int | None
    changes: tuple[Change, ...]


def compact_versions(session: Session, compact: Compact) -> list[CompactVersion]:
    """Newest first: version 1 is the creation (every term "after"), then one per edit."""
    events = session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.object_type == "compact",
            AuditEvent.object_id == compact.slug,
            AuditEvent.action.in_(("compact.create", "compact.edit")),
        )
        .order_by(AuditEvent.id)
    ).all()
    versions = []
    for number, event in enumerate(events, start=1):
        detail = event.detail or {}
        if event.action == "compact.create":
            after = detail.get("after", {})
            changes = tuple(Change(k, None, after.get(k)) for k in FIELDS if k in after)
        else:
            changes = tuple(Change(k, v[0], v[1]) for k, v in detail.get("changes", {}).items())
        versions.append(CompactVersion(number, event.day, event.actor_id, changes))
    return list(reversed(versions))


def peers(session: Session, compact: Compact) -> list[Compact]:
    """Compacts whose estimates set this one's peer-median thresholds: same fragility band."""
    return list(
        session.scalars(
            select(Compact)
            .where(Compact.fragility_band == compact.fragility_band, Compact.id != compact.id)
            .order_by(Compact.country)
        )
    )


def _flat(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):  # region by region too: one line per changed figure
            found.update(_flat(value, name + "."))
        else:
            found[name] = value
    return found


def _indicator_values(plan: MonitoringPlan) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for item in plan.indicators:
        code = item.indicator_code
        values[f"{code} · baseline"] = item.baseline
        for year, target in sorted((item.annual_targets or {}).items()):
            values[f"{code} · target {year}"] = target
        values[f"{code} · threshold"] = (item.threshold or {}).get("value")
        values[f"{code} · threshold source"] = (item.threshold or {}).get("source")
        values[f"{code} · data source"] = item.data_source
        values[f"{code} · quality review"] = (
            item.last_quality_review.isoformat() if item.last_quality_review else None
        )
    return values


def plan_diff(old: MonitoringPlan | None, new: MonitoringPlan) -> list[Change]:
    """What `new` changed from `old`: indicator values, scoring rules and exposure, by name."""
    after = {
        **_indicator_values(new),
        **{f"rules.{k}": v for k, v in _flat(new.rules or {}).items()},
        **{f"exposure.{k}": v for k, v in _flat(new.exposure or {}).items()},
    }
    before: dict[str, Any] = {}
    if old is not None:
        before = {
            **_indicator_values(old),
            **{f"rules.{k}": v for k, v in _flat(old.rules or {}).items()},
            **{f"exposure.{k}": v for k, v in _flat(old.exposure or {}).items()},
        }
    names: Sequence[str] = sorted(set(before) | set(after))
    return [
        Change(name, before.get(name), after.get(name))
        for name in names
        if _blank(before.get(name)) != _blank(after.get(name))
    ]


def _blank(value: Any) -> Any:
    """An empty text and no value read the same ("—"): not a change worth a diff line."""
    return None if value == "" else value
