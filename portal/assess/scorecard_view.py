"""What the scorecard page shows beside the numbers: the coverage gate with its figures, how each
state was decided (exact bounds, reporting fraction, sources), and whether the chain holds.

Plain data for the template, worded in the reader's language; the page itself stays a template.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask_babel import format_decimal, format_percent, gettext
from sqlalchemy.orm import Session

from portal.assess.coverage import awaiting_outcome
from portal.assess.periods import Period
from portal.assess.plans import NoPlan, plan_rules, plan_version
from portal.assess.scoring import Recheck, recheck
from portal.domain.models import Compact, Scorecard, ScorecardEntry
from portal.domain.scoring import CRITERION_LABELS, Criterion


@dataclass(frozen=True)
class CoverageLine:
    label: str
    figure: str
    limit: str
    met: bool


def _figure(criterion: Criterion, value: Any) -> str:
    if value is None:
        return str(gettext("unknown: the plan gives no population by region"))
    if criterion is Criterion.POPULATION:
        return str(format_percent(float(value), format="#,##0%"))
    return str(format_decimal(value))


def coverage_lines(card: Scorecard) -> tuple[bool, bool, list[CoverageLine]]:
    """(measured, met, one line per criterion) from what the scorecard stored."""
    stored = (card.assessment or {}).get("coverage")
    if not stored:
        return False, False, []
    lines = []
    for result in stored.get("results", []):
        criterion = Criterion(result["criterion"])
        limit = _figure(criterion, result["limit"])
        lines.append(
            CoverageLine(
                label=gettext(CRITERION_LABELS[criterion]),
                figure=_figure(criterion, result["figure"]),
                limit=gettext("at least %(limit)s", limit=limit)
                if result["at_least"]
                else gettext("at most %(limit)s", limit=limit),
                met=bool(result["met"]),
            )
        )
    return bool(stored.get("measured")), bool(stored.get("met")), lines


def decided_on(entry: ScorecardEntry) -> str:
    """One line on how the state was decided, for the indicator table."""
    basis = entry.basis or {}
    parts = []
    if basis.get("exact"):
        confidence = format_percent(float(basis["confidence"]), format="#,##0.#%")
        parts.append(
            gettext(
                "Hard hurdle: exact one-sided %(confidence)s bounds %(lower)s – %(upper)s",
                confidence=confidence,
                lower=format_decimal(basis["lower"], format="#,##0.###"),
                upper=format_decimal(basis["upper"], format="#,##0.###"),
            )
        )
    if basis.get("fraction") is not None:
        parts.append(
            gettext(
                "Report rate divided by a reporting fraction p = %(p)s (source: %(source)s)",
                p=format_decimal(basis["fraction"]),
                source=basis.get("fraction_source", ""),
            )
        )
    if basis.get("pending"):
        parts.append(
            gettext(
                "%(count)s incident(s) still inside their response window, not counted yet",
                count=basis["pending"],
            )
        )
    if basis.get("unknown"):
        parts.append(
            gettext(
                "%(count)s incident(s) with no response recorded, counted as not in time",
                count=basis["unknown"],
            )
        )
    if basis.get("assessor"):
        parts.append(
            gettext(
                "plus the assessor's count: %(yes)s in time, %(no)s not",
                yes=format_decimal(basis["assessor"]["successes"]),
                no=format_decimal(basis["assessor"]["failures"]),
            )
        )
    if basis.get("direct") is not None:
        parts.append(
            gettext(
                "plus %(items)s item(s) found by audit, not scaled by p",
                items=format_decimal(basis["direct"]),
            )
        )
    if entry.threshold is not None and basis.get("threshold_source"):
        parts.append(gettext("Threshold source: %(source)s", source=basis["threshold_source"]))
    return "; ".join(str(p) for p in parts)


@dataclass(frozen=True)
class ScorecardExtras:
    coverage_measured: bool
    coverage_met: bool
    coverage: list[CoverageLine]
    regions: int
    decided: dict[str, str]
    recheck: Recheck
    awaiting: list[str]
    awaiting_total: int


def scorecard_extras(
    session: Session, compact: Compact, card: Scorecard, today: dt.date
) -> ScorecardExtras:
    measured, met, lines = coverage_lines(card)
    awaiting: list[str] = []
    total = 0
    try:
        rules = plan_rules(plan_version(session, compact, card.plan_version))
    except NoPlan:
        rules = None
    if rules is not None:
        awaiting, total = awaiting_outcome(
            session, compact, Period.parse(card.period), rules, today
        )
    return ScorecardExtras(
        coverage_measured=measured,
        coverage_met=met,
        coverage=lines,
        regions=len((card.assessment or {}).get("coverage", {}).get("regions", [])),
        decided={e.indicator_code: decided_on(e) for e in card.entries},
        recheck=recheck(session, card),
        awaiting=awaiting,
        awaiting_total=total,
    )
