"""What the transparency page reads and how it words it, in the visitor's language.

Only three things reach the public: the tier decisions (period and tier, never the assessor's
written justification, which may name units, places or incidents), the state of each indicator
in the latest annual scorecard (computed on exact data, as indicators.md says, shown as labels
without estimates or counts), and the protected figures of every release from `service.py`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from babel.dates import format_interval
from flask_babel import format_decimal, get_locale, gettext, pgettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.assess.periods import BadPeriod, Period
from portal.domain.catalogue import INDICATOR_CODES
from portal.domain.disclosure.noisy import Figure, Hidden
from portal.domain.models import Compact, Scorecard, TierDecision
from portal.i18n.markers import N_
from portal.i18n.templating import current_language, indicator_name, region_name, state_label
from portal.public.counts import UNKNOWN_REGION
from portal.public.ledger import StoredRelease

# indicators.md, "Tiers": what assistance each tier supports, in the public's words.
TIER_LABELS: Final[dict[int, str]] = {
    0: N_("Support for institutional reform only"),
    1: N_("Non-lethal equipment and training"),
    2: N_("Light weapons"),
    3: N_("Sophisticated weapons systems"),
}


def period_label(text: str) -> str:
    """A year stays a year ("2027"); a quarter becomes its months ("Apr – Jun 2027")."""
    try:
        period = Period.parse(text)
    except BadPeriod:
        return text
    if period.is_annual:
        return str(period.year)
    locale = get_locale() or current_language()
    return str(format_interval(period.first_month, period.last_month, "yMMM", locale=locale))


def tier_label(tier: int) -> str:
    label = TIER_LABELS.get(tier)
    return gettext(label) if label else str(tier)


@dataclass(frozen=True)
class Decision:
    period: str
    tier: int
    assistance: str
    decided: dt.date


def tier_history(session: Session, compact: Compact) -> list[Decision]:
    rows = session.scalars(
        select(TierDecision)
        .where(TierDecision.compact_id == compact.id)
        .order_by(TierDecision.decided_day.desc(), TierDecision.id.desc())
    )
    return [
        Decision(period_label(d.period), d.tier, tier_label(d.tier), d.decided_day) for d in rows
    ]


@dataclass(frozen=True)
class IndicatorState:
    code: str
    name: str
    state: str  # PASS / FAIL / INDETERMINATE / NO_DATA, for the style
    label: str


@dataclass(frozen=True)
class AnnualStates:
    period: str
    states: list[IndicatorState]

    @property
    def passes(self) -> int:
        return sum(s.state == "PASS" for s in self.states)


def latest_annual_states(session: Session, compact: Compact) -> AnnualStates | None:
    card = session.scalar(
        select(Scorecard)
        .where(Scorecard.compact_id == compact.id, func.length(Scorecard.period) == 4)
        .order_by(Scorecard.period.desc(), Scorecard.id.desc())
        .limit(1)
    )
    if card is None:
        return None
    entries = sorted(
        card.entries,
        key=lambda e: (
            INDICATOR_CODES.index(e.indicator_code)
            if e.indicator_code in INDICATOR_CODES
            else len(INDICATOR_CODES)
        ),
    )
    return AnnualStates(
        period=card.period,
        states=[
            IndicatorState(
                e.indicator_code, indicator_name(e.indicator_code), e.state, state_label(e.state)
            )
            for e in entries
        ],
    )


@dataclass(frozen=True)
class Cell:
    text: str  # what the cell shows
    label: str  # what it means, for screen readers (the same as `text` for a number)
    kind: str  # "count", "too_few" or "withheld" (hidden so another figure stays hidden)


@dataclass(frozen=True)
class Row:
    name: str
    cells: list[Cell]


@dataclass(frozen=True)
class FiguresView:
    """The published releases side by side: one column per release, newest first."""

    columns: list[str]
    published: list[dt.date]
    rows: list[Row]
    totals: list[Cell]
    has_withheld: bool
    region_threshold: int
    smallest_shown: int
    withheld_mark: str


# The page shows the newest releases; older ones stay in the ledger (and in the audit).
COLUMNS: Final = 3


def release_label(quarters: tuple[str, ...]) -> str:
    """A release's period in the reader's language: "Jan – Jun 2026", "Jan – Dec 2026"."""
    first, last = Period.parse(quarters[0]), Period.parse(quarters[-1])
    locale = get_locale() or current_language()
    return str(format_interval(first.first_month, last.last_month, "yMMM", locale=locale))


def _cell(figure: Figure) -> Cell:
    if figure.value is not None:
        # The margin is the 90% noise interval: "120 ±8".
        number = f"{format_decimal(figure.value)} ±{format_decimal(figure.interval)}"
        return Cell(number, number, "count")
    # A phrase in every cell would not fit on a 360 px phone: cells show a short mark,
    # explained in the legend, and screen readers hear the phrase.
    if figure.hidden is Hidden.WITHHELD:
        return Cell(withheld_mark(), gettext("withheld"), "withheld")
    return Cell("–", gettext("Too few to show"), "too_few")


def withheld_mark() -> str:
    return str(pgettext("short mark in a table cell for a withheld number", "x"))


def figures_view(releases: Sequence[StoredRelease], country: str) -> FiguresView | None:
    shown = [r for r in releases if r.figures is not None][:COLUMNS]
    if not shown:
        return None
    regions = shown[0].key.regions
    names = [
        gettext("Region not recorded") if code == UNKNOWN_REGION else region_name(country, code)
        for code in regions
    ]
    rows: list[Row] = []
    for i, name in enumerate(names):
        cells = []
        for stored in shown:
            assert stored.figures is not None
            if stored.key.regions != regions:  # the country's regions changed (ISO update)
                figure = _hidden_region(stored, regions[i])
            else:
                figure = stored.figures.regions[i]
            cells.append(_cell(figure))
        rows.append(Row(name, cells))
    unknown = rows.pop(regions.index(UNKNOWN_REGION)) if UNKNOWN_REGION in regions else None
    rows.sort(key=lambda r: r.name)
    if unknown is not None:
        rows.append(unknown)
    totals = [_cell(r.figures.total) for r in shown if r.figures is not None]
    everything = [c for row in rows for c in row.cells] + totals
    first = shown[0].figures
    assert first is not None
    return FiguresView(
        columns=[release_label(r.key.quarters) for r in shown],
        published=[r.day for r in shown],
        rows=rows,
        totals=totals,
        has_withheld=any(c.kind == "withheld" for c in everything),
        region_threshold=first.region_level.threshold,
        smallest_shown=first.smallest_shown,
        withheld_mark=withheld_mark(),
    )


def _hidden_region(stored: StoredRelease, code: str) -> Figure:
    assert stored.figures is not None
    if code in stored.key.regions:
        return stored.figures.regions[stored.key.regions.index(code)]
    return Figure(None, stored.figures.region_level.interval, Hidden.TOO_FEW)
