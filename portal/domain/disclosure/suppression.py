"""Which entries of a public table are withheld: primary and complementary cell suppression.

Decisions, all taken on the exact counts:

- Primary: a count of 1 to 10 is withheld and shown as "fewer than 11"; so is any non-zero
  entry with fewer than 5 contributors. With the default unit (incidents) a shown count of 11
  or more already stands for 11 or more incidents, so k ≥ 5 holds by construction and the
  contributor rule only bites when the caller counts contributors in another unit.
- Zero is published. It says no verified incident was recorded, which points at nobody, and
  hiding zeros would hide the most reassuring fact a region can show.
- Zeros are never complements either: a withheld zero can only move up, so it protects in one
  direction and lets the attacker bound the other. Every withheld entry is therefore non-zero,
  which the audit assumes the attacker knows.
- Totals that are themselves small (or have few contributors) are withheld like cells.
  Complements are taken from cells first; a total is withheld only when no cell can do the job,
  because totals are the figures the public page is most read for.
- Complements: no constraint (a row, a column, a line of totals) may have a single withheld
  entry, since it would equal the published rest. The complement picked is a published
  non-zero cell with room to move (at least 11 + protection level), preferably one that also
  pairs up with a withheld entry in its other line, then the smallest.
- Audit: every withheld entry must keep a feasible interval at least `protection_level` wide
  under the attacker model of `audit.py`. Failures get one more complement at a time until the
  audit passes. Withholding more never narrows an interval (a fixed value becomes a range that
  contains it), so an entry that passed once is never audited again.
- When even withholding every non-zero entry leaves a small count too narrow (many small counts
  whose total is also "fewer than 11"), the table is refused with `UnprotectableTable`: the
  labels alone would give the values away, and the safe answer is to publish nothing.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from portal.domain.disclosure.audit import first_narrow_entry
from portal.domain.disclosure.margins import Margins, margins_of, split_entries
from portal.domain.disclosure.table import CountTable


class SuppressionReason(StrEnum):
    SMALL_COUNT = "small_count"
    FEW_CONTRIBUTORS = "few_contributors"
    COMPLEMENTARY = "complementary"


@dataclass(frozen=True)
class SuppressionRules:
    """Defaults from indicators.md ("Public release"); a compact's plan may override them."""

    smallest_shown: int = 11  # counts 1 .. smallest_shown − 1 are "fewer than smallest_shown"
    min_contributors: int = 5
    # Least width of the interval an attacker can narrow a withheld entry to: 3 leaves at
    # least four candidate values for any small count.
    protection_level: int = 3

    def __post_init__(self) -> None:
        if self.min_contributors < 1:
            raise ValueError("min_contributors must be at least 1")
        # A lone small count is known to lie in 1 .. smallest_shown − 1, so no pattern can
        # ever give it more room than that.
        if not 1 <= self.protection_level <= self.smallest_shown - 2:
            raise ValueError("protection_level must be between 1 and smallest_shown − 2")


class UnprotectableTable(Exception):
    """Even withholding every non-zero entry would let a small count be narrowed down."""


Reason = SuppressionReason | None


@dataclass(frozen=True)
class SuppressionPattern:
    """Why each entry is withheld, or None where it is published."""

    cells: tuple[tuple[Reason, ...], ...]
    row_totals: tuple[Reason, ...]
    column_totals: tuple[Reason, ...]
    grand_total: Reason


def plan_suppression(
    table: CountTable, rules: SuppressionRules | None = None
) -> SuppressionPattern:
    margins = margins_of(table)
    flat = suppression_reasons(margins, rules or SuppressionRules())
    cells, row_totals, column_totals, grand_total = split_entries(
        flat, margins.rows, margins.columns
    )
    return SuppressionPattern(cells, row_totals, column_totals, grand_total)


