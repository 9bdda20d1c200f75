"""A plan version's values named and written as a reader says them, for the diff view.

The diff compares versions by dotted keys ("rules.tiers.tier1_min_passes"); nobody reading the
plan should have to know them. Each key is named with the same words as the field that sets it,
under the section it belongs to, and each value is written in its unit (a share as a percentage,
a count with the reader's digit grouping).
"""

from __future__ import annotations

from typing import Any

from flask_babel import format_decimal, format_percent, gettext

from portal.i18n.markers import N_
from portal.i18n.places import regions
from portal.i18n.templating import current_language

COVERAGE = N_("Monitoring coverage minimum")
TIERS = N_("Tier counts")
HURDLES = N_("Hard hurdles, intervals and clocks")
POPULATION = N_("Population by region")

# Dotted key → (section, label); the labels are the form fields' own.
LABELS: dict[str, tuple[str, str]] = {
    "rules.coverage.min_reports": (COVERAGE, N_("Reports about the period, at least")),
    "rules.coverage.min_partners": (COVERAGE, N_("Partner organisations active, at least")),
    "rules.coverage.min_population_share": (
        COVERAGE,
        N_("Share of the population in regions with a report, at least (%)"),
    ),
    "rules.coverage.max_unverified_days": (
        COVERAGE,
        N_("Days before an HR-1 or OA-3 report is overdue"),
    ),
    "rules.coverage.max_overdue_reports": (COVERAGE, N_("Overdue reports allowed")),
    "rules.coverage.max_disruptions": (
        COVERAGE,
        N_("Suspensions, shutdowns or reprisals allowed"),
    ),
    "rules.tiers.tier1_min_passes": (TIERS, N_("Tier 1: indicators that pass, at least")),
    "rules.tiers.tier2_min_passes": (TIERS, N_("Tier 2: indicators that pass, at least")),
    "rules.tiers.tier3_min_passes": (TIERS, N_("Tier 3: indicators that pass, at least")),
    "rules.tiers.reform_min_passes": (TIERS, N_("Reform track: indicators that pass, at least")),
    "rules.tiers.integrity_min_passes": (
        TIERS,
        N_("Tier 2: integrity indicators (IC-1 to IC-3) that pass, at least"),
    ),
    "rules.tiers.unit_flag_min_incidents": (
        TIERS,
        N_("Unit flag: verified grave-violation incidents of one unit, at least"),
    ),
    "rules.tiers.unit_flag_window_months": (
        TIERS,
        N_("Unit flag: counted within this many months"),
    ),
    "rules.tiers.peer_minimum": (
        TIERS,
        N_("Peer median: comparable compacts with an estimate, at least"),
    ),
    "rules.hurdle_confidence": (
        HURDLES,
        N_("Confidence of the exact bounds that decide the hard hurdles (%)"),
    ),
    "rules.interval_mass": (
        HURDLES,
        N_("Probability inside the intervals the scorecard shows (%)"),
    ),
    "rules.checklist_min_half_width": (
        HURDLES,
        N_("Narrowest checklist interval, plus or minus (points)"),
    ),
    "rules.response_window_days": (
        HURDLES,
        N_("Days after the incident month within which a response must start (OA-1, CH-2)"),
    ),
    "exposure.population_source": (POPULATION, N_("Where the population figures come from")),
    "exposure.population": ("", N_("Population")),
    # The denominators of the per-operation and per-item rates (CH-1, AD-1).
    "exposure.operations": ("", N_("Operations in the period (per-operation rates)")),
    "exposure.items_delivered": ("", N_("Items delivered (per-item rates)")),
}
SHARES = {
    "rules.coverage.min_population_share",
    "rules.hurdle_confidence",
    "rules.interval_mass",
}
FRACTIONS = "rules.reporting_fractions."
REGIONS = "exposure.region_population."


def rule_label(key: str, country: str) -> str | None:
    """A scoring rule's or exposure value's name in the reader's language; None if unknown."""
    if key in LABELS:
        section, label = LABELS[key]
        named = str(gettext(label))
        return f"{gettext(section)}: {named}" if section else named
    if key.startswith(FRACTIONS):
        code, _, part = key[len(FRACTIONS) :].rpartition(".")
        if part == "source":
            return str(gettext("%(code)s: where this fraction comes from", code=code))
        return str(
            gettext(
                "%(code)s: share of events that reach the portal (above 0, at most 1)", code=code
            )
        )
    if key.startswith(REGIONS):
        code = key[len(REGIONS) :]
        names = {p.code: p.name for p in regions(country, current_language())}
        return f"{gettext(POPULATION)}: {names.get(code, code)}"
    return None


def rule_value(key: str, value: Any) -> str:
    """A plan value in its unit: shares as percentages, numbers grouped, text as written."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        if key in SHARES:
            return str(format_percent(float(value), format="#,##0.##%"))
        return str(format_decimal(value, format="#,##0.####"))
    return str(value)
