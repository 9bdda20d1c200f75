"""The monitoring coverage gate: was anyone in a position to report? (indicators.md)

Zero verified reports of grave violations can mean that none happened, or that nobody dared or
managed to report. So a period whose monitoring falls below the plan's minimum cannot turn
silence into a PASS on any report-fed indicator; evidence of harm (a FAIL) still stands.

The service measures the figures (`CoverageFigures`) from stored data and puts them in the
scorecard's snapshot; this module only compares them with the plan's `CoverageMinimum`, so the
judgement is reproducible from the snapshot and the plan version.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from portal.domain.scoring.rules import CoverageMinimum
from portal.i18n.markers import N_


class Criterion(StrEnum):
    REPORTS = "reports"
    PARTNERS = "partners"
    POPULATION = "population"
    BACKLOG = "backlog"
    DISRUPTIONS = "disruptions"


# What each criterion checks, in the assessor's words (translated by the web layer).
CRITERION_LABELS: Final[dict[Criterion, str]] = {
    Criterion.REPORTS: N_("Reports of any kind about the period"),
    Criterion.PARTNERS: N_("Partner organisations active (member reports or attestations)"),
    Criterion.POPULATION: N_("Share of the population in regions with at least one report"),
    Criterion.BACKLOG: N_("Grave-violation or reprisal reports left unverified too long"),
    Criterion.DISRUPTIONS: N_("Suspensions, channel shutdowns and verified reprisals"),
}


@dataclass(frozen=True)
class CoverageFigures:
    """What the monitoring achieved in one period, as the service measured it.

    `population_share` is None when the plan gives no population by region, so the share cannot
    be worked out; the criterion then fails, since unknown coverage is not coverage.
    `overdue_reports`: HR-1 and OA-3 reports about the period still unverified more than the
    plan's `max_unverified_days` after they arrived, on the day the snapshot was taken.
    `disruptions`: recorded suspensions and channel shutdowns overlapping the period.
    `reprisals`: verified reprisal incidents (OA-3) in the period.
    """

    reports: int
    partners: int
    population_share: float | None
    overdue_reports: int
    disruptions: int
    reprisals: int


@dataclass(frozen=True)
class CriterionResult:
    criterion: Criterion
    figure: float | None
    limit: float
    at_least: bool  # True: the figure must reach the limit; False: must not exceed it
    met: bool


@dataclass(frozen=True)
class Coverage:
    """The gate's verdict with every figure beside its limit, for the scorecard to show."""

    results: tuple[CriterionResult, ...]
    measured: bool  # False: the snapshot had no coverage figures at all

    @property
    def met(self) -> bool:
        return self.measured and all(r.met for r in self.results)

    def unmet(self) -> tuple[Criterion, ...]:
        return tuple(r.criterion for r in self.results if not r.met)


def judge_coverage(figures: CoverageFigures | None, minimum: CoverageMinimum) -> Coverage:
    if figures is None:
        return Coverage((), measured=False)
    share = figures.population_share
    disrupted = figures.disruptions + figures.reprisals
    results = (
        CriterionResult(
            Criterion.REPORTS,
            figures.reports,
            minimum.min_reports,
            True,
            figures.reports >= minimum.min_reports,
        ),
        CriterionResult(
            Criterion.PARTNERS,
            figures.partners,
            minimum.min_partners,
            True,
            figures.partners >= minimum.min_partners,
        ),
        CriterionResult(
            Criterion.POPULATION,
            share,
            minimum.min_population_share,
            True,
            # A plan that asks for no population share needs no population by region.
            minimum.min_population_share == 0
            or (share is not None and share >= minimum.min_population_share),
        ),
        CriterionResult(
            Criterion.BACKLOG,
            figures.overdue_reports,
            minimum.max_overdue_reports,
            False,
            figures.overdue_reports <= minimum.max_overdue_reports,
        ),
        CriterionResult(
            Criterion.DISRUPTIONS,
            disrupted,
            minimum.max_disruptions,
            False,
            disrupted <= minimum.max_disruptions,
        ),
    )
    return Coverage(results, measured=True)
