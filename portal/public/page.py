"""What the transparency page reads and how it words it, in the visitor's language.

Only three things reach the public: the tier decisions (period and tier, never the assessor's
written justification, which may name units, places or incidents), the state of each indicator
in the latest annual scorecard (computed on exact data, as indicators.md says, shown as labels
without estimates or counts), and the protected table from `service.py`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

from babel.dates import format_interval
from flask_babel import format_date, format_decimal, get_locale, gettext, pgettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.assess.periods import BadPeriod, Period
from portal.domain.catalogue import INDICATOR_CODES
from portal.domain.disclosure import PublicCount, Released, ReleasedTable, SuppressedLabel
from portal.domain.models import Compact, Scorecard, TierDecision
from portal.i18n.markers import N_
from portal.i18n.templating import current_language, indicator_name, region_name, state_label
from portal.public.counts import UNKNOWN_REGION

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


def quarter_heading(text: str) -> str:
    """A quarter as a narrow column heading: "Q2 2027", "T2 2027", "الربع الثاني 2027"."""
    period = Period.parse(text)
    return str(format_date(period.first_month, "QQQ y"))


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
    kind: str  # "count", "fewer" (a small count) or "withheld" (hides another entry)


@dataclass(frozen=True)
class Row:
    name: str
    cells: list[Cell]
    total: Cell


@dataclass(frozen=True)
class TableView:
    quarters: list[str]
    first: str
    last: str
    rows: list[Row]
    totals: list[Cell]
    grand_total: Cell
    smallest_shown: int
    has_withheld: bool
    fewer_mark: str
    withheld_mark: str


def _cell(count: PublicCount, smallest_shown: int) -> Cell:
    if isinstance(count, Released):
        number = str(format_decimal(count.value))
        return Cell(number, number, "count")
    # A phrase in every cell would not fit six columns on a 360 px phone: cells show a short
    # mark, explained in the legend, and screen readers hear the phrase.
    if count.label is SuppressedLabel.FEWER_THAN:
        return Cell(
            fewer_mark(smallest_shown),
            gettext("fewer than %(number)s", number=smallest_shown),
            "fewer",
        )
    return Cell(withheld_mark(), gettext("withheld"), "withheld")


def fewer_mark(smallest_shown: int) -> str:
    # Shown left to right on every page: translate it as a symbol with the number, not words.
    return str(pgettext("short mark in a table cell", "<%(number)s", number=smallest_shown))


def withheld_mark() -> str:
    return str(pgettext("short mark in a table cell for a withheld number", "x"))


def table_view(table: ReleasedTable, country: str) -> TableView:
    shown = table.smallest_shown
    rows = [
        Row(
            gettext("Region not recorded")
            if code == UNKNOWN_REGION
            else region_name(country, code),
            [_cell(c, shown) for c in cells],
            _cell(total, shown),
        )
        for code, cells, total in zip(table.key.regions, table.cells, table.row_totals, strict=True)
    ]
    unknown = None
    if UNKNOWN_REGION in table.key.regions:
        unknown = rows.pop(table.key.regions.index(UNKNOWN_REGION))
    rows.sort(key=lambda r: r.name)
    if unknown is not None:
        rows.append(unknown)
    quarters = [quarter_heading(q) for q in table.key.quarters]
    totals = [_cell(c, shown) for c in table.column_totals]
    grand_total = _cell(table.grand_total, shown)
    everything = [c for row in rows for c in (*row.cells, row.total)] + [*totals, grand_total]
    return TableView(
        quarters=quarters,
        first=period_label(table.key.quarters[0]),
        last=period_label(table.key.quarters[-1]),
        rows=rows,
        totals=totals,
        grand_total=grand_total,
        smallest_shown=shown,
        has_withheld=any(c.kind == "withheld" for c in everything),
        fewer_mark=fewer_mark(shown),
        withheld_mark=withheld_mark(),
    )