def suppression_reasons(margins: Margins, rules: SuppressionRules) -> tuple[Reason, ...]:
    """Per entry (in `Margins` order), why it is withheld, or None where it is published."""
    reasons = _primary(margins, rules)
    suppressed = set(reasons)
    to_audit = suppressed | _pair_up(margins, suppressed, rules)
    known_protectable: set[int] = set()
    while True:
        failing = first_narrow_entry(
            margins,
            frozenset(suppressed),
            to_audit,
            rules.smallest_shown,
            rules.protection_level,
        )
        if failing is None:
            break
        if failing not in known_protectable:
            _require_protectable(margins, suppressed, failing, rules)
            known_protectable.add(failing)
        added = _complement_for(margins, suppressed, failing, rules)
        suppressed.add(added)
        # Entries below `failing` passed, and withholding more cannot narrow them again.
        to_audit = {e for e in to_audit if e >= failing} | {added}
        to_audit |= _pair_up(margins, suppressed, rules)
    return tuple(
        reasons.get(e, SuppressionReason.COMPLEMENTARY) if e in suppressed else None
        for e in range(margins.size)
    )


def _primary(margins: Margins, rules: SuppressionRules) -> dict[int, SuppressionReason]:
    reasons: dict[int, SuppressionReason] = {}
    for entry, (value, k) in enumerate(zip(margins.values, margins.contributors, strict=True)):
        if 1 <= value < rules.smallest_shown:
            reasons[entry] = SuppressionReason.SMALL_COUNT
        elif value >= 1 and k < rules.min_contributors:
            reasons[entry] = SuppressionReason.FEW_CONTRIBUTORS
    return reasons


def _require_protectable(
    margins: Margins, suppressed: set[int], entry: int, rules: SuppressionRules
) -> None:
    # Withholding every non-zero entry gives each interval the most room it can ever have, so
    # asking that first turns a hopeless table into an early refusal instead of a slow march
    # to full suppression.
    everything = frozenset(e for e, value in enumerate(margins.values) if value > 0)
    if (
        everything <= suppressed
        or first_narrow_entry(
            margins, everything, [entry], rules.smallest_shown, rules.protection_level
        )
        is not None
    ):
        raise UnprotectableTable(
            "withholding every non-zero entry still lets a small count be narrowed down"
        )


def _pair_up(margins: Margins, suppressed: set[int], rules: SuppressionRules) -> set[int]:
    """Withhold complements until no constraint has exactly one withheld entry; return them."""
    added: set[int] = set()
    changed = True
    while changed:
        changed = False
        for constraint in range(len(margins.constraints)):
            members = margins.members(constraint)
            hidden = [e for e in members if e in suppressed]
            if len(hidden) != 1:
                continue
            complement = _best_complement(margins, suppressed, hidden[0], members, rules)
            if complement is None:
                # The lone withheld entry is non-zero and equals a signed sum of the others, so
                # one of them is a published non-zero entry.
                raise RuntimeError("no complement in a constraint with one withheld entry")
            suppressed.add(complement)
            added.add(complement)
            changed = True
    return added


def _complement_for(
    margins: Margins, suppressed: set[int], failing: int, rules: SuppressionRules
) -> int:
    """One more entry to withhold so that `failing` gains room, nearest candidates first."""
    neighbours = {
        e for constraint in margins.memberships[failing] for e in margins.members(constraint)
    }
    for pool in (neighbours, range(margins.size)):
        complement = _best_complement(margins, suppressed, failing, pool, rules)
        if complement is not None:
            return complement
    # Unreachable after _require_protectable: a protectable entry that still fails means some
    # non-zero entry is still published.
    raise UnprotectableTable("no entry left to withhold")


def _best_complement(
    margins: Margins,
    suppressed: set[int],
    protected: int,
    pool: Iterable[int],
    rules: SuppressionRules,
) -> int | None:
    candidates = [e for e in pool if e not in suppressed and margins.values[e] > 0]
    if not candidates:
        return None
    roomy = rules.smallest_shown + rules.protection_level

    def closes_a_cycle(entry: int) -> bool:
        # Withholding an entry that already shares another line with a withheld one lets the
        # protected value move round a closed cycle instead of opening a new lonely line.
        return any(
            protected not in margins.members(c) and any(e in suppressed for e in margins.members(c))
            for c in margins.memberships[entry]
        )

    return min(
        candidates,
        key=lambda e: (
            margins.is_total(e),
            margins.values[e] < roomy,
            not closes_a_cycle(e),
            margins.values[e],
            e,
        ),
    )
